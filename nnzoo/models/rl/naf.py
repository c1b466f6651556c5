"""NAF: normalized advantage functions, Q-learning for continuous actions.

Paper: S. Gu, T. Lillicrap, I. Sutskever, S. Levine, "Continuous Deep Q-Learning with
Model-based Acceleration", ICML 2016 (arXiv 1603.00748). This is the paper's model-free
part (NAF; the imagination rollouts it adds on top are not implemented), keras-rl's
``NAFAgent`` ("continuous DQN").

The Q-function is a value plus an advantage that is a negative-definite quadratic form in
the action, so its maximum over actions is known in closed form::

    Q(s, a) = V(s) + A(s, a),   A(s, a) = -1/2 (a - mu(s))^T P(s) (a - mu(s)),
    P(s) = L(s) L(s)^T,

with :math:`L(s)` lower-triangular, its diagonal made positive (``exp``, the paper's choice,
or ``softplus``), so :math:`P(s)` is symmetric positive definite, :math:`A \\le 0 = A(s,
\\mu(s))`, :math:`\\arg\\max_a Q(s, a) = \\mu(s)` and :math:`\\max_a Q(s, a) = V(s)`. The
Hessian of :math:`Q` in :math:`a` is :math:`-P(s)`. Computed as
:math:`A = -\\frac12 \\lVert L^T (a - \\mu) \\rVert^2`.

The network (:class:`NAFNet`): a shared MLP of ``net_arch`` with ReLU, then three linear
heads: :math:`V` (1), :math:`\\mu` (``d``, through tanh: the scaled action space [-1, 1]) and
the ``d (d + 1) / 2`` entries of :math:`L`.

One update on a batch :math:`(s, a, r, s', t)` drawn uniformly from the replay buffer
(:meth:`NAF.update`):

1. the target, with the target network's value, since :math:`\\max_{a'} Q'(s', a') =
   V'(s')`: :math:`y = r + \\gamma (1 - t) V'(s')` (no bootstrapping from a terminal
   state; a time-limit cut bootstraps);
2. Adam's step on :math:`\\frac1B \\sum (Q(s, a) - y)^2`;
3. the target network moves by Polyak averaging with ``tau``.

The greedy action is :math:`\\mu(s)`; exploration, the replay buffer and the update schedule
are DDPG's (:mod:`nnzoo.models.rl.continuous`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from nnzoo.models.registry import register
from nnzoo.models.rl.continuous import (
    ContinuousAgent,
    ContinuousConfig,
    frozen_copy,
    mlp,
    polyak_update,
)


@dataclass
class NAFConfig(ContinuousConfig):
    """NAF's hyperparameters: those of
    :class:`~nnzoo.models.rl.continuous.ContinuousConfig`, and

    :param diagonal: how the diagonal of :math:`L` is made positive: ``"exp"`` (Gu et al.)
        or ``"softplus"``.
    """

    diagonal: Literal["exp", "softplus"] = "exp"


class NAFNet(nn.Module):
    """The NAF network: a shared trunk, then the heads :math:`V`, :math:`\\mu` and :math:`L`.

    :param obs_dim: the observation's size.
    :param action_dim: the action's size ``d``.
    :param net_arch: the trunk's hidden widths.
    :param diagonal: ``"exp"`` or ``"softplus"`` for the diagonal of :math:`L`.
    """

    rows: torch.Tensor
    cols: torch.Tensor
    on_diagonal: torch.Tensor

    def __init__(self, obs_dim: int, action_dim: int, net_arch: tuple[int, ...],
                 diagonal: str = "exp") -> None:
        super().__init__()
        self.action_dim, self.diagonal = action_dim, diagonal
        self.trunk = nn.Sequential(*mlp([obs_dim, *net_arch]), nn.ReLU())
        h = net_arch[-1]
        self.v = nn.Linear(h, 1)
        self.mu = nn.Sequential(nn.Linear(h, action_dim), nn.Tanh())
        self.l_entries = nn.Linear(h, action_dim * (action_dim + 1) // 2)
        rows, cols = torch.tril_indices(action_dim, action_dim)
        self.register_buffer("rows", rows, persistent=False)
        self.register_buffer("cols", cols, persistent=False)
        self.register_buffer("on_diagonal", rows == cols, persistent=False)

    def heads(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``V (B, 1)``, ``mu (B, d)`` and ``L (B, d, d)`` (lower-triangular, positive
        diagonal)."""
        h = self.trunk(obs)
        raw = self.l_entries(h)
        pos = torch.exp(raw) if self.diagonal == "exp" else F.softplus(raw)
        entries = torch.where(self.on_diagonal, pos, raw)
        L = raw.new_zeros(len(obs), self.action_dim, self.action_dim)
        L[:, self.rows, self.cols] = entries
        return self.v(h), self.mu(h), L

    def value(self, obs: torch.Tensor) -> torch.Tensor:
        """:math:`V(s) = \\max_a Q(s, a)`, ``(B, 1)``."""
        return self.v(self.trunk(obs))

    def precision(self, obs: torch.Tensor) -> torch.Tensor:
        """:math:`P(s) = L L^T`, ``(B, d, d)``."""
        L = self.heads(obs)[2]
        return L @ L.transpose(1, 2)

    def forward(self, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        """:math:`Q(s, a) = V(s) - \\frac12 \\lVert L(s)^T (a - \\mu(s)) \\rVert^2`, ``(B, 1)``."""
        v, mu, L = self.heads(obs)
        u = torch.einsum("bji,bj->bi", L, action - mu)  # L^T (a - mu)
        return v - 0.5 * (u * u).sum(1, keepdim=True)


@register("naf", config=NAFConfig, learning="environment",
          rule="Q-learning with a quadratic advantage (greedy action in closed form), replay "
               "and a Polyak target",
          peer="Stable-Baselines3 DDPG (no maintained NAF); nnzoo's DDPG",
          reference="https://github.com/keras-rl/keras-rl")
class NAF(ContinuousAgent[NAFConfig]):
    """NAF on a box of continuous actions (see the module docstring)."""

    def __init__(self, config: NAFConfig) -> None:
        super().__init__(config)
        self.q = NAFNet(self.obs_dim, self.action_dim, tuple(config.net_arch), config.diagonal)
        self.q_target = frozen_copy(self.q)
        self.optimizers = {"q": torch.optim.Adam(self.q.parameters(), lr=config.lr)}
        self._setup()

    def policy(self, obs: torch.Tensor) -> torch.Tensor:
        return self.q.mu(self.q.trunk(obs))

    def state_value(self, obs: torch.Tensor) -> torch.Tensor:
        return self.q.value(obs)[:, 0]

    @torch.no_grad()
    def td_target(self, reward: torch.Tensor, next_obs: torch.Tensor,
                  terminated: torch.Tensor) -> torch.Tensor:
        """:math:`y = r + \\gamma (1 - t) V'(s')` for rewards and flags ``(B, 1)``."""
        return reward + self.config.gamma * (1.0 - terminated) * self.q_target.value(next_obs)

    def update(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        y = self.td_target(batch["reward"], batch["next_obs"], batch["terminated"])
        loss = F.mse_loss(self.q(batch["obs"], batch["action"]), y)
        opt = self.optimizers["q"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        polyak_update(self.q, self.q_target, self.config.tau)
        return {"q_loss": loss.detach()}
