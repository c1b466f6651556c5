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
float64, and ``(G + alpha I) W = Hc^T Yc`` is solved by a float64 Cholesky factorisation
(half the flops of the largest step, in single precision). With ``n <= L`` the readout is
``ridge`` itself (its ``n x n`` kernel form). The readout lives in
:mod:`nnzoo.models.readout`, shared with the RBF network; the scikit-learn estimators are in
:mod:`nnzoo.models.feedforward.elm_estimator`, the plots in
:mod:`nnzoo.models.feedforward.elm_plots`.

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

import torch

from nnzoo.core.config import require
from nnzoo.core.errors import ConfigError
from nnzoo.models.base import Batch
from nnzoo.models.feedforward.elm_plots import plot_hidden_activations
from nnzoo.models.readout import (
    ALPHAS,
    ReadoutModel,
    check_alpha,
    check_fit_data,
    check_sample_shape,
    output_metrics,
    plot_predicted_vs_true,
    require_targets,
    standardization,
)
from nnzoo.models.registry import register

#: Projection neurons ``h = f(w . z + b)``; radial neurons ``h = exp(-dist^2 / s)``.
PROJECTION_KINDS = ("sigm", "tanh", "relu", "lin")
RADIAL_KINDS = {"rbf": 2.0, "rbf_l1": 1.0, "rbf_linf": float("inf")}  # kind -> cdist's p
NEURON_KINDS = PROJECTION_KINDS + tuple(RADIAL_KINDS)
_ALIASES = {"sigmoid": "sigm", "rbf_l2": "rbf", "linear": "lin"}


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


@register("elm", config=ELMConfig, learning="closed-form",
          rule="random hidden layer, ridge least-squares readout (leave-one-out penalty)",
          peer="hpelm", reference="https://github.com/akusok/hpelm")
class ELM(ReadoutModel[ELMConfig]):
    """Extreme learning machine for classification (``n_classes >= 2``) or regression
    (``n_classes == 0``).

    ``forward(x)`` returns the outputs ``h(x) W + b`` (B, K): class scores, or the regression
    targets. Every tensor is a buffer allocated at construction (the random hidden layer is
    drawn there from torch's global generator), so ``state_dict`` round-trips.

    :param config: an :class:`ELMConfig`.
    """

    automatic_optimization = False

    weight: torch.Tensor      # (P, D) projection weights
    bias: torch.Tensor        # (P,)
    centres: torch.Tensor     # (R, D) radial centres
    widths: torch.Tensor      # (R,)

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
        a = torch.addmm(self.bias, z, self.weight.T)                      # (B, P), P may be 0
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
        if len(cols) == len(self.layout) and len(self.layout) > 0 \
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
        y = require_targets(self.model_id, y)
        cfg = self.config
        if cfg.standardize:
            mean, scale = standardization(X.reshape(len(X), -1).to(self.x_mean.dtype))
            self.x_mean.copy_(mean)
            self.x_scale.copy_(scale)
        self.solve_readout(self.hidden(X), Y, generator, gcv_on_all_rows=True)   # H (n, L)
        keep = torch.randperm(len(X), generator=generator)[:500].to(X.device)
        self._plot_data = (X[keep].detach(), y[keep].detach())
        return self

    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """The rule applied to one batch: a closed-form fit on it; its training metrics."""
        x, y = batch
        y = require_targets(self.model_id, y)
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
        paths = [plot_hidden_activations(H, self.groups, out_dir / "hidden_activations.png")]
        if self.regression:
            paths.append(plot_predicted_vs_true(self.predict(X.to(self.x_mean.device)).cpu(),
                                                y.cpu(), out_dir / "predicted_vs_true.png",
                                                "ELM"))
        return paths


__all__ = ["ELM", "ELMConfig", "NEURON_KINDS", "PROJECTION_KINDS", "RADIAL_KINDS",
           "parse_neurons"]
