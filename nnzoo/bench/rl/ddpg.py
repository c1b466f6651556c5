"""Benchmarks of the continuous-action agents on Pendulum-v1: DDPG and NAF beside
Stable-Baselines3's DDPG, in one process, seeds interleaved.

Each seed trains nnzoo's agent (:func:`~nnzoo.train.environment.build_agent` and
:func:`~nnzoo.train.environment.train_agent`, the recipe's hyperparameters and budget), then
SB3's DDPG with the same hyperparameters under SB3's names, the same number of environment
steps and the same seed number (nnzoo seed 0, SB3 seed 0, nnzoo seed 1, ...), so a change of
the machine's load falls on both sides. Both are then scored on the same deterministic
evaluation episodes (:func:`~nnzoo.train.environment.eval_seed`, seeds no training episode
uses). The row's figure is the mean over seeds of each seed's mean evaluation return; the
per-seed values and the standard deviation over seeds are in ``extra``.

Time: wall seconds of training per environment step, summed over seeds (nnzoo: the loop
without its evaluations; SB3: ``learn``), on one thread (the runner's :func:`one_thread`).

NAF has no maintained peer (SB3 and sb3-contrib have none); its row stands beside SB3's DDPG
with the RL Zoo's tuned hyperparameters, at NAF's budget: the issue's Pendulum table.
"""

from __future__ import annotations

import statistics
import time
from functools import partial
from typing import Any

import numpy as np

from nnzoo.bench.runner import (
    BenchResult,
    PeerRun,
    bench_task,
    one_thread,
    peer_run,
    plots_dir,
)
from nnzoo.core.plots import resample_returns, return_curves
from nnzoo.recipes import get_recipe
from nnzoo.train.environment import RLConfig, build_agent, eval_seed, train_agent

ENV = "Pendulum-v1"
SEEDS = (0, 1, 2, 3, 4)
#: The RL Zoo's published DDPG figure on Pendulum-v1 after 20k steps, read from
#: DLR-RM/rl-baselines3-zoo ``benchmark.md`` (commit 0088472b): mean_reward -152.099,
#: std_reward 94.282 over 750 evaluation episodes of one trained agent.
ZOO_DDPG = "-152.099 ± 94.282 (RL Zoo benchmark.md, DDPG Pendulum-v1, 20k steps, one agent, 750 " \
           "deterministic episodes)"


def run_nnzoo(agent_id: str, hp: dict[str, Any], cfg: RLConfig, seed: int
              ) -> dict[str, Any]:
    """Train nnzoo's agent on one seed; its final evaluation returns, episodes and seconds."""
    agent = build_agent(agent_id, hp, ENV, seed)
    res = train_agent(agent, ENV, cfg, seed=seed)
    return {"eval": res.evals[-1][1], "eval_std": res.evals[-1][2],
            "episodes": res.episodes, "seconds": res.train_time_s, "steps": res.steps}


def sb3_ddpg_kwargs(hp: dict[str, Any]) -> dict[str, Any]:
    """nnzoo's DDPG hyperparameters under SB3's names (the noise object built apart)."""
    return {"learning_rate": hp["lr"], "buffer_size": hp["buffer_size"],
            "learning_starts": hp["learning_starts"], "batch_size": hp["batch_size"],
            "tau": hp["tau"], "gamma": hp["gamma"],
            "train_freq": (hp["train_freq"], hp["train_freq_unit"]),
            "gradient_steps": hp["gradient_steps"],
            "policy_kwargs": {"net_arch": list(hp["net_arch"])}}


def run_sb3(hp: dict[str, Any], steps: int, seed: int, eval_episodes: int) -> dict[str, Any]:
    """Train SB3's DDPG on one seed with nnzoo's DDPG hyperparameters ``hp``; evaluate it on
    the evaluation seeds nnzoo's side uses."""
    import gymnasium as gym
    from stable_baselines3 import DDPG
    from stable_baselines3.common.logger import Logger
    from stable_baselines3.common.noise import NormalActionNoise, OrnsteinUhlenbeckActionNoise

    env = gym.make(ENV)
    d = int(np.prod(env.action_space.shape or (1,)))
    zeros, sigma = np.zeros(d), hp["noise_std"] * np.ones(d)
    noise = {"normal": lambda: NormalActionNoise(zeros, sigma),
             "ornstein-uhlenbeck": lambda: OrnsteinUhlenbeckActionNoise(
                 zeros, sigma, theta=hp["noise_theta"], dt=hp["noise_dt"]),
             "none": lambda: None}[hp["noise_type"]]()
    model = DDPG("MlpPolicy", env, action_noise=noise, seed=seed, device="cpu", verbose=0,
                 **sb3_ddpg_kwargs(hp))
    # SB3's default logger makes a folder under the temporary directory even when it logs
    # nothing; this one writes nowhere
    model.set_logger(Logger(folder=None, output_formats=[]))
    t0 = time.perf_counter()
    model.learn(total_timesteps=steps)
    seconds = time.perf_counter() - t0
    vec: Any = model.get_env()
    monitor = vec.envs[0]  # SB3 wraps the environment in a Monitor
    lengths, returns = monitor.get_episode_lengths(), monitor.get_episode_rewards()
    ends = np.cumsum(lengths)
    episodes = [(int(s), float(r), int(n)) for s, r, n in zip(ends, returns, lengths,
                                                              strict=True)]
    ev = np.zeros(eval_episodes)
    eval_env = gym.make(ENV)
    for j in range(eval_episodes):
        obs, _ = eval_env.reset(seed=eval_seed(seed, j))
        done = False
        while not done:
            action, _ = model.predict(obs, deterministic=True)
            obs, r, terminated, truncated, _ = eval_env.step(action)
            ev[j] += float(r)
            done = terminated or truncated
    eval_env.close()
    env.close()
    return {"eval": float(ev.mean()), "eval_std": float(ev.std()), "episodes": episodes,
            "seconds": seconds, "steps": model.num_timesteps}


