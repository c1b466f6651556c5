"""The kernels and solvers of the support vector machine (:mod:`nnzoo.models.kernel.svm`):
kernel matrices, the stacked binary problems of one-vs-one / one-vs-rest, batched SMO with
second-order working-set selection (libsvm's rule), and the primal Newton method of the
linear SVM. The math is in :mod:`nnzoo.models.kernel.svm`'s docstring."""

from __future__ import annotations

import math
import warnings

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning

from nnzoo.core.errors import ConfigError

KERNELS = ("linear", "poly", "rbf", "laplacian", "sigmoid")
TAU = 1e-12          # libsvm's floor on the curvature a_ij of a non-PSD or degenerate pair
RBF_BLOCK = 1 << 15  # values per block of rows of the RBF kernel on the CPU (256 KB in float64)
CHECK_EVERY = 16     # SMO steps between looks at which problems have converged (one sync)


# -- kernels -------------------------------------------------------------------------------------

def kernel_matrix(A: torch.Tensor, B: torch.Tensor, kernel: str, gamma: float,
                  degree: int = 3, coef0: float = 0.0) -> torch.Tensor:
    """The kernel matrix ``K[i, j] = k(A_i, B_j)`` of (n, D) and (m, D) -> (n, m).

    :param kernel: one of :data:`KERNELS`.
    :param gamma: kernel width (already resolved to a number).
    :param degree: polynomial degree; :param coef0: polynomial / sigmoid constant.
    """
    if kernel == "laplacian":                                  # exp(-gamma ||a - b||_1)
        return torch.cdist(A, B, p=1).mul_(-gamma).exp_()
    G = inner_products(A, B)                                   # a.b          (n, m)
    if kernel == "linear":
        return G
    if kernel == "poly":                                       # (gamma a.b + coef0)^degree
        return G.mul_(gamma).add_(coef0).pow_(degree)
    if kernel == "sigmoid":                                    # tanh(gamma a.b + coef0)
        return G.mul_(gamma).add_(coef0).tanh_()
    if kernel == "rbf":                                        # exp(-gamma ||a - b||^2)
        na, nb = A.pow(2).sum(1), B.pow(2).sum(1)              # (n,), (m,)
        if G.device.type == "cpu" and not G.requires_grad:
            return _rbf_rows(G, na, nb, gamma)
        d2 = G.mul_(-2).add_(na[:, None]).add_(nb[None, :]).clamp_min_(0)
        return d2.mul_(-gamma).exp_()
    raise ConfigError(f"kernel must be one of {', '.join(KERNELS)}; got {kernel!r}")


