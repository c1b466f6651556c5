"""What the image convolutional networks share: the minimum image size check, the plot of
their first-layer filters, the names of their stages and the base class that keeps a few
evaluated images for their plots (:class:`ImageClassifier`)."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from pathlib import Path

import torch
from torch import nn

from nnzoo.core import plots
from nnzoo.core.config import require
from nnzoo.models.base import Batch, C, Classifier


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


@contextlib.contextmanager
def eval_mode(model: nn.Module) -> Iterator[None]:
    """Run a block with ``model`` in evaluation mode, then give it back the mode it had (also
    on an error): what the plots of the image nets draw in."""
    was = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was)


def check_geometry_and_head(geometry: str, n_classes: int, hidden: int | None = None,
                            dropout: float | None = None) -> None:
    """The range checks the image nets' configs share: the geometry (``imagenet`` or
    ``small``), at least two classes and, where the net has a dense head, its width and
    dropout."""
    require(geometry in ("imagenet", "small"),
            f"geometry must be 'imagenet' or 'small', got {geometry!r}")
    require(n_classes >= 2, f"n_classes must be >= 2, got {n_classes}")
    if hidden is not None:
        require(hidden >= 1, f"hidden must be >= 1, got {hidden}")
    if dropout is not None:
        require(0 <= dropout < 1, f"dropout must be in [0, 1), got {dropout}")


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


def conv_activations(trunk: nn.Sequential, prefix: str = "conv") -> list[tuple[str, nn.Module]]:
    """The stages of a flat trunk of layers (``conv -> [BN] -> activation -> [LRN] [pool]``):
    after each ``Conv2d``, the first module that is not a batch norm (its activation),
    named ``conv1``, ``conv2``... (the rectified maps of each convolution, before pooling)."""
    out: list[tuple[str, nn.Module]] = []
    layers = list(trunk)
    for i, m in enumerate(layers):
        if isinstance(m, nn.Conv2d):
            act = next((a for a in layers[i + 1:] if not isinstance(a, nn.BatchNorm2d)), m)
            out.append((f"{prefix}{len(out) + 1}", act))
    return out


class ImageClassifier(Classifier[C]):
    """A convolutional image classifier: a :class:`~nnzoo.models.base.Classifier` that names
    its stages (:meth:`feature_stages`, for the feature-map and Grad-CAM plots of
    :mod:`nnzoo.models.vision.convnets_plots`) and keeps the first :attr:`GALLERY` images
    (and labels) of each evaluation, so that after ``nnzoo train`` its plots show test images
    (the runner evaluates the test split just before it draws them).

    :param config: the model's hyperparameter dataclass.
    """

    #: How many images of each evaluation are kept for the plots.
    GALLERY = 8

    def __init__(self, config: C) -> None:
        super().__init__(config)
        self.gallery: tuple[torch.Tensor, torch.Tensor | None] | None = None
        self._new_evaluation = True

    def feature_stages(self) -> list[tuple[str, nn.Module]]:
        """``(name, module)`` of each stage, in forward order: the module whose output is the
        feature map after that stage, ``(B, C_s, H_s, W_s)``. The last one is the map the
        classifier reads (global pooling or the dense head), where Grad-CAM looks."""
        raise NotImplementedError

    def train(self, mode: bool = True) -> ImageClassifier[C]:
        if not mode:
            self._new_evaluation = True         # the next evaluation batch opens a gallery
        return super().train(mode)

    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        if self._new_evaluation:
            x, y = batch
            self.gallery = (x[:self.GALLERY].detach().float().cpu(),
                            None if y is None else y[:self.GALLERY].detach().cpu())
            self._new_evaluation = False
        return super().evaluation_step(batch)
