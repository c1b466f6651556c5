"""Benchmarks of the differentiable neural computer beside ixaxaar's ``dnc`` package (1.1.0,
the PyTorch DNC on the package index), on the copy task.

Both sides are the same model as far as the package allows: an LSTM controller of one layer
reading ``[x_t; r_{t-1}]``, a memory of ``N x W`` with ``R`` read heads and one write head,
the interface vector ``W_xi h_t`` and the output ``W [h_t; r_t]`` (the package's
``num_hidden_layers=1``, ``num_layers=1``, ``independent_linears=False``, its controller
started from zeros as nnzoo's, not from its default random state). They are trained on the
same batches (a private seeded stream of copy batches, one random length per batch, made by
:func:`nnzoo.data.generated.copy_task`), with the same loss (binary cross-entropy of the
answer steps, from logits), optimiser, learning rate, batch and gradient-norm clipping, one
iteration of nnzoo then one of the package, alternately, in one process on one thread.

What differs and stays (the package's choices, written in the row): its controller never
reads the memory: the read vectors it feeds back at every step are the initial zeros (its
``forward`` builds every step's input ``[x_t; last_read]`` once, before the loop, and never
updates ``last_read``), so the reads reach only its output layer, where the paper (and nnzoo)
also give ``r_{t-1}`` to the controller. It squashes the read
keys, write key and write vector with ``tanh`` and gives the strengths ``softplus`` (range
``[0, inf)``) where the paper's Methods (and nnzoo) leave keys and vectors as they are and use
``oneplus`` (``[1, inf)``); its output layer emits as many numbers as the input has (the two
flag channels too, unused by the loss) and starts orthogonal; its cosine similarity puts its
epsilon outside the norms. Its read modes are ordered (backward, forward, content), nnzoo's
(backward, content, forward) as in the Methods: the same mixture.

Measured: the iterations each side needs until the mean cost per sequence on a fixed
validation set (``VAL`` sequences over every length) falls below :data:`THRESHOLD_BITS`
(checked every ``EVAL_EVERY`` iterations; the cap when never), the cost and bit errors on a
separate test set at that point, and the median seconds per training iteration (forward,
backward, clipping and the optimiser step; a same-run ratio, the sides interleaved).
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import torch
import torch.nn.functional as F
from torch import nn

from nnzoo.bench.runner import BenchResult, bench_task, one_thread, peer_run, plots_dir
from nnzoo.core.seed import seed_everything
from nnzoo.data.generated import copy_task
from nnzoo.models import create
from nnzoo.models.memory.dnc import DNC

#: The validation cost (bits per sequence) below which a side has learned the copy task.
THRESHOLD_BITS = 0.1


@dataclass(frozen=True)
class CopySetup:
    """One copy benchmark: the task, the model and the optimiser, shared by both sides."""

    n_bits: int = 6
    min_len: int = 1
    max_len: int = 10
    memory_size: int = 16
    word_size: int = 16
    read_heads: int = 1
    hidden_size: int = 64
    batch: int = 16
    lr: float = 1e-3
    clip: float = 10.0
    max_iters: int = 6000
    eval_every: int = 100
    n_val: int = 8       # validation sequences per length
    n_test: int = 16     # test sequences per length
    seeds: tuple[int, ...] = (0, 1)

    def describe(self) -> str:
        return (f"copy of {self.min_len}-{self.max_len} random {self.n_bits}-bit vectors (one "
                f"length per batch), memory {self.memory_size} x {self.word_size}, "
                f"{self.read_heads} read head(s), LSTM controller of {self.hidden_size}, batch "
                f"{self.batch}, Adam {self.lr:g}, gradient norm clipped at {self.clip:g}, "
                f"at most {self.max_iters} iterations, validation every {self.eval_every}, "
                f"seeds {list(self.seeds)}, 1 thread")


QUICK = CopySetup(max_len=4, memory_size=8, word_size=8, hidden_size=32, batch=8,
                  max_iters=6, eval_every=3, n_val=2, n_test=2, seeds=(0,))
FULL = CopySetup()


def copy_batch(setup: CopySetup, seed: int, it: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Training batch ``it`` of stream ``seed``: one length drawn in ``[min_len, max_len]``,
    then ``batch`` sequences of that length (inputs ``(B, 2L + 2, n_bits + 2)``, targets
    ``(B, L, n_bits)``)."""
    g = torch.Generator().manual_seed(seed * 1_000_003 + it)
    L = int(torch.randint(setup.min_len, setup.max_len + 1, (1,), generator=g))
    d = copy_task(setup.batch, seq_len=L, n_bits=setup.n_bits, n_val=0, n_test=0,
                  seed=seed * 1_000_003 + it).train
    assert d.y is not None
    return d.X, d.y


