"""The picture of a continuous-action agent: its greedy action and its value over the states
it visited (the replay buffer), projected on their first two principal components."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nnzoo.core.plots import save as save_png
from nnzoo.core.plots import subplots


def policy_value_map(states: np.ndarray, action: np.ndarray, value: np.ndarray, path: Path,
                     title: str, value_label: str) -> Path:
    """Two scatter panels of ``states`` ``(n, k)`` on their principal plane (the state's own
    two coordinates when ``k == 2``, one coordinate against zero when ``k == 1``): coloured by
    the first component of the greedy ``action`` ``(n,)`` and by ``value`` ``(n,)``."""
    x = states - states.mean(0)
    if x.shape[1] > 2:
        _, _, vt = np.linalg.svd(x, full_matrices=False)
        xy, axes = x @ vt[:2].T, ("principal component 1", "principal component 2")
    elif x.shape[1] == 2:
        xy, axes = x, ("state 1 (centred)", "state 2 (centred)")
    else:
        xy, axes = np.column_stack([x[:, 0], np.zeros(len(x))]), ("state (centred)", "")
    fig, (a1, a2) = subplots(1, 2, figsize=(10.5, 3.8), gridspec_kw={"wspace": 0.45})
    for ax, c, label, cmap in ((a1, action, "greedy action (1st component)", "coolwarm"),
                               (a2, value, value_label, "viridis")):
        sc = ax.scatter(xy[:, 0], xy[:, 1], c=c, s=4, cmap=cmap, linewidths=0)
        fig.colorbar(sc, ax=ax, label=label)
        ax.set_xlabel(axes[0])
        ax.set_ylabel(axes[1])
    fig.suptitle(title)
    return save_png(fig, path)
