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
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
from torch import nn

from nnzoo.core import plots
from nnzoo.core.config import require
from nnzoo.models.base import Classifier, first_layer_images
from nnzoo.models.registry import register

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU,
    "leaky_relu": nn.LeakyReLU, "elu": nn.ELU,
}


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

    def visualize(self, out_dir: Path) -> list[Path]:
        first = next(m for m in self.net if isinstance(m, nn.Linear))
        imgs = first_layer_images(first.weight, self.sample_shape)
        if imgs is None:
            return []
        return [plots.image_grid(imgs, out_dir / "first_layer_weights.png",
                                 "first-layer weights (one tile per hidden unit)")]
