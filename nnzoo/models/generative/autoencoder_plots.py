"""Pictures of the autoencoders: learned filters, reconstructions beside their inputs, and the
sparse autoencoder's mean activations against its target ``rho``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from nnzoo.core import plots

if TYPE_CHECKING:
    from nnzoo.models.generative.autoencoder import Autoencoder


def _image(x: torch.Tensor) -> torch.Tensor:
    """Samples ``(n, ...)`` as grey images ``(n, H, W)`` (first channel), or flat rows
    reshaped to a square; a ``(n, 1, D)`` strip when neither fits."""
    x = x.detach().float().cpu()
    if x.dim() == 4:
        return x[:, 0]
    if x.dim() == 3:
        return x
    d = x[0].numel()
    r = int(round(d ** 0.5))
    return x.reshape(len(x), r, r) if r * r == d else x.reshape(len(x), 1, d)


def plot_filters(filters: torch.Tensor, path: Path, title: str, k: int = 100) -> Path:
    """The first ``k`` filters (K, h, w) as a grid (red +, blue -)."""
    return plots.image_grid(filters[:k], path, title)


def plot_reconstructions(inputs: torch.Tensor, recon: torch.Tensor, path: Path,
                         title: str) -> Path:
    """Inputs (top row of each pair) above their reconstructions, grey, on one scale."""
    a, b = _image(inputs), _image(recon)
    n = len(a)
    fig, axes = plots.subplots(2, n, figsize=(n * 0.8, 2.0), squeeze=False)
    lo, hi = float(min(a.min(), b.min())), float(max(a.max(), b.max()))
    for i in range(n):
        for row, img in ((0, a[i]), (1, b[i])):
            ax = axes[row][i]
            ax.imshow(img.numpy(), cmap="gray", vmin=lo, vmax=hi, interpolation="nearest")
            ax.axis("off")
    axes[0][0].set_title("input", fontsize=7, loc="left")
    axes[1][0].set_title("reconstruction", fontsize=7, loc="left")
    fig.suptitle(title)
    return plots.save(fig, path)


def plot_mean_activations(rho_hat: torch.Tensor | np.ndarray, rho: float, path: Path,
                          title: str) -> Path:
    """Histogram of each code unit's mean activation, with the target ``rho`` and the band
    within 10 % of it."""
    v = np.asarray(torch.as_tensor(rho_hat).detach().float().cpu())
    fig, ax = plots.subplots(figsize=(5.0, 3.2))
    ax.hist(v, bins=40, color="0.4")
    ax.axvline(rho, color="red", label=f"rho = {rho:g}")
    ax.axvspan(0.9 * rho, 1.1 * rho, color="red", alpha=0.15, label="rho +/- 10 %")
    ax.axvline(float(v.mean()), color="blue", ls="--", label=f"mean = {v.mean():.4g}")
    ax.set_xlabel("mean activation of a code unit")
    ax.set_ylabel("units")
    ax.legend(fontsize=7)
    ax.set_title(title)
    return plots.save(fig, path)


def plot_autoencoder(model: Autoencoder[Any], out_dir: Path) -> list[Path]:
    """``filters.png`` (the encoder's first layer, when its inputs form an image) and, once
    trained, ``reconstructions.png`` (the kept training images and their reconstructions)."""
    from nnzoo.models.generative.autoencoder import first_filters

    out = []
    filters = first_filters(model)
    name = model.model_id or "autoencoder"
    if filters is not None:
        out.append(plot_filters(filters, out_dir / "filters.png",
                                f"{name}: first-layer filters (red +, blue -)"))
    if bool(model.fitted):
        x = model.gallery
        was = model.training
        model.eval()
        recon = model.reconstruct(x)
        model.train(was)
        out.append(plot_reconstructions(x, recon, out_dir / "reconstructions.png",
                                        f"{name}: training images and reconstructions"))
    return out


__all__ = ["plot_autoencoder", "plot_filters", "plot_mean_activations",
           "plot_reconstructions"]
