"""Plots every run writes: the learning curve and the picture that explains the model.

All functions write a PNG atomically (through :func:`save`, the one plot saver of the package)
and return its path. Every figure is a
:class:`matplotlib.figure.Figure` drawn by the Agg renderer that ``savefig`` picks for PNG:
nnzoo never imports ``pyplot`` nor calls ``matplotlib.use``, so the backend a user chose (a
notebook's inline one, an interactive window) stays as it was, and no figure is left in
pyplot's registry of open figures.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import torch
from matplotlib.colors import Colormap
from matplotlib.figure import Figure

from nnzoo.core.io import atomic_write_bytes


def subplots(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float],
             **kwargs: Any) -> tuple[Figure, Any]:
    """A new figure and its axes, like ``pyplot.subplots`` but outside pyplot.

    The figure is not registered with pyplot and needs no closing: it is freed once no
    reference to it remains.

    :param nrows: rows of the axes grid.
    :param ncols: columns of the axes grid.
    :param figsize: the figure's size in inches (width, height).
    :param kwargs: passed to :meth:`matplotlib.figure.Figure.subplots` (``squeeze``,
        ``sharex``, ``gridspec_kw``...).
    :returns: ``(figure, axes)``, the axes as ``Figure.subplots`` returns them.
    """
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(nrows, ncols, **kwargs)


def colormap(name: str) -> Colormap:
    """The registered colormap ``name`` (``pyplot.get_cmap`` without pyplot)."""
    return matplotlib.colormaps[name]


def save(fig: Figure, path: str | Path) -> Path:
    """Render ``fig`` to PNG (Agg, 110 dpi, tight bounding box) and write it to ``path``
    atomically.

    :param fig: the figure, from :func:`subplots`.
    :param path: the PNG file to write; its folder must exist.
    :returns: ``path`` as a :class:`~pathlib.Path`.
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
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
    fig, axes = subplots(1, 2 if other else 1, figsize=(10 if other else 5.5, 3.6))
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
    return save(fig, path)


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
    fig, axes = subplots(rows, cols, figsize=(cols * 0.9, rows * 0.9 + 0.4))
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
    return save(fig, path)


def confusion_matrix(
    cm: torch.Tensor | np.ndarray, path: str | Path, classes: Sequence[str] | None = None,
    title: str = "confusion matrix",
) -> Path:
    """Plot a confusion matrix (rows: true class, columns: predicted) with counts."""
    cm = torch.as_tensor(cm).cpu().numpy()
    n = cm.shape[0]
    classes = list(classes) if classes else [str(i) for i in range(n)]
    fig, ax = subplots(figsize=(0.5 * n + 2.5, 0.5 * n + 2))
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
    return save(fig, path)


def return_curves(curves: dict[str, list[np.ndarray]], steps: Sequence[float] | np.ndarray,
                  path: str | Path, title: str = "", target: float | None = None) -> Path:
    """Learning curves of reinforcement-learning runs: per label, the mean over seeds and a
    band of one standard deviation around it.

    :param curves: label -> one array per seed, each the returns at ``steps`` (the same
        length as ``steps``; :func:`resample_returns` puts a run's episodes on such a grid).
    :param steps: the environment steps of the curves' points.
    :param path: the PNG file to write.
    :param title: the figure's title.
    :param target: a return to draw as a dashed horizontal line (a task's solved score).
    :raises ValueError: when a curve's length differs from ``steps``'.
    """
    x = np.asarray(steps, dtype=float)
    fig, ax = subplots(figsize=(6.4, 3.8))
    colors = colormap("tab10")
    for k, (label, runs) in enumerate(curves.items()):
        if not runs:
            continue
        ys = np.stack([np.asarray(r, dtype=float) for r in runs])
        if ys.shape[1] != len(x):
            raise ValueError(f"return_curves: curve {label!r} has {ys.shape[1]} points, "
                             f"steps has {len(x)}")
        mean, std = np.nanmean(ys, axis=0), np.nanstd(ys, axis=0)
        color = colors(k % 10)
        ax.plot(x, mean, color=color, lw=1.6, label=f"{label} ({len(runs)} seed"
                f"{'s' if len(runs) > 1 else ''})")
        if len(runs) > 1:
            ax.fill_between(x, mean - std, mean + std, color=color, alpha=0.2, lw=0)
    if target is not None:
        ax.axhline(target, color="0.3", ls="--", lw=1, label=f"target {target:g}")
    ax.set_xlabel("environment steps")
    ax.set_ylabel("episode return")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title or "return")
    return save(fig, path)


