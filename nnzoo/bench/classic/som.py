"""Benchmarks of the Kohonen self-organising map against MiniSom.

Both sides train the same map from the same initial weights: those MiniSom draws from its
``random_seed`` (nnzoo draws the same numbers the same way, :func:`minisom_initial_weights`),
and nnzoo visits the samples in the order MiniSom's ``train(..., random_order=True)`` draws
from the same seed. Both compute in float64, so the
two maps agree to rounding (the largest weight difference is reported in ``extra``) and
the comparison is of speed at equal quality.

- ``digits-online-20x20`` / ``digits-online-hex-20x20`` (quick): the digits training split
  (1,293 images of 64 pixels in [0, 1]), a 20x20 rectangular / hexagonal map, Gaussian
  neighbourhood, sigma 3, learning rate 0.5, MiniSom's asymptotic decay of both, 10,000
  online updates in random order: the ``som/digits`` recipe. Time: the online training
  (median of 3 fits). Quality: quantisation error on the test split (lower is
  better); the topographic errors and the BMU-label accuracies are in ``extra`` (MiniSom's
  labels from its ``labels_map``, units without samples taking the most common training
  class as in MiniSom's classification example; nnzoo's from :meth:`label_units`).
- ``digits-batch-20x20`` (quick): MiniSom's ``train_batch_offline`` (a loop over samples per
  epoch) beside nnzoo's vectorised batch map with ``batch_blend`` (the same update), 30
  epochs, sigma 6, learning rate 0.5, asymptotic decay.
- ``mnist-online-20x20`` (full): the 55,000 MNIST training images, a 20x20 map, sigma 3,
  learning rate 0.5, 50,000 online updates; one fit each.

Both sides run single-threaded (torch and NumPy's BLAS limited to one thread).
"""

from __future__ import annotations

import functools
import statistics
from collections import Counter
from typing import Any

import numpy as np
import torch

from nnzoo.bench.arrays import numpy_splits
from nnzoo.bench.runner import BenchResult, bench_task, one_thread, peer_run, timed
from nnzoo.core.config import build_config
from nnzoo.models.classic.som import SelfOrganizingMap, SOMConfig

SEED = 0


def _digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return numpy_splits("digits", np.float64)


def minisom_initial_weights(seed: int, shape: tuple[int, int, int]) -> np.ndarray:
    """The initial weights MiniSom draws from ``random_seed``: uniform in [-1, 1), each unit's
    vector normalised to length 1 (nnzoo's side needs no MiniSom for them)."""
    w = np.random.RandomState(seed).rand(*shape) * 2 - 1
    return w / np.linalg.norm(w, axis=-1, keepdims=True)


def _minisom_order(seed: int, shape: tuple[int, int, int], n: int, T: int) -> np.ndarray:
    """The sample order MiniSom's ``train(random_order=True)`` draws: its generator after the
    initial weights, shuffling ``arange(T) % n``."""
    rng = np.random.RandomState(seed)
    rng.rand(*shape)                                     # the initial weights' draws
    idx = np.arange(T) % n
    rng.shuffle(idx)
    return idx


def _peer_accuracy(peer: Any, Xtr: np.ndarray, ytr: np.ndarray, Xte: np.ndarray,
                   yte: np.ndarray) -> float:
    """MiniSom's classification example: each unit's majority class from ``labels_map``,
    the most common training class for units that won no sample."""
    lm = peer.labels_map(Xtr, ytr)
    default = Counter(ytr.tolist()).most_common(1)[0][0]
    pred = [lm[peer.winner(x)].most_common(1)[0][0] if peer.winner(x) in lm else default
            for x in Xte]
    return float(np.mean(np.asarray(pred) == yte))


