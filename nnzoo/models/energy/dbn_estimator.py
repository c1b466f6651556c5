"""The deep belief network as a scikit-learn classifier (see :mod:`nnzoo.models.energy.dbn`
for the model, greedy pre-training and fine-tuning)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from sklearn.utils import Tags

from nnzoo.core.device import resolve_device, small_work_threads
from nnzoo.core.seed import isolated_rng, next_seed
from nnzoo.models.energy.units import check_unit_interval
from nnzoo.models.registry import register_estimator
from nnzoo.models.sklearn_api import TorchClassifier, binary_scores, softmax, validate_Xy

#: Fine-tuning work (multiply-adds per forward pass) below which it runs on one thread.
FINETUNE_ONE_THREAD = 1 << 24


@register_estimator("dbn")
class DBNClassifier(TorchClassifier):
    """Deep belief network classifier (see :mod:`nnzoo.models.energy.dbn`), scikit-learn style.

    ``fit`` pre-trains the RBM stack greedily on the whole of ``X`` (values in [0, 1]), then
    fine-tunes by backprop over shuffled minibatches.

    :param hidden: width of each hidden layer.
    :param activation: ``sigmoid`` or ``relu`` units in the fine-tuned net.
    :param dropout: dropout after each hidden layer during fine-tuning.
    :param pretrain_epochs: RBM epochs per layer.
    :param pretrain_lr: the RBMs' learning rate.
    :param pretrain_batch: the RBMs' minibatch size.
    :param k: Gibbs steps per RBM update.
    :param persistent: persistent CD instead of CD-k.
    :param epochs: fine-tuning passes over the data.
    :param batch_size: fine-tuning minibatch size.
    :param lr: fine-tuning learning rate.
    :param optimizer: ``sgd``, ``adam`` or ``adamw``.
    :param momentum: SGD momentum.
    :param weight_decay: L2 penalty in fine-tuning.
    :param scheduler: fine-tuning learning-rate schedule: ``none``, ``cosine``, ``step``,
        ``onecycle`` (as :class:`~nnzoo.core.config.TrainConfig`).
    :param random_state: seeds initialisation, pre-training and shuffling (None: a fresh seed
        each fit).
    :param device: ``cpu``, ``cuda`` or ``auto``.
    """

    model_id = "dbn"

    def __init__(self, hidden: tuple[int, ...] = (256, 256), activation: str = "sigmoid",
                 dropout: float = 0.0, pretrain_epochs: int = 10, pretrain_lr: float = 0.05,
                 pretrain_batch: int = 32, k: int = 1, persistent: bool = False,
                 epochs: int = 100, batch_size: int = 32, lr: float = 0.1,
                 optimizer: str = "sgd", momentum: float = 0.0, weight_decay: float = 0.0,
                 scheduler: str = "none", random_state: int | None = 0,
                 device: str = "cpu") -> None:
        self.hidden = hidden
        self.activation = activation
        self.dropout = dropout
        self.pretrain_epochs = pretrain_epochs
        self.pretrain_lr = pretrain_lr
        self.pretrain_batch = pretrain_batch
        self.k = k
        self.persistent = persistent
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.momentum = momentum
        self.scheduler = scheduler
        self.weight_decay = weight_decay
        self.random_state = random_state
        self.device = device

    def __sklearn_tags__(self) -> Tags:
        """scikit-learn's tags: the visible units are Bernoulli, so no value is negative."""
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        return tags

    def fit(self, X: Any, y: Any) -> DBNClassifier:
        """Pre-train on all of ``X`` (n_samples, n_features...), then fine-tune on ``(X, y)``.

        ``X`` and ``y`` are checked as every estimator's (:func:`validate_Xy`), then ``X`` to
        lie in [0, 1]. The pre-training runs in the model's ``on_fit_start`` hook, on the
        whole of ``X``, before the first fine-tuning step.
        """
        X, y = validate_Xy(self, X, y, classifier=True, allow_nd=True)
        Xt = self._check_X(X, fitting=True)
        check_unit_interval(Xt, "X", whom=type(self).__name__)
        widths = (math.prod(Xt.shape[1:]), *self.hidden)
        work = int(self.batch_size) * sum(a * b for a, b in zip(widths[:-1], widths[1:]))
        cpu = resolve_device(self.device).type == "cpu"
        # one thread for the small fine-tuning products (forward and backward), see
        # small_work_threads: on a loaded 2-core machine this is ~100x faster at batch 32
        with small_work_threads(work if cpu else 1 << 30, threshold=FINETUNE_ONE_THREAD):
            super().fit(Xt, y)
        return self

    def _dbn_scores(self, X: Any) -> np.ndarray:
        """Class scores (n_samples, n_classes) of ``X`` checked to lie in [0, 1]."""
        self._require_fitted()
        Xt = self._check_X(X, fitting=False)
        check_unit_interval(Xt, "X", whom=type(self).__name__)
        return self._scores(Xt)

    def decision_function(self, X: Any) -> np.ndarray:
        """Class scores (n_samples, n_classes); for two classes the difference of the two
        scores (n_samples,), positive for ``classes_[1]`` (scikit-learn's shape)."""
        return binary_scores(self._dbn_scores(X))

    def predict(self, X: Any) -> np.ndarray:
        """The predicted label of each sample (``X`` checked to lie in [0, 1])."""
        scores = self._dbn_scores(X)  # checks that the model is fitted first
        return self.classes_[scores.argmax(1)]

    def predict_proba(self, X: Any) -> np.ndarray:
        """Softmax class probabilities, shape (n_samples, n_classes)."""
        return softmax(self._dbn_scores(X))

    def sample(self, n_samples: int = 64, steps: int = 1000) -> np.ndarray:
        """Samples of the generative model, shape (n_samples, n_features...)."""
        self._require_fitted()
        with isolated_rng(next_seed(self.rng_), self.model_.device):  # a private stream
            return self.model_.sample(n_samples, steps).cpu().numpy()


__all__ = ["FINETUNE_ONE_THREAD", "DBNClassifier"]
