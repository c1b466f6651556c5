"""Capacity experiments of the Hopfield network: recall quality against the load P/N on
random ±1 patterns, and the critical load where retrieval breaks down.

Theory: D. J. Amit, H. Gutfreund, H. Sompolinsky, "Storing infinite numbers of patterns in a
spin-glass model of neural networks", Phys. Rev. Lett. 55(14), 1985: a Hebbian network of N
units retrieves random patterns up to a load alpha_c ~ 0.138
(:data:`~nnzoo.models.energy.hopfield.AGS_CRITICAL_LOAD`). The benchmark
(:mod:`nnzoo.bench.energy.hopfield`) measures it; the ``capacity`` recipe draws the curves
beside its own network (``capacity_units``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import torch

from nnzoo.models.energy.hopfield import Hopfield, HopfieldConfig


def random_pm1(n_patterns: int, n_units: int, seed: int, device: torch.device | str = "cpu"
               ) -> torch.Tensor:
    """Random ±1 patterns (P, N), each bit ±1 with probability 1/2 (a private generator)."""
    g = torch.Generator().manual_seed(seed)
    return (torch.randint(0, 2, (n_patterns, n_units), generator=g) * 2 - 1).float().to(device)


def capacity_curve(n_units: int, loads: Sequence[float], *,
                   variant: Literal["classic", "modern"] = "classic",
                   rule: Literal["hebbian", "storkey"] = "hebbian",
                   update: Literal["async", "sync"] = "async", noise: float = 0.1,
                   beta: float = 1.0, max_steps: int = 30, max_probes: int = 300,
                   trials: int = 1, seed: int = 0, device: torch.device | str = "cpu"
                   ) -> list[dict[str, float]]:
    """Recall quality against the load alpha = P/N on random ±1 patterns.

    For each load, ``round(alpha * N)`` random patterns are stored in a fresh network; the
    first ``max_probes`` of them, each with ``noise`` of its bits flipped, are recalled; the
    row holds the mean overlap of the final states with the stored patterns, the fraction
    recalled exactly, and the sweeps taken (means over ``trials`` independent draws).
    """
    rows = []
    for li, load in enumerate(loads):
        p = max(1, round(load * n_units))
        acc: dict[str, float] = {}
        for t in range(trials):
            cfg = HopfieldConfig(sample_shape=(n_units,), variant=variant,
                                 rule=rule, update=update, beta=beta,
                                 max_steps=max_steps, noise=noise, recall_seed=seed + t)
            net = Hopfield(cfg).to(device)
            x = random_pm1(p, n_units, seed=1_000_003 * seed + 1009 * li + t, device=device)
            net.store(x)
            m = net.evaluation_step((x[:max_probes], None))
            for k in ("overlap", "recalled", "steps", "converged"):
                acc[k] = acc.get(k, 0.0) + float(m[k]) / trials
        rows.append({"load": p / n_units, "n_patterns": p, **acc})
    return rows


def critical_load(curve: Sequence[dict[str, float]], threshold: float = 0.9) -> float | None:
    """The load at which the mean overlap first falls below ``threshold`` (linear
    interpolation between the two loads around the crossing); None if it never does."""
    for a, b in zip(curve, curve[1:]):
        if a["overlap"] >= threshold > b["overlap"]:
            t = (a["overlap"] - threshold) / (a["overlap"] - b["overlap"])
            return a["load"] + t * (b["load"] - a["load"])
    if curve and curve[0]["overlap"] < threshold:
        return curve[0]["load"]
    return None


#: loads of the standard capacity figure: the classic rules around 0.14, the modern variant
#: far beyond 1
CLASSIC_LOADS = tuple(round(0.02 * i, 2) for i in range(1, 6)) + tuple(
    round(0.1 + 0.01 * i, 2) for i in range(1, 16)) + (0.3, 0.35, 0.4)
MODERN_LOADS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0)


def standard_capacity_curves(n_units: int, *, noise: float = 0.1, seed: int = 0,
                             max_steps: int = 30, trials: int = 1, max_probes: int = 300,
                             device: torch.device | str = "cpu",
                             modern: bool = True) -> dict[str, list[dict[str, float]]]:
    """Capacity curves of the Hebbian and Storkey networks (async) and of the modern one."""
    curves = {
        "hebbian": capacity_curve(n_units, CLASSIC_LOADS, rule="hebbian", noise=noise,
                                  seed=seed, max_steps=max_steps, trials=trials,
                                  max_probes=max_probes, device=device),
        "storkey": capacity_curve(n_units, CLASSIC_LOADS, rule="storkey", noise=noise,
                                  seed=seed, max_steps=max_steps, trials=trials,
                                  max_probes=max_probes, device=device),
    }
    if modern:
        curves["modern"] = capacity_curve(n_units, MODERN_LOADS, variant="modern", noise=noise,
                                          seed=seed, max_steps=max_steps, trials=trials,
                                          max_probes=max_probes, device=device)
    return curves


__all__ = ["CLASSIC_LOADS", "MODERN_LOADS", "capacity_curve", "critical_load", "random_pm1",
           "standard_capacity_curves"]
