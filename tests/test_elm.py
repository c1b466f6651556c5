"""The ELM's hidden layer and readout against their formulas, its leave-one-out choice against
brute force, its scikit-learn API and its errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nnzoo.core.errors import ConfigError, InputError, NotFittedError
from nnzoo.models import create
from nnzoo.models.feedforward.elm import ELMConfig, parse_neurons
from nnzoo.models.feedforward.elm_estimator import ELMClassifier, ELMRegressor
from nnzoo.models.readout import fit_readout, select_alpha


def _normal_equations(H: np.ndarray, Y: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Solve [H 1]^T [H 1] theta + diag(alpha, ..., alpha, 0) theta = [H 1]^T Y directly."""
    A = np.hstack([H, np.ones((len(H), 1))])
    P = alpha * np.eye(A.shape[1])
    P[-1, -1] = 0.0                                   # the intercept is not penalised
    theta = np.linalg.solve(A.T @ A + P, A.T @ Y)
    return theta[:-1], theta[-1]


@pytest.mark.parametrize("n,L", [(40, 60), (300, 20)])   # ridge's kernel form / the Gram path
def test_readout_equals_normal_equations(n: int, L: int) -> None:
    g = torch.Generator().manual_seed(0)
    H = torch.rand(n, L, generator=g, dtype=torch.float64)
    Y = torch.randn(n, 3, generator=g, dtype=torch.float64)
    W_ref, b_ref = _normal_equations(H.numpy(), Y.numpy(), 0.3)
    W, b = fit_readout(H.clone(), Y, 0.3)
    np.testing.assert_allclose(W.numpy(), W_ref, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(b.numpy(), b_ref, rtol=1e-6, atol=1e-8)


def test_float32_gram_path_is_accurate() -> None:
    g = torch.Generator().manual_seed(1)
    H = torch.rand(2000, 50, generator=g)
    Y = torch.randn(2000, 2, generator=g)
    W_ref, b_ref = _normal_equations(H.double().numpy(), Y.double().numpy(), 1.0)
    W, b = fit_readout(H.clone(), Y, 1.0)
    np.testing.assert_allclose(W.numpy(), W_ref, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(b.numpy(), b_ref, rtol=1e-3, atol=1e-4)


def test_hidden_layer_of_each_kind_matches_its_formula() -> None:
    torch.manual_seed(0)
    spec = "sigm:3,tanh:2,rbf:3,relu:2,lin:2,rbf_l1:2,rbf_linf:2"
    m = create("elm", sample_shape=(5,), n_classes=3, neurons=spec).double()
    m.x_mean.copy_(torch.randn(5))
    m.x_scale.copy_(torch.rand(5) + 0.5)
    x = torch.randn(7, 5, dtype=torch.float64)
    H = m.hidden(x).numpy()
    z = ((x - m.x_mean) / m.x_scale).numpy()
    Wp, bp = m.weight.numpy(), m.bias.numpy()
    C, s = m.centres.numpy(), m.widths.numpy()
    a = z @ Wp.T + bp                                   # projection neurons, weight order
    diff = z[:, None, :] - C[None]                      # (7, R, 5)
    l2 = np.sqrt((diff**2).sum(2))
    l1 = np.abs(diff).sum(2)
    linf = np.abs(diff).max(2)
    expected = np.hstack([
        1 / (1 + np.exp(-a[:, 0:3])),                   # sigm
        np.tanh(a[:, 3:5]),                             # tanh
        np.exp(-l2[:, 0:3] ** 2 / s[0:3]),              # rbf (L2)
        np.maximum(a[:, 5:7], 0),                       # relu
        a[:, 7:9],                                      # lin
        np.exp(-l1[:, 3:5] ** 2 / s[3:5]),              # rbf_l1
        np.exp(-linf[:, 5:7] ** 2 / s[5:7]),            # rbf_linf
    ])
    np.testing.assert_allclose(H, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(Wp[7:9], np.eye(2, 5))   # lin neurons copy features 0, 1
    assert m.n_hidden == 16 and H.shape == (7, 16)


def test_hpelm_draws() -> None:
    """Projection weights N(0, 1) * 3 / sqrt(D), biases N(0, 1), widths |N(0, 1)| * D."""
    torch.manual_seed(0)
    m = create("elm", sample_shape=(400,), n_classes=2, neurons="sigm:2000,rbf:2000")
    assert float(m.weight.std()) == pytest.approx(3 / 20, rel=0.02)
    assert float(m.bias.std()) == pytest.approx(1.0, rel=0.05)
    assert float(m.widths.mean()) == pytest.approx(400 * np.sqrt(2 / np.pi), rel=0.05)


def test_leave_one_out_choice_matches_brute_force() -> None:
    g = torch.Generator().manual_seed(2)
    H = torch.rand(30, 8, generator=g, dtype=torch.float64)
    Y = H @ torch.randn(8, 2, generator=g, dtype=torch.float64) \
        + 0.3 * torch.randn(30, 2, generator=g, dtype=torch.float64)
    alphas = [1e-3, 1e-2, 0.1, 1.0, 10.0]
    best, errs = select_alpha(H, Y, alphas, loo_samples=1000)
    brute = []
    for a in alphas:                                   # refit without each sample in turn
        e = 0.0
        for i in range(30):
            keep = torch.arange(30) != i
            W, b = _normal_equations(H[keep].numpy(), Y[keep].numpy(), a)
            e += float(((H[i].numpy() @ W + b - Y[i].numpy()) ** 2).sum())
        brute.append(e / (30 * 2))
    assert best == alphas[int(np.argmin(brute))]
    # ridge_loo scores the centred problem: within the intercept's 1/n leverage of brute force
    np.testing.assert_allclose(errs.numpy(), brute, rtol=0.15)


def test_parse_neurons() -> None:
    assert parse_neurons("sigm:500, rbf_l2:20") == (("sigm", 500), ("rbf", 20))
    assert parse_neurons((("tanh", 3), ("RBF", 2))) == (("tanh", 3), ("rbf", 2))
    assert ELMConfig(sample_shape=(4,), neurons=(("relu", 3),)).neurons == "relu:3"
    clf = ELMClassifier(neurons=(("tanh", 4), ("rbf", 2))).fit(np.eye(6), np.arange(6) % 2)
    assert clf.model_.n_hidden == 6


def test_classifies_digits_and_regresses_friedman() -> None:
    from nnzoo.data import load_dataset

    s = load_dataset("digits")
    flat = lambda t: t.reshape(len(t), -1).numpy()  # noqa: E731
    clf = ELMClassifier(neurons="sigm:500", random_state=0).fit(flat(s.train.X), s.train.y)
    assert clf.score(flat(s.test.X), s.test.y.numpy()) >= 0.95
    assert clf.transform(flat(s.test.X)).shape == (360, 500)
    r = load_dataset("friedman1")
    reg = ELMRegressor(neurons="sigm:300", random_state=0).fit(r.train.X, r.train.y[:, 0])
    pred = reg.predict(r.test.X.numpy())
    assert pred.shape == (400,)
    assert float(((pred - r.test.y[:, 0].numpy()) ** 2).mean()) < 6.0   # noise variance 1


def test_sklearn_api_pipeline_and_clone() -> None:
    from sklearn.base import clone
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    y = np.where(X[:, 0] + X[:, 1] > 0, "a", "b")
    pipe = make_pipeline(MinMaxScaler(), ELMClassifier(neurons="tanh:50", alpha=0.1))
    assert pipe.fit(X, y).score(X, y) >= 0.9
    c = clone(ELMClassifier(neurons="sigm:7", alpha=2.0))
    assert c.get_params()["neurons"] == "sigm:7" and c.get_params()["alpha"] == 2.0


def test_bad_input_is_one_clear_error() -> None:
    X = np.random.default_rng(0).normal(size=(20, 3))
    y = np.arange(20) % 2
    with pytest.raises(InputError, match=r"inconsistent numbers of samples: \[20, 19\]"):
        ELMClassifier(neurons="sigm:5").fit(X, y[:19])
    with pytest.raises(InputError, match="one class"):
        ELMClassifier(neurons="sigm:5").fit(X, np.zeros(20))
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(InputError, match="Input X contains NaN"):
        ELMClassifier(neurons="sigm:5").fit(bad, y)
    with pytest.raises(InputError, match="Input y contains infinity"):
        ELMRegressor(neurons="sigm:5").fit(X, np.where(y, np.inf, 0.0))
    with pytest.raises(NotFittedError):
        ELMClassifier().predict(X)
    with pytest.raises(ConfigError, match="unknown neuron kind 'gauss'"):
        ELMClassifier(neurons="gauss:5").fit(X, y)
    with pytest.raises(ConfigError, match="kind:count"):
        create("elm", neurons="sigm500")
    m = create("elm", sample_shape=(3,), n_classes=2, neurons="sigm:5")
    with pytest.raises(NotFittedError):
        m.predict(torch.rand(4, 3))
    with pytest.raises(InputError, match="samples but y has"):
        m.fit(torch.rand(4, 3), torch.tensor([0, 1, 0]))
    with pytest.raises(InputError, match="labels in"):
        m.fit(torch.rand(4, 3), torch.tensor([0, 1, 2, 0]))
    with pytest.raises(ConfigError, match="alpha"):
        create("elm", alpha="gcv")


def test_readout_equals_hpelm_given_the_same_hidden_layer() -> None:
    """hpelm (float64, no output bias) and nnzoo's ELM in float64 without the intercept, given
    the same hidden weights, solve the same ridge problem: equal readouts and outputs."""
    hpelm = pytest.importorskip("hpelm")
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X, y = X[:400], y[:400]
    Z = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0)      # standardised by hand
    T = np.eye(10)[y]
    torch.manual_seed(0)
    m = create("elm", sample_shape=(64,), n_classes=10, neurons="sigm:80,tanh:40", alpha=0.5,
               standardize=False, intercept=False).double()
    m.fit(torch.from_numpy(Z), torch.from_numpy(y))
    w, b = m.weight.numpy(), m.bias.numpy()                          # (P, D), (P,)
    peer = hpelm.ELM(64, 10, classification="c", norm=0.5)
    peer.add_neurons(80, "sigm", W=-w[:80].T.copy(), B=-b[:80].copy())  # hpelm: 1/(1+e^{+a})
    peer.add_neurons(40, "tanh", W=w[80:].T.copy(), B=b[80:].copy())
    peer.train(Z, T, "c")
    np.testing.assert_allclose(peer.project(Z), m.hidden(torch.from_numpy(Z)).numpy(),
                               rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(m.out_weight.numpy(), peer.nnet.B, rtol=1e-8, atol=1e-10)
    assert float(m.out_bias.abs().max()) == 0.0
    np.testing.assert_allclose(m(torch.from_numpy(Z)).numpy(), peer.predict(Z), rtol=1e-8,
                               atol=1e-10)
    # with nnzoo's intercept the problem differs, and so do the readouts
    m2 = create("elm", sample_shape=(64,), n_classes=10, neurons="sigm:80,tanh:40", alpha=0.5,
                standardize=False).double()
    m2.load_state_dict(m.state_dict())
    m2.fit(torch.from_numpy(Z), torch.from_numpy(y))
    assert float(np.abs(m2.out_weight.numpy() - peer.nnet.B).max()) > 1e-4


def test_float64_estimator_keeps_its_precision() -> None:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    c64 = ELMClassifier(neurons="sigm:50", alpha=1.0, dtype="float64").fit(X[:300], y[:300])
    c32 = ELMClassifier(neurons="sigm:50", alpha=1.0).fit(X[:300], y[:300])
    assert c64.model_.weight.dtype == torch.float64 and c32.model_.weight.dtype == torch.float32
    assert c64.transform(X[:5]).dtype == np.float64
    # the same draws in both precisions: the outputs agree to float32's rounding
    np.testing.assert_allclose(c64.decision_function(X[300:]), c32.decision_function(X[300:]),
                               atol=1e-3)
    with pytest.raises(ConfigError, match="float32 or float64"):
        ELMClassifier(dtype="float16").fit(X[:50], y[:50])


def test_bench_row_with_hpelm_hidden_reports_the_missing_peer(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A peer that cannot be imported gives a row with nnzoo's figures and the status."""
    import sys

    from nnzoo.bench.feedforward.elm import compare_elm

    monkeypatch.setitem(sys.modules, "hpelm", None)           # `import hpelm` now fails
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 5)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    r = compare_elm(X[:80], y[:80], X[80:], y[80:], neurons=20, kind="sigm", seeds=(0,),
                    tier="quick", task="toy")
    assert r.status == "peer missing: hpelm"
    assert r.peer_value is None and r.peer_time_s is None
    assert r.nnzoo is not None and r.nnzoo > 0.8 and r.nnzoo_time_s > 0
