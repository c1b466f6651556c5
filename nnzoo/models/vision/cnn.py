"""Convolutional networks for images: LeNet-5 and a small modern conv net with batch norm.

Paper: Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, "Gradient-based learning applied to
document recognition", Proc. IEEE 86(11), 1998. https://doi.org/10.1109/5.726791

Batch norm: S. Ioffe, C. Szegedy, 2015, https://arxiv.org/abs/1502.03167.

A convolution slides K learned filters over the image,

    y[k, i, j] = b_k + sum_{c, u, v} w[k, c, u, v] * x[c, i + u, j + v],

so each filter detects one local pattern wherever it appears; pooling then halves the
resolution. Two architectures share this file (``arch``):

- ``convnet`` (the default): stages of two 3x3 conv -> BN -> ReLU blocks and a 2x2
  max-pool, then a hidden dense layer with dropout. It works on any image of at least 4x4
  pixels per stage (the 8x8 digits and the 28x28 MNIST alike).
  Its weights and activations are kept channels-last (NHWC, ``torch.channels_last``): oneDNN's
  convolutions, batch norm and pooling work in that layout natively, so no layout reorders
  surround each kernel (measured on 2 CPU cores: 8-25 % less time per training step, MNIST
  and digits, 1 and 2 threads). The layout changes strides only, not values or the state
  dict.
- ``lenet5``: LeNet-5 as in the paper: C1 6@5x5, S2 2x2 subsampling, C3 16@5x5, S4, C5
  120@5x5, F6 84, output. Inputs are 32x32: 28x28 images are zero-padded by 2 (as the paper
  did for MNIST), other sizes resized bilinearly. Two departures, as in every modern
  re-implementation: S2/S4 are average pools (no trainable coefficient), C3 connects to all
  six S2 maps (not the paper's sparse table), and the output is a linear layer trained with
  cross-entropy instead of Euclidean RBF units.
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
from nnzoo.models.vision.convnets import ImageClassifier, conv_activations
from nnzoo.models.vision.convnets_plots import convnet_plots


@dataclass
class CNNConfig:
    """Hyperparameters of :class:`CNN`.

    :param sample_shape: shape of one input image ``(C, H, W)``.
    :param n_classes: number of output classes.
    :param arch: ``convnet`` (modern, batch norm) or ``lenet5`` (LeCun et al. 1998).
    :param channels: ``convnet`` only: output channels of each stage.
    :param hidden: ``convnet`` only: width of the dense layer before the output.
    :param dropout: ``convnet`` only: dropout before the output layers.
    :param batch_norm: ``convnet`` only: batch normalisation after each convolution.
    :param activation: ``lenet5`` only: ``tanh`` (the paper's squashing function) or ``relu``.
    """

    sample_shape: tuple[int, ...] = (1, 8, 8)
    n_classes: int = 10
    arch: Literal["convnet", "lenet5"] = "convnet"
    channels: tuple[int, ...] = (32, 64)
    hidden: int = 128
    dropout: float = 0.25
    batch_norm: bool = True
    activation: Literal["tanh", "relu"] = "tanh"

    def __post_init__(self) -> None:
        require(len(self.sample_shape) == 3 and all(s >= 1 for s in self.sample_shape),
                f"sample_shape must be (C, H, W), got {self.sample_shape}")
        require(self.n_classes >= 2, f"n_classes must be >= 2, got {self.n_classes}")
        require(len(self.channels) >= 1 and all(c >= 1 for c in self.channels),
                f"channels must be positive, got {self.channels}")
        side = min(self.sample_shape[1:]) // 2 ** len(self.channels)
        require(self.arch == "lenet5" or side >= 1,
                f"{len(self.channels)} pooling stages need images of at least "
                f"{2 ** len(self.channels)}x{2 ** len(self.channels)} pixels, "
                f"got {self.sample_shape[1]}x{self.sample_shape[2]}")
        require(self.hidden >= 1, f"hidden must be >= 1, got {self.hidden}")
        require(0 <= self.dropout < 1, f"dropout must be in [0, 1), got {self.dropout}")


def conv_block(c_in: int, c_out: int, batch_norm: bool) -> list[nn.Module]:
    """3x3 convolution (same padding) -> BN -> ReLU."""
    return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=not batch_norm),
            *([nn.BatchNorm2d(c_out)] if batch_norm else []), nn.ReLU(inplace=True)]


class ConvNet(nn.Module):
    """Stages of (conv block x2, 2x2 max-pool), then dense -> dropout -> output."""

    def __init__(self, cfg: CNNConfig) -> None:
        super().__init__()
        c, h, w = cfg.sample_shape
        layers: list[nn.Module] = []
        for c_out in cfg.channels:
            layers += conv_block(c, c_out, cfg.batch_norm) + conv_block(c_out, c_out,
                                                                        cfg.batch_norm)
            layers.append(nn.MaxPool2d(2))
            c, h, w = c_out, h // 2, w // 2
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(
            nn.Flatten(), nn.Dropout(cfg.dropout), nn.Linear(c * h * w, cfg.hidden),
            nn.ReLU(inplace=True), nn.Dropout(cfg.dropout), nn.Linear(cfg.hidden, cfg.n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))  # (B, C, H, W) -> (B, K)


class LeNet5(nn.Module):
    """LeNet-5 (LeCun et al. 1998) on 32x32 inputs."""

    def __init__(self, cfg: CNNConfig) -> None:
        super().__init__()
        act = nn.Tanh if cfg.activation == "tanh" else nn.ReLU
        c = cfg.sample_shape[0]
        self.features = nn.Sequential(
            nn.Conv2d(c, 6, 5), act(), nn.AvgPool2d(2),     # C1, S2: (6, 14, 14)
            nn.Conv2d(6, 16, 5), act(), nn.AvgPool2d(2),    # C3, S4: (16, 5, 5)
            nn.Conv2d(16, 120, 5), act(),                   # C5: (120, 1, 1)
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(120, 84), act(),  # F6
                                  nn.Linear(84, cfg.n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        if (h, w) == (28, 28):
            x = F.pad(x, (2, 2, 2, 2))
        elif (h, w) != (32, 32):
            x = F.interpolate(x, size=(32, 32), mode="bilinear", align_corners=False)
        return self.head(self.features(x))


@register("cnn", config=CNNConfig, rule="backpropagation",
          peer="a hand-written PyTorch training loop (engine overhead)",
          reference="http://yann.lecun.com/exdb/lenet/")
class CNN(ImageClassifier[CNNConfig]):
    """Image classifier: the ``convnet`` or ``lenet5`` architecture of :class:`CNNConfig`.

    :param config: a :class:`CNNConfig`.
    """

    def __init__(self, config: CNNConfig) -> None:
        super().__init__(config)
        self.channels_last = config.arch == "convnet"
        self.net = LeNet5(config) if config.arch == "lenet5" else ConvNet(config)
        if self.channels_last:
            self.net.to(memory_format=torch.channels_last)  # type: ignore[call-overload]  # documented; the stubs omit it

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check(x)
        if self.channels_last:  # (B, C, H, W) values, NHWC strides
            x = x.contiguous(memory_format=torch.channels_last)
        return self.net(x)

    def feature_stages(self) -> list[tuple[str, nn.Module]]:
        """The activation after each convolution (``convnet``: before its stage's pooling;
        ``lenet5``: C1, C3, C5)."""
        return conv_activations(self.net.features)

    def visualize(self, out_dir: Path) -> list[Path]:
        """First-layer filters; once evaluated, feature maps and Grad-CAM."""
        return convnet_plots(self, out_dir)
