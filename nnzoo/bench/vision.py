"""Benchmarks of the image classifiers: perceptron, MLP and CNN.

- perceptron vs scikit-learn's averaged perceptron, ``SGDClassifier(loss="perceptron",
  average=True, penalty=None, learning_rate="constant", eta0=1)``: both online (one sample at
  a time, every sample shuffled anew each epoch), both predicting with the average of the
  weights after every sample seen from the first on (scikit-learn's ``average=True`` is
  averaging from step 1, the same average as Freund & Schapire's), the same number of epochs
  over the same training split, scored on the same test split. What remains different:
  scikit-learn trains one binary perceptron per class (one-vs-rest, each updated when its
  own margin is <= 0) where nnzoo trains one multiclass perceptron (the true and the
  predicted class corrected on a mistake), each side shuffles with its own generator, and
  scikit-learn computes in float64, nnzoo in float32;
- MLP vs scikit-learn ``MLPClassifier``: the same layers, activation, optimizer (Adam),
  learning rate, batch size, epochs and no L2 penalty on either side;
- CNN vs a hand-written PyTorch loop: the same network, initial weights, optimizer,
  scheduler and batches, to measure what the engine costs per epoch (training phase).
"""

from __future__ import annotations

import statistics
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from nnzoo.bench.runner import BenchResult, bench_task, peer_run, timed
from nnzoo.core.config import build_optimizer, build_scheduler
from nnzoo.core.loop import batch_slices, epoch_order
from nnzoo.core.rundir import RunDir
from nnzoo.core.seed import seed_everything
from nnzoo.data import load_dataset
from nnzoo.models import MLPClassifier, PerceptronClassifier, create
from nnzoo.recipes import get_recipe
from nnzoo.train.engine import Trainer, evaluate


