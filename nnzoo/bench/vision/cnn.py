"""Benchmark of the convolutional network.

The CNN against a hand-written PyTorch loop: the same network, initial weights, optimizer,
scheduler and batches, to measure what the engine costs per epoch (training phase).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import torch.nn.functional as F

from nnzoo.bench.arrays import targets
from nnzoo.bench.runner import BenchResult, bench_task, race_epochs
from nnzoo.core.config import build_optimizer, build_scheduler
from nnzoo.core.loop import batch_slices, epoch_order
from nnzoo.core.seed import seed_everything
from nnzoo.data import load_dataset
from nnzoo.models import create
from nnzoo.models.base import ZooModule
from nnzoo.recipes import get_recipe
from nnzoo.train.engine import evaluate


def _cnn(task: str, tier: str, recipe: str, epochs: int, quiet: bool) -> BenchResult:
    rec = get_recipe("cnn", recipe)
    hp, cfg = rec.resolve({"epochs": epochs})
    splits = load_dataset(task)
    seed = 0

    def build() -> ZooModule[Any]:
        seed_everything(seed)
        return create("cnn", **hp, sample_shape=splits.sample_shape, n_classes=splits.n_classes)

    # warm-up: one batch forward and backward (allocator, kernels), timed by neither side
    warm = build()
    F.cross_entropy(warm(splits.train.X[:cfg.batch_size]), targets(splits)[:cfg.batch_size]
                    ).backward()

    # the hand-written loop: same model, init, optimizer, scheduler, batches
    hand = build()
    opt = build_optimizer(hand.parameters(), cfg)
    slices = batch_slices(len(splits.train), cfg.batch_size)
    sched, unit = build_scheduler(opt, cfg, len(slices))
    X, y = splits.train.X, targets(splits)

    def hand_epoch(epoch: int) -> float:
        hand.train()
        t0 = time.perf_counter()
        order = epoch_order(len(X), seed, epoch)
        for sl in slices:
            idx = order[sl]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(hand(X[idx]), y[idx])
            loss.backward()
            opt.step()
            if sched is not None and unit == "step":
                sched.step()
        elapsed = time.perf_counter() - t0
        if sched is not None and unit == "epoch":
            sched.step()
        return elapsed

    # the engine, as `nnzoo train` runs it (run folder, logging, checkpoints), one epoch at a
    # time, interleaved with the hand-written loop (ABBA order) so that a slow spell of the
    # machine falls on both alike
    model = build()
    engine_times, hand_times = race_epochs(model, splits, cfg, hand_epoch, seed=seed,
                                           quiet=quiet)
    hand_acc = evaluate(hand, splits.test)["accuracy"]
    engine_acc = evaluate(model, splits.test)["accuracy"]
    return BenchResult(
        "cnn", tier, task, "accuracy", True, "hand-written PyTorch loop", engine_acc, hand_acc,
        statistics.median(engine_times), statistics.median(hand_times), "median epoch",
        f"recipe {recipe}, {epochs} epochs, batch {cfg.batch_size}",
        notes="peer is the same network trained by a plain PyTorch loop in the same process: "
              "the time ratio is the engine's overhead per training epoch",
        extra={"engine_epoch_times": engine_times, "hand_epoch_times": hand_times})


@bench_task("cnn", "quick", "digits")
def cnn_digits(quiet: bool) -> BenchResult:
    return _cnn("digits", "quick", "digits", 10, quiet)


@bench_task("cnn", "full", "mnist")
def cnn_mnist(quiet: bool) -> BenchResult:
    return _cnn("mnist", "full", "mnist", 5, quiet)
