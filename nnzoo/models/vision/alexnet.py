"""AlexNet: five convolutions, local response normalisation, three dense layers.

Paper: A. Krizhevsky, I. Sutskever, G. E. Hinton, "ImageNet Classification with Deep
Convolutional Neural Networks", NIPS 2012.
https://papers.nips.cc/paper/2012/hash/c399862d3b9d6b76c8436e924a68c45b-Abstract.html

The net that started the deep-learning era on ImageNet: ReLUs instead of saturating units,
dropout in the dense layers, overlapping 3x3/2 max-pools, and local response normalisation
(section 3.3) after the first two convolutions: each activation is divided by the energy of
its ``n`` neighbouring channels at the same position,

    b[c] = a[c] / (k + alpha * sum_{c' = c - n/2}^{c + n/2} a[c']^2) ^ beta,
    k = 2, n = 5, alpha = 1e-4, beta = 0.75.

(torch's ``local_response_norm`` divides ``alpha`` by ``n``; :func:`lrn` passes ``n * alpha`` so
the formula is the paper's.) Variants (``variant``):

- ``original``: the paper's net as trained on two GPUs: 96-256-384-384-256 filters, the 2nd,
  4th and 5th convolutions in two groups that see only their own GPU's half of the channels,
  LRN after conv1 and conv2; 60,965,224 parameters with 1000 classes.
- ``owt``: the single-tower net of Krizhevsky's "One weird trick" (2014), 64-192-384-256-256
  filters, no LRN: the AlexNet torchvision builds (parameter counts equal).

``batch_norm`` replaces LRN with a batch norm after every convolution. ``geometry``:
``imagenet`` (224x224 inputs: 11x11/4, 5x5, 3x3 kernels, adaptive pool to 6x6, 4096-wide dense
layers) or ``small`` (28x28-32x32: 5x5, 5x5, 3x3 kernels at stride 1, 2x2 pools, adaptive
pool to 3x3, ``hidden``-wide dense layers).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from nnzoo.core.config import require
from nnzoo.models.base import C
from nnzoo.models.registry import register
from nnzoo.models.vision.convnets import (
    ImageClassifier,
    check_geometry_and_head,
    conv_activations,
    min_side_check,
)
from nnzoo.models.vision.convnets_plots import convnet_plots

#: variant -> filters of the five convolutions, groups of each, LRN after conv1 and conv2
VARIANTS: dict[str, tuple[tuple[int, ...], tuple[int, ...], bool]] = {
    "original": ((96, 256, 384, 384, 256), (1, 2, 1, 2, 2), True),
    "owt": ((64, 192, 384, 256, 256), (1, 1, 1, 1, 1), False),
}
LRN = {"n": 5, "alpha": 1e-4, "beta": 0.75, "k": 2.0}  # section 3.3 of the paper


def lrn(x: torch.Tensor, n: int = 5, alpha: float = 1e-4, beta: float = 0.75,
        k: float = 2.0) -> torch.Tensor:
    """Local response normalisation across channels, the paper's formula (see the module)."""
    return F.local_response_norm(x, n, alpha=alpha * n, beta=beta, k=k)