def resample_returns(episodes: Sequence[Sequence[float]], steps: Sequence[float] | np.ndarray,
                     window: int = 10) -> np.ndarray:
    """A run's training returns on a grid of steps: at each of ``steps``, the mean return of
    the last ``window`` episodes that ended by then (NaN before the first one ended).

    :param episodes: ``(step, return, ...)`` of the finished episodes in order
        (:attr:`~nnzoo.train.environment.RLResult.episodes`).
    :param steps: the grid.
    :param window: episodes averaged per point.
    """
    ends = np.asarray([e[0] for e in episodes], dtype=float)
    rets = np.asarray([e[1] for e in episodes], dtype=float)
    out = np.full(len(steps), np.nan)
    for j, s in enumerate(np.asarray(steps, dtype=float)):
        n = int(np.searchsorted(ends, s, side="right"))
        if n:
            out[j] = rets[max(0, n - window):n].mean()
    return out


def training_returns(episodes: Sequence[Sequence[float]],
                     evals: Sequence[Sequence[float]], path: str | Path,
                     title: str = "") -> Path:
    """One agent's run: each training episode's return (dots), their moving mean over 10
    episodes, and the deterministic evaluations' mean with a bar of one standard deviation.

    :param episodes: ``(step, return, length)`` of the finished training episodes.
    :param evals: ``(step, mean, std)`` of the evaluations.
    :param path: the PNG file to write.
    :param title: the figure's title.
    """
    fig, ax = subplots(figsize=(6.4, 3.8))
    if episodes:
        steps = np.asarray([e[0] for e in episodes], dtype=float)
        rets = np.asarray([e[1] for e in episodes], dtype=float)
        ax.plot(steps, rets, ".", ms=2, color="tab:blue", alpha=0.35, label="training episode")
        window = min(10, len(rets))
        moving = np.convolve(rets, np.ones(window) / window, mode="valid")
        ax.plot(steps[window - 1:], moving, color="tab:blue", lw=1.6,
                label=f"mean of the last {window}")
    if evals:
        ev = np.asarray(evals, dtype=float).reshape(-1, 3)
        ax.errorbar(ev[:, 0], ev[:, 1], yerr=ev[:, 2], fmt="o-", ms=4, color="tab:orange",
                    capsize=3, label="evaluation (greedy), mean ± std")
    ax.set_xlabel("environment steps")
    ax.set_ylabel("episode return")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title or "return")
    return save(fig, path)


#: The animation formats :func:`animation_writer` writes.
ANIMATION_SUFFIXES = (".gif", ".mp4")


def check_animation_path(path: str | Path) -> None:
    """Refuse an animation file :func:`animation_writer` cannot write, before any work.

    :raises UsageError: for a suffix other than ``.gif`` / ``.mp4``, a missing folder, or an
        MP4 without an ffmpeg writer (imageio's ``ffmpeg`` or ``pyav`` plugin).
    """
    from nnzoo.core.errors import UsageError

    p = Path(path)
    if p.suffix.lower() not in ANIMATION_SUFFIXES:
        raise UsageError(f"{p}: expected a .gif or .mp4 file name, got {p.suffix or 'none'}")
    if not p.parent.is_dir():
        raise UsageError(f"{p}: the folder {p.parent} does not exist")
    if p.suffix.lower() == ".mp4" and _mp4_plugin() is None:
        raise UsageError(f"{p}: writing MP4 needs an ffmpeg writer, and none is installed "
                         "here: pip install imageio-ffmpeg (or write a .gif)")


def _mp4_plugin() -> str | None:
    """imageio's plugin that writes MP4 here (``pyav`` or ``FFMPEG``), or None."""
    import importlib.util

    try:
        import imageio  # noqa: F401
    except ImportError:
        return None
    if importlib.util.find_spec("av") is not None:
        return "pyav"
    if importlib.util.find_spec("imageio_ffmpeg") is not None:
        return "FFMPEG"
    return None