def _numpy(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    s = load_dataset(name)
    flat = lambda t: t.reshape(len(t), -1).numpy()  # noqa: E731
    return flat(s.train.X), s.train.y.numpy(), flat(s.test.X), s.test.y.numpy()


# -- perceptron -------------------------------------------------------------------------------

def sklearn_averaged_perceptron(epochs: int, seed: int = 0) -> Any:
    """scikit-learn's averaged perceptron configured as nnzoo's (see the module docstring)."""
    from sklearn.linear_model import SGDClassifier

    return SGDClassifier(loss="perceptron", penalty=None, learning_rate="constant", eta0=1.0,
                         average=True, max_iter=epochs, tol=None, shuffle=True,
                         random_state=seed)


def _perceptron(task: str, tier: str, epochs: int) -> BenchResult:
    Xtr, ytr, Xte, yte = _numpy(task)
    ours = PerceptronClassifier(averaged=True, online=True, epochs=epochs, seed=0)
    _, t_ours = timed(lambda: ours.fit(Xtr, ytr))

    def peer_side() -> tuple[float, float]:
        peer = sklearn_averaged_perceptron(epochs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _, t = timed(lambda: peer.fit(Xtr, ytr))
        return float(peer.score(Xte, yte)), t

    run = peer_run(peer_side)
    acc_peer, t_peer = run.value if run.value else (None, None)
    return BenchResult(
        "perceptron", tier, task, "accuracy", True,
        "scikit-learn SGDClassifier(loss=perceptron, average=True)",
        float(ours.score(Xte, yte)), acc_peer, t_ours, t_peer, "fit",
        f"{epochs} epochs, online rule (one sample at a time), reshuffled each epoch, weights "
        f"averaged over every sample seen on both sides, {len(Xtr)} training samples; "
        "scikit-learn: one binary perceptron per class (one-vs-rest) in float64, nnzoo: one "
        "multiclass perceptron in float32",
        notes="nnzoo: multiclass averaged perceptron (Freund & Schapire 1999), the online rule "
              "scored in windows between mistakes; scikit-learn: SGDClassifier with the "
              "perceptron loss, no penalty, constant rate 1, average=True (one-vs-rest).",
        status=run.status)


@bench_task("perceptron", "quick", "digits")
def perceptron_digits(quiet: bool) -> BenchResult:
    return _perceptron("digits", "quick", 20)


@bench_task("perceptron", "full", "mnist")
def perceptron_mnist(quiet: bool) -> BenchResult:
    return _perceptron("mnist", "full", 10)


# -- MLP ----------------------------------------------------------------------------------------

def _mlp(task: str, tier: str, hidden: tuple[int, ...], epochs: int, batch: int,
         init: str = "torch", seeds: tuple[int, ...] = (0,)) -> BenchResult:
    """Both sides fitted once per seed; accuracy and fit time are the means over seeds."""
    Xtr, ytr, Xte, yte = _numpy(task)
    ours_acc, ours_t, ours_loss = [], [], []
    for seed in seeds:
        ours = MLPClassifier(hidden=hidden, init=init, epochs=epochs, batch_size=batch, lr=1e-3,
                             seed=seed)
        _, t = timed(lambda: ours.fit(Xtr, ytr))  # noqa: B023
        ours_acc.append(float(ours.score(Xte, yte)))
        ours_t.append(t)
        ours_loss.append(ours.loss_curve_[-1])

    def peer_side() -> tuple[list[float], list[float], list[float]]:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier as SkMLP

        acc, times, loss = [], [], []
        for seed in seeds:
            peer = SkMLP(hidden_layer_sizes=hidden, alpha=0.0, batch_size=batch,
                         learning_rate_init=1e-3, max_iter=epochs, tol=0.0,
                         n_iter_no_change=epochs + 1, shuffle=True, random_state=seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                _, t = timed(lambda: peer.fit(Xtr, ytr))  # noqa: B023
            acc.append(float(peer.score(Xte, yte)))
            times.append(t)
            loss.append(peer.loss_curve_[-1])
        return acc, times, loss

    run = peer_run(peer_side)
    peer_acc, peer_t, peer_loss = run.value if run.value else (None, None, None)
    losses = list(zip(ours_loss, peer_loss)) if peer_loss else None
    arch = "-".join(map(str, (Xtr.shape[1], *hidden, 10)))
    mean = statistics.fmean
    return BenchResult(
        "mlp", tier, task, "accuracy", True, "scikit-learn MLPClassifier", mean(ours_acc),
        mean(peer_acc) if peer_acc else None, mean(ours_t),
        mean(peer_t) if peer_t else None, "fit",
        f"{arch} ReLU, {'Glorot' if init == 'glorot' else 'PyTorch default'} init, Adam lr "
        f"1e-3, batch {batch}, {epochs} epochs, no L2"
        + (f"; mean of seeds {seeds[0]}-{seeds[-1]}" if len(seeds) > 1 else ""),
        extra={"nnzoo_accuracy": ours_acc, "peer_accuracy": peer_acc,
               "final_losses": losses},
        status=run.status)


@bench_task("mlp", "quick", "digits")
def mlp_digits(quiet: bool) -> BenchResult:
    return _mlp("digits", "quick", (100,), 200, 200, init="glorot", seeds=(0, 1, 2, 3, 4))


@bench_task("mlp", "full", "mnist")
def mlp_mnist(quiet: bool) -> BenchResult:
    return _mlp("mnist", "full", (700, 700, 400), 10, 128)


# -- CNN: the engine against a hand-written loop ---------------------------------------------

def _cnn(task: str, tier: str, recipe: str, epochs: int, quiet: bool) -> BenchResult:
    rec = get_recipe("cnn", recipe)
    hp, cfg = rec.resolve({"epochs": epochs})
    splits = load_dataset(task)
    seed = 0

    def build() -> torch.nn.Module:
        seed_everything(seed)
        return create("cnn", **hp, sample_shape=splits.sample_shape, n_classes=splits.n_classes)

    # warm-up: one batch forward and backward (allocator, kernels), timed by neither side
    warm = build()
    F.cross_entropy(warm(splits.train.X[:cfg.batch_size]), splits.train.y[:cfg.batch_size]
                    ).backward()

    # the hand-written loop: same model, init, optimizer, scheduler, batches
    hand = build()
    opt = build_optimizer(hand.parameters(), cfg)
    slices = batch_slices(len(splits.train), cfg.batch_size)
    sched, unit = build_scheduler(opt, cfg, len(slices))
    X, y = splits.train.X, splits.train.y

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
    hand_times = []
    with tempfile.TemporaryDirectory() as tmp:
        run = RunDir.create(Path(tmp), "bench")
        trainer = Trainer(model, splits.train, splits.val, cfg, seed=seed, run=run, quiet=quiet)
        for epoch in range(cfg.epochs):
            if epoch % 2:
                trainer.fit(until_epoch=epoch + 1)
                hand_times.append(hand_epoch(epoch))
            else:
                hand_times.append(hand_epoch(epoch))
                trainer.fit(until_epoch=epoch + 1)
        engine_times = [r["epoch_time"] for r in run.read_metrics("epoch")]
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
