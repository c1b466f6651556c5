"""Recipes of REINFORCE on CartPole-v1: a 32-unit tanh softmax policy, Adam 0.01, one episode
per update, reward-to-go returns with gamma 0.99; a learned state-value baseline (32 tanh
units, Adam 0.01), or none. Chosen on seed 100 (a single 50k-step run: evaluation 500, the
training returns' mean of 10 reached 475 at 37.6k steps), none of the bench's seeds 0-4."""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

HP = {"net_arch": (32,), "lr": 0.01, "gamma": 0.99, "n_episodes": 1, "reward_to_go": True,
      "baseline": "value", "value_lr": 0.01, "value_arch": (32,)}
FULL = {"steps": 50_000, "eval_episodes": 10, "eval_every": 10_000}

add(Recipe(
    "reinforce", "cartpole", "CartPole-v1",
    "REINFORCE with a value baseline, 10k steps",
    model_hp=HP, train={"steps": 10_000, "eval_episodes": 10}, metric="return",
    default=True))
add(Recipe(
    "reinforce", "cartpole-50k", "CartPole-v1",
    "REINFORCE with a value baseline, 50k steps", model_hp=HP, train=FULL, metric="return"))
add(Recipe(
    "reinforce", "cartpole-50k-no-baseline", "CartPole-v1",
    "REINFORCE without a baseline, 50k steps", model_hp={**HP, "baseline": "none"},
    train=FULL, metric="return"))
