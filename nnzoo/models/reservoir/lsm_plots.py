"""Plots of the liquid state machine (:mod:`nnzoo.models.reservoir.lsm`)."""

from __future__ import annotations

from pathlib import Path

import torch

from nnzoo.core import plots


def plot_raster(x: torch.Tensor, spikes: torch.Tensor, inhibitory: torch.Tensor, dt: float,
                path: Path) -> Path:
    """Input raster (T, D) on top, liquid raster (T, N) below, excitatory neurons blue and
    inhibitory ones red."""
    fig, (ax0, ax1) = plots.subplots(
        2, 1, figsize=(8, 6), sharex=True, gridspec_kw={"height_ratios": [1, 3]})
    ti, ci = x.nonzero(as_tuple=True)
    ax0.scatter(ti.numpy() * dt, ci.numpy(), s=4, c="black", marker="|")
    ax0.set_ylabel("input channel")
    ax0.set_title("input spike trains")
    ts, ns = spikes.nonzero(as_tuple=True)
    inh = inhibitory[ns].numpy()
    for mask, color, label in ((~inh, "tab:blue", "excitatory"), (inh, "tab:red", "inhibitory")):
        ax1.scatter(ts.numpy()[mask] * dt, ns.numpy()[mask], s=3, c=color, marker="|",
                    label=label)
    ax1.set_xlabel("time (ms)")
    ax1.set_ylabel("liquid neuron")
    ax1.set_ylim(-1, spikes.shape[1])
    rate = float(spikes.mean()) * 1000 / dt
    ax1.set_title(f"liquid spike raster ({spikes.shape[1]} neurons, mean rate {rate:.1f} Hz)")
    ax1.legend(loc="upper right", fontsize=8)
    return plots.save(fig, path)
