"""Dueling DQN: a Q-network split into a state-value stream and an advantage stream.

Paper: Z. Wang, T. Schaul, M. Hessel, H. van Hasselt, M. Lanctot, N. de Freitas, "Dueling
Network Architectures for Deep Reinforcement Learning", ICML 2016 (arXiv 2015:
https://arxiv.org/abs/1511.06581), the catalog's entry.

After a shared trunk (``net_arch``), one stream estimates the state's value ``V(s)`` and the
other the advantages ``A(s, a)``, each through its own hidden layers (``stream_arch``), and
they are combined with the mean advantage subtracted (the paper's equation 9), which makes
the split identifiable::

    Q(s, a) = V(s) + A(s, a) - (1 / |A|) sum_a' A(s, a')

so the advantages the head adds to ``V`` have mean zero over the actions. Learning is
:class:`~nnzoo.models.rl.dqn.DQN`'s, with the DQN target by default and the Double DQN target
with ``double=true`` (the paper's combination).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from nnzoo.core.config import require
from nnzoo.models.registry import register
from nnzoo.models.rl.dqn import DQN, DQNConfig, mlp


@dataclass
class DuelingDQNConfig(DQNConfig):
    """:class:`~nnzoo.models.rl.dqn.DQNConfig` plus the dueling head's settings.

    :param stream_arch: hidden widths of each stream (value, advantage) after the shared
        trunk; empty: one linear layer each.
    :param double: use the Double DQN target.
    """

    stream_arch: tuple[int, ...] = ()
    double: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        require(all(w >= 1 for w in self.stream_arch),
                f"stream_arch widths must be >= 1, got {self.stream_arch}")


class DuelingQNetwork(nn.Module):
    """``Q = V + A - mean(A)`` over a shared MLP trunk.

    :param n_in: the input width.
    :param n_actions: the number of actions.
    :param net_arch: the shared trunk's hidden widths.
    :param stream_arch: each stream's hidden widths.
    """

    def __init__(self, n_in: int, n_actions: int, net_arch: tuple[int, ...],
                 stream_arch: tuple[int, ...]) -> None:
        super().__init__()
        self.trunk, width = mlp(n_in, net_arch)
        self.value_trunk, wv = mlp(width, stream_arch)
        self.advantage_trunk, wa = mlp(width, stream_arch)
        self.value = nn.Linear(wv, 1)
        self.advantage = nn.Linear(wa, n_actions)

    def streams(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``V(s)`` ``(n, 1)`` and the raw advantages ``A(s, .)`` ``(n, n_actions)``."""
        h = self.trunk(x)
        return self.value(self.value_trunk(h)), self.advantage(self.advantage_trunk(h))

    def centred_advantages(self, x: torch.Tensor) -> torch.Tensor:
        """``A(s, a) - mean_a' A(s, a')``: what the head adds to ``V(s)``."""
        _, a = self.streams(x)
        return a - a.mean(1, keepdim=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        v, a = self.streams(x)
        return v + a - a.mean(1, keepdim=True)


@register("dueling-dqn", config=DuelingDQNConfig, learning="environment",
          rule="DQN's learning (or Double DQN's, double=true) with a value and an advantage "
               "stream, Q = V + A - mean(A)",
          peer="nnzoo DQN (the same hyperparameters); Stable-Baselines3 has no Dueling DQN",
          reference="https://arxiv.org/abs/1511.06581")
class DuelingDQN(DQN[DuelingDQNConfig]):
    """DQN with the dueling head (see the module docstring)."""

    def build_q_net(self) -> nn.Module:
        c = self.config
        return DuelingQNetwork(self.n_in, c.n_actions, tuple(c.net_arch), tuple(c.stream_arch))
