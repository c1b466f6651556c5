"""The RBF network's k-means, widths, basis and readout against independent computations,
its fine-tuning, its scikit-learn API and its errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nnzoo.core.errors import InputError, NotFittedError
from nnzoo.models import create
from nnzoo.models.kernel.kmeans import kmeans, kmeans_pp, lloyd
from nnzoo.models.kernel.rbf_net import centre_widths, rbf_basis
from nnzoo.models.kernel.rbf_net_estimator import RBFNetClassifier, RBFNetRegressor


def _blobs(n: int = 300, seed: int = 0) -> torch.Tensor:
    from sklearn.datasets import make_blobs

    X, _ = make_blobs(n_samples=n, centers=6, n_features=4, cluster_std=1.5, random_state=seed)
    return torch.from_numpy(X)


def test_kmeans_inertia_decreases_and_matches_scikit_learn() -> None:
    from sklearn.cluster import KMeans

    X = _blobs()
    C0 = kmeans_pp(X, 8, torch.Generator().manual_seed(0))
    C, lab, hist = lloyd(X, C0, n_iter=300, tol=0.0)
    assert all(b <= a * (1 + 1e-12) for a, b in zip(hist, hist[1:]))   # monotone
    inertia = float(((X - C[lab]) ** 2).sum())
    assert inertia == pytest.approx(hist[-1], rel=1e-9)
    sk = KMeans(8, init=C0.numpy(), n_init=1, max_iter=300, tol=0.0).fit(X.numpy())
    assert inertia <= sk.inertia_ * 1.01 and sk.inertia_ <= inertia * 1.01
    _, _, hist2 = kmeans(X, 8, generator=torch.Generator().manual_seed(0))
    assert hist2[-1] < hist2[0]


def test_widths_match_their_definitions() -> None:
    C = torch.randn(7, 3, dtype=torch.float64)
    d = torch.cdist(C, C)
    near = [float(np.sort(d[j].numpy())[1:3].mean()) for j in range(7)]  # 2 nearest others
    np.testing.assert_allclose(centre_widths(C, "nearest", 2, 1.5).numpy(),
                               1.5 * np.array(near), rtol=1e-10)
    dmax = float(d.max()) / np.sqrt(2 * 7)
    np.testing.assert_allclose(centre_widths(C, "dmax", 2, 1.0).numpy(), [dmax] * 7,
                               rtol=1e-10)


@pytest.mark.parametrize("kind", ["gaussian", "multiquadric", "inverse-multiquadric"])
def test_basis_matches_formula(kind: str) -> None:
    g = torch.Generator().manual_seed(0)
    z = torch.randn(5, 3, generator=g, dtype=torch.float64)
    C = torch.randn(4, 3, generator=g, dtype=torch.float64)
    s = torch.rand(4, generator=g, dtype=torch.float64) + 0.5
    r2 = ((z.numpy()[:, None] - C.numpy()[None]) ** 2).sum(2)
    s2 = s.numpy() ** 2
    ref = {"gaussian": np.exp(-r2 / (2 * s2)), "multiquadric": np.sqrt(r2 + s2),
           "inverse-multiquadric": 1 / np.sqrt(r2 + s2)}[kind]
    np.testing.assert_allclose(rbf_basis(z, C, s, kind).numpy(), ref, rtol=1e-9, atol=1e-12)


def test_readout_equals_normal_equations_on_the_basis() -> None:
    X = _blobs(200).float()
    y = (X[:, 0] > X[:, 0].median()).long()
    torch.manual_seed(0)
    m = create("rbf-net", sample_shape=(4,), n_classes=2, n_centres=15, alpha=0.5).fit(X, y)
    phi = m.basis(X).double().numpy()
    A = np.hstack([phi, np.ones((len(phi), 1))])
    P = 0.5 * np.eye(16)
    P[-1, -1] = 0
    theta = np.linalg.solve(A.T @ A + P, A.T @ np.eye(2)[y.numpy()])
    np.testing.assert_allclose(m.out_weight.numpy(), theta[:-1], rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(m.out_bias.numpy(), theta[-1], rtol=1e-3, atol=1e-4)


def test_refit_readout_keeps_the_basis_and_solves_the_readout_again() -> None:
    X = _blobs(200)
    y = (X[:, 0] > X[:, 0].median()).long()
    m = create("rbf-net", sample_shape=(4,), n_classes=2, n_centres=15, alpha=0.5).double()
    m.fit(X, y, generator=torch.Generator().manual_seed(0))
    C, s, W = m.centres.clone(), m.sigma.clone(), m.out_weight.clone()
    flipped = 1 - y
    m.refit_readout(X, flipped)                                      # other targets
    assert torch.equal(m.centres, C) and torch.equal(m.sigma, s)
    torch.testing.assert_close(m.out_weight, -W, rtol=1e-8, atol=1e-10)  # one-hot swapped
    m.refit_readout(X, y)
    torch.testing.assert_close(m.out_weight, W, rtol=1e-10, atol=1e-12)
    fresh = create("rbf-net", sample_shape=(4,), n_classes=2, n_centres=15)
    with pytest.raises(NotFittedError, match="refitted"):
        fresh.refit_readout(X.float(), y)


def test_finetuning_lowers_the_training_objective() -> None:
    from nnzoo.data import load_dataset

    r = load_dataset("friedman1")
    torch.manual_seed(0)
    X, y = r.train.X[:500], r.train.y[:500]
    m = create("rbf-net", sample_shape=(10,), n_classes=0, n_centres=30, finetune_epochs=8,
               finetune_batch=100)
    m.fit(X, y, generator=torch.Generator().manual_seed(0))
    losses = m.finetune_losses_
    assert len(losses) == 9 and losses[-1] < 0.97 * losses[0]
    mse = float(((m.predict(X) - y) ** 2).mean())
    assert mse <= losses[-1] + 1e-6                     # objective = mse + penalty


def test_online_training_step_seeds_and_moves_centres() -> None:
    X = _blobs(64).float()
    y = (X[:, 1] > 0).long()
    torch.manual_seed(0)
    m = create("rbf-net", sample_shape=(4,), n_classes=2, n_centres=100)  # more than a batch
    out = m.training_step((X[:32], y[:32]))
    assert torch.isfinite(out["loss"]) and float(m.counts.sum()) == 32
    before = m.centres.clone()
    m.training_step((X[32:], y[32:]))
    assert float(m.counts.sum()) == 64 and not torch.equal(before, m.centres)


def test_regressor_beats_the_mean_and_classifier_reads_digits() -> None:
    from nnzoo.data import load_dataset

    r = load_dataset("friedman1")
    reg = RBFNetRegressor(n_centres=100).fit(r.train.X.numpy(), r.train.y.numpy()[:, 0])
    yt = r.test.y.numpy()[:, 0]
    mse = float(((reg.predict(r.test.X.numpy()) - yt) ** 2).mean())
    assert mse < 0.25 * float(yt.var())
    s = load_dataset("digits")
    flat = lambda t: t.reshape(len(t), -1).numpy()  # noqa: E731
    clf = RBFNetClassifier(n_centres=100, width_scale=2.0).fit(flat(s.train.X), s.train.y)
    assert clf.score(flat(s.test.X), s.test.y.numpy()) >= 0.93
    assert clf.transform(flat(s.test.X)[:5]).shape == (5, 100)


def test_bad_input_is_one_clear_error() -> None:
    X = np.random.default_rng(0).normal(size=(20, 3))
    y = np.arange(20) % 2
    with pytest.raises(InputError, match=r"inconsistent numbers of samples: \[20, 19\]"):
        RBFNetClassifier(n_centres=5).fit(X, y[:19])
    with pytest.raises(InputError, match="one class"):
        RBFNetClassifier(n_centres=5).fit(X, np.ones(20))
    bad = X.copy()
    bad[0, 0] = np.inf
    with pytest.raises(InputError, match="Input X contains infinity"):
        RBFNetClassifier(n_centres=5).fit(bad, y)
    with pytest.raises(InputError, match="30 centres but got only 20 samples"):
        RBFNetClassifier(n_centres=30).fit(X, y)
    with pytest.raises(InputError, match="as many samples as centres"):
        kmeans(torch.from_numpy(X), 30)
    with pytest.raises(NotFittedError):
        RBFNetRegressor().predict(X)
    m = create("rbf-net", sample_shape=(3,), n_classes=2, n_centres=4)
    with pytest.raises(NotFittedError):
        m.predict(torch.rand(2, 3))
    with pytest.raises(NotFittedError):
        m.finetune(torch.rand(8, 3), torch.tensor([0, 1] * 4), epochs=1)


def test_readout_equals_hpelm_rbf_l2_given_the_same_centres_and_widths() -> None:
    """hpelm's ``rbf_l2`` neurons ``exp(-|z - c|^2 / B)`` with nnzoo's k-means centres and
    ``B = 2 sigma^2``, and nnzoo's RBF net in float64 without the intercept (hpelm has no
    output bias), solve the same ridge problem: equal bases, readouts and predictions."""
    hpelm = pytest.importorskip("hpelm")
    from sklearn.datasets import make_friedman1

    X, y = make_friedman1(n_samples=300, noise=0.5, random_state=0)
    Z = (X - X.mean(0)) / X.std(0)
    m = create("rbf-net", sample_shape=(10,), n_classes=0, n_centres=40, alpha=1e-3,
               standardize=False, intercept=False).double()
    m.fit(torch.from_numpy(Z), torch.from_numpy(y), generator=torch.Generator().manual_seed(0))
    C, s = m.centres.numpy(), m.sigma.numpy()
    peer = hpelm.ELM(10, 1, norm=1e-3)
    peer.add_neurons(40, "rbf_l2", W=C.T.copy(), B=2 * s**2)
    peer.train(Z, y[:, None], "r")
    np.testing.assert_allclose(peer.project(Z), m.basis(torch.from_numpy(Z)).numpy(),
                               rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(m.out_weight.numpy(), peer.nnet.B, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(m(torch.from_numpy(Z)).numpy(), peer.predict(Z), rtol=1e-8,
                               atol=1e-8)
