"""The two pieces of a training loop that both the engine and the scikit-learn API use.

:func:`epoch_order` fixes the order of samples in an epoch from ``(seed, epoch)`` alone, so a
run resumed mid-epoch sees exactly the batches it would have seen; given the samples' lengths
(sentences padded to the corpus's longest) it orders them by length within shuffled chunks, so
that each batch holds sentences of about one length and can be cut to its own longest one
(:func:`padding_fraction` measures what is left). :func:`optimize` applies
one step of a model's own training rule: for a gradient-trained model (``automatic
optimization``) the engine computes the loss's gradient and steps the optimizer; a model with
a rule of its own (Hebbian, contrastive divergence, Rosenblatt's rule, two optimizers) updates
itself inside ``training_step``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import torch

from nnzoo.core.errors import ConfigError, InputError


def epoch_order(n: int, seed: int, epoch: int, device: torch.device | str = "cpu", *,
                lengths: torch.Tensor | None = None, batch_size: int = 0,
                chunk_batches: int = 50) -> torch.Tensor:
    """A permutation of ``range(n)`` that depends only on ``seed`` and ``epoch`` (and, when
    given, ``lengths`` and ``batch_size``).

    Without ``lengths``: a uniform random permutation. With ``lengths`` (n,) and
    ``batch_size`` (the length-bucketed order of sequence data):

    1. the same random permutation;
    2. cut into chunks of ``chunk_batches * batch_size`` samples, each sorted by length
       (stable: equal lengths keep their random order);
    3. the full batches of ``batch_size`` consecutive samples shuffled among themselves
       (the last, shorter batch of the epoch, if any, stays last, so that
       :func:`batch_slices` cuts the same batch sizes as for any other order).

    Each batch then holds samples of neighbouring lengths, from a random ``1 / chunk_batches``
    of the epoch's samples, and the batches come in random order.
    """
    g = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    perm = torch.randperm(n, generator=g)
    if lengths is None:
        return perm.to(device)
    if lengths.shape != (n,):
        raise InputError(f"lengths must have shape ({n},), got {tuple(lengths.shape)}")
    if batch_size < 1 or chunk_batches < 1:
        raise ConfigError(f"batch_size and chunk_batches must be >= 1, got {batch_size} and "
                         f"{chunk_batches}")
    L = lengths.detach().to("cpu", torch.int64)[perm]
    chunk = torch.arange(n) // (chunk_batches * batch_size)
    key = chunk * (int(L.max()) + 1 if n else 1) + L               # chunk first, then length
    order = perm[torch.sort(key, stable=True).indices]
    full = n // batch_size
    shuffled = torch.randperm(full, generator=g)
    head = order[:full * batch_size].view(full, batch_size)[shuffled].reshape(-1)
    return torch.cat([head, order[full * batch_size:]]).to(device)


def length_slices(sorted_lengths: torch.Tensor, batch_size: int) -> list[slice]:
    """Batches of consecutive samples of ascending ``sorted_lengths``: each holds at most
    ``batch_size`` samples and at most ``batch_size * mean length`` steps once cut to its
    longest (count x longest), so that a batch of the longest sentences holds fewer of them
    and evaluation memory stays that of ``batch_size`` sentences of average length."""
    L = sorted_lengths.detach().to("cpu", torch.int64).tolist()
    if any(b < a for a, b in zip(L, L[1:])):
        raise InputError("length_slices needs lengths in ascending order")
    budget = batch_size * max(1, round(sum(L) / len(L))) if L else 0
    slices, start = [], 0
    for i, n in enumerate(L):
        if i > start and (i - start >= batch_size or (i - start + 1) * n > budget):
            slices.append(slice(start, i))
            start = i
    if L:
        slices.append(slice(start, len(L)))
    return slices


def padding_fraction(lengths: torch.Tensor, order: torch.Tensor | None,
                     slices: Sequence[slice], width: int | None = None) -> float:
    """The share of padded steps in the batches ``order[sl]`` of samples of ``lengths``:
    ``1 - tokens / sum(batch size * steps)``, the steps of a batch being ``width`` (every
    batch padded to one width, e.g. the corpus's longest sentence) or, when None, the
    batch's own longest sample."""
    L = lengths.detach().to("cpu", torch.int64)
    idx = torch.arange(len(L)) if order is None else order.cpu()
    cells = 0
    for sl in slices:
        b = L[idx[sl]]
        cells += len(b) * (width if width is not None else int(b.max()) if len(b) else 0)
    return 1.0 - int(L.sum()) / cells if cells else 0.0


def batch_slices(n: int, batch_size: int, min_last: int = 2) -> list[slice]:
    """``[slice(0, b), slice(b, 2b), ...]`` covering ``range(n)``.

    A last batch smaller than ``min_last`` is merged into the one before, so that batch
    normalisation never sees a batch of one (and, with ``min_last`` = the number of
    processes, no process gets an empty share).
    """
    slices = [slice(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]
    if len(slices) > 1 and slices[-1].stop - slices[-1].start < min_last:
        slices[-2:] = [slice(slices[-2].start, n)]
    return slices


def optimize(
    forward: Callable[[Any], dict[str, torch.Tensor]],
    batch: Any,
    optimizers: Sequence[torch.optim.Optimizer],
    *,
    automatic: bool,
    autocast: AbstractContextManager | None = None,
    loss_scale: float = 1.0,
    clip: float = 0.0,
) -> dict[str, torch.Tensor]:
    """Run one training step and return its metrics (detached).

    ``forward(batch)`` is the model's ``training_step`` (or a DDP wrapper around it). With
    ``automatic`` the returned ``"loss"`` is back-propagated and every optimizer stepped;
    otherwise ``training_step`` has already applied the model's own update. ``loss_scale``
    multiplies the loss that is back-propagated (not the one reported); ``clip`` > 0 rescales
    the gradient of all the optimizers' parameters to that global norm at most.
    """
    if automatic:
        for opt in optimizers:
            opt.zero_grad(set_to_none=True)
    with autocast or nullcontext():
        out = forward(batch)
    if automatic:
        loss = out.get("loss")
        if loss is None or not isinstance(loss, torch.Tensor) or not loss.requires_grad:
            raise RuntimeError("training_step must return a differentiable 'loss' tensor")
        (loss * loss_scale if loss_scale != 1.0 else loss).backward()
        if clip > 0:
            params = [p for opt in optimizers for g in opt.param_groups for p in g["params"]]
            torch.nn.utils.clip_grad_norm_(params, clip)
        for opt in optimizers:
            opt.step()
    return {k: (v.detach() if isinstance(v, torch.Tensor) else torch.tensor(float(v)))
            for k, v in out.items()}
