"""Benchmarks of the extreme learning machine against hpelm (https://github.com/akusok/hpelm).

Same work on both sides: the same inputs standardised by the training split's mean and
deviation (what nnzoo's ELM does inside; hpelm gets the standardised arrays), the same number
and kind of neurons drawn the same way (sigmoid: ``w ~ N(0, 1) * 3 / sqrt(D)``,
``b ~ N(0, 1)``; hpelm's ``sigm`` is ``1 / (1 + exp(+a))``, the mirror image, equal in
distribution), one-hot 0/1 targets and the same ridge penalty: the one nnzoo's leave-one-out
picks (computed once beforehand, untimed) is given to both, nnzoo as ``alpha`` and hpelm as
``norm``. The random draws differ (torch vs NumPy generators), so the quick tier averages
five seeds. Quality: test accuracy; time: one fit (hidden layer + readout) with the penalty
given, median over the repeats, both sides single-threaded. ``extra`` also records nnzoo's
fit time with the leave-one-out selection included and hpelm's accuracy with its default
penalty (50 machine epsilons).

- quick, ``digits``: 1000 sigmoid neurons, the fixed digits split (1293 train / 360 test),
  seeds 0-4;
- full, ``mnist``: 2000 sigmoid neurons, 55,000 training / 10,000 test images, seeds 0-2
  (there the penalty is nnzoo's generalized cross-validation choice on all 55,000 rows).
"""

from __future__ import annotations

import statistics
from typing import Any

import numpy as np
import torch

from nnzoo.bench.runner import BenchResult, bench_task, one_thread, timed

PEER = "hpelm"


def _flat(t: torch.Tensor) -> np.ndarray:
    return t.reshape(len(t), -1).numpy().astype(np.float32)


def compare_elm(Xtr: np.ndarray, ytr: np.ndarray, Xte: np.ndarray, yte: np.ndarray, *,
                neurons: int, kind: str, seeds: tuple[int, ...], tier: str, task: str
                ) -> BenchResult:
    """nnzoo's ELMClassifier beside hpelm's ELM on the same standardised data (see above)."""
    try:
        from hpelm import ELM as HPELM
    except ImportError:
        return BenchResult("elm", tier, task, "accuracy", True, PEER, None, None, None, None,
                           "fit time", f"{neurons} {kind} neurons",
                           notes="peer hpelm is not installed (pip install hpelm)")
    from nnzoo.models.elm import ELMClassifier, standardization

    mean, scale = standardization(torch.from_numpy(Xtr))
    Ztr = ((Xtr - mean.numpy()) / scale.numpy()).astype(np.float64)   # hpelm's inputs
    Zte = ((Xte - mean.numpy()) / scale.numpy()).astype(np.float64)
    T = np.eye(int(ytr.max()) + 1)[ytr]                                 # one-hot (n, K)
    spec = f"{kind}:{neurons}"
    acc_o, acc_p, acc_p0, t_o, t_p, t_loo, alphas = [], [], [], [], [], [], []
    with one_thread():
        for seed in seeds:
            loo = ELMClassifier(neurons=spec, random_state=seed)
            _, t = timed(lambda: loo.fit(Xtr, ytr))                     # noqa: B023
            alpha = loo.alpha_
            ours = ELMClassifier(neurons=spec, alpha=alpha, random_state=seed)

            def peer_fit(norm: float | None, seed: int = seed) -> Any:
                np.random.seed(seed)
                m = HPELM(Ztr.shape[1], T.shape[1], classification="c", norm=norm)
                m.add_neurons(neurons, kind)
                m.train(Ztr, T, "c")
                return m

            _, to = timed(lambda: ours.fit(Xtr, ytr))                   # noqa: B023
            peer, tp = timed(lambda: peer_fit(alpha))                   # noqa: B023
            acc_o.append(float(ours.score(Xte, yte)))
            acc_p.append(float((peer.predict(Zte).argmax(1) == yte).mean()))
            acc_p0.append(float((peer_fit(None).predict(Zte).argmax(1) == yte).mean()))
            t_o.append(to)
            t_p.append(tp)
            t_loo.append(t)
            alphas.append(alpha)
    return BenchResult(
        "elm", tier, task, "accuracy", True, PEER, float(np.mean(acc_o)), float(np.mean(acc_p)),
        statistics.median(t_o), statistics.median(t_p),
        f"fit time, penalty given (median of {len(seeds)} seeds)",
        f"{neurons} {kind} neurons, same standardised inputs and ridge penalty (nnzoo's "
        f"leave-one-out choice), {len(Xtr)} training samples, both single-threaded",
        notes=f"mean test accuracy over seeds {list(seeds)}; the same penalty on both sides; "
              "nnzoo's fit including the leave-one-out selection and hpelm with its default "
              "penalty are in extra",
        extra={"alphas": alphas, "nnzoo_accuracies": acc_o, "peer_accuracies": acc_p,
               "peer_default_norm_accuracies": acc_p0, "nnzoo_fit_times": t_o,
               "peer_fit_times": t_p, "nnzoo_fit_times_with_loo": t_loo})


@bench_task("elm", "quick", "digits")
def elm_digits(quiet: bool) -> BenchResult:
    from nnzoo.data import load_dataset

    s = load_dataset("digits")
    return compare_elm(_flat(s.train.X), s.train.y.numpy(), _flat(s.test.X), s.test.y.numpy(),
                       neurons=1000, kind="sigm", seeds=(0, 1, 2, 3, 4), tier="quick",
                       task="digits")


@bench_task("elm", "full", "mnist")
def elm_mnist(quiet: bool) -> BenchResult:
    from nnzoo.data import load_dataset

    s = load_dataset("mnist")
    return compare_elm(_flat(s.train.X), s.train.y.numpy(), _flat(s.test.X), s.test.y.numpy(),
                       neurons=2000, kind="sigm", seeds=(0, 1, 2), tier="full", task="mnist")
