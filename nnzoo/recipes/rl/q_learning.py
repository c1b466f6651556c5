"""Recipes of the tabular agents (``q-learning``: Q-learning, SARSA, expected SARSA) on
gymnasium's toy-text environments (no download).

- ``q-learning/frozenlake`` (default): FrozenLake-v1, the 4x4 map, slippery (the intended
  move with probability 1/3, each perpendicular one with 1/3), Q-learning with gamma 0.99, a
  learning rate decaying linearly from 0.2 to 0.01 and epsilon from 1 to 0.1 over the first
  half of the run. Its greedy policy's success probability is checked against the optimum
  that value iteration computes from the transition table (the tests, the bench).
- ``q-learning/frozenlake-sarsa``: the same with SARSA's on-policy update.
- ``q-learning/cliffwalking`` and ``q-learning/cliffwalking-sarsa``: CliffWalking-v1 (4x12,
  -1 per step, -100 and back to the start for a step into the cliff), undiscounted, constant
  epsilon 0.1 and learning rate 0.5: Q-learning learns the shortest path along the cliff edge
  (return -13 when acting greedily, but it falls in while exploring), SARSA, which learns the
  value of the exploring policy it follows, a safer path further from the edge.
- ``q-learning/taxi``: Taxi-v4 (500 states, 6 actions, deterministic), Q-learning, gamma
  0.99, learning rate 0.5, epsilon 1 -> 0.05 over the first half of 60k steps (seeds 0 and 1
  here: greedy evaluation returns 7.85 and 7.75; the optimal policy's expected undiscounted
  return from the start distribution, by policy evaluation of value iteration's policy, is
  7.93).

Hyperparameters are this package's own choices (the RL Baselines3 Zoo has no tabular agents),
made so that the default runs in seconds and its greedy policy reaches at least 90 % of the
optimal success probability on every seed of the bench (``nnzoo bench q-learning --tier
full``). The grid fields (``grid_shape``, ``grid_desc``, ``grid_actions``) are the maps of
gymnasium 1.4's environments (the tests check them against the environments) and only serve
the pictures.
"""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

#: FrozenLake-v1's 4x4 map and action directions (0 left, 1 down, 2 right, 3 up).
FROZENLAKE_4X4 = {"grid_shape": (4, 4), "grid_desc": ("SFFF", "FHFH", "FFFH", "HFFG"),
                  "grid_actions": "LDRU"}
#: CliffWalking-v1's 4x12 grid (the cliff along the bottom row between the start and the
#: goal) and action directions (0 up, 1 right, 2 down, 3 left).
CLIFFWALKING = {"grid_shape": (4, 12),
                "grid_desc": ("F" * 12, "F" * 12, "F" * 12, "S" + "C" * 10 + "G"),
                "grid_actions": "URDL"}

FROZENLAKE_HP = {"gamma": 0.99, "lr": 0.2, "lr_schedule": "linear", "lr_final": 0.01,
                 "lr_decay_steps": 50_000, "exploration_initial_eps": 1.0,
                 "exploration_final_eps": 0.1, "exploration_steps": 25_000, **FROZENLAKE_4X4}
FROZENLAKE_TRAIN = {"steps": 50_000, "eval_episodes": 100, "checkpoint_every": 25_000,
                    "log_every": 5_000, "env_kwargs": {"map_name": "4x4", "is_slippery": True}}

CLIFF_HP = {"gamma": 1.0, "lr": 0.5, "exploration_initial_eps": 0.1,
            "exploration_final_eps": 0.1, **CLIFFWALKING}
CLIFF_TRAIN = {"steps": 20_000, "eval_episodes": 1, "checkpoint_every": 10_000,
               "log_every": 2_000}

add(Recipe("q-learning", "frozenlake", "FrozenLake-v1",
           "FrozenLake 4x4 slippery, Q-learning, gamma 0.99, lr 0.2 -> 0.01, epsilon 1 -> 0.1, "
           "50k steps; greedy-policy success vs the value-iteration optimum",
           model_hp=FROZENLAKE_HP, train=FROZENLAKE_TRAIN, metric="return", default=True))
add(Recipe("q-learning", "frozenlake-sarsa", "FrozenLake-v1",
           "FrozenLake 4x4 slippery, SARSA (on-policy), otherwise as frozenlake",
           model_hp={**FROZENLAKE_HP, "update": "sarsa"}, train=FROZENLAKE_TRAIN,
           metric="return"))
add(Recipe("q-learning", "cliffwalking", "CliffWalking-v1",
           "CliffWalking, Q-learning, undiscounted, epsilon 0.1, lr 0.5, 20k steps: the "
           "optimal path along the cliff",
           model_hp=CLIFF_HP, train=CLIFF_TRAIN, metric="return"))
add(Recipe("q-learning", "cliffwalking-sarsa", "CliffWalking-v1",
           "CliffWalking, SARSA, undiscounted, epsilon 0.1, lr 0.5, 20k steps: the safe path",
           model_hp={**CLIFF_HP, "update": "sarsa"}, train=CLIFF_TRAIN, metric="return"))
add(Recipe("q-learning", "taxi", "Taxi-v4",
           "Taxi, Q-learning, gamma 0.99, lr 0.5, epsilon 1 -> 0.05 over 30k steps, 60k steps",
           model_hp={"gamma": 0.99, "lr": 0.5, "exploration_initial_eps": 1.0,
                     "exploration_final_eps": 0.05, "exploration_steps": 30_000},
           train={"steps": 60_000, "eval_episodes": 20, "checkpoint_every": 30_000,
                  "log_every": 5_000}, metric="return"))
