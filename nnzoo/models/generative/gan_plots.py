"""Training-health pictures of the adversarial models (GAN, DCGAN).

A GAN's losses do not go down the way a classifier's do: what says that training is healthy
is the two players staying in balance. :func:`training_health` draws, per epoch, the
discriminator's and the generator's losses (D's loss near log 4 = 1.386 and D(x), D(G(z))
near 1/2 is the equilibrium; D(x) -> 1 with D(G(z)) -> 0 means D has won and G's gradient
is fading), and :func:`samples_per_epoch` the generator's samples of the same fixed noise
after each epoch, so mode collapse or a stall shows as rows that stop changing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from nnzoo.core import plots


def training_health(history: Sequence[dict[str, float]], path: str | Path,
                    title: str = "") -> Path:
    """D and G losses (left) and mean D(x), D(G(z)) (right) per epoch.

    :param history: one record per epoch with ``d_loss``, ``g_loss``, ``d_real``, ``d_fake``
        (the training steps' means, :attr:`GAN.history` or ``train_*`` lines of a run).
    :param path: the PNG to write.
    :param title: the figure's title.
    """
    epochs = np.arange(1, len(history) + 1)
    fig, (ax1, ax2) = plots.subplots(1, 2, figsize=(10, 3.6))
    for key, label in (("d_loss", "D loss  -log D(x) - log(1 - D(G(z)))"),
                       ("g_loss", "G loss")):
        ax1.plot(epochs, [h.get(key, math.nan) for h in history], marker="o", ms=3,
                 label=label)
    ax1.axhline(math.log(4), color="grey", ls=":", lw=1, label="log 4 (equilibrium)")
    for key, label in (("d_real", "D(x)"), ("d_fake", "D(G(z))")):
        ax2.plot(epochs, [h.get(key, math.nan) for h in history], marker="o", ms=3,
                 label=label)
    ax2.axhline(0.5, color="grey", ls=":", lw=1, label="1/2 (equilibrium)")
    ax2.set_ylim(-0.02, 1.02)
    for ax in (ax1, ax2):
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title or "adversarial training health")
    return plots.save(fig, path)


def _gray(images: torch.Tensor) -> torch.Tensor:
    """``(n, C, H, W)`` images as ``(n, H, W)`` (the channels' mean)."""
    return images.detach().float().cpu().mean(1)


def sample_grid(images: torch.Tensor, path: str | Path, title: str = "samples") -> Path:
    """Generated images ``(n, C, H, W)`` in ``[0, 1]`` tiled in a grey-scale grid."""
    return plots.image_grid(_gray(images), path, title, cmap="gray")


def samples_per_epoch(snapshots: Sequence[torch.Tensor], path: str | Path, per_row: int = 10,
                      max_rows: int = 10, title: str = "") -> Path:
    """One row per epoch (at most ``max_rows``, evenly spaced, the last always kept): the
    first ``per_row`` samples of the same fixed noise after that epoch."""
    n = len(snapshots)
    rows = sorted({round(i) for i in np.linspace(0, n - 1, min(n, max_rows))})
    fig, axes = plots.subplots(len(rows), per_row, figsize=(per_row * 0.8, len(rows) * 0.85),
                               squeeze=False)
    for r, e in enumerate(rows):
        imgs = _gray(snapshots[e][:per_row])
        for c in range(per_row):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c < len(imgs):
                ax.imshow(imgs[c].numpy(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            if c == 0:
                ax.set_ylabel(f"epoch {e + 1}", fontsize=7)
    fig.suptitle(title or "samples of the same noise, per epoch")
    return plots.save(fig, path)


def histogram_1d(samples: torch.Tensor, path: str | Path, data: torch.Tensor | None = None,
                 title: str = "") -> Path:
    """Histogram of 1-D generated samples, beside the data's histogram."""
    s = samples.detach().float().cpu().reshape(-1).numpy()
    fig, ax = plots.subplots(figsize=(5.5, 3.6))
    lo, hi = float(np.min(s)), float(np.max(s))
    if data is not None:
        d = data.detach().float().cpu().reshape(-1).numpy()
        lo, hi = min(lo, float(d.min())), max(hi, float(d.max()))
        ax.hist(d, bins=60, range=(lo, hi), density=True, alpha=0.5, label="data")
    ax.hist(s, bins=60, range=(lo, hi), density=True, alpha=0.5,
            label=f"G(z): mean {s.mean():.3f}, std {s.std(ddof=1):.3f}")
    ax.legend(fontsize=8)
    ax.set_xlabel("x")
    ax.set_title(title or "generated samples")
    return plots.save(fig, path)


def visualize_gan(model: Any, out_dir: Path) -> list[Path]:
    """The pictures of a trained :class:`~nnzoo.models.generative.gan.GAN` (or DCGAN):
    ``training_health.png`` and, for images, ``samples_per_epoch.png`` and ``samples.png``;
    for vectors of one value, ``samples_histogram.png``."""
    out_dir = Path(out_dir)
    name = model.model_id
    paths: list[Path] = []
    if model.history:
        paths.append(training_health(model.history, out_dir / "training_health.png",
                                     f"{name}: training health per epoch"))
    if model.is_image:
        if model.snapshots:
            paths.append(samples_per_epoch(model.snapshots, out_dir / "samples_per_epoch.png",
                                           title=f"{name}: samples of fixed noise per epoch"))
        with torch.no_grad():
            was = model.training
            model.eval()
            imgs = model.decode(model.fixed_z)
            model.train(was)
        paths.append(sample_grid(imgs, out_dir / "samples.png", f"{name}: 64 samples"))
    elif model.sample_shape == (1,):
        paths.append(histogram_1d(model.generate(5000), out_dir / "samples_histogram.png",
                                  title=f"{name}: 5000 samples"))
    return paths
