"""DDPG: deep deterministic policy gradient, an off-policy actor-critic for continuous
actions.

Paper: T. P. Lillicrap, J. J. Hunt, A. Pritzel, N. Heess, T. Erez, Y. Tassa, D. Silver,
D. Wierstra, "Continuous control with deep reinforcement learning", arXiv 1509.02971, 2015
(ICLR 2016). It carries the deterministic policy gradient (Silver et al. 2014) to deep
networks with DQN's two stabilisers: a replay buffer and slowly tracking target networks.

The networks (Stable-Baselines3's ``TD3Policy`` with one critic, which its ``DDPG`` is):

- the actor :math:`\\mu_\\phi(s) \\in [-1, 1]^d`: an MLP of ``net_arch`` with ReLU, a tanh
  output; the environment's box is reached by an affine map
  (:mod:`nnzoo.models.rl.continuous`);
- the critic :math:`Q_\\theta(s, a)`: an MLP of ``net_arch`` on the concatenation
  :math:`[s, a]` (``a`` scaled), one linear output;
- target copies :math:`\\mu_{\\phi'}`, :math:`Q_{\\theta'}`.

One update on a batch :math:`(s, a, r, s', t)` drawn uniformly from the replay buffer
(:meth:`DDPG.update`, in SB3's order):

1. the critic's target, with no bootstrapping from a terminal state (a time-limit cut is not
   one): :math:`y = r + \\gamma (1 - t)\\, Q_{\\theta'}(s', \\mu_{\\phi'}(s'))`
   (:meth:`DDPG.td_target`);
2. the critic's step on :math:`\\frac{1}{B} \\sum (Q_\\theta(s, a) - y)^2`;
3. the actor's step on :math:`-\\frac{1}{B} \\sum Q_\\theta(s, \\mu_\\phi(s))` through the
   just-updated critic (the deterministic policy gradient
   :math:`\\nabla_\\phi J = E[\\nabla_a Q(s, a)|_{a = \\mu(s)} \\nabla_\\phi \\mu(s)]`);
4. both targets move by Polyak averaging, :math:`\\theta' \\leftarrow (1 - \\tau)\\theta'
   + \\tau \\theta`.

Adam with ``lr`` for both networks. Exploration: Gaussian or Ornstein-Uhlenbeck noise on the
scaled action (:mod:`nnzoo.models.rl.noise`), uniform actions before ``learning_starts``.
SB3's DDPG is its TD3 with one critic, no target-policy smoothing (its target noise is
clipped to zero) and an actor update every step: the same computation as here.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from nnzoo.models.registry import register
from nnzoo.models.rl.continuous import (
    ContinuousAgent,
    ContinuousConfig,
    frozen_copy,
    mlp,
    polyak_update,
)


@dataclass
class DDPGConfig(ContinuousConfig):
    """DDPG's hyperparameters: those of :class:`~nnzoo.models.rl.continuous.ContinuousConfig`
    (SB3's DDPG defaults: ``net_arch`` (400, 300), Adam 1e-3, tau 0.005, gamma 0.99, batch 256,
    a buffer of 1e6, 100 random steps, one update per step)."""


class Critic(torch.nn.Module):
    """:math:`Q(s, a)`: an MLP on the concatenation of the observation and the action."""

    def __init__(self, obs_dim: int, action_dim: int, net_arch: tuple[int, ...]) -> None:
        super().__init__()
        self.q = mlp([obs_dim + action_dim, *net_arch, 1])

    def forward(self, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        return self.q(torch.cat([obs, action], dim=1))


@register("ddpg", config=DDPGConfig, learning="environment",
          rule="deterministic policy gradient through a Q-critic, replay and Polyak targets",
          peer="Stable-Baselines3 DDPG",
          reference="https://github.com/DLR-RM/stable-baselines3")
class DDPG(ContinuousAgent[DDPGConfig]):
    """DDPG on a box of continuous actions (see the module docstring for the update)."""

    def __init__(self, config: DDPGConfig) -> None:
        super().__init__(config)
        arch = tuple(config.net_arch)
        self.actor = mlp([self.obs_dim, *arch, self.action_dim], out_tanh=True)
        self.critic = Critic(self.obs_dim, self.action_dim, arch)
        self.actor_target = frozen_copy(self.actor)
        self.critic_target = frozen_copy(self.critic)
        self.optimizers = {
            "actor": torch.optim.Adam(self.actor.parameters(), lr=config.lr),
            "critic": torch.optim.Adam(self.critic.parameters(), lr=config.lr)}
        self._setup()

    def policy(self, obs: torch.Tensor) -> torch.Tensor:
        return self.actor(obs)

    def state_value(self, obs: torch.Tensor) -> torch.Tensor:
        return self.critic(obs, self.actor(obs))[:, 0]

    @torch.no_grad()
    def td_target(self, reward: torch.Tensor, next_obs: torch.Tensor,
                  terminated: torch.Tensor) -> torch.Tensor:
        """:math:`y = r + \\gamma (1 - t) Q'(s', \\mu'(s'))` for rewards and flags ``(B, 1)``."""
        next_q = self.critic_target(next_obs, self.actor_target(next_obs))
        return reward + self.config.gamma * (1.0 - terminated) * next_q

    def update(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        y = self.td_target(batch["reward"], batch["next_obs"], batch["terminated"])
        critic_loss = F.mse_loss(self.critic(batch["obs"], batch["action"]), y)
        opt_c, opt_a = self.optimizers["critic"], self.optimizers["actor"]
        opt_c.zero_grad(set_to_none=True)
        critic_loss.backward()
        opt_c.step()
        # The actor's step: the critic's weights need no gradient here (the same update as
        # back-propagating into them and discarding it, without the cost).
        self.critic.requires_grad_(False)
        actor_loss = -self.critic(batch["obs"], self.actor(batch["obs"])).mean()
        opt_a.zero_grad(set_to_none=True)
        actor_loss.backward()
        opt_a.step()
        self.critic.requires_grad_(True)
        polyak_update(self.critic, self.critic_target, self.config.tau)
        polyak_update(self.actor, self.actor_target, self.config.tau)
        return {"critic_loss": critic_loss.detach(), "actor_loss": actor_loss.detach()}
