"""The scikit-learn estimator API for nnzoo's classifiers.

``nnzoo.models.MLPClassifier`` and ``nnzoo.models.PerceptronClassifier`` follow scikit-learn's
conventions: hyperparameters are ``__init__`` arguments stored as given (so ``get_params``,
``set_params``, ``clone`` and ``GridSearchCV`` work), ``fit`` learns ``classes_`` from ``y``
(any labels), and the fitted torch module is ``model_``. They drop into a ``Pipeline``.
Training runs the model's own ``training_step`` over shuffled minibatches in memory, with no
run folder; use ``nnzoo train`` for runs with checkpoints, logs and plots.

``fit`` seeds its draws from ``seed`` inside :func:`~nnzoo.core.seed.isolated_rng`: the same
``seed`` gives the same model, and the caller's Python, NumPy and torch generators and torch's
thread count are as they were afterwards.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin

from nnzoo.core.config import TrainConfig, build_config, build_scheduler
from nnzoo.core.device import resolve_device
from nnzoo.core.errors import InputError, NotFittedError
from nnzoo.core.loop import batch_slices, epoch_order, optimize
from nnzoo.core.seed import isolated_rng, sampling_rng
from nnzoo.core.validation import as_tensor, check_input
from nnzoo.models.registry import create, get_spec

_TRAIN_FIELDS = {f.name for f in dataclasses.fields(TrainConfig)}


class TorchClassifier(ClassifierMixin, BaseEstimator):
    """Base class: a registered nnzoo classifier behind the scikit-learn API.

    Subclasses set ``model_id`` and declare their hyperparameters in ``__init__``; each
    argument is either a field of the model's config or of :class:`~nnzoo.core.config.TrainConfig`
    (``seed`` and ``device`` excepted).
    """

    model_id: ClassVar[str] = ""

    def _split_params(self) -> tuple[dict[str, Any], dict[str, Any]]:
        params = self.get_params(deep=False)
        params.pop("seed", None)
        params.pop("device", None)
        model_fields = {f.name for f in dataclasses.fields(get_spec(self.model_id).config)}
        model = {k: v for k, v in params.items() if k in model_fields}
        train = {k: v for k, v in params.items() if k in _TRAIN_FIELDS}
        return model, train

    def _check_X(self, X: Any, *, fitting: bool) -> torch.Tensor:
        X = as_tensor(X, "X")
        if X.dim() < 2:
            raise InputError(f"X must be 2-D (n_samples, n_features), got shape {tuple(X.shape)}")
        if fitting:
            check_input(X, tuple(X.shape[1:]), name="X")
        else:
            check_input(X, tuple(self.model_.sample_shape), name="X")
        return X

    def fit(self, X: Any, y: Any) -> TorchClassifier:
        """Train on ``X`` (n_samples, n_features...) and labels ``y`` (n_samples,)."""
        X = self._check_X(X, fitting=True)
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != X.shape[0]:
            raise InputError(f"y must have shape ({X.shape[0]},) to match X, got {y.shape}")
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise InputError(f"y holds a single class ({self.classes_[0]!r}); need at least 2")
        yi = torch.as_tensor(np.searchsorted(self.classes_, y), dtype=torch.long)
        model_hp, train_hp = self._split_params()
        cfg = build_config(TrainConfig, train_hp)
        seed = int(getattr(self, "seed", 0))
        device = resolve_device(getattr(self, "device", "cpu"))
        with isolated_rng(seed, device):               # the caller's generators are kept
            model = self._train(X, yi, model_hp, cfg, seed, device)
        self.model_ = model.eval()
        self.n_features_in_ = int(np.prod(X.shape[1:]))
        self.rng_ = sampling_rng(seed)                 # seeds of later sampling calls
        return self

    def _train(self, X: torch.Tensor, yi: torch.Tensor, model_hp: dict[str, Any],
               cfg: TrainConfig, seed: int, device: torch.device) -> Any:
        """Build the model and run the epochs (inside :meth:`fit`'s RNG guard)."""
        model = create(self.model_id, sample_shape=tuple(X.shape[1:]),
                       n_classes=len(self.classes_), **model_hp).to(device)
        X, yi = X.to(device), yi.to(device)
        opts = model.configure_optimizers(cfg)
        slices = batch_slices(len(X), cfg.batch_size)
        scheds = [build_scheduler(o, cfg, len(slices)) for o in opts]  # (scheduler, unit)
        model.train()
        model.on_fit_start(X, seed)
        self.loss_curve_: list[float] = []
        for epoch in range(cfg.epochs):
            order = epoch_order(len(X), seed, epoch, device)
            total = torch.zeros((), device=device)
            for sl in slices:
                idx = order[sl]
                out = optimize(model.training_step, (X[idx], yi[idx]), opts,
                               automatic=model.automatic_optimization, clip=cfg.grad_clip)
                total += out["loss"] * len(idx)
                for s, unit in scheds:
                    if s is not None and unit == "step":
                        s.step()
            for s, unit in scheds:
                if s is not None and unit == "epoch":
                    s.step()
            self.loss_curve_.append(float(total) / len(X))
        return model

    def _require_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit first")

    @torch.no_grad()
    def decision_function(self, X: Any) -> np.ndarray:
        """Class scores, shape (n_samples, n_classes)."""
        self._require_fitted()
        X = self._check_X(X, fitting=False).to(self.model_.device)
        return self.model_(X).float().cpu().numpy()

    def predict(self, X: Any) -> np.ndarray:
        """The predicted label of each sample."""
        scores = self.decision_function(X)  # checks that the model is fitted first
        return self.classes_[scores.argmax(1)]


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
    :param seed: seeds initialisation and shuffling.
    :param device: ``cpu``, ``cuda`` or ``auto``.
    """

    model_id = "mlp"

    def __init__(self, hidden: tuple[int, ...] = (100,), activation: str = "relu",
                 dropout: float = 0.0, batch_norm: bool = False, init: str = "torch",
                 epochs: int = 200,
                 batch_size: int = 200, lr: float = 1e-3, optimizer: str = "adam",
                 weight_decay: float = 0.0, seed: int = 0, device: str = "cpu") -> None:
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
        self.seed = seed
        self.device = device

    def predict_proba(self, X: Any) -> np.ndarray:
        """Softmax class probabilities, shape (n_samples, n_classes)."""
        s = self.decision_function(X)
        e = np.exp(s - s.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)


class PerceptronClassifier(TorchClassifier):
    """Multiclass (averaged) perceptron (:mod:`nnzoo.models.feedforward.perceptron`), sklearn style.

    :param averaged: predict with the averaged weights (Freund & Schapire 1999).
    :param online: Rosenblatt's sample-by-sample rule (exact whatever ``batch_size``); False
        for the minibatch rule, where ``batch_size`` sets how many corrections are summed.
    :param epochs: passes over the data.
    :param batch_size: samples handed to the rule at a time.
    :param seed: seeds the shuffling.
    :param device: ``cpu``, ``cuda`` or ``auto``.
    """

    model_id = "perceptron"

    def __init__(self, averaged: bool = True, online: bool = True, epochs: int = 10,
                 batch_size: int = 256, seed: int = 0, device: str = "cpu") -> None:
        self.averaged = averaged
        self.online = online
        self.epochs = epochs
        self.batch_size = batch_size
        self.seed = seed
        self.device = device
