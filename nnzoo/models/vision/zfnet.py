"""ZFNet: AlexNet with smaller first-layer filters and stride, tuned by looking at them.

Paper: M. D. Zeiler, R. Fergus, "Visualizing and Understanding Convolutional Networks", ECCV
2014 (arXiv 2013). https://arxiv.org/abs/1311.2901

Projecting AlexNet's feature maps back to pixels (a deconvolutional net, here
:mod:`nnzoo.models.generative.zeiler_fergus`) showed its first layer mixing very high and very
low frequencies and its second layer aliased by the stride-4 first convolution. Zeiler and
Fergus's fix (section 4.1, Figure 3): 7x7 first-layer filters at stride 2 instead of 11x11 at
stride 4, a stride-2 second convolution, and dense filters in layers 3-5 (no GPU groups).
With 224x224 inputs the maps are 110, 55, 26, 13, 13, 13 and 6 pixels wide, as in Figure 3:

    conv1 96 7x7/2 -> pool 3x3/2 -> LRN -> conv2 256 5x5/2 -> pool 3x3/2 -> LRN
    -> conv3 384 3x3 -> conv4 384 3x3 -> conv5 256 3x3 -> pool 3x3/2 -> 4096 -> 4096 -> classes

(the normalisation is AlexNet's LRN with the same constants: :func:`nnzoo.models.vision.alexnet.
lrn`). ``geometry`` ``small`` keeps the filters and uses 5x5/1 and 5x5/1 first convolutions
and 2x2 pools for 28x28-32x32 images; ``batch_norm`` replaces LRN with batch norm.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from torch import nn

from nnzoo.models.registry import register
from nnzoo.models.vision.alexnet import DenseHeadNet, LRN2d, dense_head
from nnzoo.models.vision.convnets import (
    check_geometry_and_head,
    min_side_check,
)

FILTERS = (96, 256, 384, 384, 256)


@dataclass
class ZFNetConfig:
    """Hyperparameters of :class:`ZFNet`.

    :param sample_shape: shape of one input image ``(C, H, W)``.
    :param n_classes: number of output classes.
    :param geometry: ``imagenet`` (as published) or ``small`` (28x28-32x32 images).
    :param batch_norm: batch norm after every convolution instead of LRN.
    :param hidden: width of the two hidden dense layers (4096 in the paper).
    :param dropout: dropout before each of them (0.5 in the paper).
    """

    sample_shape: tuple[int, ...] = (3, 32, 32)
    n_classes: int = 10
    geometry: Literal["imagenet", "small"] = "small"
    batch_norm: bool = False
    hidden: int = 1024
    dropout: float = 0.5

    def __post_init__(self) -> None:
        check_geometry_and_head(self.geometry, self.n_classes, self.hidden, self.dropout)
        min_side_check(self.sample_shape, 64 if self.geometry == "imagenet" else 8,
                       f"zfnet ({self.geometry})")


@register("zfnet", config=ZFNetConfig, rule="backpropagation",
          peer="none (the paper's layer sizes, Figure 3)",
          reference="https://arxiv.org/abs/1311.2901")
class ZFNet(DenseHeadNet[ZFNetConfig]):
    """AlexNet's trunk with the first two layers of Zeiler and Fergus.

    :param config: a :class:`ZFNetConfig`.
    """

    def __init__(self, config: ZFNetConfig) -> None:
        super().__init__(config)
        small = config.geometry == "small"
        # (kernel, stride, padding) of the five convolutions; pools (size, stride, padding)
        geometry = ([(5, 1, 2), (5, 1, 2), (3, 1, 1), (3, 1, 1), (3, 1, 1)] if small
                    else [(7, 2, 1), (5, 2, 0), (3, 1, 1), (3, 1, 1), (3, 1, 1)])
        pools = ([(2, 2, 0)] * 3 if small else [(3, 2, 1), (3, 2, 1), (3, 2, 0)])
        layers: list[nn.Module] = []
        c = config.sample_shape[0]
        for i, (f, (k, s, p)) in enumerate(zip(FILTERS, geometry)):
            layers.append(nn.Conv2d(c, f, k, s, p))
            layers.append(nn.BatchNorm2d(f) if config.batch_norm else nn.Identity())
            layers.append(nn.ReLU(inplace=True))
            if i in (0, 1, 4):
                layers.append(nn.MaxPool2d(*pools[min(i, 2)]))
            if i in (0, 1) and not config.batch_norm:
                layers.append(LRN2d())
            c = f
        self.features = nn.Sequential(*[m for m in layers if not isinstance(m, nn.Identity)])
        self.head = dense_head(c, 3 if small else 6, config.hidden, config.n_classes,
                               config.dropout)