def caption_frame(frame: np.ndarray, text: str) -> np.ndarray:
    """A copy of the RGB frame ``(H, W, 3)`` with ``text`` written in its top-left corner on
    a light box (Pillow's default font).

    Besides telling the viewer where an animation is, the caption keeps every frame of an
    episode distinct: a GIF writer merges identical consecutive frames, which would make the
    file's frame count differ from the episode's step count.
    """
    from PIL import Image, ImageDraw

    img = Image.fromarray(np.asarray(frame, dtype=np.uint8)).convert("RGB")
    draw = ImageDraw.Draw(img)
    box = draw.textbbox((4, 2), text)
    draw.rectangle((box[0] - 2, box[1] - 1, box[2] + 2, box[3] + 1), fill=(255, 255, 255))
    draw.text((4, 2), text, fill=(0, 0, 0))
    return np.asarray(img)


class _Gif:
    """Frames kept as palette images (a third of RGB's memory), written as one GIF."""

    def __init__(self) -> None:
        self.frames: list[Any] = []

    def __call__(self, frame: np.ndarray) -> None:
        from PIL import Image

        self.frames.append(Image.fromarray(np.asarray(frame, dtype=np.uint8)).quantize(256))

    def bytes(self, fps: float) -> bytes:
        buf = io.BytesIO()
        first, *rest = self.frames
        first.save(buf, format="GIF", save_all=True, append_images=rest, loop=0,
                   duration=max(20, round(1000 / fps)), disposal=1)
        return buf.getvalue()


@contextlib.contextmanager
def animation_writer(path: str | Path, fps: float = 30.0) -> Iterator[Callable[[np.ndarray],
                                                                              None]]:
    """A function that takes RGB frames ``(H, W, 3)`` uint8, one call each; on leaving the
    block the frames become the animation ``path`` (a GIF through Pillow, an MP4 through
    imageio's ffmpeg writer), written atomically. Nothing is written when the block raises
    or no frame came.

    :param path: a ``.gif`` or ``.mp4`` file (:func:`check_animation_path`).
    :param fps: frames per second.
    """
    from nnzoo.core.errors import InputError

    check_animation_path(path)
    p = Path(path)
    if p.suffix.lower() == ".gif":
        gif = _Gif()
        yield gif
        if not gif.frames:
            raise InputError(f"{p}: no frame to write")
        atomic_write_bytes(p, gif.bytes(fps))
        return
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".mp4")
    os.close(fd)
    count = 0
    try:
        if _mp4_plugin() == "pyav":
            import imageio.v3 as iio

            with iio.imopen(tmp, "w", plugin="pyav") as video:
                video.init_video_stream("libx264", fps=fps)

                def write(frame: np.ndarray) -> None:
                    nonlocal count
                    video.write_frame(np.asarray(frame, dtype=np.uint8))
                    count += 1

                yield write
        else:
            import imageio.v2 as iio2

            with iio2.get_writer(tmp, format="FFMPEG", fps=fps, macro_block_size=1) as video:
                def write(frame: np.ndarray) -> None:
                    nonlocal count
                    video.append_data(np.asarray(frame, dtype=np.uint8))
                    count += 1

                yield write
        if not count:
            raise InputError(f"{p}: no frame to write")
        os.replace(tmp, p)
    finally:
        Path(tmp).unlink(missing_ok=True)


def frame_strip(frames: Sequence[tuple[str, np.ndarray]], path: str | Path,
                title: str = "") -> Path:
    """RGB frames side by side, each with its caption (an agent's episode at a few steps).

    :param frames: ``(caption, rgb (H, W, 3))`` pairs.
    :param path: the PNG file to write.
    :param title: the figure's title.
    """
    n = max(1, len(frames))
    fig, axes = subplots(1, n, figsize=(2.6 * n, 2.3), squeeze=False)
    for ax, (caption, rgb) in zip(axes[0], frames):
        ax.imshow(np.asarray(rgb))
        ax.set_title(caption, fontsize=8)
    for ax in axes[0]:
        ax.axis("off")
    fig.suptitle(title)
    return save(fig, path)
