"""Quick benchmarks of the bidirectional recurrent networks (birnn, bilstm, bigru): the adding
problem.

A bidirectional network reads the whole sequence before it answers, so it cannot be the
character language model of the unidirectional ids' quick task
(:mod:`nnzoo.bench.recurrent.rnn`); its default recipe, ``adding``, is the task here, measured
the same way: the recipe's network trained by nnzoo's engine (as ``nnzoo train ID`` runs it:
run folder, logging, checkpoints, a validation pass per epoch) beside a hand-written PyTorch
loop over the same fused bidirectional ``nn.RNN``/``nn.LSTM``/``nn.GRU`` network, with the
same initial weights, optimizer, gradient clipping and batches, epochs interleaved (ABBA) so
that a slow spell of the machine falls on both alike. Both sides train for the recipe's
epochs and keep their last epoch. Quality: mean squared error on the test split (the constant
prediction 1 scores about 0.167); time: median training epoch, so the time ratio is what the
engine costs per epoch. Single-threaded.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import cast

import torch
import torch.nn.functional as F

from nnzoo.bench.arrays import targets
from nnzoo.bench.runner import BenchResult, bench_task, one_thread, race_epochs
from nnzoo.core.config import build_optimizer
from nnzoo.core.loop import batch_slices, epoch_order
from nnzoo.core.seed import seed_everything
from nnzoo.data import load_dataset
from nnzoo.data.base import Splits
from nnzoo.models import create
from nnzoo.models.recurrent.network import Recurrent, n_parameters
from nnzoo.recipes import get_recipe
from nnzoo.train.engine import evaluate

#: The bidirectional ids, each benchmarked on its ``adding`` recipe.
BIDIRECTIONAL = ("birnn", "bilstm", "bigru")


def _build(model_id: str, hp: dict[str, object], splits: Splits, seed: int) -> Recurrent:
    seed_everything(seed)
    return cast(Recurrent, create(model_id, **hp, sample_shape=splits.sample_shape, n_classes=0,
                                  n_outputs=int(targets(splits)[0].numel())))


def _hand_forward(net: Recurrent, x: torch.Tensor) -> torch.Tensor:
    """The network's prediction written out: fused RNN, the last layer's final state of each
    direction side by side, the linear head."""
    _, h = net.rnn(x)
    h = h[0] if isinstance(h, tuple) else h                           # (L * 2, B, H)
    last = h.view(net.config.num_layers, 2, *h.shape[1:])[-1]         # (2, B, H)
    return net.head(net.drop(last.transpose(0, 1).reshape(x.shape[0], -1)))


def adding_quick(model_id: str, quiet: bool) -> BenchResult:
    """Engine vs hand-written loop on ``model_id``'s ``adding`` recipe."""
    rec = get_recipe(model_id, "adding")
    hp, cfg = rec.resolve()
    splits = load_dataset(rec.dataset, **rec.dataset_args)
    seed = 0
    with one_thread():
        warm = _build(model_id, hp, splits, seed)  # allocator and kernels, timed by neither
        X, Y = splits.train.X, targets(splits)
        x0, y0 = X[:cfg.batch_size], Y[:cfg.batch_size]
        F.mse_loss(_hand_forward(warm, x0).reshape(y0.shape), y0).backward()

        hand = _build(model_id, hp, splits, seed)  # the same initial weights
        opt = build_optimizer(hand.parameters(), cfg)
        slices = batch_slices(len(X), cfg.batch_size)

        def hand_epoch(epoch: int) -> float:
            hand.train()
            t0 = time.perf_counter()
            order = epoch_order(len(X), seed, epoch)
            for sl in slices:
                idx = order[sl]
                opt.zero_grad(set_to_none=True)
                y = Y[idx]
                loss = F.mse_loss(_hand_forward(hand, X[idx]).reshape(y.shape), y)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(hand.parameters(), cfg.grad_clip)
                opt.step()
            return time.perf_counter() - t0

        model = _build(model_id, hp, splits, seed)
        engine_times, hand_times = race_epochs(model, splits, cfg, hand_epoch, seed=seed,
                                               quiet=quiet, metric="loss", higher_is_better=False)
        ours = evaluate(model, splits.test, batch_size=cfg.eval_batch_size)["loss"]
        peer = evaluate(hand, splits.test, batch_size=cfg.eval_batch_size)["loss"]
    T = int(splits.sample_shape[0])
    return BenchResult(
        model_id, "quick", "adding", "test MSE", False,
        f"hand-written PyTorch loop (fused bidirectional nn.{hand.rnn.__class__.__name__})",
        ours, peer, statistics.median(engine_times), statistics.median(hand_times),
        "median epoch",
        f"recipe adding: {len(splits.train)} training sequences of {T} steps, {cfg.epochs} "
        f"epochs, batch {cfg.batch_size}, Adam {cfg.lr:g}, clip {cfg.grad_clip:g}, "
        f"{n_parameters(model):,} parameters, 1 thread",
        notes="peer is the same network (nnzoo's fused module, same initial weights, Adam, "
              "clipping and batches) trained by a plain PyTorch loop in the same process: the "
              "time ratio is the engine's overhead per training epoch (its validation pass "
              "and checkpoint included); both keep their last epoch; predicting 1 for every "
              "sequence scores about 0.167",
        extra={"engine_epoch_times": engine_times, "hand_epoch_times": hand_times,
               "parameters": n_parameters(model)})


def _task(model_id: str) -> Callable[[bool], BenchResult]:
    def run(quiet: bool) -> BenchResult:
        return adding_quick(model_id, quiet)

    return run


for _mid in BIDIRECTIONAL:
    bench_task(_mid, "quick", "adding")(_task(_mid))
