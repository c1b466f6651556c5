"""Densely connected convolutional networks (DenseNet-BC).

Paper: G. Huang, Z. Liu, L. van der Maaten, K. Q. Weinberger, "Densely Connected
Convolutional Networks", CVPR 2017 (arXiv 2016). https://arxiv.org/abs/1608.06993

Where a residual unit adds its output to its input, a dense layer concatenates: layer l of a
block sees the feature maps of every layer before it in the block,

    x_l = H_l([x_0, x_1, ..., x_{l-1}]),

and adds only ``k`` new channels (the growth rate), so a block that starts with c_0 channels
ends with c_0 + L k. The "B" (bottleneck) layer is H_l = BN-ReLU-1x1 conv (4k channels)
-BN-ReLU-3x3 conv (k channels); between blocks a transition (BN-ReLU-1x1 conv-2x2 average
pool) halves the resolution and, "C" (compression theta = 0.5), the channels. Features are
reused instead of relearned, so DenseNets need far fewer parameters than ResNets of the same
accuracy.

Variants (``variant``):

- ``densenet121`` / ``169`` / ``201`` (k = 32, 64 initial channels, blocks of 6-12-24-16,
  6-12-32-32, 6-12-48-32 layers) and ``densenet161`` (k = 48, 96 initial channels, 6-12-36-24):
  the ImageNet nets of Table 1, stem 7x7/2 convolution + BN-ReLU + 3x3/2 max-pool; parameter
  counts equal torchvision's.
- ``densenet-bc-100`` (k = 12) and ``densenet-bc-40`` (k = 12): the CIFAR nets of section 4:
  three blocks of (depth - 4) / 6 bottleneck layers, a 3x3 stem with 2k channels, no pool.

``stem`` ``small`` gives an ImageNet variant the CIFAR stem (one 3x3/1 convolution) for
28x28-32x32 images.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from nnzoo.core.config import require
from nnzoo.models.registry import register
from nnzoo.models.vision.convnets import ImageClassifier, min_side_check
from nnzoo.models.vision.convnets_plots import convnet_plots

#: variant -> (growth rate k, initial channels, layers per block, CIFAR layout?)
VARIANTS: dict[str, tuple[int, int, tuple[int, ...], bool]] = {
    "densenet121": (32, 64, (6, 12, 24, 16), False),
    "densenet169": (32, 64, (6, 12, 32, 32), False),
    "densenet201": (32, 64, (6, 12, 48, 32), False),
    "densenet161": (48, 96, (6, 12, 36, 24), False),
    "densenet-bc-100": (12, 24, (16, 16, 16), True),
    "densenet-bc-40": (12, 24, (6, 6, 6), True),
}
BOTTLENECK = 4      # the 1x1 convolution outputs 4k channels
COMPRESSION = 0.5   # theta: a transition keeps half the channels


@dataclass
class DenseNetConfig:
    """Hyperparameters of :class:`DenseNet`.

    :param sample_shape: shape of one input image ``(C, H, W)``.
    :param n_classes: number of output classes.
    :param variant: see the module docstring.
    :param stem: ImageNet variants only: ``imagenet`` (7x7/2 convolution and max-pool) or
        ``small`` (one 3x3/1 convolution).
    :param dropout: dropout after each dense layer's 3x3 convolution (0.2 in the paper's
        CIFAR runs without augmentation; 0 for ImageNet).
    """

    sample_shape: tuple[int, ...] = (3, 32, 32)
    n_classes: int = 10
    variant: str = "densenet-bc-40"
    stem: Literal["imagenet", "small"] = "imagenet"
    dropout: float = 0.0

    def __post_init__(self) -> None:
        require(self.variant in VARIANTS, f"unknown DenseNet variant {self.variant!r}; the "
                f"variants are {', '.join(VARIANTS)}")
        require(self.stem in ("imagenet", "small"),
                f"stem must be 'imagenet' or 'small', got {self.stem!r}")
        require(self.n_classes >= 2, f"n_classes must be >= 2, got {self.n_classes}")
        require(0 <= self.dropout < 1, f"dropout must be in [0, 1), got {self.dropout}")
        blocks = len(VARIANTS[self.variant][2])
        halvings = blocks - 1 + (2 if self.layout == "imagenet" else 0)
        min_side_check(self.sample_shape, 2 ** halvings, f"{self.variant} ({self.layout})")

    @property
    def layout(self) -> str:
        """``cifar``, ``imagenet`` or ``small`` (ImageNet blocks after the 3x3 stem)."""
        return "cifar" if VARIANTS[self.variant][3] else self.stem


class DenseLayer(nn.Module):
    """BN-ReLU-1x1 conv (4k) -BN-ReLU-3x3 conv (k): ``k`` new channels from all before."""

    def __init__(self, c_in: int, k: int, dropout: float) -> None:
        super().__init__()
        self.bn1, self.conv1 = nn.BatchNorm2d(c_in), nn.Conv2d(c_in, BOTTLENECK * k, 1,
                                                               bias=False)
        self.bn2 = nn.BatchNorm2d(BOTTLENECK * k)
        self.conv2 = nn.Conv2d(BOTTLENECK * k, k, 3, padding=1, bias=False)
        self.dropout = dropout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.relu(self.bn1(x)))
        h = self.conv2(F.relu(self.bn2(h)))
        return F.dropout(h, self.dropout, self.training) if self.dropout else h


class DenseBlock(nn.Module):
    """``n`` dense layers; the output is the concatenation ``[x_0, x_1, ..., x_n]``."""

    def __init__(self, c_in: int, n: int, k: int, dropout: float) -> None:
        super().__init__()
        self.layers = nn.ModuleList(DenseLayer(c_in + i * k, k, dropout) for i in range(n))
        self.c_out = c_in + n * k

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = [x]
        for layer in self.layers:
            features.append(layer(torch.cat(features, 1)))
        return torch.cat(features, 1)


def transition(c_in: int, c_out: int) -> nn.Sequential:
    """BN-ReLU-1x1 conv-2x2 average pool: half the resolution, ``c_out`` channels."""
    return nn.Sequential(nn.BatchNorm2d(c_in), nn.ReLU(inplace=True),
                         nn.Conv2d(c_in, c_out, 1, bias=False), nn.AvgPool2d(2))


@register("densenet", config=DenseNetConfig, rule="backpropagation",
          peer="torchvision's published parameter counts",
          reference="https://github.com/liuzhuang13/DenseNet")
class DenseNet(ImageClassifier[DenseNetConfig]):
    """Stem -> dense blocks joined by transitions -> BN-ReLU -> global average pool -> linear.

    :param config: a :class:`DenseNetConfig`.
    """

    def __init__(self, config: DenseNetConfig) -> None:
        super().__init__(config)
        k, c, blocks, _ = VARIANTS[config.variant]
        c_in = config.sample_shape[0]
        if config.layout == "imagenet":
            self.stem = nn.Sequential(nn.Conv2d(c_in, c, 7, stride=2, padding=3, bias=False),
                                      nn.BatchNorm2d(c), nn.ReLU(inplace=True),
                                      nn.MaxPool2d(3, stride=2, padding=1))
        else:
            self.stem = nn.Sequential(nn.Conv2d(c_in, c, 3, padding=1, bias=False))
        stages: list[nn.Module] = []
        for i, n in enumerate(blocks):
            block = DenseBlock(c, n, k, config.dropout)
            stages.append(block)
            c = block.c_out
            if i < len(blocks) - 1:
                stages.append(transition(c, int(c * COMPRESSION)))
                c = int(c * COMPRESSION)
        self.stages = nn.Sequential(*stages)
        self.final = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(inplace=True))
        self.fc = nn.Linear(c, config.n_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight)
            elif isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)

    def blocks(self) -> list[DenseBlock]:
        """The dense blocks, in order."""
        return [m for m in self.stages if isinstance(m, DenseBlock)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check(x)
        return self.fc(self.final(self.stages(self.stem(x))).mean((2, 3)))

    def feature_stages(self) -> list[tuple[str, nn.Module]]:
        """The stem and each dense block's output; the last block's after the final BN-ReLU
        (what the classifier pools)."""
        blocks: list[tuple[str, nn.Module]] = [(f"block{i}", m)
                                               for i, m in enumerate(self.blocks(), 1)]
        blocks[-1] = (f"{blocks[-1][0]}+bn-relu", self.final)
        return [("stem", self.stem), *blocks]

    def visualize(self, out_dir: Path) -> list[Path]:
        """First-layer filters; once evaluated, feature maps and Grad-CAM."""
        return convnet_plots(self, out_dir)
