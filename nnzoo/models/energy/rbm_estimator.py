"""The restricted Boltzmann machine as a scikit-learn transformer (see
:mod:`nnzoo.models.energy.rbm` for the model and its math)."""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import Tags
from sklearn.utils.metaestimators import available_if

from nnzoo.core.config import require
from nnzoo.core.device import resolve_device, small_work_threads
from nnzoo.core.loop import batch_slices, epoch_order
from nnzoo.core.seed import isolated_rng, next_seed, sampling_rng
from nnzoo.core.validation import as_tensor
from nnzoo.models.energy.rbm import RBM
from nnzoo.models.energy.units import check_unit_interval
from nnzoo.models.registry import create, register_estimator
from nnzoo.models.sklearn_api import estimator_seed, require_fitted, validate_X


def _bernoulli_visible(est: RBMTransformer) -> bool:
    """Whether the pseudo-log-likelihood applies (``score_samples``): Bernoulli visible units."""
    if est.visible != "bernoulli":
        raise AttributeError("score_samples (pseudo-log-likelihood) needs Bernoulli visible "
                             "units; this RBM has Gaussian ones")
    return True


@register_estimator("rbm")
class RBMTransformer(TransformerMixin, BaseEstimator):
    """A restricted Boltzmann machine as a scikit-learn transformer (like ``BernoulliRBM``).

    ``transform`` gives the hidden probabilities p(h = 1 | v), so it drops into a
    ``Pipeline`` before a classifier. Training runs :meth:`RBM.update` over minibatches in
    a shuffled order fixed by ``random_state``, in memory, with no run folder.

    :param n_components: number of hidden units.
    :param learning_rate: step size of the rule.
    :param batch_size: samples per update (also the number of persistent chains).
    :param n_iter: passes over the data.
    :param k: Gibbs steps per update.
    :param persistent: persistent CD (True, as ``BernoulliRBM``) or CD-k.
    :param momentum: momentum of the update.
    :param weight_decay: L2 penalty on the weights.
    :param visible: ``bernoulli`` (data in [0, 1]) or ``gaussian`` (standardised data).
    :param random_state: seeds initialisation, order and sampling (None: a fresh seed from
        the operating system each fit). ``fit``, ``gibbs``, ``sample`` and ``score_samples``
        draw from streams of their own: the caller's Python, NumPy and torch generators are
        left as they were.
    :param device: ``cpu``, ``cuda`` or ``auto``.
    :param mean_field_visible: negative phase on p(v | h) instead of a sample.
    :param vbias_init: ``zero`` or ``logit-mean`` (visible biases from the data's means).
    :param momentum_warmup: epochs at momentum ``min(0.5, momentum)`` before ``momentum``.
    """

    def __init__(self, n_components: int = 256, learning_rate: float = 0.1,
                 batch_size: int = 10, n_iter: int = 10, k: int = 1, persistent: bool = True,
                 momentum: float = 0.0, weight_decay: float = 0.0,
                 visible: str = "bernoulli", random_state: int | None = None,
                 device: str = "cpu", mean_field_visible: bool = False,
                 vbias_init: str = "zero", momentum_warmup: int = 0) -> None:
        self.n_components = n_components
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.k = k
        self.persistent = persistent
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.visible = visible
        self.random_state = random_state
        self.device = device
        self.mean_field_visible = mean_field_visible
        self.vbias_init = vbias_init
        self.momentum_warmup = momentum_warmup

    def __sklearn_tags__(self) -> Tags:
        """scikit-learn's tags: Bernoulli visible units take no negative value, and the
        features are float32 whatever the input's precision."""
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = self.visible == "bernoulli"
        if tags.transformer_tags is not None:
            tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    def _check_X(self, X: Any, *, fitting: bool) -> torch.Tensor:
        """``X`` checked by :func:`~nnzoo.models.sklearn_api.validate_X` (numeric, real, dense,
        2-D, finite, at least one sample and one feature; its width against
        ``n_features_in_`` after ``fit``), and its values in [0, 1] for Bernoulli visible
        units.

        :raises InputError: naming what was expected.
        """
        Xt = as_tensor(validate_X(self, X, fitting=fitting), "X")
        if self.visible == "bernoulli":
            check_unit_interval(Xt, "X", gaussian_option=True, whom=type(self).__name__)
        return Xt

    def fit(self, X: Any, y: Any = None) -> RBMTransformer:
        """Train on ``X`` (n_samples, n_features); ``y`` is ignored."""
        require(int(self.n_iter) >= 1, f"n_iter must be >= 1, got {self.n_iter}")
        require(int(self.batch_size) >= 1, f"batch_size must be >= 1, got {self.batch_size}")
        X = self._check_X(X, fitting=True)
        seed = estimator_seed(self)
        device = resolve_device(self.device)
        with isolated_rng(seed, device):               # the caller's generators are kept
            model = self._train(X, seed, device)
        self.model_ = model.eval()
        self.n_features_in_ = int(X.shape[1])
        self.components_ = model.weight.cpu().numpy().copy()
        self.intercept_hidden_ = model.hbias.cpu().numpy().copy()
        self.intercept_visible_ = model.vbias.cpu().numpy().copy()
        self.rng_ = sampling_rng(seed)                 # seeds of gibbs, sample, score_samples
        return self

    def _train(self, X: torch.Tensor, seed: int, device: torch.device) -> RBM:
        """Build the RBM and run the epochs (inside :meth:`fit`'s RNG guard)."""
        model = cast(RBM, create("rbm", sample_shape=(X.shape[1],), n_hidden=self.n_components,
                       visible=self.visible, k=self.k, persistent=self.persistent,
                       n_chains=self.batch_size, learning_rate=self.learning_rate,
                       momentum_coef=self.momentum, l2=self.weight_decay,
                       mean_field_visible=self.mean_field_visible, vbias_init=self.vbias_init,
                       momentum_warmup=int(self.momentum_warmup) * -(-len(X) // int(
                           self.batch_size))).to(device))
        X = X.to(device)
        model.on_fit_start(X, seed)
        slices = batch_slices(len(X), int(self.batch_size), 1)
        work = int(self.batch_size) * X.shape[1] * int(self.n_components)
        with torch.no_grad(), small_work_threads(work if device.type == "cpu" else 1 << 30):
            for epoch in range(int(self.n_iter)):
                Xe = X[epoch_order(len(X), seed, epoch, device)]  # this epoch's order: 1 gather
                model.run_epoch(Xe, slices)
        return model

    def _require_fitted(self) -> None:
        require_fitted(self)

    @torch.no_grad()
    def transform(self, X: Any) -> np.ndarray:
        """Hidden probabilities p(h = 1 | v), shape (n_samples, n_components)."""
        self._require_fitted()
        X = self._check_X(X, fitting=False).to(self.model_.device)
        return self.model_.hidden_probs(X).cpu().numpy()

    @available_if(_bernoulli_visible)
    @torch.no_grad()
    def score_samples(self, X: Any) -> np.ndarray:
        """Pseudo-log-likelihood of each sample (one-bit estimate, like ``BernoulliRBM``);
        Bernoulli visible units only (a Gaussian RBM has no such method)."""
        self._require_fitted()
        X = self._check_X(X, fitting=False).to(self.model_.device)
        g = torch.Generator().manual_seed(next_seed(self.rng_))          # the bit to flip
        return self.model_.pseudo_log_likelihood(X, generator=g).cpu().numpy()

    @torch.no_grad()
    def gibbs(self, X: Any) -> np.ndarray:
        """One Gibbs step from ``X``: h ~ p(h | v), then v ~ p(v | h)."""
        self._require_fitted()
        X = self._check_X(X, fitting=False).to(self.model_.device)
        with isolated_rng(next_seed(self.rng_), self.model_.device):     # a private stream
            return self.model_.sample_visible(torch.bernoulli(self.model_.hidden_probs(X))
                                              ).cpu().numpy()

    def sample(self, n_samples: int = 64, steps: int = 1000) -> np.ndarray:
        """Fantasies: visible means after ``steps`` Gibbs steps from noise, (n, n_features)."""
        self._require_fitted()
        with isolated_rng(next_seed(self.rng_), self.model_.device):     # a private stream
            return self.model_.sample(n_samples, steps).cpu().numpy()


__all__ = ["RBMTransformer"]
