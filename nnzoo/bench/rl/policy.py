"""Benchmarks of deep SARSA, the noisy cross-entropy method and REINFORCE on CartPole-v1,
each beside nnzoo's DQN (Stable-Baselines3 has none of the three).

Every side trains a recipe with the environment loop, 50k steps on the full tier, seeds 0-4
(the recipes' hyperparameters were chosen on other seeds), single-threaded. A row reports the
mean ± std over seeds of the final deterministic evaluation (10 episodes on evaluation seeds),
each seed's figure, the steps each seed needed before the mean return of its last 10 training
episodes reached 475 (``None``: never within the budget), and a figure of the training returns
(mean and band of one standard deviation over seeds, both sides). Time: training wall seconds
per environment step (evaluation excluded); the ratio is the agent's over DQN's.

The sides run interleaved per seed (agent seed 0, DQN seed 0, agent seed 1, ...). DQN's runs
are kept for the rest of the process, so a ``nnzoo bench`` of several of these rows trains
DQN once: the rows after the first compare with the DQN runs of the first (same seeds, same
machine, the same process), which their notes say.

Published figures: keras-rl's README (keras-rl/keras-rl at 0479c2d6) gives no return for its
SARSA and CEM examples, and the RL Zoo's ``benchmark.md`` (DLR-RM/rl-baselines3-zoo at
0088472b) has no SARSA, CEM or REINFORCE row; its nearest figures are named in the notes
(:data:`PUBLISHED`), never as the peer's value.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from nnzoo.bench.rl.dqn import steps_to_reach
from nnzoo.bench.runner import (
    BenchResult,
    PeerRun,
    bench_task,
    one_thread,
    peer_run,
    plots_dir,
)
from nnzoo.core.plots import resample_returns, return_curves
from nnzoo.recipes.base import get_recipe
from nnzoo.train.environment import build_agent, train_agent

#: The reported seeds of the full tier.
SEEDS = (0, 1, 2, 3, 4)
#: CartPole-v1's solved score used by the table, and the window of episodes it is judged on
#: (:func:`nnzoo.bench.rl.dqn.steps_to_reach`, the DQN rows' definition).
TARGET, WINDOW = 475.0, 10
#: The DQN side: nnzoo's DQN with its RL Zoo recipe.
DQN = ("dqn", "cartpole-zoo")


@dataclass
class SeedRun:
    """One seed's training run: the final evaluation's mean return, the training episodes
    ``(step, return, length)``, the steps taken, the training wall seconds and every
    evaluation ``(step, mean, std)``."""

    eval_return: float
    episodes: list[tuple[int, float, int]]
    steps: int
    train_time_s: float
    evals: list[tuple[int, float, float]]

    @property
    def per_step_s(self) -> float:
        return self.train_time_s / max(self.steps, 1)


def run_recipe(model: str, recipe: str, seed: int, *, quiet: bool,
               steps: int | None = None) -> SeedRun:
    """Train ``model`` with ``recipe`` (``steps`` overriding its budget) on ``seed``."""
    rec = get_recipe(model, recipe)
    hp, cfg = rec.resolve_agent({"steps": steps} if steps else None)
    agent = build_agent(model, hp, rec.dataset, seed, cfg.env_kwargs)
    res = train_agent(agent, rec.dataset, cfg, seed=seed, quiet=quiet)
    return SeedRun(res.evals[-1][1], res.episodes, res.steps, res.train_time_s, res.evals)


_DQN_RUNS: dict[tuple[int, int | None], SeedRun] = {}


def dqn_run(seed: int, quiet: bool, steps: int | None = None) -> SeedRun:
    """nnzoo DQN's run on ``seed`` (kept for the rest of the process)."""
    key = (seed, steps)
    if key not in _DQN_RUNS:
        _DQN_RUNS[key] = run_recipe(*DQN, seed, quiet=quiet, steps=steps)
    return _DQN_RUNS[key]


def _summary(runs: list[SeedRun]) -> dict[str, Any]:
    evals = [r.eval_return for r in runs]
    reach = [steps_to_reach(r.episodes) for r in runs]
    hit = [s for s in reach if s is not None]
    # the policy the agent would be evaluated with (CEM's mean, REINFORCE's argmax) can reach
    # 475 long before its exploring training episodes do: the first evaluation that did
    first_eval = [next((int(st) for st, m, _ in r.evals if m >= TARGET), None) for r in runs]
    return {"eval_per_seed": evals, "eval_std": float(np.std(evals)),
            "first_eval_at_or_above_475_per_seed": first_eval,
            "steps_to_475_per_seed": reach, "seeds_reaching_475": len(hit),
            "steps_to_475_median_of_reaching": float(np.median(hit)) if hit else None,
            "per_step_ms": 1e3 * float(np.mean([r.per_step_s for r in runs]))}


