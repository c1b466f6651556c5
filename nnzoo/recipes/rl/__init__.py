"""Reinforcement learning: the recipes of the agents (the family :mod:`nnzoo.models.rl`),
each an environment, the agent's hyperparameters and a step budget."""
