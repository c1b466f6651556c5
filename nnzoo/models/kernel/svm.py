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
``||x - z||^2 = ||x||^2 + ||z||^2 - 2 x.z``; on the CPU the Gram matrix ``X X^T`` is one BLAS
``syrk``), on the samples sorted by class, so that a one-vs-one problem's members are two runs
of rows; each step gathers the two kernel rows it needs. On the CPU the same SMO also runs
compiled by Numba, one problem at a time (:mod:`nnzoo.models.kernel.svm_numba`: the same
steps and multipliers without the per-step dispatch of thirty tensor operations;
``SVMConfig.backend``). Multipliers and gradients are float64; the kernel matrix is float64
or float32 (``kernel_dtype``; float32 halves its memory and is accurate to ~1e-7 relative, far below
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

The kernels and solvers (SMO, primal Newton) are in :mod:`nnzoo.models.kernel.svm_solvers`,
the scikit-learn estimator in :mod:`nnzoo.models.kernel.svm_estimator`, the plots in
:mod:`nnzoo.models.kernel.svm_plots`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch

from nnzoo.core.config import require
from nnzoo.core.errors import InputError, NotFittedError
from nnzoo.core.validation import check_labels
from nnzoo.models.base import Batch, Classifier
from nnzoo.models.kernel.svm_numba import is_compiled, smo_numba
from nnzoo.models.kernel.svm_plots import plot_decision_regions, plot_support_vectors
from nnzoo.models.kernel.svm_solvers import (
    KERNELS,
    kernel_matrix,
    pair_index,
    primal_newton,
    problem_signs,
    resolve_gamma,
    smo,
    stack_problems,
)
from nnzoo.models.registry import register

#: ``backend="auto"`` compiles the SMO when a binary problem has this many samples.
NUMBA_MIN_SAMPLES = 1000


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
    :param backend: the SMO's implementation: ``torch`` (the batched reference, any device),
        ``numba`` (compiled loops, CPU only; the same multipliers) or ``auto``: ``numba`` on
        the CPU once it is compiled in this process or when a binary problem has at least
        ``NUMBA_MIN_SAMPLES`` samples (where the torch loop takes longer than Numba's
        one-time compilation of about a second), else ``torch``.
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
    backend: Literal["auto", "torch", "numba"] = "auto"

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
        require(self.backend in ("auto", "torch", "numba"),
                f"backend must be auto, torch or numba, got {self.backend!r}")

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


# -- the model -----------------------------------------------------------------------------------

@register("svm", config=SVMConfig, learning="closed-form",
          rule="dual SMO with second-order working-set selection (WSS3), or primal Newton",
          peer="scikit-learn SVC", reference="https://github.com/cjlin1/libsvm")
class SVM(Classifier[SVMConfig]):
    """Soft-margin kernel support vector machine, multiclass by one-vs-one or one-vs-rest.

    ``fit(X, y)`` solves every binary problem (see the module docstring); ``forward(x)``
    returns class scores (B, K) whose argmax is the prediction: for one-vs-one the votes of
    the pairwise problems, ties to the lowest class as libsvm (or by confidence with
    ``break_ties``, see :meth:`scores`); for one-vs-rest the K decision values.
    :meth:`decision_values` gives the raw pairwise values (B, P).

    :param config: an :class:`SVMConfig`.
    """

    automatic_optimization = False

    support_vectors: torch.Tensor  # (S, D)
    dual: torch.Tensor             # a y (P, S) float64
    support: torch.Tensor          # (S,) training rows
    rho: torch.Tensor              # (P,) float64
    weight: torch.Tensor           # linear kernel: (P, D) float64
    n_support: torch.Tensor        # (K,) support vectors per class
    n_iter: torch.Tensor           # (P,) steps per problem
    gamma_value: torch.Tensor      # () float64, the resolved gamma
    fitted: torch.Tensor           # () long, fits so far

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
            if t is None or buf is None or t.dim() != buf.dim() or t.shape == buf.shape:
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
            # samples sorted by class: a one-vs-one problem's rows of K are two runs of
            # columns, read in order by the SMO's passes
            order = torch.sort(y, stable=True).indices                    # (N,)
            kdt = torch.float64 if c.kernel_dtype == "float64" else torch.float32
            Xs = Xf[order].to(kdt)
            K = self.kernel(Xs, Xs)                                       # (N, N)
            idx, ys = stack_problems(signs[order])                        # (P, n)
            max_iter = c.max_iter or max(10_000_000, 100 * len(X))
            solve = smo_numba if self._use_numba(K, ys.shape[1]) else smo
            alpha, rho, steps = solve(K, idx, ys, c.C, c.tol, max_iter)
            del K, Xs
            idx = order[idx]                                              # training rows
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

    def _use_numba(self, K: torch.Tensor, n: int) -> bool:
        """Whether the SMO runs compiled by Numba (see ``SVMConfig.backend``)."""
        backend = self.config.backend
        if backend == "numba" and K.device.type != "cpu":
            raise InputError(f"svm backend='numba' runs on the CPU; the data is on "
                             f"{K.device.type} (use backend='torch' or 'auto')")
        if backend != "auto":
            return backend == "numba"
        return K.device.type == "cpu" and (n >= NUMBA_MIN_SAMPLES or is_compiled(K.dtype))

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
        """Decision regions for 2-D inputs; for image inputs up to 10 support vectors per
        class."""
        if not self.is_fitted:
            return []
        out_dir = Path(out_dir)
        if self.config.n_features == 2:
            return [plot_decision_regions(self, out_dir / "decision_regions.png")]
        shape = tuple(s for s in self.sample_shape if s != 1)
        if len(shape) == 2 and len(self.support_vectors):
            return [plot_support_vectors(self, shape, out_dir / "support_vectors.png")]
        return []


__all__ = ["SVM", "SVMConfig"]
