"""Plots of the RBF network (:mod:`nnzoo.models.kernel.rbf_net`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from nnzoo.core import plots


def plot_centres(Z: torch.Tensor, y: torch.Tensor, C: torch.Tensor, sigma: torch.Tensor,
                 path: Path, basis: str) -> Path:
    """Data and centres projected on the data's first two principal components; a circle of
    radius ``sigma_j`` (the projection keeps lengths at most) around each centre."""
    from matplotlib.collections import EllipseCollection

    mu = Z.mean(0)
    _, _, Vt = torch.linalg.svd(Z - mu, full_matrices=False)
    P = Vt[:2].T if Vt.shape[0] >= 2 else torch.cat([Vt.T, torch.zeros_like(Vt.T)], 1)
    zp, cp = ((Z - mu) @ P).numpy(), ((C - mu) @ P).numpy()              # (P, 2), (K, 2)
    fig, ax = plots.subplots(figsize=(6, 5))
    colour = y.reshape(len(y), -1)[:, 0].float().numpy()
    sc = ax.scatter(zp[:, 0], zp[:, 1], c=colour, s=6, alpha=0.5, cmap="tab10"
                    if not y.is_floating_point() else "viridis")
    fig.colorbar(sc, ax=ax, label="class" if not y.is_floating_point() else "target")
    d = 2 * sigma.numpy()
    ax.add_collection(EllipseCollection(d, d, np.zeros_like(d), units="xy", offsets=cp,
                                        offset_transform=ax.transData, facecolors="none",
                                        edgecolors="black", linewidths=0.5, alpha=0.5))
    ax.scatter(cp[:, 0], cp[:, 1], marker="x", c="black", s=18, label="centres")
    ax.set_xlabel("principal component 1")
    ax.set_ylabel("principal component 2")
    ax.legend(fontsize=8, loc="upper right")
    ax.set_title(f"RBF net: {len(C)} {basis} centres with their widths (PCA of the data)")
    ax.autoscale_view()
    return plots.save(fig, path)
