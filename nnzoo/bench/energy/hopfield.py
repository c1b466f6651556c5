"""Benchmark of the Hopfield network: its measured capacity beside the theory.

No maintained library implements the Hopfield network as a peer worth timing, so the
benchmark compares with the theory instead (no time ratio): the critical load of a Hebbian
network of N units on random ±1 patterns, measured with asynchronous recall from 10 % flipped
bits, beside Amit, Gutfreund & Sompolinsky's alpha_c = 0.138 (N -> infinity).

Measurement: for each load alpha on a grid (step 0.01 around 0.14), round(alpha N) random
patterns are stored in a fresh network, up to 300 of them are recalled from copies with 10 %
of their bits flipped, and the mean overlap m of the final states with the stored patterns
is recorded (averaged over ``trials`` draws). The measured critical load is where m first
falls below 0.9, interpolated linearly between the two grid loads around the crossing.
(In the AGS theory the retrieval state has m = 0.967 at alpha_c and vanishes above it, so any
threshold between about 0.4 and 0.96 marks the same load for large N; finite networks smear
the drop and push the crossing up a little: about 0.15 at N = 200, 0.14 at N = 1000.)

The Storkey rule's critical load is measured the same way and reported in the notes and
extras, with the smallest overlap of the modern network over loads up to 16 N.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Literal

from nnzoo.bench.runner import BenchResult, bench_task
from nnzoo.core.device import one_thread
from nnzoo.models.energy.hopfield import AGS_CRITICAL_LOAD
from nnzoo.models.energy.hopfield_capacity import (
    CLASSIC_LOADS,
    MODERN_LOADS,
    capacity_curve,
    critical_load,
)

THRESHOLD = 0.9
NOISE = 0.1


def capacity_bench(tier: str, n_units: int, trials: int, quiet: bool = True) -> BenchResult:
    """Measure the Hebbian and Storkey critical loads (and the modern network's overlaps)
    of ``n_units``-unit networks; one row beside the AGS theory."""
    def curve(rule: Literal["hebbian", "storkey"] = "hebbian",
              variant: Literal["classic", "modern"] = "classic",
              loads: Sequence[float] = CLASSIC_LOADS) -> tuple[list[dict[str, float]], float]:
        t0 = time.perf_counter()
        rows = capacity_curve(n_units, loads, variant=variant, rule=rule, noise=NOISE,
                              trials=trials)
        return rows, time.perf_counter() - t0

    # recall is a long chain of small tensor operations (a few per flip): on CPU, one
    # intra-op thread is as fast as several and immune to oversubscription (a busy machine
    # made two threads ten times slower)
    with one_thread():
        hebb, t_hebb = curve(rule="hebbian")
        if not quiet:
            print(f"  hebbian: {t_hebb:.1f} s", flush=True)
        stork, t_stork = curve(rule="storkey")
        if not quiet:
            print(f"  storkey: {t_stork:.1f} s", flush=True)
        modern, t_modern = curve(variant="modern", loads=MODERN_LOADS)
    a_hebb, a_stork = critical_load(hebb, THRESHOLD), critical_load(stork, THRESHOLD)
    m_modern = min(r["overlap"] for r in modern)
    stork_txt = (f"{a_stork:.3f}" if a_stork is not None
                 else f"above {CLASSIC_LOADS[-1]} (never below {THRESHOLD})")
    return BenchResult(
        "hopfield", tier, f"capacity-n{n_units}", "critical load", True,
        "theory (Amit, Gutfreund & Sompolinsky 1985)", a_hebb, AGS_CRITICAL_LOAD,
        t_hebb, None, "Hebbian capacity curve",
        f"N = {n_units}, random ±1 patterns, {round(100 * NOISE)} % of bits flipped, "
        f"asynchronous recall, {len(CLASSIC_LOADS)} loads x {trials} draws",
        notes=(f"Hebbian critical load = load where the mean overlap after recall falls below "
               f"{THRESHOLD}, against alpha_c = {AGS_CRITICAL_LOAD} of the theory (N -> "
               f"infinity; finite N shifts it up slightly). Storkey rule, same experiment: "
               f"{stork_txt}. Modern network (beta 1): smallest overlap {m_modern:.3f} over "
               f"loads up to {MODERN_LOADS[-1]:g} N. No peer library: no time ratio."),
        extra={"threshold": THRESHOLD, "storkey_critical_load": a_stork,
               "modern_min_overlap": m_modern, "storkey_time_s": t_stork,
               "modern_time_s": t_modern,
               "curves": {name: [{k: round(v, 4) for k, v in r.items()} for r in rows]
                          for name, rows in (("hebbian", hebb), ("storkey", stork),
                                             ("modern", modern))}})


@bench_task("hopfield", "quick", "capacity-n200")
def capacity_quick(quiet: bool) -> BenchResult:
    return capacity_bench("quick", 200, trials=3, quiet=quiet)


@bench_task("hopfield", "full", "capacity-n1000")
def capacity_full(quiet: bool) -> BenchResult:
    return capacity_bench("full", 1000, trials=1, quiet=quiet)
