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

    def state(self, prefix: str = "replay") -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        """The stored part as tensors (``<prefix>.<field>``) and the counters."""
        n = self.size
        tensors = {f"{prefix}.{f}": torch.from_numpy(np.ascontiguousarray(getattr(self, f)[:n]))
                   for f in FIELDS}
        return tensors, {"pos": self.pos, "size": self.size}

    def load_state(self, tensors: dict[str, torch.Tensor], counters: dict[str, Any],
                   prefix: str = "replay") -> None:
        """Restore what :meth:`state` saved (into a buffer of the same capacity and shapes)."""
        n = int(counters["size"])
        if n > self.capacity:
            raise InputError(f"the saved replay buffer holds {n} transitions, more than this "
                             f"buffer's capacity {self.capacity}")
        for f in FIELDS:
            getattr(self, f)[:n] = tensors[f"{prefix}.{f}"].numpy()
        self.pos, self.size = int(counters["pos"]), n


class PrioritizedReplayBuffer(ReplayBuffer):
    """Proportional prioritised replay (Schaul et al. 2016, "Prioritized Experience Replay"):
    transition ``i`` is drawn with probability

        P(i) = p_i^alpha / sum_k p_k^alpha,

    its priority ``p_i = |delta_i| + eps`` the magnitude of its last TD error (a new
    transition gets the largest priority seen so far, so each is replayed at least once), and
    the update it feeds is weighted by the importance-sampling weight

        w_i = (N P(i))^(-beta) / max_k (N P(k))^(-beta)

    (``N`` stored transitions; the maximum over every stored one, so weights only scale
    updates down), with ``beta`` annealed to 1 by the agent. The sums live in a sum tree
    (a binary tree whose leaves are ``p_i^alpha`` and whose nodes hold their children's sum),
    so drawing a batch and updating its priorities take O(batch log capacity), in NumPy and
    without a Python loop over samples. Sampling is stratified as in the paper: the total is
    cut into ``batch_size`` equal segments and one value is drawn uniformly in each.

    :param alpha: how much prioritisation is used (0: uniform).
    :param eps: the small constant added to ``|delta|`` so that no transition has zero
        probability.
    The other parameters are :class:`ReplayBuffer`'s.
    """

    def __init__(self, capacity: int, obs_shape: tuple[int, ...],
                 action_shape: tuple[int, ...] = (), *, alpha: float = 0.6,
                 eps: float = 1e-6, **kwargs: Any) -> None:
        super().__init__(capacity, obs_shape, action_shape, **kwargs)
        if alpha < 0:
            raise ConfigError(f"alpha (prioritisation) must be >= 0, got {alpha}")
        if eps <= 0:
            raise ConfigError(f"the priority constant eps must be > 0, got {eps}")
        self.alpha, self.eps = float(alpha), float(eps)
        self.leaves = 1 << max(int(capacity) - 1, 0).bit_length()  # a power of two >= capacity
        self.depth = self.leaves.bit_length() - 1
        self.tree = np.zeros(2 * self.leaves, dtype=np.float64)  # node k: children 2k, 2k+1
        self.max_priority = 1.0  # the largest p (not p^alpha) seen so far

    def priorities(self) -> np.ndarray:
        """``p_i^alpha`` of the stored transitions, by slot."""
        return self.tree[self.leaves:self.leaves + self.size]

    def _set(self, idx: np.ndarray, value: np.ndarray) -> None:
        """Set leaves ``idx`` to ``value`` (p^alpha) and recompute their ancestors' sums."""
        node = np.asarray(idx, dtype=np.int64) + self.leaves
        self.tree[node] = value
        for _ in range(self.depth):
            node = np.unique(node >> 1)
            self.tree[node] = self.tree[2 * node] + self.tree[2 * node + 1]

    def add(self, obs: np.ndarray, action: np.ndarray, reward: np.ndarray,
            next_obs: np.ndarray, terminated: np.ndarray) -> np.ndarray:
        """Store transitions with the largest priority seen so far; return their slots."""
        idx = super().add(obs, action, reward, next_obs, terminated)
        self._set(idx, np.full(len(idx), self.max_priority ** self.alpha))
        return idx

    def indices(self, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        """``batch_size`` slots drawn with probability ``P(i)`` (stratified)."""
        if self.size == 0:
            raise InputError("cannot sample from an empty replay buffer")
        total = self.tree[1]
        u = (np.arange(batch_size) + rng.random(batch_size)) * (total / batch_size)
        node = np.ones(batch_size, dtype=np.int64)
        for _ in range(self.depth):  # descend: left child if u falls in its mass, else right
            left = self.tree[2 * node]
            right = u >= left
            u = np.where(right, u - left, u)
            node = 2 * node + right
        idx = node - self.leaves
        # Rounding can land on an empty leaf at the end: take the last stored slot instead.
        return np.minimum(idx, self.size - 1)

    def weights(self, idx: np.ndarray, beta: float) -> np.ndarray:
        """Importance-sampling weights ``w_i`` of slots ``idx`` (float32, at most 1)."""
        p = self.priorities()
        total = self.tree[1]
        n = self.size
        w = (n * p[idx] / total) ** (-beta)
        w_max = (n * p.min() / total) ** (-beta)
        return (w / w_max).astype(np.float32)

    def update_priorities(self, idx: np.ndarray, td_error: np.ndarray) -> None:
        """Set the priorities of slots ``idx`` to ``|td_error| + eps`` (a slot drawn twice
        keeps the last value)."""
        p = np.abs(np.asarray(td_error, dtype=np.float64)) + self.eps
        self.max_priority = max(self.max_priority, float(p.max()))
        self._set(idx, p ** self.alpha)

    def state(self, prefix: str = "replay") -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        """:meth:`ReplayBuffer.state` plus the priorities and the largest one seen."""
        tensors, counters = super().state(prefix)
        tensors[f"{prefix}.priority"] = torch.from_numpy(self.priorities().copy())
        return tensors, {**counters, "max_priority": self.max_priority}

    def load_state(self, tensors: dict[str, torch.Tensor], counters: dict[str, Any],
                   prefix: str = "replay") -> None:
        """Restore what :meth:`state` saved (the sum tree is rebuilt from the leaves)."""
        super().load_state(tensors, counters, prefix)
        self.tree[:] = 0.0
        n = self.size
        if n:
            self._set(np.arange(n), tensors[f"{prefix}.priority"].numpy().astype(np.float64))
        self.max_priority = float(counters["max_priority"])
