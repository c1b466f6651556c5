"""Benchmark of the multilayer perceptron.

The MLP against scikit-learn ``MLPClassifier``: the same layers, activation, optimizer (Adam),
learning rate, batch size, epochs and no L2 penalty on either side. nnzoo's estimator trains
these plain ReLU nets with the hand-written backward pass and Adam on one flat parameter
vector (:meth:`~nnzoo.models.feedforward.mlp.MLP.backprop`,
:class:`~nnzoo.models.feedforward.mlp_estimator.FlatAdam`), as scikit-learn does in NumPy.
"""

from __future__ import annotations

import statistics
import warnings

from nnzoo.bench.arrays import numpy_splits
from nnzoo.bench.runner import BenchResult, PeerRun, bench_task, peer_run, timed
from nnzoo.models import MLPClassifier


def _mlp(task: str, tier: str, hidden: tuple[int, ...], epochs: int, batch: int,
         init: str = "torch", seeds: tuple[int, ...] = (0,)) -> BenchResult:
    """Both sides fitted once per seed, interleaved in ABBA order (nnzoo first on even seeds,
    the peer first on odd ones) so that a slow spell of the machine falls on both alike;
    accuracy and fit time are the means over seeds."""
    Xtr, ytr, Xte, yte = numpy_splits(task)
    ours_acc, ours_t, ours_loss = [], [], []

    def ours_side(seed: int) -> None:
        ours = MLPClassifier(hidden=hidden, init=init, epochs=epochs, batch_size=batch, lr=1e-3,
                             random_state=seed)
        _, t = timed(lambda: ours.fit(Xtr, ytr))
        ours_acc.append(float(ours.score(Xte, yte)))
        ours_t.append(t)
        ours_loss.append(ours.loss_curve_[-1])

    def peer_side(seed: int) -> tuple[float, float, float]:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier as SkMLP

        peer = SkMLP(hidden_layer_sizes=hidden, alpha=0.0, batch_size=batch,
                     learning_rate_init=1e-3, max_iter=epochs, tol=0.0,
                     n_iter_no_change=epochs + 1, shuffle=True, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            _, t = timed(lambda: peer.fit(Xtr, ytr))
        return float(peer.score(Xte, yte)), t, peer.loss_curve_[-1]

    peer_runs: list[tuple[float, float, float]] = []
    run: PeerRun[tuple[float, float, float]] = PeerRun(None, None)
    for i, seed in enumerate(seeds):
        for side in ("peer", "ours") if i % 2 else ("ours", "peer"):
            if side == "ours":
                ours_side(seed)
            elif run.ok:
                run = peer_run(lambda: peer_side(seed))  # noqa: B023
                if run.value is not None:
                    peer_runs.append(run.value)
    if run.ok:
        peer_acc = [a for a, _, _ in peer_runs]
        peer_t = [t for _, t, _ in peer_runs]
        peer_loss = [v for _, _, v in peer_runs]
    else:
        peer_acc, peer_t, peer_loss = None, None, None
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
        notes="nnzoo: the hand-written backward pass and Adam on one flat parameter vector "
              "(torch.optim.Adam's update), float32; scikit-learn: its NumPy backward pass and "
              "Adam, float64; the two sides fitted in turn seed by seed (ABBA order).",
        status=run.status)


@bench_task("mlp", "quick", "digits")
def mlp_digits(quiet: bool) -> BenchResult:
    return _mlp("digits", "quick", (100,), 200, 200, init="glorot", seeds=(0, 1, 2, 3, 4))


@bench_task("mlp", "full", "mnist")
def mlp_mnist(quiet: bool) -> BenchResult:
    return _mlp("mnist", "full", (700, 700, 400), 10, 128)


# -- CNN: the engine against a hand-written loop ---------------------------------------------