def fixed_set(setup: CopySetup, per_len: int, seed: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``per_len`` sequences of every length ``min_len..max_len`` (one batch per length),
    from a seed no training batch uses."""
    out = []
    for L in range(setup.min_len, setup.max_len + 1):
        d = copy_task(per_len, seq_len=L, n_bits=setup.n_bits, n_val=0, n_test=0,
                      seed=10**9 + seed * 1000 + L).train
        assert d.y is not None
        out.append((d.X, d.y))
    return out


Forward = Callable[[torch.Tensor], torch.Tensor]  # inputs -> logits (B, S, n_bits)


def copy_loss(forward: Forward, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy of the answer steps (the last ``T``)."""
    return F.binary_cross_entropy_with_logits(forward(x)[:, -y.shape[1]:], y)


@torch.no_grad()
def score(forward: Forward, data: list[tuple[torch.Tensor, torch.Tensor]]) -> tuple[float, float]:
    """Mean cost per sequence (bits) and mean bit errors per sequence over ``data``."""
    cost = errors = n = 0.0
    for x, y in data:
        logits = forward(x)[:, -y.shape[1]:]
        bce = F.binary_cross_entropy_with_logits(logits, y, reduction="sum")
        cost += float(bce) / math.log(2)
        errors += float(((logits > 0).float() != y).sum())
        n += len(x)
    return cost / n, errors / n


def nnzoo_side(setup: CopySetup) -> tuple[nn.Module, Forward]:
    """nnzoo's DNC for ``setup`` (built under the global seed set by the caller)."""
    model = cast(DNC, create("dnc", sample_shape=(2 * setup.max_len + 2, setup.n_bits + 2),
                             memory_size=setup.memory_size, word_size=setup.word_size,
                             read_heads=setup.read_heads, hidden_size=setup.hidden_size))
    return model, model


def peer_side(setup: CopySetup) -> tuple[nn.Module, Forward]:
    """The ``dnc`` package's DNC for ``setup``: one LSTM layer, controller state from zeros,
    memory and read vectors reset for every batch; logits are its first ``n_bits`` outputs."""
    from dnc import DNC as PeerDNC  # type: ignore[import-untyped]

    net = PeerDNC(input_size=setup.n_bits + 2, hidden_size=setup.hidden_size, rnn_type="lstm",
                  num_layers=1, num_hidden_layers=1, nr_cells=setup.memory_size,
                  cell_size=setup.word_size, read_heads=setup.read_heads, batch_first=True,
                  gpu_id=-1, independent_linears=False)

    def forward(x: torch.Tensor) -> torch.Tensor:
        zeros = torch.zeros(1, x.shape[0], setup.hidden_size)
        out, _ = net(x, ([(zeros, zeros.clone())], None, None), reset_experience=True)
        return cast(torch.Tensor, out)[..., :setup.n_bits]

    return net, forward


@dataclass
class Side:
    """One training run's bookkeeping."""

    net: nn.Module
    forward: Forward
    opt: torch.optim.Optimizer
    times: list[float] = field(default_factory=list)
    curve: list[tuple[int, float]] = field(default_factory=list)
    converged: int | None = None

    def step(self, x: torch.Tensor, y: torch.Tensor, clip: float) -> None:
        t0 = time.perf_counter()
        self.opt.zero_grad(set_to_none=True)
        copy_loss(self.forward, x, y).backward()
        torch.nn.utils.clip_grad_norm_(self.net.parameters(), clip)
        self.opt.step()
        self.times.append(time.perf_counter() - t0)


def _make(build: Callable[[CopySetup], tuple[nn.Module, Forward]], setup: CopySetup,
          seed: int) -> Side:
    seed_everything(seed)
    net, fwd = build(setup)
    return Side(net, fwd, torch.optim.Adam(net.parameters(), lr=setup.lr))


def race(setup: CopySetup, seed: int, quiet: bool) -> dict[str, Any]:
    """Train both sides on stream ``seed``, alternating iterations, until both pass the
    threshold on the validation set or reach the cap. A side that has converged stops."""
    val, test = fixed_set(setup, setup.n_val, 1), fixed_set(setup, setup.n_test, 2)
    sides: dict[str, Side] = {"nnzoo": _make(nnzoo_side, setup, seed)}
    peer = peer_run(lambda: _make(peer_side, setup, seed))
    if peer.ok and peer.value is not None:
        sides["peer"] = peer.value
    for it in range(1, setup.max_iters + 1):
        x, y = copy_batch(setup, seed, it)
        live = [k for k, s in sides.items() if s.converged is None]
        if not live:
            break
        for name in live if it % 2 else live[::-1]:  # ABBA: neither side always goes first
            sides[name].step(x, y, setup.clip)
        if it % setup.eval_every == 0 or it == setup.max_iters:
            for name in live:
                s = sides[name]
                s.net.eval()
                cost, _ = score(s.forward, val)
                s.net.train()
                s.curve.append((it, cost))
                if cost < THRESHOLD_BITS:
                    s.converged = it
            if not quiet:
                print(f"seed {seed} it {it}: " + ", ".join(
                    f"{k} {s.curve[-1][1]:.3f} bits" for k, s in sides.items()), flush=True)
    out: dict[str, Any] = {"peer_status": peer.status}
    for name, s in sides.items():
        s.net.eval()
        cost, errors = score(s.forward, test)
        out[name] = {"iterations": s.converged, "steps_run": len(s.times),
                     "median_iter_s": statistics.median(s.times), "test_cost_bits": cost,
                     "test_bit_errors": errors, "val_curve": s.curve}
    return out


def _plot(runs: list[dict[str, Any]], setup: CopySetup, name: str) -> str:
    from nnzoo.core import plots

    fig, ax = plots.subplots(figsize=(6.0, 3.6))
    for seed, r in zip(setup.seeds, runs):
        for side, style in (("nnzoo", "-"), ("peer", "--")):
            if side in r and r[side]["val_curve"]:
                its, costs = zip(*r[side]["val_curve"])
                ax.plot(its, costs, style, label=f"{'nnzoo' if side == 'nnzoo' else 'dnc 1.1.0'}"
                        f" seed {seed}")
    ax.axhline(THRESHOLD_BITS, color="gray", lw=0.8)
    ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("validation cost (bits / sequence)")
    ax.legend(fontsize=7)
    return str(plots.save(fig, plots_dir() / name))


def copy_bench(setup: CopySetup, tier: str, quiet: bool) -> BenchResult:
    """Both sides on every seed of ``setup``; the row's figures are medians over seeds."""
    with one_thread():
        runs = [race(setup, seed, quiet) for seed in setup.seeds]
    status = runs[0]["peer_status"]
    cap = setup.max_iters

    def med(side: str, key: str, none_as: float | None = None) -> float | None:
        vals: list[float] = []
        for r in runs:
            v = r[side][key] if side in r else None
            v = none_as if v is None else v
            if v is not None:
                vals.append(float(v))
        return statistics.median(vals) if vals else None

    ours_it = med("nnzoo", "iterations", float(cap))
    peer_it = med("peer", "iterations", float(cap))
    per_seed = {side: [r[side]["iterations"] for r in runs if side in r]
                for side in ("nnzoo", "peer")}
    notes = (f"iterations until the validation cost < {THRESHOLD_BITS:g} bits per sequence, "
             f"median over seeds (a run that never got there counts as the cap, {cap}); per "
             f"seed nnzoo {per_seed['nnzoo']}, dnc {per_seed['peer']} (None: not reached); "
             "time: median seconds per training iteration, a same-run ratio (one iteration of "
             "each side in turn, one thread). Remaining differences: the package's "
             "controller never sees the read vectors (its input [x_t; r_{t-1}] keeps the "
             "initial zero reads: forward builds the inputs once before the time loop), the "
             "paper's and nnzoo's does; the package squashes keys and the write vector with "
             "tanh and gives strengths softplus, not the paper's oneplus; its output layer "
             "(orthogonal start) also emits the two flag channels, which the loss ignores")
    extra: dict[str, Any] = {
        "runs": [{side: {k: v for k, v in r[side].items()} for side in ("nnzoo", "peer")
                  if side in r} for r in runs],
        "threshold_bits": THRESHOLD_BITS}
    if tier == "full":
        extra["curves_plot"] = _plot(runs, setup, "dnc_copy_curves.png")
    return BenchResult(
        "dnc", tier, "copy", "iterations to converge", False,
        "dnc 1.1.0 (ixaxaar, PyTorch DNC)", ours_it, peer_it if status == "" else None,
        med("nnzoo", "median_iter_s"), med("peer", "median_iter_s") if status == "" else None,
        "median training iteration", setup.describe(), notes=notes, extra=extra, status=status)


@bench_task("dnc", "quick", "copy")
def copy_quick(quiet: bool) -> BenchResult:
    """A few iterations of each side on short copies: runs the machinery, asserts nothing."""
    return copy_bench(QUICK, "quick", quiet)


@bench_task("dnc", "full", "copy")
def copy_full(quiet: bool) -> BenchResult:
    """Iterations to learn the copy task and time per iteration, nnzoo beside the package."""
    return copy_bench(FULL, "full", quiet)
