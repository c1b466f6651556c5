"""Pictures of the restricted Boltzmann machine: its filters and its fantasies."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import torch

from nnzoo.core import plots

if TYPE_CHECKING:
    from nnzoo.models.energy.rbm import RBM


def plot_rbm(model: RBM, out_dir: Path) -> list[Path]:
    """``filters.png`` and, once the model has been updated, ``fantasies.png`` (64 samples
    after 1000 Gibbs steps) in ``out_dir``; nothing when the visible units are no image."""
    shape = model._image_shape()
    if shape is None:
        return []
    out = [plot_filters(model.weight, shape, out_dir / "filters.png")]
    if int(model.updates) > 0:
        out.append(plot_fantasies(model.sample(64, steps=1000), shape,
                                  out_dir / "fantasies.png"))
    return out


def plot_filters(weight: torch.Tensor, shape: tuple[int, int], path: Path, k: int = 100
                 ) -> Path:
    """The first ``k`` hidden units' weights as images (red +, blue -)."""
    return plots.image_grid(weight[:k].detach().float().cpu().reshape(-1, *shape), path,
                            "RBM filters: weights of each hidden unit (red +, blue -)")


def plot_fantasies(samples: torch.Tensor, shape: tuple[int, int], path: Path) -> Path:
    """Samples of the model (the visible means after long Gibbs chains)."""
    return plots.image_grid(samples.detach().float().cpu().reshape(-1, *shape), path,
                            "RBM fantasies (1000 Gibbs steps from noise)", cmap="gray")


__all__ = ["plot_fantasies", "plot_filters", "plot_rbm"]
