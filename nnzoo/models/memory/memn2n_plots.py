"""Pictures of the end-to-end memory network: each hop's attention over a story's sentences."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from nnzoo.core import plots


def _text(row: torch.Tensor, vocab: Sequence[str] | None) -> str:
    ids = [int(i) for i in row if int(i)]
    if vocab is None:
        return " ".join(map(str, ids))
    return " ".join(vocab[i] if i < len(vocab) else "?" for i in ids)


def plot_attention(x: torch.Tensor, attention: torch.Tensor, path: str | Path, *,
                   vocab: Sequence[str] | None = None, support: torch.Tensor | None = None,
                   answers: Sequence[str] | None = None, predicted: torch.Tensor | None = None,
                   max_questions: int = 4) -> Path:
    """One panel per question: the probability each hop gives each sentence of the story.

    :param x: questions as the model reads them, ``(B, M + 1, W)`` word ids.
    :param attention: ``(B, K, M)`` from :meth:`MemN2N.attention`.
    :param vocab: words by id, to print the sentences (ids otherwise).
    :param support: ``(B, S)`` memory rows of the supporting facts (-1 = none), marked with a
        star beside the sentence.
    :param answers: class names; with ``predicted`` (``(B,)``) the panel's title shows the
        model's answer.
    :param max_questions: panels drawn.
    """
    n = min(max_questions, len(x))
    M = x.shape[1] - 1
    rows = sum(max(1, int((x[b, :M] > 0).any(-1).sum())) for b in range(n))
    fig, axes = plots.subplots(n, 1, figsize=(8.5, 1.2 * n + 0.28 * rows), squeeze=False)
    fig.subplots_adjust(hspace=0.7)
    for b in range(n):
        ax = axes[b, 0]
        filled = [i for i in range(M) if bool((x[b, i] > 0).any())] or [0]
        probs = attention[b][:, filled].T.cpu().numpy()          # (sentences, hops)
        ax.imshow(probs, aspect="auto", cmap=plots.colormap("Blues"), vmin=0.0,
                  vmax=max(1e-9, float(np.abs(probs).max())))
        marks = set() if support is None else {int(s) for s in support[b] if int(s) >= 0}
        labels = [("* " if i in marks else "") + _text(x[b, i], vocab) for i in filled]
        ax.set_yticks(range(len(filled)), labels, fontsize=7)
        ax.set_xticks(range(probs.shape[1]), [f"hop {k + 1}" for k in range(probs.shape[1])],
                      fontsize=7)
        for (i, k), v in np.ndenumerate(probs):
            ax.text(k, i, f"{v:.2f}", ha="center", va="center", fontsize=6,
                    color="white" if v > 0.6 * probs.max() else "black")
        title = "Q: " + _text(x[b, M], vocab)
        if answers is not None and predicted is not None:
            title += f"   -> {answers[int(predicted[b])]}"
        ax.set_title(title + ("   (* supporting fact)" if marks else ""), fontsize=8)
    return plots.save(fig, path)


__all__ = ["plot_attention"]
