"""Benchmarks of the tabular agents against the exact optimum of the same environment.

A toy-text environment's transition table is known, so the yardstick of a tabular agent is
not another library's estimate but the optimum itself: value iteration
(:mod:`nnzoo.models.rl.value_iteration`) on the table gymnasium steps with
(:func:`~nnzoo.train.envs.tabular_mdp`), computed in the same run.

- ``q-learning/quick/frozenlake``: one seed of the default recipe on a short budget (seconds;
  asserts nothing).
- ``q-learning/full/frozenlake-4x4-slippery``: the default recipe (FrozenLake-v1 4x4,
  slippery), seeds 0-4. Quality: the greedy policy's probability of reaching the goal from
  the start, exact (the linear solve of :func:`policy_evaluation`, undiscounted, no time
  limit), mean over seeds; the peer column is the same for the optimal policy (the greedy
  policy of value iteration; value iteration's own V*(start) is in ``extra``). The curve
  shows the greedy policy's mean return over 100 evaluation episodes at every tenth of the run
  beside the exploring policy's training episodes.
  ``extra`` holds the per-seed values, the same probabilities within the environment's
  100-step time limit (exact, by 100 backups) and the success rate measured over 1000
  deterministic evaluation episodes on the loop's evaluation seeds (never a training
  episode's), which should agree with the 100-step figures within sampling error.
- ``q-learning/full/cliffwalking``: Q-learning against SARSA (the recipes ``cliffwalking`` and
  ``cliffwalking-sarsa``), seeds 0-4, the same steps: the greedy policy's return (the
  environment is deterministic: one evaluation episode) and the return of the last training
  episodes, while exploring. Q-learning learns the optimal path along the cliff (its greedy
  return equals value iteration's), SARSA a safer one that pays off while exploring. The
  figure draws both paths.

Time: the training loop's wall seconds per seed (value iteration's seconds are in ``extra``;
the cliff row's ratio is Q-learning's time per step over SARSA's).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nnzoo.bench.runner import BenchResult, bench_task, plots_dir, timed
from nnzoo.core.plots import resample_returns, return_curves
from nnzoo.models.rl.q_learning import QLearning
from nnzoo.models.rl.q_learning_plots import policy_grid
from nnzoo.models.rl.value_iteration import (
    Solution,
    TabularMDP,
    policy_evaluation,
    value_iteration,
)
from nnzoo.recipes import get_recipe
from nnzoo.train.environment import (
    RLConfig,
    build_agent,
    eval_seed,
    evaluate_agent,
    train_agent,
)
from nnzoo.train.envs import make_env, tabular_mdp

SEEDS = (0, 1, 2, 3, 4)
MEASURED_EPISODES = 1000


def _mdp(env_id: str, env_kwargs: dict[str, Any]) -> tuple[TabularMDP, int | None]:
    """The environment's table and its time limit."""
    env = make_env(env_id, **env_kwargs)
    try:
        return tabular_mdp(env), env.spec.max_episode_steps if env.spec else None
    finally:
        env.close()


def _success(mdp: TabularMDP, policy: np.ndarray, horizon: int | None = None) -> float:
    """The exact expected return from the start (FrozenLake: the success probability)."""
    return float(mdp.start @ policy_evaluation(mdp, policy, 1.0, horizon=horizon))


def _measured(env_id: str, env_kwargs: dict[str, Any], policy: np.ndarray, episodes: int,
              seed: int) -> float:
    """The mean return of ``policy`` over ``episodes`` episodes reset with the loop's
    evaluation seeds (as :func:`evaluate_agent` does for an agent)."""
    env = make_env(env_id, **env_kwargs)
    total = 0.0
    try:
        for j in range(episodes):
            s, _ = env.reset(seed=eval_seed(seed, j))
            done = False
            while not done:
                s, r, terminated, truncated, _ = env.step(int(policy[s]))
                total += float(r)
                done = terminated or truncated
    finally:
        env.close()
    return total / episodes


def route(mdp: TabularMDP, policy: np.ndarray, limit: int = 200) -> list[int]:
    """The states a policy walks through from the most likely start state, following the
    most likely transition (the whole path on a deterministic grid), until the episode ends
    or a state repeats."""
    s = int(np.argmax(mdp.start))
    path = [s]
    for _ in range(limit):
        a = int(policy[s])
        s2 = int(np.argmax(mdp.P[s, a]))
        path.append(s2)
        if mdp.C[s, a, s2] < 0.5 * mdp.P[s, a, s2] or s2 in path[:-1]:
            break
        s = s2
    return path


