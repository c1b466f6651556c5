"""Plots of the extreme learning machine (:mod:`nnzoo.models.feedforward.elm`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch

from nnzoo.core import plots


def plot_hidden_activations(H: torch.Tensor, groups: Sequence[tuple[str, int]], path: Path
                            ) -> Path:
    """Histogram of the hidden activations ``H`` (n, L) of each neuron group, in the order
    of ``groups`` ((kind, count), ...)."""
    fig, ax = plots.subplots(figsize=(6, 3.6))
    col = 0
    for kind, c in groups:
        vals = H[:, col:col + c].reshape(-1).numpy()
        ax.hist(vals, bins=60, alpha=0.55, label=f"{kind} ({c})", density=True)
        col += c
    ax.set_xlabel("hidden activation h")
    ax.set_ylabel("density")
    ax.legend(fontsize=8)
    ax.set_title(f"ELM hidden activations on {len(H)} training samples")
    return plots.save(fig, path)
