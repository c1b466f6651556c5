"""VGG networks: configurations A, B, D and E (VGG-11, 13, 16, 19), with or without batch norm.

Paper: K. Simonyan, A. Zisserman, "Very Deep Convolutional Networks for Large-Scale Image
Recognition", arXiv 2014 (ICLR 2015). https://arxiv.org/abs/1409.1556

VGG's one idea is depth from a single small building block: only 3x3 convolutions (stride 1,
padding 1) and 2x2 max-pools. Two stacked 3x3 layers see a 5x5 window and three see 7x7, with
fewer weights (3 * 9C^2 instead of 49C^2 for C channels) and a ReLU between each. Five stages
of convolutions, each closed by a pool, double the width from 64 to 512; Table 1 of the paper
names the configurations by the number of convolutions per stage:

    A (vgg11): 1 1 2 2 2      B (vgg13): 2 2 2 2 2
    D (vgg16): 2 2 3 3 3      E (vgg19): 2 2 4 4 4

Geometries (``geometry``):

- ``imagenet``: the published net: the five stages, an adaptive average pool to 7x7 (as
  torchvision builds it, so any input of at least 32x32 works; 224x224 gives 7x7 already),
  then 4096 -> 4096 -> classes fully connected layers with dropout 0.5. With ``batch_norm`` a
  BN follows every convolution (the ``vgg16_bn`` of torchvision; the paper predates BN). The
  parameter counts equal torchvision's.
- ``small``: for 28x28 and 32x32 images: the last stage keeps its resolution (four pools),
  a global average pool replaces the 7x7 grid, and one hidden layer of ``hidden`` units.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
from torch import nn

from nnzoo.core.config import require
from nnzoo.models.registry import register
from nnzoo.models.vision.convnets import ImageClassifier, check_geometry_and_head, min_side_check
from nnzoo.models.vision.convnets_plots import convnet_plots

#: variant -> convolutions per stage (Table 1 of the paper)
VARIANTS: dict[str, tuple[int, ...]] = {
    "vgg11": (1, 1, 2, 2, 2),   # A
    "vgg13": (2, 2, 2, 2, 2),   # B
    "vgg16": (2, 2, 3, 3, 3),   # D
    "vgg19": (2, 2, 4, 4, 4),   # E
}
WIDTHS = (64, 128, 256, 512, 512)


@dataclass
class VGGConfig:
    """Hyperparameters of :class:`VGG`.

    :param sample_shape: shape of one input image ``(C, H, W)``.
    :param n_classes: number of output classes.
    :param variant: ``vgg11`` (A), ``vgg13`` (B), ``vgg16`` (D) or ``vgg19`` (E).
    :param geometry: ``imagenet`` (as published) or ``small`` (28x28-32x32 images).
    :param batch_norm: a batch norm after every convolution.
    :param hidden: width of the fully connected layers (4096 in the paper; ``small``: 512).
    :param dropout: dropout before each hidden fully connected layer's successor.
    """

    sample_shape: tuple[int, ...] = (3, 32, 32)
    n_classes: int = 10
    variant: str = "vgg11"
    geometry: Literal["imagenet", "small"] = "small"
    batch_norm: bool = True
    hidden: int = 512
    dropout: float = 0.5

    def __post_init__(self) -> None:
        require(self.variant in VARIANTS, f"unknown VGG variant {self.variant!r}; the "
                f"variants are {', '.join(VARIANTS)}")
        check_geometry_and_head(self.geometry, self.n_classes, self.hidden, self.dropout)
        min_side_check(self.sample_shape, self.min_side, f"{self.variant} ({self.geometry})")

    @property
    def min_side(self) -> int:
        """Smallest image side: one pixel left after the pools (five, or four for small)."""
        return 32 if self.geometry == "imagenet" else 16


@register("vgg", config=VGGConfig, rule="backpropagation",
          peer="torchvision's published parameter counts",
          reference="https://www.robots.ox.ac.uk/~vgg/research/very_deep/")
class VGG(ImageClassifier[VGGConfig]):
    """Stages of 3x3 convolutions (+ BN) + ReLU closed by 2x2 max-pools, then dense layers.

    :param config: a :class:`VGGConfig`.
    """

    def __init__(self, config: VGGConfig) -> None:
        super().__init__(config)
        c = config.sample_shape[0]
        stages: list[nn.Module] = []
        for i, (n, width) in enumerate(zip(VARIANTS[config.variant], WIDTHS)):
            layers: list[nn.Module] = []
            for _ in range(n):
                layers.append(nn.Conv2d(c, width, 3, padding=1))
                if config.batch_norm:
                    layers.append(nn.BatchNorm2d(width))
                layers.append(nn.ReLU(inplace=True))
                c = width
            if config.geometry == "imagenet" or i < len(WIDTHS) - 1:
                layers.append(nn.MaxPool2d(2))
            stages.append(nn.Sequential(*layers))
        self.stages = nn.Sequential(*stages)
        if config.geometry == "imagenet":
            self.pool: nn.Module = nn.AdaptiveAvgPool2d(7)
            self.head = nn.Sequential(
                nn.Flatten(), nn.Linear(c * 7 * 7, config.hidden), nn.ReLU(inplace=True),
                nn.Dropout(config.dropout), nn.Linear(config.hidden, config.hidden),
                nn.ReLU(inplace=True), nn.Dropout(config.dropout),
                nn.Linear(config.hidden, config.n_classes))
        else:
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.head = nn.Sequential(
                nn.Flatten(), nn.Linear(c, config.hidden), nn.ReLU(inplace=True),
                nn.Dropout(config.dropout), nn.Linear(config.hidden, config.n_classes))
        for m in self.modules():  # He initialisation (the paper pre-trained A to start D, E)
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The feature maps after each stage, ``(B, C_s, H_s, W_s)``."""
        maps = [x]
        for stage in self.stages:
            maps.append(stage(maps[-1]))
        return maps[1:]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check(x)
        return self.head(self.pool(self.stages(x)))

    def feature_stages(self) -> list[tuple[str, nn.Module]]:
        """The rectified maps of each stage's last convolution (before its pooling)."""
        out: list[tuple[str, nn.Module]] = []
        for i, stage in enumerate(self.stages, 1):
            acts = [m for m in stage.children() if isinstance(m, nn.ReLU)]
            out.append((f"stage{i}", acts[-1]))
        return out

    def visualize(self, out_dir: Path) -> list[Path]:
        """First-layer filters; once evaluated, feature maps and Grad-CAM."""
        return convnet_plots(self, out_dir)
