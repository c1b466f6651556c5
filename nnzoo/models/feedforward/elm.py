"""Extreme learning machine: a random, fixed hidden layer and a least-squares readout.

Paper: G.-B. Huang, Q.-Y. Zhu, C.-K. Siew, "Extreme learning machine: Theory and
applications", Neurocomputing 70(1-3), 2006, https://doi.org/10.1016/j.neucom.2005.12.126.
Regularised readout: G.-B. Huang, H. Zhou, X. Ding, R. Zhang, "Extreme learning machine for
regression and multiclass classification", IEEE TSMC-B 42(2), 2012.
Leave-one-out selection: D. M. Allen, "The relationship between variable selection and data
augmentation and a method for prediction" (PRESS), Technometrics 16(1), 1974.

Reference implementation: hpelm (A. Akusok et al., "High-performance extreme learning
machines: a complete toolbox for big data applications", IEEE Access 3, 2015),
https://github.com/akusok/hpelm, whose neuron kinds and random draws this file follows.

The math. Inputs ``x`` (D,) are standardised, ``z = (x - m) / s`` (mean and standard
deviation of the training split; ``standardize=False`` keeps ``z = x``). The hidden layer
holds ``L`` neurons of the kinds named in ``neurons``, e.g. ``"sigm:500,rbf:200"``:

- projection neurons, ``a_j = w_j . z + b_j``: ``sigm`` ``h = 1 / (1 + exp(-a))``, ``tanh``,
  ``relu`` ``max(a, 0)``, ``lin`` ``h = a`` (``lin`` neurons copy input features: ``w_j`` is
  the j-th unit vector, ``b_j = 0``). ``w_j ~ N(0, I) * 3 / sqrt(D)`` and ``b_j ~ N(0, 1)``,
  as hpelm draws them;
- radial neurons, ``h = exp(-dist(z, c_j)^2 / s_j)`` with ``dist`` the L2 (``rbf``), L1
  (``rbf_l1``) or L-infinity (``rbf_linf``) distance; centres ``c_j ~ N(0, I)`` (points of
  the standardised input space) and widths ``s_j = |N(0, 1)| * D``, as hpelm draws them.

The hidden layer is drawn once, at construction, and never trained. With ``H`` (n, L) the
hidden outputs of the training split and ``Y`` (n, K) the targets (one-hot 0/1 rows for
classification, the target values for regression), the readout is ridge regression with an
unpenalised intercept,

    ``W = (Hc^T Hc + alpha I)^-1 Hc^T Yc``, ``b = mean(Y) - mean(H) W``,

``Hc``, ``Yc`` centred (:func:`nnzoo.core.linalg.ridge`). ``alpha="loo"`` picks ``alpha``
from the grid ``alphas`` by the leave-one-out error of the centred problem
(:func:`nnzoo.core.linalg.ridge_loo`, Allen's PRESS), on at most ``loo_samples`` training
rows. With more rows than that (and more rows than neurons) the exact leave-one-out error
would cost another pass of ``n L^2``; instead ``alpha`` is picked by generalized
cross-validation, leave-one-out's rotation-invariant form, computed exactly on all ``n`` rows
from the eigendecomposition of the Gram matrix the readout needs anyway
(:func:`nnzoo.core.linalg.ridge_gcv_gram`). A classifier predicts ``argmax_k (h W + b)_k``.

When there are more samples than neurons (``n > L``) the Gram matrix ``G = Hc^T Hc`` is
formed from float32 products of the centred features, only its blocks on and above the
diagonal (what hpelm gets from BLAS's symmetric rank-k update, in float64), accumulated in
float64, and ``(G + alpha I) W = Hc^T Yc`` is solved by a float64 Cholesky factorisation:
the solve :func:`nnzoo.core.linalg.ridge` performs, without its float64 copy and full
product of the ``n x L`` features (half the flops of the largest step, in single precision).
With ``n <= L`` the readout is ``ridge`` itself (its ``n x n`` kernel form).

Losses reported by :meth:`ELM.training_step` and :meth:`ELM.evaluation_step`: the mean
squared error of the outputs against the targets (one-hot rows for classification: the
quantity the readout minimises), with ``accuracy`` (classification) or ``mse`` and ``mae``
(regression).

``training_step((x, y))`` applies the rule to that batch: a full closed-form fit on it.
``fit(X, y)`` is the same on the whole training split (what the engine calls).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin

from nnzoo.core import plots
from nnzoo.core.config import require
from nnzoo.core.errors import ConfigError, InputError, NotFittedError
from nnzoo.core.linalg import ridge, ridge_gcv_gram, ridge_loo
from nnzoo.core.seed import isolated_rng
from nnzoo.core.validation import as_tensor
from nnzoo.models.base import Batch, Classifier
from nnzoo.models.registry import register, register_estimator

#: Projection neurons ``h = f(w . z + b)``; radial neurons ``h = exp(-dist^2 / s)``.
PROJECTION_KINDS = ("sigm", "tanh", "relu", "lin")
RADIAL_KINDS = {"rbf": 2.0, "rbf_l1": 1.0, "rbf_linf": float("inf")}  # kind -> cdist's p
NEURON_KINDS = PROJECTION_KINDS + tuple(RADIAL_KINDS)
_ALIASES = {"sigmoid": "sigm", "rbf_l2": "rbf", "linear": "lin"}

#: The default ridge penalties that leave-one-out chooses from.
ALPHAS = tuple(float(a) for a in np.logspace(-6, 4, 21))

#: Above this many samples per neuron the Gram matrix is formed directly (see the module doc).
GRAM_RATIO = 1


def parse_neurons(spec: str | Sequence[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    """``"sigm:500,rbf:200"`` or ``(("sigm", 500), ("rbf", 200))`` as ((kind, count), ...).

    :param spec: the neuron groups, in the order their outputs appear in the hidden layer.
    :raises ConfigError: for an unknown kind or a count below 1.
    """
    if isinstance(spec, str):
        items: list[tuple[str, Any]] = []
        for part in (p.strip() for p in spec.split(",") if p.strip()):
            kind, sep, count = part.partition(":")
            if not sep:
                raise ConfigError(f"neurons must be 'kind:count,...' (e.g. 'sigm:500,rbf:200'), "
                                  f"got {spec!r}")
            items.append((kind, count))
    else:
        try:
            items = [(str(k), c) for k, c in spec]
        except (TypeError, ValueError):
            raise ConfigError(f"neurons must be 'kind:count,...' or (kind, count) pairs, got "
                              f"{spec!r}") from None
    groups = []
    for kind, count in items:
        k = _ALIASES.get(kind.strip().lower(), kind.strip().lower())
        if k not in NEURON_KINDS:
            raise ConfigError(f"unknown neuron kind {kind!r}; known: {', '.join(NEURON_KINDS)}")
        try:
            c = int(count)
        except (TypeError, ValueError):
            raise ConfigError(f"neuron count of {kind!r} must be an integer, got "
                              f"{count!r}") from None
        if c < 1:
            raise ConfigError(f"neuron count of {kind!r} must be >= 1, got {c}")
        groups.append((k, c))
    if not groups:
        raise ConfigError("neurons must name at least one group, e.g. 'sigm:500'")
    return tuple(groups)


def check_alpha(alpha: float | str, alphas: Sequence[float], loo_samples: int) -> None:
    """Validate a readout's regularisation settings (shared with the RBF network)."""
    if isinstance(alpha, str):
        require(alpha == "loo", f"alpha must be 'loo' or a number >= 0, got {alpha!r}")
    else:
        require(math.isfinite(alpha) and alpha >= 0, f"alpha must be 'loo' or a number >= 0, "
                f"got {alpha}")
    require(len(alphas) >= 1 and all(math.isfinite(a) and a > 0 for a in alphas),
            f"alphas must be numbers > 0, got {alphas!r}")
    require(loo_samples >= 2, f"loo_samples must be >= 2, got {loo_samples}")


