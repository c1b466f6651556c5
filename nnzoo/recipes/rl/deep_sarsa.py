"""Recipes of deep SARSA on CartPole-v1.

``cartpole-50k`` is Zhao et al.'s form (replay of ``(s, a, r, s', a')`` and a target network)
with the replay schedule of the RL Zoo's DQN on CartPole-v1 (``hyperparams/dqn.yml`` of
DLR-RM/rl-baselines3-zoo: learning rate 2.5e-4, batch 512, train every 16 steps with 4
gradient steps, target copied every 5000 steps, final epsilon 0.11 reached after 6% of the
steps: 3000 of 50k, as Stable-Baselines3 applies the zoo's ``exploration_fraction`` to a 50k
budget); the SARSA target replaces DQN's max. ``cartpole-online`` is
keras-rl's ``SARSAAgent``: no replay, no target network, one update per step.
"""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

ZOO = {"lr": 2.5e-4, "batch_size": 512, "buffer_size": 50_000, "learning_starts": 0,
       "gamma": 0.99, "target_update_interval": 5000, "train_freq": 16, "gradient_steps": 4,
       "exploration_steps": 3000, "exploration_final_eps": 0.11}

add(Recipe(
    "deep-sarsa", "cartpole", "CartPole-v1",
    "deep SARSA with replay and a target network (the RL Zoo's DQN schedule), 10k steps",
    model_hp=ZOO, train={"steps": 10_000, "eval_episodes": 10}, metric="return",
    default=True))
add(Recipe(
    "deep-sarsa", "cartpole-50k", "CartPole-v1",
    "deep SARSA with replay and a target network (the RL Zoo's DQN schedule), 50k steps",
    model_hp=ZOO, train={"steps": 50_000, "eval_episodes": 10}, metric="return"))
add(Recipe(
    "deep-sarsa", "cartpole-online", "CartPole-v1",
    "keras-rl's SARSA: no replay, no target network, one update per step, 50k steps",
    model_hp={"lr": 1e-4, "exploration_steps": 10_000},
    train={"steps": 50_000, "eval_episodes": 10}, metric="return"))
