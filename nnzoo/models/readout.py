"""The ridge readout shared by the closed-form readout models (the extreme learning machine,
the RBF network): its settings, its solver on features, its targets and metrics, and the base
class of the models built on it.

The math. With ``H`` (n, L) the features of the training split (hidden outputs, basis
outputs) and ``Y`` (n, K) the targets (one-hot 0/1 rows for classification, the target values
for regression), the readout is ridge regression with an unpenalised intercept,

    ``W = (Hc^T Hc + alpha I)^-1 Hc^T Yc``, ``b = mean(Y) - mean(H) W``,

``Hc``, ``Yc`` centred (:func:`nnzoo.core.linalg.ridge`, the solver this module reuses).
``alpha="loo"`` picks ``alpha`` from a grid by the leave-one-out error of the centred problem
(:func:`nnzoo.core.linalg.ridge_loo`, Allen's PRESS) on at most ``loo_samples`` rows, or by
generalized cross-validation on all rows (:func:`nnzoo.core.linalg.ridge_gcv_gram`).

When there are more samples than features (``n > L``) the Gram matrix ``G = Hc^T Hc`` is
formed from products of the centred features in their own precision, only its blocks on and
above the diagonal (what hpelm gets from BLAS's symmetric rank-k update), accumulated in
float64, and ``(G + alpha I) W = Hc^T Yc`` is solved by a float64 Cholesky factorisation: the
solve :func:`nnzoo.core.linalg.ridge` performs, without its float64 copy and full product of
the ``n x L`` features. With ``n <= L`` the readout is ``ridge`` itself (its kernel form).

The scikit-learn side of these models is :class:`nnzoo.models.sklearn_api.ReadoutEstimator`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, Self, TypeVar

import numpy as np
import torch

from nnzoo.core import plots
from nnzoo.core.config import require
from nnzoo.core.errors import InputError, NotFittedError
from nnzoo.core.linalg import ridge, ridge_gcv_gram, ridge_loo
from nnzoo.models.base import Batch, Classifier, ModelConfig


class ReadoutConfig(ModelConfig, Protocol):
    """What the readout code needs of a readout model's config: besides ``sample_shape``,
    ``n_classes`` (0 for regression) and ``n_outputs`` (the regression targets), and the
    ridge penalty: ``alpha`` (a number, or ``"loo"``), its candidates ``alphas``, the rows
    ``loo_samples`` the leave-one-out choice sees, and whether the readout has an
    ``intercept``."""

    @property
    def n_classes(self) -> int: ...

    @property
    def n_outputs(self) -> int: ...

    @property
    def alpha(self) -> float | str: ...

    @property
    def alphas(self) -> tuple[float, ...]: ...

    @property
    def loo_samples(self) -> int: ...

    @property
    def intercept(self) -> bool: ...


#: The config dataclass a readout model is generic over (``class ELM(ReadoutModel[ELMConfig])``).
RC = TypeVar("RC", bound=ReadoutConfig)

#: The default ridge penalties that leave-one-out chooses from.
ALPHAS = tuple(float(a) for a in np.logspace(-6, 4, 21))

#: Above this many samples per neuron the Gram matrix is formed directly (see the module doc).
GRAM_RATIO = 1


def check_alpha(alpha: float | str, alphas: Sequence[float], loo_samples: int) -> None:
    """Validate a readout's regularisation settings."""
    if isinstance(alpha, str):
        require(alpha == "loo", f"alpha must be 'loo' or a number >= 0, got {alpha!r}")
    else:
        require(math.isfinite(alpha) and alpha >= 0, f"alpha must be 'loo' or a number >= 0, "
                f"got {alpha}")
    require(len(alphas) >= 1 and all(math.isfinite(a) and a > 0 for a in alphas),
            f"alphas must be numbers > 0, got {alphas!r}")
    require(loo_samples >= 2, f"loo_samples must be >= 2, got {loo_samples}")


def check_sample_shape(sample_shape: Any) -> None:
    """Validate a config's ``sample_shape``: a tuple of positive sizes."""
    require(isinstance(sample_shape, tuple) and len(sample_shape) >= 1
            and all(isinstance(s, int) and s >= 1 for s in sample_shape),
            f"sample_shape must be positive sizes, got {sample_shape!r}")


