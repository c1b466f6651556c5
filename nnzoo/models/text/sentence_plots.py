"""Pictures the sentence classifiers share: the attention weights over the tokens of
sentences (any model with ``attention_weights(x) -> (B, T)`` may use it), and the norms of
convolution filters along their window."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from nnzoo.core import plots


def plot_attention(weights: torch.Tensor | np.ndarray, tokens: Sequence[Sequence[str]],
                   path: str | Path, title: str = "attention weights") -> Path:
    """Heat map of attention weights over the tokens of one or more sentences.

    :param weights: (N, T) or (T,) weights (each row sums to 1 over its tokens).
    :param tokens: the N sentences as lists of words (each at most T long); cells past a
        sentence's end are left blank.
    :param path: the PNG to write (atomically).
    :param title: the figure's title.
    """
    w = torch.as_tensor(weights).detach().float().cpu().numpy()
    w = w[None] if w.ndim == 1 else w
    n = min(len(w), len(tokens))
    T = max(1, max(len(t) for t in tokens[:n]) if n else 1)
    grid = np.full((n, T), np.nan)
    for i in range(n):  # one row per sentence, up to its own length
        k = min(len(tokens[i]), w.shape[1])
        grid[i, :k] = w[i, :k]
    fig, ax = plots.subplots(figsize=(max(4.0, 0.62 * T + 1.5), 0.55 * n + 1.2))
    im = ax.imshow(np.ma.masked_invalid(grid), cmap="Reds", aspect="auto", vmin=0.0,
                   vmax=float(np.nanmax(grid)) if n else 1.0)
    for i in range(n):
        for j, word in enumerate(list(tokens[i])[:w.shape[1]]):
            ax.text(j, i, word, ha="center", va="center", fontsize=7, rotation=0)
    ax.set_yticks(range(n), [str(i) for i in range(n)], fontsize=7)
    ax.set_xticks([])
    ax.set_ylabel("sentence")
    fig.colorbar(im, ax=ax, fraction=0.025, pad=0.01)
    ax.set_title(title)
    return plots.save(fig, path)


def plot_filter_norms(weights: Sequence[torch.Tensor], labels: Sequence[str], path: str | Path,
                      title: str) -> Path:
    """Mean L2 norm of convolution filters at each offset of their window, one line per
    layer or filter width (which positions of an n-gram a layer weighs most).

    :param weights: conv weights ``(C_out, C_in, w)``.
    :param labels: one legend label per weight.
    :param path: the PNG to write; :param title: its title.
    """
    fig, ax = plots.subplots(figsize=(5.5, 3.4))
    for W, label in zip(weights, labels):
        norms = W.detach().float().cpu().norm(dim=1).mean(0).numpy()  # (w,)
        ax.plot(np.arange(1, len(norms) + 1), norms, marker="o", label=label)
    ax.set_xlabel("offset in the filter window")
    ax.set_ylabel("mean filter norm")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title)
    return plots.save(fig, path)


__all__ = ["plot_attention", "plot_filter_norms"]
