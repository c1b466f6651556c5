"""Pictures of the encoder-decoders: attention heat maps, source characters against output
characters, as Bahdanau et al. (2014) draw them in their figure 3."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import torch

from nnzoo.core import plots

if TYPE_CHECKING:
    from nnzoo.models.attention.encdec import EncoderDecoder


def _label(ids: list[int], chars: str, eos: int) -> list[str]:
    """Tick labels of token ids: their characters (``<eos>`` and ids without a character as
    ``<eos>`` and ``#id``; a space as ``␣``)."""
    out = []
    for i in ids:
        if i == eos:
            out.append("<eos>")
        elif 3 <= i < 3 + len(chars):
            ch = chars[i - 3]
            out.append("␣" if ch == " " else ch)
        else:
            out.append(f"#{i}")
    return out


def plot_attention(model: EncoderDecoder, x: torch.Tensor, out_dir: Path,
                   name: str = "attention.png", beam_width: int = 1) -> list[Path]:
    """The attention of each source in ``x`` (a few) over its greedy (or beam) output:
    one heat map per source, rows the output characters up to ``<eos>``, columns the source
    characters, cell ``alpha_ij`` (0 black, 1 bright). Nothing for a model without attention.

    :returns: the path of the picture, or ``[]``.
    """
    c = model.config
    x = x.to(model.device)
    out = model.decode(x, beam_width=beam_width)
    if out.attention is None:
        return []
    n = len(x)
    fig, axes = plots.subplots(1, n, figsize=(3.2 * n, 3.4))
    axes = axes if n > 1 else [axes]
    for k, ax in enumerate(axes):
        src = [i for i in x[k].tolist() if i != c.pad_index]
        tok = out.tokens[k].tolist()
        m = tok.index(c.eos_index) + 1 if c.eos_index in tok else len(tok)
        img = out.attention[k, :m, :len(src)].float().cpu().numpy()
        ax.imshow(img, cmap="gray", vmin=0.0, vmax=1.0, aspect="auto", interpolation="nearest")
        ax.set_xticks(range(len(src)))
        ax.set_xticklabels(_label(src, c.source_chars, c.eos_index), fontsize=7)
        ax.set_yticks(range(m))
        ax.set_yticklabels(_label(tok[:m], c.target_chars, c.eos_index), fontsize=7)
        ax.set_xlabel("source")
        if k == 0:
            ax.set_ylabel("output")
    fig.suptitle(f"{model.model_id}: attention weights alpha_ij")
    return [plots.save(fig, Path(out_dir) / name)]


__all__ = ["plot_attention"]
