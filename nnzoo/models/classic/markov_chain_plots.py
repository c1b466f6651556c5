"""Plots of Markov chains (:mod:`nnzoo.models.classic.markov_chain`,
:mod:`nnzoo.models.classic.markov_analysis`): the state graph."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import torch

from nnzoo.core import plots


def plot_state_graph(P: torch.Tensor, path: str | Path, states: Sequence[str] | None = None,
                     title: str = "state graph", top: int = 20,
                     weight: torch.Tensor | None = None) -> Path:
    """The state graph: the ``top`` states (by ``weight``, default the column sums of ``P``)
    on a circle, an arrow ``i -> j`` for each transition, its width and opacity growing with
    ``P_ij``; self-loops as rings."""
    from matplotlib.patches import Circle, FancyArrowPatch

    P = P.detach().to(torch.float64).cpu()
    n = P.shape[0]
    w = (weight if weight is not None else P.sum(0)).detach().cpu().to(torch.float64)
    keep = torch.argsort(w, descending=True)[: min(top, n)].sort().values
    sub = P[keep][:, keep]
    k = len(keep)
    ang = 2 * math.pi * torch.arange(k, dtype=torch.float64) / k
    xy = torch.stack([ang.cos(), ang.sin()], 1).numpy()
    names = [("␣" if states[i] == " " else repr(states[i])[1:-1]) if states else str(int(i))
             for i in keep]
    fig, ax = plots.subplots(figsize=(6.5, 6.5))
    thresh = max(0.02, float(sub.max()) * 0.05)
    for i, j in (sub > thresh).nonzero().tolist():
        p = float(sub[i, j])
        if i == j:
            ax.add_patch(Circle(xy[i] * 1.12, 0.07, fill=False, lw=0.5 + 3 * p,
                                alpha=0.3 + 0.7 * p, color="tab:red"))
            continue
        ax.add_patch(FancyArrowPatch(xy[i], xy[j], arrowstyle="-|>", mutation_scale=8 + 8 * p,
                                     connectionstyle="arc3,rad=0.15", lw=0.3 + 3 * p,
                                     alpha=0.25 + 0.75 * p, color="tab:blue",
                                     shrinkA=9, shrinkB=9))
    ax.scatter(xy[:, 0], xy[:, 1], s=420, c="white", edgecolors="black", zorder=3)
    for (x, y), name in zip(xy, names):
        ax.text(x, y, name, ha="center", va="center", fontsize=8, zorder=4)
    ax.set_xlim(-1.35, 1.35)
    ax.set_ylim(-1.35, 1.35)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"{title}\n(top {k} of {n} states; arrows with P > {thresh:.2g})", fontsize=9)
    return plots.save(fig, path)


__all__ = ["plot_state_graph"]
