"""The multilayer perceptron (:mod:`nnzoo.models.feedforward.mlp`) as a scikit-learn classifier,
registered with the ``mlp`` model. Training and the shared API are
:class:`~nnzoo.models.sklearn_api.TorchClassifier`'s."""

from __future__ import annotations

from typing import Any

import numpy as np

from nnzoo.models.registry import register_estimator
from nnzoo.models.sklearn_api import TorchClassifier, binary_scores, softmax


class MLPClassifier(TorchClassifier):
    """Multilayer perceptron classifier (:mod:`nnzoo.models.feedforward.mlp`), sklearn style.

    :param hidden: width of each hidden layer.
    :param activation: ``relu``, ``tanh``, ``sigmoid``, ``gelu``, ``leaky_relu`` or ``elu``.
    :param dropout: dropout after each hidden layer.
    :param batch_norm: batch normalisation in each hidden layer.
    :param init: ``torch`` (PyTorch's default) or ``glorot`` (scikit-learn's scheme).
    :param epochs: passes over the data.
    :param batch_size: minibatch size.
    :param lr: learning rate.
    :param optimizer: ``adam``, ``adamw`` or ``sgd``.
    :param weight_decay: L2 penalty.
    :param random_state: seeds initialisation and shuffling (None: a fresh seed each fit).
    :param device: ``cpu``, ``cuda`` or ``auto``.
    """

    model_id = "mlp"

    def __init__(self, hidden: tuple[int, ...] = (100,), activation: str = "relu",
                 dropout: float = 0.0, batch_norm: bool = False, init: str = "torch",
                 epochs: int = 200,
                 batch_size: int = 200, lr: float = 1e-3, optimizer: str = "adam",
                 weight_decay: float = 0.0, random_state: int | None = 0,
                 device: str = "cpu") -> None:
        self.hidden = hidden
        self.activation = activation
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.init = init
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.random_state = random_state
        self.device = device

    def decision_function(self, X: Any) -> np.ndarray:
        """Class scores (n_samples, n_classes); for two classes the difference of the two
        scores (n_samples,), positive for ``classes_[1]`` (scikit-learn's shape)."""
        return binary_scores(self._scores(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Softmax class probabilities, shape (n_samples, n_classes)."""
        return softmax(self._scores(X))


register_estimator("mlp")(MLPClassifier)

__all__ = ["MLPClassifier"]
