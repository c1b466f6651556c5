"""k-means for the RBF network's centres: k-means++ seeding and Lloyd's iterations.

Papers: D. Arthur, S. Vassilvitskii, "k-means++: the advantages of careful seeding", SODA
2007; S. P. Lloyd, "Least squares quantization in PCM", IEEE Trans. Inf. Theory 28(2), 1982.
Reference implementation: scikit-learn's ``KMeans`` (whose inertia the tests match).
"""

from __future__ import annotations

import torch

from nnzoo.core.errors import InputError


def sq_distances(X: torch.Tensor, C: torch.Tensor) -> torch.Tensor:
    """``|x_i - c_j|^2`` (n, K) = |x|^2 - 2 x.c + |c|^2, clamped at 0 (one matrix product,
    the norms added in place; differentiable)."""
    d2 = torch.addmm((C * C).sum(1)[None, :], X, C.T, alpha=-2)       # |c|^2 - 2 x.c
    return d2.add_((X * X).sum(1)[:, None]).clamp_min_(0)


def kmeans_pp(X: torch.Tensor, k: int, generator: torch.Generator | None = None
              ) -> torch.Tensor:
    """k-means++ seeding (Arthur & Vassilvitskii 2007): the first centre uniformly among the
    samples, each next one with probability proportional to ``D(x)^2``, the squared distance
    to the nearest centre chosen so far. (k, D). When every sample is already a centre
    (``k > n``), the rest are drawn uniformly (with repetition).

    Each new centre ``c`` updates ``D^2`` by one matrix-vector product,
    ``|x - c|^2 = |x|^2 - 2 x.c + |c|^2``."""
    n = X.shape[0]
    C = torch.empty(k, X.shape[1], dtype=X.dtype, device=X.device)
    xx = (X * X).sum(1)                                               # |x|^2     (n,)
    first = int(torch.randint(n, (1,), generator=generator))
    C[0] = X[first]
    d2 = ((X - C[0]) ** 2).sum(1)                                     # D(x)^2   (n,)
    u = torch.rand(k, generator=generator, dtype=torch.float64)       # one draw per centre
    for j in range(1, k):                                             # sequential by nature
        cdf = torch.cumsum(d2.double(), 0)
        total = float(cdf[-1])
        if total <= 0:                                                # all samples taken
            i = int(u[j] * n) % n
        else:
            i = min(int(torch.searchsorted(cdf, u[j].to(cdf.device) * total)), n - 1)
        c = X[i]
        C[j] = c
        near = torch.addmv(xx, X, c, alpha=-2).add_(c @ c).clamp_min_(0)  # |x - c|^2
        d2 = torch.minimum(d2, near)                                  # nearest-centre D^2
    return C


def lloyd(X: torch.Tensor, C: torch.Tensor, n_iter: int = 100, tol: float = 1e-4
          ) -> tuple[torch.Tensor, torch.Tensor, list[float]]:
    """Lloyd's k-means iterations from centres ``C`` (K, D).

    The assignment needs only ``|c|^2 - 2 x.c`` (one matrix product); ``|x|^2`` is added to
    the minimum for the inertia.

    :param n_iter: at most this many assignment + update steps.
    :param tol: stop when the squared centre shift is below ``tol`` x the mean feature
        variance (scikit-learn's criterion).
    :returns: centres (K, D), each sample's centre (n,), and the inertia
        ``sum_i |x_i - c_label(i)|^2`` before each update and after the last one.
    """
    k = C.shape[0]
    C = C.clone()
    thresh = tol * float(X.var(0, unbiased=False).mean())
    xx = (X * X).sum(1)                                               # |x|^2     (n,)

    def assign(C: torch.Tensor) -> tuple[torch.Tensor, float]:
        part = torch.addmm((C * C).sum(1)[None, :], X, C.T, alpha=-2)  # |c|^2 - 2 x.c
        pmin, lab = part.min(1)                                       # nearest centre
        return lab, float(pmin.add_(xx).clamp_min_(0).sum())          # inertia

    history: list[float] = []
    for _ in range(n_iter):
        lab, inertia = assign(C)                                      # assignment step
        history.append(inertia)
        sums = torch.zeros_like(C).index_add_(0, lab, X)              # sum of each cluster
        counts = torch.bincount(lab, minlength=k).to(X.dtype)        # (K,)
        new = torch.where(counts[:, None] > 0, sums / counts.clamp_min(1)[:, None], C)
        shift = float(((new - C) ** 2).sum())
        C = new                                                       # update step
        if shift <= thresh:
            break
    lab, inertia = assign(C)
    history.append(inertia)
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