def _rbf_rows(G: torch.Tensor, na: torch.Tensor, nb: torch.Tensor, gamma: float,
              block: int = RBF_BLOCK) -> torch.Tensor:
    """``exp(min(0, 2 gamma a.b - gamma |a|^2 - gamma |b|^2))`` in place on the CPU products
    ``G``: the RBF kernel in five passes of NumPy's ufuncs (whose vectorised ``exp`` is faster
    than torch's on the CPU), a block of rows at a time (``block`` values, sized to stay in
    the core's cache)."""
    g = G.numpy()
    a, b = (gamma * na).numpy(), (gamma * nb).numpy()[None, :]
    rows = max(1, block // max(1, g.shape[1]))
    for s in range(0, g.shape[0], rows):
        r = g[s:s + rows]
        r *= 2 * gamma
        r -= a[s:s + rows, None]
        r -= b
        np.minimum(r, 0, out=r)
        np.exp(r, out=r)
    return G


def inner_products(A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    """``A B^T`` (n, m). The Gram matrix ``A A^T`` of CPU tensors (``B is A``) is one
    symmetric rank-k update (BLAS ``syrk``, which NumPy's matmul calls for ``a @ a.T``): half
    the multiply-adds of a general product, which torch's matmul does not exploit."""
    if B is A and A.device.type == "cpu" and A.dtype in (torch.float32, torch.float64) \
            and not A.requires_grad:
        a = A.detach().resolve_neg().numpy()
        return torch.from_numpy(a @ a.T)
    return A @ B.T


def resolve_gamma(gamma: float | str, X: torch.Tensor) -> float:
    """``scale`` -> 1 / (D Var(X)) (1 when Var(X) = 0), ``auto`` -> 1 / D, else ``gamma``."""
    d = X.shape[1]
    if gamma == "scale":
        var = float(X.double().var(unbiased=False))
        return 1.0 / (d * var) if var > 0 else 1.0
    if gamma == "auto":
        return 1.0 / d
    return float(gamma)


# -- the binary problems -----------------------------------------------------------------------

def pair_index(n_classes: int) -> torch.Tensor:
    """The one-vs-one pairs (a, b), a < b, in libsvm's order; (P, 2)."""
    return torch.combinations(torch.arange(n_classes), 2)


def problem_signs(y: torch.Tensor, n_classes: int, multiclass: str) -> torch.Tensor:
    """The label of every sample in every binary problem, (N, P) in {+1, -1, 0 (absent)}.

    One-vs-one pair (a, b): +1 for class a, -1 for class b (the positive class is the lower
    one, as libsvm on sorted labels). One-vs-rest k: +1 for class k, -1 for the rest.
    """
    if n_classes == 2 or multiclass == "ovo":
        pairs = pair_index(n_classes).to(y.device)                       # (P, 2)
        return ((y[:, None] == pairs[None, :, 0]).to(torch.int8)
                - (y[:, None] == pairs[None, :, 1]).to(torch.int8))      # (N, P)
    onehot = y[:, None] == torch.arange(n_classes, device=y.device)[None]
    return onehot.to(torch.int8) * 2 - 1                                  # (N, K)


def stack_problems(signs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Each problem's member samples, stacked and padded: (idx (P, n), y (P, n)) with ``y``
    in {+1, -1} on members and 0 on padding (whose ``idx`` is 0)."""
    member = signs.T != 0                                                 # (P, N)
    P, N = member.shape
    n = int(member.sum(1).max()) if member.numel() else 0
    # members first, in sample order: each member's place is the count of members before it
    place = torch.where(member, member.cumsum(1) - 1, n)                 # (P, N), n = drop
    idx = torch.zeros(P, n + 1, dtype=torch.long, device=signs.device)
    idx.scatter_(1, place, torch.arange(N, device=signs.device).expand(P, N))
    y = torch.zeros(P, n + 1, dtype=signs.dtype, device=signs.device)
    y.scatter_(1, place, signs.T)
    idx = idx[:, :n]
    return torch.where(y[:, :n] != 0, idx, 0), y[:, :n]


def smo(K: torch.Tensor, idx: torch.Tensor, y: torch.Tensor, C: float, tol: float,
        max_iter: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Solve P binary soft-margin SVM duals at once by SMO with WSS3 (Fan, Chen & Lin 2005).

    :param K: kernel matrix of the training set (N, N).
    :param idx: each problem's samples as rows of ``K`` (P, n).
    :param y: their labels (P, n) in {+1, -1}, 0 for padding.
    :param C: box constraint; :param tol: KKT tolerance; :param max_iter: most steps.
    :returns: multipliers ``a`` (P, n) float64, ``rho`` (P,), steps taken (P,).
    """
    P, n = y.shape
    f64 = torch.float64
    dev = K.device
    yf = y.to(f64)
    valid = y != 0
    alpha = torch.zeros(P, n, dtype=f64, device=dev)
    grad = -valid.to(f64)                                    # G = Q a - 1 = -1 at a = 0
    kdiag = K.diagonal().to(f64)[idx]                        # K_tt          (P, n)
    live = torch.arange(P, device=dev)                       # problems still being solved
    a, g, yy, vv, ii, kd = alpha.clone(), grad.clone(), yf, valid, idx, kdiag
    cnt = torch.zeros(P, dtype=torch.long, device=dev)
    ninf = torch.tensor(-math.inf, dtype=f64, device=dev)
    it = 0
    while live.numel() and it < max_iter:
        for _ in range(min(CHECK_EVERY, max_iter - it)):
            up = vv & torch.where(yy > 0, a < C, a > 0)      # a_t can move up along y_t
            low = vv & torch.where(yy > 0, a > 0, a < C)     # a_t can move down along y_t
            myg = -yy * g                                    # -y_t G_t
            gmax, i = torch.where(up, myg, ninf).max(1)      # i = argmax_{I_up} -y G
            gmax2 = torch.where(low, -myg, ninf).amax(1)     # max_{I_low} y G
            go = (gmax + gmax2) >= tol                       # KKT violated by > tol
            i1 = i[:, None]
            Ki = K[ii.gather(1, i1), ii].to(f64)             # K_it           (p, n)
            b = gmax[:, None] - myg                          # b_it = -y_i G_i + y_t G_t
            quad = kd.gather(1, i1) + kd - 2 * Ki            # a_it = K_ii + K_tt - 2 K_it
            quad = torch.where(quad > 0, quad, TAU)
            score = torch.where(low & (b > 0), -b * b / quad, math.inf)
            j1 = score.argmin(1, keepdim=True)               # j = argmin -b^2 / a
            Kj = K[ii.gather(1, j1), ii].to(f64)             # K_jt           (p, n)
            yi, yj = yy.gather(1, i1), yy.gather(1, j1)
            ai, aj = a.gather(1, i1), a.gather(1, j1)
            ub_i = torch.where(yi > 0, C - ai, ai)           # room of a_i + y_i t
            ub_j = torch.where(yj > 0, aj, C - aj)           # room of a_j - y_j t
            t = torch.minimum(b.gather(1, j1) / quad.gather(1, j1), torch.minimum(ub_i, ub_j))
            go1 = go[:, None]
            t = torch.where(go1, t, 0.0)                     # finished problems stay put
            # the new multipliers, snapped to the bound they reach
            new_i = torch.where(go1 & (t >= ub_i), torch.where(yi > 0, C, 0.0), ai + yi * t)
            new_j = torch.where(go1 & (t >= ub_j), torch.where(yj > 0, 0.0, C), aj - yj * t)
            a.scatter_(1, i1, new_i)
            a.scatter_(1, j1, new_j)
            g += t * yy * (Ki - Kj)                          # G_t += y_t t (K_ti - K_tj)
            cnt.index_add_(0, live, go.long())             # steps taken per problem
            it += 1
        done = ~go
        if bool(done.any()) or it >= max_iter:               # write back, drop finished
            alpha[live], grad[live] = a, g
            keep = go.nonzero().flatten()
            live = live[keep]
            a, g, yy, vv, ii, kd = (t_[keep] for t_ in (a, g, yy, vv, ii, kd))
    if live.numel():
        warnings.warn(f"SMO stopped after max_iter={max_iter} steps with {live.numel()} of {P} "
                      "problems not converged (KKT violation >= tol)", ConvergenceWarning,
                      stacklevel=3)
    return alpha, rho_of(alpha, grad, yf, valid, C), cnt


def rho_of(alpha: torch.Tensor, grad: torch.Tensor, y: torch.Tensor, valid: torch.Tensor,
           C: float) -> torch.Tensor:
    """libsvm's ``calculate_rho``: mean of ``y G`` over free multipliers, else the middle of
    [max lower bound, min upper bound]; a problem with one class gives that class f = +-1."""
    yg = y * grad                                                        # (P, n)
    at_ub, at_lb = valid & (alpha >= C), valid & (alpha <= 0)
    free = valid & ~at_ub & ~at_lb
    inf = torch.tensor(math.inf, dtype=yg.dtype, device=yg.device)
    upper = (at_ub & (y < 0)) | (at_lb & (y > 0))                       # rho <= y G
    lower = (at_ub & (y > 0)) | (at_lb & (y < 0))                       # rho >= y G
    ub = torch.where(upper, yg, inf).amin(1)
    lb = torch.where(lower, yg, -inf).amax(1)
    mid = torch.where(ub.isinf(), torch.where(lb.isinf(), 0.0, lb),
                      torch.where(lb.isinf(), ub, (ub + lb) / 2))
    nfree = free.sum(1)
    mean_free = torch.where(free, yg, 0.0).sum(1) / nfree.clamp_min(1)
    return torch.where(nfree > 0, mean_free, mid)


def primal_newton(X: torch.Tensor, signs: torch.Tensor, C: float, tol: float, max_iter: int,
                  cg_iter: int = 100) -> tuple[torch.Tensor, torch.Tensor]:
    """Linear L2-loss SVMs in the primal by Newton-CG (Chapelle 2007), all problems at once.

    Minimises ``1/2 ||w||^2 + C sum_{i: s_ip != 0} max(0, 1 - s_ip w_p.[x_i, 1])^2`` for each
    problem p. :param X: (N, D); :param signs: (N, P) in {+1, -1, 0}.
    :returns: weights ``W`` (P, D + 1) (last column: the bias) and Newton steps taken (P,).
    """
    f64 = torch.float64
    Xa = torch.cat([X.to(f64), torch.ones(len(X), 1, dtype=f64, device=X.device)], 1)  # (N, D+1)
    S = signs.to(f64)                                                    # (N, P)
    P = S.shape[1]
    W = torch.zeros(P, Xa.shape[1], dtype=f64, device=X.device)

    def objective(M: torch.Tensor, W: torch.Tensor) -> torch.Tensor:    # M = X W^T (N, P)
        z = (1 - S * M).clamp_min(0) * (S != 0)                          # hinge per term
        return 0.5 * W.pow(2).sum(1) + C * z.pow(2).sum(0)               # (P,)

    M = Xa @ W.T
    steps = torch.zeros(P, dtype=torch.long, device=X.device)
    g0 = None
    for _ in range(max_iter):
        z = (1 - S * M) * (S != 0)
        act = (z > 0).to(f64)                                            # margin violators
        g = W - 2 * C * ((act * S * z).T @ Xa)                           # gradient (P, D+1)
        gn = g.norm(dim=1)
        g0 = gn if g0 is None else g0
        todo = gn > tol * g0                                             # (P,)
        if not bool(todo.any()):
            break
        steps += todo.long()

        # conjugate gradients on H d = -g, per problem (rows), to relative residual 0.1
        d = torch.zeros_like(g)
        r = -g
        p = r.clone()
        rr = (r * r).sum(1)
        for _ in range(cg_iter):
            if bool((rr.sqrt() <= 0.1 * gn).all()):
                break
            Hp = p + 2 * C * ((act * (Xa @ p.T)).T @ Xa)           # H p = p + 2C X_A^T X_A p
            step = rr / (p * Hp).sum(1).clamp_min(1e-300)
            step = torch.where(rr.sqrt() > 0.1 * gn, step, 0.0)[:, None]
            d += step * p
            r -= step * Hp
            rr_new = (r * r).sum(1)
            p = r + (rr_new / rr.clamp_min(1e-300))[:, None] * p
            rr = rr_new
        d = torch.where(todo[:, None], d, 0.0)
        # backtracking line search: f(w + s d) <= f(w) + 1e-4 s g.d
        Md = Xa @ d.T                                                    # (N, P)
        f = objective(M, W)
        slope = (g * d).sum(1)
        s = torch.ones(P, dtype=f64, device=X.device)
        for _ in range(30):
            ok = objective(M + s * Md, W + s[:, None] * d) <= f + 1e-4 * s * slope
            if bool(ok.all()):
                break
            s = torch.where(ok, s, s / 2)
        W = W + s[:, None] * d
        M = M + s * Md
    return W, steps


__all__ = ["KERNELS", "inner_products", "kernel_matrix", "pair_index", "primal_newton",
           "problem_signs", "resolve_gamma", "rho_of", "smo", "stack_problems"]
