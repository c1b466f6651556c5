"""Benchmarks of the support vector machine beside scikit-learn's ``SVC`` (libsvm).

- Quick tier, ``digits``: the ``svm/digits`` recipe (RBF kernel, C = 10, gamma = ``scale``,
  one-vs-one) on the digits split of ``nnzoo.data`` (1,293 training images, 360 test), and
  ``SVC`` with the same C, gamma and tolerance (1e-3). Quality: test accuracy; time: fit.
- Quick tier, ``digits-linear-primal``: the primal linear SVM (Newton on the squared hinge,
  one-vs-rest) beside ``LinearSVC`` (liblinear, the same objective: squared hinge, L2,
  regularised bias), C = 1.
- Full tier, ``mnist-10k``: RBF kernel, C = 5, gamma = 0.05 on pixels in [0, 1], trained on
  the first 10,000 MNIST training images, tested on the 10,000 test images; float32 kernel
  matrix for nnzoo; ``SVC`` with the same C, gamma and tolerance.

Both sides run single-threaded (``one_thread``: torch and the BLAS pools; libsvm is
single-threaded anyway). Both predict by one-vs-one votes with ties to the lowest class
(libsvm's rule; ``break_ties=False``).
"""

from __future__ import annotations

import numpy as np

from nnzoo.bench.runner import BenchResult, bench_task, one_thread, timed


def _flat(t: object) -> np.ndarray:
    return t.reshape(len(t), -1).numpy().astype(np.float64)  # type: ignore[attr-defined]


def _vs_svc(task: str, tier: str, Xtr: np.ndarray, ytr: np.ndarray, Xte: np.ndarray,
            yte: np.ndarray, C: float, gamma: float | str, kernel_dtype: str) -> BenchResult:
    from sklearn.svm import SVC

    from nnzoo.models.svm import SVMClassifier

    ours = SVMClassifier(C=C, gamma=gamma, kernel="rbf", tol=1e-3, kernel_dtype=kernel_dtype)
    peer = SVC(C=C, gamma=gamma, kernel="rbf", tol=1e-3)
    with one_thread():
        _, t_ours = timed(lambda: ours.fit(Xtr, ytr))
        _, t_peer = timed(lambda: peer.fit(Xtr, ytr))
        acc_ours, acc_peer = float(ours.score(Xte, yte)), float(peer.score(Xte, yte))
    return BenchResult(
        "svm", tier, task, "accuracy", True, "scikit-learn SVC", acc_ours, acc_peer, t_ours,
        t_peer, "fit time",
        f"RBF kernel, C={C}, gamma={gamma}, tol 1e-3, one-vs-one; {len(Xtr)} training "
        f"samples, {len(Xte)} test; both single-threaded",
        notes=f"support vectors: nnzoo {int(ours.n_support_.sum())}, SVC "
              f"{int(peer.n_support_.sum())}; most SMO steps of one problem: nnzoo "
              f"{int(ours.n_iter_.max())}, SVC {int(np.max(peer.n_iter_))}",
        extra={"n_sv_nnzoo": int(ours.n_support_.sum()), "n_sv_peer": int(peer.n_support_.sum()),
               "kernel_dtype": kernel_dtype})


@bench_task("svm", "quick", "digits")
def svm_digits(quiet: bool) -> BenchResult:
    from nnzoo.data import load_dataset
    from nnzoo.recipes import get_recipe

    s = load_dataset("digits")
    hp, _ = get_recipe("svm", "digits").resolve()
    return _vs_svc("digits", "quick", _flat(s.train.X), s.train.y.numpy(), _flat(s.test.X),
                   s.test.y.numpy(), hp["C"], hp["gamma"], "float64")


@bench_task("svm", "quick", "digits-linear-primal")
def svm_digits_primal(quiet: bool) -> BenchResult:
    from sklearn.svm import LinearSVC

    from nnzoo.data import load_dataset
    from nnzoo.models.svm import SVMClassifier

    s = load_dataset("digits")
    Xtr, ytr, Xte, yte = _flat(s.train.X), s.train.y.numpy(), _flat(s.test.X), s.test.y.numpy()
    ours = SVMClassifier(C=1.0, kernel="linear", solver="primal", multiclass="ovr", tol=1e-4)
    peer = LinearSVC(C=1.0, loss="squared_hinge", dual=False, tol=1e-4, max_iter=10000)
    with one_thread():
        _, t_ours = timed(lambda: ours.fit(Xtr, ytr))
        _, t_peer = timed(lambda: peer.fit(Xtr, ytr))
        acc_ours, acc_peer = float(ours.score(Xte, yte)), float(peer.score(Xte, yte))
    gap = float(np.abs(ours.coef_ - peer.coef_).max())
    return BenchResult(
        "svm", "quick", "digits-linear-primal", "accuracy", True, "scikit-learn LinearSVC",
        acc_ours, acc_peer, t_ours, t_peer, "fit time",
        "linear SVM, squared hinge, L2, C=1, regularised bias, one-vs-rest; nnzoo: primal "
        "Newton-CG; LinearSVC: liblinear primal (dual=False); both single-threaded",
        notes=f"largest difference of the weights: {gap:.2g}",
        extra={"max_weight_difference": gap})


@bench_task("svm", "full", "mnist-10k")
def svm_mnist_10k(quiet: bool) -> BenchResult:
    from nnzoo.data import load_dataset
    from nnzoo.recipes import get_recipe

    s = load_dataset("mnist-10k")
    hp, _ = get_recipe("svm", "mnist-10k").resolve()
    return _vs_svc("mnist-10k", "full", _flat(s.train.X), s.train.y.numpy(), _flat(s.test.X),
                   s.test.y.numpy(), hp["C"], hp["gamma"], hp["kernel_dtype"])
