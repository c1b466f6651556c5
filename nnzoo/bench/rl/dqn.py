"""Benchmarks of DQN beside Stable-Baselines3's DQN, and of Double and Dueling DQN beside
nnzoo's DQN.

Both sides of a row get the same environment, step budget, seeds and hyperparameters (the
RL Zoo's, from the recipes of :mod:`nnzoo.recipes.rl.dqn`), run in one process, one thread,
interleaved seed by seed in ABBA order (nnzoo then the peer on seed 0, the peer then nnzoo on
seed 1, ...) so that a slow spell of the machine, or a load that drifts over the run, falls
on both. Each seed's agent is then scored by the same deterministic
evaluation: 10 greedy episodes reset with the loop's evaluation seeds
(:func:`~nnzoo.train.environment.eval_seed`), never a training episode's. A row's value is
the mean over seeds of those per-seed means; the per-seed values, their standard deviation and
the steps each seed needed to reach a return of 475 (CartPole) are in ``extra``.

Time: wall seconds per environment step of the whole training (acting, stepping the
environment, storing and learning; evaluation excluded): nnzoo's loop
(:attr:`~nnzoo.train.environment.RLResult.train_time_s`) against SB3's ``learn``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnzoo.bench.runner import BenchResult, PeerRun, bench_task, peer_run, plots_dir
from nnzoo.core.plots import resample_returns, return_curves
from nnzoo.models.rl.dqn import DQN
from nnzoo.recipes.rl.dqn import ZOO
from nnzoo.train.environment import (
    EVAL_STEP_CAP,
    RLConfig,
    build_agent,
    eval_seed,
    evaluate_agent,
    train_agent,
)
from nnzoo.train.envs import make_env

#: The RL Zoo's ``benchmark.md`` DQN rows (DLR-RM/rl-baselines3-zoo at commit
#: 0088472b8cb622732bdbc4aa3d0d0abde86c67ed): mean_reward, std_reward, n_timesteps,
#: eval_timesteps, eval_episodes, as printed there.
PUBLISHED: dict[str, tuple[float, float, str, int, int]] = {
    "CartPole-v1": (500.000, 0.000, "50k", 150000, 300),
    "Acrobot-v1": (-76.639, 11.752, "100k", 149998, 1932),
    "MountainCar-v0": (-100.849, 9.925, "120k", 149962, 1487),
}
#: CartPole's "solved" return of the issue's table.
SOLVED = 475.0
EVAL_EPISODES = 10


@dataclass
class SideRun:
    """One training run of one side: its evaluation returns, training episodes
    ``(step, return, length)`` and wall seconds per environment step."""

    returns: np.ndarray
    episodes: list[tuple[int, float, int]]
    seconds_per_step: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return float(np.mean(self.returns))


def steps_to_reach(episodes: list[tuple[int, float, int]], target: float = SOLVED,
                   window: int = 10) -> int | None:
    """The step at which the mean return of the last ``window`` training episodes first
    reaches ``target`` (None if it never does)."""
    rets = [r for _, r, _ in episodes]
    for k in range(window, len(rets) + 1):
        if np.mean(rets[k - window:k]) >= target:
            return int(episodes[k - 1][0])
    return None


#: nnzoo's runs of this process, by (agent, environment, steps, seed, hyperparameters): the
#: DQN side of the Double and Dueling rows reuses the DQN row's runs when one process runs
#: them all (``nnzoo bench dqn double-dqn dueling-dqn --tier full --task cartpole``).
_RUNS: dict[tuple[str, str, int, int, str], SideRun] = {}


def nnzoo_side(agent_id: str, hp: dict[str, Any], env_id: str, steps: int,
               seed: int) -> SideRun:
    """Train nnzoo's ``agent_id`` with the loop and evaluate it (once per process for the
    same agent, environment, budget, seed and hyperparameters)."""
    key = (agent_id, env_id, steps, seed, repr(sorted(hp.items())))
    if key not in _RUNS:
        _RUNS[key] = _train_side(agent_id, hp, env_id, steps, seed)
    return _RUNS[key]


def _train_side(agent_id: str, hp: dict[str, Any], env_id: str, steps: int,
                seed: int) -> SideRun:
    agent = build_agent(agent_id, hp, env_id, seed)
    assert isinstance(agent, DQN)
    agent.set_budget(steps)
    res = train_agent(agent, env_id, RLConfig(steps=steps, eval_episodes=EVAL_EPISODES),
                      seed=seed)
    returns = evaluate_agent(agent, env_id, EVAL_EPISODES, seed)
    return SideRun(returns, res.episodes, res.train_time_s / res.steps)


def sb3_kwargs(hp: dict[str, Any]) -> dict[str, Any]:
    """nnzoo's DQN hyperparameters as Stable-Baselines3 ``DQN`` keyword arguments."""
    kw = {k: v for k, v in hp.items() if k not in ("lr", "net_arch", "total_steps")}
    kw["learning_rate"] = hp["lr"]
    kw["policy_kwargs"] = {"net_arch": list(hp["net_arch"])}
    return kw


