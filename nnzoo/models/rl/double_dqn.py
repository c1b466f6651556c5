"""Double DQN: DQN whose target decouples choosing the next action from valuing it.

Paper: H. van Hasselt, A. Guez, D. Silver, "Deep Reinforcement Learning with Double
Q-learning", AAAI 2016 (arXiv 2015: https://arxiv.org/abs/1509.06461), the catalog's entry.

The max in DQN's target, ``max_a' Q'(s', a')``, both picks and values the next action with
the same (noisy) estimates, so it is biased upwards. Double DQN picks the action with the
online network and values it with the target network::

    a*  = argmax_a' Q(s', a')
    y   = r + gamma (1 - d) Q'(s', a*)

Everything else is :class:`~nnzoo.models.rl.dqn.DQN` (replay, schedules, Huber loss, Adam,
target updates), with the same hyperparameters, so the two compare on equal terms. When the
online and target networks coincide, ``Q'(s', argmax Q(s', .)) = max Q'(s', .)`` and the
target is DQN's.
"""

from __future__ import annotations

from typing import ClassVar

from nnzoo.models.registry import register
from nnzoo.models.rl.dqn import DQN, DQNConfig


@register("double-dqn", config=DQNConfig, learning="environment",
          rule="Double Q-learning target (online argmax, target value) on replayed "
               "transitions: Huber TD error, Adam, epsilon-greedy exploration",
          peer="nnzoo DQN (the same hyperparameters); Stable-Baselines3 has no Double DQN",
          reference="https://arxiv.org/abs/1509.06461")
class DoubleDQN(DQN[DQNConfig]):
    """DQN with the Double Q-learning target (see the module docstring)."""

    double_target: ClassVar[bool] = True
