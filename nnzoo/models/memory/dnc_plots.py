"""Pictures of a differentiable neural computer at work on one sequence
(:meth:`nnzoo.models.memory.dnc.DNC.trace`).

- ``dnc_weights.png``: four panels over time (steps across, memory rows down): the write
  weighting, the read weighting of each head, the usage and the allocation weighting. On the
  copy task a trained DNC writes the input steps to successive free rows (a diagonal in the
  write panel, usage rising row by row), then reads them back in the same order through the
  forward links (the same diagonal, shifted to the answer steps).
- ``dnc_links.png``: the final temporal link matrix ``L[i, j]`` (row ``i`` was written right
  after row ``j``): a sharp chain of ones for a sequence written in order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from matplotlib.ticker import MaxNLocator

from nnzoo.core import plots


def plot_trace(trace: dict[str, torch.Tensor], out_dir: Path) -> list[Path]:
    """Draw ``dnc_weights.png`` and ``dnc_links.png`` from a trace into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    reads = trace["read_weights"]                                   # (S, R, N)
    panels = [("write weighting", trace["write_weights"])]
    panels += [(f"read weighting, head {i}", reads[:, i]) for i in range(reads.shape[1])]
    panels += [("usage", trace["usage"]), ("allocation weighting", trace["allocation"])]
    S, N = trace["usage"].shape
    fig, axes = plots.subplots(len(panels), 1, figsize=(max(5.0, S * 0.18 + 1.5),
                                                        1.2 + len(panels) * (N * 0.1 + 0.6)))
    fig.set_layout_engine("constrained")  # titles clear of the panel above
    axes_list = list(np.atleast_1d(axes))
    for ax, (title, w) in zip(axes_list, panels):
        im = ax.imshow(w.float().cpu().numpy().T, aspect="auto", cmap="viridis", vmin=0,
                       vmax=1, interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.set_ylabel("row")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        fig.colorbar(im, ax=ax, fraction=0.025)
    axes_list[-1].set_xlabel("step")
    paths = [plots.save(fig, out_dir / "dnc_weights.png")]

    link = trace["link"].float().cpu().numpy()
    fig, ax = plots.subplots(figsize=(4.5, 4.0))
    im = ax.imshow(link, cmap="magma", vmin=0, vmax=1, interpolation="nearest")
    ax.set_title("temporal links L[i, j]: i written after j", fontsize=9)
    ax.set_xlabel("j (earlier)")
    ax.set_ylabel("i (later)")
    fig.colorbar(im, ax=ax, fraction=0.046)
    paths.append(plots.save(fig, out_dir / "dnc_links.png"))
    return paths


__all__ = ["plot_trace"]