class LRN2d(nn.Module):
    """:func:`lrn` as a layer, with the paper's constants."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return lrn(x, **LRN)  # type: ignore[arg-type]


@dataclass
class AlexNetConfig:
    """Hyperparameters of :class:`AlexNet`.

    :param sample_shape: shape of one input image ``(C, H, W)``.
    :param n_classes: number of output classes.
    :param variant: ``original`` (the paper's two-tower net with LRN) or ``owt`` (single tower,
        torchvision's).
    :param geometry: ``imagenet`` (as published) or ``small`` (28x28-32x32 images).
    :param batch_norm: batch norm after every convolution instead of LRN.
    :param hidden: width of the two hidden dense layers (4096 in the paper).
    :param dropout: dropout before each of them (0.5 in the paper).
    """

    sample_shape: tuple[int, ...] = (3, 32, 32)
    n_classes: int = 10
    variant: str = "original"
    geometry: Literal["imagenet", "small"] = "small"
    batch_norm: bool = False
    hidden: int = 1024
    dropout: float = 0.5

    def __post_init__(self) -> None:
        require(self.variant in VARIANTS, f"unknown AlexNet variant {self.variant!r}; the "
                f"variants are {', '.join(VARIANTS)}")
        check_geometry_and_head(self.geometry, self.n_classes, self.hidden, self.dropout)
        # imagenet: 11x11/4 then three 3x3/2 pools leave one pixel from 63x63 (torchvision's
        # minimum); small: three 2x2 pools from 8x8
        min_side_check(self.sample_shape, 63 if self.geometry == "imagenet" else 8,
                       f"alexnet {self.variant} ({self.geometry})")


def conv_stack(c_in: int, spec: list[tuple[int, int, int, int, int]], pool_after: set[int],
               pool: tuple[int, int], lrn_after: set[int], batch_norm: bool) -> nn.Sequential:
    """Convolutions ``(filters, kernel, stride, padding, groups)`` with ReLU, LRN (or BN) and
    max-pools ``(size, stride)`` after the layers named: the trunk of AlexNet and ZFNet."""
    layers: list[nn.Module] = []
    for i, (c_out, kernel, stride, padding, groups) in enumerate(spec):
        layers.append(nn.Conv2d(c_in, c_out, kernel, stride, padding, groups=groups))
        if batch_norm:
            layers.append(nn.BatchNorm2d(c_out))
        layers.append(nn.ReLU(inplace=True))
        if i in lrn_after and not batch_norm:
            layers.append(LRN2d())
        if i in pool_after:
            layers.append(nn.MaxPool2d(*pool))
        c_in = c_out
    return nn.Sequential(*layers)


def dense_head(c: int, grid: int, hidden: int, n_classes: int, dropout: float) -> nn.Sequential:
    """Adaptive average pool to ``grid`` x ``grid``, then dropout -> dense -> ReLU twice and
    the output layer (AlexNet's and ZFNet's classifier)."""
    return nn.Sequential(
        nn.AdaptiveAvgPool2d(grid), nn.Flatten(), nn.Dropout(dropout),
        nn.Linear(c * grid * grid, hidden), nn.ReLU(inplace=True), nn.Dropout(dropout),
        nn.Linear(hidden, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, n_classes))


class DenseHeadNet(ImageClassifier[C]):
    """What AlexNet and ZFNet share: a convolutional trunk ``features`` (a sequential of
    convolutions, ReLUs, LRN or BN and pools) and the :func:`dense_head` ``head``; their
    ``__init__`` builds the two.

    :param config: the net's hyperparameters.
    """

    features: nn.Sequential
    head: nn.Sequential

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check(x)
        return self.head(self.features(x))

    def feature_stages(self) -> list[tuple[str, nn.Module]]:
        """The rectified maps of the five convolutions (before LRN and pooling)."""
        return conv_activations(self.features)

    def visualize(self, out_dir: Path) -> list[Path]:
        """First-layer filters; once evaluated, feature maps and Grad-CAM."""
        return convnet_plots(self, out_dir)


@register("alexnet", config=AlexNetConfig, rule="backpropagation",
          peer="torchvision's published parameter counts",
          reference="https://code.google.com/archive/p/cuda-convnet/")
class AlexNet(DenseHeadNet[AlexNetConfig]):
    """Five convolutions (LRN or BN after the first two), three max-pools, three dense layers.

    :param config: an :class:`AlexNetConfig`.
    """

    def __init__(self, config: AlexNetConfig) -> None:
        super().__init__(config)
        filters, groups, with_lrn = VARIANTS[config.variant]
        if config.geometry == "imagenet":
            geometry = [(11, 4, 2), (5, 1, 2), (3, 1, 1), (3, 1, 1), (3, 1, 1)]
            pool, grid = (3, 2), 6
        else:
            geometry = [(5, 1, 2), (5, 1, 2), (3, 1, 1), (3, 1, 1), (3, 1, 1)]
            pool, grid = (2, 2), 3
        spec = [(f, k, s, p, g) for f, (k, s, p), g in zip(filters, geometry, groups)]
        self.features = conv_stack(config.sample_shape[0], spec, {0, 1, 4}, pool,
                                   {0, 1} if with_lrn else set(), config.batch_norm)
        self.head = dense_head(filters[-1], grid, config.hidden, config.n_classes,
                               config.dropout)
