"""Plots of the support vector machine (:mod:`nnzoo.models.kernel.svm`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from nnzoo.core import plots

if TYPE_CHECKING:
    from nnzoo.models.kernel.svm import SVM


def plot_decision_regions(model: SVM, path: Path, resolution: int = 300) -> Path:
    """Decision regions of a 2-D SVM, the boundary f = 0 and margins f = +-1 (two classes;
    for more, the boundaries between regions), training points, support vectors circled."""
    sv = model.support_vectors.detach().float().cpu()
    data = model._plot_data
    pts = data[0] if data is not None else sv
    lo, hi = pts.min(0).values, pts.max(0).values
    pad = 0.1 * (hi - lo) + 1e-3
    gx = torch.linspace(float(lo[0] - pad[0]), float(hi[0] + pad[0]), resolution)
    gy = torch.linspace(float(lo[1] - pad[1]), float(hi[1] + pad[1]), resolution)
    xx, yy = torch.meshgrid(gx, gy, indexing="xy")
    grid = torch.stack([xx.reshape(-1), yy.reshape(-1)], 1)             # (R^2, 2)
    dev = model.rho.device
    with torch.no_grad():
        dec = model.decision_values(grid.reshape(-1, *model.sample_shape).to(dev)).cpu()
        cls = model.scores(dec).argmax(1).reshape(resolution, resolution)
    k = model.config.n_classes
    fig, ax = plots.subplots(figsize=(6.5, 5.5))
    cmap = plots.colormap("coolwarm" if k == 2 else "tab10")
    ax.contourf(xx, yy, cls, levels=np.arange(k + 1) - 0.5, cmap=cmap, alpha=0.25)
    if k == 2:
        f = dec[:, 0].reshape(resolution, resolution)
        ax.contour(xx, yy, f, levels=[-1, 0, 1], colors="k", linestyles=["--", "-", "--"],
                   linewidths=[0.8, 1.4, 0.8])
    else:
        ax.contour(xx, yy, cls, levels=np.arange(k) + 0.5, colors="k", linewidths=1.0)
    if data is not None:
        ax.scatter(data[0][:, 0], data[0][:, 1], c=data[1], cmap=cmap, s=14,
                   vmin=0, vmax=k - 1, edgecolors="k", linewidths=0.3)
    ax.scatter(sv[:, 0], sv[:, 1], s=90, facecolors="none", edgecolors="k", linewidths=1.0,
               label=f"support vectors ({len(sv)})")
    c = model.config
    ax.set_title(f"SVM, {c.kernel} kernel, C={c.C:g}, gamma={float(model.gamma_value):.3g}"
                 + ("\nboundary f = 0 (solid), margins f = +-1 (dashed)" if k == 2 else ""))
    ax.legend(loc="upper right", fontsize=8)
    return plots.save(fig, path)


def plot_support_vectors(model: SVM, shape: tuple[int, ...], path: Path) -> Path:
    """Up to 10 support vectors per class of an SVM on images of ``shape``."""
    per = model.n_support.tolist()
    first = torch.tensor([sum(per[:c]) for c in range(len(per))])
    take = torch.cat([torch.arange(f, f + min(n, 10)) for f, n in zip(first, per)])
    imgs = model.support_vectors[take.to(model.support_vectors.device)].cpu()
    return plots.image_grid(imgs.reshape(-1, *shape), path,
                            f"support vectors, up to 10 per class ({len(model.support)} in all)",
                            cmap="gray")
