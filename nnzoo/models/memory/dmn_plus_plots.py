"""Pictures of DMN+: the attention gates over a story's sentences in each episodic pass."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch

from nnzoo.core import plots


def sentence_text(row: torch.Tensor, words: Sequence[str] | None, pad_index: int = 0,
                  limit: int = 40) -> str:
    """One sentence of word ids as text (``words[id]``), or the ids when no vocabulary."""
    ids = [int(i) for i in row if int(i) != pad_index]
    text = " ".join(words[i] if words is not None and i < len(words) else str(i) for i in ids)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def plot_gates(gates: torch.Tensor, x: torch.Tensor, path: Path, *, pad_index: int = 0,
               words: Sequence[str] | None = None,
               supporting: Sequence[Sequence[int]] | None = None,
               answers: Sequence[str] | None = None) -> Path:
    """One panel per story: the gate ``g_i^t`` of each real sentence (rows) in each pass
    (columns); supporting facts, when known, are marked with a star beside their row.

    :param gates: ``(B, passes, M)`` from :meth:`DMNPlus.attention_gates`.
    :param x: ``(B, M + 1, W)`` the stories and questions.
    :param path: the PNG to write.
    :param pad_index: the padding word id.
    :param words: the vocabulary (``words[id]``), to print the sentences.
    :param supporting: per story, the story rows of its supporting facts.
    :param answers: per story, the answer (the true one, or true and predicted), for the title.
    """
    n = gates.shape[0]
    real = [(x[b, :-1] != pad_index).any(-1).nonzero().flatten().tolist() for b in range(n)]
    heights = [max(2.0, 0.28 * len(r) + 1.2) for r in real]
    fig, axes = plots.subplots(n, 1, figsize=(7.5, sum(heights)), squeeze=False,
                               gridspec_kw={"height_ratios": heights, "hspace": 0.55})
    for b in range(n):
        ax = axes[b][0]
        rows = real[b]
        img = gates[b][:, rows].T.float().numpy()                  # (sentences, passes)
        im = ax.imshow(img, aspect="auto", cmap="viridis", vmin=0.0, vmax=1.0,
                       interpolation="nearest")
        ax.set_xticks(range(img.shape[1]))
        ax.set_xticklabels([f"pass {t + 1}" for t in range(img.shape[1])])
        support = set(supporting[b]) if supporting is not None else set()
        labels = [("* " if r in support else "") + sentence_text(x[b, r], words, pad_index)
                  for r in rows]
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels(labels, fontsize=7)
        title = "Q: " + sentence_text(x[b, -1], words, pad_index, limit=60)
        if answers is not None:
            title += f"  A: {answers[b]}"
        ax.set_title(title, fontsize=8)
        fig.colorbar(im, ax=ax, fraction=0.03)
    fig.suptitle("DMN+ attention gates per pass" + (" (* = supporting fact)"
                                                     if supporting is not None else ""),
                 fontsize=9)
    return plots.save(fig, path)


__all__ = ["plot_gates", "sentence_text"]
