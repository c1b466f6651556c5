"""What DDPG and NAF share: off-policy learning of a deterministic policy for a box of
continuous actions, with the schedule and action handling of Stable-Baselines3's
off-policy algorithms, so that the RL Zoo's hyperparameters mean the same on both sides.

Action scaling. The policy acts in :math:`[-1, 1]^d` (its last layer is a tanh); the
environment's box :math:`[l, h]` is reached by the affine map
:math:`a_{env} = l + (a + 1)(h - l) / 2`. The replay buffer stores the scaled action
:math:`a \\in [-1, 1]^d`, the networks never see the environment's units, and exploration
noise is added in the scaled space and clipped back into it:
:math:`a = \\mathrm{clip}(\\mu(s) + \\epsilon, -1, 1)`.

Schedule (``learning_starts``, ``train_freq``, ``gradient_steps``), as SB3's
``OffPolicyAlgorithm.learn``:

- before ``learning_starts`` environment steps, exploratory actions are uniform over the box
  (noise is still added, as SB3 does);
- experience is collected in rollouts of ``train_freq`` steps (vector steps of all
  environments) or ``train_freq`` finished episodes (``train_freq_unit="episode"``, counted
  over all environments); after each rollout, once more than ``learning_starts`` steps
  were taken, the agent makes ``gradient_steps`` updates, or as many as the rollout had
  environment steps when ``gradient_steps = -1``;
- each update samples ``batch_size`` transitions uniformly from the replay buffer.

Bootstrapping: a transition stores ``terminated`` only, so a time-limit cut (``truncated``,
Pendulum's 200 steps) bootstraps from the next state, as SB3's buffer does with
``handle_timeout_termination``.

Target networks track the online ones by Polyak averaging,
:math:`\\theta' \\leftarrow (1 - \\tau) \\theta' + \\tau \\theta` (:func:`polyak_update`).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np
import torch
from torch import nn

from nnzoo.core.config import require
from nnzoo.core.io import load_optimizer_state, optimizer_state, prefixed, unprefixed
from nnzoo.core.replay import ReplayBuffer
from nnzoo.models.rl.agent import Agent, Step, as_batch, check_discount, check_off_policy
from nnzoo.models.rl.noise import ActionNoise, make_noise


@dataclass
class ContinuousConfig:
    """The hyperparameters DDPG and NAF share (SB3's names and defaults where it has them).

    :param sample_shape: the observation's shape (a vector); from the environment.
    :param action_shape: the action's shape; from the environment.
    :param action_low: the lower bound of each action component; from the environment.
    :param action_high: the upper bound of each action component; from the environment.
    :param net_arch: hidden layer widths of each network (ReLU between).
    :param lr: Adam's learning rate (every network).
    :param gamma: the discount, in [0, 1].
    :param tau: the Polyak coefficient of the target networks, in (0, 1] (1: copy).
    :param batch_size: transitions per update.
    :param buffer_size: the replay buffer's capacity (at least ``batch_size``).
    :param learning_starts: environment steps of uniform random actions before learning.
    :param train_freq: the length of a rollout between updates, in ``train_freq_unit``.
    :param train_freq_unit: ``"step"`` or ``"episode"``.
    :param gradient_steps: updates after each rollout; -1: as many as its environment steps.
    :param noise_type: ``"normal"`` (Gaussian), ``"ornstein-uhlenbeck"`` or ``"none"``.
    :param noise_std: the noise's sigma, in the [-1, 1] action space.
    :param noise_theta: the Ornstein-Uhlenbeck rate of mean reversion.
    :param noise_dt: the Ornstein-Uhlenbeck time step.
    """

    sample_shape: tuple[int, ...] = (3,)
    action_shape: tuple[int, ...] = (1,)
    action_low: tuple[float, ...] = (-2.0,)
    action_high: tuple[float, ...] = (2.0,)
    net_arch: tuple[int, ...] = (400, 300)
    lr: float = 1e-3
    gamma: float = 0.99
    tau: float = 0.005
    batch_size: int = 256
    buffer_size: int = 1_000_000
    learning_starts: int = 100
    train_freq: int = 1
    train_freq_unit: Literal["step", "episode"] = "step"
    gradient_steps: int = 1
    noise_type: Literal["normal", "ornstein-uhlenbeck", "none"] = "normal"
    noise_std: float = 0.1
    noise_theta: float = 0.15
    noise_dt: float = 0.01

    def __post_init__(self) -> None:
        check_discount(self.gamma)
        require(0.0 < self.tau <= 1.0, f"tau (the Polyak coefficient) must be in (0, 1], "
                                       f"got {self.tau}")
        require(len(self.sample_shape) == 1 and self.sample_shape[0] >= 1,
                f"sample_shape must be one positive size (a vector observation), got "
                f"{self.sample_shape}")
        d = math.prod(self.action_shape)
        require(len(self.action_shape) >= 1 and d >= 1,
                f"action_shape must be a non-empty shape, got {self.action_shape}")
        require(len(self.action_low) == d and len(self.action_high) == d,
                f"action_low and action_high need {d} values each (action_shape "
                f"{self.action_shape}), got {len(self.action_low)} and {len(self.action_high)}")
        lo, hi = np.asarray(self.action_low, float), np.asarray(self.action_high, float)
        require(bool(np.isfinite(lo).all() and np.isfinite(hi).all()),
                "the action box must be bounded (finite action_low and action_high): the "
                "policy's tanh output is scaled onto it")
        require(bool((lo < hi).all()), "each action_low must be below its action_high")
        require(len(self.net_arch) >= 1 and all(w >= 1 for w in self.net_arch),
                f"net_arch must be one or more positive widths, got {self.net_arch}")
        check_off_policy(self)
        require(self.noise_std >= 0, f"noise_std must be >= 0, got {self.noise_std}")
        require(self.noise_theta > 0 and self.noise_dt > 0,
                f"noise_theta and noise_dt must be > 0, got {self.noise_theta} and "
                f"{self.noise_dt}")


def mlp(sizes: list[int], out_tanh: bool = False) -> nn.Sequential:
    """Linear layers of ``sizes`` with ReLU between (SB3's ``create_mlp``: PyTorch's default
    initialisation, no activation after the last layer, or a tanh when ``out_tanh``)."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    if out_tanh:
        layers.append(nn.Tanh())
    return nn.Sequential(*layers)


def frozen_copy(net: N) -> N:
    """A copy of ``net`` for a target network: same weights, no gradients."""
    target = copy.deepcopy(net)
    target.requires_grad_(False)
    return target


@torch.no_grad()
def polyak_update(online: nn.Module, target: nn.Module, tau: float) -> None:
    """:math:`\\theta' \\leftarrow (1 - \\tau)\\theta' + \\tau\\theta`, parameter by parameter
    (``tau = 1`` copies)."""
    src: list[torch.Tensor] = list(online.parameters())
    dst: list[torch.Tensor] = list(target.parameters())
    torch._foreach_mul_(dst, 1.0 - tau)
    torch._foreach_add_(dst, src, alpha=tau)


#: The config of a continuous agent (a :class:`ContinuousConfig` or a subclass).
CC = TypeVar("CC", bound=ContinuousConfig)
#: A network (for :func:`frozen_copy`'s return type).
N = TypeVar("N", bound=nn.Module)


class ContinuousAgent(Agent[CC]):
    """An off-policy agent with a deterministic policy on a box of actions.

    A subclass builds its networks and optimizers, then calls :meth:`_setup`; it implements
    :meth:`policy` (the greedy scaled action, a tensor in [-1, 1]) and :meth:`update` (one
    gradient step on a sampled batch), and lists its optimizers in :attr:`optimizers`.
    """

    action_kind = "continuous"

    def __init__(self, config: CC) -> None:
        super().__init__(config)
        cfg: Any = config
        self.obs_dim = int(cfg.sample_shape[0])
        self.action_dim = math.prod(cfg.action_shape)
        self.low = np.asarray(cfg.action_low, dtype=np.float32)
        self.high = np.asarray(cfg.action_high, dtype=np.float32)
        self.optimizers: dict[str, torch.optim.Optimizer] = {}

    def _setup(self) -> None:
        """The replay buffer, the noise process and the counters (after the networks)."""
        cfg: Any = self.config
        self.replay = ReplayBuffer(cfg.buffer_size, (self.obs_dim,), (self.action_dim,),
                                   action_dtype=np.float32, batch_size=cfg.batch_size)
        self.noise: ActionNoise | None = make_noise(cfg.noise_type, self.action_dim,
                                                    cfg.noise_std, cfg.noise_theta,
                                                    cfg.noise_dt)
        self.num_timesteps = 0      # environment steps, summed over environments
        self.n_updates = 0          # gradient steps made
        self._rollout_steps = 0     # vector steps in the current rollout
        self._rollout_episodes = 0  # episodes finished in the current rollout

    # -- the subclass's part -------------------------------------------------------------
    def policy(self, obs: torch.Tensor) -> torch.Tensor:
        """The greedy action of each observation, scaled to [-1, 1] (``(n, action_dim)``)."""
        raise NotImplementedError

    def state_value(self, obs: torch.Tensor) -> torch.Tensor:
        """The value of the greedy action, :math:`\\max_a Q(s, a)` as the agent estimates
        it, ``(n,)``."""
        raise NotImplementedError

    def update(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """One gradient step on a batch (``obs``, ``action`` scaled, ``reward``,
        ``next_obs``, ``terminated``; rewards and flags ``(B, 1)``); detached losses."""
        raise NotImplementedError

    # -- actions -------------------------------------------------------------------------
    def scale(self, action: np.ndarray) -> np.ndarray:
        """Environment units -> [-1, 1]."""
        return 2.0 * (action - self.low) / (self.high - self.low) - 1.0

    def unscale(self, scaled: np.ndarray) -> np.ndarray:
        """[-1, 1] -> environment units."""
        return self.low + 0.5 * (scaled + 1.0) * (self.high - self.low)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """The greedy actions in environment units (``(n, *action_shape)``)."""
        low, high = torch.as_tensor(self.low), torch.as_tensor(self.high)
        a = low + 0.5 * (self.policy(obs) + 1.0) * (high - low)
        return a.reshape(len(obs), *self.config.action_shape)

    def act(self, obs: np.ndarray, *, explore: bool) -> np.ndarray:
        """Greedy actions, or with ``explore`` uniform ones before ``learning_starts`` and
        noisy ones after; always inside the box."""
        x = as_batch(obs, self.sample_shape, f"{self.model_id} observations")
        n = len(x)
        if explore and self.num_timesteps < self.config.learning_starts:
            scaled = self.np_rng.uniform(-1.0, 1.0, (n, self.action_dim)).astype(np.float32)
        else:
            with torch.no_grad():
                scaled = self.policy(torch.as_tensor(x, dtype=torch.float32)).numpy()
        if explore and self.noise is not None:
            scaled = np.clip(scaled + self.noise(n, self.np_rng), -1.0, 1.0)
        action = np.clip(self.unscale(scaled), self.low, self.high).astype(np.float32)
        return action.reshape(n, *self.config.action_shape)

    # -- learning ------------------------------------------------------------------------
    def observe(self, step: Step) -> dict[str, float]:
        """Store the transitions; after each rollout (``train_freq``), learn."""
        cfg: Any = self.config
        n = len(step.reward)
        action = np.asarray(step.action, dtype=np.float32).reshape(n, self.action_dim)
        self.replay.add(step.obs, np.clip(self.scale(action), -1.0, 1.0), step.reward,
                        step.next_obs, step.terminated)
        self.num_timesteps += n
        self._rollout_steps += 1
        done = step.done
        if done.any():
            if self.noise is not None:
                self.noise.reset(done)
            self._rollout_episodes += int(done.sum())
        count = self._rollout_steps if cfg.train_freq_unit == "step" else self._rollout_episodes
        if count < cfg.train_freq:
            return {}
        env_steps = self._rollout_steps * n
        self._rollout_steps = self._rollout_episodes = 0
        if self.num_timesteps <= cfg.learning_starts:
            return {}
        steps = cfg.gradient_steps if cfg.gradient_steps >= 0 else env_steps
        return self.train_steps(steps) if steps > 0 else {}

    def sample_batch(self) -> dict[str, torch.Tensor]:
        """A uniform batch from the replay buffer as tensors (rewards and flags ``(B, 1)``)."""
        b = self.replay.sample(self.config.batch_size, self.np_rng)
        return {"obs": torch.from_numpy(b.obs), "action": torch.from_numpy(b.action),
                "reward": torch.from_numpy(b.reward).unsqueeze(1),
                "next_obs": torch.from_numpy(b.next_obs),
                "terminated": torch.from_numpy(b.terminated).unsqueeze(1)}

    def train_steps(self, steps: int) -> dict[str, float]:
        """``steps`` gradient steps; the mean of each loss over them."""
        sums: dict[str, torch.Tensor] = {}
        for _ in range(steps):
            for k, v in self.update(self.sample_batch()).items():
                sums[k] = sums[k] + v if k in sums else v
            self.n_updates += 1
        return {k: float(v) / steps for k, v in sums.items()}

    @torch.no_grad()
    def visualize(self, out_dir: Path) -> list[Path]:
        """``policy_value.png``: the greedy action and the value over the states in the
        replay buffer (up to the last 5,000), on their principal plane; none before any
        step was stored."""
        from nnzoo.models.rl._plots import policy_value_map

        n = len(self.replay)
        if n == 0:
            return []
        idx = (self.replay.pos - 1 - np.arange(min(n, 5_000))) % self.replay.capacity
        states = self.replay.obs[idx]
        obs = torch.as_tensor(states)
        action = self.forward(obs).reshape(len(obs), -1)[:, 0].numpy()
        value = self.state_value(obs).numpy()
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        return [policy_value_map(states, action, value, out / "policy_value.png",
                                 f"{self.model_id}: greedy action and value on visited states",
                                 "max_a Q(s, a)")]

    # -- checkpoints ---------------------------------------------------------------------
    def agent_state(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        tensors, state = super().agent_state()
        rt, counters = self.replay.state()
        tensors.update(rt)
        state.update(replay=counters, noise=self.noise.state() if self.noise else {},
                     num_timesteps=self.num_timesteps, n_updates=self.n_updates,
                     rollout=[self._rollout_steps, self._rollout_episodes], optimizers={})
        for name, opt in self.optimizers.items():
            ot, meta = optimizer_state(opt)
            tensors.update(prefixed(f"optim.{name}", ot))
            state["optimizers"][name] = meta
        return tensors, state

    def load_agent_state(self, tensors: dict[str, torch.Tensor], state: dict[str, Any]) -> None:
        super().load_agent_state(tensors, state)
        self.replay.load_state(tensors, state["replay"])
        if self.noise is not None:
            self.noise.load_state(state["noise"])
        self.num_timesteps, self.n_updates = int(state["num_timesteps"]), int(state["n_updates"])
        self._rollout_steps, self._rollout_episodes = (int(v) for v in state["rollout"])
        for name, opt in self.optimizers.items():
            load_optimizer_state(opt, unprefixed(f"optim.{name}", tensors),
                                 state["optimizers"][name])
