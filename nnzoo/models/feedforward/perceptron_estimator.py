"""The multiclass (averaged) perceptron (:mod:`nnzoo.models.feedforward.perceptron`) as a
scikit-learn classifier, registered with the ``perceptron`` model. Training and the shared API are
:class:`~nnzoo.models.sklearn_api.TorchClassifier`'s."""

from __future__ import annotations

from typing import Any

import numpy as np

from nnzoo.models.registry import register_estimator
from nnzoo.models.sklearn_api import TorchClassifier, binary_scores


class PerceptronClassifier(TorchClassifier):
    """Multiclass (averaged) perceptron (:mod:`nnzoo.models.feedforward.perceptron`), sklearn style.

    :param averaged: predict with the averaged weights (Freund & Schapire 1999).
    :param online: Rosenblatt's sample-by-sample rule (exact whatever ``batch_size``); False
        for the minibatch rule, where ``batch_size`` sets how many corrections are summed.
    :param kernel: ``auto`` (the online rule as a compiled Numba loop on the CPU) or ``torch``
        (the readable torch windows everywhere); both give the same weights.
    :param epochs: passes over the data.
    :param batch_size: samples handed to the rule at a time.
    :param random_state: seeds the shuffling (None: a fresh seed each fit).
    :param device: ``cpu``, ``cuda`` or ``auto``.
    """

    model_id = "perceptron"

    def __init__(self, averaged: bool = True, online: bool = True, epochs: int = 10,
                 batch_size: int = 256, kernel: str = "auto", random_state: int | None = 0,
                 device: str = "cpu") -> None:
        self.averaged = averaged
        self.online = online
        self.kernel = kernel
        self.epochs = epochs
        self.batch_size = batch_size
        self.random_state = random_state
        self.device = device

    def decision_function(self, X: Any) -> np.ndarray:
        """Class scores (n_samples, n_classes); for two classes the difference of the two
        scores (n_samples,), positive for ``classes_[1]`` (scikit-learn's shape)."""
        return binary_scores(self._scores(X))


register_estimator("perceptron")(PerceptronClassifier)

__all__ = ["PerceptronClassifier"]
