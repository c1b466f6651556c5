"""GoogLeNet (Inception v1), with its auxiliary classifiers.

Paper: C. Szegedy, W. Liu, Y. Jia, P. Sermanet, S. Reed, D. Anguelov, D. Erhan, V. Vanhoucke,
A. Rabinovich, "Going Deeper with Convolutions", CVPR 2015 (arXiv 2014).
https://arxiv.org/abs/1409.4842

An Inception module looks at its input at several scales at once and concatenates what it
sees (Figure 2b): four parallel branches,

    1x1 conv  |  1x1 reduce -> 3x3 conv  |  1x1 reduce -> 5x5 conv  |  3x3 max-pool -> 1x1 proj

whose outputs are stacked along the channels. The 1x1 "reduce" convolutions shrink the
channels before the expensive 3x3 and 5x5 filters, which is what lets 22 layers cost 1.5
billion multiply-adds. Nine modules (3a-3b, 4a-4e, 5a-5b; widths of Table 1) sit between
max-pools, after a stem of ordinary convolutions; global average pooling and dropout (0.4)
replace the dense layers of AlexNet. Two auxiliary classifiers on 4a and 4d (5x5/3 average
pool, 1x1 conv to 128, 1024 dense, dropout 0.7, softmax) add gradient to the middle of the net
during training, their losses weighted 0.3 (section 5); at test time they are dropped.

Layout as torchvision builds it, so that the counts agree (6,624,904 parameters without the
auxiliary heads): every convolution is followed by a batch norm (eps 0.001) and ReLU, which
the paper predates, and the "5x5" branch uses a 3x3 convolution (a known difference of the
torchvision model; ``five_by_five=True`` restores the paper's 5x5). ``geometry`` ``small``
replaces the stem with one 3x3 convolution to 192 channels at stride 1 and keeps only the two
max-pools between the module groups (28x28 -> 14x14 -> 7x7). Two options make it cheap enough
for a CPU: ``stem_stride=2`` (small geometry) halves the resolution in the stem (28x28 -> 14x14
-> 7x7 -> 4x4: a quarter of the multiply-adds), and ``width`` multiplies every channel count of
the stem and of Table 1 (rounded; the cost falls with its square), as MobileNet's width
multiplier does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from nnzoo.core.config import require
from nnzoo.models.base import Batch, _labelled
from nnzoo.models.registry import register
from nnzoo.models.vision.convnets import ImageClassifier, min_side_check
from nnzoo.models.vision.convnets_plots import convnet_plots

#: module -> (1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj): Table 1 of the paper
MODULES: dict[str, tuple[int, int, int, int, int, int]] = {
    "3a": (64, 96, 128, 16, 32, 32), "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64), "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64), "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128),
    "5a": (256, 160, 320, 32, 128, 128), "5b": (384, 192, 384, 48, 128, 128),
}
AUX_WEIGHT = 0.3  # each auxiliary loss's weight (section 5)


@dataclass
class GoogLeNetConfig:
    """Hyperparameters of :class:`GoogLeNet`.

    :param sample_shape: shape of one input image ``(C, H, W)``.
    :param n_classes: number of output classes.
    :param geometry: ``imagenet`` (the published stem, 224x224 inputs) or ``small``
        (28x28-32x32).
    :param aux_heads: the two auxiliary classifiers (trained with weight 0.3, unused at test).
    :param five_by_five: the paper's 5x5 convolution in the third branch (torchvision: 3x3).
    :param dropout: before the classifier (0.4 in the paper; torchvision 0.2).
    :param width: multiplier of every convolution's channels (1 = the paper's widths).
    :param stem_stride: stride of the small geometry's stem convolution (1 or 2).
    """

    sample_shape: tuple[int, ...] = (3, 32, 32)
    n_classes: int = 10
    geometry: Literal["imagenet", "small"] = "small"
    aux_heads: bool = True
    five_by_five: bool = False
    dropout: float = 0.4
    width: float = 1.0
    stem_stride: int = 1

    def __post_init__(self) -> None:
        require(self.geometry in ("imagenet", "small"),
                f"geometry must be 'imagenet' or 'small', got {self.geometry!r}")
        require(self.n_classes >= 2, f"n_classes must be >= 2, got {self.n_classes}")
        require(0 <= self.dropout < 1, f"dropout must be in [0, 1), got {self.dropout}")
        require(0 < self.width <= 4, f"width must be in (0, 4], got {self.width}")
        require(self.stem_stride in (1, 2), f"stem_stride must be 1 or 2, got {self.stem_stride}")
        require(self.stem_stride == 1 or self.geometry == "small",
                "stem_stride applies to the small geometry; the imagenet stem is the paper's")
        min_side_check(self.sample_shape, 32 if self.geometry == "imagenet" else 4,
                       f"googlenet ({self.geometry})")


def conv(c_in: int, c_out: int, kernel: int, stride: int = 1) -> nn.Sequential:
    """Convolution (no bias) -> BN (eps 0.001) -> ReLU, 'same' padding."""
    return nn.Sequential(nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, bias=False),
                         nn.BatchNorm2d(c_out, eps=0.001), nn.ReLU(inplace=True))


class Inception(nn.Module):
    """Four branches concatenated along the channels (see the module docstring)."""

    def __init__(self, c_in: int, widths: tuple[int, int, int, int, int, int],
                 five_by_five: bool) -> None:
        super().__init__()
        c1, r3, c3, r5, c5, pp = widths
        self.branch1 = conv(c_in, c1, 1)
        self.branch2 = nn.Sequential(conv(c_in, r3, 1), conv(r3, c3, 3))
        self.branch3 = nn.Sequential(conv(c_in, r5, 1), conv(r5, c5, 5 if five_by_five else 3))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, 1, 1, ceil_mode=True), conv(c_in, pp, 1))
        self.c_out = c1 + c3 + c5 + pp

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class AuxHead(nn.Module):
    """4x4 average pool -> 1x1 conv (128) -> dense 1024 -> dropout 0.7 -> classes."""

    def __init__(self, c_in: int, n_classes: int) -> None:
        super().__init__()
        self.conv = conv(c_in, 128, 1)
        self.fc1, self.fc2 = nn.Linear(128 * 4 * 4, 1024), nn.Linear(1024, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv(F.adaptive_avg_pool2d(x, 4)).flatten(1)
        return self.fc2(F.dropout(F.relu(self.fc1(h)), 0.7, self.training))


@register("googlenet", config=GoogLeNetConfig, rule="backpropagation",
          peer="torchvision's published parameter count",
          reference="https://github.com/BVLC/caffe/tree/master/models/bvlc_googlenet")
class GoogLeNet(ImageClassifier[GoogLeNetConfig]):
    """Stem -> Inception 3a-3b -> pool -> 4a-4e -> pool -> 5a-5b -> average pool -> linear;
    auxiliary heads on 4a and 4d while training.

    :param config: a :class:`GoogLeNetConfig`.
    """

    smooths_labels = True  # training_step's losses are classification_loss

    def __init__(self, config: GoogLeNetConfig) -> None:
        super().__init__(config)
        c_in = config.sample_shape[0]

        def w(channels: int) -> int:
            return max(1, round(channels * config.width))

        if config.geometry == "imagenet":
            self.stem = nn.Sequential(
                conv(c_in, w(64), 7, 2), nn.MaxPool2d(3, 2, ceil_mode=True),
                conv(w(64), w(64), 1), conv(w(64), w(192), 3),
                nn.MaxPool2d(3, 2, ceil_mode=True))
        else:
            self.stem = nn.Sequential(conv(c_in, w(192), 3, config.stem_stride))
        c = w(192)
        blocks: dict[str, Inception] = {}
        for name, widths in MODULES.items():
            module = Inception(c, (w(widths[0]), w(widths[1]), w(widths[2]), w(widths[3]),
                                   w(widths[4]), w(widths[5])), config.five_by_five)
            blocks[name] = module
            c = module.c_out
        aux_in = blocks["4a"].c_out, blocks["4d"].c_out
        self.blocks = nn.ModuleDict(blocks)
        pool = (3, 2) if config.geometry == "imagenet" else (2, 2)
        self.pool3 = nn.MaxPool2d(*pool, ceil_mode=True)
        self.pool4 = nn.MaxPool2d(2, 2, ceil_mode=True)
        self.aux1 = AuxHead(aux_in[0], config.n_classes) if config.aux_heads else None
        self.aux2 = AuxHead(aux_in[1], config.n_classes) if config.aux_heads else None
        self.dropout = nn.Dropout(config.dropout)
        self.fc = nn.Linear(c, config.n_classes)

    def _run(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Class scores and, while training with auxiliary heads, their scores."""
        b, aux = self.blocks, []
        h = b["3b"](b["3a"](self.stem(x)))
        h = b["4a"](self.pool3(h))
        if self.aux1 is not None and self.training:
            aux.append(self.aux1(h))
        h = b["4d"](b["4c"](b["4b"](h)))
        if self.aux2 is not None and self.training:
            aux.append(self.aux2(h))
        h = b["5b"](b["5a"](self.pool4(b["4e"](h))))
        return self.fc(self.dropout(h.mean((2, 3)))), aux

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check(x)
        return self._run(x)[0]

    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Cross-entropy of the main classifier plus 0.3 times each auxiliary one's (each
        with the label smoothing of :meth:`classification_loss`)."""
        x, y = _labelled(batch, self.model_id)
        self.check(x)
        logits, aux = self._run(x)
        main = self.classification_loss(logits, y)
        loss = main + AUX_WEIGHT * sum((self.classification_loss(a, y) for a in aux),
                                       torch.zeros((), device=x.device))
        return {"loss": loss, "main_loss": main.detach(),
                "accuracy": (logits.detach().argmax(1) == y).float().mean()}

    def feature_stages(self) -> list[tuple[str, nn.Module]]:
        """The stem and the last Inception module at each resolution (3b, 4e, 5b)."""
        return [("stem", self.stem), *((f"inception{k}", self.blocks[k])
                                       for k in ("3b", "4e", "5b"))]

    def visualize(self, out_dir: Path) -> list[Path]:
        """First-layer filters; once evaluated, feature maps and Grad-CAM."""
        return convnet_plots(self, out_dir)
