"""Exploration noise for deterministic continuous-action policies (DDPG, NAF).

Both processes draw from the generator they are given (the agent's own ``np_rng``) and keep
one row of state per environment, so that a vectorised loop gets independent noise per
environment and an episode's end resets only its own row.

- Gaussian: :math:`\\epsilon_t \\sim \\mathcal N(0, \\sigma^2)`, independent across steps
  (Stable-Baselines3's ``NormalActionNoise``; Fujimoto et al. 2018 found it as good as OU).
- Ornstein-Uhlenbeck (Uhlenbeck & Ornstein 1930; Lillicrap et al.'s DDPG noise), in the
  Euler-Maruyama step that Stable-Baselines3's ``OrnsteinUhlenbeckActionNoise`` takes::

      x_{t+1} = x_t + theta (mu - x_t) dt + sigma sqrt(dt) N(0, 1)

  a mean-reverting random walk, temporally correlated (correlation time ``1 / theta`` in
  units of ``dt``). Its stationary variance is ``sigma^2 / (2 theta)`` in the continuous
  limit; the discrete step's is ``sigma^2 dt / (1 - (1 - theta dt)^2)``
  (:meth:`OrnsteinUhlenbeckNoise.stationary_variance`). The state returns to ``mu`` (zero
  here) when an episode ends.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class ActionNoise:
    """Noise added to a deterministic action (in the policy's [-1, 1] action space).

    :param dim: the number of action components.
    :param sigma: the noise scale (standard deviation of each draw).
    """

    def __init__(self, dim: int, sigma: float) -> None:
        self.dim = int(dim)
        self.sigma = float(sigma)

    def __call__(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Noise for ``n`` environments, ``(n, dim)`` float32."""
        raise NotImplementedError

    def reset(self, where: np.ndarray | None = None) -> None:
        """Restart the process of the environments where ``where`` is true (all if None)."""

    def state(self) -> dict[str, Any]:
        """The process's state, JSON-ready."""
        return {}

    def load_state(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state` saved."""


class GaussianNoise(ActionNoise):
    """Independent :math:`\\mathcal N(0, \\sigma^2)` draws; nothing to reset."""

    def __call__(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return (self.sigma * rng.standard_normal((n, self.dim))).astype(np.float32)


class OrnsteinUhlenbeckNoise(ActionNoise):
    """The Ornstein-Uhlenbeck process (mean zero), one state row per environment.

    :param dim: the number of action components.
    :param sigma: the diffusion scale.
    :param theta: the rate of mean reversion.
    :param dt: the time step.
    """

    def __init__(self, dim: int, sigma: float, theta: float = 0.15, dt: float = 1e-2) -> None:
        super().__init__(dim, sigma)
        self.theta, self.dt = float(theta), float(dt)
        self.x: np.ndarray | None = None  # (n_envs, dim), float64, created on first call

    def __call__(self, n: int, rng: np.random.Generator) -> np.ndarray:
        if self.x is None or len(self.x) != n:
            self.x = np.zeros((n, self.dim))
        x = self.x
        self.x = (x - self.theta * x * self.dt
                  + self.sigma * np.sqrt(self.dt) * rng.standard_normal(x.shape))
        return self.x.astype(np.float32)

    def reset(self, where: np.ndarray | None = None) -> None:
        if self.x is None:
            return
        if where is None:
            self.x[:] = 0.0
        else:
            self.x[np.asarray(where, dtype=bool)] = 0.0

    def stationary_variance(self, continuous: bool = True) -> float:
        """``sigma^2 / (2 theta)`` (the continuous process), or the discrete step's
        ``sigma^2 dt / (1 - (1 - theta dt)^2)`` when ``continuous`` is false."""
        if continuous:
            return self.sigma ** 2 / (2 * self.theta)
        a = 1 - self.theta * self.dt
        return self.sigma ** 2 * self.dt / (1 - a * a)

    def state(self) -> dict[str, Any]:
        return {"x": None if self.x is None else self.x.tolist()}

    def load_state(self, state: dict[str, Any]) -> None:
        x = state.get("x")
        self.x = None if x is None else np.asarray(x, dtype=np.float64).reshape(-1, self.dim)


def make_noise(kind: str, dim: int, sigma: float, theta: float, dt: float) -> ActionNoise | None:
    """The noise process called ``kind``: ``"normal"`` (Gaussian), ``"ornstein-uhlenbeck"``,
    or ``"none"`` (None: the policy explores only through ``learning_starts``)."""
    if kind == "normal":
        return GaussianNoise(dim, sigma)
    if kind == "ornstein-uhlenbeck":
        return OrnsteinUhlenbeckNoise(dim, sigma, theta, dt)
    return None
