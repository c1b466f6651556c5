"""Several restarts of an end-to-end memory network trained at once, with the authors' protocol.

Sukhbaatar et al. train each bAbI task several times from different random weights and keep
one run; the authors' code (``config_babi.m``, ``train.m``, ``train_linear_start.m`` in
https://github.com/facebookarchive/MemNN/tree/master/MemN2N-babi-matlab) fixes the rest:

- ``floor(N / 32)`` batches of 32 per epoch, each drawn uniformly *with replacement* from the
  training part;
- plain SGD on the cross-entropy **summed** over the batch, every gradient rescaled to norm 40
  when larger: in the authors' code (``Weight.m``) each weight matrix on its own, by its
  spectral norm (Matlab's ``norm`` of a matrix, its largest singular value), a tied matrix
  once (``clip="matrix"``); here by default the norm of all of one restart's gradients
  together (``clip="global"``);
- with linear start: 20 epochs at rate 0.005 without the attention softmax, then 100 epochs
  with it, the rate 0.005 halved at the 25th, 50th, 75th and 100th of them; without: 100
  epochs from 0.01, halved the same way;
- the model of the last epoch is the one tested (no early stopping).

The restarts are the ``copies`` of one :class:`~nnzoo.models.memory.memn2n.MemN2N`: each has
its own weights and its own batches, and one forward/backward pass serves them all, so a tiny
model pays Python's overhead once per step instead of once per restart.

Which restart to keep: the paper keeps, of its 10 runs, the one with the lowest *training*
error (as quoted by other implementations; the paper's text could not be read here);
:func:`pick_restart` does that on the training part of the split (ties go to the lower
validation error, then the first), never on test data.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F

from nnzoo.core.config import require
from nnzoo.core.seed import seed_everything
from nnzoo.data.base import ArrayDataset, Splits
from nnzoo.models.memory.memn2n import MemN2N, MemN2NConfig, distinct_rows


@dataclass(frozen=True)
class Protocol:
    """The training schedule (defaults: the authors' bAbI code with linear start).

    :param epochs: epochs with the softmax (after linear start).
    :param ls_epochs: linear-start epochs before them (0 = no linear start).
    :param lr: the rate of the summed loss (0.005 with linear start, 0.01 without, in the
        authors' code).
    :param anneal_every: halve the rate every this many epochs after linear start.
    :param batch_size: questions per batch (drawn with replacement).
    :param max_grad_norm: rescale a gradient to this norm when larger.
    :param clip: ``"global"``: a restart's whole gradient by its Euclidean norm; ``"matrix"``
        (the authors' code): each weight matrix by its spectral norm
        (:meth:`~nnzoo.models.memory.memn2n.MemN2N.weight_matrices`).
    """

    epochs: int = 100
    ls_epochs: int = 20
    lr: float = 0.005
    anneal_every: int = 25
    batch_size: int = 32
    max_grad_norm: float = 40.0
    clip: Literal["global", "matrix"] = "global"

    def __post_init__(self) -> None:
        require(self.clip in ("global", "matrix"),
                f"clip must be 'global' or 'matrix', got {self.clip!r}")
        require(self.epochs >= 1 and self.ls_epochs >= 0, "epochs must be >= 1 and ls_epochs "
                f">= 0, got {self.epochs}, {self.ls_epochs}")
        require(self.lr > 0 and self.batch_size >= 1 and self.max_grad_norm > 0,
                "lr, batch_size and max_grad_norm must be positive")

    def rate(self, epoch: int) -> float:
        """The learning rate of 0-based ``epoch`` (linear-start epochs first)."""
        after = epoch - self.ls_epochs + 1
        halvings = after // self.anneal_every if self.anneal_every and after > 0 else 0
        return self.lr * 0.5 ** halvings


@dataclass
class RestartsResult:
    """One task's restarts: errors of each (fractions) and the one the paper's criterion
    keeps."""

    train_error: torch.Tensor   # (R,) on the training part, without noise
    val_error: torch.Tensor     # (R,)
    test_error: torch.Tensor    # (R,)
    picked: int
    epochs_run: int


def sentence_ids(X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The distinct rows of bAbI inputs ``X`` (N, M + 1, W): ``(table (U, W), ids (N, M + 1))``
    with ``table[ids[n, i]] == X[n, i]`` (stories repeat their sentences from question to
    question, so ``U`` is far below ``N (M + 1)``)."""
    table, inv = distinct_rows(X.reshape(-1, X.shape[-1]))
    return table, inv.view(X.shape[:-1])


@torch.no_grad()
def errors(model: MemN2N, data: ArrayDataset, batch_size: int = 250) -> torch.Tensor:
    """Fraction of wrong answers of every copy of ``model`` on ``data``: ``(R,)``."""
    was = model.training
    model.eval()
    table, sid = sentence_ids(data.X)
    y = data.targets()
    wrong = torch.zeros(model.copies)
    vocabulary = model.config.answer == "vocabulary"
    for s in range(0, len(data), batch_size):
        ids = sid[s:s + batch_size]
        logits = model.forward_sentences(table, ids[None].expand(model.copies, *ids.shape),
                                         vocabulary=vocabulary)
        wrong += (model.predicted_class(logits) != y[s:s + batch_size]).sum(-1).float()
    model.train(was)
    return wrong / max(1, len(data))


def spectral_norm(X: torch.Tensor) -> torch.Tensor:
    """Largest singular value of each matrix of ``X`` (..., rows, cols): ``sqrt`` of the top
    eigenvalue of ``X^T X`` (a small ``cols x cols`` problem for a tall embedding table)."""
    return torch.linalg.eigvalsh(X.mT @ X)[..., -1].clamp(min=0).sqrt()


def clip_matrices(model: MemN2N, grads: dict[str, torch.Tensor], max_norm: float) -> None:
    """The authors' clipping (``Weight.m``): each weight matrix's gradient (one per copy),
    rescaled in place to spectral norm ``max_norm`` when larger. ``grads`` maps the
    parameter names of ``model`` to their gradients; the matrices are
    :meth:`~nnzoo.models.memory.memn2n.MemN2N.weight_matrices`."""
    for parts in model.weight_matrices():
        views = [grads[name] if i is None else grads[name][:, i] for name, i in parts]
        norm = spectral_norm(torch.cat(views, 1))                  # (R,)
        scale = (max_norm / norm.clamp(min=1e-12)).clamp(max=1.0)
        for v in views:
            v.mul_(scale.view(-1, *([1] * (v.dim() - 1))))


def pick_restart(train_error: torch.Tensor, val_error: torch.Tensor) -> int:
    """The restart with the lowest training error (the paper's criterion); ties: the lowest
    validation error, then the first."""
    key = [(float(t), float(v), i) for i, (t, v) in enumerate(zip(train_error, val_error))]
    return min(key)[2]


def fit_restarts(tasks: Sequence[Splits], config: MemN2NConfig, *, restarts: int = 10,
                 protocol: Protocol | None = None, seed: int = 0,
                 progress: Callable[[int, int], None] | None = None
                 ) -> tuple[list[RestartsResult], list[MemN2N]]:
    """Train ``restarts`` copies of ``config``'s network on each of ``tasks``, all in step.

    Each task has its own network of ``restarts`` copies (its vocabulary, words and
    answers); one autograd pass per step serves every network of every task.

    :param tasks: bAbI-encoded datasets (:mod:`nnzoo.data.babi`) with the same number of
        training questions (the same steps per epoch).
    :param config: the network; its data fields, ``linear_start_epochs`` and ``anneal_*``
        are not used (the tasks and the protocol decide).
    :param restarts: copies per task, each from its own random weights and batches.
    :param seed: seeds the weights, the batches and the random noise.
    :param progress: called with ``(epoch, epochs)`` after each epoch.
    :returns: each task's :class:`RestartsResult`, and the trained networks.
    """
    pr = protocol or Protocol()
    require(restarts >= 1, f"restarts must be >= 1, got {restarts}")
    require(len(tasks) >= 1, "fit_restarts needs at least one task")
    sizes = {len(t.train) for t in tasks}
    require(len(sizes) == 1, f"the tasks must have as many training questions; got "
                             f"{sorted(sizes)}")
    seed_everything(seed)
    models = [MemN2N(dataclasses.replace(
        config, sample_shape=t.sample_shape, n_classes=int(t.n_classes or 0),
        vocab_size=int(t.meta["vocab_size"])), copies=restarts)  # type: ignore[call-overload]
        for t in tasks]
    groups = [[p for p in m.parameters() if p.requires_grad] for m in models]
    named = [[n for n, p in m.named_parameters() if p.requires_grad] for m in models]
    data = [sentence_ids(t.train.X) for t in tasks]
    ys = [t.train.targets() for t in tasks]
    N = sizes.pop()
    steps = max(1, N // pr.batch_size)
    gen = torch.Generator().manual_seed(seed)
    for m in models:
        m.train()
    epochs = pr.ls_epochs + pr.epochs
    for epoch in range(epochs):
        lr = pr.rate(epoch)
        for m in models:
            m.linear = epoch < pr.ls_epochs
        for _ in range(steps):
            idx = torch.randint(N, (len(tasks), restarts, pr.batch_size), generator=gen)
            loss = torch.zeros(())
            for t, (m, (table, sid)) in enumerate(zip(models, data)):
                uniq, inv = torch.unique(sid[idx[t]], return_inverse=True)
                logits = m.forward_sentences(table[uniq], inv,            # (R, B, K)
                                             vocabulary=m.config.answer == "vocabulary")
                target = m.answer_targets(ys[t][idx[t]])
                loss = loss + F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                              target.reshape(-1), reduction="sum")
            flat = [p for ps in groups for p in ps]
            grads = iter(torch.autograd.grad(loss, flat))
            with torch.no_grad():
                for m, ps, names in zip(models, groups, named):
                    gs = [next(grads) for _ in ps]
                    if pr.clip == "matrix":
                        clip_matrices(m, dict(zip(names, gs)), pr.max_grad_norm)
                        for p, g in zip(ps, gs):
                            p.sub_(lr * g)
                        continue
                    # each copy's gradient norm over all its parameters: (R,)
                    sq = sum(g.reshape(restarts, -1).pow(2).sum(1) for g in gs)
                    assert isinstance(sq, torch.Tensor)
                    scale = (pr.max_grad_norm / sq.sqrt().clamp(min=1e-12)).clamp(max=1.0)
                    for p, g in zip(ps, gs):
                        p.sub_(lr * g * scale.view(-1, *([1] * (g.dim() - 1))))
        if progress is not None:
            progress(epoch + 1, epochs)
    out = []
    for m, task in zip(models, tasks):
        m.linear = False
        tr, va, te = errors(m, task.train), errors(m, task.val), errors(m, task.test)
        out.append(RestartsResult(tr, va, te, pick_restart(tr, va), epochs))
    return out, models


def steps_per_run(n_train: int, protocol: Protocol) -> int:
    """Optimisation steps of one run of ``protocol`` on ``n_train`` questions."""
    return (protocol.ls_epochs + protocol.epochs) * max(1, math.floor(n_train /
                                                                      protocol.batch_size))


__all__ = ["Protocol", "RestartsResult", "clip_matrices", "errors", "fit_restarts",
           "pick_restart", "sentence_ids", "spectral_norm", "steps_per_run"]
