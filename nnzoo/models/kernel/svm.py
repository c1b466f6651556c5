"""Support vector machine: soft-margin kernel SVM (batched SMO) and a primal linear SVM.

Paper: C. Cortes, V. Vapnik, "Support-vector networks", Machine Learning 20(3), 1995.
https://doi.org/10.1007/BF00994018

Solver: J. C. Platt, "Sequential minimal optimization: a fast algorithm for training support
vector machines", MSR-TR-98-14, 1998, with the second-order working-set selection (WSS3) of
R.-E. Fan, P.-H. Chen, C.-J. Lin, "Working set selection using second order information for
training support vector machines", JMLR 6, 2005 - the rule of libsvm. Multiclass:
one-vs-one as libsvm (C.-W. Hsu, C.-J. Lin, "A comparison of methods for multiclass support
vector machines", IEEE TNN 13(2), 2002), or one-vs-rest. Primal linear SVM: O. Chapelle,
"Training a support vector machine in the primal", Neural Computation 19(5), 2007 (Newton's
method on the squared hinge loss; the Newton system solved by conjugate gradients as in
liblinear's TRON).

Reference implementation: libsvm (https://github.com/cjlin1/libsvm, ``svm.cpp``:
``Solver::select_working_set``, ``Solver::calculate_rho``), as wrapped by scikit-learn's
``SVC``; the estimator :class:`SVMClassifier` follows ``SVC``'s names (``support_``,
``support_vectors_``, ``dual_coef_``, ``intercept_``, ``decision_function``).

The math. A binary problem has labels ``y_i`` in {+1, -1} and the dual

    min_a  f(a) = 1/2 a^T Q a - 1^T a   s.t.  0 <= a_i <= C,  y^T a = 0,   Q_ij = y_i y_j K_ij

with gradient ``G = Q a - 1``. SMO moves two multipliers at a time along ``d`` (``d_i = y_i``,
``d_j = -y_j``), which keeps ``y^T a = 0``. WSS3 picks ``i = argmax_{t in I_up} -y_t G_t``
(``I_up``: multipliers that can move up along ``y``) and, among ``t`` in ``I_low`` with
``b_it = -y_i G_i + y_t G_t > 0``, ``j = argmin -b_it^2 / a_it`` with
``a_it = K_ii + K_tt - 2 K_it`` (the second-order decrease). The step along ``d`` is
``t = b_ij / a_ij`` clipped to the box, and ``G += t y (K_:i - K_:j)``. It stops when the
maximal KKT violation ``max_{I_up} -y G + max_{I_low} y G < tol``. The bias ``rho`` is the
mean of ``y_i G_i`` over free multipliers (``0 < a_i < C``), or the middle of the feasible
interval when none is free; the decision function is ``f(x) = sum_i a_i y_i K(x_i, x) - rho``.

Batching. The binary problems of one-vs-one (45 for 10 classes) or one-vs-rest are stacked
into ``(P, n)`` tensors (padded, padding masked by ``y = 0``): one iteration of the Python
loop is one SMO step of every unfinished problem, and finished problems are dropped from the
batch. The kernel matrix of the training set is computed once (one matmul for the RBF kernel:
``||x - z||^2 = ||x||^2 + ||z||^2 - 2 x.z``), and each step gathers the two kernel rows it
needs. Multipliers and gradients are float64; the kernel matrix is float64 or float32
(``kernel_dtype``; float32 halves its memory and is accurate to ~1e-7 relative, far below
the tolerance 1e-3 of the stopping rule).

Kernels: ``linear`` x.z; ``poly`` (gamma x.z + coef0)^degree; ``rbf`` exp(-gamma ||x-z||^2);
``laplacian`` exp(-gamma ||x-z||_1) (the L1 distance: not the Gaussian); ``sigmoid``
tanh(gamma x.z + coef0). ``gamma = "scale"`` is 1 / (n_features * Var(X)) over the training
set, ``"auto"`` 1 / n_features, as scikit-learn.

Primal linear SVM (``solver = "primal"``, linear kernel only): for each binary problem
``min_w 1/2 ||w||^2 + C sum_i max(0, 1 - y_i w.[x_i, 1])^2`` (the bias is a weight on a
constant feature 1, regularised, as liblinear and ``LinearSVC``); Newton steps
``H d = -g`` with ``H = I + 2 C X_A^T X_A`` over the margin violators ``A``, solved by
conjugate gradients with Hessian-vector products, then a backtracking (Armijo) line search;
all problems at once.

State. The support vectors, their coefficients and the training indices (``support``) have
a size known only after fitting: they are buffers allocated empty at construction and
resized by :meth:`SVM._load_from_state_dict` to the checkpoint's sizes, so a checkpoint loads
into a freshly built model. Every other buffer has a shape fixed by the config.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning

from nnzoo.core import plots
from nnzoo.core.config import require
from nnzoo.core.errors import ConfigError, InputError, NotFittedError
from nnzoo.core.validation import as_tensor, check_input, check_labels
from nnzoo.models.base import Batch, Classifier
from nnzoo.models.registry import register

KERNELS = ("linear", "poly", "rbf", "laplacian", "sigmoid")
TAU = 1e-12          # libsvm's floor on the curvature a_ij of a non-PSD or degenerate pair
CHECK_EVERY = 16     # SMO steps between looks at which problems have converged (one sync)


@dataclass
class SVMConfig:
    """Hyperparameters of :class:`SVM`.

    :param sample_shape: shape of one input sample (flattened on entry).
    :param n_classes: number of classes K (labels 0..K-1).
    :param kernel: ``linear``, ``poly``, ``rbf``, ``laplacian`` or ``sigmoid``.
    :param C: the soft-margin penalty (upper bound of every multiplier).
    :param gamma: kernel width: a number > 0, ``scale`` (1 / (n_features Var(X))) or ``auto``
        (1 / n_features).
    :param degree: degree of the polynomial kernel.
    :param coef0: constant term of the polynomial and sigmoid kernels.
    :param multiclass: ``ovo`` (one-vs-one, K(K-1)/2 problems, as libsvm) or ``ovr``
        (one-vs-rest, K problems); two classes are always one problem.
    :param solver: ``smo`` (the dual, any kernel) or ``primal`` (Newton on the squared hinge,
        linear kernel only, for many samples).
    :param tol: stopping tolerance: the maximal KKT violation (``smo``, libsvm's 1e-3) or the
        gradient norm relative to its start (``primal``).
    :param max_iter: most SMO steps (or Newton steps) per problem; 0 = libsvm's
        max(10^7, 100 n) (``smo``) or 100 (``primal``).
    :param kernel_dtype: ``float64`` or ``float32``: precision of the kernel matrices.
    :param break_ties: one-vs-one votes tied between classes go to the class with the larger
        summed decision value (``SVC(break_ties=True)``) instead of the lowest class (libsvm).
    """

    sample_shape: tuple[int, ...] = (1, 8, 8)
    n_classes: int = 10
    kernel: str = "rbf"
    C: float = 1.0
    gamma: float | Literal["scale", "auto"] = "scale"
    degree: int = 3
    coef0: float = 0.0
    multiclass: Literal["ovo", "ovr"] = "ovo"
    solver: Literal["smo", "primal"] = "smo"
    tol: float = 1e-3
    max_iter: int = 0
    kernel_dtype: Literal["float64", "float32"] = "float64"
    break_ties: bool = False

    def __post_init__(self) -> None:
        require(isinstance(self.sample_shape, tuple) and len(self.sample_shape) >= 1
                and all(isinstance(s, int) and s >= 1 for s in self.sample_shape),
                f"sample_shape must be positive sizes, got {self.sample_shape!r}")
        require(isinstance(self.n_classes, int) and self.n_classes >= 2,
                f"n_classes must be an integer >= 2, got {self.n_classes!r}")
        require(self.kernel in KERNELS,
                f"kernel must be one of {', '.join(KERNELS)}; got {self.kernel!r}")
        require(self.C > 0 and math.isfinite(self.C), f"C must be a finite number > 0, got "
                f"{self.C}")
        require(self.gamma in ("scale", "auto") or (
                isinstance(self.gamma, (int, float)) and not isinstance(self.gamma, bool)
                and 0 < self.gamma < math.inf),
                f"gamma must be a number > 0, 'scale' or 'auto'; got {self.gamma!r}")
        require(isinstance(self.degree, int) and self.degree >= 1,
                f"degree must be an integer >= 1, got {self.degree!r}")
        require(math.isfinite(self.coef0), f"coef0 must be finite, got {self.coef0}")
        require(self.multiclass in ("ovo", "ovr"),
                f"multiclass must be ovo or ovr, got {self.multiclass!r}")
        require(self.solver in ("smo", "primal"),
                f"solver must be smo or primal, got {self.solver!r}")
        require(self.solver == "smo" or self.kernel == "linear",
                f"solver='primal' trains a linear SVM; it needs kernel='linear', got "
                f"{self.kernel!r}")
        require(self.tol > 0, f"tol must be > 0, got {self.tol}")
        require(self.max_iter >= 0, f"max_iter must be >= 0 (0 = default), got {self.max_iter}")
        require(self.kernel_dtype in ("float64", "float32"),
                f"kernel_dtype must be float64 or float32, got {self.kernel_dtype!r}")

    @property
    def n_features(self) -> int:
        return math.prod(self.sample_shape)

    @property
    def n_problems(self) -> int:
        """Binary problems solved: 1 for two classes, else K(K-1)/2 (ovo) or K (ovr)."""
        k = self.n_classes
        if k == 2:
            return 1
        return k * (k - 1) // 2 if self.multiclass == "ovo" else k


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
    G = A @ B.T                                                # a.b          (n, m)
    if kernel == "linear":
        return G
    if kernel == "poly":                                       # (gamma a.b + coef0)^degree
        return G.mul_(gamma).add_(coef0).pow_(degree)
    if kernel == "sigmoid":                                    # tanh(gamma a.b + coef0)
        return G.mul_(gamma).add_(coef0).tanh_()
    if kernel == "rbf":                                        # exp(-gamma ||a - b||^2)
        na, nb = A.pow(2).sum(1), B.pow(2).sum(1)              # (n,), (m,)
        d2 = G.mul_(-2).add_(na[:, None]).add_(nb[None, :]).clamp_min_(0)
        return d2.mul_(-gamma).exp_()
    raise ConfigError(f"kernel must be one of {', '.join(KERNELS)}; got {kernel!r}")


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
    n = int(member.sum(1).max()) if member.numel() else 0
    # members first, in sample order: a stable sort of "not a member"
    order = torch.sort((~member).to(torch.int8), dim=1, stable=True).indices[:, :n]  # (P, n)
    y = signs.T.gather(1, order)                                          # (P, n)
    return torch.where(y != 0, order, 0), y


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


# -- the model -----------------------------------------------------------------------------------

@register("svm", config=SVMConfig, learning="closed-form",
          rule="dual SMO with second-order working-set selection (WSS3), or primal Newton",
          peer="scikit-learn SVC", reference="https://github.com/cjlin1/libsvm")
class SVM(Classifier):
    """Soft-margin kernel support vector machine, multiclass by one-vs-one or one-vs-rest.

    ``fit(X, y)`` solves every binary problem (see the module docstring); ``forward(x)``
    returns class scores (B, K) whose argmax is the prediction: for one-vs-one the votes of
    the pairwise problems, ties to the lowest class as libsvm (or by confidence with
    ``break_ties``, see :meth:`scores`); for one-vs-rest the K decision values.
    :meth:`decision_values` gives the raw pairwise values (B, P).

    :param config: an :class:`SVMConfig`.
    """

    automatic_optimization = False

    def __init__(self, config: SVMConfig) -> None:
        super().__init__(config)
        d, p, k = config.n_features, config.n_problems, config.n_classes
        f64 = torch.float64
        self.register_buffer("support_vectors", torch.zeros(0, d))          # (S, D)
        self.register_buffer("dual", torch.zeros(p, 0, dtype=f64))          # a y  (P, S)
        self.register_buffer("support", torch.zeros(0, dtype=torch.long))   # (S,) train rows
        self.register_buffer("rho", torch.zeros(p, dtype=f64))              # (P,)
        self.register_buffer("weight", torch.zeros(p, d, dtype=f64))        # linear: (P, D)
        self.register_buffer("n_support", torch.zeros(k, dtype=torch.long))  # SVs per class
        self.register_buffer("n_iter", torch.zeros(p, dtype=torch.long))    # steps per problem
        self.register_buffer("gamma_value", torch.zeros((), dtype=f64))     # resolved gamma
        self.register_buffer("fitted", torch.zeros((), dtype=torch.long))   # fits so far
        self._plot_data: tuple[torch.Tensor, torch.Tensor] | None = None

    # -- checkpoints of data-dependent size ---------------------------------------------------

    def _load_from_state_dict(self, state_dict: dict[str, Any], prefix: str, *args: Any,
                              **kwargs: Any) -> None:
        """Resize the support-vector buffers to the checkpoint's number of support vectors
        (the other dimension must match), then load as usual."""
        for name, axis in (("support_vectors", 0), ("dual", 1), ("support", 0)):
            t = state_dict.get(prefix + name)
            buf = self._buffers[name]
            if t is None or t.dim() != buf.dim() or t.shape == buf.shape:
                continue
            other = [s for i, s in enumerate(buf.shape) if i != axis]
            if other == [s for i, s in enumerate(t.shape) if i != axis]:
                self._buffers[name] = torch.zeros(t.shape, dtype=buf.dtype, device=buf.device)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    # -- fitting ---------------------------------------------------------------------------

    @property
    def is_fitted(self) -> bool:
        return int(self.fitted) > 0

    def _flat(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(len(x), -1)

    def kernel(self, A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
        """``k(A_i, B_j)`` with this model's kernel and its resolved gamma; (n, m)."""
        c = self.config
        return kernel_matrix(A, B, c.kernel, float(self.gamma_value), c.degree, c.coef0)

    @torch.no_grad()
    def fit(self, X: torch.Tensor, y: torch.Tensor | None = None) -> SVM:
        """Solve every binary problem on ``X`` (N, *sample_shape) with labels ``y`` (N,).

        :raises InputError: for a wrong shape, non-finite values, labels out of range or of
            a single class.
        """
        self.check(X, finite=True)
        if y is None:
            raise InputError("svm needs labels y to fit; got None")
        check_labels(y, len(X), self.config.n_classes, name=f"{self.model_id} labels")
        if len(torch.unique(y)) < 2:
            raise InputError(f"svm needs samples of at least 2 classes to fit; y holds only "
                             f"class {int(y[0]) if len(y) else '(none)'}")
        c = self.config
        Xf = self._flat(X)                                                # (N, D)
        dev, f64 = X.device, torch.float64
        self.gamma_value.fill_(resolve_gamma(c.gamma, Xf))
        signs = problem_signs(y, c.n_classes, c.multiclass)               # (N, P)
        if c.solver == "primal":
            W, steps = primal_newton(Xf, signs, c.C, c.tol, c.max_iter or 100)
            self.weight.copy_(W[:, :-1])
            self.rho.copy_(-W[:, -1])                                     # f = w.x - rho
            self.n_iter.copy_(steps)
            self._set_support(torch.zeros(0, dtype=torch.long, device=dev), Xf, y,
                              torch.zeros(len(W), 0, dtype=f64, device=dev))
        else:
            kdt = torch.float64 if c.kernel_dtype == "float64" else torch.float32
            K = self.kernel(Xf.to(kdt), Xf.to(kdt))                       # (N, N)
            idx, ys = stack_problems(signs)                               # (P, n)
            max_iter = c.max_iter or max(10_000_000, 100 * len(X))
            alpha, rho, steps = smo(K, idx, ys, c.C, c.tol, max_iter)
            del K
            self.rho.copy_(rho)
            self.n_iter.copy_(steps)
            is_sv = alpha > 0                                             # (P, n)
            used = torch.zeros(len(X), dtype=torch.bool, device=dev)
            used[idx[is_sv]] = True
            # support vectors ordered by class, then by index (scikit-learn's support_)
            sv = used.nonzero().flatten()
            sv = sv[torch.sort(y[sv], stable=True).indices]
            pos = torch.full((len(X),), -1, dtype=torch.long, device=dev)
            pos[sv] = torch.arange(len(sv), device=dev)
            dual = torch.zeros(len(rho), len(sv), dtype=f64, device=dev)  # (P, S)
            prob = torch.arange(len(rho), device=dev)[:, None].expand_as(idx)
            dual.index_put_((prob[is_sv], pos[idx[is_sv]]), (alpha * ys)[is_sv])
            self._set_support(sv, Xf, y, dual)
            if c.kernel == "linear":                                       # w = sum a y x
                self.weight.copy_(dual @ self.support_vectors.to(f64))
        self.fitted += 1
        if Xf.shape[1] == 2:                                              # for the 2-D plot
            self._plot_data = (Xf.detach().cpu(), y.detach().cpu())
        return self

    def _set_support(self, sv: torch.Tensor, Xf: torch.Tensor, y: torch.Tensor,
                     dual: torch.Tensor) -> None:
        self.support = sv
        self.support_vectors = Xf[sv].to(self.support_vectors.dtype)
        self.dual = dual
        self.n_support.copy_(torch.bincount(y[sv], minlength=self.config.n_classes))

    # -- inference ------------------------------------------------------------------------

    def _require_fitted(self) -> None:
        if not self.is_fitted:
            raise NotFittedError("svm is not fitted yet; call fit(X, y) first")

    def decision_values(self, x: torch.Tensor) -> torch.Tensor:
        """The decision value of each binary problem, ``f_p(x) = sum a y K(sv, x) - rho_p``;
        (B, P) float64. One-vs-one pair (a, b): f > 0 votes for a."""
        self.check(x, finite=True)
        self._require_fitted()
        xf = self._flat(x).to(torch.float64)
        if self.config.kernel == "linear":
            return xf @ self.weight.T - self.rho                          # w.x - rho
        kdt = torch.float64 if self.config.kernel_dtype == "float64" else torch.float32
        Kx = self.kernel(xf.to(kdt), self.support_vectors.to(kdt)).to(torch.float64)  # (B, S)
        return Kx @ self.dual.T - self.rho                                # (B, P)

    def scores(self, dec: torch.Tensor, confidences: bool | None = None) -> torch.Tensor:
        """Class scores (B, K) from the decision values (B, P).

        One-vs-one: the votes plus, with ``confidences`` (default ``break_ties``), the summed
        decision values squashed into (-1/3, 1/3) (scikit-learn's ``decision_function``),
        else minus k / K, which hands a tie to the lowest class k as libsvm does.
        """
        k = self.config.n_classes
        if k == 2:
            return torch.cat([dec, -dec], 1)                              # f > 0: class 0
        if self.config.multiclass == "ovr":
            return dec
        pairs = pair_index(k).to(dec.device)                              # (P, 2)
        won = (dec > 0).to(dec.dtype)                                     # vote for a
        votes = torch.zeros(len(dec), k, dtype=dec.dtype, device=dec.device)
        votes.index_add_(1, pairs[:, 0], won).index_add_(1, pairs[:, 1], 1 - won)
        conf = torch.zeros_like(votes)
        conf.index_add_(1, pairs[:, 0], dec).index_add_(1, pairs[:, 1], -dec)
        if self.config.break_ties if confidences is None else confidences:
            return votes + conf / (3 * (conf.abs() + 1))                  # ties by confidence
        return votes - torch.arange(k, device=dec.device, dtype=dec.dtype) / k  # to lowest

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.scores(self.decision_values(x))                       # (B, K) float64

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Class index of each sample of ``x`` (checked: shape, dtype, finite values)."""
        return self(x).argmax(1)

    def hinge_loss(self, dec: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Mean hinge loss ``max(0, 1 - s f)`` over every (sample, problem it belongs to)."""
        s = problem_signs(y, self.config.n_classes, self.config.multiclass).to(dec.dtype)
        return ((1 - s * dec).clamp_min(0) * s.abs()).sum() / s.abs().sum().clamp_min(1)

    @torch.no_grad()
    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Fit on the batch (the closed-form rule), then report its hinge loss and accuracy."""
        x, y = batch
        self.fit(x, y)
        return self.evaluation_step((x, y))

    @torch.no_grad()
    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x, y = batch
        dec = self.decision_values(x)
        if y is None:
            raise InputError("svm evaluation needs labels y; got None")
        acc = (self.scores(dec).argmax(1) == y).float().mean()
        return {"loss": self.hinge_loss(dec, y).float(), "accuracy": acc}

    # -- pictures ---------------------------------------------------------------------------

    def visualize(self, out_dir: Path) -> list[Path]:
        if not self.is_fitted:
            return []
        out_dir = Path(out_dir)
        if self.config.n_features == 2:
            return [plot_decision_regions(self, out_dir / "decision_regions.png")]
        shape = tuple(s for s in self.sample_shape if s != 1)
        if len(shape) == 2 and len(self.support_vectors):
            per = self.n_support.tolist()
            first = torch.tensor([sum(per[:c]) for c in range(len(per))])
            take = torch.cat([torch.arange(f, f + min(n, 10)) for f, n in zip(first, per)])
            imgs = self.support_vectors[take.to(self.support_vectors.device)].cpu()
            return [plots.image_grid(imgs.reshape(-1, *shape), out_dir / "support_vectors.png",
                                     f"support vectors, up to 10 per class ({len(self.support)}"
                                     " in all)", cmap="gray")]
        return []


def plot_decision_regions(model: SVM, path: Path, resolution: int = 300) -> Path:
    """Decision regions of a 2-D SVM, the boundary f = 0 and margins f = +-1 (two classes;
    for more, the boundaries between regions), training points, support vectors circled."""
    sv = model.support_vectors.detach().float().cpu()
    data = model._plot_data
    pts = data[0] if data is not None else sv
    lo, hi = pts.min(0).values, pts.max(0).values
    pad = 0.1 * (hi - lo) + 1e-3
    gx = torch.linspace(float(lo[0] - pad[0]), float(hi[0] + pad[0]), resolution)
    gy = torch.linspace(float(lo[1] - pad[1]), float(hi[1] + pad[1]), resolution)
    xx, yy = torch.meshgrid(gx, gy, indexing="xy")
    grid = torch.stack([xx.reshape(-1), yy.reshape(-1)], 1)             # (R^2, 2)
    dev = model.rho.device
    with torch.no_grad():
        dec = model.decision_values(grid.reshape(-1, *model.sample_shape).to(dev)).cpu()
        cls = model.scores(dec).argmax(1).reshape(resolution, resolution)
    k = model.config.n_classes
    fig, ax = plots.subplots(figsize=(6.5, 5.5))
    cmap = plots.colormap("coolwarm" if k == 2 else "tab10")
    ax.contourf(xx, yy, cls, levels=np.arange(k + 1) - 0.5, cmap=cmap, alpha=0.25)
    if k == 2:
        f = dec[:, 0].reshape(resolution, resolution)
        ax.contour(xx, yy, f, levels=[-1, 0, 1], colors="k", linestyles=["--", "-", "--"],
                   linewidths=[0.8, 1.4, 0.8])
    else:
        ax.contour(xx, yy, cls, levels=np.arange(k) + 0.5, colors="k", linewidths=1.0)
    if data is not None:
        ax.scatter(data[0][:, 0], data[0][:, 1], c=data[1], cmap=cmap, s=14,
                   vmin=0, vmax=k - 1, edgecolors="k", linewidths=0.3)
    ax.scatter(sv[:, 0], sv[:, 1], s=90, facecolors="none", edgecolors="k", linewidths=1.0,
               label=f"support vectors ({len(sv)})")
    c = model.config
    ax.set_title(f"SVM, {c.kernel} kernel, C={c.C:g}, gamma={float(model.gamma_value):.3g}"
                 + ("\nboundary f = 0 (solid), margins f = +-1 (dashed)" if k == 2 else ""))
    ax.legend(loc="upper right", fontsize=8)
    return plots._save(fig, path)


# -- scikit-learn API ---------------------------------------------------------------------------

class SVMClassifier(ClassifierMixin, BaseEstimator):
    """A kernel SVM as a scikit-learn classifier (like ``SVC``), on :class:`SVM`.

    Attributes after ``fit`` (scikit-learn's names): ``classes_``, ``support_`` (training
    indices of the support vectors, grouped by class), ``support_vectors_``, ``n_support_``,
    ``dual_coef_`` (one-vs-one: libsvm's layout (K - 1, n_SV); one-vs-rest: a_i y_i of each
    problem (K, n_SV); two classes: (1, n_SV) with the sign of ``decision_function``),
    ``intercept_``, ``coef_`` (linear kernel), ``n_iter_`` and ``model_``.

    :param C: soft-margin penalty.
    :param kernel: ``linear``, ``poly``, ``rbf``, ``laplacian`` or ``sigmoid``.
    :param degree: polynomial degree.
    :param gamma: a number > 0, ``scale`` or ``auto``.
    :param coef0: polynomial / sigmoid constant.
    :param tol: stopping tolerance (KKT violation for SMO).
    :param max_iter: most steps per problem; 0 or -1 = the default.
    :param multiclass: ``ovo`` or ``ovr`` (training strategy).
    :param decision_function_shape: ``ovr`` (n, K) or ``ovo`` (n, K(K-1)/2) raw pairwise
        values (one-vs-one training only), as ``SVC``.
    :param solver: ``smo`` or ``primal`` (linear kernel).
    :param kernel_dtype: ``float64`` or ``float32`` kernel matrices.
    :param break_ties: tied one-vs-one votes by confidence instead of to the lowest class.
    :param device: ``cpu``, ``cuda`` or ``auto``.
    """

    def __init__(self, C: float = 1.0, kernel: str = "rbf", degree: int = 3,
                 gamma: float | str = "scale", coef0: float = 0.0, tol: float = 1e-3,
                 max_iter: int = -1, multiclass: str = "ovo",
                 decision_function_shape: str = "ovr", solver: str = "smo",
                 kernel_dtype: str = "float64", break_ties: bool = False,
                 device: str = "cpu") -> None:
        self.C = C
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.tol = tol
        self.max_iter = max_iter
        self.multiclass = multiclass
        self.decision_function_shape = decision_function_shape
        self.solver = solver
        self.kernel_dtype = kernel_dtype
        self.break_ties = break_ties
        self.device = device

    def _check_X(self, X: Any, n_features: int | None) -> torch.Tensor:
        X = as_tensor(X, "X", torch.float64 if self.kernel_dtype == "float64" else torch.float32)
        if X.dim() != 2:
            raise InputError(f"X must be 2-D (n_samples, n_features), got shape {tuple(X.shape)}")
        check_input(X, (X.shape[1] if n_features is None else n_features,), name="X")
        return X

    def fit(self, X: Any, y: Any) -> SVMClassifier:
        """Fit on ``X`` (n_samples, n_features) and labels ``y`` (n_samples,) of any type."""
        from nnzoo.core.device import resolve_device
        from nnzoo.models.registry import create

        X = self._check_X(X, None)
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != X.shape[0]:
            raise InputError(f"y must have shape ({X.shape[0]},) to match X, got {y.shape}")
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise InputError(f"y holds a single class ({self.classes_[0]!r}); an SVM needs "
                             "at least 2" if len(self.classes_) else "y is empty")
        if self.decision_function_shape not in ("ovr", "ovo"):
            raise ConfigError("decision_function_shape must be ovr or ovo, got "
                              f"{self.decision_function_shape!r}")
        yi = torch.as_tensor(np.searchsorted(self.classes_, y), dtype=torch.long)
        device = resolve_device(self.device)
        model = create("svm", sample_shape=(X.shape[1],), n_classes=len(self.classes_),
                       kernel=self.kernel, C=self.C, gamma=self.gamma, degree=self.degree,
                       coef0=self.coef0, tol=self.tol, max_iter=max(0, int(self.max_iter)),
                       multiclass=self.multiclass, solver=self.solver,
                       kernel_dtype=self.kernel_dtype, break_ties=self.break_ties).to(device)
        model.support_vectors = model.support_vectors.to(X.dtype)
        model.fit(X.to(device), yi.to(device))
        self.model_ = model.eval()
        self.n_features_in_ = int(X.shape[1])
        self._expose()
        return self

    def _expose(self) -> None:
        """scikit-learn's fitted attributes from the model's buffers."""
        m, k = self.model_, len(self.classes_)
        self.support_ = m.support.cpu().numpy()
        self.support_vectors_ = m.support_vectors.cpu().numpy()
        self.n_support_ = m.n_support.cpu().numpy().astype(np.int32)
        self.n_iter_ = m.n_iter.cpu().numpy()
        self._gamma = float(m.gamma_value)
        dual, rho = m.dual.cpu().numpy(), m.rho.cpu().numpy()
        if k == 2:                                   # sign of decision_function: + = classes_[1]
            self.dual_coef_, self.intercept_ = -dual, rho.copy()
        elif m.config.multiclass == "ovr":
            self.dual_coef_, self.intercept_ = dual, -rho
        else:                                        # libsvm's layout of the pairwise coefs
            self.dual_coef_, self.intercept_ = libsvm_dual_layout(
                dual, m.n_support.cpu().numpy(), k), -rho
        if m.config.kernel == "linear":
            w = m.weight.cpu().numpy()
            self.coef_ = -w if k == 2 else w

    def _require_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit first")

    @torch.no_grad()
    def decision_function(self, X: Any) -> np.ndarray:
        """Two classes: (n,), positive for ``classes_[1]``. More: (n, K) (``ovr`` shape) or
        the pairwise values (n, K(K-1)/2) (``ovo`` shape, one-vs-one training)."""
        self._require_fitted()
        m = self.model_
        X = self._check_X(X, self.n_features_in_).to(m.rho.device)
        dec = m.decision_values(X)
        if len(self.classes_) == 2:
            return -dec[:, 0].cpu().numpy()
        if self.decision_function_shape == "ovo" and m.config.multiclass == "ovo":
            return dec.cpu().numpy()
        return m.scores(dec, confidences=True).cpu().numpy()

    def predict(self, X: Any) -> np.ndarray:
        """The predicted label of each sample (one-vs-one: votes, ties as ``break_ties``)."""
        self._require_fitted()
        m = self.model_
        X = self._check_X(X, self.n_features_in_).to(m.rho.device)
        return self.classes_[m.scores(m.decision_values(X)).argmax(1).cpu().numpy()]


def libsvm_dual_layout(dual: np.ndarray, n_support: np.ndarray, k: int) -> np.ndarray:
    """libsvm's ``sv_coef`` (K - 1, S) from per-pair coefficients (P, S): for pair (a, b), the
    coefficients of class-a support vectors go to row b - 1, those of class b to row a."""
    owner = np.repeat(np.arange(k), n_support)                           # class of each SV
    out = np.zeros((k - 1, dual.shape[1]))
    for p, (a, b) in enumerate(pair_index(k).tolist()):                  # K(K-1)/2 rows
        out[b - 1, owner == a] = dual[p, owner == a]
        out[a, owner == b] = dual[p, owner == b]
    return out


from nnzoo.models.registry import register_estimator  # noqa: E402

register_estimator("svm")(SVMClassifier)
