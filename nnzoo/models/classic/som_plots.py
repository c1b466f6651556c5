"""Plots of the self-organising map (:mod:`nnzoo.models.classic.som`): the U-matrix, the
component planes and the codebook."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from nnzoo.core import plots
from nnzoo.models.classic.som_blocks import grid_positions

if TYPE_CHECKING:
    from nnzoo.models.classic.som import SelfOrganizingMap

_MARKERS = "os^vD<>pPXh*"


def _unit_xy(model: SelfOrganizingMap) -> np.ndarray:
    """Plot positions of the units (U, 2): grid positions, hexagonal offsets included."""
    return grid_positions(model.config.map_size, model.config.topology).numpy()


def plot_u_matrix(model: SelfOrganizingMap, path: Path) -> Path:
    """The U-matrix as coloured cells (squares or hexagons), with a marker per class at every
    unit that won training samples (its majority class; size grows with its wins)."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize
    from matplotlib.patches import RegularPolygon

    um = model.distance_map().detach().cpu().numpy().reshape(-1)
    xy = _unit_xy(model)
    X, Y = model.config.map_size
    fig, ax = plots.subplots(figsize=(min(12, 2 + 0.38 * X), min(11, 1.6 + 0.38 * Y)))
    cmap = plots.colormap("bone_r")
    hexa = model.config.topology == "hexagonal"
    for (px, py), u in zip(xy, um):
        ax.add_patch(RegularPolygon((px, py), numVertices=6 if hexa else 4,
                                    radius=0.577 if hexa else 0.7071,
                                    orientation=0 if hexa else math.pi / 4,
                                    facecolor=cmap(u), edgecolor="none"))
    labels = model.unit_labels.cpu().numpy()
    hits = model.unit_hits.cpu().numpy()
    won = hits > 0
    if won.any() and (labels >= 0).all():
        tab = plots.colormap("tab10")
        size = 10 + 90 * hits / max(1, hits.max())
        for c in np.unique(labels[won]):
            m = won & (labels == c)
            ax.scatter(xy[m, 0], xy[m, 1], s=size[m], marker=_MARKERS[c % len(_MARKERS)],
                       facecolors="none", edgecolors=tab(c % 10), linewidths=1.4,
                       label=str(c))
        ax.legend(title="class", fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1))
    sm = ScalarMappable(cmap=cmap, norm=Normalize(0, 1))
    fig.colorbar(sm, ax=ax, fraction=0.04, pad=0.15 if won.any() else 0.04,
                 label="distance to neighbours (normalised)")
    ax.set_xlim(xy[:, 0].min() - 1, xy[:, 0].max() + 1)
    ax.set_ylim(xy[:, 1].min() - 1, xy[:, 1].max() + 1)
    ax.set_aspect("equal")
    ax.set_xlabel("i")
    ax.set_ylabel("j")
    ax.set_title(f"SOM U-matrix ({X}x{Y} {model.config.topology}"
                 f"{', toroidal' if model.config.toroidal else ''}); markers: each unit's "
                 "majority class", fontsize=9)
    return plots.save(fig, path)


def plot_component_planes(model: SelfOrganizingMap, path: Path, k: int = 64) -> Path:
    """The first ``k`` component planes: the weight of one input feature across the map."""
    X, Y = model.config.map_size
    planes = model.weight.detach().float().cpu().T[:k].reshape(-1, X, Y).transpose(1, 2)
    return plots.image_grid(planes.flip(1), path, "SOM component planes (one per input "
                            "feature; i across, j up)", cmap="viridis")


def plot_codebook(model: SelfOrganizingMap, shape: tuple[int, int], path: Path) -> Path:
    """Every unit's weights as an image, at the unit's place on the map (j up)."""
    X, Y = model.config.map_size
    h, w = shape
    imgs = model.weight.detach().float().cpu().reshape(X, Y, h, w)
    tiles = torch.nn.functional.pad(imgs, (1, 0, 1, 0), value=float("nan"))  # 1-pixel gaps
    canvas = tiles.flip(1).permute(1, 2, 0, 3).reshape(Y * (h + 1), X * (w + 1))  # j up
    fig, ax = plots.subplots(figsize=(min(12, 1 + 0.45 * X), min(12, 1 + 0.45 * Y)))
    ax.imshow(canvas.numpy(), cmap="gray_r", interpolation="nearest")
    ax.axis("off")
    ax.set_title(f"SOM codebook: each unit's weights as a {h}x{w} image (i across, j up)",
                 fontsize=9)
    return plots.save(fig, path)