def compare(agent_id: str, recipe: str, tier: str, task: str, peer_recipe: str,
            seeds: tuple[int, ...], quiet: bool, steps: int | None = None) -> BenchResult:
    """nnzoo's ``agent_id`` (recipe ``recipe``) beside SB3's DDPG with the hyperparameters of
    nnzoo's DDPG recipe ``peer_recipe``, seeds interleaved, ``steps`` each (the recipe's when
    None)."""
    rec = get_recipe(agent_id, recipe)
    overrides = {"steps": steps} if steps else {}
    hp, cfg = rec.resolve_agent(overrides)
    assert isinstance(cfg, RLConfig)
    peer_hp, _ = get_recipe("ddpg", peer_recipe).resolve_agent()
    ours: list[dict[str, Any]] = []
    theirs: list[dict[str, Any]] = []
    status = ""
    with one_thread():
        for seed in seeds:
            ours.append(run_nnzoo(agent_id, hp, cfg, seed))
            if not status:
                run: PeerRun[dict[str, Any]] = peer_run(
                    partial(run_sb3, peer_hp, cfg.steps, seed, cfg.eval_episodes))
                if run.ok and run.value is not None:
                    theirs.append(run.value)
                else:
                    status = run.status
            if not quiet:
                print(f"{agent_id} seed {seed}: nnzoo {ours[-1]['eval']:.1f}"
                      + (f", SB3 {theirs[-1]['eval']:.1f}" if len(theirs) == len(ours)
                         else ""), flush=True)
    if status:
        theirs = []
    grid = np.arange(1_000, cfg.steps + 1, 1_000)
    label = {"ddpg": "nnzoo DDPG", "naf": "nnzoo NAF"}[agent_id]
    curves = {label: [resample_returns(r["episodes"], grid) for r in ours]}
    if theirs:
        curves["SB3 DDPG"] = [resample_returns(r["episodes"], grid) for r in theirs]
    fig = return_curves(curves, grid, plots_dir() / f"{agent_id}-{tier}-{task}.png",
                        title=f"{label} vs SB3 DDPG, {ENV}: training return (last 10 episodes)")

    def mean(rs: list[dict[str, Any]], k: str = "eval") -> float:
        return statistics.mean(r[k] for r in rs)

    def per_step(rs: list[dict[str, Any]]) -> float:
        return sum(r["seconds"] for r in rs) / sum(r["steps"] for r in rs)

    def spread(rs: list[dict[str, Any]]) -> float:
        return statistics.pstdev(r["eval"] for r in rs) if len(rs) > 1 else 0.0

    extra: dict[str, Any] = {
        "nnzoo_per_seed": [r["eval"] for r in ours], "nnzoo_std_over_seeds": spread(ours),
        "nnzoo_eval_std_per_seed": [r["eval_std"] for r in ours], "seeds": list(seeds),
        "curves": str(fig)}
    if theirs:
        extra.update(peer_per_seed=[r["eval"] for r in theirs],
                     peer_std_over_seeds=spread(theirs),
                     peer_eval_std_per_seed=[r["eval_std"] for r in theirs])
    what = f"{agent_id} recipe {recipe}" + (f" cut to {cfg.steps} steps" if steps else "")
    budget = (f"{ENV}, {cfg.steps} environment steps per seed, seeds "
              f"{', '.join(map(str, seeds))} interleaved with SB3; {what}: "
              + ", ".join(f"{k}={list(v) if isinstance(v, tuple) else v}"
                          for k, v in hp.items())
              + f"; SB3 DDPG with the ddpg/{peer_recipe} values; {cfg.eval_episodes} "
                "deterministic evaluation episodes per seed on the same seeds both sides; one "
                "thread")
    notes = (f"figure: mean over seeds of each seed's mean evaluation return (std over seeds: "
             f"nnzoo {spread(ours):.1f}" + (f", SB3 {spread(theirs):.1f}" if theirs else "")
             + f"); published: {ZOO_DDPG}")
    if agent_id == "naf":
        notes += ("; NAF has no peer in SB3 or sb3-contrib: the row stands beside SB3's DDPG "
                  "at the same budget")
    return BenchResult(
        agent_id, tier, task, "mean evaluation return", True,
        f"Stable-Baselines3 DDPG (nnzoo's ddpg/{peer_recipe} hyperparameters)",
        mean(ours), mean(theirs) if theirs else None, per_step(ours),
        per_step(theirs) if theirs else None,
        "training wall time per environment step", budget, notes=notes, extra=extra,
        status=status)


@bench_task("ddpg", "quick", "pendulum")
def ddpg_quick(quiet: bool) -> BenchResult:
    return compare("ddpg", "pendulum", "quick", "pendulum", "pendulum", (0,), quiet,
                   steps=1_500)


@bench_task("naf", "quick", "pendulum")
def naf_quick(quiet: bool) -> BenchResult:
    return compare("naf", "pendulum", "quick", "pendulum", "pendulum", (0,), quiet,
                   steps=1_500)


@bench_task("ddpg", "full", "pendulum")
def ddpg_full(quiet: bool) -> BenchResult:
    return compare("ddpg", "pendulum-zoo", "full", "pendulum", "pendulum-zoo", SEEDS, quiet)


@bench_task("naf", "full", "pendulum")
def naf_full(quiet: bool) -> BenchResult:
    return compare("naf", "pendulum-20k", "full", "pendulum", "pendulum-zoo", SEEDS, quiet)
