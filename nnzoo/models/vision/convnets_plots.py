"""What a convolutional image classifier sees: feature maps through its stages and Grad-CAM.

Grad-CAM: R. R. Selvaraju, M. Cogswell, A. Das, R. Vedantam, D. Parikh, D. Batra, "Grad-CAM:
Visual Explanations from Deep Networks via Gradient-based Localization", ICCV 2017.
https://arxiv.org/abs/1610.02391

CAM: B. Zhou, A. Khosla, A. Lapedriza, A. Oliva, A. Torralba, "Learning Deep Features for
Discriminative Localization", CVPR 2016. https://arxiv.org/abs/1512.04150

Every net of :mod:`nnzoo.models.vision` names its stages (``feature_stages()``: the modules
whose outputs are the maps after the stem, each block or stage, in forward order). A forward
hook on each records its output during one ordinary forward pass, so the maps are those of
the real network, whatever its wiring (shortcuts, concatenations, auxiliary heads).

Grad-CAM explains the score ``y^c`` (before the softmax) of a class ``c`` with the maps
``A^k`` (``k`` = 1..K channels, ``Z`` = H x W positions) of a late convolutional layer:

    alpha_k^c = (1/Z) sum_{i,j} dy^c / dA^k_ij          (the channel's importance)
    L^c       = ReLU(sum_k alpha_k^c A^k)                (H x W, upsampled onto the image)

When the layer is followed only by global average pooling and one linear layer ``W``
(ResNet, DenseNet, MobileNet), ``dy^c/dA^k_ij = W_ck / Z`` at every position, so
``L^c = ReLU(sum_k W_ck A^k) / Z``: Zhou et al.'s class activation map (CAM), up to a positive
factor (tests/test_convnets_plots.py checks this). The layer is the last stage whose map has
at least 2 x 2 positions (a 1 x 1 map cannot localise anything).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from nnzoo.core import plots
from nnzoo.core.errors import InputError
from nnzoo.models.vision.convnets import conv_filters_plot, eval_mode


def capture_stages(model: Any, x: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Run ``model(x)`` once with a forward hook on each of ``model.feature_stages()``.

    :param model: a net of :mod:`nnzoo.models.vision` (an ``ImageClassifier``).
    :param x: a batch of images ``(B, C, H, W)`` on the model's device.
    :returns: the class scores ``(B, K)`` and, per stage name in forward order, its output
        ``(B, C_s, H_s, W_s)`` (still in the autograd graph when gradients are on).
    """
    maps: dict[str, torch.Tensor] = {}
    stages: list[tuple[str, nn.Module]] = model.feature_stages()

    def keep(name: str) -> Any:
        def hook(_m: nn.Module, _inputs: Any, out: torch.Tensor) -> None:
            maps[name] = out
        return hook

    handles = [m.register_forward_hook(keep(name)) for name, m in stages]
    try:
        scores = model(x)
    finally:
        for h in handles:
            h.remove()
    return scores, {name: maps[name] for name, _ in stages if name in maps}


@dataclass
class GradCAM:
    """Grad-CAM maps of a batch: ``maps`` ``(B, H_s, W_s)`` (non-negative, at the layer's
    resolution), the explained classes ``(B,)``, the layer's name and the scores ``(B, K)``."""

    maps: torch.Tensor
    classes: torch.Tensor
    layer: str
    scores: torch.Tensor


def cam_layer(shapes: dict[str, torch.Size]) -> str:
    """The last stage whose map has at least 2 x 2 positions (else the last stage)."""
    names = list(shapes)
    wide = [n for n in names if min(shapes[n][-2:]) >= 2]
    return (wide or names)[-1]


def grad_cam(model: Any, x: torch.Tensor, classes: torch.Tensor | None = None,
             layer: str | None = None) -> GradCAM:
    """Grad-CAM (module docstring) of ``model`` on ``x``, in eval mode (the mode is restored;
    no parameter gradient is touched).

    :param x: images ``(B, C, H, W)``.
    :param classes: the class to explain per image (default: the predicted one).
    :param layer: a stage name (default: :func:`cam_layer`).
    :raises InputError: for an unknown stage name or classes of the wrong shape.
    """
    with eval_mode(model):
        with torch.enable_grad():
            x = x.detach().to(model.device).requires_grad_(True)  # the maps join the graph
            scores, maps = capture_stages(model, x)
            if layer is None:
                layer = cam_layer({k: v.shape for k, v in maps.items()})
            if layer not in maps:
                raise InputError(f"unknown stage {layer!r}; the stages are {', '.join(maps)}")
            a = maps[layer]                                       # (B, K, H, W)
            c = scores.argmax(1) if classes is None else classes.to(scores.device)
            if c.shape != (len(x),):
                raise InputError(f"classes must have shape ({len(x)},), got {tuple(c.shape)}")
            # the images are independent in eval mode: d(sum_b y_b^{c_b}) / dA_b = dy_b / dA_b
            (g,) = torch.autograd.grad(scores.gather(1, c[:, None]).sum(), a)
        alpha = g.mean((2, 3))                                    # (B, K): alpha_k^c
        cam = F.relu((alpha[:, :, None, None] * a.detach()).sum(1))  # (B, H, W)
    return GradCAM(cam.float().cpu(), c.cpu(), layer, scores.detach().float().cpu())


def _unit(a: torch.Tensor) -> torch.Tensor:
    """``a`` scaled to [0, 1] (a constant map gives zeros)."""
    a = a.detach().float().cpu()
    return (a - a.min()) / (a.max() - a.min()).clamp_min(1e-12)


