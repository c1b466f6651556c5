"""Recipes of the noisy cross-entropy method on CartPole-v1: a linear policy (keras-rl's
``CEMAgent`` form), a population of 50 scored on one episode each, the best 20% refit the
Gaussian, extra variance 0.1 on every parameter (constant). Chosen on seed 100 (a single
50k-step run, evaluation 500), none of the bench's seeds 0-4."""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

HP = {"net_arch": (), "population": 50, "elite_frac": 0.2, "episodes_per_candidate": 1,
      "init_std": 1.0, "extra_noise": 0.1}

add(Recipe(
    "cem", "cartpole", "CartPole-v1",
    "noisy CEM, linear policy, population 50, elite 20%, 10k steps",
    model_hp=HP, train={"steps": 10_000, "eval_episodes": 10}, metric="return",
    default=True))
add(Recipe(
    "cem", "cartpole-50k", "CartPole-v1",
    "noisy CEM, linear policy, population 50, elite 20%, 50k steps",
    model_hp=HP, train={"steps": 50_000, "eval_episodes": 10, "eval_every": 10_000},
    metric="return"))
