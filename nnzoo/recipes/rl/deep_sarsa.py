"""Recipes of deep SARSA on CartPole-v1.

The replay recipes are Zhao et al.'s form (replay of ``(s, a, r, s', a')``, a target network)
with exactly the hyperparameters of nnzoo DQN's recipes that they stand beside in the bench
(:mod:`nnzoo.recipes.rl.dqn`: ``cartpole-zoo``, the RL Zoo's tuned DQN values from
``hyperparams/dqn.yml``, and the short default): only the target differs, SARSA's
``Q(s', a')`` for DQN's ``max_a Q(s', a)``. DQN's ``exploration_fraction`` of the budget is
written as ``exploration_steps``: 16% of 50k = 8000 steps, of 10k = 1600. Not tuned for
SARSA: a check on seed 100 (none of the bench's seeds) gave evaluations of 417, 169, 500,
369 and 220 at 10k, ..., 50k steps: it solves CartPole on the way and does not hold it.
keras-rl's online form (``buffer_size=0``, no target network, one update per step) is the config's
default; on CartPole it learned poorly in a trial (seed 0, 20k steps, Adam 1e-3: evaluation
9.4), so no recipe uses it.
"""

from __future__ import annotations

from typing import Any

from nnzoo.recipes.base import Recipe, add
from nnzoo.recipes.rl.dqn import CARTPOLE_SHORT, CARTPOLE_ZOO, SHORT_STEPS


def sarsa_hp(dqn_hp: dict[str, Any], steps: int) -> dict[str, Any]:
    """DQN's hyperparameters for deep SARSA: the exploration fraction as a step count."""
    hp = {k: v for k, v in dqn_hp.items() if k != "exploration_fraction"}
    return {**hp, "exploration_steps": round(dqn_hp["exploration_fraction"] * steps)}


add(Recipe(
    "deep-sarsa", "cartpole", "CartPole-v1",
    f"deep SARSA with replay and a target network, DQN's short CartPole values, "
    f"{SHORT_STEPS // 1000}k steps",
    model_hp=sarsa_hp(CARTPOLE_SHORT, SHORT_STEPS),
    train={"steps": SHORT_STEPS, "eval_episodes": 10}, metric="return", default=True))
add(Recipe(
    "deep-sarsa", "cartpole-50k", "CartPole-v1",
    "deep SARSA with replay and a target network, the RL Zoo's DQN values, 50k steps",
    model_hp=sarsa_hp(CARTPOLE_ZOO, 50_000),
    train={"steps": 50_000, "eval_episodes": 10, "eval_every": 10_000}, metric="return"))
