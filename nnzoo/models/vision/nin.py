"""Network in network: mlpconv layers and global average pooling.

Paper: M. Lin, Q. Chen, S. Yan, "Network In Network", ICLR 2014 (arXiv 2013).
https://arxiv.org/abs/1312.4400

A convolution is a generalised linear model applied at every position; NiN replaces it with a
small multilayer perceptron slid over the image (section 3.1), the "mlpconv" layer: a k x k
convolution followed by two 1x1 convolutions, each with a ReLU,

    f^1_{i,j,k1} = relu(w^1_{k1} . x_{i,j} + b_{k1}),  ...,  f^n_{i,j,kn} = relu(w^n_{kn} .
    f^{n-1}_{i,j} + b_{kn}),

which is a cross-channel parametric pooling: a 1x1 convolution (the idea GoogLeNet and every
later bottleneck reuse). The last mlpconv layer outputs one feature map per class and global
average pooling (section 3.2) turns each map into that class's score: no dense layers, fewer
parameters, and maps that read as class confidence maps.

``geometry`` ``imagenet``: the authors' ImageNet definition (their Caffe ``nin_imagenet``):
four mlpconv layers, 96 (11x11/4), 256 (5x5), 384 (3x3) and 1024 (3x3) channels, each with
two 1x1 layers (the last one to the classes), 3x3/2 max-pools after the first three, dropout
0.5 before the fourth, a ReLU on the class maps, global average pooling; pools round up, as
Caffe's do. ``small`` (28x28-32x32, nnzoo's layout): three mlpconv layers, 192-160-96 (5x5),
192-192-192 (5x5) and 192-192-classes (3x3), 3x3/2 max-pools after the first two, dropout
0.5 after each pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
from torch import nn

from nnzoo.core.config import require
from nnzoo.models.registry import register
from nnzoo.models.vision.convnets import ImageClassifier, min_side_check
from nnzoo.models.vision.convnets_plots import convnet_plots


@dataclass
class NiNConfig:
    """Hyperparameters of :class:`NiN`.

    :param sample_shape: shape of one input image ``(C, H, W)``.
    :param n_classes: number of output classes.
    :param geometry: ``imagenet`` (the authors' ImageNet net) or ``small`` (28x28-32x32).
    :param dropout: dropout rate (0.5 in the paper).
    :param batch_norm: a batch norm after every convolution (the paper predates it).
    """

    sample_shape: tuple[int, ...] = (3, 32, 32)
    n_classes: int = 10
    geometry: Literal["imagenet", "small"] = "small"
    dropout: float = 0.5
    batch_norm: bool = False

    def __post_init__(self) -> None:
        require(self.geometry in ("imagenet", "small"),
                f"geometry must be 'imagenet' or 'small', got {self.geometry!r}")
        require(self.n_classes >= 2, f"n_classes must be >= 2, got {self.n_classes}")
        require(0 <= self.dropout < 1, f"dropout must be in [0, 1), got {self.dropout}")
        min_side_check(self.sample_shape, 39 if self.geometry == "imagenet" else 4,
                       f"nin ({self.geometry})")


def mlpconv(c_in: int, widths: tuple[int, int, int], kernel: int, stride: int,
            batch_norm: bool) -> nn.Sequential:
    """A k x k convolution and two 1x1 convolutions, each followed by (BN and) a ReLU."""
    layers: list[nn.Module] = []
    for i, c_out in enumerate(widths):
        k, s = (kernel, stride) if i == 0 else (1, 1)
        layers.append(nn.Conv2d(c_in, c_out, k, s, k // 2 if s == 1 else 0))
        if batch_norm:
            layers.append(nn.BatchNorm2d(c_out))
        layers.append(nn.ReLU(inplace=True))
        c_in = c_out
    return nn.Sequential(*layers)


@register("nin", config=NiNConfig, rule="backpropagation",
          peer="none (the authors' layer definition; torchvision has no NiN)",
          reference="https://github.com/BVLC/caffe/wiki/Model-Zoo#network-in-network-model")
class NiN(ImageClassifier[NiNConfig]):
    """mlpconv layers, max-pools and dropout, then global average pooling of class maps.

    :param config: a :class:`NiNConfig`.
    """

    def __init__(self, config: NiNConfig) -> None:
        super().__init__(config)
        c, k, bn = config.sample_shape[0], config.n_classes, config.batch_norm
        pool = nn.MaxPool2d(3, 2, ceil_mode=True)
        drop = nn.Dropout(config.dropout)
        if config.geometry == "imagenet":
            blocks = [mlpconv(c, (96, 96, 96), 11, 4, bn), pool,
                      mlpconv(96, (256, 256, 256), 5, 1, bn), pool,
                      mlpconv(256, (384, 384, 384), 3, 1, bn), pool, drop,
                      mlpconv(384, (1024, 1024, k), 3, 1, bn)]
        else:
            blocks = [mlpconv(c, (192, 160, 96), 5, 1, bn), pool, drop,
                      mlpconv(96, (192, 192, 192), 5, 1, bn), pool, drop,
                      mlpconv(192, (192, 192, k), 3, 1, bn)]
        self.features = nn.Sequential(*blocks)

    def class_maps(self, x: torch.Tensor) -> torch.Tensor:
        """One confidence map per class, ``(B, K, H', W')``: the last mlpconv's output."""
        return self.features(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check(x)
        return self.class_maps(x).mean((2, 3))  # global average pooling -> (B, K)

    def feature_stages(self) -> list[tuple[str, nn.Module]]:
        """The output of each mlpconv block (the last: one map per class, then pooled)."""
        blocks = [m for m in self.features if isinstance(m, nn.Sequential)]
        return [(f"mlpconv{i}", m) for i, m in enumerate(blocks, 1)]

    def visualize(self, out_dir: Path) -> list[Path]:
        """First-layer filters; once evaluated, feature maps and Grad-CAM."""
        return convnet_plots(self, out_dir)
