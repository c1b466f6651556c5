"""The shared ridge solver and spectral radius against NumPy and brute-force leave-one-out."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nnzoo.core.errors import InputError
from nnzoo.core.linalg import ridge, ridge_loo, spectral_radius


@pytest.mark.parametrize("n,d", [(40, 6), (5, 12)])
def test_ridge_matches_the_normal_equations(n: int, d: int) -> None:
    rng = np.random.default_rng(0)
    H, Y = rng.normal(size=(n, d)), rng.normal(size=(n, 3))
    W, b = ridge(torch.tensor(H), torch.tensor(Y), 0.7)
    ref = np.linalg.solve(H.T @ H + 0.7 * np.eye(d), H.T @ Y)
    np.testing.assert_allclose(W.numpy(), ref, atol=1e-10)
    assert not b.any()


def test_ridge_intercept_is_unpenalised() -> None:
    rng = np.random.default_rng(1)
    H = rng.normal(size=(50, 4))
    Y = H @ np.array([1.0, -2.0, 0.5, 0.0]) + 10.0
    W, b = ridge(torch.tensor(H), torch.tensor(Y), 1e-9, intercept=True)
    np.testing.assert_allclose(W[:, 0].numpy(), [1.0, -2.0, 0.5, 0.0], atol=1e-6)
    assert abs(float(b[0]) - 10.0) < 1e-6


def test_ridge_loo_equals_refitting_without_each_sample() -> None:
    rng = np.random.default_rng(2)
    H, Y = rng.normal(size=(25, 5)), rng.normal(size=(25, 2))
    alphas = [0.01, 1.0, 30.0]
    best, errs = ridge_loo(torch.tensor(H), torch.tensor(Y), alphas)
    brute = []
    for a in alphas:
        r = []
        for i in range(25):
            keep = np.arange(25) != i
            W = np.linalg.solve(H[keep].T @ H[keep] + a * np.eye(5), H[keep].T @ Y[keep])
            r.append(Y[i] - H[i] @ W)
        brute.append(np.mean(np.square(r)))
    np.testing.assert_allclose(errs.numpy(), brute, rtol=1e-8)
    assert best == alphas[int(np.argmin(brute))]


def test_spectral_radius_is_the_largest_eigenvalue_modulus() -> None:
    W = torch.tensor([[0.0, 2.0], [-2.0, 0.0]])  # eigenvalues +-2i; max row norm also 2
    assert abs(spectral_radius(W) - 2.0) < 1e-12
    R = torch.tensor([[1.0, 10.0], [0.0, 0.5]])  # triangular: eigenvalues 1, 0.5; norm ~ 10
    assert abs(spectral_radius(R) - 1.0) < 1e-12


def test_bad_input() -> None:
    with pytest.raises(InputError, match="samples"):
        ridge(torch.zeros(4, 2), torch.zeros(3), 1.0)
    with pytest.raises(InputError, match="NaN"):
        ridge(torch.full((4, 2), float("nan")), torch.zeros(4), 1.0)
    with pytest.raises(InputError, match="square"):
        spectral_radius(torch.zeros(2, 3))


def test_gcv_from_the_gram_matrix_matches_the_hat_matrix_formula() -> None:
    from nnzoo.core.linalg import ridge_gcv_gram

    rng = np.random.default_rng(3)
    H, Y = rng.normal(size=(60, 8)), rng.normal(size=(60, 2))
    H[:, 0] *= 5
    alphas = [0.1, 3.0, 100.0]
    best, W, scores = ridge_gcv_gram(torch.tensor(H.T @ H), torch.tensor(H.T @ Y),
                                     float((Y * Y).sum()), 60, alphas, centred=False)
    ref = []
    for a in alphas:
        S = H @ np.linalg.solve(H.T @ H + a * np.eye(8), H.T)       # the hat matrix
        r = Y - S @ Y
        ref.append(60 * (r * r).sum() / (60 - np.trace(S)) ** 2)
    np.testing.assert_allclose(scores.numpy(), ref, rtol=1e-9)
    assert best == alphas[int(np.argmin(ref))]
    np.testing.assert_allclose(W.numpy(), np.linalg.solve(H.T @ H + best * np.eye(8), H.T @ Y),
                               atol=1e-10)
