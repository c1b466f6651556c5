"""Pieces the policy agents share (deep SARSA, the cross-entropy method, REINFORCE): the
network input made of an observation, small dense networks, the episode bookkeeping of the
step-wise loop, and checks of their configs.

An observation is a vector (``CartPole-v1``: 4 numbers) or, in a discrete environment, one
state index, which the networks read one-hot (``FrozenLake-v1``: 16 inputs).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from nnzoo.core.config import require
from nnzoo.models.rl.agent import as_batch


def input_size(sample_shape: tuple[int, ...], n_states: int) -> int:
    """The number of network inputs: ``n_states`` (one-hot) for a discrete observation, the
    size of one observation otherwise."""
    return int(n_states) if n_states > 0 else int(np.prod(sample_shape))


def features(obs: np.ndarray | torch.Tensor, sample_shape: tuple[int, ...], n_states: int,
             what: str) -> torch.Tensor:
    """The network input of a batch of observations: ``(n, input_size)`` float32.

    :raises InputError: when ``obs`` is not a batch of observations of ``sample_shape``.
    """
    arr = as_batch(obs.numpy() if isinstance(obs, torch.Tensor) else obs, sample_shape, what)
    if n_states > 0:  # a state index -> its one-hot vector
        idx = torch.as_tensor(arr.reshape(-1), dtype=torch.long)
        return nn.functional.one_hot(idx, n_states).float()
    return torch.as_tensor(arr, dtype=torch.float32).reshape(len(arr), -1)


def dense(n_in: int, hidden: tuple[int, ...], n_out: int,
          activation: type[nn.Module] = nn.Tanh) -> nn.Sequential:
    """``n_in -> hidden... -> n_out`` dense layers, ``activation`` between them (none after the
    last); ``hidden=()`` is a linear map."""
    sizes = [n_in, *hidden, n_out]
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


#: The activations a config may name.
ACTIVATIONS: dict[str, type[nn.Module]] = {"tanh": nn.Tanh, "relu": nn.ReLU}


def check_common(cfg: Any) -> None:
    """Range checks every policy agent's config shares (``sample_shape``, ``n_states``,
    ``n_actions``, ``net_arch``).

    :raises ConfigError: naming the field and what it must be.
    """
    require(len(cfg.sample_shape) >= 1 and all(s >= 1 for s in cfg.sample_shape),
            f"sample_shape must be positive sizes, got {cfg.sample_shape}")
    require(cfg.n_states >= 0, f"n_states must be >= 0, got {cfg.n_states}")
    require(cfg.n_actions >= 2,
            f"n_actions must be >= 2 (a discrete action space), got {cfg.n_actions}")
    require(all(h >= 1 for h in cfg.net_arch),
            f"net_arch must be positive layer sizes, got {cfg.net_arch}")


class Episodes:
    """The running episode of each environment of the loop: its steps' observations, actions
    and rewards, kept until the episode ends (REINFORCE) or only its return and length.

    :param n_envs: environments the loop steps together (known at the first step).
    :param keep_steps: keep the observations, actions and rewards of each step.
    """

    def __init__(self, keep_steps: bool) -> None:
        self.keep_steps = keep_steps
        self.obs: list[list[np.ndarray]] = []
        self.actions: list[list[int]] = []
        self.rewards: list[list[float]] = []

    def ensure(self, n_envs: int) -> None:
        """Make room for ``n_envs`` environments (the first step decides)."""
        while len(self.rewards) < n_envs:
            self.obs.append([])
            self.actions.append([])
            self.rewards.append([])

    def add(self, i: int, obs: np.ndarray, action: int, reward: float) -> None:
        """Record one step of environment ``i``."""
        if self.keep_steps:
            self.obs[i].append(np.array(obs, copy=True))
            self.actions[i].append(int(action))
        self.rewards[i].append(float(reward))

    def pop(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The finished episode of environment ``i`` (observations, actions, rewards) and a
        fresh one in its place."""
        out = (np.asarray(self.obs[i]), np.asarray(self.actions[i], dtype=np.int64),
               np.asarray(self.rewards[i], dtype=np.float64))
        self.obs[i], self.actions[i], self.rewards[i] = [], [], []
        return out

    def state(self, prefix: str) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        """The running episodes as tensors (concatenated) and their lengths."""
        lengths = [len(r) for r in self.rewards]
        tensors = {f"{prefix}.rewards": torch.tensor([r for rs in self.rewards for r in rs],
                                                     dtype=torch.float64)}
        if self.keep_steps:
            tensors[f"{prefix}.actions"] = torch.tensor(
                [a for acts in self.actions for a in acts], dtype=torch.long)
            obs = [o for os_ in self.obs for o in os_]
            if obs:
                tensors[f"{prefix}.obs"] = torch.from_numpy(np.stack(obs))
        return tensors, {"lengths": lengths}

    def load_state(self, tensors: dict[str, torch.Tensor], state: dict[str, Any],
                   prefix: str) -> None:
        """Restore what :meth:`state` saved."""
        lengths = [int(n) for n in state["lengths"]]
        self.obs, self.actions, self.rewards = [], [], []
        self.ensure(len(lengths))
        ends = np.cumsum([0, *lengths])
        rewards = tensors[f"{prefix}.rewards"].numpy()
        for i, (a, b) in enumerate(zip(ends[:-1], ends[1:])):
            self.rewards[i] = [float(r) for r in rewards[a:b]]
            if self.keep_steps:
                self.actions[i] = [int(x) for x in tensors[f"{prefix}.actions"].numpy()[a:b]]
                if b > a:
                    self.obs[i] = list(tensors[f"{prefix}.obs"].numpy()[a:b])


def optimizer_state(opt: torch.optim.Optimizer, prefix: str
                    ) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """An optimizer's state as tensors (``<prefix>.<param>.<key>``) and its JSON-ready
    parameter groups, for :meth:`~nnzoo.models.rl.agent.Agent.agent_state`."""
    sd = opt.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for idx, entry in sd["state"].items():
        for key, val in entry.items():
            if isinstance(val, torch.Tensor):
                tensors[f"{prefix}.{idx}.{key}"] = val.detach().clone().contiguous()
            else:
                scalars.setdefault(str(idx), {})[key] = val
    groups = [{k: list(v) if isinstance(v, tuple) else v for k, v in g.items()}
              for g in sd["param_groups"]]
    return tensors, {"param_groups": groups, "scalars": scalars}


def load_optimizer_state(opt: torch.optim.Optimizer, tensors: dict[str, torch.Tensor],
                         state: dict[str, Any], prefix: str) -> None:
    """Restore what :func:`optimizer_state` saved into ``opt``."""
    entries: dict[int, dict[str, Any]] = {}
    for name, val in tensors.items():
        if name.startswith(prefix + "."):
            idx, key = name[len(prefix) + 1:].split(".", 1)
            entries.setdefault(int(idx), {})[key] = val
    for idx, vals in state.get("scalars", {}).items():
        entries.setdefault(int(idx), {}).update(vals)
    groups = [{k: tuple(v) if k == "betas" else v for k, v in g.items()}
              for g in state["param_groups"]]
    opt.load_state_dict({"state": entries, "param_groups": groups})