def check_sample_shape(sample_shape: Any) -> None:
    require(isinstance(sample_shape, tuple) and len(sample_shape) >= 1
            and all(isinstance(s, int) and s >= 1 for s in sample_shape),
            f"sample_shape must be positive sizes, got {sample_shape!r}")


@dataclass
class ELMConfig:
    """Hyperparameters of :class:`ELM`.

    :param sample_shape: shape of one input sample (flattened on entry).
    :param n_classes: number of classes; 0 means regression onto ``n_outputs`` targets.
    :param n_outputs: number of regression targets (used when ``n_classes == 0``).
    :param neurons: the hidden neuron groups, ``"kind:count,..."`` with kinds ``sigm``,
        ``tanh``, ``relu``, ``lin``, ``rbf`` (= ``rbf_l2``), ``rbf_l1``, ``rbf_linf``; a tuple
        of (kind, count) pairs is accepted and stored as the string.
    :param alpha: the ridge penalty of the readout, or ``"loo"`` to choose it from
        ``alphas`` by leave-one-out error.
    :param alphas: the candidate penalties of ``alpha="loo"``.
    :param loo_samples: up to this many training rows, alpha is picked by exact
        leave-one-out; beyond, by generalized cross-validation on all rows.
    :param standardize: standardise inputs by the training split's mean and standard
        deviation before the hidden layer (hpelm assumes standardised inputs).
    :param weight_scale: projection weights are ``N(0, 1) * weight_scale / sqrt(D)``.
    :param intercept: give the readout an unpenalised intercept; False fits ``h W`` alone,
        as hpelm does.
    """

    sample_shape: tuple[int, ...] = (1, 8, 8)
    n_classes: int = 10
    n_outputs: int = 1
    neurons: str = "sigm:500"
    alpha: float | str = "loo"
    alphas: tuple[float, ...] = ALPHAS
    loo_samples: int = 4000
    standardize: bool = True
    weight_scale: float = 3.0
    intercept: bool = True

    def __post_init__(self) -> None:
        check_sample_shape(self.sample_shape)
        require(self.n_classes == 0 or self.n_classes >= 2,
                f"n_classes must be >= 2 (or 0 for regression), got {self.n_classes}")
        require(self.n_outputs >= 1, f"n_outputs must be >= 1, got {self.n_outputs}")
        groups = parse_neurons(self.neurons)
        self.neurons = ",".join(f"{k}:{c}" for k, c in groups)
        d = math.prod(self.sample_shape)
        n_lin = sum(c for k, c in groups if k == "lin")
        require(n_lin <= d, f"lin neurons copy input features: at most {d}, got {n_lin}")
        check_alpha(self.alpha, self.alphas, self.loo_samples)
        require(self.weight_scale > 0, f"weight_scale must be > 0, got {self.weight_scale}")


