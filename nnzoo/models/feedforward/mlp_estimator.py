"""The multilayer perceptron (:mod:`nnzoo.models.feedforward.mlp`) as a scikit-learn classifier,
registered with the ``mlp`` model. Training and the shared API are
:class:`~nnzoo.models.sklearn_api.TorchClassifier`'s."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from nnzoo.core.config import TrainConfig, build_config, build_scheduler
from nnzoo.core.errors import ConfigError
from nnzoo.core.loop import batch_slices, epoch_order
from nnzoo.models.feedforward.mlp import MLP, MLPConfig
from nnzoo.models.registry import register_estimator
from nnzoo.models.sklearn_api import TorchClassifier, binary_scores, create_as, softmax


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
    :param backprop: ``auto`` (the hand-written backward pass, :meth:`MLP.backprop
        <nnzoo.models.feedforward.mlp.MLP.backprop>`, where it applies: ReLU, tanh or sigmoid,
        no batch norm, no dropout) or ``autograd`` (torch's autograd always); both compute the
        same gradients.
    :param random_state: seeds initialisation and shuffling (None: a fresh seed each fit).
    :param device: ``cpu``, ``cuda`` or ``auto``.
    """

    model_id = "mlp"

    def __init__(self, hidden: tuple[int, ...] = (100,), activation: str = "relu",
                 dropout: float = 0.0, batch_norm: bool = False, init: str = "torch",
                 epochs: int = 200,
                 batch_size: int = 200, lr: float = 1e-3, optimizer: str = "adam",
                 weight_decay: float = 0.0, backprop: str = "auto",
                 random_state: int | None = 0, device: str = "cpu") -> None:
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
        self.backprop = backprop
        self.random_state = random_state
        self.device = device

    def _train(self, X: torch.Tensor, yi: torch.Tensor, model_hp: dict[str, Any],
               cfg: TrainConfig, seed: int, device: torch.device) -> Any:
        """The epochs of :meth:`TorchClassifier._train
        <nnzoo.models.sklearn_api.TorchClassifier._train>` (the same batches, optimizer and
        schedule), with the gradients of :meth:`MLP.backprop` where it applies: each epoch's
        samples are gathered once in their shuffled order, so that a batch is a slice."""
        if self.backprop not in ("auto", "autograd"):
            raise ConfigError(f"backprop must be 'auto' or 'autograd', got {self.backprop!r}")
        hp = {"sample_shape": tuple(X.shape[1:]), "n_classes": len(self.classes_), **model_hp}
        if self.backprop == "autograd" or not build_config(MLPConfig, hp).hand_backprop:
            return super()._train(X, yi, model_hp, cfg, seed, device)
        model = create_as(MLP, self.model_id, **hp).to(device)
        X, yi = X.to(device), yi.to(device)
        opts = model.configure_optimizers(cfg)
        slices = batch_slices(len(X), cfg.batch_size)
        scheds = [build_scheduler(o, cfg, len(slices)) for o in opts]  # (scheduler, unit)
        params = [p for p in model.parameters() if p.requires_grad]
        model.train()
        model.on_fit_start(X, seed)
        self.loss_curve_: list[float] = []
        for epoch in range(cfg.epochs):
            order = epoch_order(len(X), seed, epoch, device)
            Xe, ye = X[order], yi[order]
            total = torch.zeros((), device=device)
            for sl in slices:
                total += model.backprop(Xe[sl], ye[sl])
                if cfg.grad_clip > 0:
                    torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
                for opt in opts:
                    opt.step()
                for s, unit in scheds:
                    if s is not None and unit == "step":
                        s.step()
            for s, unit in scheds:
                if s is not None and unit == "epoch":
                    s.step()
            self.loss_curve_.append(float(total) / len(X))
        return model

    def decision_function(self, X: Any) -> np.ndarray:
        """Class scores (n_samples, n_classes); for two classes the difference of the two
        scores (n_samples,), positive for ``classes_[1]`` (scikit-learn's shape)."""
        return binary_scores(self._scores(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Softmax class probabilities, shape (n_samples, n_classes)."""
        return softmax(self._scores(X))


register_estimator("mlp")(MLPClassifier)

__all__ = ["MLPClassifier"]
