"""Benchmark of the perceptron.

The perceptron against scikit-learn's averaged perceptron, ``SGDClassifier(loss="perceptron",
  average=True, penalty=None, learning_rate="constant", eta0=1)``: both online (one sample at
a time, every sample shuffled anew each epoch), both predicting with the average of the
weights after every sample seen from the first on (scikit-learn's ``average=True`` is
averaging from step 1, the same average as Freund & Schapire's), the same number of epochs
over the same training split, scored on the same test split. What remains different:
scikit-learn trains one binary perceptron per class (one-vs-rest, each updated when its
own margin is <= 0) where nnzoo trains one multiclass perceptron (the true and the
predicted class corrected on a mistake), each side shuffles with its own generator, and
scikit-learn computes in float64, nnzoo in float32.

nnzoo's online rule runs on the CPU as a loop compiled by Numba when first used in a process
(scikit-learn's is compiled Cython, built at install); that one-time compilation is done by an
untimed fit on a few samples before the timed one, and its time is reported in ``extra``.
"""

from __future__ import annotations

import warnings
from typing import Any

from nnzoo.bench.arrays import numpy_splits
from nnzoo.bench.runner import BenchResult, bench_task, peer_run, timed
from nnzoo.models import PerceptronClassifier


def sklearn_averaged_perceptron(epochs: int, seed: int = 0) -> Any:
    """scikit-learn's averaged perceptron configured as nnzoo's (see the module docstring)."""
    from sklearn.linear_model import SGDClassifier

    return SGDClassifier(loss="perceptron", penalty=None, learning_rate="constant", eta0=1.0,
                         average=True, max_iter=epochs, tol=None, shuffle=True,
                         random_state=seed)


def _perceptron(task: str, tier: str, epochs: int) -> BenchResult:
    Xtr, ytr, Xte, yte = numpy_splits(task)
    _, t_compile = timed(lambda: PerceptronClassifier(epochs=1).fit(Xtr[:64], ytr[:64]))
    ours = PerceptronClassifier(averaged=True, online=True, epochs=epochs, random_state=0)
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
              "as a sample-by-sample loop compiled by Numba (compiled once per process before "
              "the timed fit: extra.compile_s); scikit-learn: SGDClassifier with the perceptron "
              "loss, no penalty, constant rate 1, average=True (one-vs-rest), compiled Cython.",
        extra={"compile_s": round(t_compile, 3)},
        status=run.status)


@bench_task("perceptron", "quick", "digits")
def perceptron_digits(quiet: bool) -> BenchResult:
    return _perceptron("digits", "quick", 20)


@bench_task("perceptron", "full", "mnist")
def perceptron_mnist(quiet: bool) -> BenchResult:
    return _perceptron("mnist", "full", 10)
