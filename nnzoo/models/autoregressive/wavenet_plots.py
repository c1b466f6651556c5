"""Pictures of a WaveNet: what it generates (text, or waveforms beside real ones) and which
past steps its output reads (the dilated receptive field)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from nnzoo.core import plots
from nnzoo.core.io import atomic_write_text
from nnzoo.core.mulaw import decode

if TYPE_CHECKING:
    from nnzoo.models.autoregressive.wavenet import WaveNet


def plot_wavenet(model: WaveNet, out_dir: Path) -> list[Path]:
    """``samples.txt`` (a model with ``vocab``: 20 sequences drawn from the first token of the
    last evaluated batch) or ``waveforms.png`` (256 levels: the real continuation of an
    evaluated window beside a generated one), and ``receptive_field.png``."""
    out_dir = Path(out_dir)
    paths = [receptive_field(model, out_dir / "receptive_field.png")]
    x, c = model._recent, model.config
    if x is None:
        return paths
    if c.vocab:
        start = x[:1, :1].expand(20, 1)                     # each row starts as the data do
        ids = model.generate(start, c.sample_shape[0] - 1, temperature=1.0, seed=0)
        lines = ["".join(c.vocab[i] for i in row[1:]).split(c.vocab[int(row[0])])[0]
                 for row in ids.tolist()]
        path = out_dir / "samples.txt"
        atomic_write_text(path, f"# {model.model_id}: 20 sequences, temperature 1, seed 0, "
                          f"each cut at the first {c.vocab[int(start[0, 0])]!r}\n"
                          + "\n".join(lines) + "\n")
        return [*paths, path]
    if c.vocab_size == 256:
        real = x[:3]                                        # (n, T)
        half = real.shape[1] // 2
        gen = model.generate(real[:, :half], real.shape[1] - half, seed=0)
        paths.append(waveforms(real, gen, half, out_dir / "waveforms.png",
                               title=f"{model.model_id}: real windows and generated "
                               "continuations (prime = the first half)"))
    return paths


def waveforms(real: torch.Tensor, generated: torch.Tensor, prime: int, path: Path,
              title: str) -> Path:
    """Real sequences of mu-law levels (top of each panel) beside generated ones that share
    their first ``prime`` steps, decoded to signal values.

    :param real: ``(n, T)`` levels.
    :param generated: ``(n, T')`` levels, the first ``prime`` equal to ``real``'s.
    :param prime: steps both share (a dashed line marks where generation starts).
    """
    n = real.shape[0]
    fig, axes = plots.subplots(n, 1, figsize=(9, 1.9 * n + 0.6), squeeze=False)
    for i in range(n):
        ax = axes[i, 0]
        r = decode(real[i].cpu()).numpy()
        g = decode(generated[i].cpu()).numpy()
        ax.plot(np.arange(len(r)), r, lw=0.8, color="tab:blue", label="real")
        ax.plot(np.arange(prime, len(g)), g[prime:], lw=0.8, color="tab:orange",
                label="generated")
        ax.axvline(prime, color="k", ls="--", lw=0.7)
        ax.set_ylim(-1.05, 1.05)
        ax.set_ylabel("signal")
        if i == 0:
            ax.legend(loc="upper right", fontsize=8)
    axes[-1, 0].set_xlabel("sample")
    axes[0, 0].set_title(title)
    return plots.save(fig, path)


def receptive_field(model: WaveNet, path: Path) -> Path:
    """The steps of the input each layer's output at the last step depends on (a grid of
    layers x past steps, dark where the dependence is), measured by a gradient: the summed
    output of the layer at the last step, differentiated with respect to the embedded
    input."""
    R = model.receptive_field
    T = min(R + 8, 1100)
    was = model.training
    model.eval()
    ids = torch.zeros(1, T, dtype=torch.long, device=model.device)
    h0 = model.embedding(ids).transpose(1, 2).detach().requires_grad_(True)
    h, rows = h0, []
    for layer in model.layers:
        h, _ = layer(h)
        (grad,) = torch.autograd.grad(h[0, :, -1].sum(), h0, retain_graph=True)
        rows.append((grad[0].abs().sum(0) > 0).float().cpu().numpy())
    model.train(was)
    img = np.stack(rows)                                     # (L, T)
    fig, ax = plots.subplots(figsize=(9, 0.25 * len(rows) + 1.5))
    ax.imshow(img[:, ::-1], aspect="auto", interpolation="nearest", cmap="Greys",
              extent=(-0.5, T - 0.5, len(rows) - 0.5, -0.5))
    ax.set_xlabel("steps before the output (0 = the step itself)")
    ax.set_ylabel("layer")
    ax.set_title(f"{model.model_id}: inputs read by the last step, layer by layer "
                 f"(receptive field R = {R})")
    return plots.save(fig, path)


__all__ = ["plot_wavenet", "receptive_field", "waveforms"]
