"""What the image convolutional networks share: the minimum image size check and the plot of
their first-layer filters."""

from __future__ import annotations

import math
from pathlib import Path

from torch import nn

from nnzoo.core import plots
from nnzoo.core.config import require


def min_side_check(sample_shape: tuple[int, ...], min_side: int, net: str) -> None:
    """Refuse images that are not ``(C, H, W)`` or whose sides are below ``min_side``.

    :param net: the network's name, for the message.
    :raises ConfigError: naming the minimum size and the size given.
    """
    require(len(sample_shape) == 3 and all(s >= 1 for s in sample_shape),
            f"sample_shape must be (C, H, W), got {sample_shape}")
    h, w = sample_shape[1:]
    require(min(h, w) >= min_side,
            f"{net} needs images of at least {min_side}x{min_side} pixels, got {h}x{w}")


def conv_filters_plot(model: nn.Module, out_dir: Path, k: int = 64) -> Path:
    """``first_layer_filters.png``: the first convolution's filters (channel mean when the
    input has several channels), at most ``k`` of them."""
    conv = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    w = conv.weight.detach().float().cpu()  # (K, C, kh, kw)
    k = min(w.shape[0], k)
    imgs = w[:k].mean(1) if w.shape[1] > 1 else w[:k, 0]
    n = math.prod(w.shape[1:])
    return plots.image_grid(imgs, out_dir / "first_layer_filters.png",
                            f"first-layer filters ({k} of {w.shape[0]}, {n} weights each)")
