"""Experience replay: a ring buffer of transitions, sampled uniformly (Lin 1992; Mnih et al.
2015's replay memory).

The buffer holds NumPy arrays (an environment step is a few numbers; the sampled batch becomes
tensors once, in the agent), draws from the generator it is given (the agent's own, so a
checkpoint that saves that generator and :meth:`ReplayBuffer.state` resumes the same draws),
and round-trips through a checkpoint as tensors plus two counters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from nnzoo.core.errors import ConfigError, InputError

#: The fields of a stored transition, in order.
FIELDS = ("obs", "action", "reward", "next_obs", "terminated")


@dataclass
class Transitions:
    """A batch of transitions as arrays (``(n, ...)`` each)."""

    obs: np.ndarray
    action: np.ndarray
    reward: np.ndarray
    next_obs: np.ndarray
    terminated: np.ndarray

    def tensors(self, device: torch.device | None = None) -> dict[str, torch.Tensor]:
        """The batch as tensors (float32 observations and rewards unless integer)."""
        return {f: torch.as_tensor(getattr(self, f), device=device) for f in FIELDS}


class ReplayBuffer:
    """A ring buffer of ``capacity`` transitions.

    :param capacity: transitions kept; the oldest is overwritten first.
    :param obs_shape: the shape of one observation (``(1,)`` for a discrete one).
    :param action_shape: ``()`` for a discrete action, the shape of a continuous one.
    :param obs_dtype: ``float32`` (vectors) or ``int64`` (discrete states).
    :param action_dtype: ``int64`` (discrete) or ``float32`` (continuous).
    :param batch_size: the size of the batches the agent will sample; a buffer that cannot
        ever hold one is refused.
    :raises ConfigError: when ``capacity`` < ``batch_size`` or either is < 1.
    """

    def __init__(self, capacity: int, obs_shape: tuple[int, ...],
                 action_shape: tuple[int, ...] = (), *, obs_dtype: Any = np.float32,
                 action_dtype: Any = np.int64, batch_size: int = 1) -> None:
        if batch_size < 1:
            raise ConfigError(f"batch_size must be >= 1, got {batch_size}")
        if capacity < batch_size:
            raise ConfigError(f"the replay buffer (buffer_size={capacity}) is smaller than a "
                              f"batch (batch_size={batch_size}); make buffer_size >= "
                              "batch_size")
        self.capacity = int(capacity)
        self.obs = np.zeros((capacity, *obs_shape), dtype=obs_dtype)
        self.next_obs = np.zeros((capacity, *obs_shape), dtype=obs_dtype)
        self.action = np.zeros((capacity, *action_shape), dtype=action_dtype)
        self.reward = np.zeros(capacity, dtype=np.float32)
        self.terminated = np.zeros(capacity, dtype=np.float32)
        self.pos = 0     # where the next transition goes
        self.size = 0    # how many are stored

    def __len__(self) -> int:
        return self.size

    def add(self, obs: np.ndarray, action: np.ndarray, reward: np.ndarray,
            next_obs: np.ndarray, terminated: np.ndarray) -> np.ndarray:
        """Store a batch of ``n`` transitions (one per environment); return their slots."""
        n = len(reward)
        if n > self.capacity:
            raise InputError(f"cannot store {n} transitions at once in a buffer of "
                             f"{self.capacity}")
        idx = (self.pos + np.arange(n)) % self.capacity
        self.obs[idx] = np.asarray(obs).reshape(self.obs[idx].shape)
        self.next_obs[idx] = np.asarray(next_obs).reshape(self.next_obs[idx].shape)
        self.action[idx] = np.asarray(action).reshape(self.action[idx].shape)
        self.reward[idx] = reward
        self.terminated[idx] = terminated
        self.pos = int((self.pos + n) % self.capacity)
        self.size = int(min(self.size + n, self.capacity))
        return idx

    def indices(self, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        """``batch_size`` slots drawn uniformly, with replacement, among the stored ones."""
        if self.size == 0:
            raise InputError("cannot sample from an empty replay buffer")
        return rng.integers(0, self.size, size=batch_size)

    def get(self, idx: np.ndarray) -> Transitions:
        """The transitions in slots ``idx``."""
        return Transitions(self.obs[idx], self.action[idx], self.reward[idx],
                           self.next_obs[idx], self.terminated[idx])

    def sample(self, batch_size: int, rng: np.random.Generator) -> Transitions:
        """A batch drawn uniformly with replacement (:meth:`indices`)."""
        return self.get(self.indices(batch_size, rng))

    def state(self, prefix: str = "replay") -> tuple[dict[str, torch.Tensor], dict[str, int]]:
        """The stored part as tensors (``<prefix>.<field>``) and the counters."""
        n = self.size
        tensors = {f"{prefix}.{f}": torch.from_numpy(np.ascontiguousarray(getattr(self, f)[:n]))
                   for f in FIELDS}
        return tensors, {"pos": self.pos, "size": self.size}

    def load_state(self, tensors: dict[str, torch.Tensor], counters: dict[str, int],
                   prefix: str = "replay") -> None:
        """Restore what :meth:`state` saved (into a buffer of the same capacity and shapes)."""
        n = int(counters["size"])
        if n > self.capacity:
            raise InputError(f"the saved replay buffer holds {n} transitions, more than this "
                             f"buffer's capacity {self.capacity}")
        for f in FIELDS:
            getattr(self, f)[:n] = tensors[f"{prefix}.{f}"].numpy()
        self.pos, self.size = int(counters["pos"]), n
