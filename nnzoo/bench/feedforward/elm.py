"""Benchmarks of the extreme learning machine against hpelm (https://github.com/akusok/hpelm).

Same work on both sides: the same inputs standardised by the training split's mean and
deviation (what nnzoo's ELM does inside; hpelm gets the standardised arrays), the same number
and kind of neurons drawn the same way (sigmoid: ``w ~ N(0, 1) * 3 / sqrt(D)``,
``b ~ N(0, 1)``; hpelm's ``sigm`` is ``1 / (1 + exp(+a))``, the mirror image, equal in
distribution), one-hot 0/1 targets, float64 on both sides (hpelm's default precision; nnzoo's
ELM is run with ``dtype="float64"``, its default being float32) and the same ridge penalty:
the one nnzoo's leave-one-out picks (computed once beforehand, untimed) is given to both,
nnzoo as ``alpha`` and hpelm as ``norm``. Remaining differences, stated in the row: each
library draws its own hidden layer (torch vs NumPy generators, same distributions), so the
tiers average several seeds; nnzoo's readout has an unpenalised intercept, hpelm's has none.
Quality: test accuracy; time: one fit (hidden layer + readout) with the penalty given, median
over the seeds, both sides single-threaded. ``extra`` also records nnzoo's float32 fit
(accuracy and time), nnzoo without the intercept, nnzoo's fit time with the leave-one-out
selection included and hpelm's accuracy with its default penalty (50 machine epsilons).

- quick, ``digits``: 1000 sigmoid neurons, the fixed digits split (1293 train / 360 test),
  seeds 0-4;
- full, ``mnist``: 2000 sigmoid neurons, 55,000 training / 10,000 test images, seeds 0-2
  (there the penalty is nnzoo's generalized cross-validation choice on all 55,000 rows).
"""

from __future__ import annotations

import functools
import statistics
from typing import Any

import numpy as np
import torch

from nnzoo.bench.arrays import flat, targets
from nnzoo.bench.runner import BenchResult, bench_task, one_thread, peer_run, timed
from nnzoo.core.seed import isolated_rng

PEER = "hpelm"



def compare_elm(Xtr: np.ndarray, ytr: np.ndarray, Xte: np.ndarray, yte: np.ndarray, *,
                neurons: int, kind: str, seeds: tuple[int, ...], tier: str, task: str
                ) -> BenchResult:
    """nnzoo's ELMClassifier beside hpelm's ELM on the same standardised data (see above)."""
    from nnzoo.models.feedforward.elm_estimator import ELMClassifier
    from nnzoo.models.readout import standardization

    X64, Xte64 = Xtr.astype(np.float64), Xte.astype(np.float64)
    mean, scale = standardization(torch.from_numpy(X64))
    Ztr = (X64 - mean.numpy()) / scale.numpy()                          # hpelm's inputs
    Zte = (Xte64 - mean.numpy()) / scale.numpy()
    T = np.eye(int(ytr.max()) + 1)[ytr]                                 # one-hot (n, K)
    spec = f"{kind}:{neurons}"
    acc_o, t_o, t_loo, alphas, acc32, t32, acc_noint = [], [], [], [], [], [], []
    with one_thread():
        for seed in seeds:
            loo = ELMClassifier(neurons=spec, random_state=seed, dtype="float64")
            _, t = timed(lambda: loo.fit(X64, ytr))                     # noqa: B023
            alpha = loo.alpha_
            ours = ELMClassifier(neurons=spec, alpha=alpha, random_state=seed, dtype="float64")
            _, to = timed(lambda: ours.fit(X64, ytr))                   # noqa: B023
            acc_o.append(float(ours.score(Xte64, yte)))
            single = ELMClassifier(neurons=spec, alpha=alpha, random_state=seed)
            _, ts = timed(lambda: single.fit(Xtr, ytr))                 # noqa: B023
            acc32.append(float(single.score(Xte, yte)))
            noint = ELMClassifier(neurons=spec, alpha=alpha, random_state=seed,
                                  dtype="float64", intercept=False).fit(X64, ytr)
            acc_noint.append(float(noint.score(Xte64, yte)))
            t_o.append(to)
            t32.append(ts)
            t_loo.append(t)
            alphas.append(alpha)

        def peer_side() -> dict[str, list[float]]:
            from hpelm import ELM as HPELM

            def fit(norm: float | None, seed: int) -> Any:
                np.random.seed(seed)  # hpelm draws from NumPy's global generator
                m = HPELM(Ztr.shape[1], T.shape[1], classification="c", norm=norm)
                m.add_neurons(neurons, kind)
                m.train(Ztr, T, "c")
                return m

            out: dict[str, list[float]] = {"acc": [], "time": [], "acc_default_norm": []}
            with isolated_rng(None):   # hpelm draws from NumPy's global generator
                for seed, alpha in zip(seeds, alphas):
                    m, tp = timed(functools.partial(fit, alpha, seed))
                    out["acc"].append(float((m.predict(Zte).argmax(1) == yte).mean()))
                    out["time"].append(tp)
                    m0 = fit(None, seed)
                    out["acc_default_norm"].append(
                        float((m0.predict(Zte).argmax(1) == yte).mean()))
            return out

        run = peer_run(peer_side)
    p = run.value
    return BenchResult(
        "elm", tier, task, "accuracy", True, PEER, float(np.mean(acc_o)),
        float(np.mean(p["acc"])) if p else None, statistics.median(t_o),
        statistics.median(p["time"]) if p else None,
        f"fit time, penalty given (median of {len(seeds)} seeds)",
        f"{neurons} {kind} neurons, float64 on both sides, same standardised inputs and ridge "
        f"penalty (nnzoo's leave-one-out choice), {len(Xtr)} training samples, both "
        "single-threaded; each side draws its own hidden layer (same distributions, mean of "
        f"{len(seeds)} seeds); nnzoo's readout has an intercept, hpelm's none",
        notes=f"mean test accuracy over seeds {list(seeds)}; nnzoo in float32 (its default): "
              f"{np.mean(acc32):.4f} in {statistics.median(t32):.3g} s; nnzoo without the "
              f"intercept: {np.mean(acc_noint):.4f}; the leave-one-out selection and hpelm "
              "with its default penalty are in extra",
        extra={"alphas": alphas, "nnzoo_accuracies": acc_o,
               "peer_accuracies": p["acc"] if p else None,
               "peer_default_norm_accuracies": p["acc_default_norm"] if p else None,
               "nnzoo_fit_times": t_o, "peer_fit_times": p["time"] if p else None,
               "nnzoo_fit_times_with_loo": t_loo, "nnzoo_float32_accuracies": acc32,
               "nnzoo_float32_fit_times": t32, "nnzoo_no_intercept_accuracies": acc_noint},
        status=run.status)


@bench_task("elm", "quick", "digits")
def elm_digits(quiet: bool) -> BenchResult:
    from nnzoo.data import load_dataset

    s = load_dataset("digits")
    return compare_elm(flat(s.train.X, np.float32), targets(s).numpy(), flat(s.test.X, np.float32),
                       targets(s, "test").numpy(),
                       neurons=1000, kind="sigm", seeds=(0, 1, 2, 3, 4), tier="quick",
                       task="digits")


@bench_task("elm", "full", "mnist")
def elm_mnist(quiet: bool) -> BenchResult:
    from nnzoo.data import load_dataset

    s = load_dataset("mnist")
    return compare_elm(flat(s.train.X, np.float32), targets(s).numpy(), flat(s.test.X, np.float32),
                       targets(s, "test").numpy(),
                       neurons=2000, kind="sigm", seeds=(0, 1, 2), tier="full", task="mnist")
