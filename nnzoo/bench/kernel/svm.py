"""Benchmarks of the support vector machine beside scikit-learn's ``SVC`` (libsvm).

- Quick tier, ``digits``: the ``svm/digits`` recipe (RBF kernel, C = 10, gamma = ``scale``,
  one-vs-one) on the digits split of ``nnzoo.data`` (1,293 training images, 360 test), and
  ``SVC`` with the same C, gamma and tolerance (1e-3); float32 kernel values on both sides
  (libsvm's SMO reads its kernel values from a float32 cache), and nnzoo's fit with a
  float64 kernel matrix in ``extra``. Quality: test accuracy; time: fit.
- Quick tier, ``digits-linear-primal``: the primal linear SVM (Newton on the squared hinge,
  one-vs-rest) beside ``LinearSVC`` (liblinear, the same objective: squared hinge, L2,
  regularised bias), C = 1.
- Full tier, ``mnist-10k``: RBF kernel, C = 5, gamma = 0.05 on pixels in [0, 1], trained on
  the first 10,000 MNIST training images, tested on the 10,000 test images; float32 kernel
  matrix for nnzoo; ``SVC`` with the same C, gamma and tolerance.

nnzoo precomputes the kernel matrix and runs its SMO compiled by Numba (compiled before the
timed fit, once per process, as libsvm is compiled ahead of time), and each side fits the
first ``WARM_UP_SAMPLES`` training samples untimed before its timed fit (the libraries' first
calls). ``SVC`` gets a kernel cache (``cache_size``) large
enough to hold the whole kernel matrix of the training set (libsvm caches kernel values in
float32, 4 bytes each: ``4 n^2`` bytes, at least its default 200 MB), so that neither side
recomputes kernel values; the row says the cache and both precisions.

Both sides run single-threaded (``one_thread``: torch and the BLAS pools; libsvm is
single-threaded anyway). Both predict by one-vs-one votes with ties to the lowest class
(libsvm's rule; ``break_ties=False``).
"""

from __future__ import annotations

import math

import numpy as np

from nnzoo.bench.arrays import flat, targets
from nnzoo.bench.runner import BenchResult, bench_task, one_thread, peer_run, timed

#: Each side's untimed warm-up fit takes this many training samples.
WARM_UP_SAMPLES = 300


def whole_kernel_cache_mb(n: int) -> int:
    """An ``SVC`` ``cache_size`` (MB) that holds the whole ``n x n`` kernel matrix in libsvm's
    float32 cache (plus 16 MB of slack), and never less than scikit-learn's default 200."""
    return max(200, math.ceil(4 * n * n / 2**20) + 16)


def _vs_svc(task: str, tier: str, Xtr: np.ndarray, ytr: np.ndarray, Xte: np.ndarray,
            yte: np.ndarray, C: float, gamma: float | str, kernel_dtype: str) -> BenchResult:
    import torch

    from nnzoo.models.kernel.svm_estimator import SVMClassifier
    from nnzoo.models.kernel.svm_numba import warm_up

    cache = whole_kernel_cache_mb(len(Xtr))
    ours = SVMClassifier(C=C, gamma=gamma, kernel="rbf", tol=1e-3, kernel_dtype=kernel_dtype,
                         backend="numba")
    # Numba compiles the SMO once per process, untimed, as libsvm is compiled ahead of time;
    # then each side fits a few hundred samples untimed (first calls of the libraries)
    _, t_compile = timed(lambda: warm_up(getattr(torch, kernel_dtype)))
    few = slice(0, WARM_UP_SAMPLES)

    def peer_side() -> tuple[float, float, int, int]:
        from sklearn.svm import SVC

        peer = SVC(C=C, gamma=gamma, kernel="rbf", tol=1e-3, cache_size=cache)
        peer.fit(Xtr[few], ytr[few])                                      # warm-up, untimed
        _, t = timed(lambda: peer.fit(Xtr, ytr))
        return (float(peer.score(Xte, yte)), t, int(peer.n_support_.sum()),
                int(np.max(peer.n_iter_)))

    with one_thread():
        ours.fit(Xtr[few], ytr[few])                                      # warm-up, untimed
        _, t_ours = timed(lambda: ours.fit(Xtr, ytr))
        acc_ours = float(ours.score(Xte, yte))
        run = peer_run(peer_side)
        t_f64 = None
        if kernel_dtype != "float64":                   # the same fit, float64 kernel values
            warm_up(torch.float64)
            ours.set_params(kernel_dtype="float64").fit(Xtr[few], ytr[few])
            _, t_f64 = timed(lambda: ours.fit(Xtr, ytr))
            ours.set_params(kernel_dtype=kernel_dtype).fit(Xtr, ytr)
    acc_peer, t_peer, sv_peer, it_peer = run.value if run.value else (None, None, None, None)
    return BenchResult(
        "svm", tier, task, "accuracy", True, "scikit-learn SVC", acc_ours, acc_peer, t_ours,
        t_peer, "fit time",
        f"RBF kernel, C={C}, gamma={gamma}, tol 1e-3, one-vs-one; {len(Xtr)} training "
        f"samples, {len(Xte)} test; nnzoo precomputes a {kernel_dtype} kernel matrix (one "
        "BLAS syrk) and runs its SMO compiled by Numba (compiled before the timed fit, once "
        "per process, as libsvm is compiled ahead of time); SVC's kernel cache is "
        f"{cache} MB (the whole kernel in libsvm's float32 cache); each side fits "
        f"{WARM_UP_SAMPLES} samples untimed first; both single-threaded",
        notes=f"support vectors: nnzoo {int(ours.n_support_.sum())}, SVC {sv_peer}; most SMO "
              f"steps of one problem: nnzoo {int(ours.n_iter_.max())}, SVC {it_peer}; Numba "
              f"compilation {t_compile:.2g} s (untimed)"
              + (f"; nnzoo with a float64 kernel matrix: {t_f64:.3g} s" if t_f64 else ""),
        extra={"n_sv_nnzoo": int(ours.n_support_.sum()), "n_sv_peer": sv_peer,
               "kernel_dtype": kernel_dtype, "svc_cache_size_mb": cache,
               "smo": "numba", "numba_compile_s": t_compile, "fit_time_float64_kernel_s": t_f64},
        status=run.status)