def compare(model: str, recipe: str, task: str, tier: str, seeds: tuple[int, ...], quiet: bool,
            label: str, steps: int | None = None, notes: str = "") -> BenchResult:
    """Train ``model``'s ``recipe`` and nnzoo's DQN on ``seeds``, interleaved, and build the
    row (and its figure)."""
    ours: list[SeedRun] = []
    theirs: list[SeedRun] = []
    reused = all((s, steps) in _DQN_RUNS for s in seeds)
    status = ""
    with one_thread():
        for seed in seeds:
            ours.append(run_recipe(model, recipe, seed, quiet=quiet, steps=steps))
            if not status:
                side: PeerRun[SeedRun] = peer_run(partial(dqn_run, seed, quiet, steps))
                if side.ok:
                    assert side.value is not None
                    theirs.append(side.value)
                else:
                    status = side.status
    budget = ours[0].steps
    grid = np.linspace(0, budget, 101)
    curves = {label: [resample_returns(r.episodes, grid, WINDOW) for r in ours]}
    if theirs:
        curves["nnzoo DQN (cartpole-zoo)"] = [resample_returns(r.episodes, grid, WINDOW)
                                              for r in theirs]
    fig = return_curves(curves, grid, plots_dir() / f"{model}-{tier}-{task}.png",
                        title=f"{label} vs nnzoo DQN, CartPole-v1, {len(seeds)} "
                              f"seed{'s' if len(seeds) > 1 else ''} "
                              f"(mean of the last {WINDOW} training returns)", target=TARGET)
    extra: dict[str, Any] = {"seeds": list(seeds), "figure": str(fig), **_summary(ours)}
    if theirs:
        extra["dqn"] = _summary(theirs)
    note = f"{notes}; {PUBLISHED[model]}" if notes else PUBLISHED[model]
    if reused and theirs:
        note += ("; DQN's runs are those of an earlier row of the same process (same seeds "
                 "and budget), not re-run beside this one")
    mean = lambda runs: float(np.mean([r.eval_return for r in runs])) if runs else None  # noqa: E731
    per_step = lambda runs: float(np.mean([r.per_step_s for r in runs])) if runs else None  # noqa: E731
    return BenchResult(
        model, tier, task, "evaluation return (10 deterministic episodes, mean over seeds)",
        True, "nnzoo DQN (RL Zoo hyperparameters, recipe cartpole-zoo)", mean(ours),
        mean(theirs), per_step(ours), per_step(theirs),
        "training wall seconds per environment step (evaluation excluded), mean over seeds",
        f"CartPole-v1, {budget} environment steps, seeds {', '.join(map(str, seeds))}, "
        f"recipes {model}/{recipe} and dqn/cartpole-zoo, single-threaded",
        notes=note.lstrip("; "), extra=extra, status=status)


#: What is published nearby, per agent (read from the files named in the module docstring).
PUBLISHED = {
    "deep-sarsa": "no published figure: keras-rl's README gives none for its SARSA example; "
                  "the RL Zoo (benchmark.md) reports DQN 500.000 ± 0.000 on CartPole-v1 at 50k",
    "cem": "no published figure: keras-rl's README gives none for its CEM example; the RL "
           "Zoo's nearest (benchmark.md): ARS, another derivative-free search over linear "
           "policies, 500.000 ± 0.000 on CartPole-v1 at 50k",
    "reinforce": "no published figure: the RL Zoo has no REINFORCE; its nearest "
                 "(benchmark.md): A2C 500.000 ± 0.000 on CartPole-v1, at 500k steps",
}

QUICK_STEPS = 3000


@bench_task("deep-sarsa", "quick", "cartpole")
def deep_sarsa_quick(quiet: bool) -> BenchResult:
    return compare("deep-sarsa", "cartpole-50k", "cartpole", "quick", (0,), quiet,
                   "deep SARSA", steps=QUICK_STEPS)


@bench_task("cem", "quick", "cartpole")
def cem_quick(quiet: bool) -> BenchResult:
    return compare("cem", "cartpole-50k", "cartpole", "quick", (0,), quiet, "CEM",
                   steps=QUICK_STEPS)


@bench_task("reinforce", "quick", "cartpole")
def reinforce_quick(quiet: bool) -> BenchResult:
    return compare("reinforce", "cartpole-50k", "cartpole", "quick", (0,), quiet,
                   "REINFORCE (value baseline)", steps=QUICK_STEPS)


@bench_task("deep-sarsa", "full", "cartpole")
def deep_sarsa_full(quiet: bool) -> BenchResult:
    return compare("deep-sarsa", "cartpole-50k", "cartpole", "full", SEEDS, quiet,
                   "deep SARSA")


@bench_task("cem", "full", "cartpole")
def cem_full(quiet: bool) -> BenchResult:
    return compare("cem", "cartpole-50k", "cartpole", "full", SEEDS, quiet, "CEM")


@bench_task("reinforce", "full", "cartpole")
def reinforce_full(quiet: bool) -> BenchResult:
    return compare("reinforce", "cartpole-50k", "cartpole", "full", SEEDS, quiet,
                   "REINFORCE (value baseline)")


@bench_task("reinforce", "full", "cartpole-no-baseline")
def reinforce_no_baseline_full(quiet: bool) -> BenchResult:
    return compare("reinforce", "cartpole-50k-no-baseline", "cartpole-no-baseline", "full",
                   SEEDS, quiet, "REINFORCE (no baseline)")
