"""Pictures of the recurrent networks: a generated text sample (language models), the
attention over the steps, or the last layer's state over time."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import torch

from nnzoo.core import plots
from nnzoo.core.io import atomic_write_text

if TYPE_CHECKING:
    from nnzoo.models.recurrent.network import Recurrent


def plot_recurrent(model: Recurrent, out_dir: Path) -> list[Path]:
    """``lm``: ``sample.txt``, text generated from the start of the last evaluated window
    (needs ``vocab``). Otherwise, for a few sequences of the last evaluation: the attention
    over the steps (``attention.png``) or the last layer's state over time
    (``hidden_states.png``)."""
    out_dir = Path(out_dir)
    x, c = model._recent, model.config
    paths: list[Path] = []
    if c.task == "lm":
        if not c.vocab:
            return paths
        prime = (x[0, :min(32, x.shape[1])] if x is not None
                 else torch.zeros(1, dtype=torch.long))
        ids = model.generate(prime.to(model.device), 500, temperature=0.8, seed=0).tolist()
        text = "".join(c.vocab[i] for i in ids)
        p = len(prime)
        path = out_dir / "sample.txt"
        atomic_write_text(path, f"# {model.model_id}: 500 characters after the prime "
                          f"{text[:p]!r}, temperature 0.8, seed 0\n{text}\n")
        return [path]
    if x is None:
        return paths
    x = x.to(model.device)
    was = model.training
    model.eval()
    if c.attention:
        img = model.attention_weights(x).float().cpu()          # (n, T)
        title, name, ylabel = "attention over the steps", "attention.png", "sequence"
    else:
        with torch.no_grad():
            out, _ = model._encode(x[:1], None, model._lengths(x[:1]))
        img = out[0].T.float().cpu()                           # (dirs * H, T)
        title, name, ylabel = "last-layer state over time (one sequence)", \
            "hidden_states.png", "unit"
    model.train(was)
    fig, ax = plots.subplots(figsize=(8, 3.2))
    im = ax.imshow(img.numpy(), aspect="auto", interpolation="nearest",
                   cmap="viridis" if c.attention else "bwr")
    fig.colorbar(im, ax=ax)
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    ax.set_title(f"{model.model_id}: {title}")
    return [plots.save(fig, out_dir / name)]


__all__ = ["plot_recurrent"]
