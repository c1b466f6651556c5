"""Deep Q-network: Q-learning with a neural network, experience replay and a target network.

Paper: V. Mnih, K. Kavukcuoglu, D. Silver et al., "Playing Atari with Deep Reinforcement
Learning", NIPS Deep Learning Workshop 2013 (https://arxiv.org/abs/1312.5602), the catalog's
entry; the target network and the clipped (Huber) error come from the journal version, Mnih et
al. 2015, "Human-level control through deep reinforcement learning", Nature 518
(https://doi.org/10.1038/nature14236).

Reference implementation: Stable-Baselines3's ``DQN`` (``stable_baselines3/dqn/dqn.py``),
whose hyperparameters mean the same here, so the RL Zoo's tuned values
(``hyperparams/dqn.yml``) transfer as they are:

- ``Q(s, .)``: an MLP (``net_arch`` hidden layers, ReLU) from the observation (one-hot for a
  discrete one) to one value per action; a target copy ``Q'`` of it.
- Acting: uniformly random actions for the first ``learning_starts`` steps, then
  epsilon-greedy with epsilon falling linearly from ``exploration_initial_eps`` to
  ``exploration_final_eps`` over the first ``exploration_fraction`` of the run's steps
  (SB3's ``LinearSchedule`` of the progress ``1 - t / T``; ``T`` is the run's step budget,
  which the loop gives through :meth:`DQN.set_budget`; without it, ``total_steps``).
- Every transition goes to the replay buffer; steps are counted over all environments, and
  one call of :meth:`DQN.observe` is one step of every environment (SB3's ``_n_calls``).
- Every ``train_freq`` calls, once more than ``learning_starts`` steps were taken,
  ``gradient_steps`` gradient steps (``-1``: as many as environment steps since the last
  training) on batches of ``batch_size`` drawn from the buffer.
- Every ``max(target_update_interval // n_envs, 1)`` calls the target moves towards the
  online net, ``theta' <- tau theta + (1 - tau) theta'`` (``tau = 1``: a hard copy).

One gradient step on a batch ``(s, a, r, s', d)`` (``d`` = 1 where ``s'`` is terminal; an
episode cut by a time limit is not terminal and bootstraps from ``s'``) minimises the Huber
loss (smooth L1, threshold 1) of the TD error::

    y      = r + gamma (1 - d) max_a' Q'(s', a')              (DQN)
    loss   = mean_i w_i huber(Q(s_i, a_i) - y_i)              (w_i = 1 without priorities)

with Adam, the gradient's global norm clipped to ``max_grad_norm``. Double DQN
(:mod:`nnzoo.models.rl.double_dqn`) changes only ``y`` (:meth:`DQN.td_target`); the dueling
head (:mod:`nnzoo.models.rl.dueling_dqn`) only ``Q``. With ``prioritized=true`` the batch is
drawn by :class:`~nnzoo.core.replay.PrioritizedReplayBuffer` (Schaul et al. 2016), ``w_i``
are its importance weights (``beta`` annealed linearly from ``per_beta`` to 1 over the run)
and each sampled transition's priority becomes ``|Q(s_i, a_i) - y_i| + per_eps``.

Differences from SB3 that do not change what a hyperparameter means: with several
environments each draws its own epsilon coin (SB3 draws one for all); epsilon is the
schedule's value at the current step from the first step on (SB3 starts at 0 until its first
update, which matters only when ``learning_starts`` is 0, for one step).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from nnzoo.core.config import require
from nnzoo.core.errors import ConfigError
from nnzoo.core.io import load_optimizer_state, optimizer_state, prefixed, unprefixed
from nnzoo.core.replay import PrioritizedReplayBuffer, ReplayBuffer
from nnzoo.models.registry import register
from nnzoo.models.rl.agent import Agent, Step, as_batch, check_discount, check_off_policy


@dataclass
class DQNConfig:
    """Hyperparameters of :class:`DQN` (names and defaults as Stable-Baselines3's ``DQN``).

    :param sample_shape: the observation's shape (``(1,)``: one discrete state index).
    :param n_states: the number of discrete observations (0: vector observations).
    :param n_actions: the number of actions.
    :param net_arch: the hidden layers' widths (ReLU).
    :param lr: Adam's learning rate.
    :param buffer_size: transitions the replay buffer keeps.
    :param learning_starts: environment steps of uniformly random actions, before learning.
    :param batch_size: transitions per gradient step.
    :param tau: the target's soft-update coefficient (1: hard copy).
    :param gamma: the discount, in [0, 1].
    :param train_freq: training happens every ``train_freq`` calls of ``observe``.
    :param gradient_steps: gradient steps each time (-1: as many as environment steps since
        the last training).
    :param target_update_interval: environment steps between target updates.
    :param exploration_fraction: the fraction of the run over which epsilon falls.
    :param exploration_initial_eps: epsilon at the start.
    :param exploration_final_eps: epsilon after the fall.
    :param max_grad_norm: the gradient's global norm is clipped to this.
    :param total_steps: the step budget the exploration (and ``per_beta``) schedules span,
        when the loop does not give the run's (:meth:`DQN.set_budget`, which wins); the
        recipes set it to their ``steps``.
    :param prioritized: proportional prioritised replay instead of uniform replay.
    :param per_alpha: prioritisation exponent alpha.
    :param per_beta: the importance-sampling exponent at the start (annealed to 1).
    :param per_eps: added to ``|TD error|`` in the priorities.
    """

    sample_shape: tuple[int, ...] = (4,)
    n_states: int = 0
    n_actions: int = 2
    net_arch: tuple[int, ...] = (64, 64)
    lr: float = 1e-4
    buffer_size: int = 1_000_000
    learning_starts: int = 100
    batch_size: int = 32
    tau: float = 1.0
    gamma: float = 0.99
    train_freq: int = 4
    gradient_steps: int = 1
    target_update_interval: int = 10_000
    exploration_fraction: float = 0.1
    exploration_initial_eps: float = 1.0
    exploration_final_eps: float = 0.05
    max_grad_norm: float = 10.0
    total_steps: int = 0
    prioritized: bool = False
    per_alpha: float = 0.6
    per_beta: float = 0.4
    per_eps: float = 1e-6

    def __post_init__(self) -> None:
        check_discount(self.gamma)
        require(self.n_actions >= 1, f"n_actions must be >= 1, got {self.n_actions}")
        require(all(w >= 1 for w in self.net_arch),
                f"net_arch widths must be >= 1, got {self.net_arch}")
        check_off_policy(self)
        require(0 < self.tau <= 1, f"tau must be in (0, 1], got {self.tau}")
        require(self.target_update_interval >= 1,
                f"target_update_interval must be >= 1, got {self.target_update_interval}")
        require(0 < self.exploration_fraction <= 1,
                f"exploration_fraction must be in (0, 1], got {self.exploration_fraction}")
        for name in ("exploration_initial_eps", "exploration_final_eps"):
            v = getattr(self, name)
            require(0 <= v <= 1, f"{name} must be in [0, 1], got {v}")
        require(self.max_grad_norm > 0, f"max_grad_norm must be > 0, got {self.max_grad_norm}")
        require(self.total_steps >= 0, f"total_steps must be >= 0, got {self.total_steps}")
        require(self.per_alpha >= 0, f"per_alpha must be >= 0, got {self.per_alpha}")
        require(0 <= self.per_beta <= 1, f"per_beta must be in [0, 1], got {self.per_beta}")
        require(self.per_eps > 0, f"per_eps must be > 0, got {self.per_eps}")


def linear_schedule(start: float, end: float, end_fraction: float,
                    progress_remaining: float) -> float:
    """Stable-Baselines3's ``LinearSchedule``: ``start`` at progress remaining 1, ``end``
    once ``1 - progress_remaining`` exceeds ``end_fraction``, linear in between."""
    done = 1.0 - progress_remaining
    if done > end_fraction:
        return end
    return start + done * (end - start) / end_fraction


def mlp(n_in: int, widths: tuple[int, ...]) -> tuple[nn.Sequential, int]:
    """A ReLU MLP trunk of ``widths`` and the width of its output."""
    layers: list[nn.Module] = []
    for w in widths:
        layers += [nn.Linear(n_in, w), nn.ReLU()]
        n_in = w
    return nn.Sequential(*layers), n_in


class QNetwork(nn.Module):
    """``Q(s, .)``: an MLP trunk then one linear output per action (SB3's ``QNetwork``).

    :param n_in: the input width (observation size, or the number of discrete states).
    :param n_actions: the number of actions.
    :param net_arch: the hidden widths.
    """

    def __init__(self, n_in: int, n_actions: int, net_arch: tuple[int, ...]) -> None:
        super().__init__()
        self.trunk, width = mlp(n_in, net_arch)
        self.head = nn.Linear(width, n_actions)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(x))


AC = TypeVar("AC", bound=DQNConfig)


@register("dqn", config=DQNConfig, learning="environment",
          rule="Q-learning on replayed transitions: Huber TD error against a target network, "
               "Adam, epsilon-greedy exploration",
          peer="Stable-Baselines3 DQN (the RL Zoo's hyperparameters)",
          reference="https://github.com/DLR-RM/stable-baselines3/blob/master/"
                    "stable_baselines3/dqn/dqn.py")
class DQN(Agent[AC], Generic[AC]):
    """Deep Q-network agent for discrete actions (see the module docstring for the update).

    ``forward(obs)`` returns the online Q-values ``(n, n_actions)``; ``act`` is
    epsilon-greedy in them (greedy when ``explore=False``).
    """

    action_kind: ClassVar[str] = "discrete"
    #: Whether the target picks the next action with the online net (Double DQN); a config
    #: field ``double`` (the dueling agent's) turns it on too.
    double_target: ClassVar[bool] = False

    def __init__(self, config: AC) -> None:
        super().__init__(config)
        c = config
        self.n_in = c.n_states if c.n_states > 0 else int(np.prod(c.sample_shape))
        self.double_q = self.double_target or bool(getattr(c, "double", False))
        self.q_net = self.build_q_net()
        self.q_net_target = self.build_q_net()
        self.q_net_target.load_state_dict(self.q_net.state_dict())
        self.q_net_target.requires_grad_(False)
        self.optimizer = torch.optim.Adam(self.q_net.parameters(), lr=c.lr, foreach=True)
        buffer_kw: dict[str, Any] = {
            "obs_dtype": np.int64 if c.n_states > 0 else np.float32,
            "action_dtype": np.int64, "batch_size": c.batch_size}
        self.replay: ReplayBuffer
        if c.prioritized:
            self.replay = PrioritizedReplayBuffer(c.buffer_size, tuple(c.sample_shape), (),
                                                  alpha=c.per_alpha, eps=c.per_eps, **buffer_kw)
        else:
            self.replay = ReplayBuffer(c.buffer_size, tuple(c.sample_shape), (), **buffer_kw)
        self.budget = c.total_steps   # T of the schedules (0 until the loop gives it)
        self.num_timesteps = 0        # environment steps, over all environments
        self.n_calls = 0              # calls of observe (one step of every environment)
        self.n_updates = 0            # gradient steps
        self.steps_since_train = 0

    # -- networks ------------------------------------------------------------------------------

    def build_q_net(self) -> nn.Module:
        """A fresh Q-network (subclasses change the head)."""
        return QNetwork(self.n_in, self.config.n_actions, tuple(self.config.net_arch))

    @property
    def integer_input(self) -> bool:
        return self.config.n_states > 0

    def features(self, obs: torch.Tensor) -> torch.Tensor:
        """The network's input: float observations, or one-hot discrete states."""
        if self.config.n_states > 0:
            return F.one_hot(obs.reshape(-1).long(), self.config.n_states).float()
        return obs.reshape(len(obs), -1).float()

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """Online Q-values ``(n, n_actions)`` of a batch of observations."""
        self.check(obs)
        return self.q_net(self.features(obs))

    # -- schedules -----------------------------------------------------------------------------

    def set_budget(self, total_steps: int) -> None:
        """Tell the agent the run's step budget ``T``, which ``exploration_fraction`` and the
        ``per_beta`` annealing are fractions of (it replaces ``total_steps``)."""
        if total_steps < 1:
            raise ConfigError(f"the step budget must be >= 1, got {total_steps}")
        self.budget = int(total_steps)

    def _progress_done(self) -> float:
        if self.budget <= 0:
            raise ConfigError(f"{self.model_id}: the exploration schedule needs the run's step "
                              "budget; set total_steps, or call set_budget(steps) before "
                              "training")
        return min(self.num_timesteps / self.budget, 1.0)

    @property
    def exploration_rate(self) -> float:
        """Epsilon at the current step (SB3's linear schedule of the progress)."""
        c = self.config
        return linear_schedule(c.exploration_initial_eps, c.exploration_final_eps,
                               c.exploration_fraction, 1.0 - self._progress_done())

    @property
    def per_beta_now(self) -> float:
        """The importance-sampling exponent at the current step (``per_beta`` -> 1)."""
        b0 = self.config.per_beta
        return b0 + (1.0 - b0) * self._progress_done()

    # -- acting --------------------------------------------------------------------------------

    @torch.no_grad()
    def greedy(self, obs: np.ndarray) -> np.ndarray:
        """``argmax_a Q(s, a)`` for each observation (int64)."""
        x = torch.from_numpy(np.ascontiguousarray(obs, dtype=self.replay.obs.dtype))
        return self.q_net(self.features(x)).argmax(1).numpy().astype(np.int64)

    def act(self, obs: np.ndarray, *, explore: bool) -> np.ndarray:
        """Epsilon-greedy actions (uniformly random before ``learning_starts``) when
        ``explore``; greedy ones otherwise."""
        obs = as_batch(obs, self.sample_shape, f"{self.model_id}.act")
        n, k = len(obs), self.config.n_actions
        if not explore:
            return self.greedy(obs)
        if self.num_timesteps < self.config.learning_starts:
            return self.np_rng.integers(0, k, size=n)
        coin = self.np_rng.random(n) < self.exploration_rate
        if coin.all():
            return self.np_rng.integers(0, k, size=n)
        actions = self.greedy(obs)
        if coin.any():
            actions[coin] = self.np_rng.integers(0, k, size=int(coin.sum()))
        return actions

    # -- learning ------------------------------------------------------------------------------

    def observe(self, step: Step) -> dict[str, float]:
        """Store the step's transitions, update the target on schedule, and train every
        ``train_freq`` calls once past ``learning_starts`` (SB3's order: the target update
        of a step comes before that step's training)."""
        c = self.config
        n = len(step.reward)
        self.replay.add(step.obs, step.action, step.reward, step.next_obs, step.terminated)
        self.num_timesteps += n
        self.n_calls += 1
        self.steps_since_train += n
        if self.n_calls % max(c.target_update_interval // n, 1) == 0:
            self.update_target()
        if self.n_calls % c.train_freq:
            return {}
        # the end of SB3's rollout of train_freq calls: train once past learning_starts
        rollout, self.steps_since_train = self.steps_since_train, 0
        if self.num_timesteps <= c.learning_starts:
            return {}
        steps = c.gradient_steps if c.gradient_steps >= 0 else rollout
        return self.train_steps(steps) if steps > 0 else {}

    @torch.no_grad()
    def update_target(self) -> None:
        """``theta' <- tau theta + (1 - tau) theta'`` (a copy when ``tau = 1``)."""
        online: list[torch.Tensor] = list(self.q_net.parameters())
        target: list[torch.Tensor] = list(self.q_net_target.parameters())
        if self.config.tau >= 1.0:
            torch._foreach_copy_(target, online)
        else:
            torch._foreach_lerp_(target, online, self.config.tau)

    @torch.no_grad()
    def td_target(self, reward: torch.Tensor, next_obs: torch.Tensor,
                  terminated: torch.Tensor) -> torch.Tensor:
        """``y = r + gamma (1 - d) max_a' Q'(s', a')`` (Double DQN: ``Q'(s', argmax_a'
        Q(s', a'))``), for float tensors ``reward``, ``terminated`` ``(B,)``."""
        x = self.features(next_obs)
        next_q = self.q_net_target(x)
        if self.double_q:
            best = self.q_net(x).argmax(1, keepdim=True)
            next_v = next_q.gather(1, best).squeeze(1)
        else:
            next_v = next_q.max(1).values
        return reward + self.config.gamma * (1.0 - terminated) * next_v

    def train_steps(self, n_steps: int) -> dict[str, float]:
        """``n_steps`` gradient steps on replayed batches; their mean loss (and mean Q)."""
        c = self.config
        buf = self.replay
        prioritized = isinstance(buf, PrioritizedReplayBuffer)
        params = list(self.q_net.parameters())
        losses, qs = [], []
        for _ in range(n_steps):
            idx = buf.indices(c.batch_size, self.np_rng)
            obs = torch.from_numpy(buf.obs[idx])
            action = torch.from_numpy(buf.action[idx]).unsqueeze(1)
            y = self.td_target(torch.from_numpy(buf.reward[idx]),
                               torch.from_numpy(buf.next_obs[idx]),
                               torch.from_numpy(buf.terminated[idx]))
            q = self.q_net(self.features(obs)).gather(1, action).squeeze(1)
            if prioritized:
                assert isinstance(buf, PrioritizedReplayBuffer)
                w = torch.from_numpy(buf.weights(idx, self.per_beta_now))
                loss = (w * F.smooth_l1_loss(q, y, reduction="none")).mean()
                buf.update_priorities(idx, (q.detach() - y).numpy())
            else:
                loss = F.smooth_l1_loss(q, y)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(params, c.max_grad_norm)
            self.optimizer.step()
            losses.append(loss.detach())
            qs.append(q.detach().mean())
        self.n_updates += n_steps
        return {"loss": float(torch.stack(losses).mean()), "q": float(torch.stack(qs).mean()),
                "epsilon": self.exploration_rate, "updates": float(self.n_updates)}

    # -- checkpoints ---------------------------------------------------------------------------

    def agent_state(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        """The generators, Adam's state, the replay buffer and the counters."""
        tensors, state = super().agent_state()
        opt_t, opt_meta = optimizer_state(self.optimizer)
        buf_t, buf_meta = self.replay.state("replay")
        tensors.update(prefixed("optim", opt_t))
        tensors.update(buf_t)
        state.update(optim=opt_meta, replay=buf_meta, budget=self.budget,
                     num_timesteps=self.num_timesteps, n_calls=self.n_calls,
                     n_updates=self.n_updates, steps_since_train=self.steps_since_train)
        return tensors, state

    def load_agent_state(self, tensors: dict[str, torch.Tensor], state: dict[str, Any]) -> None:
        super().load_agent_state(tensors, state)
        load_optimizer_state(self.optimizer, unprefixed("optim", tensors), state["optim"])
        self.replay.load_state(tensors, state["replay"], "replay")
        self.budget = int(state["budget"])
        self.num_timesteps = int(state["num_timesteps"])
        self.n_calls = int(state["n_calls"])
        self.n_updates = int(state["n_updates"])
        self.steps_since_train = int(state["steps_since_train"])

    def visualize(self, out_dir: Path) -> list[Path]:
        """No picture of its own: the loop draws the return curve."""
        return []
