"""Plots of the echo state network (:mod:`nnzoo.models.reservoir.esn`)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from nnzoo.core import plots
from nnzoo.core.linalg import spectral_radius

if TYPE_CHECKING:
    from nnzoo.models.reservoir.esn import EchoStateNetwork


def plot_spectrum(model: EchoStateNetwork, path: Path) -> Path:
    """The eigenvalues of the recurrent weights ``W`` in the complex plane, with the circle
    of the configured spectral radius."""
    ev = torch.linalg.eigvals(model.W.detach().double().cpu())
    fig, ax = plots.subplots(figsize=(4.5, 4.5))
    r = model.config.spectral_radius
    t = torch.linspace(0, 2 * math.pi, 200)
    ax.plot((r * t.cos()).numpy(), (r * t.sin()).numpy(), color="gray", lw=0.8)
    ax.scatter(ev.real.numpy(), ev.imag.numpy(), s=6, color="tab:blue")
    ax.set_aspect("equal")
    ax.set(xlabel="Re", ylabel="Im",
           title=f"esn: eigenvalues of W (radius {spectral_radius(model.W):.3g})")
    return plots.save(fig, path)


def plot_evaluation(model: EchoStateNetwork, x: torch.Tensor, y: torch.Tensor | None,
                    out_dir: Path) -> list[Path]:
    """For an evaluated input ``x`` with targets ``y``: in the series layout, one-step
    prediction against truth and (when ``y`` is ``x`` shifted by one step) closed-loop
    generation from a warmup on its start; in both layouts, a few reservoir state traces."""
    paths: list[Path] = []
    if model.series:
        n = min(len(x), 500)
        with torch.no_grad():
            pred = model._outputs(x[:n], model.last_state[None]).cpu()
            s = model._states(x[None, :n])[0].cpu()
        fig, ax = plots.subplots(figsize=(9, 3.2))
        if y is not None:
            ax.plot(y[:n, 0].numpy(), lw=1.6, color="black", label="truth")
        ax.plot(pred[:, 0].numpy(), lw=1, ls="--", color="tab:red",
                label="one-step prediction")
        skip = min(model.config.washout, len(x) // 2)
        if skip:
            ax.axvspan(0, skip, color="0.9", label="re-synchronisation (not scored)")
        ax.set(xlabel="step", title="esn: teacher-forced one-step prediction (output 0)")
        ax.legend(loc="upper right", fontsize=8)
        paths.append(plots.save(fig, out_dir / "prediction.png"))
        w = max(1, min(model.config.washout or 100, len(x) // 2))
        forecasting = (y is not None and y.shape == x.shape
                       and bool(torch.allclose(y[:-1].to(x), x[1:])))   # y[t] = x[t+1]
        if forecasting and y is not None and len(x) > w + 10:
            m = min(len(x) - w, 400)
            gen = model.generate(m, warmup=x[:w]).cpu()      # gen[k] ~ y[w - 1 + k]
            truth = y[w - 1: w - 1 + m, 0]
            fig, ax = plots.subplots(figsize=(9, 3.2))
            ax.plot(truth.numpy(), lw=1.6, color="black", label="truth")
            ax.plot(gen[: len(truth), 0].numpy(), lw=1, color="tab:blue",
                    label="closed-loop generation")
            ax.set(xlabel=f"steps after a {w}-step warmup",
                   title="esn: generation from its own predictions (output 0)")
            ax.legend(loc="upper right", fontsize=8)
            paths.append(plots.save(fig, out_dir / "generation.png"))
    else:
        with torch.no_grad():
            s = model._states(x[:1])[0].cpu()
    k = min(6, s.shape[1])
    fig, ax = plots.subplots(figsize=(9, 3.2))
    ax.plot(s[:, :k].numpy(), lw=0.9)
    ax.set(xlabel="step", ylabel="x_i(t)", title=f"esn: {k} reservoir state traces")
    paths.append(plots.save(fig, out_dir / "state_traces.png"))
    return paths
