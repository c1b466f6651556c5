"""What a trained CNN's filters respond to, projected back to pixels (Zeiler & Fergus 2014).

Paper: M. D. Zeiler, R. Fergus, "Visualizing and Understanding Convolutional Networks",
ECCV 2014. https://arxiv.org/abs/1311.2901

A deconvnet attached to a convnet maps one feature map's activity back to the input
space. Going down from the chosen layer, each layer of the forward pass is undone by an
approximate inverse that uses only what the forward pass recorded:

- **max pooling** -> *unpooling with switches*: the pooled value goes back to the
  position of the maximum that produced it (the "switch" recorded on the way up), every
  other position of the pooling window gets 0;
- **ReLU** -> ReLU again (the reconstruction is kept non-negative, as the forward maps are);
- **convolution** -> its *transpose*: the same filters flipped, ``conv_transpose2d`` with
  the layer's weights (the bias is not undone);
- **batch norm** (not in the paper; nnzoo's ``convnet`` has it after each convolution) ->
  its linear part transposed: each channel is scaled by ``gamma / sqrt(var + eps)``, the
  shift dropped like a bias.

Only the chosen activations are projected: all the other maps of the layer are set to 0
(and, with ``top=1``, every position of the chosen map but its strongest one). The result has
the shape of the input image and shows the pixels, and their pattern, that drove that unit.

Works on any ``nn.Sequential`` of ``Conv2d``, ``BatchNorm2d``, ``ReLU``, ``MaxPool2d`` and
``Dropout`` layers: the ``features`` of :class:`nnzoo.models.vision.cnn.ConvNet`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from nnzoo.core import plots
from nnzoo.core.errors import ConfigError, InputError

_SUPPORTED = (nn.Conv2d, nn.BatchNorm2d, nn.ReLU, nn.MaxPool2d, nn.Dropout, nn.Identity)


def _two(v: int | tuple[int, ...]) -> tuple[int, ...]:
    """A pooling size or stride as a pair (``nn.MaxPool2d`` keeps an int for a square)."""
    return (v, v) if isinstance(v, int) else tuple(v)


def _check_layers(features: nn.Sequential, upto: int) -> None:
    if not 0 <= upto < len(features):
        raise ConfigError(f"layer index must be in [0, {len(features)}), got {upto}")
    for i, m in enumerate(list(features)[:upto + 1]):
        if not isinstance(m, _SUPPORTED):
            raise ConfigError(f"the Zeiler-Fergus projection undoes Conv2d, BatchNorm2d, ReLU "
                              f"and MaxPool2d layers; layer {i} is {type(m).__name__} (use the "
                              "cnn's convnet architecture, not lenet5)")


@torch.no_grad()
def forward_with_switches(features: nn.Sequential, x: torch.Tensor, upto: int
                          ) -> tuple[torch.Tensor, list[tuple[torch.Tensor, torch.Size]]]:
    """Run layers ``0..upto`` of ``features`` on ``x`` (eval mode), recording each max-pool's
    switches (``indices``) and input size.

    :returns: the activations of layer ``upto`` and the switches, in layer order.
    """
    _check_layers(features, upto)
    switches: list[tuple[torch.Tensor, torch.Size]] = []
    h = x
    was = features.training
    features.eval()
    try:
        for m in list(features)[:upto + 1]:
            if isinstance(m, nn.MaxPool2d):
                size = h.shape
                h, idx = F.max_pool2d(h, m.kernel_size, m.stride, m.padding, m.dilation,
                                      ceil_mode=m.ceil_mode, return_indices=True)
                switches.append((idx, size))
            elif not isinstance(m, nn.Dropout):
                h = m(h)
    finally:
        features.train(was)
    return h, switches


@torch.no_grad()
def project(features: nn.Sequential, x: torch.Tensor, upto: int, channel: int,
            top: int | None = 1) -> torch.Tensor:
    """Project the activity of map ``channel`` of layer ``upto`` back to pixel space.

    :param features: the convolutional layers (``ConvNet.features``), put in eval mode here.
    :param x: input images ``(n, C, H, W)``.
    :param upto: index in ``features`` of the layer whose map is projected.
    :param channel: the feature map (channel) of that layer.
    :param top: keep only the ``top`` strongest activations of the map per image (the paper
        projects the single strongest); ``None`` keeps the whole map.
    :returns: the reconstructions, ``(n, C, H, W)`` like ``x``.
    :raises ConfigError: for a layer the projection cannot undo or an index out of range.
    :raises InputError: for images of the wrong rank or a channel out of range.
    """
    if not isinstance(x, torch.Tensor) or x.dim() != 4 or not x.is_floating_point():
        raise InputError(f"expected float images (n, C, H, W), got "
                         f"{tuple(x.shape) if isinstance(x, torch.Tensor) else type(x)}")
    was = features.training
    features.eval()
    try:
        h, switches = forward_with_switches(features, x, upto)
        if not 0 <= channel < h.shape[1]:
            raise InputError(f"layer {upto} has {h.shape[1]} maps; channel {channel} is out of "
                             "range")
        keep = torch.zeros_like(h)
        fmap = h[:, channel].reshape(len(h), -1)
        if top is not None:
            k = max(1, min(int(top), fmap.shape[1]))
            vals, idx = fmap.topk(k, dim=1)
            kept = torch.zeros_like(fmap).scatter_(1, idx, vals)
        else:
            kept = fmap
        keep[:, channel] = kept.reshape(h[:, channel].shape)
        r = keep
        for m in reversed(list(features)[:upto + 1]):
            if isinstance(m, nn.MaxPool2d):
                idx, size = switches.pop()
                r = F.max_unpool2d(r, idx, _two(m.kernel_size), _two(m.stride),
                                   _two(m.padding), output_size=size[-2:])
            elif isinstance(m, nn.ReLU):
                r = F.relu(r)
            elif isinstance(m, nn.Conv2d):
                if isinstance(m.padding, str):
                    raise ConfigError(f"{m}: the projection needs numeric padding, not "
                                      f"{m.padding!r}")
                r = F.conv_transpose2d(r, m.weight, None, m.stride, m.padding,
                                       groups=m.groups, dilation=m.dilation)
            elif isinstance(m, nn.BatchNorm2d):
                var = m.running_var if m.running_var is not None else torch.ones_like(m.weight)
                scale = (m.weight if m.weight is not None else 1) / torch.sqrt(var + m.eps)
                r = r * scale.reshape(1, -1, 1, 1)
        return r
    finally:
        features.train(was)


def last_conv_layer(features: nn.Sequential) -> int:
    """Index of the last layer of ``features`` after a convolution that the projection can
    start from (the ReLU or pool after the last Conv2d, else the conv itself)."""
    convs = [i for i, m in enumerate(features) if isinstance(m, nn.Conv2d)]
    if not convs:
        raise ConfigError("the network has no convolution to project")
    i = convs[-1]
    while i + 1 < len(features) and isinstance(features[i + 1], (nn.BatchNorm2d, nn.ReLU,
                                                                 nn.MaxPool2d)):
        i += 1
    return i


@torch.no_grad()
def zeiler_fergus_plot(features: nn.Sequential, images: torch.Tensor, path: str | Path,
                       upto: int | None = None, n_maps: int = 8, title: str = "") -> Path:
    """For the ``n_maps`` most active maps of layer ``upto`` (the last convolutional stage
    by default): the image of ``images`` that excites each most, and the projection of that
    map's strongest activation back to its pixels.

    :param features: the CNN's convolutional layers (``model.net.features``).
    :param images: candidate images ``(n, C, H, W)`` (a validation split).
    :param path: the PNG to write.
    :param upto: the layer whose maps are shown.
    :param n_maps: how many maps (columns).
    """
    upto = last_conv_layer(features) if upto is None else upto
    h, _ = forward_with_switches(features, images, upto)
    peak = h.flatten(2).amax(2)                          # (n, maps): each map's peak per image
    order = peak.amax(0).argsort(descending=True)[:n_maps].tolist()
    fig, axes = plots.subplots(2, len(order), figsize=(1.3 * len(order), 2.9), squeeze=False)
    for col, ch in enumerate(order):
        i = int(peak[:, ch].argmax())
        rec = project(features, images[i:i + 1], upto, ch)[0].mean(0).cpu().numpy()
        img = images[i].mean(0).cpu().numpy()
        axes[0, col].imshow(img, cmap="gray", interpolation="nearest")
        m = float(np.abs(rec).max()) or 1.0
        axes[1, col].imshow(rec, cmap="bwr", vmin=-m, vmax=m, interpolation="nearest")
        axes[0, col].set_title(f"map {ch}", fontsize=7)
        for r in (0, 1):
            axes[r, col].set_xticks([])
            axes[r, col].set_yticks([])
    axes[0, 0].set_ylabel("top image", fontsize=7)
    axes[1, 0].set_ylabel("projection", fontsize=7)
    fig.suptitle(title or f"Zeiler-Fergus projections of layer {upto}")
    return plots.save(fig, path)


__all__ = ["forward_with_switches", "last_conv_layer", "project", "zeiler_fergus_plot"]
