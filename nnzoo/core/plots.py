"""Plots every run writes: the learning curve and the picture that explains the model.

All functions write a PNG atomically and return its path. Matplotlib runs headless (Agg).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from nnzoo.core.io import atomic_write_bytes  # noqa: E402


def _save(fig: plt.Figure, path: str | Path) -> Path:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())
    return Path(path)


def learning_curve(records: Sequence[dict], path: str | Path, title: str = "") -> Path:
    """Plot every numeric metric of the per-epoch ``records`` against the epoch.

    Losses go in the left panel, everything else (accuracy, error...) in the right one.
    """
    epochs = [r["epoch"] for r in records]
    keys = sorted({k for r in records for k, v in r.items()
                   if isinstance(v, (int, float)) and k not in ("epoch", "step", "time", "lr")
                   and not k.endswith("time")})
    loss_keys = [k for k in keys if "loss" in k]
    other = [k for k in keys if k not in loss_keys]
    fig, axes = plt.subplots(1, 2 if other else 1, figsize=(10 if other else 5.5, 3.6))
    axes = np.atleast_1d(axes)
    for ax, group in zip(axes, (loss_keys, other)):
        for k in group:
            pts = [(e, r[k]) for e, r in zip(epochs, records) if isinstance(r.get(k), (int, float))]
            if pts:
                ax.plot(*zip(*pts), marker="o", ms=3, label=k)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title or "learning curve")
    return _save(fig, path)


def image_grid(
    images: torch.Tensor | np.ndarray, path: str | Path, title: str = "", cmap: str = "bwr"
) -> Path:
    """Tile ``images`` of shape (K, H, W) (first-layer weights, filters, samples) in a grid.

    Each tile is scaled symmetrically around zero when ``cmap`` is diverging, so that the sign
    of a weight reads as its colour.
    """
    imgs = torch.as_tensor(images).detach().float().cpu().numpy()
    k = imgs.shape[0]
    cols = math.ceil(math.sqrt(k))
    rows = math.ceil(k / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 0.9, rows * 0.9 + 0.4))
    for i, ax in enumerate(np.atleast_1d(axes).ravel()):
        ax.axis("off")
        if i < k:
            im = imgs[i]
            if cmap in ("bwr", "RdBu", "seismic"):
                m = float(np.abs(im).max()) or 1.0
                ax.imshow(im, cmap=cmap, vmin=-m, vmax=m, interpolation="nearest")
            else:
                ax.imshow(im, cmap=cmap, interpolation="nearest")
    fig.suptitle(title)
    return _save(fig, path)


def confusion_matrix(
    cm: torch.Tensor | np.ndarray, path: str | Path, classes: Sequence[str] | None = None,
    title: str = "confusion matrix",
) -> Path:
    """Plot a confusion matrix (rows: true class, columns: predicted) with counts."""
    cm = torch.as_tensor(cm).cpu().numpy()
    n = cm.shape[0]
    classes = list(classes) if classes else [str(i) for i in range(n)]
    fig, ax = plt.subplots(figsize=(0.5 * n + 2.5, 0.5 * n + 2))
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(n), classes, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(n), classes, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    thresh = cm.max() / 2 if cm.size else 0
    for i in range(n):
        for j in range(n):
            ax.text(j, i, int(cm[i, j]), ha="center", va="center", fontsize=7,
                    color="white" if cm[i, j] > thresh else "black")
    ax.set_title(title)
    return _save(fig, path)
