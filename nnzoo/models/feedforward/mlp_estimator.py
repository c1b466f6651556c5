"""The multilayer perceptron (:mod:`nnzoo.models.feedforward.mlp`) as a scikit-learn classifier,
registered with the ``mlp`` model. Training and the shared API are
:class:`~nnzoo.models.sklearn_api.TorchClassifier`'s."""

from __future__ import annotations

import math
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
        <nnzoo.models.sklearn_api.TorchClassifier._train>` (the same batches, the same update
        rule and schedule), with the gradients of :meth:`MLP.backprop` where it applies. Each
        epoch's samples and one-hot targets are gathered once in their shuffled order, so that
        a batch is a slice; Adam and AdamW without a schedule run as :class:`FlatAdam`."""
        if self.backprop not in ("auto", "autograd"):
            raise ConfigError(f"backprop must be 'auto' or 'autograd', got {self.backprop!r}")
        hp = {"sample_shape": tuple(X.shape[1:]), "n_classes": len(self.classes_), **model_hp}
        if self.backprop == "autograd" or not build_config(MLPConfig, hp).hand_backprop:
            return super()._train(X, yi, model_hp, cfg, seed, device)
        model = create_as(MLP, self.model_id, **hp).to(device)
        X, yi = X.to(device), yi.to(device)
        slices = batch_slices(len(X), cfg.batch_size)
        params = [p for p in model.parameters() if p.requires_grad]
        flat = None
        if cfg.optimizer in ("adam", "adamw") and cfg.scheduler == "none":
            flat = FlatAdam(params, cfg.lr, cfg.weight_decay, decoupled=cfg.optimizer == "adamw")
            opts: list[Any] = [flat]
            scheds: list[tuple[Any, str]] = []
        else:
            opts = model.configure_optimizers(cfg)
            scheds = [build_scheduler(o, cfg, len(slices)) for o in opts]  # (scheduler, unit)
        onehot = torch.nn.functional.one_hot(yi, len(self.classes_)).to(X.dtype)
        model.train()
        model.on_fit_start(X, seed)
        self.loss_curve_: list[float] = []
        for epoch in range(cfg.epochs):
            order = epoch_order(len(X), seed, epoch, device)
            Xe, Ye = X[order], onehot[order]
            total = torch.zeros((), device=device)
            for sl in slices:
                total += model.backprop(Xe[sl], Ye[sl])
                if cfg.grad_clip > 0:
                    torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
                for opt in opts:
                    opt.step()
                for sch, unit in scheds:
                    if sch is not None and unit == "step":
                        sch.step()
            for sch, unit in scheds:
                if sch is not None and unit == "epoch":
                    sch.step()
            self.loss_curve_.append(float(total) / len(X))
        if flat is not None:
            flat.release()
        return model

    def decision_function(self, X: Any) -> np.ndarray:
        """Class scores (n_samples, n_classes); for two classes the difference of the two
        scores (n_samples,), positive for ``classes_[1]`` (scikit-learn's shape)."""
        return binary_scores(self._scores(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Softmax class probabilities, shape (n_samples, n_classes)."""
        return softmax(self._scores(X))


class FlatAdam:
    """Adam (Kingma & Ba 2015, Algorithm 1) over parameters gathered into one flat vector,
    for the small nets where the per-step Python of ``torch.optim`` costs more than the update:
    ``torch.optim.Adam``'s single-tensor update (betas 0.9 and 0.999, eps 1e-8; weight decay
    added to the gradient, or for ``decoupled`` (AdamW) applied to the weights as
    w <- w (1 - lr wd)), in six tensor operations a step:

        m <- b1 m + (1 - b1) g,    v <- b2 v + (1 - b2) g^2,
        w <- w - (lr / (1 - b1^t)) m / (sqrt(v / (1 - b2^t)) + eps).

    While it lives, each parameter and its ``.grad`` are views into the flat vectors (so that
    :meth:`MLP.backprop` writes the gradient in place); :meth:`release` gives them their own
    storage back.

    :param params: the parameters, updated in place.
    :param lr: learning rate.
    :param weight_decay: L2 penalty (decoupled when ``decoupled``).
    :param decoupled: AdamW's decoupled weight decay.
    """

    BETAS = (0.9, 0.999)
    EPS = 1e-8

    def __init__(self, params: list[torch.nn.Parameter], lr: float, weight_decay: float = 0.0,
                 decoupled: bool = False) -> None:
        self.params, self.lr, self.wd, self.decoupled = params, lr, weight_decay, decoupled
        self.flat = torch.cat([p.detach().reshape(-1) for p in params])
        self.grad = torch.zeros_like(self.flat)
        self.m, self.v = torch.zeros_like(self.flat), torch.zeros_like(self.flat)
        self.t = 0
        i = 0
        for p in params:
            k = p.numel()
            p.data = self.flat[i:i + k].view_as(p)
            p.grad = self.grad[i:i + k].view_as(p)
            i += k

    @torch.no_grad()
    def step(self) -> None:
        """One Adam update from the gradient in the flat gradient vector."""
        (b1, b2), lr, w, g = self.BETAS, self.lr, self.flat, self.grad
        self.t += 1
        if self.wd and self.decoupled:
            w.mul_(1 - lr * self.wd)
        elif self.wd:
            g = g.add(w, alpha=self.wd)
        self.m.lerp_(g, 1 - b1)
        self.v.mul_(b2).addcmul_(g, g, value=1 - b2)
        denom = (self.v.sqrt() / math.sqrt(1 - b2 ** self.t)).add_(self.EPS)
        w.addcdiv_(self.m, denom, value=-lr / (1 - b1 ** self.t))

    def release(self) -> None:
        """Give each parameter its own storage again (and no gradient)."""
        for p in self.params:
            p.data = p.data.clone()
            p.grad = None


register_estimator("mlp")(MLPClassifier)

__all__ = ["FlatAdam", "MLPClassifier"]
