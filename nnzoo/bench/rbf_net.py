"""Benchmarks of the RBF network against hpelm's ``rbf_l2`` neurons (an RBF network whose
output layer hpelm solves by least squares), https://github.com/akusok/hpelm.

Same work on both sides: inputs standardised by the training split's statistics, the same
number of centres, Gaussian units (hpelm's ``exp(-|x - c|^2 / B)`` is nnzoo's
``exp(-|x - c|^2 / (2 sigma^2)``) and the same ridge penalty (nnzoo's leave-one-out choice,
given to hpelm as ``norm``). hpelm has no output bias, so for regression it is trained on
targets centred by their training mean (added back to its predictions). The peer is run two
ways and the better is reported: its default neurons (centres ``N(0, I)``, ``B = |N(0, 1)| D``)
and centres at random training samples with those default widths (hpelm's documented way of
passing centres, ``W``); both are in ``extra``. nnzoo: k-means++ / Lloyd centres, widths from
the nearest centres, as its recipes. Quality: test MSE (regression) or accuracy; time: one
fit each (nnzoo's includes k-means), single-threaded.

- quick, ``friedman1``: 200 centres, 1400 training / 400 test samples;
- quick, ``digits``: 200 centres, width scale 2, the fixed digits split.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from nnzoo.bench.runner import BenchResult, bench_task, one_thread, timed

PEER = "hpelm rbf_l2 neurons"


def compare_rbf(Xtr: np.ndarray, ytr: np.ndarray, Xte: np.ndarray, yte: np.ndarray, *,
                classification: bool, tier: str, task: str, **hp: Any) -> BenchResult:
    metric = "accuracy" if classification else "mse"
    k = int(hp["n_centres"])
    try:
        from hpelm import ELM as HPELM
    except ImportError:
        return BenchResult("rbf-net", tier, task, metric, classification, PEER, None, None,
                           None, None, "fit time", f"{k} centres",
                           notes="peer hpelm is not installed (pip install hpelm)")
    from nnzoo.models.elm import standardization
    from nnzoo.models.rbf_net import RBFNetClassifier, RBFNetRegressor

    mean, scale = standardization(torch.from_numpy(Xtr))
    Ztr = ((Xtr - mean.numpy()) / scale.numpy()).astype(np.float64)
    Zte = ((Xte - mean.numpy()) / scale.numpy()).astype(np.float64)
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

    est = (RBFNetClassifier if classification else RBFNetRegressor)(random_state=0, **hp)
    with one_thread():
        _, t_o = timed(lambda: est.fit(Xtr, ytr))
        pred_o = est.decision_function(Xte) if classification else \
            est.predict(Xte).reshape(-1, 1)
        alpha = est.alpha_

        def peer_fit(data_centres: bool) -> Any:
            np.random.seed(0)
            m = HPELM(Ztr.shape[1], T.shape[1], classification="c" if classification else "",
                      norm=alpha)
            W = Ztr[np.random.permutation(len(Ztr))[:k]].T if data_centres else None
            m.add_neurons(k, "rbf_l2", W=W)
            m.train(Ztr, T, "c" if classification else "r")
            return m

        peers = {}
        for name, data_centres in (("default", False), ("data-centres", True)):
            m, t = timed(lambda d=data_centres: peer_fit(d))
            peers[name] = (quality(m.predict(Zte) + offset), t)
    q_o = quality(pred_o)
    best = max(peers, key=lambda n: peers[n][0]) if classification else \
        min(peers, key=lambda n: peers[n][0])
    return BenchResult(
        "rbf-net", tier, task, metric, classification, PEER, q_o, peers[best][0], t_o,
        peers[best][1], "fit time (nnzoo: k-means + widths + readout)",
        f"{k} Gaussian centres, same standardised inputs and ridge penalty, {len(Xtr)} "
        "training samples, both single-threaded",
        notes=f"test {metric}; peer = hpelm rbf_l2 with {best} centres (the better of its "
              "default random centres and random training samples)",
        extra={"alpha": alpha, "peer_variants": {n: {metric: v[0], "fit_time_s": v[1]}
                                                  for n, v in peers.items()}})


def _flat(t: torch.Tensor) -> np.ndarray:
    return t.reshape(len(t), -1).numpy().astype(np.float32)


@bench_task("rbf-net", "quick", "friedman1")
def rbf_friedman1(quiet: bool) -> BenchResult:
    from nnzoo.data import load_dataset

    s = load_dataset("friedman1")
    return compare_rbf(_flat(s.train.X), s.train.y.numpy()[:, 0], _flat(s.test.X),
                       s.test.y.numpy()[:, 0], classification=False, tier="quick",
                       task="friedman1", n_centres=200)


@bench_task("rbf-net", "quick", "digits")
def rbf_digits(quiet: bool) -> BenchResult:
    from nnzoo.data import load_dataset

    s = load_dataset("digits")
    return compare_rbf(_flat(s.train.X), s.train.y.numpy(), _flat(s.test.X), s.test.y.numpy(),
                       classification=True, tier="quick", task="digits", n_centres=200,
                       width_scale=2.0)
