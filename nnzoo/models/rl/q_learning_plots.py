"""Pictures of the tabular agents on a grid world: the state values as a heat map and the
greedy policy as an arrow in each cell (FrozenLake, CliffWalking)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nnzoo.core import plots
from nnzoo.models.rl.q_learning import DIRECTIONS, QLearningConfig

#: Cells of ``grid_desc`` where an episode ends or that are never a decision: no arrow.
TERMINAL = {"H", "G", "C"}


def draw_grid(ax: Any, values: np.ndarray, policy: np.ndarray, visited: np.ndarray,
              config: QLearningConfig, title: str, route: Sequence[int] = ()) -> Any:
    """Draw one grid: ``values`` ``(n_states,)`` as colours with their numbers, the action of
    ``policy`` ``(n_states,)`` as an arrow in each cell that is not terminal and where
    ``visited`` (a state never updated has no policy to show), the letters of
    ``grid_desc`` (start, holes, cliff, goal), and ``route`` (states in order: the path the
    greedy policy walks) as a red line.

    :returns: the image (for a colour bar).
    """
    rows, cols = config.grid_shape
    desc = config.grid_desc or ("F" * cols,) * rows
    grid = np.asarray(values, dtype=float).reshape(rows, cols)
    im = ax.imshow(grid, cmap="viridis", interpolation="nearest")
    lo, hi = float(np.nanmin(grid)), float(np.nanmax(grid))
    for r in range(rows):
        for c in range(cols):
            s = r * cols + c
            cell = desc[r][c]
            light = hi > lo and grid[r, c] < lo + 0.5 * (hi - lo)
            color = "white" if light else "black"
            if cell in TERMINAL:
                ax.add_patch(_square(ax, r, c, "0.15" if cell != "G" else "gold"))
                ax.text(c, r, cell, ha="center", va="center", fontsize=10, weight="bold",
                        color="white" if cell != "G" else "black")
                continue
            if cell == "S":
                ax.text(c - 0.42, r - 0.42, "S", ha="left", va="top", fontsize=7, color=color)
            ax.text(c, r + 0.38, f"{grid[r, c]:.2f}", ha="center", va="bottom", fontsize=6,
                    color=color)
            if visited[s]:
                dr, dc = DIRECTIONS[config.grid_actions[int(policy[s])]]
                ax.annotate("", xy=(c + 0.3 * dc, r + 0.3 * dr),
                            xytext=(c - 0.3 * dc, r - 0.3 * dr),
                            arrowprops={"arrowstyle": "->", "color": color, "lw": 1.4})
    if len(route) > 1:
        ax.plot([s % cols for s in route], [s // cols for s in route], color="red", lw=2,
                alpha=0.7)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=8)
    return im


def _square(ax: Any, r: int, c: int, color: str) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((c - 0.5, r - 0.5), 1, 1, color=color)


def policy_grid(panels: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
                config: QLearningConfig, path: str | Path, title: str = "",
                routes: Mapping[str, Sequence[int]] | None = None) -> Path:
    """One grid per panel, side by side (wrapped at three per row).

    :param panels: title -> ``(values, policy, visited)``, each ``(n_states,)``.
    :param config: the agent's config (``grid_shape``, ``grid_desc``, ``grid_actions``).
    :param path: the PNG to write.
    :param title: the figure's title.
    :param routes: panel title -> states of a path to draw on it (optional).
    """
    rows, cols = config.grid_shape
    k = len(panels)
    ncols = 1 if cols >= 2 * rows else min(k, 3)   # wide grids (CliffWalking) stacked
    nrows = math.ceil(k / ncols)
    scale = 3.6 / max(rows, cols) ** 0.5
    fig, axes = plots.subplots(nrows, ncols, squeeze=False,
                               figsize=(ncols * (0.45 * cols * scale + 1.2),
                                        nrows * (0.45 * rows * scale + 0.7)))
    for ax, (name, (values, policy, visited)) in zip(axes.ravel(), panels.items()):
        im = draw_grid(ax, values, policy, visited, config, name, (routes or {}).get(name, ()))
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.03)
    for ax in axes.ravel()[k:]:
        ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=10)
    return plots.save(fig, path)
