"""MobileNet (v1): depthwise separable convolutions.

Paper: A. G. Howard, M. Zhu, B. Chen, D. Kalenichenko, W. Wang, T. Weyand, M. Andreetto,
H. Adam, "MobileNets: Efficient Convolutional Neural Networks for Mobile Vision
Applications", 2017. https://arxiv.org/abs/1704.04861

A standard K x K convolution from M to N channels filters and mixes channels at once:
K^2 M N weights and K^2 M N H W multiply-adds. A depthwise separable convolution splits the
two (section 3.1):

    depthwise:  one K x K filter per input channel (``groups = M``):  K^2 M weights
    pointwise:  a 1x1 convolution mixing the channels:                M N weights

each followed by BN and ReLU, for a cost ratio of 1/N + 1/K^2 (8-9 times fewer for K = 3).
The net (Table 1) is a 3x3/2 convolution with 32 filters and 13 separable layers
(64-128-128-256-256-512 x6-1024-1024 channels; stride 2 at the 2nd, 4th, 6th and 12th), global
average pooling and one linear layer. The width multiplier ``alpha`` thins every layer to
alpha * N channels (the parameters fall about as alpha^2): the paper's 1.0, 0.75, 0.5 and 0.25
MobileNet-224 have 4.2, 2.6, 1.3 and 0.5 million parameters (Table 6). The last depthwise
layer of Table 1 is listed with stride 2 on a 7x7 map that stays 7x7; it has stride 1 here,
as in the reference implementations.

``geometry`` ``small`` gives the first convolution stride 1 (28x28-32x32 images: 28 -> 14 ->
7 -> 4 -> 2 after the four stride-2 separable layers).
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

#: (output channels, stride) of the 13 depthwise separable layers (Table 1)
LAYERS: tuple[tuple[int, int], ...] = (
    (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
    (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))


@dataclass
class MobileNetConfig:
    """Hyperparameters of :class:`MobileNet`.

    :param sample_shape: shape of one input image ``(C, H, W)``.
    :param n_classes: number of output classes.
    :param alpha: width multiplier in (0, 1]: every layer has ``round(alpha * N)`` channels.
    :param geometry: ``imagenet`` (first convolution stride 2, 224x224 inputs) or ``small``
        (stride 1, 28x28-32x32).
    :param dropout: dropout before the linear layer (the paper uses none).
    """

    sample_shape: tuple[int, ...] = (3, 32, 32)
    n_classes: int = 10
    alpha: float = 0.5
    geometry: Literal["imagenet", "small"] = "small"
    dropout: float = 0.0

    def __post_init__(self) -> None:
        require(0 < self.alpha <= 1, f"alpha must be in (0, 1], got {self.alpha}")
        require(self.geometry in ("imagenet", "small"),
                f"geometry must be 'imagenet' or 'small', got {self.geometry!r}")
        require(self.n_classes >= 2, f"n_classes must be >= 2, got {self.n_classes}")
        require(0 <= self.dropout < 1, f"dropout must be in [0, 1), got {self.dropout}")
        min_side_check(self.sample_shape, 32 if self.geometry == "imagenet" else 16,
                       f"mobilenet ({self.geometry})")


def conv_bn(c_in: int, c_out: int, kernel: int, stride: int, groups: int = 1
            ) -> nn.Sequential:
    """Convolution (no bias) -> BN -> ReLU."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, groups=groups, bias=False),
        nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class SeparableConv(nn.Module):
    """Depthwise 3x3 (one filter per channel) -> BN-ReLU -> pointwise 1x1 -> BN-ReLU."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.depthwise = conv_bn(c_in, c_in, 3, stride, groups=c_in)
        self.pointwise = conv_bn(c_in, c_out, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pointwise(self.depthwise(x))


@register("mobilenet", config=MobileNetConfig, rule="backpropagation",
          peer="the paper's parameter counts (Table 6)",
          reference="https://github.com/tensorflow/models/blob/master/research/slim/nets/"
                    "mobilenet_v1.md")
class MobileNet(ImageClassifier[MobileNetConfig]):
    """A 3x3 convolution, 13 depthwise separable layers, global average pool, linear.

    :param config: a :class:`MobileNetConfig`.
    """

    def __init__(self, config: MobileNetConfig) -> None:
        super().__init__(config)

        def width(n: int) -> int:
            return max(1, round(config.alpha * n))

        c = width(32)
        layers: list[nn.Module] = [conv_bn(config.sample_shape[0], c, 3,
                                           2 if config.geometry == "imagenet" else 1)]
        for n, stride in LAYERS:
            layers.append(SeparableConv(c, width(n), stride))
            c = width(n)
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(config.dropout),
                                  nn.Linear(c, config.n_classes))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check(x)
        return self.head(self.features(x).mean((2, 3), keepdim=True))

    def feature_stages(self) -> list[tuple[str, nn.Module]]:
        """The first convolution and the last separable layer at each resolution."""
        layers = list(self.features)
        out: list[tuple[str, nn.Module]] = [("conv1", layers[0])]
        for i in range(1, len(LAYERS) + 1):
            if i == len(LAYERS) or LAYERS[i][1] == 2:       # the next layer halves the map
                out.append((f"separable{i}", layers[i]))
        return out

    def visualize(self, out_dir: Path) -> list[Path]:
        """First-layer filters; once evaluated, feature maps and Grad-CAM."""
        return convnet_plots(self, out_dir)