def _rgb(img: torch.Tensor) -> np.ndarray:
    """An image ``(C, H, W)`` as RGB ``(H, W, 3)`` in [0, 1]: grey unless it has 3 channels."""
    a = _unit(img)
    return (a if a.shape[0] == 3 else a[:1].expand(3, -1, -1)).permute(1, 2, 0).numpy()


def _strip(tiles: Sequence[np.ndarray], gap: int = 1) -> np.ndarray:
    """Tiles ``(H, W, 3)`` side by side, ``gap`` white columns between them."""
    h = tiles[0].shape[0]
    sep = np.ones((h, gap, 3))
    parts: list[np.ndarray] = []
    for t in tiles:
        parts += [t, sep]
    return np.concatenate(parts[:-1], axis=1)


def feature_maps_plot(model: Any, image: torch.Tensor, out_dir: Path, channels: int = 8
                      ) -> Path:
    """``feature_maps.png``: one image, then ``channels`` maps after each stage (the most
    active ones: largest mean absolute value), one row per stage, each map on its own
    scale and enlarged to the image's size without smoothing (a coarse map shows its
    pixels), the stage's shape ``C x H x W`` beside it."""
    with eval_mode(model), torch.no_grad():
        _, maps = capture_stages(model, image[None].to(model.device))
    h, w = image.shape[-2:]
    cmap = plots.colormap("viridis")
    rows = len(maps) + 1
    fig, axes = plots.subplots(rows, 1, figsize=(channels * 0.9, rows * 0.95 + 0.4),
                               squeeze=False)
    blank = [np.ones((h, w, 3))] * (channels - 1)
    strips = [("input\n" + "x".join(map(str, image.shape)), _strip([_rgb(image), *blank]))]
    for name, m in maps.items():
        fmap = m[0].detach().float().cpu()                         # (C_s, H_s, W_s)
        top = fmap.abs().mean((1, 2)).argsort(descending=True)[:channels].tolist()
        big = F.interpolate(fmap[top][None], size=(h, w), mode="nearest")[0]
        tiles = [cmap(_unit(t).numpy())[..., :3] for t in big]
        tiles += [np.ones((h, w, 3))] * (channels - len(tiles))
        strips.append((f"{name}\n" + "x".join(map(str, fmap.shape)), _strip(tiles)))
    for ax, (label, strip) in zip(axes[:, 0], strips):
        ax.imshow(strip, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_frame_on(False)
        ax.set_ylabel(label, fontsize=7, rotation=0, ha="right", va="center")
    fig.suptitle(f"{model.model_id}: feature maps of one test image through the stages "
                 f"({channels} most active channels each)", fontsize=9)
    return plots.save(fig, out_dir / "feature_maps.png")


def grad_cam_plot(model: Any, images: torch.Tensor, labels: torch.Tensor | None,
                  out_dir: Path, classes: Sequence[str] | None = None) -> Path:
    """``grad_cam.png``: each image above its Grad-CAM heat map for the predicted class
    (upsampled bilinearly to the image, scaled to its own maximum, blended half and half
    with the image), with the true and the predicted class."""
    cam = grad_cam(model, images)
    n = len(images)
    h, w = images.shape[-2:]
    up = F.interpolate(cam.maps[:, None], size=(h, w), mode="bilinear",
                       align_corners=False)[:, 0]
    up = up / up.flatten(1).max(1).values.clamp_min(1e-12)[:, None, None]
    jet = plots.colormap("jet")
    shown = [_rgb(images[i]) for i in range(n)]
    heat = [0.5 * shown[i] + 0.5 * jet(up[i].clamp(0, 1).numpy())[..., :3] for i in range(n)]
    fig, axes = plots.subplots(2, 1, figsize=(n * 1.2, 3.0), squeeze=False)
    for ax, strip in zip(axes[:, 0], (_strip(shown), _strip(heat))):
        ax.imshow(strip, interpolation="nearest")
        ax.axis("off")

    def name(i: int) -> str:
        return classes[i] if classes is not None and i < len(classes) else str(i)

    for i in range(n):
        truth = f"true {name(int(labels[i]))}\n" if labels is not None else ""
        axes[0, 0].text(i * (w + 1) + w / 2, -1, f"{truth}pred {name(int(cam.classes[i]))}",
                        ha="center", va="bottom", fontsize=6)
    shape = tuple(cam.maps.shape[-2:])
    fig.suptitle(f"{model.model_id}: Grad-CAM of the predicted class at {cam.layer} "
                 f"({shape[0]}x{shape[1]} map)", fontsize=9)
    return plots.save(fig, out_dir / "grad_cam.png")


def convnet_plots(model: Any, out_dir: Path) -> list[Path]:
    """What every vision net's ``visualize`` writes: the first-layer filters and, once it has
    been evaluated (``model.gallery``: the first images of its last evaluation), the feature
    maps of the first image and the Grad-CAM maps of all of them."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [conv_filters_plot(model, out_dir)]
    if model.gallery is not None:
        images, labels = model.gallery
        paths.append(feature_maps_plot(model, images[0], out_dir))
        paths.append(grad_cam_plot(model, images, labels, out_dir))
    return paths


__all__ = ["GradCAM", "cam_layer", "capture_stages", "convnet_plots", "feature_maps_plot",
           "grad_cam", "grad_cam_plot"]
