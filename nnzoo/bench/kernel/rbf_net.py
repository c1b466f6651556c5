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
test MSE (regression) or accuracy.

Time: the same stages on both sides, single-threaded, after one untimed run of the same call
on each side (first calls of the libraries), the median of ``REPEATS`` calls per side (nnzoo's
calls before and after the peer's, so a slow spell of a shared machine falls on both; one
call lasts milliseconds): the basis outputs of the training
inputs and the ridge readout, given the centres, widths and penalty (nnzoo:
:meth:`RBFNet.refit_readout` of the fitted network with ``alpha`` fixed to its leave-one-out
choice; hpelm: ``add_neurons`` with those centres and widths, then ``train``). The stages
before them are timed in ``extra``: nnzoo's whole fit (k-means++ seeding, Lloyd's
iterations, widths, the leave-one-out choice of ``alpha``, the readout), its k-means alone
beside scikit-learn's ``KMeans`` (k-means++ then Lloyd, one initialisation, the same
tolerance and iteration limit), and its leave-one-out choice of ``alpha``.

``extra`` holds the second comparison, each side with its own centres: hpelm's default random
neurons (centres ``N(0, I)``, ``B = |N(0, 1)| D``) and hpelm with random training samples as
centres and those default widths.

- quick, ``friedman1``: 200 centres, 1400 training / 400 test samples;
- quick, ``digits``: 200 centres, width scale 2, the fixed digits split.
"""

from __future__ import annotations

import dataclasses
import functools
import statistics
from typing import Any

import numpy as np
import torch

from nnzoo.bench.arrays import flat, targets
from nnzoo.bench.runner import BenchResult, bench_task, one_thread, peer_run, timed
from nnzoo.core.seed import isolated_rng

PEER = "hpelm rbf_l2 neurons"
#: Timed calls per side (the median is the row's time).
REPEATS = 9


def compare_rbf(Xtr: np.ndarray, ytr: np.ndarray, Xte: np.ndarray, yte: np.ndarray, *,
                classification: bool, tier: str, task: str, **hp: Any) -> BenchResult:
    from nnzoo.models.kernel.rbf_net import RBFNet
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
    Xtr_t, ytr_t = torch.from_numpy(Xtr), torch.from_numpy(ytr)
    with one_thread():
        _, t_full = timed(lambda: est.fit(Xtr, ytr))                    # every stage
        alpha = est.alpha_
        net = RBFNet(dataclasses.replace(est.model_.config, alpha=alpha)).double()
        net.load_state_dict(est.model_.state_dict())                     # centres, widths
        net.refit_readout(Xtr_t, ytr_t)                                  # warm-up, untimed

        def ours() -> list[float]:                                        # basis + readout
            return [timed(lambda: net.refit_readout(Xtr_t, ytr_t))[1] for _ in range(REPEATS)]

        t_ours = ours()
        with torch.no_grad():
            pred_o = net(torch.from_numpy(Xte)).numpy()
        centres = net.centres.double().numpy()                          # (K, D) standardised
        widths = 2 * net.sigma.double().numpy() ** 2                     # hpelm's B
        stages = _earlier_stages(est, Xtr_t, torch.from_numpy(Ztr), torch.from_numpy(T), k)

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
                fit("nnzoo-centres")                                     # warm-up, untimed
                for variant in ("nnzoo-centres", "default", "data-centres"):
                    times = [timed(functools.partial(fit, variant)) for _ in range(REPEATS)]
                    out[variant] = (quality(times[-1][0].predict(Zte) + offset),
                                    statistics.median(t for _, t in times))
            return out

        run = peer_run(peer_side)
        t_o = statistics.median(t_ours + ours())
    q_o = quality(pred_o)
    peers = run.value or {}
    shared = peers.get("nnzoo-centres")
    return BenchResult(
        "rbf-net", tier, task, metric, classification, PEER, q_o,
        shared[0] if shared else None, t_o, shared[1] if shared else None,
        "fit time of the basis + readout, given centres, widths and penalty (both sides)",
        f"{k} Gaussian units, hpelm given nnzoo's k-means centres and widths, same "
        f"standardised inputs and ridge penalty, float64 on both sides, {len(Xtr)} training "
        "samples, both single-threaded; nnzoo's readout has an intercept, hpelm's none",
        notes=f"test {metric}; timed: the basis and the readout on both sides, median of "
              f"{REPEATS} calls each (both form the readout's H^T H as NumPy's H.T @ H, a "
              "BLAS syrk); nnzoo's whole "
              f"fit {t_full:.3g} s (k-means {stages['kmeans_s']:.3g} s, scikit-learn KMeans "
              f"{stages['sklearn_kmeans_s']:.3g} s; leave-one-out choice of alpha "
              f"{stages['alpha_selection_s']:.3g} s); extra: hpelm with its own centres (its "
              "default random neurons; random training samples as centres)",
        extra={"alpha": alpha, "full_fit_s": t_full, **stages,
               "peer_variants": {n: {metric: v[0], "fit_time_s": v[1]}
                                 for n, v in peers.items()}},
        status=run.status)


def _earlier_stages(est: Any, X: torch.Tensor, Z: torch.Tensor, Y: torch.Tensor, k: int
                    ) -> dict[str, float]:
    """Times of the stages before the basis and readout, single-threaded: nnzoo's k-means
    (k-means++ then Lloyd, the fit's settings and seed) beside scikit-learn's ``KMeans``
    (k-means++ then Lloyd, one initialisation, the same tolerance and iteration limit), and
    nnzoo's leave-one-out choice of the ridge penalty on the basis outputs of ``X`` (targets
    ``Y``); with both k-means' final inertias. ``Z``: ``X`` standardised."""
    from sklearn.cluster import KMeans

    from nnzoo.models.kernel.kmeans import kmeans
    from nnzoo.models.readout import select_alpha

    cfg, m = est.model_.config, est.model_
    gen = torch.Generator().manual_seed(0)
    (_, _, hist), t_km = timed(lambda: kmeans(Z, k, cfg.kmeans_iter, cfg.kmeans_tol, gen))
    sk = KMeans(k, n_init=1, tol=cfg.kmeans_tol, max_iter=cfg.kmeans_iter, random_state=0,
                algorithm="lloyd")
    Zn = Z.numpy()
    _, t_sk = timed(lambda: sk.fit(Zn))
    with torch.no_grad():
        H = m.basis(X)                                                  # (n, K)
    _, t_loo = timed(lambda: select_alpha(H, Y, cfg.alphas, cfg.loo_samples, gen,
                                          cfg.intercept))
    return {"kmeans_s": t_km, "sklearn_kmeans_s": t_sk, "alpha_selection_s": t_loo,
            "kmeans_inertia": hist[-1], "sklearn_kmeans_inertia": float(sk.inertia_)}


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
