"""Recipes of DDPG on Pendulum-v1: a short default and the RL Zoo's tuned set-up.

``pendulum-zoo`` takes the RL Zoo's tuned DDPG hyperparameters, read from
``hyperparams/ddpg.yml`` of DLR-RM/rl-baselines3-zoo (commit 1159e284; that version lists them
under ``Pendulum-v0``, the environment's earlier version, with the same dynamics and 200-step
limit, and the zoo's ``benchmark.md`` reports DDPG on Pendulum-v1 after the same 20k steps):
``n_timesteps: 20000``, ``gamma: 0.98``, ``buffer_size: 200000``, ``learning_starts: 10000``,
``noise_type: 'normal'``, ``noise_std: 0.1``, ``gradient_steps: -1``,
``train_freq: [1, "episode"]``, ``learning_rate: 1e-3``, ``net_arch=[400, 300]``; the rest are
Stable-Baselines3's DDPG defaults (batch 256, tau 0.005), which :class:`DDPGConfig` shares.
"""

from __future__ import annotations

from typing import Any

from nnzoo.recipes.base import Recipe, add

#: The RL Zoo's DDPG hyperparameters for Pendulum (see the module docstring).
PENDULUM_ZOO: dict[str, Any] = {
    "gamma": 0.98, "buffer_size": 200_000, "learning_starts": 10_000, "noise_type": "normal",
    "noise_std": 0.1, "gradient_steps": -1, "train_freq": 1, "train_freq_unit": "episode",
    "lr": 1e-3, "net_arch": (400, 300)}

add(Recipe("ddpg", "pendulum", "Pendulum-v1",
           "DDPG on Pendulum-v1, short: 64-64 networks, batch 64, 1,000 random steps, then one "
           "update per step with Gaussian noise 0.1, 5,000 steps",
           model_hp={"net_arch": (64, 64), "batch_size": 64, "buffer_size": 10_000,
                     "learning_starts": 1_000, "gamma": 0.98, "noise_type": "normal",
                     "noise_std": 0.1, "lr": 1e-3},
           train={"steps": 5_000, "eval_episodes": 5}, metric="return", default=True))
add(Recipe("ddpg", "pendulum-zoo", "Pendulum-v1",
           "DDPG on Pendulum-v1 with the RL Zoo's tuned hyperparameters (400-300, Gaussian "
           "noise 0.1, 10k random steps, one update per step after each episode), 20k steps",
           model_hp=PENDULUM_ZOO, train={"steps": 20_000, "eval_episodes": 10},
           metric="return"))