# -- the solver -------------------------------------------------------------------------------

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
    blocks on and above the diagonal (the symmetric rank-k update hpelm gets from BLAS).

    On the CPU, NumPy's ``H.T @ H`` is that update (BLAS ``syrk``), about half the work of a
    general product; elsewhere the blocks are torch products."""
    if H.device.type == "cpu" and not H.requires_grad:
        Hn = H.numpy()
        return torch.from_numpy(np.asarray(Hn.T @ Hn, dtype=np.float64))
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


# -- targets, checks and metrics ---------------------------------------------------------------


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


def require_targets(model_id: str, y: torch.Tensor | None) -> torch.Tensor:
    """``y`` itself, once it is known not to be ``None``.

    :raises InputError: when ``y`` is ``None`` (the readout models are supervised).
    """
    if y is None:
        raise InputError(f"{model_id} is supervised: fit needs targets y")
    return y


def check_fit_data(model: ReadoutModel[Any], X: torch.Tensor, y: torch.Tensor | None
                   ) -> torch.Tensor:
    """Checks shared by the closed-form fits: shape, finite values, matching lengths, and at
    least two classes; returns the target matrix."""
    model.check(X, finite=True)
    y = require_targets(model.model_id, y)
    if y.dim() < 1 or y.shape[0] != X.shape[0]:
        raise InputError(f"X has {X.shape[0]} samples but y has "
                         f"{y.shape[0] if y.dim() else 'no'} (they must match)")
    if X.shape[0] < 2:
        raise InputError(f"{model.model_id} needs at least 2 samples to fit, got "
                         f"{X.shape[0]} sample(s)")
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


# -- the models' base class ---------------------------------------------------------------------

class ReadoutModel(Classifier[RC]):
    """What the ridge-readout models (the ELM, the RBF network) share: they classify
    (``n_classes >= 2``, ``predict`` gives class indices) or regress (``n_classes == 0``,
    ``predict`` gives the target values), and report :func:`output_metrics`.

    A subclass registers the buffers declared here and implements :meth:`fit`."""

    x_mean: torch.Tensor      # (D,) input standardisation
    x_scale: torch.Tensor     # (D,)
    out_weight: torch.Tensor  # W (L, K)
    out_bias: torch.Tensor    # b (K,)
    alpha_: torch.Tensor      # () float64, the ridge penalty used
    fitted: torch.Tensor      # () bool, True once fitted

    def fit(self, X: torch.Tensor, y: torch.Tensor | None = None,
            generator: torch.Generator | None = None) -> Self:
        """Closed-form fit on all of ``X`` and the targets ``y``; ``generator`` draws what the
        fit samples (torch's global generator if None)."""
        raise NotImplementedError

    @property
    def regression(self) -> bool:
        return self.config.n_classes == 0

    def solve_readout(self, H: torch.Tensor, Y: torch.Tensor,
                      generator: torch.Generator | None, *, gcv_on_all_rows: bool = False
                      ) -> None:
        """Fit the ridge readout ``H W + b ~ Y`` and store ``W``, ``b``, the penalty and
        ``fitted`` in the buffers.

        With ``alpha = "loo"`` the penalty is the one of ``alphas`` with the least exact
        leave-one-out error on at most ``loo_samples`` rows (:func:`select_alpha`), or, with
        ``gcv_on_all_rows`` when there are more rows than that and ``n > GRAM_RATIO * L``,
        the least generalised cross-validation error on every row (:func:`fit_readout_gcv`).

        :param H: hidden or basis outputs (n, L).
        :param Y: targets (n, K): one-hot classes or regression values.
        :param generator: draws the leave-one-out subset (torch's global generator if None).
        """
        cfg = self.config
        n, L = H.shape
        if (gcv_on_all_rows and cfg.alpha == "loo" and n > cfg.loo_samples
                and n > GRAM_RATIO * L):
            W, b, alpha = fit_readout_gcv(H, Y.to(H.dtype), cfg.alphas, cfg.intercept)
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
    return plots.save(fig, path)


__all__ = ["ALPHAS", "GRAM_RATIO", "ReadoutConfig", "ReadoutModel", "check_alpha",
           "check_fit_data", "check_sample_shape", "fit_readout", "fit_readout_gcv", "gram",
           "output_metrics", "plot_predicted_vs_true", "require_targets", "select_alpha",
           "standardization", "targets"]
