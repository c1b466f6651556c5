"""The two pieces of a training loop that both the engine and the scikit-learn API use.

:func:`epoch_order` fixes the order of samples in an epoch from ``(seed, epoch)`` alone, so a
run resumed mid-epoch sees exactly the batches it would have seen. :func:`optimize` applies
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


def epoch_order(n: int, seed: int, epoch: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """A permutation of ``range(n)`` that depends only on ``seed`` and ``epoch``."""
    g = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    return torch.randperm(n, generator=g).to(device)


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
