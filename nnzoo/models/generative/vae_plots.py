"""Pictures of an image generator: samples, interpolations, latent traversals, reconstructions.

They ask only what :class:`~nnzoo.models.generative.generator.ImageGenerator` promises
(``latent_dim``, ``conditional``, ``n_classes``, ``prior``, ``decode``), so the VAEs'
``visualize`` and ``nnzoo sample`` (for any generator: VAE, GAN, deconvolutional net) draw
the same figures. Every draw comes from one ``torch.Generator`` seeded with ``seed``: the
same seed gives the same codes, the same images and byte-identical PNG files.

- ``samples.png``: codes from the prior, decoded; a conditional model gets one row per class
  (or only the class asked for).
- ``interpolations.png``: each row walks linearly from one prior code to another in
  ``steps`` equal steps.
- ``traversals.png``: row ``j`` moves latent unit ``j`` from ``-span`` to ``+span`` with the
  other units at 0 (the prior's mean): what each unit controls.
- ``reconstructions.png`` (models with an encoder, once evaluated): images and, below, the
  decoded posterior means.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import torch

from nnzoo.core import plots
from nnzoo.core.errors import InputError


def latent_names(model: Any) -> list[str]:
    """Names of the latent units (``z0``, ``z1``...; a model may name them in
    ``factor_names``, as DC-IGN does for its slant and thickness units)."""
    names = list(getattr(model, "factor_names", ()) or ())
    return names + [f"z{i}" for i in range(len(names), int(model.latent_dim))]


def tile(images: torch.Tensor, rows: int, cols: int, pad: int = 1) -> np.ndarray:
    """``(n, C, H, W)`` images in [0, 1] as one ``(rows * (H + pad), cols * (W + pad))``
    array (``C = 1``) or ``(..., 3)`` RGB array, row-major, blank where ``n < rows * cols``."""
    imgs = images.detach().float().cpu().clamp(0, 1).numpy()
    n, c, h, w = imgs.shape
    out = np.ones((rows * (h + pad) - pad, cols * (w + pad) - pad, c), dtype=np.float32)
    for i in range(min(n, rows * cols)):
        r, q = divmod(i, cols)
        out[r * (h + pad):r * (h + pad) + h, q * (w + pad):q * (w + pad) + w] = (
            imgs[i].transpose(1, 2, 0))
    return out[..., 0] if c == 1 else out


def save_tiles(images: torch.Tensor, rows: int, cols: int, path: Path, title: str,
               row_labels: list[str] | None = None) -> Path:
    """Draw :func:`tile` of ``images`` with a title (and a label per row) as a PNG."""
    arr = tile(images, rows, cols)
    h = arr.shape[0] / max(arr.shape[1], 1)
    fig, ax = plots.subplots(figsize=(max(4.0, cols * 0.55), max(1.5, cols * 0.55 * h) + 0.5))
    ax.imshow(arr, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    if row_labels:
        step = arr.shape[0] / rows
        ax.set_yticks([step * (i + 0.5) for i in range(rows)], row_labels, fontsize=7)
    else:
        ax.set_yticks([])
    ax.set_title(title, fontsize=9)
    return plots.save(fig, path)


def _as_images(x: torch.Tensor) -> torch.Tensor:
    """A batch as ``(n, C, H, W)`` (a flat ``(n, D)`` batch becomes one row of pixels)."""
    return x if x.dim() == 4 else x.reshape(len(x), 1, 1, -1)


def _labels(model: Any, n: int, label: int | None, row_of: list[int] | None = None
            ) -> torch.Tensor | None:
    if not model.conditional:
        if label is not None:
            raise InputError(f"{getattr(model, 'model_id', 'this model')} is not conditional; "
                             "it takes no label")
        return None
    if label is not None:
        if not 0 <= label < model.n_classes:
            raise InputError(f"label must be in [0, {model.n_classes}), got {label}")
        return torch.full((n,), int(label), dtype=torch.long)
    return torch.tensor(row_of if row_of is not None else [0] * n, dtype=torch.long)


@torch.no_grad()
def sample_grid(model: Any, path: Path, n: int = 64, seed: int = 0,
                label: int | None = None) -> Path:
    """``n`` prior samples (a conditional model: ``n // n_classes`` per class, one row each,
    unless ``label`` is given)."""
    g = torch.Generator().manual_seed(seed)
    what = getattr(model, "model_id", "generator")
    if model.conditional and label is None:
        per = max(1, n // model.n_classes)
        y = torch.arange(model.n_classes).repeat_interleave(per)
        imgs = _as_images(model.decode(model.prior(len(y), g), y))
        return save_tiles(imgs, model.n_classes, per, path,
                          f"{what}: {per} samples per class, seed {seed}",
                          [f"class {c}" for c in range(model.n_classes)])
    labels = _labels(model, n, label)
    imgs = _as_images(model.decode(model.prior(n, g), labels))
    cols = math.ceil(math.sqrt(n))
    extra = f", class {label}" if label is not None else ""
    return save_tiles(imgs, math.ceil(n / cols), cols, path,
                      f"{what}: {n} samples from the prior{extra}, seed {seed}")


@torch.no_grad()
def interpolation_grid(model: Any, path: Path, pairs: int = 8, steps: int = 10, seed: int = 0,
                       label: int | None = None) -> Path:
    """``pairs`` rows, each decoding ``steps`` codes on the segment between two prior codes."""
    g = torch.Generator().manual_seed(seed + 1)
    ends = model.prior(2 * pairs, g).cpu()
    a, b = ends[:pairs], ends[pairs:]
    t = torch.linspace(0, 1, steps)
    z = (a[:, None] * (1 - t[None, :, None]) + b[:, None] * t[None, :, None]).reshape(-1,
                                                                                    a.shape[1])
    rows = [c % model.n_classes for c in range(pairs)] if model.conditional else None
    y = _labels(model, len(z), label, None if rows is None else
                [r for r in rows for _ in range(steps)])
    imgs = _as_images(model.decode(z.to(model.device), y))
    what = getattr(model, "model_id", "generator")
    return save_tiles(imgs, pairs, steps, path,
                      f"{what}: linear interpolations between prior codes, seed {seed}")


@torch.no_grad()
def traversal_grid(model: Any, path: Path, units: int = 10, steps: int = 9, span: float = 3.0,
                   label: int | None = None) -> Path:
    """Row ``j``: unit ``j`` from ``-span`` to ``span``, the other units at 0."""
    k = min(units, model.latent_dim)
    vals = torch.linspace(-span, span, steps)
    z = torch.zeros(k, steps, model.latent_dim)
    for j in range(k):
        z[j, :, j] = vals
    z = z.reshape(-1, model.latent_dim)
    y = _labels(model, len(z), label if label is not None or not model.conditional else 0)
    imgs = _as_images(model.decode(z.to(model.device), y))
    what = getattr(model, "model_id", "generator")
    cls = f", class {label if label is not None else 0}" if model.conditional else ""
    return save_tiles(imgs, k, steps, path,
                      f"{what}: latent traversals, one unit from {-span:g} to {span:g}, "
                      f"others 0{cls}", latent_names(model)[:k])


@torch.no_grad()
def reconstruction_grid(model: Any, images: torch.Tensor, path: Path) -> Path:
    """Images (top row) above their reconstructions from the posterior means (bottom row)."""
    x = images.to(model.device)
    mu = model.codes(x)
    rec = _as_images(torch.sigmoid(model.decode_logits(mu)))
    both = torch.cat([_as_images(x).cpu(), rec.cpu()])
    return save_tiles(both, 2, len(x), path,
                      f"{getattr(model, 'model_id', 'model')}: images and reconstructions")


def plot_generator(model: Any, out_dir: Path, seed: int = 0, n: int = 64,
                   label: int | None = None, images: torch.Tensor | None = None,
                   traversals: bool = True) -> list[Path]:
    """Write ``samples.png``, ``interpolations.png``, ``traversals.png`` (when
    ``traversals``) and, given ``images`` of a model with an encoder, ``reconstructions.png``
    into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [sample_grid(model, out_dir / "samples.png", n=n, seed=seed, label=label),
             interpolation_grid(model, out_dir / "interpolations.png", seed=seed, label=label)]
    if traversals:
        paths.append(traversal_grid(model, out_dir / "traversals.png", label=label))
    if images is not None and hasattr(model, "codes") and not model.conditional:
        paths.append(reconstruction_grid(model, images, out_dir / "reconstructions.png"))
    return paths


__all__ = ["interpolation_grid", "latent_names", "plot_generator", "reconstruction_grid",
           "sample_grid", "save_tiles", "tile", "traversal_grid"]