def _compare(task: str, tier: str, Xtr: np.ndarray, ytr: np.ndarray, Xte: np.ndarray,
             yte: np.ndarray, *, map_size: tuple[int, int], topology: str, sigma: float,
             training: str, T: int, repeats: int) -> BenchResult:
    X, Y = map_size
    D = Xtr.shape[1]
    cfg = build_config(SOMConfig, {
        "sample_shape": (D,), "map_size": map_size, "topology": topology, "sigma": sigma,
        "learning_rate": 0.5, "training": training, "n_iterations": T, "n_epochs": T,
        "batch_blend": training == "batch"})
    order = _minisom_order(SEED, (X, Y, D), len(Xtr), T)
    Xt = torch.from_numpy(Xtr)

    w0 = minisom_initial_weights(SEED, (X, Y, D))
    ours = SelfOrganizingMap(cfg).double()

    def fit_ours() -> None:
        ours.weight.copy_(torch.from_numpy(w0.reshape(X * Y, D)))
        ours.fit(Xt, torch.from_numpy(ytr), order=order, warm_start=True)

    def peer_side() -> dict[str, Any]:
        from importlib.metadata import version

        from minisom import MiniSom

        times = []
        for _ in range(repeats):
            peer = MiniSom(X, Y, D, sigma=sigma, learning_rate=0.5, topology=topology,
                           random_seed=SEED)
            if training == "online":
                times.append(timed(functools.partial(peer.train, Xtr, T, random_order=True))[1])
            else:
                times.append(timed(functools.partial(peer.train_batch_offline, Xtr, T))[1])
        return {"version": version("minisom"), "times": times,
                "qe_test": float(peer.quantization_error(Xte)),
                "te_test": float(peer.topographic_error(Xte)),
                "qe_train": float(peer.quantization_error(Xtr)),
                "te_train": float(peer.topographic_error(Xtr)),
                "accuracy_test": _peer_accuracy(peer, Xtr, ytr, Xte, yte),
                "max_weight_difference": float(np.abs(
                    ours.weight.numpy().reshape(X, Y, D) - peer.get_weights()).max())}

    t_ours = []
    with one_thread():
        fit_ours()                                       # warm-up, timed by neither
        for _ in range(repeats):                         # median of each side
            t_ours.append(timed(fit_ours)[1])
        run = peer_run(peer_side)
    p = run.value or {}
    te, tr = torch.from_numpy(Xte), Xt
    qe_o = float(ours.quantization_error(te))
    extra = {
        "nnzoo_topographic_error_test": float(ours.topographic_error(te)),
        "peer_topographic_error_test": p.get("te_test"),
        "nnzoo_quantization_error_train": float(ours.quantization_error(tr)),
        "peer_quantization_error_train": p.get("qe_train"),
        "nnzoo_topographic_error_train": float(ours.topographic_error(tr)),
        "peer_topographic_error_train": p.get("te_train"),
        "nnzoo_accuracy_test": float((ours.predict(te).numpy() == yte).mean()),
        "peer_accuracy_test": p.get("accuracy_test"),
        "max_weight_difference": p.get("max_weight_difference"),
        "nnzoo_fit_times": t_ours, "peer_fit_times": p.get("times")}
    what = (f"{T} online updates" if training == "online"
            else f"{T} batch epochs") + f" (median of {repeats})"
    rule = ("online rule, random order" if training == "online"
            else "batch map blended by the learning rate (MiniSom's train_batch_offline)")
    fmt = lambda v, f: "-" if v is None else format(v, f)  # noqa: E731
    return BenchResult(
        "som", tier, task, "quantization error", False,
        f"MiniSom {p['version']}" if p else "MiniSom", qe_o, p.get("qe_test"),
        statistics.median(t_ours), statistics.median(p["times"]) if p else None, what,
        f"{X}x{Y} {topology}, Gaussian, sigma {sigma}, learning rate 0.5, asymptotic decay, "
        f"{rule}; same initial weights and order; {len(Xtr)} training samples, float64, "
        "single-threaded",
        notes=(f"test quantization error; topographic error nnzoo "
               f"{extra['nnzoo_topographic_error_test']:.4f} vs MiniSom "
               f"{fmt(extra['peer_topographic_error_test'], '.4f')}; BMU-label test accuracy "
               f"nnzoo {extra['nnzoo_accuracy_test']:.4f} vs MiniSom "
               f"{fmt(extra['peer_accuracy_test'], '.4f')}; max weight difference "
               f"{fmt(extra['max_weight_difference'], '.1e')}"),
        extra=extra, status=run.status)


def _digits_task(task: str, topology: str, training: str, sigma: float, T: int
                 ) -> BenchResult:
    return _compare(task, "quick", *_digits(), map_size=(20, 20), topology=topology,
                    sigma=sigma, training=training, T=T, repeats=3)


@bench_task("som", "quick", "digits-online-20x20")
def digits_online(quiet: bool) -> BenchResult:
    return _digits_task("digits-online-20x20", "rectangular", "online", 3.0, 10000)


@bench_task("som", "quick", "digits-online-hex-20x20")
def digits_online_hex(quiet: bool) -> BenchResult:
    return _digits_task("digits-online-hex-20x20", "hexagonal", "online", 3.0, 10000)


@bench_task("som", "quick", "digits-batch-20x20")
def digits_batch(quiet: bool) -> BenchResult:
    return _digits_task("digits-batch-20x20", "rectangular", "batch", 6.0, 30)


@bench_task("som", "full", "mnist-online-20x20")
def mnist_online(quiet: bool) -> BenchResult:
    Xtr, ytr, Xte, yte = numpy_splits("mnist", np.float64)
    return _compare("mnist-online-20x20", "full", Xtr, ytr, Xte, yte, map_size=(20, 20),
                    topology="rectangular", sigma=3.0, training="online", T=50000, repeats=1)
