"""Multilayer perceptron (feed-forward network) trained by backpropagation.

Paper: D. E. Rumelhart, G. E. Hinton, R. J. Williams, "Learning representations by
back-propagating errors", Nature 323, 1986. https://doi.org/10.1038/323533a0

Reference implementation: danijar/layered (NumPy), whose MNIST example is the
784-700-700-400-10 network of the ``mnist`` recipe.

Each hidden layer computes

    h_{l+1} = dropout(act(BN(W_l h_l + b_l)))

and the output layer gives class scores s = W_L h_L + b_L, trained with the cross-entropy
loss -log softmax(s)_y. Weights start from PyTorch's default initialisation, or with
``init="glorot"`` from Glorot & Bengio's uniform one (W ~ U(-a, a), a = sqrt(6 / (fan_in +
fan_out)), biases 0; "Understanding the difficulty of training deep feedforward neural
networks", AISTATS 2010), the scheme scikit-learn's MLPClassifier uses: it helps the small,
shallow digits net and hurts the deep MNIST one. The first layer's weights,
reshaped to the input image, are the "receptive fields" that :meth:`MLP.visualize` plots.

The backward pass is torch's autograd in ``training_step``, and, for the plain nets (dense
layers with a ReLU, tanh or sigmoid, no batch norm, no dropout), also written out by hand in
:meth:`MLP.backprop` as Rumelhart et al. derived it: with B samples, softmax outputs P and
one-hot targets Y, the error at the output is

    delta_L = (P - Y) / B,

each layer's gradients are dW_l = delta_l^T h_l and db_l = sum_i delta_l, and the error goes
back through the weights and the derivative of the nonlinearity,

    delta_{l-1} = (delta_l W_l) * act'(h_l)

(act' = [h > 0] for the ReLU, 1 - h^2 for tanh, h (1 - h) for the sigmoid, written with the
layer's output h). On small problems it is the faster path: a few BLAS calls a step, without
autograd's graph (the scikit-learn estimator uses it; ``tests/test_models.py`` checks it
against autograd).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch
import torch.nn.functional as F
from torch import nn

from nnzoo.core import plots
from nnzoo.core.config import TrainConfig, require
from nnzoo.core.errors import ConfigError
from nnzoo.models.base import Classifier, first_layer_images
from nnzoo.models.registry import register

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU,
    "leaky_relu": nn.LeakyReLU, "elu": nn.ELU,
}

#: The activations of :meth:`MLP.backprop`: the in-place forward, and the backward from the
#: layer's output h (grad * [h > 0], grad * (1 - h^2), grad * h (1 - h)).
_HAND_ACTIVATIONS: dict[str, tuple[Callable[[torch.Tensor], torch.Tensor],
                                   Callable[[torch.Tensor, torch.Tensor], torch.Tensor]]] = {
    "relu": (torch.relu_, lambda g, h: torch.ops.aten.threshold_backward(g, h, 0)),
    "tanh": (torch.tanh_, torch.ops.aten.tanh_backward),
    "sigmoid": (torch.sigmoid_, torch.ops.aten.sigmoid_backward),
}


def _set_grad(p: torch.Tensor, op: Callable[..., torch.Tensor], *args: Any) -> None:
    """``p.grad = op(*args)``, written into ``p.grad`` when it exists (``out=``)."""
    if p.grad is None:
        p.grad = op(*args)
    else:
        op(*args, out=p.grad)


@dataclass
class MLPConfig:
    """Hyperparameters of :class:`MLP`.

    :param sample_shape: shape of one input sample (flattened on entry).
    :param n_classes: number of output classes.
    :param hidden: width of each hidden layer, input to output.
    :param activation: hidden nonlinearity.
    :param dropout: dropout probability after each hidden layer.
    :param input_dropout: dropout probability on the input.
    :param batch_norm: batch normalisation before each hidden nonlinearity.
    :param init: ``torch`` (PyTorch's default) or ``glorot`` (Glorot & Bengio 2010, uniform).
    """

    sample_shape: tuple[int, ...] = (1, 8, 8)
    n_classes: int = 10
    hidden: tuple[int, ...] = (256, 128)
    activation: Literal["relu", "tanh", "sigmoid", "gelu", "leaky_relu", "elu"] = "relu"
    dropout: float = 0.0
    input_dropout: float = 0.0
    batch_norm: bool = False
    init: Literal["torch", "glorot"] = "torch"

    def __post_init__(self) -> None:
        require(len(self.sample_shape) >= 1 and all(s >= 1 for s in self.sample_shape),
                f"sample_shape must be positive sizes, got {self.sample_shape}")
        require(self.n_classes >= 2, f"n_classes must be >= 2, got {self.n_classes}")
        require(all(h >= 1 for h in self.hidden), f"hidden widths must be >= 1: {self.hidden}")
        for name in ("dropout", "input_dropout"):
            p = getattr(self, name)
            require(0 <= p < 1, f"{name} must be in [0, 1), got {p}")

    @property
    def hand_backprop(self) -> bool:
        """Whether :meth:`MLP.backprop` applies: ReLU, tanh or sigmoid, no batch norm, no
        dropout."""
        return (self.activation in _HAND_ACTIVATIONS and not self.batch_norm
                and not self.dropout and not self.input_dropout)


@register("mlp", config=MLPConfig, rule="backpropagation",
          peer="scikit-learn MLPClassifier", reference="https://github.com/danijar/layered")
class MLP(Classifier[MLPConfig]):
    """Feed-forward classifier: ``Flatten -> [Linear -> (BN) -> act -> (Dropout)]* -> Linear``.

    :param config: an :class:`MLPConfig`.
    """

    def __init__(self, config: MLPConfig) -> None:
        super().__init__(config)
        layers: list[nn.Module] = [nn.Flatten()]
        if config.input_dropout:
            layers.append(nn.Dropout(config.input_dropout))
        width = math.prod(config.sample_shape)
        for h in config.hidden:
            layers.append(nn.Linear(width, h, bias=not config.batch_norm))
            if config.batch_norm:
                layers.append(nn.BatchNorm1d(h))
            layers.append(ACTIVATIONS[config.activation]())
            if config.dropout:
                layers.append(nn.Dropout(config.dropout))
            width = h
        layers.append(nn.Linear(width, config.n_classes))
        self.net = nn.Sequential(*layers)
        if config.init == "glorot":
            for m in self.net:
                if isinstance(m, nn.Linear):
                    nn.init.xavier_uniform_(m.weight)  # U(-a, a), a = sqrt(6 / (in + out))
                    if m.bias is not None:
                        nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check(x)
        return self.net(x)  # (B, n_classes)

    def configure_optimizers(self, cfg: TrainConfig) -> list[torch.optim.Optimizer]:
        """Adam and AdamW as torch's fused kernel (one call a step for all the parameters,
        the same update rule and defaults as :func:`~nnzoo.core.config.build_optimizer`'s);
        the other optimizers, and weight decay kept off biases (``decay_norms_and_biases``
        False), as it builds them."""
        if cfg.optimizer not in ("adam", "adamw") or not cfg.decay_norms_and_biases:
            return super().configure_optimizers(cfg)
        cls = torch.optim.Adam if cfg.optimizer == "adam" else torch.optim.AdamW
        return [cls(self.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay, fused=True)]

    @torch.no_grad()
    def backprop(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The cross-entropy gradients of the batch ``(x, y)`` by the hand-written backward
        pass of the module docstring, stored in each parameter's ``.grad`` (overwritten: the
        same values as ``zero_grad()`` then ``backward()``; written into the existing tensor,
        so that a gradient that is a view of a larger buffer stays one).

        :param x: inputs (B, *sample_shape), checked only for their shape.
        :param y: class indices (B,), or their one-hot rows Y (B, n_classes) in ``x``'s
            dtype (a caller that has them saves building them each step).
        :return: the summed (not mean) cross-entropy of the batch, a 0-d tensor.
        :raises ConfigError: when the net has batch norm, dropout or another activation.
        """
        if not self.config.hand_backprop:
            raise ConfigError("MLP.backprop needs dense layers with relu, tanh or sigmoid and "
                              "no batch norm or dropout; train with autograd instead")
        self.check(x)
        if y.dim() == 1:
            y = F.one_hot(y, self.config.n_classes).to(x.dtype)
        act, act_backward = _HAND_ACTIVATIONS[self.config.activation]
        linears = [m for m in self.net if isinstance(m, nn.Linear)]
        hs = [x.flatten(1)]                                     # h_0 = x, then each layer's
        for lin in linears[:-1]:
            hs.append(act(torch.addmm(lin.bias, hs[-1], lin.weight.T)))
        out = linears[-1]
        s = torch.addmm(out.bias, hs[-1], out.weight.T)        # scores (B, K)
        s -= s.amax(1, keepdim=True)                           # softmax(s) is unchanged
        e = s.exp()
        norm = e.sum(1, keepdim=True)
        loss = norm.log().sum() - torch.dot(s.view(-1), y.reshape(-1))  # sum -log softmax_y
        delta = e.div_(norm).sub_(y).mul_(1 / len(y))          # (P - Y) / B
        for i in range(len(linears) - 1, -1, -1):
            lin = linears[i]
            _set_grad(lin.weight, torch.mm, delta.T, hs[i])     # dW = delta^T h
            _set_grad(lin.bias, torch.sum, delta, 0)            # db = sum over the batch
            if i:
                delta = act_backward(delta @ lin.weight, hs[i])  # delta W * act'(h)
        return loss

    def visualize(self, out_dir: Path) -> list[Path]:
        first = next(m for m in self.net if isinstance(m, nn.Linear))
        imgs = first_layer_images(first.weight, self.sample_shape)
        if imgs is None:
            return []
        return [plots.image_grid(imgs, out_dir / "first_layer_weights.png",
                                 "first-layer weights (one tile per hidden unit)")]
