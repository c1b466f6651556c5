"""Deep SARSA: Zhao, Wang, Shao et al. (2016), "Deep reinforcement learning with experience
replay based on SARSA"; without replay it is keras-rl's ``SARSAAgent``.

On-policy temporal-difference learning with a Q-network. Where DQN's target bootstraps from the
best next action, SARSA's bootstraps from the action the epsilon-greedy policy actually takes
next, :math:`a_{t+1}`:

.. math::

    y_t = r_t + \\gamma \\, (1 - \\mathrm{terminal}_{t+1}) \\, Q_{\\bar w}(s_{t+1}, a_{t+1}),
    \\qquad \\mathcal L = \\mathrm{Huber}(Q_w(s_t, a_t) - y_t),

so it learns the value of the exploring policy it follows. A transition is complete once
:math:`a_{t+1}` is known: at the next step of its environment (that step's action); at once
when the episode terminated (no bootstrap); and when a time limit cut the episode, the policy
is asked for :math:`a_{t+1}` at the final observation (the loop resets that environment, so
no action is taken there).

Two modes (``buffer_size``):

- ``0`` (keras-rl's ``SARSAAgent``): no replay; one gradient step per environment step on the
  transitions completed there (one per environment), each used once.
- ``> 0`` (Zhao et al.): the completed quintuples :math:`(s, a, r, s', a')` go into a replay
  buffer; every ``train_freq`` steps after ``learning_starts``, ``gradient_steps`` steps on
  batches of ``batch_size`` drawn uniformly. Replayed actions :math:`a'` are those of the
  policy at the time, so the target drifts off-policy as the buffer ages; Zhao et al.
  accept this for the stability replay brings.

``target_update_interval > 0`` keeps a target network :math:`\\bar w` copied every that many
steps; 0 bootstraps from the online network (keras-rl). Epsilon falls linearly from
``exploration_initial_eps`` to ``exploration_final_eps`` over ``exploration_steps`` steps.
The Q-network is nnzoo DQN's (:class:`~nnzoo.models.rl.dqn.QNetwork`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from nnzoo.core.config import require
from nnzoo.core.replay import ReplayBuffer
from nnzoo.models.registry import register
from nnzoo.models.rl._policy import (
    check_common,
    features,
    input_size,
    load_optimizer_state,
    optimizer_state,
)
from nnzoo.models.rl.agent import Agent, Step, check_discount
from nnzoo.models.rl.dqn import QNetwork


@dataclass
class DeepSARSAConfig:
    """Hyperparameters of deep SARSA.

    :param sample_shape: the shape of one observation (``(1,)``: a discrete state index).
    :param n_states: the number of discrete states (0: vector observations).
    :param n_actions: the number of discrete actions.
    :param gamma: the discount, in [0, 1].
    :param lr: Adam's learning rate.
    :param net_arch: the hidden layer sizes of the Q-network (ReLU).
    :param buffer_size: replay capacity (0: no replay, one update per step).
    :param batch_size: transitions per replayed batch.
    :param learning_starts: steps before the first update.
    :param train_freq: steps between updates (replay).
    :param gradient_steps: gradient steps per update (replay).
    :param target_update_interval: steps between target-network copies (0: none).
    :param exploration_initial_eps: epsilon at the first step.
    :param exploration_final_eps: epsilon after ``exploration_steps`` steps.
    :param exploration_steps: steps over which epsilon falls linearly.
    :param max_grad_norm: the gradient's norm is clipped to this (0: no clipping).
    """

    sample_shape: tuple[int, ...] = (4,)
    n_states: int = 0
    n_actions: int = 2
    gamma: float = 0.99
    lr: float = 1e-3
    net_arch: tuple[int, ...] = (64, 64)
    buffer_size: int = 0
    batch_size: int = 32
    learning_starts: int = 0
    train_freq: int = 1
    gradient_steps: int = 1
    target_update_interval: int = 0
    exploration_initial_eps: float = 1.0
    exploration_final_eps: float = 0.05
    exploration_steps: int = 10_000
    max_grad_norm: float = 10.0

    def __post_init__(self) -> None:
        check_common(self)
        check_discount(self.gamma)
        require(self.lr > 0, f"lr must be > 0, got {self.lr}")
        require(self.buffer_size >= 0, f"buffer_size must be >= 0, got {self.buffer_size}")
        require(self.batch_size >= 1, f"batch_size must be >= 1, got {self.batch_size}")
        require(self.learning_starts >= 0,
                f"learning_starts must be >= 0, got {self.learning_starts}")
        require(self.train_freq >= 1, f"train_freq must be >= 1, got {self.train_freq}")
        require(self.gradient_steps >= 1,
                f"gradient_steps must be >= 1, got {self.gradient_steps}")
        require(self.target_update_interval >= 0,
                f"target_update_interval must be >= 0, got {self.target_update_interval}")
        for name in ("exploration_initial_eps", "exploration_final_eps"):
            v = getattr(self, name)
            require(0.0 <= v <= 1.0, f"{name} must be in [0, 1], got {v}")
        require(self.exploration_steps >= 0,
                f"exploration_steps must be >= 0, got {self.exploration_steps}")
        require(self.max_grad_norm >= 0, f"max_grad_norm must be >= 0, got "
                                         f"{self.max_grad_norm}")


def sarsa_targets(q_next: torch.Tensor, reward: torch.Tensor, next_action: torch.Tensor,
                  terminated: torch.Tensor, gamma: float) -> torch.Tensor:
    """:math:`y = r + \\gamma (1 - \\mathrm{terminated}) Q(s', a')`.

    :param q_next: ``(n, n_actions)`` Q-values at the next observations.
    :param reward: ``(n,)``.
    :param next_action: ``(n,)`` the action taken (or to be taken) at the next observation.
    :param terminated: ``(n,)`` 1 where the next observation is terminal.
    """
    q_sa_next = q_next.gather(1, next_action.long().view(-1, 1)).squeeze(1)  # Q(s', a')
    return reward + gamma * (1.0 - terminated.float()) * q_sa_next


@register("deep-sarsa", config=DeepSARSAConfig, learning="environment",
          rule="on-policy TD (SARSA target) with a Q-network, epsilon-greedy; optional replay "
               "and target network",
          peer="nnzoo DQN (Stable-Baselines3 has no SARSA)",
          reference="https://github.com/keras-rl/keras-rl/blob/master/rl/agents/sarsa.py")
class DeepSARSA(Agent[DeepSARSAConfig]):
    """Deep SARSA (Zhao et al. 2016) for discrete actions.

    :param config: :class:`DeepSARSAConfig`.
    """

    action_kind = "discrete"

    def __init__(self, config: DeepSARSAConfig) -> None:
        super().__init__(config)
        c = config
        n_in = input_size(c.sample_shape, c.n_states)
        self.q_net = QNetwork(n_in, c.n_actions, c.net_arch)
        self.q_target = QNetwork(n_in, c.n_actions, c.net_arch) if c.target_update_interval \
            else None
        if self.q_target is not None:
            self.q_target.load_state_dict(self.q_net.state_dict())
            self.q_target.requires_grad_(False)
        self.optimizer = torch.optim.Adam(self.q_net.parameters(), lr=c.lr)
        obs_dtype = np.int64 if c.n_states > 0 else np.float32
        self.replay = (ReplayBuffer(c.buffer_size, tuple(c.sample_shape), (),
                                    obs_dtype=obs_dtype, batch_size=c.batch_size)
                       if c.buffer_size > 0 else None)
        self.next_actions = np.zeros(c.buffer_size, dtype=np.int64)  # a' of each slot
        # the transition of each environment that waits for its next action
        self.pending: dict[str, np.ndarray] = {}
        self.num_timesteps = 0
        self.updates = 0

    @property
    def integer_input(self) -> bool:
        return self.config.n_states > 0

    def _x(self, obs: np.ndarray | torch.Tensor) -> torch.Tensor:
        return features(obs, self.sample_shape, self.config.n_states,
                        "deep-sarsa observations")

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """Online Q-values ``(n, n_actions)``."""
        return self.q_net(self._x(obs))

    @property
    def exploration_rate(self) -> float:
        """Epsilon now: linear from the initial to the final value over the first
        ``exploration_steps`` steps."""
        c = self.config
        if c.exploration_steps == 0:
            return c.exploration_final_eps
        frac = min(self.num_timesteps / c.exploration_steps, 1.0)
        return c.exploration_initial_eps + frac * (c.exploration_final_eps
                                                   - c.exploration_initial_eps)

    @torch.no_grad()
    def act(self, obs: np.ndarray, *, explore: bool) -> np.ndarray:
        greedy = self.q_net(self._x(obs)).argmax(1).numpy().astype(np.int64)
        if not explore:
            return greedy
        coin = self.np_rng.random(len(greedy)) < self.exploration_rate
        random = self.np_rng.integers(0, self.config.n_actions, size=len(greedy))
        return np.where(coin, random, greedy)

    def observe(self, step: Step) -> dict[str, float]:
        n = len(step.reward)
        self.num_timesteps += n
        parts: list[tuple[np.ndarray, ...]] = []
        p = self.pending
        if p and p["valid"].any():  # a' of the waiting transitions: this step's action
            v = np.flatnonzero(p["valid"])
            parts.append((p["obs"][v], p["action"][v], p["reward"][v], p["next_obs"][v],
                          np.zeros(len(v), dtype=np.float32), step.action[v]))
        done = step.done
        if done.any():  # ended here: terminal (no a' needed) or cut (ask the policy for a')
            d = np.flatnonzero(done)
            next_a = np.zeros(len(d), dtype=np.int64)
            cut = np.flatnonzero(~step.terminated[d])
            if len(cut):
                next_a[cut] = self.act(step.next_obs[d][cut], explore=True)
            parts.append((step.obs[d], step.action[d], step.reward[d], step.next_obs[d],
                          step.terminated[d].astype(np.float32), next_a))
        self.pending = {"obs": np.array(step.obs, copy=True),
                        "action": np.array(step.action, dtype=np.int64),
                        "reward": np.array(step.reward, dtype=np.float32),
                        "next_obs": np.array(step.next_obs, copy=True), "valid": ~done}
        if not parts:
            return {}
        batch = tuple(np.concatenate([part[k] for part in parts]) for k in range(6))
        return self._learn(batch, n)

    def _learn(self, batch: tuple[np.ndarray, ...], n: int) -> dict[str, float]:
        """Store or use the completed transitions ``(s, a, r, s', terminated, a')``; update
        when the schedule says so; copy the target network when due."""
        c = self.config
        metrics: dict[str, float] = {}
        before = self.num_timesteps - n
        if self.replay is not None:
            idx = self.replay.add(*batch[:5])
            self.next_actions[idx] = batch[5]
            if (self.num_timesteps >= c.learning_starts
                    and self.num_timesteps // c.train_freq > before // c.train_freq):
                for _ in range(c.gradient_steps):
                    j = self.replay.indices(c.batch_size, self.np_rng)
                    t = self.replay.get(j)
                    metrics = self.update((t.obs, t.action, t.reward, t.next_obs,
                                           t.terminated, self.next_actions[j]))
        elif self.num_timesteps >= c.learning_starts:
            metrics = self.update(batch)
        k = c.target_update_interval
        if self.q_target is not None and self.num_timesteps // k > before // k:
            self.q_target.load_state_dict(self.q_net.state_dict())
        return metrics

    def update(self, batch: tuple[np.ndarray, ...]) -> dict[str, float]:
        """One gradient step on transitions ``(s, a, r, s', terminated, a')``."""
        obs, action, reward, next_obs, terminated, next_action = batch
        with torch.no_grad():
            net = self.q_target if self.q_target is not None else self.q_net
            y = sarsa_targets(net(self._x(next_obs)), torch.as_tensor(reward),
                              torch.as_tensor(next_action), torch.as_tensor(terminated),
                              self.config.gamma)
        q = self.q_net(self._x(obs)).gather(
            1, torch.as_tensor(action).long().view(-1, 1)).squeeze(1)  # Q(s, a)
        loss = F.smooth_l1_loss(q, y)  # Huber
        self.optimizer.zero_grad()
        loss.backward()
        if self.config.max_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_(self.q_net.parameters(), self.config.max_grad_norm)
        self.optimizer.step()
        self.updates += 1
        return {"loss": loss.item(), "q": float(q.detach().mean()),
                "epsilon": self.exploration_rate}

    def agent_state(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        tensors, state = super().agent_state()
        t, s = optimizer_state(self.optimizer, "opt")
        tensors.update(t)
        state.update(opt=s, num_timesteps=self.num_timesteps, updates=self.updates)
        if self.replay is not None:
            t, counters = self.replay.state("replay")
            tensors.update(t)
            tensors["replay.next_action"] = torch.from_numpy(
                self.next_actions[:len(self.replay)].copy())
            state["replay"] = counters
        for k, v in self.pending.items():
            tensors[f"pending.{k}"] = torch.from_numpy(np.ascontiguousarray(v))
        return tensors, state

    def load_agent_state(self, tensors: dict[str, torch.Tensor], state: dict[str, Any]) -> None:
        super().load_agent_state(tensors, state)
        load_optimizer_state(self.optimizer, tensors, state["opt"], "opt")
        self.num_timesteps, self.updates = int(state["num_timesteps"]), int(state["updates"])
        if self.replay is not None:
            self.replay.load_state(tensors, state["replay"], "replay")
            saved = tensors["replay.next_action"].numpy()
            self.next_actions[:len(saved)] = saved
        self.pending = {k.split(".", 1)[1]: v.numpy().copy() for k, v in tensors.items()
                        if k.startswith("pending.")}