# -- the readout, shared with the RBF network ------------------------------------------------

def select_alpha(H: torch.Tensor, Y: torch.Tensor, alphas: Sequence[float], loo_samples: int,
                 generator: torch.Generator | None = None, intercept: bool = True
                 ) -> tuple[float, torch.Tensor]:
    """The ridge penalty with the least leave-one-out error, and the error of each candidate.

    With ``intercept`` the problem is centred first (the intercept is not penalised). On more
    than ``loo_samples`` rows, a random subset of that size is scored (see the module
    docstring).
    """
    n = H.shape[0]
    if n > loo_samples:
        idx = torch.randperm(n, generator=generator)[:loo_samples].to(H.device)
        H, Y = H[idx], Y[idx]
    Hd, Yd = H.double(), Y.double()
    if intercept:
        Hd, Yd = Hd - Hd.mean(0), Yd - Yd.mean(0)
    best, errs = ridge_loo(Hd, Yd, list(alphas))                      # PRESS per alpha
    return best, errs


def gram(H: torch.Tensor, block: int = 512) -> torch.Tensor:
    """``H^T H`` (L, L) in float64 from float32 products of column blocks, computing only the
    blocks on and above the diagonal (the symmetric rank-k update hpelm gets from BLAS)."""
    L = H.shape[1]
    G = torch.empty(L, L, dtype=torch.float64, device=H.device)
    for s in range(0, L, block):                                     # a loop over blocks
        e = min(s + block, L)
        G[s:e, s:] = (H[:, s:e].T @ H[:, s:]).double()               # row block i, cols >= i
        G[e:, s:e] = G[s:e, e:].T                                    # mirror below
    return G


