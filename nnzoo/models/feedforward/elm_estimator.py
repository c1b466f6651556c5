"""The extreme learning machine (:mod:`nnzoo.models.feedforward.elm`) as scikit-learn
estimators: :class:`ELMClassifier` (registered with the ``elm`` model) and
:class:`ELMRegressor`, on the shared ridge-readout estimator of
:mod:`nnzoo.models.sklearn_api`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from nnzoo.models.feedforward.elm import ELM, parse_neurons
from nnzoo.models.registry import register_estimator
from nnzoo.models.sklearn_api import ReadoutClassifier, ReadoutEstimator, ReadoutRegressor


class _ELMParams(ReadoutEstimator):
    """The hyperparameters of both ELM estimators, and their hidden-layer ``transform``."""

    model_id = "elm"
    _model_class = ELM
    model_: ELM

    def __init__(self, neurons: str | Sequence[tuple[str, int]] = "sigm:500",
                 alpha: float | str = "loo", alphas: Sequence[float] | None = None,
                 loo_samples: int = 4000, standardize: bool = True, random_state: int | None = 0,
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

    def _model_kwargs(self) -> dict[str, Any]:
        neurons = ",".join(f"{k}:{c}" for k, c in parse_neurons(self.neurons))
        kw: dict[str, Any] = {"neurons": neurons, "alpha": self.alpha,
                              "loo_samples": self.loo_samples, "standardize": self.standardize,
                              "intercept": bool(self.intercept)}
        if self.alphas is not None:
            kw["alphas"] = tuple(float(a) for a in self.alphas)
        return kw

    @torch.no_grad()
    def transform(self, X: Any) -> np.ndarray:
        """The hidden-layer outputs, shape (n_samples, n_hidden)."""
        x = self._input(X)                                # checks that it is fitted first
        return self.model_.hidden(x).cpu().numpy()


class ELMClassifier(_ELMParams, ReadoutClassifier):
    """Extreme learning machine classifier (:mod:`nnzoo.models.feedforward.elm`), sklearn style.

    Labels are one-hot coded (0/1) for the least-squares readout; ``predict`` is the arg-max
    of the outputs.

    :param neurons: hidden neuron groups, ``"sigm:500,rbf:200"`` or ((kind, count), ...).
    :param alpha: ridge penalty of the readout, or ``"loo"`` (leave-one-out choice).
    :param alphas: candidate penalties for ``"loo"`` (default: 1e-6 ... 1e4).
    :param loo_samples: rows up to which alpha is picked by exact leave-one-out (GCV beyond).
    :param standardize: standardise the inputs by the training mean and deviation.
    :param random_state: seeds the random hidden layer (None: a fresh seed each fit).
    :param device: ``cpu``, ``cuda`` or ``auto``.
    :param dtype: ``float32`` (default) or ``float64`` (hpelm's precision) for the hidden
        layer and the readout's products.
    :param intercept: give the readout an unpenalised intercept (False: none, as hpelm).
    """


class ELMRegressor(_ELMParams, ReadoutRegressor):
    """Extreme learning machine regressor (:mod:`nnzoo.models.feedforward.elm`), sklearn style.

    :param neurons: hidden neuron groups, ``"sigm:500,rbf:200"`` or ((kind, count), ...).
    :param alpha: ridge penalty of the readout, or ``"loo"`` (leave-one-out choice).
    :param alphas: candidate penalties for ``"loo"`` (default: 1e-6 ... 1e4).
    :param loo_samples: rows up to which alpha is picked by exact leave-one-out (GCV beyond).
    :param standardize: standardise the inputs by the training mean and deviation.
    :param random_state: seeds the random hidden layer (None: a fresh seed each fit).
    :param device: ``cpu``, ``cuda`` or ``auto``.
    :param dtype: ``float32`` (default) or ``float64`` (hpelm's precision) for the hidden
        layer and the readout's products.
    :param intercept: give the readout an unpenalised intercept (False: none, as hpelm).
    """


register_estimator("elm")(ELMClassifier)

__all__ = ["ELMClassifier", "ELMRegressor"]
