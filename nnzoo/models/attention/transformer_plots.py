"""Pictures of the decoder-only Transformers (``transformer``, ``gpt``): the attention
weights of every head of every block on one window, and a generated text sample."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from nnzoo.core import plots
from nnzoo.core.io import atomic_write_text

if TYPE_CHECKING:
    from nnzoo.models.attention.decoder import DecoderLM


def plot_attention(maps: torch.Tensor, path: Path, title: str, labels: str = "") -> Path:
    """A grid of attention maps ``(L, h, T, T)``: one row per block, one column per head;
    row = query position, column = key position (upper triangle empty: the causal mask).
    ``labels``: the window's characters, drawn on the axes when short enough."""
    L, H, T, _ = maps.shape
    fig, axes = plots.subplots(L, H, figsize=(2.2 * H + 0.6, 2.2 * L + 0.4), squeeze=False)
    for i in range(L):
        for j in range(H):
            ax: Any = axes[i][j]
            ax.imshow(maps[i, j].float().cpu().numpy(), cmap="viridis", vmin=0.0, vmax=1.0,
                      interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if labels and T <= 24:
                ax.set_xticks(range(T), [repr(ch)[1:-1] for ch in labels[:T]], fontsize=5)
                ax.set_yticks(range(T), [repr(ch)[1:-1] for ch in labels[:T]], fontsize=5)
            if i == 0:
                ax.set_title(f"head {j + 1}", fontsize=8)
            if j == 0:
                ax.set_ylabel(f"block {i + 1}\nquery", fontsize=8)
    fig.suptitle(title, fontsize=9)
    return plots.save(fig, path)


def plot_decoder(model: DecoderLM, out_dir: Path) -> list[Path]:
    """``attention.png`` for the first 32 tokens of a window of the last evaluation (a
    window of token 0 when none was evaluated) and, when the config has ``vocab``,
    ``sample.txt``: 500 characters generated after that window's first 32 (temperature 0.8,
    seed 0)."""
    out_dir = Path(out_dir)
    c = model.config
    x = model._recent
    window = (x[0, :32] if x is not None else torch.zeros(1, dtype=torch.long)).to(model.device)
    maps = model.attention_maps(window[None])[:, 0]                       # (L, h, T, T)
    text = "".join(c.vocab[i] for i in window.tolist()) if c.vocab else ""
    paths = [plot_attention(maps, out_dir / "attention.png",
                            f"{model.model_id}: attention weights (row: query, column: key)",
                            text)]
    if c.vocab:
        ids = model.generate(window, 500, temperature=0.8, seed=0).tolist()
        sample = "".join(c.vocab[i] for i in ids)
        path = out_dir / "sample.txt"
        atomic_write_text(path, f"# {model.model_id}: 500 characters after the prime "
                          f"{sample[:len(window)]!r}, temperature 0.8, seed 0\n{sample}\n")
        paths.append(path)
    return paths


__all__ = ["plot_attention", "plot_decoder"]
