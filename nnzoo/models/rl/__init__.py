"""Reinforcement-learning agents: tabular Q-learning and SARSA, DQN and its Double and
Dueling forms, deep SARSA, the cross-entropy method, REINFORCE, DDPG and NAF.

:mod:`nnzoo.models.rl.agent` is what every agent offers the environment loop
(:mod:`nnzoo.train.environment`); agents never import an environment library: they see
NumPy arrays and the :class:`~nnzoo.models.rl.agent.EnvInfo` of their environment.
"""
