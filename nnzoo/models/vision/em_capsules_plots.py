"""Pictures of matrix capsules with EM routing
(:class:`~nnzoo.models.vision.em_capsules.EMCapsules`).

- ``first_layer_filters.png``: Conv1's filters.
- ``routing.png`` (once evaluated): for a few of the last evaluated images, the class
  capsules' activations a_j, and the mean over the children of the class layer's assignment
  probabilities R_ij after the last E-step (1 / K everywhere before routing).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from nnzoo.core import plots
from nnzoo.models.vision.convnets import conv_filters_plot, eval_mode

if TYPE_CHECKING:
    from nnzoo.models.vision.em_capsules import EMCapsules


@torch.no_grad()
def routing_plot(model: EMCapsules, images: torch.Tensor, out_dir: Path, n: int = 4) -> Path:
    """``routing.png``: per image, the class activations and the mean R per class."""
    x = images[:n].to(model.device)
    _, a, r = model.run(x)                                    # a: (B, K), r: (B, N, K)
    k = a.shape[1]
    fig, axes = plots.subplots(len(x), 3, figsize=(8.5, 2.1 * len(x)), squeeze=False)
    for i in range(len(x)):
        ax_img, ax_a, ax_r = axes[i]
        ax_img.imshow(x[i].float().mean(0).cpu().numpy(), cmap="gray", vmin=0, vmax=1,
                      interpolation="nearest")
        ax_img.set_xticks([])
        ax_img.set_yticks([])
        pred = int(a[i].argmax())
        colours = ["tab:orange" if j == pred else "tab:blue" for j in range(k)]
        ax_a.bar(np.arange(k), a[i].cpu().numpy(), color=colours)
        ax_a.set_ylim(0, 1)
        ax_a.set_ylabel("a_j", fontsize=8)
        ax_r.bar(np.arange(k), r[i].mean(0).cpu().numpy(), color=colours)
        ax_r.axhline(1 / k, color="grey", lw=0.8, ls="--", label="1/K (before routing)")
        ax_r.set_ylabel("mean R_ij over i", fontsize=8)
        for ax in (ax_a, ax_r):
            ax.set_xticks(np.arange(k))
    axes[0, 2].legend(fontsize=7)
    axes[-1, 1].set_xlabel("class j")
    axes[-1, 2].set_xlabel("class j")
    fig.suptitle(f"class capsules after {model.config.routing_iterations} EM iterations")
    return plots.save(fig, out_dir / "routing.png")


def plot_all(model: EMCapsules, out_dir: Path, images: torch.Tensor | None) -> list[Path]:
    """Every picture of the module docstring that ``model`` and ``images`` allow."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [conv_filters_plot(model, out_dir)]
    if images is not None:
        with eval_mode(model):
            paths.append(routing_plot(model, images, out_dir))
    return paths