def greedy_returns(act: Callable[[np.ndarray], int], env_id: str, seed: int,
                   episodes: int = EVAL_EPISODES) -> np.ndarray:
    """The loop's evaluation (:func:`~nnzoo.train.environment.evaluate_agent`) for a policy
    that is not an nnzoo agent: episode ``j`` reset with ``eval_seed(seed, j)``."""
    env = make_env(env_id)
    out = np.zeros(episodes)
    try:
        for j in range(episodes):
            obs, _ = env.reset(seed=eval_seed(seed, j))
            total, t, done = 0.0, 0, False
            while not done and t < EVAL_STEP_CAP:
                obs, r, terminated, truncated, _ = env.step(act(obs))
                total += float(r)
                t += 1
                done = terminated or truncated
            out[j] = total
    finally:
        env.close()
    return out


def sb3_side(hp: dict[str, Any], env_id: str, steps: int, seed: int) -> SideRun:
    """Train Stable-Baselines3's DQN with the same hyperparameters; evaluate it as nnzoo's."""
    from stable_baselines3 import DQN
    from stable_baselines3.common.monitor import Monitor

    env = Monitor(make_env(env_id))
    model = DQN("MlpPolicy", env, seed=seed, device="cpu", verbose=0, **sb3_kwargs(hp))
    t0 = time.perf_counter()
    model.learn(total_timesteps=steps)
    seconds = time.perf_counter() - t0
    lengths = np.asarray(env.get_episode_lengths(), dtype=int)
    ends = np.cumsum(lengths)
    episodes = [(int(s), float(r), int(n))
                for s, r, n in zip(ends, env.get_episode_rewards(), lengths, strict=True)]
    env.close()
    returns = greedy_returns(lambda o: int(model.predict(o, deterministic=True)[0]), env_id,
                             seed)
    return SideRun(returns, episodes, seconds / model.num_timesteps)


def _curve_figure(name: str, runs: dict[str, list[SideRun]], steps: int, title: str,
                  target: float | None) -> str:
    grid = np.linspace(0, steps, 101)[1:]
    curves = {label: [resample_returns(r.episodes, grid) for r in rs]
              for label, rs in runs.items() if rs}
    return str(return_curves(curves, grid, plots_dir() / f"{name}.png", title, target))


def _mean_std(values: list[float]) -> str:
    return f"{statistics.fmean(values):.1f} ± {statistics.pstdev(values):.1f}"


