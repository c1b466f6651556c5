"""Pictures of the Hopfield network: its weights or memory, the stored prototypes, recall step
by step with its energy trace, and the capacity curve against the theory."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import torch

from nnzoo.core import plots
from nnzoo.models.energy.hopfield import AGS_CRITICAL_LOAD, Hopfield
from nnzoo.models.energy.hopfield_capacity import critical_load, standard_capacity_curves


def plot_hopfield(model: Hopfield, out_dir: Path) -> list[Path]:
    """Weights (or memory), stored prototypes, step-by-step recall of the last evaluated
    probes, their energy trace, and the capacity curve when ``capacity_units`` > 0."""
    out_dir = Path(out_dir)
    paths: list[Path] = []
    if model.config.variant == "classic":
        paths.append(image_figure([model.weight.cpu()], out_dir / "weights.png",
                                  "weights w_ij (red +, blue -)", cmap="bwr"))
    elif len(model.memory):
        paths.append(image_figure(model.as_images(model.memory[:64].cpu()),
                                  out_dir / "memory.png", "stored patterns"))
    if model.config.store == "prototypes" and int(model.n_stored):
        proto, labels = model.prototypes()
        paths.append(image_figure(model.as_images(proto.cpu()), out_dir / "prototypes.png",
                                  "stored prototypes", [str(int(c)) for c in labels]))
    if model._last_probes is not None and int(model.n_stored):
        target, probes = model._last_probes
        paths += plot_recall(model, probes.to(model.n_stored.device), out_dir, target)
    if model.config.capacity_units:
        n = model.config.capacity_units
        curves = standard_capacity_curves(n, noise=model.config.noise,
                                          seed=model.config.recall_seed, max_steps=30,
                                          trials=max(1, min(4, 400 // n)),
                                          device=model.n_stored.device)
        load = (int(model.n_stored) / model.n_units if model.n_units == n else None)
        paths.append(plot_capacity(curves, out_dir / "capacity.png", n,
                                   model.config.noise, mark=load))
    return paths


def plot_recall(model: Hopfield, probes: torch.Tensor, out_dir: Path,
                target: torch.Tensor | None = None) -> list[Path]:
    """``recall_steps.png`` (each probe's state as recall proceeds, a row per probe) and
    ``energy_trace.png`` (energy per unit against sweeps) for ±1 ``probes`` (B, N)."""
    n = model.n_units
    sweeps = model.config.variant == "classic" and model.config.update == "async"
    unit = "sweep" if sweeps else "step"
    rec = model.recall(probes, trace_every=max(1, n // 4) if sweeps else 1)
    assert rec.trace is not None and rec.energy_trace is not None and rec.trace_steps
    last = len(rec.trace) - 1
    # columns: snapshots until every probe is still (at most 10), then the final state
    moving = [i for i in range(1, len(rec.trace))
              if not torch.equal(rec.trace[i], rec.trace[i - 1])]
    stop = min(last, (moving[-1] if moving else 0) + 1)
    cols = list(range(0, stop + 1))
    if len(cols) > 10:
        cols = [round(i * stop / 9) for i in range(10)]
    grids = [model.as_images(rec.trace[c].cpu()) for c in cols]
    titles = [("probe" if c == 0 else f"{unit} {rec.trace_steps[c]:g}") for c in cols]
    if target is not None:
        grids.insert(0, model.as_images(target.cpu()))
        titles.insert(0, "stored")
    p1 = recall_grid(grids, titles, out_dir / "recall_steps.png",
                     f"recall step by step ({model.config.variant}"
                     + (f", {model.config.rule}, {model.config.update}"
                        if model.config.variant == "classic" else "") + ")")
    title = {"sweep": "never rises under asynchronous updates",
             "step": "synchronous updates" if model.config.variant == "classic"
             else "modern updates descend their energy"}[unit]
    p2 = energy_figure(rec.trace_steps, (rec.energy_trace / n).cpu(),
                       out_dir / "energy_trace.png", unit, f"energy during recall ({title})")
    return [p1, p2]


def image_figure(images: Sequence[torch.Tensor] | torch.Tensor, path: Path, title: str,
                 labels: Sequence[str] | None = None, cmap: str = "gray") -> Path:
    k = len(images)
    cols = min(k, 10)
    rows = math.ceil(k / cols)
    size = 4.5 if k == 1 else 1.0
    fig, axes = plots.subplots(rows, cols, figsize=(cols * size, rows * size + 0.5), squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i < k:
            im = images[i].float().numpy()
            m = float(abs(im).max()) or 1.0
            ax.imshow(im, cmap=cmap, vmin=-m, vmax=m, interpolation="nearest")
            if labels:
                ax.set_title(labels[i], fontsize=8)
    fig.suptitle(title)
    return plots.save(fig, path)


def recall_grid(grids: list[torch.Tensor], titles: list[str], path: Path, title: str) -> Path:
    rows, cols = grids[0].shape[0], len(grids)
    fig, axes = plots.subplots(rows, cols, figsize=(cols * 0.9, rows * 0.9 + 0.6), squeeze=False)
    for j, (g, t) in enumerate(zip(grids, titles)):
        for i in range(rows):
            ax = axes[i, j]
            ax.imshow(g[i].float().numpy(), cmap="gray", vmin=-1, vmax=1,
                      interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(t, fontsize=7)
    fig.suptitle(title, fontsize=9)
    return plots.save(fig, path)


def energy_figure(steps: Sequence[float], energy: torch.Tensor, path: Path, unit: str,
                  title: str) -> Path:
    fig, ax = plots.subplots(figsize=(5.5, 3.6))
    for b in range(energy.shape[1]):
        ax.plot(steps, energy[:, b].numpy(), marker="o", ms=2, lw=1, label=f"probe {b}")
    ax.set_xlabel(unit)
    ax.set_ylabel("energy per unit")
    ax.grid(alpha=0.3)
    if energy.shape[1] <= 8:
        ax.legend(fontsize=7)
    ax.set_title(title, fontsize=9)
    return plots.save(fig, path)


def plot_capacity(curves: Mapping[str, Sequence[dict[str, float]]], path: str | Path,
                  n_units: int, noise: float, mark: float | None = None,
                  threshold: float = 0.9) -> Path:
    """Mean overlap after recall against the load P/N: the classic curves (with the AGS
    critical load and ``mark``, a network's own load) on the left, the modern network's
    (loads far beyond 1, log scale) on the right when there is one."""
    classic = {k: v for k, v in curves.items() if max(r["load"] for r in v) <= 1}
    modern = {k: v for k, v in curves.items() if k not in classic}
    fig, axes = plots.subplots(1, 2 if modern else 1, figsize=(10 if modern else 6.5, 4),
                             squeeze=False, gridspec_kw={"width_ratios": [3, 2]} if modern
                             else None)
    for ax, group in zip(axes[0], (classic, modern)):
        for name, rows in group.items():
            crit = critical_load(rows, threshold)
            label = name + (f" (alpha_c ~ {crit:.3f})" if crit is not None else "")
            ax.plot([r["load"] for r in rows], [r["overlap"] for r in rows], marker="o", ms=3,
                    label=label)
        ax.axhline(threshold, color="grey", ls=":", lw=1)
        ax.set_xlabel("load P / N")
        ax.set_ylim(-0.05, 1.05)
        ax.grid(alpha=0.3)
    ax = axes[0, 0]
    ax.axvline(AGS_CRITICAL_LOAD, color="k", ls="--", lw=1,
               label=f"theory (AGS 1985): {AGS_CRITICAL_LOAD}")
    if mark is not None:
        ax.axvline(mark, color="tab:red", lw=1, label=f"this network: {mark:.3g}")
    ax.set_ylabel("mean overlap after recall")
    ax.set_title("classic network, asynchronous updates", fontsize=9)
    ax.legend(fontsize=8)
    if modern:
        ax = axes[0, 1]
        ax.set_xscale("log")
        ax.minorticks_off()
        loads = sorted({r["load"] for rows in modern.values() for r in rows})
        ax.set_xticks(loads, [f"{x:g}" for x in loads])
        ax.set_title("modern network (softmax retrieval)", fontsize=9)
        ax.legend(fontsize=8)
    fig.suptitle(f"capacity: N = {n_units}, {round(100 * noise)} % of bits flipped",
                 fontsize=10)
    return plots.save(fig, Path(path))


__all__ = ["energy_figure", "image_figure", "plot_capacity", "plot_hopfield", "plot_recall",
           "recall_grid"]