@bench_task("svm", "quick", "digits")
def svm_digits(quiet: bool) -> BenchResult:
    from nnzoo.data import load_dataset
    from nnzoo.recipes import get_recipe

    s = load_dataset("digits")
    hp, _ = get_recipe("svm", "digits").resolve()
    return _vs_svc("digits", "quick", flat(s.train.X, np.float64), targets(s).numpy(),
                   flat(s.test.X, np.float64), targets(s, "test").numpy(), hp["C"],
                   hp["gamma"], "float32")


@bench_task("svm", "quick", "digits-linear-primal")
def svm_digits_primal(quiet: bool) -> BenchResult:
    from nnzoo.data import load_dataset
    from nnzoo.models.kernel.svm_estimator import SVMClassifier

    s = load_dataset("digits")
    Xtr, ytr = flat(s.train.X, np.float64), targets(s).numpy()
    Xte, yte = flat(s.test.X, np.float64), targets(s, "test").numpy()
    ours = SVMClassifier(C=1.0, kernel="linear", solver="primal", multiclass="ovr", tol=1e-4)

    def peer_side() -> tuple[float, float, float]:
        from sklearn.svm import LinearSVC

        peer = LinearSVC(C=1.0, loss="squared_hinge", dual=False, tol=1e-4, max_iter=10000)
        _, t = timed(lambda: peer.fit(Xtr, ytr))
        return float(peer.score(Xte, yte)), t, float(np.abs(ours.coef_ - peer.coef_).max())

    with one_thread():
        _, t_ours = timed(lambda: ours.fit(Xtr, ytr))
        acc_ours = float(ours.score(Xte, yte))
        run = peer_run(peer_side)
    acc_peer, t_peer, gap = run.value if run.value else (None, None, None)
    return BenchResult(
        "svm", "quick", "digits-linear-primal", "accuracy", True, "scikit-learn LinearSVC",
        acc_ours, acc_peer, t_ours, t_peer, "fit time",
        "linear SVM, squared hinge, L2, C=1, regularised bias, one-vs-rest; nnzoo: primal "
        "Newton-CG; LinearSVC: liblinear primal (dual=False); both single-threaded",
        notes=f"largest difference of the weights: {gap:.2g}" if gap is not None else "",
        extra={"max_weight_difference": gap}, status=run.status)


@bench_task("svm", "full", "mnist-10k")
def svm_mnist_10k(quiet: bool) -> BenchResult:
    from nnzoo.data import load_dataset
    from nnzoo.recipes import get_recipe

    s = load_dataset("mnist-10k")
    hp, _ = get_recipe("svm", "mnist-10k").resolve()
    return _vs_svc("mnist-10k", "full", flat(s.train.X, np.float64), targets(s).numpy(),
                   flat(s.test.X, np.float64), targets(s, "test").numpy(), hp["C"],
                   hp["gamma"], hp["kernel_dtype"])
