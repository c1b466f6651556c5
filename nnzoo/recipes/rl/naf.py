"""Recipes of NAF on Pendulum-v1: a short default and the 20k-step budget of the Pendulum
benchmark table.

No tuned NAF set-up exists for Pendulum-v1 in the RL Zoo (it has no NAF), so ``pendulum-20k``
takes DDPG's tuned values unchanged (:data:`nnzoo.recipes.rl.ddpg.PENDULUM_ZOO`: the same
budget, exploration, replay, schedule, learning rate and 400-300 network, here NAF's shared
trunk). They were fixed before any NAF run; no NAF hyperparameter was chosen on the
evaluation seeds the benchmark reports (0-4), or on any score.

The short default ``pendulum`` is DDPG's short recipe with a wider trunk: among a 64-64 trunk
(exp or softplus diagonal), a 128-128 trunk and Adam 3e-4, the 128-128 trunk had the best
training return (mean of the last 5 of 25 episodes: -218, against -661, -1332 and -1585) on
one run with seed 100, which no benchmark reports.
"""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add
from nnzoo.recipes.rl.ddpg import PENDULUM_ZOO

add(Recipe("naf", "pendulum", "Pendulum-v1",
           "NAF on Pendulum-v1, short: a 128-128 trunk, batch 64, 1,000 random steps, then one "
           "update per step with Gaussian noise 0.1, 5,000 steps",
           model_hp={"net_arch": (128, 128), "batch_size": 64, "buffer_size": 10_000,
                     "learning_starts": 1_000, "gamma": 0.98, "noise_type": "normal",
                     "noise_std": 0.1, "lr": 1e-3},
           train={"steps": 5_000, "eval_episodes": 5}, metric="return", default=True))
add(Recipe("naf", "pendulum-20k", "Pendulum-v1",
           "NAF on Pendulum-v1 with DDPG's RL Zoo values (400-300 trunk, Gaussian noise 0.1, "
           "10k random steps, one update per step after each episode), 20k steps",
           model_hp=PENDULUM_ZOO, train={"steps": 20_000, "eval_episodes": 10},
           metric="return"))
