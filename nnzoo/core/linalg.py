"""Linear algebra shared by the closed-form learners: ridge regression (with its leave-one-out
error for every regularisation strength at once) and the spectral radius.

The readouts of the extreme learning machine, the RBF network and the reservoirs (echo state
network, liquid state machine) are all the same problem: given features ``H`` (n, d) and
targets ``Y`` (n, k), find

.. math:: W = \\arg\\min_W \\|H W - Y\\|^2 + \\alpha \\|W\\|^2
          = (H^\\top H + \\alpha I)^{-1} H^\\top Y.

Solved in float64 by a Cholesky factorisation of the ``d x d`` Gram matrix (or of the
``n x n`` kernel matrix ``H H^T`` when there are fewer samples than features), on the device
the tensors live on.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from nnzoo.core.errors import InputError


def _check(H: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    if H.dim() != 2:
        raise InputError(f"ridge features must have shape (n, d), got {tuple(H.shape)}")
    Y2 = Y.reshape(len(Y), -1) if Y.dim() != 2 else Y
    if len(Y2) != len(H):
        raise InputError(f"ridge features have {len(H)} samples but targets have {len(Y2)}")
    if len(H) == 0:
        raise InputError("ridge regression needs at least one sample, got 0")
    for name, t in (("features", H), ("targets", Y2)):
        if t.is_floating_point() and not bool(torch.isfinite(t).all()):
            raise InputError(f"ridge {name} hold NaN or infinite values")
    return Y2


def _spd_solve(A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    """Solve ``A X = B`` for symmetric positive (semi)definite ``A`` (float64)."""
    L, info = torch.linalg.cholesky_ex(A)
    if int(info) == 0:
        return torch.cholesky_solve(B, L)
    # singular (alpha = 0 and rank-deficient features): least squares, minimum norm
    return torch.linalg.lstsq(A.cpu(), B.cpu(), driver="gelsd").solution.to(A.device)


def ridge(H: torch.Tensor, Y: torch.Tensor, alpha: float, *, intercept: bool = False
          ) -> tuple[torch.Tensor, torch.Tensor]:
    """Ridge regression of ``Y`` on ``H``: weights ``W`` (d, k) and intercept ``b`` (k,).

    :param H: features (n, d).
    :param Y: targets (n, k) or (n,).
    :param alpha: the L2 penalty, >= 0 (0: ordinary least squares, minimum-norm if singular).
    :param intercept: fit an unpenalised intercept (features and targets are centred first);
        otherwise ``b`` is zeros.
    :returns: ``W`` and ``b`` in float64, on ``H``'s device.
    """
    if not alpha >= 0:
        raise InputError(f"ridge alpha must be >= 0, got {alpha}")
    Y2 = _check(H, Y).double()
    Hd = H.double()
    if intercept:
        mh, my = Hd.mean(0), Y2.mean(0)
        Hd, Y2 = Hd - mh, Y2 - my
    n, d = Hd.shape
    if n >= d:
        G = Hd.T @ Hd                                                # (d, d) H^T H
        G.diagonal().add_(alpha)                                      # + alpha I
        W = _spd_solve(G, Hd.T @ Y2)                                  # (d, k)
    else:
        K = Hd @ Hd.T                                                 # (n, n) H H^T
        K.diagonal().add_(alpha)
        W = Hd.T @ _spd_solve(K, Y2)                                  # H^T (H H^T + a I)^-1 Y
    b = (my - mh @ W) if intercept else torch.zeros(W.shape[1], dtype=W.dtype, device=W.device)
    return W, b


def ridge_loo(H: torch.Tensor, Y: torch.Tensor, alphas: Sequence[float]
              ) -> tuple[float, torch.Tensor]:
    """The leave-one-out mean squared error of ridge regression for every ``alpha``.

    With the eigendecomposition :math:`H^\\top H = V \\Lambda V^\\top` and :math:`P = H V`,
    the hat matrix is :math:`S_\\alpha = P (\\Lambda + \\alpha)^{-1} P^\\top`; the leave-one-out
    residual of sample ``i`` is :math:`(y_i - \\hat y_i) / (1 - S_{ii})` (Allen's PRESS), so
    every ``alpha`` costs ``O(n d k)`` after one ``O(n d^2)`` decomposition.

    :param H: features (n, d).
    :param Y: targets (n, k) or (n,).
    :param alphas: candidate penalties (> 0).
    :returns: the best ``alpha`` and the LOO mean squared error of each candidate (len(alphas),).
    """
    if not alphas or any(not a > 0 for a in alphas):
        raise InputError(f"ridge_loo needs a non-empty list of alphas > 0, got {list(alphas)}")
    Y2 = _check(H, Y).double()
    Hd = H.double()
    n, d = Hd.shape
    if n >= d:
        lam, V = torch.linalg.eigh(Hd.T @ Hd)                         # H^T H = V diag(lam) V^T
        P = Hd @ V                                                    # (n, d)
    else:
        lam, U = torch.linalg.eigh(Hd @ Hd.T)                         # H H^T = U diag(lam) U^T
        P = U * lam.clamp_min(0).sqrt()                               # same hat matrix
    lam = lam.clamp_min(0)
    PtY = P.T @ Y2                                                    # (r, k)
    P2 = P * P                                                        # (n, r)
    errs = []
    for a in alphas:
        f = 1.0 / (lam + a)                                           # (r,)
        Yhat = P @ (f[:, None] * PtY)                                 # S_alpha Y
        h = P2 @ f                                                    # diag S_alpha
        r = (Y2 - Yhat) / (1.0 - h).clamp_min(1e-12)[:, None]         # PRESS residuals
        errs.append((r * r).mean())
    errs_t = torch.stack(errs)
    return float(alphas[int(errs_t.argmin())]), errs_t


def ridge_gcv_gram(G: torch.Tensor, HtY: torch.Tensor, yty: float, n: int,
                   alphas: Sequence[float], *, centred: bool = True
                   ) -> tuple[float, torch.Tensor, torch.Tensor]:
    r"""Ridge regression with the penalty picked by generalized cross-validation, from the
    Gram matrix alone (Golub, Heath & Wahba, Technometrics 1979).

    GCV is the rotation-invariant form of leave-one-out: with :math:`G = V \Lambda V^\top`,
    :math:`B = V^\top H^\top Y`, the effective degrees of freedom
    :math:`df = \sum_j \lambda_j / (\lambda_j + \alpha)` and the residual
    :math:`RSS = \|Y\|^2 - \sum_j (2/(\lambda_j+\alpha) - \lambda_j/(\lambda_j+\alpha)^2)
    \|B_j\|^2`, it scores :math:`n\,RSS / (n - df)^2` (``n - 1 - df`` when the data were
    centred for an intercept). Every candidate costs ``O(d k)`` after one ``O(d^3)``
    decomposition, and no pass over the ``n`` samples is needed beyond the Gram matrix.

    :param G: ``H^T H`` (d, d).
    :param HtY: ``H^T Y`` (d, k).
    :param yty: ``||Y||_F^2``.
    :param n: number of samples behind ``G``.
    :param alphas: candidate penalties (> 0).
    :param centred: ``H`` and ``Y`` were centred (one more degree of freedom used).
    :returns: the best ``alpha``, the weights ``W`` (d, k) for it, and the score of every
        candidate.
    """
    if not alphas or any(not a > 0 for a in alphas):
        raise InputError(f"ridge_gcv_gram needs a non-empty list of alphas > 0, got "
                         f"{list(alphas)}")
    lam, V = torch.linalg.eigh(G.double())                            # G = V diag(lam) V^T
    lam = lam.clamp_min(0)
    B = V.T @ HtY.double()                                            # (d, k)
    b2 = (B * B).sum(1)                                               # ||B_j||^2
    dof = n - (1 if centred else 0)
    scores = []
    for a in alphas:
        f = 1.0 / (lam + a)
        rss = yty - ((2 * f - lam * f * f) * b2).sum()                # ||Y - H W||^2
        df = (lam * f).sum()                                          # trace of the hat matrix
        scores.append(n * rss / (dof - df).clamp_min(1e-12) ** 2)
    scores_t = torch.stack(scores)
    best = float(alphas[int(scores_t.argmin())])
    W = V @ (B / (lam + best)[:, None])                               # (G + a I)^-1 H^T Y
    return best, W, scores_t


def spectral_radius(W: torch.Tensor) -> float:
    """The largest modulus of the eigenvalues of the square matrix ``W`` (computed in float64,
    not bounded by a norm)."""
    if W.dim() != 2 or W.shape[0] != W.shape[1]:
        raise InputError(f"spectral radius needs a square matrix, got shape {tuple(W.shape)}")
    return float(torch.linalg.eigvals(W.double().cpu()).abs().max()) if W.numel() else 0.0


__all__ = ["ridge", "ridge_gcv_gram", "ridge_loo", "spectral_radius"]
