"""Benchmark of the multilayer perceptron.

The MLP against scikit-learn ``MLPClassifier``: the same layers, activation, optimizer (Adam),
learning rate, batch size, epochs and no L2 penalty on either side.
"""

from __future__ import annotations

import statistics
import warnings

from nnzoo.bench.arrays import numpy_splits
from nnzoo.bench.runner import BenchResult, bench_task, peer_run, timed
from nnzoo.models import MLPClassifier


def _mlp(task: str, tier: str, hidden: tuple[int, ...], epochs: int, batch: int,
         init: str = "torch", seeds: tuple[int, ...] = (0,)) -> BenchResult:
    """Both sides fitted once per seed; accuracy and fit time are the means over seeds."""
    Xtr, ytr, Xte, yte = numpy_splits(task)
    ours_acc, ours_t, ours_loss = [], [], []
    for seed in seeds:
        ours = MLPClassifier(hidden=hidden, init=init, epochs=epochs, batch_size=batch, lr=1e-3,
                             random_state=seed)
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