def compare(model: str, tier: str, task: str, env_id: str, hp: dict[str, Any], steps: int,
            seeds: tuple[int, ...], *, peer: str,
            source: str = "RL Zoo hyperparameters (hyperparams/dqn.yml)") -> BenchResult:
    """Train ``model`` and its peer (``"sb3"``: SB3's DQN; ``"dqn"``: nnzoo's DQN) per seed,
    interleaved, and build the row."""
    ours: list[SideRun] = []
    theirs: list[SideRun] = []
    status = PeerRun[SideRun](None, None)
    reused = peer == "dqn" and all(
        ("dqn", env_id, steps, s, repr(sorted(hp.items()))) in _RUNS for s in seeds)
    for i, seed in enumerate(seeds):
        # ABBA: nnzoo first on even seeds, the peer first on odd ones, so that a machine
        # whose load drifts over the run does not always favour the side that runs second
        for side in ("peer", "ours") if i % 2 else ("ours", "peer"):
            if side == "ours":
                ours.append(nnzoo_side(model, hp, env_id, steps, seed))
                continue
            if not status.ok:
                continue
            if peer == "sb3":
                status = peer_run(lambda: sb3_side(hp, env_id, steps, seed))  # noqa: B023
            else:
                status = peer_run(
                    lambda: nnzoo_side("dqn", hp, env_id, steps, seed))  # noqa: B023
            if status.value is not None:
                theirs.append(status.value)
    peer_name = ("Stable-Baselines3 DQN (same hyperparameters, seeds, steps)" if peer == "sb3"
                 else "nnzoo DQN (same hyperparameters, seeds, steps)")
    peer_label = "SB3 DQN" if peer == "sb3" else "nnzoo dqn"
    published = PUBLISHED.get(env_id)
    fig = _curve_figure(f"{model}-{task}-returns", {f"nnzoo {model}": ours,
                                                      peer_label: theirs}, steps,
                        f"{model} on {env_id}: training return (last 10 episodes)",
                        SOLVED if env_id == "CartPole-v1" else None)
    ours_scores = [r.score for r in ours]
    theirs_scores = [r.score for r in theirs]
    extra: dict[str, Any] = {
        "seeds": list(seeds), "nnzoo_returns": ours_scores, "peer_returns": theirs_scores,
        "nnzoo_std_over_seeds": statistics.pstdev(ours_scores),
        "peer_std_over_seeds": statistics.pstdev(theirs_scores) if theirs_scores else None,
        "nnzoo_ms_per_step": [1e3 * r.seconds_per_step for r in ours],
        "peer_ms_per_step": [1e3 * r.seconds_per_step for r in theirs],
        "curves": fig}
    if env_id == "CartPole-v1":
        extra["nnzoo_steps_to_475"] = [steps_to_reach(r.episodes) for r in ours]
        extra["peer_steps_to_475"] = [steps_to_reach(r.episodes) for r in theirs]
    notes = [f"each seed scored by {EVAL_EPISODES} deterministic (greedy) episodes on the "
             "loop's evaluation seeds; value = mean over seeds"
             f"; nnzoo {_mean_std(ours_scores)}"
             + (f", peer {_mean_std(theirs_scores)}" if theirs_scores else "")
             + " (mean ± std over seeds)"]
    if env_id == "CartPole-v1":
        notes.append("steps to 475 = the first step at which the mean return of the last 10 "
                     "training episodes (exploration on) is >= 475; None: never within the "
                     "budget")
    if published:
        m, s, n, ev_steps, ev_eps = published
        notes.append(f"RL Zoo benchmark.md: |dqn |{env_id} | {m:.3f}| {s:.3f}|{n} | "
                     f"{ev_steps}| {ev_eps}| (one trained agent, {ev_eps} deterministic "
                     "episodes)")
    if reused:
        notes.append("the DQN side reuses the runs of the dqn/full/cartpole row of the same "
                     "process (same seeds, hyperparameters and budget), so its time per step "
                     "was measured beside SB3's, not beside this row's agent")
    if peer == "sb3":
        notes.append("SB3 draws one epsilon coin for all environments and starts epsilon at 0 "
                     "until its first step; the same schedule otherwise (one environment here)")
    seed_text = (f"seeds {seeds[0]}-{seeds[-1]}" if len(seeds) > 1 else f"seed {seeds[0]}")
    hp_text = ", ".join(f"{k}={v}" for k, v in hp.items() if k != "total_steps")
    return BenchResult(
        model, tier, task, "mean evaluation return", True, peer_name,
        statistics.fmean(ours_scores), statistics.fmean(theirs_scores) if theirs_scores else None,
        statistics.fmean(r.seconds_per_step for r in ours),
        statistics.fmean(r.seconds_per_step for r in theirs) if theirs else None,
        "wall time per environment step (training)",
        f"{env_id}, {steps} steps, {seed_text}, {source}: {hp_text}; one environment, "
        "single-threaded",
        notes="; ".join(notes), extra=extra, status=status.status)


