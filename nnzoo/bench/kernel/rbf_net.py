"""Benchmarks of the RBF network against hpelm's ``rbf_l2`` neurons (an RBF network whose
output layer hpelm solves by least squares), https://github.com/akusok/hpelm.

The same network on both sides, so that only the readout's solver differs: nnzoo fits its
k-means++ / Lloyd centres and nearest-centre widths (as its recipes), and hpelm receives those
centres (``W``, the centres transposed) and widths (``B = 2 sigma^2``: hpelm's
``exp(-|x - c|^2 / B)`` is nnzoo's ``exp(-|x - c|^2 / (2 sigma^2))``), the same inputs
standardised by the training split's statistics and the same ridge penalty (nnzoo's
leave-one-out choice, given to hpelm as ``norm``); both sides in float64 (hpelm's precision;
nnzoo's RBF net runs with ``dtype="float64"``). The difference that remains: hpelm's output
layer has no bias, nnzoo's readout has an unpenalised intercept; for regression hpelm is
trained on targets centred by their training mean (added back to its predictions). Quality:
test MSE (regression) or accuracy; time: nnzoo's whole fit (k-means, widths, readout) beside
hpelm's hidden layer and readout (it is handed the centres), single-threaded.

``extra`` holds the second comparison, each side with its own centres: hpelm's default random
neurons (centres ``N(0, I)``, ``B = |N(0, 1)| D``) and hpelm with random training samples as
centres and those default widths.

- quick, ``friedman1``: 200 centres, 1400 training / 400 test samples;
- quick, ``digits``: 200 centres, width scale 2, the fixed digits split.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import torch

from nnzoo.bench.arrays import flat, targets
from nnzoo.bench.runner import BenchResult, bench_task, one_thread, peer_run, timed
from nnzoo.core.seed import isolated_rng

PEER = "hpelm rbf_l2 neurons"


def compare_rbf(Xtr: np.ndarray, ytr: np.ndarray, Xte: np.ndarray, yte: np.ndarray, *,
                classification: bool, tier: str, task: str, **hp: Any) -> BenchResult:
    from nnzoo.models.kernel.rbf_net_estimator import RBFNetClassifier, RBFNetRegressor
    from nnzoo.models.readout import standardization

    metric = "accuracy" if classification else "mse"
    k = int(hp["n_centres"])
    Xtr, Xte = Xtr.astype(np.float64), Xte.astype(np.float64)
    mean, scale = standardization(torch.from_numpy(Xtr))
    Ztr = (Xtr - mean.numpy()) / scale.numpy()
    Zte = (Xte - mean.numpy()) / scale.numpy()
    if classification:
        T = np.eye(int(ytr.max()) + 1)[ytr]
        offset = 0.0
    else:
        offset = float(ytr.mean())
        T = (ytr - offset).reshape(-1, 1).astype(np.float64)

    def quality(pred: np.ndarray) -> float:
        if classification:
            return float((pred.argmax(1) == yte).mean())
        return float(((pred[:, 0] - yte) ** 2).mean())

    est = (RBFNetClassifier if classification else RBFNetRegressor)(
        random_state=0, dtype="float64", **hp)
    with one_thread():
        _, t_o = timed(lambda: est.fit(Xtr, ytr))
        pred_o = est.decision_function(Xte) if classification else \
            est.predict(Xte).reshape(-1, 1)
        alpha = est.alpha_
        centres = est.model_.centres.double().numpy()                   # (K, D) standardised
        widths = 2 * est.model_.sigma.double().numpy() ** 2              # hpelm's B

        def peer_side() -> dict[str, tuple[float, float]]:
            from hpelm import ELM as HPELM

            def fit(variant: str) -> Any:
                m = HPELM(Ztr.shape[1], T.shape[1], classification="c" if classification
                          else "", norm=alpha)
                if variant == "nnzoo-centres":
                    m.add_neurons(k, "rbf_l2", W=centres.T.copy(), B=widths.copy())
                else:                    # hpelm's own draws, from NumPy's global generator
                    np.random.seed(0)
                    W = Ztr[np.random.permutation(len(Ztr))[:k]].T \
                        if variant == "data-centres" else None
                    m.add_neurons(k, "rbf_l2", W=W)
                m.train(Ztr, T, "c" if classification else "r")
                return m

            out = {}
            with isolated_rng(None):   # hpelm draws from NumPy's global generator
                for variant in ("nnzoo-centres", "default", "data-centres"):
                    m, t = timed(functools.partial(fit, variant))
                    out[variant] = (quality(m.predict(Zte) + offset), t)
            return out

        run = peer_run(peer_side)
    q_o = quality(pred_o)
    peers = run.value or {}
    shared = peers.get("nnzoo-centres")
    return BenchResult(
        "rbf-net", tier, task, metric, classification, PEER, q_o,
        shared[0] if shared else None, t_o, shared[1] if shared else None,
        "fit time (nnzoo: k-means + widths + readout; hpelm: basis + readout)",
        f"{k} Gaussian units, hpelm given nnzoo's k-means centres and widths, same "
        f"standardised inputs and ridge penalty, float64 on both sides, {len(Xtr)} training "
        "samples, both single-threaded; nnzoo's readout has an intercept, hpelm's none",
        notes=f"test {metric}; extra: hpelm with its own centres (its default random neurons; "
              "random training samples as centres)",
        extra={"alpha": alpha, "peer_variants": {n: {metric: v[0], "fit_time_s": v[1]}
                                                  for n, v in peers.items()}},
        status=run.status)



@bench_task("rbf-net", "quick", "friedman1")
def rbf_friedman1(quiet: bool) -> BenchResult:
    from nnzoo.data import load_dataset

    s = load_dataset("friedman1")
    return compare_rbf(flat(s.train.X, np.float32), targets(s).numpy()[:, 0],
                       flat(s.test.X, np.float32), targets(s, "test").numpy()[:, 0],
                       classification=False, tier="quick", task="friedman1", n_centres=200)


@bench_task("rbf-net", "quick", "digits")
def rbf_digits(quiet: bool) -> BenchResult:
    from nnzoo.data import load_dataset

    s = load_dataset("digits")
    return compare_rbf(flat(s.train.X, np.float32), targets(s).numpy(),
                       flat(s.test.X, np.float32), targets(s, "test").numpy(),
                       classification=True, tier="quick", task="digits", n_centres=200,
                       width_scale=2.0)