def _train(recipe_name: str, seed: int, overrides: dict[str, Any]
           ) -> tuple[QLearning, Any, RLConfig, str]:
    recipe = get_recipe("q-learning", recipe_name)
    hp, cfg = recipe.resolve_agent(overrides)
    assert isinstance(cfg, RLConfig)
    agent = build_agent("q-learning", hp, recipe.dataset, seed, cfg.env_kwargs)
    assert isinstance(agent, QLearning)
    result = train_agent(agent, recipe.dataset, cfg, seed=seed)
    return agent, result, cfg, recipe.dataset


def _frozenlake(tier: str, task: str, seeds: tuple[int, ...], steps: int | None,
                measured_episodes: int, eval_episodes: int) -> BenchResult:
    overrides: dict[str, Any] = {"eval_episodes": eval_episodes}
    if steps is not None:  # a shorter run: the schedules shrink with it
        overrides.update(steps=steps, lr_decay_steps=steps, exploration_steps=steps // 2)
    total = steps if steps is not None else int(get_recipe("q-learning").train["steps"])
    overrides["eval_every"] = total // 10
    recipe = get_recipe("q-learning", "frozenlake")
    _, cfg = recipe.resolve_agent(overrides)
    assert isinstance(cfg, RLConfig)
    env_id, kw = recipe.dataset, cfg.env_kwargs
    mdp, limit = _mdp(env_id, kw)
    opt, t_vi = timed(lambda: value_iteration(mdp, 1.0, tol=1e-12))
    assert isinstance(opt, Solution)
    best = opt.start_value(mdp)
    best_vi = best
    best = _success(mdp, opt.policy)       # its greedy policy's exact value: the peer column
    opt_limit = _success(mdp, opt.policy, limit)
    opt_measured = _measured(env_id, kw, opt.policy, measured_episodes, 0)

    exact, within, measured, times, curves, greedy_curves, panels = [], [], [], [], [], [], {}
    grid = np.arange(1, 11) * (cfg.steps // 10)      # the evaluation steps
    config = None
    for seed in seeds:
        agent, result, _, _ = _train("frozenlake", seed, overrides)
        config = agent.config
        policy = agent.greedy_policy()
        exact.append(_success(mdp, policy))
        within.append(_success(mdp, policy, limit))
        measured.append(float(evaluate_agent(agent, env_id, measured_episodes, seed,
                                             kw).mean()))
        times.append(result.train_time_s)
        curves.append(resample_returns(result.episodes, grid, window=100))
        greedy_curves.append(np.array([m for _, m, _ in result.evals]))
        panels[f"seed {seed}: success {exact[-1]:.3f} (max_a Q, gamma {config.gamma:g})"] = (
            agent.values(), policy, agent.visits.numpy().sum(1) > 0)
    assert config is not None
    opt_panel = {f"optimal (value iteration): success {best:.3f}":
                 (opt.V, opt.policy, np.ones(mdp.n_states, dtype=bool))}
    name = f"q-learning-{tier}-{task}"
    fig_policy = policy_grid({**opt_panel, **panels}, config,
                             plots_dir() / f"{name}-policies.png",
                             "FrozenLake 4x4 slippery: state values and greedy policies")
    fig_curve = return_curves({f"greedy policy ({eval_episodes} evaluation episodes)":
                               greedy_curves,
                               "exploring (the last 100 training episodes)": curves}, grid,
                              plots_dir() / f"{name}-curve.png",
                              f"FrozenLake 4x4 slippery: success rate while learning "
                              f"(dashed: the optimal policy's within {limit} steps)",
                              target=opt_limit)
    ratios = [e / best for e in exact]
    mean = float(np.mean(exact))
    return BenchResult(
        "q-learning", tier, task, "success probability (exact)", True,
        "optimal policy (value iteration)", mean, best, float(np.mean(times)), None,
        "training loop per seed (value iteration: extra)",
        f"{cfg.steps:,} steps per seed, seeds {', '.join(map(str, seeds))}; FrozenLake-v1 "
        f"{kw}; recipe q-learning/frozenlake",
        notes=f"greedy policy / optimal success: {mean / best:.3f} (lowest seed "
              f"{min(ratios):.3f}); exact = linear solve without a time limit; within "
              f"the {limit}-step limit: nnzoo {np.mean(within):.3f}, optimal "
              f"{opt_limit:.3f}; measured over {measured_episodes} evaluation episodes: "
              f"nnzoo {np.mean(measured):.3f}, optimal {opt_measured:.3f}",
        extra={"seeds": list(seeds), "success_exact": exact,
               "success_exact_std": float(np.std(exact)), "ratio_to_optimal": ratios,
               f"success_exact_{limit}_steps": within, "success_measured": measured,
               "measured_episodes": measured_episodes, "optimal_success": best,
               "optimal_value_iteration": best_vi,
               f"optimal_success_{limit}_steps": opt_limit,
               "optimal_success_measured": opt_measured,
               "value_iteration_s": t_vi, "value_iteration_sweeps": opt.iterations,
               "train_time_s": times, "plot_policies": str(fig_policy),
               "plot_curve": str(fig_curve)})


@bench_task("q-learning", "quick", "frozenlake")
def frozenlake_quick(quiet: bool) -> BenchResult:
    return _frozenlake("quick", "frozenlake", (0,), 5_000, 100, 20)


@bench_task("q-learning", "full", "frozenlake-4x4-slippery")
def frozenlake_full(quiet: bool) -> BenchResult:
    return _frozenlake("full", "frozenlake-4x4-slippery", SEEDS, None, MEASURED_EPISODES, 100)


@bench_task("q-learning", "full", "cliffwalking")
def cliffwalking_full(quiet: bool) -> BenchResult:
    recipe = get_recipe("q-learning", "cliffwalking")
    _, cfg = recipe.resolve_agent()
    assert isinstance(cfg, RLConfig)
    mdp, _ = _mdp(recipe.dataset, cfg.env_kwargs)
    opt = value_iteration(mdp, 1.0)
    sides: dict[str, dict[str, list[Any]]] = {
        k: {"greedy": [], "online": [], "time": [], "curves": [], "agents": []}
        for k in ("q-learning", "sarsa")}
    # the first eighth of the run (returns of -1000 and below, before the goal is found)
    # would flatten the curves where they differ
    grid = np.linspace(cfg.steps // 8, cfg.steps, 36)
    for seed in SEEDS:                    # interleaved: Q-learning seed 0, SARSA seed 0, ...
        for side, name in (("q-learning", "cliffwalking"), ("sarsa", "cliffwalking-sarsa")):
            agent, result, _, _ = _train(name, seed, {})
            d = sides[side]
            d["greedy"].append(result.evals[-1][1])
            d["online"].append(float(np.mean([r for _, r, _ in result.episodes[-100:]])))
            d["time"].append(result.train_time_s / result.steps)
            d["curves"].append(resample_returns(result.episodes, grid, window=20))
            d["agents"].append(agent)
    q0, s0 = sides["q-learning"]["agents"][0], sides["sarsa"]["agents"][0]
    panels: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    routes: dict[str, list[int]] = {}
    for label, V, policy, visited in (
            ("Q-learning, seed 0", q0.values(), q0.greedy_policy(),
             q0.visits.numpy().sum(1) > 0),
            ("SARSA, seed 0", s0.values(), s0.greedy_policy(), s0.visits.numpy().sum(1) > 0),
            ("optimal (value iteration)", opt.V, opt.policy, np.ones(mdp.n_states, bool))):
        panels[label] = (V, policy, visited)
        routes[label] = route(mdp, policy)
    fig_paths = policy_grid(panels, q0.config, plots_dir() / "q-learning-full-cliffwalking"
                            "-paths.png", "CliffWalking: greedy values, policies and paths",
                            routes=routes)
    fig_curve = return_curves({"Q-learning": sides["q-learning"]["curves"],
                               "SARSA": sides["sarsa"]["curves"]}, grid,
                              Path(plots_dir()) / "q-learning-full-cliffwalking-curve.png",
                              f"CliffWalking: training return (last 20 episodes, exploring), "
                              f"from step {cfg.steps // 8:,}",
                              target=opt.start_value(mdp))
    q, s = sides["q-learning"], sides["sarsa"]
    return BenchResult(
        "q-learning", "full", "cliffwalking", "greedy return", True, "nnzoo SARSA",
        float(np.mean(q["greedy"])), float(np.mean(s["greedy"])), float(np.mean(q["time"])),
        float(np.mean(s["time"])), "seconds per environment step",
        f"{cfg.steps:,} steps per seed, seeds 0-4, epsilon 0.1, lr 0.5, undiscounted; recipes "
        "q-learning/cliffwalking and cliffwalking-sarsa",
        notes=f"optimal return (value iteration) {opt.start_value(mdp):g}; return of the last "
              f"100 training episodes (exploring): Q-learning {np.mean(q['online']):.1f}, "
              f"SARSA {np.mean(s['online']):.1f}",
        extra={"seeds": list(SEEDS), "q_learning_greedy": q["greedy"],
               "sarsa_greedy": s["greedy"], "q_learning_online": q["online"],
               "sarsa_online": s["online"], "optimal_return": opt.start_value(mdp),
               "q_learning_route_seed0": routes["Q-learning, seed 0"],
               "sarsa_route_seed0": routes["SARSA, seed 0"],
               "plot_paths": str(fig_paths), "plot_curve": str(fig_curve)})