# -- quick tier: seconds, one seed, asserting nothing ------------------------------------------

QUICK_STEPS = 3000
QUICK_SOURCE = "the default recipe's hyperparameters, learning from step 500"


def _quick_hp() -> dict[str, Any]:
    from nnzoo.recipes.rl.dqn import CARTPOLE_SHORT

    return {**CARTPOLE_SHORT, "learning_starts": 500}


@bench_task("dqn", "quick", "cartpole")
def dqn_quick(quiet: bool) -> BenchResult:
    return compare("dqn", "quick", "cartpole", "CartPole-v1", _quick_hp(), QUICK_STEPS, (0,),
                   peer="sb3", source=QUICK_SOURCE)


@bench_task("double-dqn", "quick", "cartpole")
def double_quick(quiet: bool) -> BenchResult:
    return compare("double-dqn", "quick", "cartpole", "CartPole-v1", _quick_hp(), QUICK_STEPS,
                   (0,), peer="dqn", source=QUICK_SOURCE)


@bench_task("dueling-dqn", "quick", "cartpole")
def dueling_quick(quiet: bool) -> BenchResult:
    return compare("dueling-dqn", "quick", "cartpole", "CartPole-v1", _quick_hp(), QUICK_STEPS,
                   (0,), peer="dqn", source=QUICK_SOURCE)


# -- full tier: the RL Zoo's set-ups, seeds 0-4 ------------------------------------------------

SEEDS = (0, 1, 2, 3, 4)


def _zoo(name: str) -> tuple[str, dict[str, Any], int]:
    return ZOO[name]


@bench_task("dqn", "full", "cartpole")
def dqn_cartpole(quiet: bool) -> BenchResult:
    env_id, hp, steps = _zoo("cartpole-zoo")
    return compare("dqn", "full", "cartpole", env_id, hp, steps, SEEDS, peer="sb3")


@bench_task("dqn", "full", "acrobot")
def dqn_acrobot(quiet: bool) -> BenchResult:
    env_id, hp, steps = _zoo("acrobot-zoo")
    return compare("dqn", "full", "acrobot", env_id, hp, steps, SEEDS, peer="sb3")


@bench_task("dqn", "full", "mountaincar")
def dqn_mountaincar(quiet: bool) -> BenchResult:
    env_id, hp, steps = _zoo("mountaincar-zoo")
    return compare("dqn", "full", "mountaincar", env_id, hp, steps, SEEDS, peer="sb3")


@bench_task("double-dqn", "full", "cartpole")
def double_cartpole(quiet: bool) -> BenchResult:
    env_id, hp, steps = _zoo("cartpole-zoo")
    return compare("double-dqn", "full", "cartpole", env_id, hp, steps, SEEDS, peer="dqn")


@bench_task("dueling-dqn", "full", "cartpole")
def dueling_cartpole(quiet: bool) -> BenchResult:
    env_id, hp, steps = _zoo("cartpole-zoo")
    return compare("dueling-dqn", "full", "cartpole", env_id, hp, steps, SEEDS, peer="dqn")
