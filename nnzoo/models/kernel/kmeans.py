"""k-means for the RBF network's centres: k-means++ seeding and Lloyd's iterations.

Papers: D. Arthur, S. Vassilvitskii, "k-means++: the advantages of careful seeding", SODA
2007; S. P. Lloyd, "Least squares quantization in PCM", IEEE Trans. Inf. Theory 28(2), 1982.
Reference implementation: scikit-learn's ``KMeans`` (whose inertia the tests match).
"""

from __future__ import annotations

import torch

from nnzoo.core.errors import InputError


def sq_distances(X: torch.Tensor, C: torch.Tensor) -> torch.Tensor:
    """``|x_i - c_j|^2`` (n, K) = |x|^2 - 2 x.c + |c|^2, clamped at 0."""
    d2 = (X * X).sum(1)[:, None] - 2 * X @ C.T + (C * C).sum(1)[None, :]
    return d2.clamp_min_(0)


def kmeans_pp(X: torch.Tensor, k: int, generator: torch.Generator | None = None
              ) -> torch.Tensor:
    """k-means++ seeding (Arthur & Vassilvitskii 2007): the first centre uniformly among the
    samples, each next one with probability proportional to ``D(x)^2``, the squared distance
    to the nearest centre chosen so far. (k, D). When every sample is already a centre
    (``k > n``), the rest are drawn uniformly (with repetition)."""
    n = X.shape[0]
    C = torch.empty(k, X.shape[1], dtype=X.dtype, device=X.device)
    first = int(torch.randint(n, (1,), generator=generator))
    C[0] = X[first]
    d2 = ((X - C[0]) ** 2).sum(1)                                     # D(x)^2   (n,)
    u = torch.rand(k, generator=generator, dtype=torch.float64)       # one draw per centre
    for j in range(1, k):                                             # sequential by nature
        total = d2.sum()
        if float(total) <= 0:                                         # all samples taken
            i = int(u[j] * n) % n
        else:
            cdf = torch.cumsum(d2.double(), 0)
            i = min(int(torch.searchsorted(cdf, u[j].to(cdf.device) * cdf[-1])), n - 1)
        C[j] = X[i]
        d2 = torch.minimum(d2, ((X - C[j]) ** 2).sum(1))              # nearest-centre D^2
    return C


def lloyd(X: torch.Tensor, C: torch.Tensor, n_iter: int = 100, tol: float = 1e-4
          ) -> tuple[torch.Tensor, torch.Tensor, list[float]]:
    """Lloyd's k-means iterations from centres ``C`` (K, D).

    :param n_iter: at most this many assignment + update steps.
    :param tol: stop when the squared centre shift is below ``tol`` x the mean feature
        variance (scikit-learn's criterion).
    :returns: centres (K, D), each sample's centre (n,), and the inertia
        ``sum_i |x_i - c_label(i)|^2`` before each update and after the last one.
    """
    k = C.shape[0]
    C = C.clone()
    thresh = tol * float(X.var(0, unbiased=False).mean())
    history: list[float] = []
    for _ in range(n_iter):
        dmin, lab = sq_distances(X, C).min(1)                         # assignment step
        history.append(float(dmin.sum()))                             # inertia
        sums = torch.zeros_like(C).index_add_(0, lab, X)              # sum of each cluster
        counts = torch.bincount(lab, minlength=k).to(X.dtype)        # (K,)
        new = torch.where(counts[:, None] > 0, sums / counts.clamp_min(1)[:, None], C)
        shift = float(((new - C) ** 2).sum())
        C = new                                                       # update step
        if shift <= thresh:
            break
    dmin, lab = sq_distances(X, C).min(1)
    history.append(float(dmin.sum()))
    return C, lab, history


def kmeans(X: torch.Tensor, k: int, n_iter: int = 100, tol: float = 1e-4,
           generator: torch.Generator | None = None
           ) -> tuple[torch.Tensor, torch.Tensor, list[float]]:
    """k-means++ seeding then :func:`lloyd`; returns (centres, labels, inertia history)."""
    if k > X.shape[0]:
        raise InputError(f"k-means needs at least as many samples as centres: {k} centres, "
                         f"{X.shape[0]} samples")
    return lloyd(X, kmeans_pp(X, k, generator), n_iter, tol)


__all__ = ["kmeans", "kmeans_pp", "lloyd", "sq_distances"]
