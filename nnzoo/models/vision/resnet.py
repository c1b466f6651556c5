"""Residual networks: the CIFAR nets ResNet-20 to ResNet-110 and ResNet-18/34/50 for ImageNet.

Paper: K. He, X. Zhang, S. Ren, J. Sun, "Deep Residual Learning for Image Recognition", CVPR
2016. https://arxiv.org/abs/1512.03385

Pre-activation units: K. He, X. Zhang, S. Ren, J. Sun, "Identity Mappings in Deep Residual
Networks", ECCV 2016. https://arxiv.org/abs/1603.05027

A residual unit learns what to add to its input rather than a whole new representation,

    x_{l+1} = relu(x_l + F(x_l; W_l))            (original, He et al. 2015)
    x_{l+1} = x_l + F(x_l; W_l)                  (pre-activation, He et al. 2016: BN and ReLU
                                                  move inside F, before each convolution)

so a unit whose residual branch outputs zero passes its input through unchanged: stacking
more units can never make the identity harder to represent, and the gradient reaches early
layers through the shortcuts undiminished (``zero_init_residual`` starts every unit there).
Two residual functions F:

- basic: 3x3 conv -> BN -> ReLU -> 3x3 conv -> BN (ResNet-18/34 and the CIFAR nets);
- bottleneck: 1x1 conv to width w -> 3x3 conv -> 1x1 conv back to 4w, each with BN (ResNet-50:
  the 1x1 convolutions cut the 3x3's cost).

Where a stage halves the resolution and widens the channels, the shortcut must change shape
too: option A (the CIFAR nets of the paper) subsamples by 2 and pads the new channels with
zeros, adding no parameter; option B (the ImageNet nets, as torchvision builds them) is a
strided 1x1 convolution with BN. The downsampling stride sits on the 3x3 convolution of the
bottleneck, as torchvision's "ResNet v1.5" (the paper puts it on the first 1x1; the number of
parameters is the same).

Variants (``variant``):

- ``resnet20``, ``resnet32``, ``resnet44``, ``resnet56``, ``resnet110``: 6n+2 layers on 32x32
  images (section 4.2): a 3x3 conv with 16 filters, three stages of n basic units with 16, 32
  and 64 filters (the last two start with stride 2), global average pooling, the classifier.
- ``resnet18``, ``resnet34``, ``resnet50``: Table 1 of the paper: four stages of 64-512 (x4 for
  the bottleneck) filters with [2, 2, 2, 2], [3, 4, 6, 3] and [3, 4, 6, 3] units. ``stem``
  ``imagenet`` is the published 7x7/2 convolution and 3x3/2 max-pool (224x224 inputs; the
  parameter counts equal torchvision's); ``small`` replaces them with one 3x3/1 convolution
  and no pooling, the usual form for 28x28 and 32x32 images.
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

#: variant -> (units per stage, bottleneck units?, CIFAR layout?)
VARIANTS: dict[str, tuple[tuple[int, ...], bool, bool]] = {
    "resnet20": ((3, 3, 3), False, True),
    "resnet32": ((5, 5, 5), False, True),
    "resnet44": ((7, 7, 7), False, True),
    "resnet56": ((9, 9, 9), False, True),
    "resnet110": ((18, 18, 18), False, True),
    "resnet18": ((2, 2, 2, 2), False, False),
    "resnet34": ((3, 4, 6, 3), False, False),
    "resnet50": ((3, 4, 6, 3), True, False),
}


@dataclass
class ResNetConfig:
    """Hyperparameters of :class:`ResNet`.

    :param sample_shape: shape of one input image ``(C, H, W)``.
    :param n_classes: number of output classes.
    :param variant: the network (see the module docstring): ``resnet20/32/44/56/110`` (CIFAR
        layout) or ``resnet18/34/50`` (ImageNet layout).
    :param stem: ImageNet-layout variants only: ``imagenet`` (7x7/2 convolution and 3x3/2
        max-pool, as published) or ``small`` (one 3x3/1 convolution, for 28x28-32x32 images).
    :param preact: pre-activation units (He et al. 2016) instead of the original ones.
    :param shortcut: shortcut where the shape changes: ``A`` (subsample and zero-pad, no
        parameters) or ``B`` (1x1 convolution and BN); ``auto``: A for the CIFAR layout, B for
        the ImageNet layout, as in the paper.
    :param zero_init_residual: start the last BN of every residual branch at zero, so every
        unit starts as the identity (Goyal et al. 2017).
    """

    sample_shape: tuple[int, ...] = (3, 32, 32)
    n_classes: int = 10
    variant: str = "resnet20"
    stem: Literal["imagenet", "small"] = "imagenet"
    preact: bool = False
    shortcut: Literal["auto", "A", "B"] = "auto"
    zero_init_residual: bool = False

    def __post_init__(self) -> None:
        require(self.variant in VARIANTS, f"unknown ResNet variant {self.variant!r}; the "
                f"variants are {', '.join(VARIANTS)}")
        require(self.stem in ("imagenet", "small"),
                f"stem must be 'imagenet' or 'small', got {self.stem!r}")
        require(self.shortcut in ("auto", "A", "B"),
                f"shortcut must be 'auto', 'A' or 'B', got {self.shortcut!r}")
        require(self.n_classes >= 2, f"n_classes must be >= 2, got {self.n_classes}")
        min_side_check(self.sample_shape, self.min_side, f"{self.variant} ({self.layout} layout)")

    @property
    def cifar(self) -> bool:
        """Whether the variant has the CIFAR layout (three stages, 16-64 filters)."""
        return VARIANTS[self.variant][2]

    @property
    def layout(self) -> str:
        """``cifar``, ``imagenet`` or ``small`` (the ImageNet stages after the small stem)."""
        return "cifar" if self.cifar else self.stem

    @property
    def min_side(self) -> int:
        """Smallest image side the net takes: one pixel per halving (stride-2 layers)."""
        stages = len(VARIANTS[self.variant][0])
        halvings = stages - 1 + (2 if self.layout == "imagenet" else 0)
        return 2 ** halvings


def _bn(c: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(c)


class Shortcut(nn.Module):
    """The identity, or, where a unit changes the shape, option A or B of the paper."""

    def __init__(self, c_in: int, c_out: int, stride: int, option: str, preact: bool) -> None:
        super().__init__()
        self.option = "identity" if (c_in, stride) == (c_out, 1) else option
        self.pad = c_out - c_in
        self.stride = stride
        if self.option == "B":
            conv = nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False)
            self.proj = nn.Sequential(conv) if preact else nn.Sequential(conv, _bn(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.option == "identity":
            return x
        if self.option == "B":
            return self.proj(x)
        x = x[:, :, ::self.stride, ::self.stride]  # option A: subsample, zero-pad channels
        return F.pad(x, (0, 0, 0, 0, self.pad // 2, self.pad - self.pad // 2))


class SqueezeExcitation(nn.Module):
    """Channel attention of Hu et al. 2018 (:mod:`nnzoo.models.vision.senet`): ``x * s`` with
    ``s = sigmoid(W_2 relu(W_1 mean_{h,w}(x)))`` in (0, 1) per channel, ``W_1`` reducing the
    channels by ``reduction``."""

    def __init__(self, c: int, reduction: int) -> None:
        super().__init__()
        hidden = max(1, c // reduction)
        self.fc1, self.fc2 = nn.Linear(c, hidden), nn.Linear(hidden, c)

    def weights(self, x: torch.Tensor) -> torch.Tensor:
        """The channel weights ``s`` of ``x``, ``(B, C)``, each in (0, 1)."""
        return torch.sigmoid(self.fc2(F.relu(self.fc1(x.mean((2, 3))))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.weights(x)[:, :, None, None]


def _se(c: int, reduction: int) -> nn.Module:
    return SqueezeExcitation(c, reduction) if reduction else nn.Identity()


class BasicUnit(nn.Module):
    """Two 3x3 convolutions; ``expansion`` = 1."""

    expansion = 1

    def __init__(self, c_in: int, width: int, stride: int, option: str, preact: bool,
                 se_reduction: int = 0) -> None:
        super().__init__()
        c_out = width
        self.preact = preact
        self.se = _se(c_out, se_reduction)
        self.conv1 = nn.Conv2d(c_in, width, 3, stride=stride, padding=1, bias=False)
        self.conv2 = nn.Conv2d(width, c_out, 3, padding=1, bias=False)
        # original: conv -> bn1 -> relu -> conv -> bn2; pre-activation: bn1 -> relu -> conv ...
        self.bn1, self.bn2 = _bn(c_in if preact else width), _bn(width if preact else c_out)
        self.shortcut = Shortcut(c_in, c_out, stride, option, preact)

    @property
    def last_bn(self) -> nn.BatchNorm2d | None:
        """The BN that scales the residual branch's output (None for pre-activation)."""
        return None if self.preact else self.bn2

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        """F(x): the residual branch alone (squeeze-excitation included, when present)."""
        if self.preact:
            return self.se(self.conv2(F.relu(self.bn2(self.conv1(F.relu(self.bn1(x)))))))
        return self.se(self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x))))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.preact:  # the shortcut of a shape-changing unit reads the activated input
            a = F.relu(self.bn1(x))
            s = x if self.shortcut.option == "identity" else self.shortcut(a)
            return s + self.se(self.conv2(F.relu(self.bn2(self.conv1(a)))))
        return F.relu(self.shortcut(x) + self.residual(x))


