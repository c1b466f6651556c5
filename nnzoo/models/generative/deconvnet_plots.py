"""Pictures of the generative deconvolutional net: what its codes draw.

:func:`class_by_style_grid` puts one class per row and one style per column: the same style
drawn from the prior is paired with every class, so a column shows what the style part of
the code means (slant, thickness) apart from the class.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from nnzoo.core import plots


@torch.no_grad()
def class_by_style_grid(model: Any, path: str | Path, n_styles: int = 8, seed: int = 0,
                        title: str = "") -> Path:
    """Images of ``model`` (a :class:`~nnzoo.models.generative.deconvnet.DeconvNet`) for
    every class (rows) and ``n_styles`` styles drawn from its prior (columns)."""
    k = model.n_classes
    style = model.prior(n_styles, torch.Generator().manual_seed(seed))
    z = style.repeat(k, 1)                                        # (k * n_styles, style_dim)
    labels = torch.arange(k).repeat_interleave(n_styles).to(model.device)
    was = model.training
    model.eval()
    imgs = model.decode(z, labels).mean(1).cpu()                 # (k * n_styles, H, W)
    model.train(was)
    fig, axes = plots.subplots(k, n_styles, figsize=(n_styles * 0.8, k * 0.8), squeeze=False)
    for i in range(k):
        for j in range(n_styles):
            ax = axes[i, j]
            ax.imshow(imgs[i * n_styles + j].numpy(), cmap="gray", vmin=0, vmax=1,
                      interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if j == 0:
                ax.set_ylabel(str(i), fontsize=7)
    fig.suptitle(title or "class (rows) x style from the prior (columns)")
    return plots.save(fig, path)


def visualize_deconvnet(model: Any, out_dir: Path) -> list[Path]:
    """``samples_by_class.png``: :func:`class_by_style_grid` of a trained model."""
    return [class_by_style_grid(model, Path(out_dir) / "samples_by_class.png",
                                title=f"{model.model_id}: class (rows) x style (columns)")]
