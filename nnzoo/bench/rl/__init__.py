"""Reinforcement learning: the benchmarks of the agents (the family :mod:`nnzoo.models.rl`)
beside Stable-Baselines3 and the published figures."""
