"""Squeeze-and-excitation networks: ResNets whose units reweight their channels.

Paper: J. Hu, L. Shen, G. Sun, "Squeeze-and-Excitation Networks", CVPR 2018 (arXiv 2017).
https://arxiv.org/abs/1709.01507

A convolution mixes channels only within its receptive field; an SE block lets every unit
look at the whole image before deciding how much each of its channels matters (section 3):

    squeeze:     z_c = mean_{i,j} u_c(i, j)                      (global average pooling)
    excitation:  s = sigmoid(W_2 relu(W_1 z)),  W_1: C -> C / r,  W_2: C / r -> C
    scale:       u~_c = s_c * u_c

with the reduction ratio r = 16 by default. In an SE-ResNet the block scales the residual
branch's output before it is added to the shortcut, so the identity path is untouched
(Figure 3). The cost is 2 C^2 / r weights per unit: about 10 % more parameters for
SE-ResNet-50. Every variant, stem and option of :mod:`nnzoo.models.vision.resnet` applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from nnzoo.core.config import require
from nnzoo.models.registry import register
from nnzoo.models.vision.resnet import ResNet, ResNetConfig


@dataclass
class SENetConfig(ResNetConfig):
    """Hyperparameters of :class:`SENet`: those of
    :class:`~nnzoo.models.vision.resnet.ResNetConfig` and the reduction ratio.

    :param reduction: r: the excitation's hidden layer has ``C // r`` units (at least one).
    """

    reduction: int = 16

    def __post_init__(self) -> None:
        super().__post_init__()
        require(self.reduction >= 1, f"reduction must be >= 1, got {self.reduction}")


@register("senet", config=SENetConfig, rule="backpropagation",
          peer="none (the paper's architecture; torchvision has no SE-ResNet)",
          reference="https://github.com/hujie-frank/SENet")
class SENet(ResNet):
    """A :class:`~nnzoo.models.vision.resnet.ResNet` with a squeeze-and-excitation block
    (:class:`~nnzoo.models.vision.resnet.SqueezeExcitation`) on every unit's residual branch.

    :param config: an :class:`SENetConfig`.
    """

    def _se_reduction(self) -> int:
        return cast(SENetConfig, self.config).reduction
