"""Pictures of a capsule network (:class:`~nnzoo.models.vision.capsnet.CapsNet`).

- ``first_layer_filters.png``: Conv1's filters.
- ``reconstructions.png`` (once evaluated): the last evaluated images and, below, the decoder's
  reconstructions from the longest capsule alone (the paper's Fig. 3), titled with the predicted
  class and its capsule's length.
- ``routing.png`` (once evaluated): for a few of those images, the coupling coefficients c_ij
  after the last routing iteration: their mean over the primary capsules i for each class j
  (1 / K everywhere before routing), and, for the predicted class, c_ij over the PrimaryCaps
  map (mean over the capsule channels): where the capsules that voted for it sit.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from nnzoo.core import plots
from nnzoo.models.vision.convnets import conv_filters_plot, eval_mode

if TYPE_CHECKING:
    from nnzoo.models.vision.capsnet import CapsNet


def _image(x: torch.Tensor) -> np.ndarray:
    """(C, H, W) -> (H, W) for ``imshow`` (channel mean when there are several)."""
    return x.float().mean(0).numpy()


@torch.no_grad()
def reconstructions_plot(model: CapsNet, images: torch.Tensor, out_dir: Path, n: int = 8
                         ) -> Path:
    """``reconstructions.png``: inputs above, reconstructions from the longest capsule below."""
    x = images[:n].to(model.device)
    v, _ = model.capsules(x)
    lengths = v.norm(dim=-1)
    pred = lengths.argmax(1)
    rec = model.decode(v, pred).cpu()
    fig, axes = plots.subplots(2, len(x), figsize=(1.2 * len(x), 2.8), squeeze=False)
    for i in range(len(x)):
        for row, img in ((0, x[i].cpu()), (1, rec[i])):
            ax = axes[row, i]
            ax.imshow(_image(img), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
        axes[1, i].set_title(f"{int(pred[i])}: |v| {float(lengths[i, pred[i]]):.2f}",
                             fontsize=7)
    axes[0, 0].set_ylabel("input", fontsize=8)
    axes[1, 0].set_ylabel("decoded", fontsize=8)
    fig.suptitle("reconstructions from the longest capsule only")
    return plots.save(fig, out_dir / "reconstructions.png")


@torch.no_grad()
def routing_plot(model: CapsNet, images: torch.Tensor, out_dir: Path, n: int = 4) -> Path:
    """``routing.png``: per image, mean c_ij per class and the predicted class's coupling
    map."""
    cfg = model.config
    x = images[:n].to(model.device)
    v, c = model.capsules(x)                                  # c: (B, N, K)
    pred = v.norm(dim=-1).argmax(1)
    gh, gw = cfg.primary_grid
    k = cfg.n_classes
    fig, axes = plots.subplots(len(x), 3, figsize=(8.5, 2.1 * len(x)), squeeze=False)
    for i in range(len(x)):
        ax_img, ax_bar, ax_map = axes[i]
        ax_img.imshow(_image(x[i].cpu()), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax_img.set_xticks([])
        ax_img.set_yticks([])
        mean_c = c[i].mean(0).cpu().numpy()                   # (K,)
        colours = ["tab:orange" if j == int(pred[i]) else "tab:blue" for j in range(k)]
        ax_bar.bar(np.arange(k), mean_c, color=colours)
        ax_bar.axhline(1 / k, color="grey", lw=0.8, ls="--", label="1/K (before routing)")
        ax_bar.set_xticks(np.arange(k))
        ax_bar.set_ylabel("mean c_ij over i", fontsize=8)
        cmap = c[i, :, int(pred[i])].view(cfg.primary_channels, gh, gw).mean(0).cpu().numpy()
        im = ax_map.imshow(cmap, cmap="viridis", interpolation="nearest")
        ax_map.set_xticks([])
        ax_map.set_yticks([])
        ax_map.set_title(f"c_i,{int(pred[i])} over the {gh}x{gw} map", fontsize=8)
        fig.colorbar(im, ax=ax_map, fraction=0.046)
    axes[0, 1].legend(fontsize=7)
    axes[-1, 1].set_xlabel("class j")
    fig.suptitle(f"coupling coefficients after {cfg.routing_iterations} routing iterations")
    return plots.save(fig, out_dir / "routing.png")


def plot_all(model: CapsNet, out_dir: Path, images: torch.Tensor | None) -> list[Path]:
    """Every picture of the module docstring that ``model`` and ``images`` allow."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [conv_filters_plot(model, out_dir)]
    if images is not None:
        with eval_mode(model):
            if model.decoder is not None:
                paths.append(reconstructions_plot(model, images, out_dir))
            paths.append(routing_plot(model, images, out_dir))
    return paths
