"""Pictures of the neural Turing machine: the heads' weightings over time and the memory
(as Graves et al. 2014's Figures 6 and 8 show them), target against output bit images at
lengths beyond the training range, the cost per sequence length and the training curve."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from nnzoo.core import plots

if TYPE_CHECKING:
    from nnzoo.models.memory.ntm import NTM, EpisodeLike


@dataclass
class Sequence1:
    """One sequence as :func:`plot_machine` takes it: ``x (1, S, C_in)``, ``y (1, S,
    C_out)``, ``mask (1, S)``; ``length``: the task's length (answer steps when unknown)."""

    x: torch.Tensor
    y: torch.Tensor
    mask: torch.Tensor
    length: int = 0

    def __post_init__(self) -> None:
        if not self.length:
            self.length = int(self.mask[0].sum())


@torch.no_grad()
def plot_machine(model: NTM, out_dir: Path, ep: EpisodeLike) -> list[Path]:
    """``ntm_heads.png``: input, target and output, and the read and write weightings over
    the N rows at every step; ``ntm_memory.png``: the memory after the last step (the
    first sequence of ``ep``)."""
    m = ep.mask[0]
    last = int(m.nonzero().max()) + 1 if bool(m.any()) else m.shape[0]  # drop the padding
    x, y, m = ep.x[:1, :last].cpu(), ep.y[:1, :last].cpu(), m[:last].cpu()
    was = model.training
    model.eval()
    logits, tr = model.run(x.to(model.device), trace=True)
    model.train(was)
    out = torch.sigmoid(logits[0]).cpu()
    mask = m.unsqueeze(-1).float()
    read, write = tr["read"][0].cpu(), tr["write"][0].cpu()      # (S, H, N)
    panels = [("input", x[0].T, "gray_r"), ("target", (y[0] * mask).T, "gray_r"),
              ("output", (out * mask).T, "gray_r")]
    panels += [(f"read head {h} weighting", read[:, h].T, "magma")
               for h in range(read.shape[1])]
    panels += [(f"write head {h} weighting", write[:, h].T, "magma")
               for h in range(write.shape[1])]
    heights = [1.0, 1.0, 1.0] + [2.2] * (len(panels) - 3)
    fig, axes = plots.subplots(len(panels), 1, figsize=(8, 1.1 * sum(heights) + 0.6),
                               sharex=True, gridspec_kw={"height_ratios": heights})
    for ax, (title, img, cmap) in zip(axes, panels, strict=True):
        ax.imshow(img.numpy(), aspect="auto", interpolation="nearest", cmap=cmap,
                  vmin=0, vmax=max(1e-6, float(img.max())) if "head" in title else 1)
        ax.set_title(title, fontsize=8, loc="left")
        ax.set_yticks([])
    axes[-1].set_xlabel("step")
    fig.suptitle(f"ntm on {model.config.task}: length {ep.length}", fontsize=9)
    paths = [plots.save(fig, out_dir / "ntm_heads.png")]
    mem = tr["memory"][0, -1].cpu()                              # (N, W)
    fig, ax = plots.subplots(figsize=(5, 6))
    im = ax.imshow(mem.numpy(), aspect="auto", interpolation="nearest", cmap="bwr",
                   vmin=-float(mem.abs().max()), vmax=float(mem.abs().max()))
    fig.colorbar(im, ax=ax)
    ax.set_xlabel("column (width W)")
    ax.set_ylabel("row")
    ax.set_title(f"memory after the last step ({mem.shape[0]} x {mem.shape[1]})", fontsize=9)
    paths.append(plots.save(fig, out_dir / "ntm_memory.png"))
    return paths


def plot_outputs(pairs: Sequence[tuple[int, torch.Tensor, torch.Tensor]], path: Path,
                 title: str = "") -> Path:
    """Target above output bit images (bits x steps of the answer) for each
    ``(length, target (T, bits), output probabilities (T, bits))``."""
    fig, axes = plots.subplots(2 * len(pairs), 1, figsize=(9, 1.3 * len(pairs) * 2 + 0.5),
                               squeeze=False)
    for i, (T, target, output) in enumerate(pairs):
        for j, (name, img) in enumerate((("target", target), ("output", output))):
            ax = axes[2 * i + j, 0]
            ax.imshow(img.T.float().numpy(), aspect="auto", interpolation="nearest",
                      cmap="gray_r", vmin=0, vmax=1)
            ax.set_title(f"length {T}: {name}", fontsize=8, loc="left")
            ax.set_yticks([])
    axes[-1, 0].set_xlabel("answer step")
    if title:
        fig.suptitle(title, fontsize=9)
    return plots.save(fig, path)


def plot_cost_per_length(lengths: Sequence[int], costs: Sequence[float], path: Path,
                         train_max: int = 20, title: str = "") -> Path:
    """Mean cost per sequence (bits) against the sequence length, the training range shaded."""
    fig, ax = plots.subplots(figsize=(6.5, 3.6))
    ax.axvspan(0.5, train_max + 0.5, color="0.9", label=f"training lengths 1-{train_max}")
    ax.plot(list(lengths), np.maximum(np.asarray(costs, dtype=float), 1e-6), "o-", ms=3)
    ax.set_yscale("log")
    ax.set_xlabel("sequence length")
    ax.set_ylabel("cost per sequence (bits)")
    ax.set_title(title or "cost per length", fontsize=9)
    ax.legend(fontsize=8)
    return plots.save(fig, path)


def plot_training(iters: Sequence[int], costs: Sequence[float], errors: Sequence[float],
                  path: Path, target: float = 0.01, title: str = "",
                  phase_at: int | None = None, restored_at: Sequence[int] = ()) -> Path:
    """Held-out cost per sequence (bits) and wrong bits per sequence against iterations (the
    benchmark plots its validation set's); ``phase_at`` marks where a fine-tuning phase began
    and ``restored_at`` the checks that returned to the best weights."""
    fig, ax = plots.subplots(figsize=(6.5, 3.6))
    ax.plot(list(iters), np.maximum(np.asarray(costs, dtype=float), 1e-6),
            label="cost per sequence (bits)")
    ax.plot(list(iters), np.maximum(np.asarray(errors, dtype=float), 1e-6),
            label="wrong bits per sequence")
    ax.axhline(target, color="k", ls=":", lw=1, label=f"{target:g} bits")
    if phase_at is not None:
        ax.axvline(phase_at, color="gray", ls="--", lw=1, label="fine-tuning from here")
    for i, at in enumerate(restored_at):
        ax.axvline(at, color="tab:red", ls=":", lw=0.8,
                   label="back to the best check" if i == 0 else None)
    ax.set_yscale("log")
    ax.set_xlabel("iteration (sequences seen, batch 1)")
    ax.set_title(title or "validation cost, lengths 1-20", fontsize=9)
    ax.legend(fontsize=8)
    return plots.save(fig, path)


__all__ = ["Sequence1", "plot_cost_per_length", "plot_machine", "plot_outputs", "plot_training"]