def fit_readout(H: torch.Tensor, Y: torch.Tensor, alpha: float, intercept: bool = True
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """Ridge readout with an unpenalised intercept: ``W`` (L, K) and ``b`` (K,), float64.

    ``W = (Hc^T Hc + alpha I)^-1 Hc^T Yc``, ``b = mean(Y) - mean(H) W``. With ``n <= L``
    this is :func:`nnzoo.core.linalg.ridge` (its kernel form); with ``n > L`` the Gram matrix
    is formed from the products of the centred features in ``H``'s precision (``H`` is
    centred in place: its values are overwritten) and solved by a float64 Cholesky
    factorisation, the same solve as ``ridge``'s. ``intercept=False`` solves
    ``(H^T H + alpha I) W = H^T Y`` with ``b = 0`` (hpelm's readout, which has no bias).
    """
    n, L = H.shape
    if n <= GRAM_RATIO * L:
        return ridge(H, Y, alpha, intercept=intercept)
    mh = H.mean(0, dtype=torch.float64)                              # (L,)
    my = Y.double().mean(0)                                          # (K,)
    if not intercept:
        mh, my = torch.zeros_like(mh), torch.zeros_like(my)
    Hc = H.sub_(mh.to(H.dtype))                                      # (n, L) centred in place
    G = gram(Hc)                                                     # (L, L) Hc^T Hc
    HtY = ((Y - my.to(Y.dtype)).T @ Hc).T.double()                   # (L, K) Hc^T Yc
    A = G.clone()
    A.diagonal().add_(alpha)                                         # Hc^T Hc + alpha I
    C, info = torch.linalg.cholesky_ex(A)                            # A = C C^T
    if int(info) == 0:
        W = torch.cholesky_solve(HtY, C)                             # (L, K)
    else:                                                            # singular (alpha = 0)
        lam, V = torch.linalg.eigh(G)                                # G = V lam V^T
        R = lam.clamp_min(0).sqrt()[:, None] * V.T                   # R^T R = G
        Z = torch.linalg.lstsq(R, HtY).solution                     # R^T Z = Hc^T Yc
        W, _ = ridge(R, Z, alpha)                                    # minimum-norm solution
    return W, my - mh @ W


def fit_readout_gcv(H: torch.Tensor, Y: torch.Tensor, alphas: Sequence[float],
                    intercept: bool = True) -> tuple[torch.Tensor, torch.Tensor, float]:
    """:func:`fit_readout` with ``alpha`` picked from ``alphas`` by generalized
    cross-validation on all rows (for ``n > L``; ``H`` is centred in place): ``W``, ``b`` and
    the chosen ``alpha``."""
    n = H.shape[0]
    mh = H.mean(0, dtype=torch.float64)                              # (L,)
    my = Y.double().mean(0)                                          # (K,)
    if not intercept:
        mh, my = torch.zeros_like(mh), torch.zeros_like(my)
    Hc = H.sub_(mh.to(H.dtype))                                      # (n, L) centred in place
    Yc = Y - my.to(Y.dtype)                                          # (n, K)
    G = gram(Hc)                                                     # (L, L) Hc^T Hc
    HtY = (Yc.T @ Hc).T.double()                                     # (L, K) Hc^T Yc
    yty = float(Yc.double().pow(2).sum())                            # ||Yc||^2
    alpha, W, _ = ridge_gcv_gram(G, HtY, yty, n, list(alphas), centred=intercept)
    return W, my - mh @ W, alpha


def targets(y: torch.Tensor, n_classes: int, n_outputs: int, name: str = "y") -> torch.Tensor:
    """Checked targets as a float matrix (n, K): one-hot rows, or regression values."""
    if n_classes:
        if y.is_floating_point() or y.dtype == torch.bool:
            raise InputError(f"{name} must hold integer class labels, got dtype {y.dtype}")
        if y.dim() != 1:
            raise InputError(f"{name} must have shape (n,) of class labels, got "
                             f"{tuple(y.shape)}")
        if y.numel() and (int(y.min()) < 0 or int(y.max()) >= n_classes):
            raise InputError(f"{name} must hold labels in [0, {n_classes}), got "
                             f"[{int(y.min())}, {int(y.max())}]")
        return torch.nn.functional.one_hot(y.long(), n_classes).float()  # (n, K)
    if not y.is_floating_point():
        y = y.float()
    Y = y.reshape(len(y), -1)
    if Y.shape[1] != n_outputs:
        raise InputError(f"{name} must have {n_outputs} target value(s) per sample, got shape "
                         f"{tuple(y.shape)}")
    if Y.numel() and not bool(torch.isfinite(Y).all()):
        raise InputError(f"{name} holds NaN or infinite values")
    return Y


def check_fit_data(model: Classifier, X: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
    """Checks shared by the closed-form fits: shape, finite values, matching lengths, and at
    least two classes; returns the target matrix."""
    model.check(X, finite=True)
    if y is None:
        raise InputError(f"{model.model_id} is supervised: fit needs targets y")
    if y.dim() < 1 or y.shape[0] != X.shape[0]:
        raise InputError(f"X has {X.shape[0]} samples but y has "
                         f"{y.shape[0] if y.dim() else 'no'} (they must match)")
    if X.shape[0] < 2:
        raise InputError(f"{model.model_id} needs at least 2 samples to fit, got {X.shape[0]}")
    cfg = model.config
    Y = targets(y, cfg.n_classes, cfg.n_outputs)
    if cfg.n_classes and int(torch.unique(y).numel()) < 2:
        raise InputError(f"y holds a single class ({int(y[0])}); a classifier needs at least 2")
    return Y.to(X.device)


def output_metrics(scores: torch.Tensor, y: torch.Tensor, n_classes: int, n_outputs: int
                   ) -> dict[str, torch.Tensor]:
    """``loss`` = mean squared error of the outputs against the targets (one-hot rows for
    classification), with ``accuracy`` or ``mse`` and ``mae``."""
    Y = targets(y, n_classes, n_outputs).to(scores)
    err = scores.float() - Y.float()
    out = {"loss": err.pow(2).mean()}
    if n_classes:
        out["accuracy"] = (scores.argmax(1) == y).float().mean()
    else:
        out["mse"] = out["loss"]
        out["mae"] = err.abs().mean()
    return out


def standardization(X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and standard deviation of each feature (D,); a constant feature gets scale 1."""
    mean = X.mean(0)
    std = X.std(0, unbiased=False)
    return mean, torch.where(std > 1e-8 * (1 + mean.abs()), std, torch.ones_like(std))


# -- the model ----------------------------------------------------------------------------------

class ReadoutModel(Classifier):
    """What the ridge-readout models (the ELM, the RBF network) share: they classify
    (``n_classes >= 2``, ``predict`` gives class indices) or regress (``n_classes == 0``,
    ``predict`` gives the target values), and report :func:`output_metrics`."""

    @property
    def regression(self) -> bool:
        return self.config.n_classes == 0

    @torch.no_grad()
    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x, y = batch
        if y is None:
            raise InputError(f"{self.model_id} evaluation needs targets y")
        return output_metrics(self(x), y, self.config.n_classes, self.config.n_outputs)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Class indices (B,) for a classifier, target values (B, n_outputs) for a regressor."""
        self.check(x, finite=True)
        if not bool(self.fitted):
            raise NotFittedError(f"{self.model_id} is not fitted yet; call fit first")
        out = self(x)
        return out if self.regression else out.argmax(1)


@register("elm", config=ELMConfig, learning="closed-form",
          rule="random hidden layer, ridge least-squares readout (leave-one-out penalty)",
          peer="hpelm", reference="https://github.com/akusok/hpelm")
class ELM(ReadoutModel):
    """Extreme learning machine for classification (``n_classes >= 2``) or regression
    (``n_classes == 0``).

    ``forward(x)`` returns the outputs ``h(x) W + b`` (B, K): class scores, or the regression
    targets. Every tensor is a buffer allocated at construction (the random hidden layer is
    drawn there from torch's global generator), so ``state_dict`` round-trips.

    :param config: an :class:`ELMConfig`.
    """

    automatic_optimization = False

    def __init__(self, config: ELMConfig) -> None:
        super().__init__(config)
        d = math.prod(config.sample_shape)
        self.n_inputs = d
        self.groups = parse_neurons(config.neurons)
        self.n_hidden = sum(c for _, c in self.groups)
        k = config.n_classes or config.n_outputs
        # where each group's neurons live: (kind, start, stop) in weight/bias or centres/widths
        self.layout: list[tuple[str, int, int]] = []
        n_proj = n_rad = 0
        for kind, c in self.groups:
            start = n_rad if kind in RADIAL_KINDS else n_proj
            self.layout.append((kind, start, start + c))
            if kind in RADIAL_KINDS:
                n_rad += c
            else:
                n_proj += c
        weight = torch.randn(n_proj, d) * (config.weight_scale / math.sqrt(d))  # (P, D)
        bias = torch.randn(n_proj)                                                # (P,)
        for kind, a, b in self.layout:
            if kind == "lin":                       # lin neurons copy input features
                weight[a:b] = torch.eye(b - a, d)
                bias[a:b] = 0
        self.register_buffer("weight", weight)
        self.register_buffer("bias", bias)
        self.register_buffer("centres", torch.randn(n_rad, d))                  # (R, D)
        self.register_buffer("widths", torch.randn(n_rad).abs() * d)            # (R,)
        self.register_buffer("x_mean", torch.zeros(d))
        self.register_buffer("x_scale", torch.ones(d))
        self.register_buffer("out_weight", torch.zeros(self.n_hidden, k))       # W (L, K)
        self.register_buffer("out_bias", torch.zeros(k))                        # b (K,)
        self.register_buffer("alpha_", torch.zeros((), dtype=torch.float64))   # penalty used
        self.register_buffer("fitted", torch.zeros((), dtype=torch.bool))
        self._plot_data: tuple[torch.Tensor, torch.Tensor] | None = None

    # -- the hidden layer -------------------------------------------------------------------

    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        """Hidden-layer outputs ``h`` (B, L) of a batch ``x`` (B, *sample_shape), unchecked."""
        z = (x.reshape(len(x), -1) - self.x_mean) / self.x_scale          # (B, D) standardised
        a = torch.addmm(self.bias, z, self.weight.T) if len(self.weight) else None  # (B, P)
        cols = []
        for kind, s, e in self.layout:
            if kind in RADIAL_KINDS:
                dist = torch.cdist(z, self.centres[s:e], p=RADIAL_KINDS[kind])  # (B, c)
                cols.append(dist.pow_(2).div_(-self.widths[s:e]).exp_())  # exp(-d^2 / s_j)
                continue
            aj = a[:, s:e]                                                # w_j . z + b_j
            if kind == "sigm":
                aj.sigmoid_()                                             # 1 / (1 + e^-a)
            elif kind == "tanh":
                aj.tanh_()
            elif kind == "relu":
                aj.relu_()                                                # max(a, 0)
            cols.append(aj)                                               # lin: a itself
        if a is not None and len(cols) == len(self.layout) and len(self.layout) > 0 \
                and all(k not in RADIAL_KINDS for k, _, _ in self.layout):
            return a                                      # projection groups only: in order
        return cols[0] if len(cols) == 1 else torch.cat(cols, 1)         # (B, L)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check(x)
        return torch.addmm(self.out_bias, self.hidden(x), self.out_weight)  # (B, K) h W + b

    # -- the learning rule ------------------------------------------------------------------

    @torch.no_grad()
    def fit(self, X: torch.Tensor, y: torch.Tensor | None = None,
            generator: torch.Generator | None = None) -> ELM:
        """Closed-form fit on all of ``X`` (n, *sample_shape) and ``y`` (labels (n,), or
        regression targets (n,) / (n, n_outputs)).

        :param generator: draws the leave-one-out subset (torch's global generator if None).
        :raises InputError: for mismatched lengths, a single class, non-finite values.
        """
        Y = check_fit_data(self, X, y)
        cfg = self.config
        if cfg.standardize:
            mean, scale = standardization(X.reshape(len(X), -1).to(self.x_mean.dtype))
            self.x_mean.copy_(mean)
            self.x_scale.copy_(scale)
        H = self.hidden(X)                                                # (n, L)
        n, L = H.shape
        if cfg.alpha == "loo" and n > cfg.loo_samples and n > GRAM_RATIO * L:
            W, b, alpha = fit_readout_gcv(H, Y.to(H.dtype), cfg.alphas,   # GCV on all rows
                                          cfg.intercept)
        else:
            if cfg.alpha == "loo":
                alpha, _ = select_alpha(H, Y, cfg.alphas, cfg.loo_samples, generator,
                                        cfg.intercept)
            else:
                alpha = float(cfg.alpha)
            W, b = fit_readout(H, Y.to(H.dtype), alpha, cfg.intercept)
        self.out_weight.copy_(W)
        self.out_bias.copy_(b)
        self.alpha_.fill_(alpha)
        self.fitted.fill_(True)
        keep = torch.randperm(len(X), generator=generator)[:500].to(X.device)
        self._plot_data = (X[keep].detach(), y[keep].detach())
        return self

    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """The rule applied to one batch: a closed-form fit on it; its training metrics."""
        x, y = batch
        self.fit(x, y)
        with torch.no_grad():
            return output_metrics(self(x), y, self.config.n_classes, self.config.n_outputs)

    # -- pictures ---------------------------------------------------------------------------

    def visualize(self, out_dir: Path) -> list[Path]:
        """Histogram of the hidden activations of each neuron kind on training samples, and
        predicted against true values for a regressor (the runner draws the confusion matrix
        of a classifier)."""
        if self._plot_data is None or not bool(self.fitted):
            return []
        out_dir = Path(out_dir)
        X, y = self._plot_data
        with torch.no_grad():
            H = self.hidden(X.to(self.x_mean.device)).float().cpu()
        fig, ax = plots.subplots(figsize=(6, 3.6))
        col = 0
        for kind, c in self.groups:
            vals = H[:, col:col + c].reshape(-1).numpy()
            ax.hist(vals, bins=60, alpha=0.55, label=f"{kind} ({c})", density=True)
            col += c
        ax.set_xlabel("hidden activation h")
        ax.set_ylabel("density")
        ax.legend(fontsize=8)
        ax.set_title(f"ELM hidden activations on {len(X)} training samples")
        paths = [plots._save(fig, out_dir / "hidden_activations.png")]
        if self.regression:
            paths.append(plot_predicted_vs_true(self.predict(X.to(self.x_mean.device)).cpu(),
                                                y.cpu(), out_dir / "predicted_vs_true.png",
                                                "ELM"))
        return paths


def plot_predicted_vs_true(pred: torch.Tensor, y: torch.Tensor, path: Path, name: str) -> Path:
    """Scatter of predicted against true values (first target) with the identity line."""
    p = pred.reshape(len(pred), -1)[:, 0].float().numpy()
    t = y.reshape(len(y), -1)[:, 0].float().numpy()
    fig, ax = plots.subplots(figsize=(4.2, 4.2))
    ax.scatter(t, p, s=8, alpha=0.6)
    lo, hi = float(min(t.min(), p.min())), float(max(t.max(), p.max()))
    ax.plot([lo, hi], [lo, hi], color="black", lw=1)
    ax.set_xlabel("true")
    ax.set_ylabel("predicted")
    ax.set_title(f"{name}: predicted vs true (training samples)")
    return plots._save(fig, path)


# -- scikit-learn API ---------------------------------------------------------------------------

class _ELMEstimator(BaseEstimator):
    """The shared body of :class:`ELMClassifier` and :class:`ELMRegressor`."""

    _classification = True

    def __init__(self, neurons: str | Sequence[tuple[str, int]] = "sigm:500",
                 alpha: float | str = "loo", alphas: Sequence[float] | None = None,
                 loo_samples: int = 4000, standardize: bool = True, random_state: int = 0,
                 device: str = "cpu", dtype: str = "float32", intercept: bool = True) -> None:
        self.neurons = neurons
        self.alpha = alpha
        self.alphas = alphas
        self.loo_samples = loo_samples
        self.standardize = standardize
        self.random_state = random_state
        self.device = device
        self.dtype = dtype
        self.intercept = intercept

    def _torch_dtype(self) -> torch.dtype:
        dtype = getattr(self, "dtype", "float32")        # estimators built on this one
        if dtype not in ("float32", "float64"):
            raise ConfigError(f"dtype must be float32 or float64, got {dtype!r}")
        return torch.float64 if dtype == "float64" else torch.float32

    def _check_X(self, X: Any, *, fitting: bool) -> torch.Tensor:
        X = as_tensor(X, "X")
        if X.dim() != 2:
            raise InputError(f"X must be 2-D (n_samples, n_features), got shape "
                             f"{tuple(X.shape)}")
        if not fitting and X.shape[1] != self.n_features_in_:
            raise InputError(f"X must have {self.n_features_in_} features, got {X.shape[1]}")
        if X.numel() and not bool(torch.isfinite(X).all()):
            raise InputError("X holds NaN or infinite values")
        return X

    def _targets(self, X: torch.Tensor, y: Any) -> tuple[torch.Tensor, int, int]:
        y = np.asarray(y)
        if y.ndim == 0 or y.shape[0] != X.shape[0]:
            raise InputError(f"X has {X.shape[0]} samples but y has "
                             f"{y.shape[0] if y.ndim else 'none'} (they must match)")
        if self._classification:
            if y.ndim != 1:
                raise InputError(f"y must be 1-D class labels, got shape {y.shape}")
            self.classes_ = np.unique(y)
            if len(self.classes_) < 2:
                raise InputError(f"y holds a single class ({self.classes_[0]!r}); need at "
                                 "least 2")
            return torch.as_tensor(np.searchsorted(self.classes_, y)), len(self.classes_), 1
        yt = as_tensor(y, "y")
        if not bool(torch.isfinite(yt).all()):
            raise InputError("y holds NaN or infinite values")
        self._y_1d = yt.dim() == 1
        return yt, 0, int(np.prod(yt.shape[1:])) if yt.dim() > 1 else 1

    def _model_kwargs(self) -> dict[str, Any]:
        neurons = ",".join(f"{k}:{c}" for k, c in parse_neurons(self.neurons))
        kw: dict[str, Any] = {"neurons": neurons, "alpha": self.alpha,
                              "loo_samples": self.loo_samples, "standardize": self.standardize,
                              "intercept": bool(self.intercept)}
        if self.alphas is not None:
            kw["alphas"] = tuple(float(a) for a in self.alphas)
        return kw

    def fit(self, X: Any, y: Any) -> _ELMEstimator:
        """Fit on ``X`` (n_samples, n_features) and ``y`` (labels, or regression targets)."""
        from nnzoo.core.device import resolve_device
        from nnzoo.models.registry import create

        dtype = self._torch_dtype()
        X = self._check_X(X, fitting=True)
        yt, n_classes, n_outputs = self._targets(X, y)
        device = resolve_device(self.device)
        with isolated_rng(int(self.random_state), device):  # the caller's generators are kept
            model = create(self.model_id, sample_shape=(X.shape[1],), n_classes=n_classes,
                           n_outputs=n_outputs, **self._model_kwargs()).to(device, dtype)
            gen = torch.Generator().manual_seed(int(self.random_state))
            if yt.is_floating_point():
                yt = yt.to(dtype)
            model.fit(X.to(device, dtype), yt.to(device), generator=gen)
        self.model_ = model.eval()
        self.n_features_in_ = int(X.shape[1])
        self.alpha_ = float(model.alpha_)
        return self

    model_id = "elm"

    def _require_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit first")

    @torch.no_grad()
    def _outputs(self, X: Any) -> np.ndarray:
        self._require_fitted()
        ref = self.model_.x_mean
        X = self._check_X(X, fitting=False).to(ref.device, ref.dtype)
        return self.model_(X).double().cpu().numpy()

    @torch.no_grad()
    def transform(self, X: Any) -> np.ndarray:
        """The hidden-layer outputs, shape (n_samples, n_hidden)."""
        self._require_fitted()
        ref = self.model_.x_mean
        X = self._check_X(X, fitting=False).to(ref.device, ref.dtype)
        return self.model_.hidden(X).cpu().numpy()


class ELMClassifier(ClassifierMixin, TransformerMixin, _ELMEstimator):
    """Extreme learning machine classifier (:mod:`nnzoo.models.feedforward.elm`), sklearn style.

    Labels are one-hot coded (0/1) for the least-squares readout; ``predict`` is the arg-max
    of the outputs.

    :param neurons: hidden neuron groups, ``"sigm:500,rbf:200"`` or ((kind, count), ...).
    :param alpha: ridge penalty of the readout, or ``"loo"`` (leave-one-out choice).
    :param alphas: candidate penalties for ``"loo"`` (default: 1e-6 ... 1e4).
    :param loo_samples: rows up to which alpha is picked by exact leave-one-out (GCV beyond).
    :param standardize: standardise the inputs by the training mean and deviation.
    :param random_state: seeds the random hidden layer.
    :param device: ``cpu``, ``cuda`` or ``auto``.
    :param dtype: ``float32`` (default) or ``float64`` (hpelm's precision) for the hidden
        layer and the readout's products.
    :param intercept: give the readout an unpenalised intercept (False: none, as hpelm).
    """

    def decision_function(self, X: Any) -> np.ndarray:
        """The readout's outputs, shape (n_samples, n_classes)."""
        return self._outputs(X)

    def predict(self, X: Any) -> np.ndarray:
        """The predicted label of each sample."""
        scores = self._outputs(X)  # checks that the model is fitted first
        return self.classes_[scores.argmax(1)]


class ELMRegressor(RegressorMixin, TransformerMixin, _ELMEstimator):
    """Extreme learning machine regressor (:mod:`nnzoo.models.feedforward.elm`), sklearn style.

    :param neurons: hidden neuron groups, ``"sigm:500,rbf:200"`` or ((kind, count), ...).
    :param alpha: ridge penalty of the readout, or ``"loo"`` (leave-one-out choice).
    :param alphas: candidate penalties for ``"loo"`` (default: 1e-6 ... 1e4).
    :param loo_samples: rows up to which alpha is picked by exact leave-one-out (GCV beyond).
    :param standardize: standardise the inputs by the training mean and deviation.
    :param random_state: seeds the random hidden layer.
    :param device: ``cpu``, ``cuda`` or ``auto``.
    :param dtype: ``float32`` (default) or ``float64`` (hpelm's precision) for the hidden
        layer and the readout's products.
    :param intercept: give the readout an unpenalised intercept (False: none, as hpelm).
    """

    _classification = False

    def predict(self, X: Any) -> np.ndarray:
        """Predicted targets: (n_samples,) when fitted on 1-D ``y``, else (n_samples, k)."""
        out = self._outputs(X)
        return out[:, 0] if self._y_1d else out


register_estimator("elm")(ELMClassifier)

__all__ = ["ELM", "ELMClassifier", "ELMConfig", "ELMRegressor", "fit_readout",
           "parse_neurons", "select_alpha"]
