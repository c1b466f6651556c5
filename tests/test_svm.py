"""The SVM: KKT conditions of the solved dual, agreement with libsvm (scikit-learn's SVC)
for every kernel, one-vs-rest and the primal solver against independent fits, bad input,
checkpoints, the plot and the toy datasets."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.svm import SVC, LinearSVC

from nnzoo.core.errors import ConfigError, InputError, NotFittedError
from nnzoo.models import create
from nnzoo.models.kernel.svm_estimator import SVMClassifier
from nnzoo.models.kernel.svm_numba import smo_numba
from nnzoo.models.kernel.svm_solvers import (
    kernel_matrix,
    problem_signs,
    smo,
    stack_problems,
)


def _data(n: int = 90, d: int = 4, k: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % k
    X = rng.normal(size=(n, d)) + 1.2 * rng.normal(size=(k, d))[y]   # overlapping blobs
    return X, y


def test_solved_dual_satisfies_kkt_conditions() -> None:
    X, y = _data(80, 3, 2)
    Xt = torch.as_tensor(X)
    s = torch.as_tensor(np.where(y == 0, 1, -1), dtype=torch.int8)[:, None]  # (N, 1)
    C, tol = 2.0, 1e-6
    K = kernel_matrix(Xt, Xt, "rbf", 0.5)
    idx, ys = stack_problems(s)
    a, rho, steps = smo(K, idx, ys, C, tol, 100_000)
    a, yv = a[0], ys[0].double()
    assert int(steps[0]) > 0
    assert bool((a >= 0).all()) and bool((a <= C).all())            # 0 <= a <= C
    assert abs(float(a @ yv)) < 1e-10                                # sum a_i y_i = 0
    f = K[idx[0]][:, idx[0]] @ (a * yv) - rho[0]                     # f(x_i)
    m = yv * f                                                       # y_i f(x_i)
    eps = 1e-4
    free = (a > 0) & (a < C)
    assert bool(free.any()) and bool((a == C).any()) and bool((a == 0).any())
    assert bool((m[a == 0] >= 1 - eps).all())                        # a = 0: y f >= 1
    assert torch.allclose(m[free], torch.ones_like(m[free]), atol=eps)  # free: y f = 1
    assert bool((m[a == C] <= 1 + eps).all())                        # a = C: y f <= 1


@pytest.mark.parametrize("kernel,params", [
    ("linear", {}), ("rbf", {"gamma": "scale"}), ("rbf", {"gamma": 0.3}),
    ("poly", {"gamma": 0.2, "degree": 3, "coef0": 1.0}),
    ("sigmoid", {"gamma": 0.05, "coef0": -0.5}),
])
def test_decision_function_matches_svc(kernel: str, params: dict) -> None:
    X, y = _data()
    kw = {"C": 3.0, "kernel": kernel, "tol": 1e-7, **params}
    ours = SVMClassifier(**kw, decision_function_shape="ovo").fit(X, y)
    peer = SVC(**kw, decision_function_shape="ovo").fit(X, y)
    Xq = _data(40, seed=1)[0]
    np.testing.assert_allclose(ours.decision_function(Xq), peer.decision_function(Xq),
                               atol=1e-4)
    np.testing.assert_array_equal(ours.predict(Xq), peer.predict(Xq))
    np.testing.assert_allclose(ours.intercept_, peer.intercept_, atol=1e-4)
    # (the multipliers themselves are unique only for a strictly convex dual: compared in
    # test_dual_coefficients_equal_svcs_when_the_dual_is_strictly_convex)
    ours.set_params(decision_function_shape="ovr")
    peer.set_params(decision_function_shape="ovr")
    np.testing.assert_allclose(ours.decision_function(Xq), peer.decision_function(Xq),
                               atol=1e-4)


def test_dual_coefficients_equal_svcs_when_the_dual_is_strictly_convex() -> None:
    """An RBF kernel on distinct points is positive definite: every pairwise dual is strictly
    convex and has one solution, so both solvers must find the same support vectors and the
    same multipliers (to the tolerance). Checked: the smallest eigenvalue of each pair's
    kernel matrix is well above zero, then the supports and multipliers are compared."""
    X, y = _data(120, 5, 3, seed=3)
    kw = {"C": 3.0, "kernel": "rbf", "gamma": 0.2, "tol": 1e-10}
    for a, b in ((0, 1), (0, 2), (1, 2)):                            # one-vs-one sub-problems
        Xp = torch.as_tensor(X[(y == a) | (y == b)])
        assert float(torch.linalg.eigvalsh(kernel_matrix(Xp, Xp, "rbf", 0.2)).min()) > 1e-3
    ours = SVMClassifier(**kw).fit(X, y)
    peer = SVC(**kw).fit(X, y)
    np.testing.assert_array_equal(ours.support_, peer.support_)
    np.testing.assert_array_equal(ours.n_support_, peer.n_support_)
    np.testing.assert_allclose(ours.dual_coef_, peer.dual_coef_, atol=1e-5)
    free = (np.abs(peer.dual_coef_) > 1e-3) & (np.abs(peer.dual_coef_) < 3.0 - 1e-3)
    assert free.sum() > 10                                           # margin SVs are compared


def test_laplacian_kernel_matches_svc_on_precomputed_kernel() -> None:
    from sklearn.metrics.pairwise import laplacian_kernel, rbf_kernel

    X, y = _data()
    Xq = _data(40, seed=1)[0]
    g = 0.2
    ours = SVMClassifier(C=3.0, kernel="laplacian", gamma=g, tol=1e-7,
                         decision_function_shape="ovo").fit(X, y)
    peer = SVC(C=3.0, kernel="precomputed", tol=1e-7, decision_function_shape="ovo").fit(
        laplacian_kernel(X, gamma=g), y)
    np.testing.assert_allclose(ours.decision_function(Xq),
                               peer.decision_function(laplacian_kernel(Xq, X, gamma=g)),
                               atol=1e-4)
    K = kernel_matrix(torch.as_tensor(Xq), torch.as_tensor(X), "laplacian", g).numpy()
    np.testing.assert_allclose(K, laplacian_kernel(Xq, X, gamma=g), atol=1e-12)
    assert not np.allclose(K, rbf_kernel(Xq, X, gamma=g))           # L1, not the Gaussian


def test_binary_problem_signs_follow_scikit_learn() -> None:
    X, y = _data(60, 3, 2)
    labels = np.array(["cat", "dog"])[y]
    ours = SVMClassifier(C=1.0, tol=1e-7).fit(X, labels)
    peer = SVC(C=1.0, tol=1e-7).fit(X, labels)
    np.testing.assert_allclose(ours.decision_function(X), peer.decision_function(X), atol=1e-4)
    np.testing.assert_allclose(ours.dual_coef_, peer.dual_coef_, atol=1e-3)
    np.testing.assert_allclose(ours.intercept_, peer.intercept_, atol=1e-4)
    assert list(ours.predict(X)) == list(peer.predict(X))
    lin = SVMClassifier(C=1.0, kernel="linear", tol=1e-7).fit(X, labels)
    plin = SVC(C=1.0, kernel="linear", tol=1e-7).fit(X, labels)
    np.testing.assert_allclose(lin.coef_, plin.coef_, atol=1e-3)


def test_one_vs_rest_equals_separate_binary_svcs() -> None:
    X, y = _data()
    ours = SVMClassifier(C=2.0, gamma=0.3, tol=1e-7, multiclass="ovr").fit(X, y)
    dec = ours.decision_function(X)                                  # (N, K)
    for k in range(3):
        peer = SVC(C=2.0, gamma=0.3, tol=1e-7).fit(X, (y == k).astype(int))
        np.testing.assert_allclose(dec[:, k], peer.decision_function(X), atol=1e-4)
    np.testing.assert_array_equal(ours.predict(X), dec.argmax(1))


def test_primal_linear_svm_matches_liblinear() -> None:
    X, y = _data(120, 5)
    ours = SVMClassifier(C=0.5, kernel="linear", solver="primal", multiclass="ovr",
                         tol=1e-8).fit(X, y)
    peer = LinearSVC(C=0.5, loss="squared_hinge", dual=False, tol=1e-10, max_iter=100000
                     ).fit(X, y)
    np.testing.assert_allclose(ours.coef_, peer.coef_, atol=1e-4)
    np.testing.assert_allclose(ours.intercept_, peer.intercept_, atol=1e-4)


def test_bad_input_is_one_clear_error() -> None:
    X, y = _data(30)
    with pytest.raises(InputError, match="inconsistent numbers of samples"):
        SVMClassifier().fit(X, y[:-1])                               # different lengths
    with pytest.raises(InputError, match="one class"):
        SVMClassifier().fit(X, np.zeros(30))
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(InputError, match="Input X contains NaN"):
        SVMClassifier().fit(bad, y)
    with pytest.raises(NotFittedError):
        SVMClassifier().predict(X)
    with pytest.raises(ConfigError, match="linear, poly, rbf, laplacian, sigmoid"):
        SVMClassifier(kernel="gaussian").fit(X, y)
    with pytest.raises(ConfigError, match="gamma"):
        SVMClassifier(gamma=-1.0).fit(X, y)
    with pytest.raises(ConfigError, match="primal"):
        SVMClassifier(kernel="rbf", solver="primal").fit(X, y)
    fitted = SVMClassifier().fit(X, y)
    with pytest.raises(InputError, match="X has 2 features, but SVMClassifier is expecting"):
        fitted.predict(X[:, :2])
    model = create("svm", sample_shape=(4,), n_classes=3)
    with pytest.raises(NotFittedError):
        model.predict(torch.zeros(2, 4))
    with pytest.raises(InputError, match="labels"):
        model.fit(torch.zeros(3, 4), torch.tensor([0, 1, 5]))


@pytest.mark.parametrize("kernel_dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("multiclass,by_class", [("ovo", True), ("ovo", False),
                                                 ("ovr", False)])
def test_numba_smo_gives_the_torch_solvers_multipliers(kernel_dtype: torch.dtype,
                                                       multiclass: str, by_class: bool
                                                       ) -> None:
    """The compiled SMO runs the torch solver's algorithm step for step: the same
    multipliers to the last bit, the same steps, the same bias; with the samples sorted by
    class (two runs of kernel rows per problem, as ``SVM.fit`` lays them out) or not (many
    runs), two duplicated samples (a zero curvature) and a step limit that stops early."""
    X, y = _data(150, 4, 4, seed=5)
    X[7] = X[11]                                                     # same point, two labels
    yt = torch.as_tensor(y)
    order = torch.sort(yt, stable=True).indices if by_class else torch.arange(len(y))
    Xt = torch.as_tensor(X)[order].to(kernel_dtype)
    K = kernel_matrix(Xt, Xt, "rbf", 0.4)
    idx, ys = stack_problems(problem_signs(yt[order], 4, multiclass))
    for C, max_iter in ((5.0, 100_000), (5.0, 7)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            a_t, rho_t, n_t = smo(K, idx, ys, C, 1e-5, max_iter)
            a_n, rho_n, n_n = smo_numba(K, idx, ys, C, 1e-5, max_iter)
        assert torch.equal(a_t, a_n)
        assert torch.equal(n_t, n_n)
        torch.testing.assert_close(rho_t, rho_n, rtol=0, atol=1e-12)
    assert int(n_t.max()) == 7 and bool((a_t > 0).any())


def test_numba_smo_warns_when_it_stops_early() -> None:
    X, y = _data(60, 3, 2)
    Xt = torch.as_tensor(X)
    idx, ys = stack_problems(problem_signs(torch.as_tensor(y), 2, "ovo"))
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        smo_numba(kernel_matrix(Xt, Xt, "rbf", 0.5), idx, ys, 1.0, 1e-6, 3)


def test_backends_fit_the_same_model() -> None:
    X, y = _data(120, 5, 3, seed=2)
    fits = [SVMClassifier(C=2.0, gamma=0.3, tol=1e-6, backend=b).fit(X, y)
            for b in ("torch", "numba")]
    np.testing.assert_array_equal(fits[0].support_, fits[1].support_)
    np.testing.assert_array_equal(fits[0].dual_coef_, fits[1].dual_coef_)
    np.testing.assert_allclose(fits[0].intercept_, fits[1].intercept_, rtol=0, atol=1e-12)
    with pytest.raises(ConfigError, match="backend must be"):
        SVMClassifier(backend="cuda").fit(X, y)


def test_stacked_problems_list_members_in_sample_order() -> None:
    rng = np.random.default_rng(0)
    signs = torch.as_tensor(rng.integers(-1, 2, size=(40, 6)), dtype=torch.int8)  # (N, P)
    idx, ys = stack_problems(signs)
    for p in range(6):
        members = torch.nonzero(signs[:, p]).flatten()
        k = len(members)
        assert torch.equal(idx[p, :k], members)
        assert torch.equal(ys[p, :k], signs[members, p])
        assert bool((ys[p, k:] == 0).all()) and bool((idx[p, k:] == 0).all())


def test_rbf_kernel_of_the_cpu_path_equals_its_definition() -> None:
    from sklearn.metrics.pairwise import rbf_kernel

    X = _data(70, 6)[0] * 3
    for dt, tol in ((torch.float64, 1e-13), (torch.float32, 1e-5)):
        Xt = torch.as_tensor(X, dtype=dt)
        K = kernel_matrix(Xt, Xt, "rbf", 0.07)                       # Gram: BLAS syrk
        np.testing.assert_allclose(K.double().numpy(), rbf_kernel(X, gamma=0.07), atol=tol)
        assert K.dtype == dt
        Kx = kernel_matrix(Xt[:9], Xt, "rbf", 0.07)                  # a general product
        np.testing.assert_allclose(Kx.double().numpy(), rbf_kernel(X[:9], X, gamma=0.07),
                                   atol=tol)


def test_checkpoint_resizes_support_vectors() -> None:
    X, y = _data()
    Xt, yt = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y)
    model = create("svm", sample_shape=(4,), n_classes=3, C=2.0).fit(Xt, yt)
    fresh = create("svm", sample_shape=(4,), n_classes=3, C=2.0)
    assert fresh.support_vectors.shape[0] == 0 < model.support_vectors.shape[0]
    fresh.load_state_dict(model.state_dict())
    assert torch.equal(fresh(Xt), model(Xt))
    assert torch.equal(fresh.predict(Xt), model.predict(Xt))


def test_training_step_fits_the_batch_and_reports_loss() -> None:
    X, y = _data(60)
    model = create("svm", sample_shape=(4,), n_classes=3, C=10.0)
    out = model.training_step((torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y)))
    assert set(out) == {"loss", "accuracy"} and np.isfinite(float(out["loss"]))
    assert int(model.n_iter.max()) > 0 and len(model.support) > 0


def test_moons_plot_and_toy_datasets(tmp_path: Path) -> None:
    from nnzoo.data import load_dataset

    s = load_dataset("moons")
    assert s.sample_shape == (2,) and s.sizes == {"train": 300, "val": 100, "test": 200}
    assert load_dataset("blobs2d", n_classes=4).n_classes == 4
    assert load_dataset("circles").train.X.shape == (300, 2)
    model = create("svm", sample_shape=(2,), n_classes=2, C=1.0, gamma=1.0)
    model.fit(s.train.X, s.train.y)
    assert float((model.predict(s.test.X) == s.test.y).float().mean()) > 0.9
    paths = model.visualize(tmp_path)
    assert [p.name for p in paths] == ["decision_regions.png"] and paths[0].stat().st_size > 0


@pytest.mark.slow
def test_mnist_10k_dataset_layout() -> None:
    from nnzoo.data import load_dataset
    from nnzoo.data.mnist import load_mnist

    s = load_dataset("mnist-10k")
    full = load_mnist("mnist", download=False)
    assert s.sizes == {"train": 10000, "val": 5000, "test": 10000}
    assert torch.equal(s.train.X, full.train.X[:10000])
    assert torch.equal(s.val.X, full.train.X[10000:15000])
