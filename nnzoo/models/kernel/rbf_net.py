"""Radial basis function network: k-means centres, heuristic widths, a least-squares readout,
and optional gradient fine-tuning of all three.

Papers: D. S. Broomhead, D. Lowe, "Multivariable functional interpolation and adaptive
networks", Complex Systems 2(3), 1988, https://www.complex-systems.com/abstracts/v02_i03_a05/
(the network and its least-squares output layer); J. Moody, C. J. Darken, "Fast learning in
networks of locally-tuned processing units", Neural Computation 1(2), 1989,
https://doi.org/10.1162/neco.1989.1.2.281 (centres by k-means, widths from the p nearest
centres). k-means++ seeding: D. Arthur, S. Vassilvitskii, "k-means++: the advantages of
careful seeding", SODA 2007; Lloyd's iteration: S. P. Lloyd, "Least squares quantization in
PCM", IEEE Trans. Inf. Theory 28(2), 1982; mini-batch k-means: D. Sculley, "Web-scale
k-means clustering", WWW 2010. Multiquadric basis: R. L. Hardy, "Multiquadric equations of
topography and other irregular surfaces", J. Geophys. Res. 76(8), 1971.

Reference implementation: scikit-learn's ``KMeans`` for the centres (whose inertia the tests
match), and the RBF layer of hpelm (``rbf_l2`` neurons, https://github.com/akusok/hpelm)
for the network it is benchmarked against.

The math. Inputs are standardised, ``z = (x - m) / s`` (training mean and deviation). With
``K`` centres ``c_j`` and widths ``sigma_j``, ``r_j = |z - c_j|`` and

- ``gaussian``:  ``phi_j = exp(-r_j^2 / (2 sigma_j^2))``,
- ``multiquadric``: ``phi_j = sqrt(r_j^2 + sigma_j^2)`` (Hardy),
- ``inverse-multiquadric``: ``phi_j = 1 / sqrt(r_j^2 + sigma_j^2)``;

the outputs are ``phi W + b`` (K -> n_outputs or n_classes). Training (:meth:`RBFNet.fit`):

1. centres: ``kmeans`` = k-means++ seeding, then Lloyd's iterations ``assign each sample to
   its nearest centre; move each centre to the mean of its samples`` (a centre that loses
   every sample stays put, so the inertia ``sum_i min_j |z_i - c_j|^2`` never increases),
   until the centres move less than ``kmeans_tol`` (relative to the data's variance) or
   ``kmeans_iter`` iterations; ``random`` = ``K`` distinct training samples;
2. widths: ``nearest`` (Moody & Darken): ``sigma_j = width_scale * mean distance from c_j to
   its width_p nearest other centres``; ``dmax``: one width for all,
   ``sigma = width_scale * d_max / sqrt(2 K)`` with ``d_max`` the largest distance between
   centres (Haykin, "Neural Networks", sec. 5.8). Widths are floored at 1e-3 x their median;
3. readout: ridge regression with an unpenalised intercept on the basis outputs, the penalty
   chosen by leave-one-out (:func:`nnzoo.models.readout.fit_readout`, shared with the ELM);
4. fine-tuning (``finetune_epochs > 0``, or :meth:`RBFNet.finetune` directly): Adam on the
   centres, the log-widths and the readout, minimising the readout's own objective
   ``mean |phi W + b - Y|^2 + alpha |W|^2 / (n K)`` over shuffled minibatches.

Targets are one-hot 0/1 rows for classification (``predict`` = arg-max) and the values for
regression. The ``loss`` reported is the mean squared error against those targets.

``training_step((x, y))`` is the online version of steps 1-3 on one batch: the first batch
seeds the centres (k-means++; a batch smaller than ``n_centres`` reuses its samples) and the
input standardisation, every batch moves the centres by one mini-batch k-means step
(Sculley 2010: ``c_j <- c_j + (n_j / N_j) (mean of its batch samples - c_j)`` with ``N_j``
the samples it has absorbed so far), recomputes the widths and refits the readout on the
batch. ``fit(X, y)`` (what the engine calls) is the batch algorithm on the whole split.

k-means lives in :mod:`nnzoo.models.kernel.kmeans`, the readout in
:mod:`nnzoo.models.readout`; the scikit-learn estimators are in
:mod:`nnzoo.models.kernel.rbf_net_estimator`, the plots in
:mod:`nnzoo.models.kernel.rbf_net_plots`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch

from nnzoo.core.config import require
from nnzoo.core.errors import InputError, NotFittedError
from nnzoo.models.base import Batch
from nnzoo.models.kernel.kmeans import kmeans, kmeans_pp, sq_distances
from nnzoo.models.kernel.rbf_net_plots import plot_centres
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

BASES = ("gaussian", "multiquadric", "inverse-multiquadric")


@dataclass
class RBFNetConfig:
    """Hyperparameters of :class:`RBFNet`.

    :param sample_shape: shape of one input sample (flattened on entry).
    :param n_classes: number of classes; 0 means regression onto ``n_outputs`` targets.
    :param n_outputs: number of regression targets (used when ``n_classes == 0``).
    :param n_centres: number of radial basis functions K.
    :param centres: ``kmeans`` (k-means++ then Lloyd) or ``random`` (distinct samples).
    :param kmeans_iter: at most this many Lloyd iterations.
    :param kmeans_tol: Lloyd stops when the squared centre shift is below this x the mean
        feature variance.
    :param basis: ``gaussian``, ``multiquadric`` or ``inverse-multiquadric``.
    :param width: ``nearest`` (mean distance to the ``width_p`` nearest centres, per centre)
        or ``dmax`` (``d_max / sqrt(2 K)`` for all).
    :param width_p: the p of the ``nearest`` rule.
    :param width_scale: multiplies every width.
    :param alpha: ridge penalty of the readout, or ``"loo"`` (leave-one-out choice).
    :param alphas: candidate penalties of ``"loo"``.
    :param loo_samples: at most this many rows enter the leave-one-out selection.
    :param standardize: standardise inputs by the training mean and deviation.
    :param finetune_epochs: epochs of gradient fine-tuning after the closed-form fit (0: none).
    :param finetune_lr: Adam's learning rate for fine-tuning.
    :param finetune_batch: minibatch size for fine-tuning.
    :param intercept: give the readout an unpenalised intercept; False fits ``phi W`` alone,
        as hpelm's ``rbf_l2`` neurons do.
    """

    sample_shape: tuple[int, ...] = (1, 8, 8)
    n_classes: int = 10
    n_outputs: int = 1
    n_centres: int = 100
    centres: Literal["kmeans", "random"] = "kmeans"
    kmeans_iter: int = 100
    kmeans_tol: float = 1e-4
    basis: Literal["gaussian", "multiquadric", "inverse-multiquadric"] = "gaussian"
    width: Literal["nearest", "dmax"] = "nearest"
    width_p: int = 2
    width_scale: float = 1.0
    alpha: float | str = "loo"
    alphas: tuple[float, ...] = ALPHAS
    loo_samples: int = 4000
    standardize: bool = True
    finetune_epochs: int = 0
    finetune_lr: float = 0.01
    finetune_batch: int = 256
    intercept: bool = True

    def __post_init__(self) -> None:
        check_sample_shape(self.sample_shape)
        require(self.n_classes == 0 or self.n_classes >= 2,
                f"n_classes must be >= 2 (or 0 for regression), got {self.n_classes}")
        require(self.n_outputs >= 1, f"n_outputs must be >= 1, got {self.n_outputs}")
        require(self.n_centres >= 1, f"n_centres must be >= 1, got {self.n_centres}")
        require(self.centres in ("kmeans", "random"),
                f"centres must be kmeans or random, got {self.centres!r}")
        require(self.kmeans_iter >= 1, f"kmeans_iter must be >= 1, got {self.kmeans_iter}")
        require(self.kmeans_tol >= 0, f"kmeans_tol must be >= 0, got {self.kmeans_tol}")
        require(self.basis in BASES, f"basis must be one of {', '.join(BASES)}, got "
                f"{self.basis!r}")
        require(self.width in ("nearest", "dmax"),
                f"width must be nearest or dmax, got {self.width!r}")
        require(self.width_p >= 1, f"width_p must be >= 1, got {self.width_p}")
        require(self.width_scale > 0, f"width_scale must be > 0, got {self.width_scale}")
        check_alpha(self.alpha, self.alphas, self.loo_samples)
        require(self.finetune_epochs >= 0,
                f"finetune_epochs must be >= 0, got {self.finetune_epochs}")
        require(self.finetune_lr > 0, f"finetune_lr must be > 0, got {self.finetune_lr}")
        require(self.finetune_batch >= 1,
                f"finetune_batch must be >= 1, got {self.finetune_batch}")


# -- building blocks ----------------------------------------------------------------------------

def centre_widths(C: torch.Tensor, rule: str, p: int, scale: float) -> torch.Tensor:
    """Widths ``sigma_j`` (K,) of centres ``C`` by the ``nearest`` or ``dmax`` heuristic."""
    k = C.shape[0]
    d = sq_distances(C, C).sqrt_()                                    # (K, K) |c_i - c_j|
    if k == 1:
        return torch.ones(1, dtype=C.dtype, device=C.device) * scale
    if rule == "dmax":
        sigma = d.max() / math.sqrt(2 * k) * torch.ones(k, dtype=C.dtype, device=C.device)
    else:
        d.fill_diagonal_(float("inf"))
        near = d.topk(min(p, k - 1), dim=1, largest=False).values     # (K, p) p nearest
        sigma = near.mean(1)                                          # mean distance
    sigma = sigma * scale
    floor = 1e-3 * float(sigma.median()) if float(sigma.median()) > 0 else 1e-3
    return sigma.clamp_min(floor)


def rbf_basis(z: torch.Tensor, centres: torch.Tensor, sigma: torch.Tensor, kind: str
              ) -> torch.Tensor:
    """Basis outputs ``phi`` (B, K) of standardised inputs ``z`` (B, D) (differentiable)."""
    r2 = sq_distances(z, centres)                                     # r_j^2 (B, K)
    s2 = sigma * sigma                                                # sigma_j^2
    if kind == "gaussian":
        return torch.exp(r2 * (-0.5 / s2))                            # exp(-r^2 / 2 sigma^2)
    if kind == "multiquadric":
        return torch.sqrt(r2 + s2)                                    # sqrt(r^2 + sigma^2)
    return torch.rsqrt(r2 + s2)                                       # 1 / sqrt(r^2 + s^2)


# -- the model ----------------------------------------------------------------------------------

@register("rbf-net", config=RBFNetConfig, learning="closed-form",
          rule="k-means centres, nearest-centre widths, ridge least-squares readout "
               "(optional gradient fine-tuning)",
          peer="hpelm rbf_l2 neurons",
          reference="https://github.com/scikit-learn/scikit-learn/blob/main/sklearn/cluster/"
                    "_kmeans.py")
class RBFNet(ReadoutModel[RBFNetConfig]):
    """Radial basis function network for classification (``n_classes >= 2``) or regression
    (``n_classes == 0``).

    ``forward(x)`` returns ``phi(x) W + b`` (B, K). Centres, widths, readout and input
    standardisation are buffers of sizes fixed by the config.

    :param config: an :class:`RBFNetConfig`.
    """

    automatic_optimization = False

    centres: torch.Tensor  # c_j (K, D)
    sigma: torch.Tensor    # sigma_j (K,)
    counts: torch.Tensor   # N_j (K,), online k-means

    def __init__(self, config: RBFNetConfig) -> None:
        super().__init__(config)
        d, k = math.prod(config.sample_shape), config.n_centres
        out = config.n_classes or config.n_outputs
        self.n_inputs = d
        self.register_buffer("centres", torch.zeros(k, d))              # c_j     (K, D)
        self.register_buffer("sigma", torch.ones(k))                    # sigma_j (K,)
        self.register_buffer("counts", torch.zeros(k))                  # N_j (online k-means)
        self.register_buffer("x_mean", torch.zeros(d))
        self.register_buffer("x_scale", torch.ones(d))
        self.register_buffer("out_weight", torch.zeros(k, out))         # W (K, out)
        self.register_buffer("out_bias", torch.zeros(out))              # b (out,)
        self.register_buffer("alpha_", torch.zeros((), dtype=torch.float64))
        self.register_buffer("fitted", torch.zeros((), dtype=torch.bool))
        self.inertia_: list[float] = []
        self.finetune_losses_: list[float] = []
        self._plot_data: tuple[torch.Tensor, torch.Tensor] | None = None

    def standardized(self, x: torch.Tensor) -> torch.Tensor:
        """``z = (x - m) / s`` flattened, (B, D)."""
        return (x.reshape(len(x), -1) - self.x_mean) / self.x_scale

    def basis(self, x: torch.Tensor) -> torch.Tensor:
        """Basis outputs ``phi`` (B, K) of a batch ``x`` (unchecked)."""
        return rbf_basis(self.standardized(x), self.centres, self.sigma, self.config.basis)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check(x)
        return torch.addmm(self.out_bias, self.basis(x), self.out_weight)  # (B, out)

    # -- the learning rule ------------------------------------------------------------------

    def _check_centres(self, n: int) -> None:
        if self.config.n_centres > n:
            raise InputError(f"rbf-net has {self.config.n_centres} centres but got only {n} "
                             "samples; use at most as many centres as samples")

    @torch.no_grad()
    def fit(self, X: torch.Tensor, y: torch.Tensor | None = None,
            generator: torch.Generator | None = None) -> RBFNet:
        """Centres, widths and readout on all of ``X`` (n, *sample_shape) and ``y``; then
        ``finetune_epochs`` of gradient fine-tuning when asked.

        :param generator: seeds k-means++ / the random centres, the leave-one-out subset and
            the fine-tuning order (torch's global generator if None).
        :raises InputError: mismatched lengths, a single class, non-finite values, or more
            centres than samples.
        """
        Y = check_fit_data(self, X, y)
        y = require_targets(self.model_id, y)
        cfg = self.config
        self._check_centres(len(X))
        Xf = X.reshape(len(X), -1).to(self.centres.dtype)              # the model's precision
        if cfg.standardize:
            mean, scale = standardization(Xf)
            self.x_mean.copy_(mean)
            self.x_scale.copy_(scale)
        Z = self.standardized(Xf)                                         # (n, D)
        if cfg.centres == "kmeans":
            C, lab, self.inertia_ = kmeans(Z, cfg.n_centres, cfg.kmeans_iter, cfg.kmeans_tol,
                                           generator)
            self.counts.copy_(torch.bincount(lab, minlength=cfg.n_centres).to(self.counts))
        else:
            idx = torch.randperm(len(Z), generator=generator)[:cfg.n_centres].to(Z.device)
            C = Z[idx]
            self.counts.fill_(1.0)
        self.centres.copy_(C)
        self.sigma.copy_(centre_widths(C, cfg.width, cfg.width_p, cfg.width_scale))
        self.solve_readout(self.basis(Xf), Y, generator)
        if cfg.finetune_epochs > 0:
            self.finetune(X, y, cfg.finetune_epochs, cfg.finetune_lr, cfg.finetune_batch,
                          generator)
        keep = torch.randperm(len(X), generator=generator)[:500].to(X.device)
        self._plot_data = (X[keep].detach(), y[keep].detach())
        return self

    @torch.no_grad()
    def refit_readout(self, X: torch.Tensor, y: torch.Tensor | None,
                      generator: torch.Generator | None = None) -> RBFNet:
        """Step 3 alone: the readout on the basis outputs of ``X`` and the targets ``y``,
        keeping the fitted centres, widths and input standardisation (the work of an RBF
        network handed its centres and widths, as hpelm's ``add_neurons`` then ``train``).

        :param generator: draws the leave-one-out subset when ``alpha="loo"``.
        :raises NotFittedError: before :meth:`fit`.
        """
        if not bool(self.fitted):
            raise NotFittedError("rbf-net must be fitted before its readout is refitted; "
                                 "call fit first")
        Y = check_fit_data(self, X, y)
        self.solve_readout(self.basis(X.reshape(len(X), -1).to(self.centres.dtype)), Y,
                           generator)
        return self

    def objective(self, z: torch.Tensor, Y: torch.Tensor, centres: torch.Tensor,
                  log_sigma: torch.Tensor, W: torch.Tensor, b: torch.Tensor, n: int
                  ) -> torch.Tensor:
        """The readout's objective ``mean |phi W + b - Y|^2 + alpha |W|^2 / (n K)`` on a
        batch of standardised inputs ``z`` (differentiable in every argument)."""
        phi = rbf_basis(z, centres, log_sigma.exp(), self.config.basis)   # (B, K)
        err = torch.addmm(b, phi, W) - Y                                  # (B, out)
        return err.pow(2).mean() + float(self.alpha_) * W.pow(2).sum() / (n * Y.shape[1])

    def finetune(self, X: torch.Tensor, y: torch.Tensor, epochs: int, lr: float = 0.01,
                 batch_size: int = 256, generator: torch.Generator | None = None
                 ) -> list[float]:
        """Gradient fine-tuning of centres, log-widths and readout by Adam (see the module
        docstring) after :meth:`fit`; returns the objective on all of ``X`` before and after
        each epoch (also kept in ``finetune_losses_``).

        :param X: inputs (n, *sample_shape); :param y: labels or targets, as for :meth:`fit`.
        :param epochs: passes over ``X`` in shuffled minibatches.
        :param lr: Adam's learning rate.
        :param batch_size: minibatch size.
        :param generator: fixes the order of the samples.
        """
        if not bool(self.fitted):
            raise NotFittedError("rbf-net must be fitted before fine-tuning; call fit first")
        Y = check_fit_data(self, X, y)
        require(epochs >= 1 and lr > 0 and batch_size >= 1,
                f"finetune needs epochs >= 1, lr > 0, batch_size >= 1; got {epochs}, {lr}, "
                f"{batch_size}")
        with torch.no_grad():
            Z = self.standardized(X.to(self.centres.dtype))
        n = len(Z)
        params = (self.centres.detach().clone().requires_grad_(True),
                  self.sigma.detach().log().requires_grad_(True),
                  self.out_weight.detach().clone().requires_grad_(True),
                  self.out_bias.detach().clone().requires_grad_(True))
        opt = torch.optim.Adam(params, lr=lr)

        def full() -> float:
            with torch.no_grad():
                return float(self.objective(Z, Y, *params, n))

        losses = [full()]
        with torch.enable_grad():
            for _ in range(epochs):
                order = torch.randperm(n, generator=generator).to(Z.device)
                for s in range(0, n, batch_size):                     # minibatches
                    idx = order[s:s + batch_size]
                    opt.zero_grad(set_to_none=True)
                    loss = self.objective(Z[idx], Y[idx], *params, n)
                    loss.backward()
                    opt.step()
                losses.append(full())
        with torch.no_grad():
            self.centres.copy_(params[0])
            self.sigma.copy_(params[1].exp())
            self.out_weight.copy_(params[2])
            self.out_bias.copy_(params[3])
        self.finetune_losses_ = losses
        return losses

    @torch.no_grad()
    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """One online step of the rule on a batch (see the module docstring)."""
        x, y = batch
        Y = check_fit_data(self, x, y)
        y = require_targets(self.model_id, y)
        cfg = self.config
        xf = x.reshape(len(x), -1).float()
        if not bool(self.counts.any()):                                   # first batch: seed
            if cfg.standardize:
                mean, scale = standardization(xf)
                self.x_mean.copy_(mean)
                self.x_scale.copy_(scale)
            self.centres.copy_(kmeans_pp(self.standardized(xf), cfg.n_centres))
        z = self.standardized(xf)                                         # (B, D)
        lab = sq_distances(z, self.centres).argmin(1)                     # nearest centre
        n_j = torch.bincount(lab, minlength=cfg.n_centres).to(z.dtype)   # (K,)
        sums = torch.zeros_like(self.centres).index_add_(0, lab, z)       # (K, D)
        self.counts += n_j                                                # N_j
        rate = (n_j / self.counts.clamp_min(1))[:, None]                  # n_j / N_j
        mean = sums / n_j.clamp_min(1)[:, None]
        self.centres += torch.where(n_j[:, None] > 0, rate * (mean - self.centres), 0.0)
        self.sigma.copy_(centre_widths(self.centres, cfg.width, cfg.width_p, cfg.width_scale))
        self.solve_readout(self.basis(xf), Y, None)
        return output_metrics(self(x), y, cfg.n_classes, cfg.n_outputs)

    # -- pictures ---------------------------------------------------------------------------

    def visualize(self, out_dir: Path) -> list[Path]:
        """The centres on the first two principal components of the (standardised) training
        data, each with a circle of its width, over the data coloured by class or target;
        and predicted against true values for a regressor."""
        if self._plot_data is None or not bool(self.fitted):
            return []
        out_dir = Path(out_dir)
        X, y = self._plot_data
        dev = self.x_mean.device
        with torch.no_grad():
            Z = self.standardized(X.to(dev).float()).cpu().double()      # (P, D)
        C = self.centres.detach().cpu().double()
        paths = [plot_centres(Z, y.cpu(), C, self.sigma.detach().cpu().double(),
                              out_dir / "centres_pca.png", self.config.basis)]
        if self.regression:
            paths.append(plot_predicted_vs_true(self.predict(X.to(dev)).cpu(), y.cpu(),
                                                out_dir / "predicted_vs_true.png", "RBF net"))
        return paths


__all__ = ["BASES", "RBFNet", "RBFNetConfig", "centre_widths", "rbf_basis"]
