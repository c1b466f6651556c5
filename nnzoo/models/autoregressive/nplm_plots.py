"""Pictures of the neural probabilistic language model: its token embeddings on their two
principal axes, a generated sample, and (for the benchmark) loss curves over the steps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from nnzoo.core import plots
from nnzoo.core.io import atomic_write_text

if TYPE_CHECKING:
    from nnzoo.models.autoregressive.nplm import NPLM


def label(ch: str) -> str:
    """A printable label of a vocabulary character (the newline as ``\\n``, a space as ``_``)."""
    return {"\n": "\\n", " ": "_", "\t": "\\t"}.get(ch, ch)


def embedding_projection(C: torch.Tensor) -> torch.Tensor:
    """The rows of ``C`` ``(V, m)`` on their two principal axes ``(V, 2)``: centre, then
    project on the two leading right singular vectors (one coordinate of zeros when m = 1)."""
    Z = C.detach().double().cpu()
    Z = Z - Z.mean(0, keepdim=True)
    _, _, Vh = torch.linalg.svd(Z, full_matrices=False)       # Z = U S Vh
    P = Z @ Vh[:2].T                                          # (V, <= 2)
    return torch.cat([P, P.new_zeros(P.shape[0], 2 - P.shape[1])], 1) if P.shape[1] < 2 else P


def plot_nplm(model: NPLM, out_dir: Path) -> list[Path]:
    """``embedding.png``: every token's embedding (the blank included) on the table's two
    principal axes, labelled with its character when ``vocab`` is known; ``sample.txt``: 300
    tokens generated from the boundary (or token 0) at temperature 1, seed 0 (needs
    ``vocab``)."""
    c = model.config
    P = embedding_projection(model.embedding.weight).numpy()
    names = [label(ch) for ch in c.vocab] if c.vocab else [str(i) for i in range(c.vocab_size)]
    names.append("blank")
    fig, ax = plots.subplots(figsize=(5.5, 5))
    ax.scatter(P[:, 0], P[:, 1], s=60, c="tab:blue", alpha=0.35)
    for (px, py), name in zip(P, names):
        ax.annotate(name, (px, py), ha="center", va="center", fontsize=9)
    ax.set_xlabel("first principal axis")
    ax.set_ylabel("second principal axis")
    ax.set_title(f"nplm: {c.vocab_size + 1} token embeddings (m = {c.embed_dim})")
    ax.grid(alpha=0.3)
    paths = [plots.save(fig, out_dir / "embedding.png")]
    if c.vocab:
        start = max(c.boundary, 0)
        ids = model.generate(torch.tensor([start]), 300, seed=0).tolist()
        path = out_dir / "sample.txt"
        atomic_write_text(path, f"# nplm: 300 tokens after {label(c.vocab[start])}, "
                          f"temperature 1, seed 0\n{''.join(c.vocab[i] for i in ids)}\n")
        paths.append(path)
    return paths


def loss_curves(curves: Mapping[str, tuple[Sequence[float], Sequence[float]]], path: Path,
                title: str) -> Path:
    """Loss against the optimisation step, one line per ``{label: (steps, losses)}``."""
    fig, ax = plots.subplots(figsize=(6.5, 4))
    for name, (steps, losses) in curves.items():
        ax.plot(list(steps), list(losses), marker="o" if len(steps) < 30 else None, ms=3,
                label=name)
    ax.set_xlabel("optimisation step")
    ax.set_ylabel("cross-entropy (nats per character)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return plots.save(fig, path)


__all__ = ["embedding_projection", "label", "loss_curves", "plot_nplm"]