class BottleneckUnit(nn.Module):
    """1x1 (width) -> 3x3 (width, the stride) -> 1x1 (4 x width); ``expansion`` = 4."""

    expansion = 4

    def __init__(self, c_in: int, width: int, stride: int, option: str, preact: bool,
                 se_reduction: int = 0) -> None:
        super().__init__()
        c_out = width * self.expansion
        self.preact = preact
        self.se = _se(c_out, se_reduction)
        self.conv1 = nn.Conv2d(c_in, width, 1, bias=False)
        self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)
        self.conv3 = nn.Conv2d(width, c_out, 1, bias=False)
        self.bn1 = _bn(c_in if preact else width)
        self.bn2, self.bn3 = _bn(width), _bn(width if preact else c_out)
        self.shortcut = Shortcut(c_in, c_out, stride, option, preact)

    @property
    def last_bn(self) -> nn.BatchNorm2d | None:
        return None if self.preact else self.bn3

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        if self.preact:
            h = self.conv1(F.relu(self.bn1(x)))
            h = self.conv2(F.relu(self.bn2(h)))
            return self.se(self.conv3(F.relu(self.bn3(h))))
        h = F.relu(self.bn1(self.conv1(x)))
        h = F.relu(self.bn2(self.conv2(h)))
        return self.se(self.bn3(self.conv3(h)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.preact:
            a = F.relu(self.bn1(x))
            s = x if self.shortcut.option == "identity" else self.shortcut(a)
            h = self.conv2(F.relu(self.bn2(self.conv1(a))))
            return s + self.se(self.conv3(F.relu(self.bn3(h))))
        return F.relu(self.shortcut(x) + self.residual(x))


@register("resnet", config=ResNetConfig, rule="backpropagation",
          peer="torchvision's published parameter counts; the paper's CIFAR-10 errors",
          reference="https://github.com/KaimingHe/deep-residual-networks")
class ResNet(ImageClassifier[ResNetConfig]):
    """A residual network: stem -> stages of residual units -> global average pool -> linear.

    :param config: a :class:`ResNetConfig`.
    """

    def __init__(self, config: ResNetConfig) -> None:
        super().__init__(config)
        units, bottleneck, cifar = VARIANTS[config.variant]
        unit: type[BasicUnit] | type[BottleneckUnit] = (BottleneckUnit if bottleneck
                                                        else BasicUnit)
        option = ("A" if cifar else "B") if config.shortcut == "auto" else config.shortcut
        c = config.sample_shape[0]
        widths = (16, 32, 64) if cifar else (64, 128, 256, 512)
        stem: list[nn.Module]
        if config.layout == "imagenet":
            stem = [nn.Conv2d(c, 64, 7, stride=2, padding=3, bias=False)]
            stem_pool: list[nn.Module] = [nn.MaxPool2d(3, stride=2, padding=1)]
        else:
            stem, stem_pool = [nn.Conv2d(c, widths[0], 3, padding=1, bias=False)], []
        # pre-activation nets normalise inside the units and once more before the pooling
        self.stem = nn.Sequential(*stem, *([] if config.preact else [_bn(widths[0]),
                                                                     nn.ReLU(inplace=True)]),
                                  *stem_pool)
        stages: list[nn.Module] = []
        c_in = widths[0]
        for i, (n, w) in enumerate(zip(units, widths)):
            blocks = []
            for j in range(n):
                stride = 2 if (i > 0 and j == 0) else 1
                blocks.append(unit(c_in, w, stride, option, config.preact,
                                   self._se_reduction()))
                c_in = w * unit.expansion
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.Sequential(*stages)
        self.final = nn.Sequential(_bn(c_in), nn.ReLU(inplace=True)) if config.preact \
            else nn.Identity()
        self.fc = nn.Linear(c_in, config.n_classes)
        self._init(config.zero_init_residual)

    def _se_reduction(self) -> int:
        """The reduction of the squeeze-excitation in every unit; 0 (none) for a ResNet."""
        return 0

    def _init(self, zero_init_residual: bool) -> None:
        """He (fan-out) normal convolutions, BN at gamma = 1, beta = 0 (as the paper cites)."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        if zero_init_residual:
            for u in self.units():
                if u.last_bn is not None:
                    nn.init.zeros_(u.last_bn.weight)

    def units(self) -> list[BasicUnit | BottleneckUnit]:
        """Every residual unit, in order."""
        return [m for m in self.modules() if isinstance(m, BasicUnit | BottleneckUnit)]

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The feature maps after the stem and after each stage, ``(B, C_s, H_s, W_s)``."""
        maps = [self.stem(x)]
        for stage in self.stages:
            maps.append(stage(maps[-1]))
        return maps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check(x)
        h = self.final(self.stages(self.stem(x)))
        return self.fc(h.mean((2, 3)))  # global average pooling -> (B, K)

    def feature_stages(self) -> list[tuple[str, nn.Module]]:
        """The stem and each stage (with pre-activation units, the last stage after the final
        BN-ReLU, what the classifier pools)."""
        stages: list[tuple[str, nn.Module]] = [("stem", self.stem)]
        stages += [(f"stage{i}", m) for i, m in enumerate(self.stages, 1)]
        if self.config.preact:
            stages[-1] = (f"{stages[-1][0]}+bn-relu", self.final)
        return stages

    def visualize(self, out_dir: Path) -> list[Path]:
        """First-layer filters; once evaluated, feature maps and Grad-CAM."""
        return convnet_plots(self, out_dir)
