"""The noisy cross-entropy method: Szita & Lőrincz (2006), "Learning Tetris Using the Noisy
Cross-Entropy Method", applied to a policy network (keras-rl's ``CEMAgent`` uses a linear one).

Policy search without gradients. The flat parameter vector :math:`\\theta` of a policy
network (``net_arch=()``: a linear map from observation to action scores, the greedy action
played) is drawn from a diagonal Gaussian :math:`\\mathcal N(\\mu, \\mathrm{diag}\\,\\sigma^2)`;
each of the ``population`` candidates plays ``episodes_per_candidate`` episodes and is scored
by its mean undiscounted return; the best ``elite_frac`` of them refit the Gaussian,

.. math::

    \\mu \\leftarrow \\frac{1}{|E|} \\sum_{i \\in E} \\theta_i, \\qquad
    \\sigma^2 \\leftarrow \\frac{1}{|E|} \\sum_{i \\in E} (\\theta_i - \\mu)^2 + Z_t,

and the extra noise :math:`Z_t` is the paper's remedy for the plain method's early collapse of
the variance: it decreases linearly from ``extra_noise`` to zero over ``noise_iterations``
refits (``noise_iterations=0``: constant noise), the paper's decreasing-noise form (the
constants here are ours, for CartPole, not the paper's Tetris ones).

In the step-wise loop ``act`` plays the candidate that each environment is evaluating,
``observe`` adds up its return and hands the environment the next candidate at each episode's
end, and the refit follows the population's last episode. An environment that finishes when
every episode of the population is already handed out plays the mean policy until its next
episode, unscored (only with ``n_envs > 1``). The network's parameters hold :math:`\\mu`: the
greedy evaluation (``explore=False``) plays the mean policy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from torch.func import functional_call

from nnzoo.core.config import require
from nnzoo.models.registry import register
from nnzoo.models.rl._policy import ACTIVATIONS, check_common, dense, features, input_size
from nnzoo.models.rl.agent import Agent, Step


@dataclass
class CEMConfig:
    """Hyperparameters of the noisy cross-entropy method.

    :param sample_shape: the shape of one observation (``(1,)``: a discrete state index).
    :param n_states: the number of discrete states (0: vector observations).
    :param n_actions: the number of discrete actions.
    :param net_arch: the hidden layer sizes of the policy (``()``: linear, as keras-rl's).
    :param activation: the hidden layers' activation, ``tanh`` or ``relu``.
    :param population: candidates drawn per iteration.
    :param elite_frac: the fraction of the population that refits the Gaussian, in (0, 1].
    :param episodes_per_candidate: episodes that score each candidate (their mean return).
    :param init_std: the initial standard deviation of every parameter (the mean starts at
        the network's initial weights).
    :param extra_noise: :math:`Z_0`, the variance added to every parameter at the first refit.
    :param noise_iterations: refits over which :math:`Z_t` falls linearly to 0 (0: constant).
    """

    sample_shape: tuple[int, ...] = (4,)
    n_states: int = 0
    n_actions: int = 2
    net_arch: tuple[int, ...] = ()
    activation: Literal["tanh", "relu"] = "tanh"
    population: int = 50
    elite_frac: float = 0.2
    episodes_per_candidate: int = 1
    init_std: float = 1.0
    extra_noise: float = 0.1
    noise_iterations: int = 0

    def __post_init__(self) -> None:
        check_common(self)
        require(self.population >= 2, f"population must be >= 2, got {self.population}")
        require(0.0 < self.elite_frac <= 1.0,
                f"elite_frac must be in (0, 1], got {self.elite_frac}")
        require(self.episodes_per_candidate >= 1,
                f"episodes_per_candidate must be >= 1, got {self.episodes_per_candidate}")
        require(self.init_std > 0, f"init_std must be > 0, got {self.init_std}")
        require(self.extra_noise >= 0, f"extra_noise must be >= 0, got {self.extra_noise}")
        require(self.noise_iterations >= 0,
                f"noise_iterations must be >= 0, got {self.noise_iterations}")

    @property
    def n_elite(self) -> int:
        """The number of elite candidates: ``ceil(elite_frac * population)``."""
        return max(1, math.ceil(self.elite_frac * self.population - 1e-9))


def noise_at(cfg: CEMConfig, iteration: int) -> float:
    """:math:`Z_t`: ``extra_noise`` falling linearly to 0 over ``noise_iterations`` refits."""
    if cfg.noise_iterations == 0:
        return cfg.extra_noise
    return cfg.extra_noise * max(0.0, 1.0 - iteration / cfg.noise_iterations)


def refit(thetas: torch.Tensor, scores: torch.Tensor, n_elite: int, noise: float
          ) -> tuple[torch.Tensor, torch.Tensor]:
    """The Gaussian refitted to the ``n_elite`` best candidates.

    :param thetas: ``(population, d)`` the candidates.
    :param scores: ``(population,)`` their scores (higher is better).
    :param n_elite: how many of the best refit the Gaussian.
    :param noise: :math:`Z_t`, added to every variance.
    :return: the new mean ``(d,)`` and standard deviation ``(d,)``.
    """
    elite = thetas[torch.argsort(scores, descending=True, stable=True)[:n_elite]]  # (E, d)
    mean = elite.mean(0)
    var = ((elite - mean) ** 2).mean(0) + noise  # the elites' variance + Z_t
    return mean, var.sqrt()


@register("cem", config=CEMConfig, learning="environment",
          rule="noisy cross-entropy method: elite refit of a Gaussian over policy parameters",
          peer="nnzoo DQN (Stable-Baselines3 has no CEM)",
          reference="https://github.com/keras-rl/keras-rl/blob/master/rl/agents/cem.py")
class CEM(Agent[CEMConfig]):
    """The noisy cross-entropy method (Szita & Lőrincz 2006) on a policy network.

    :param config: :class:`CEMConfig`.
    """

    action_kind = "discrete"
    std: torch.Tensor

    def __init__(self, config: CEMConfig) -> None:
        super().__init__(config)
        c = config
        self.policy = dense(input_size(c.sample_shape, c.n_states), c.net_arch, c.n_actions,
                            ACTIVATIONS[c.activation])
        self.shapes = [(n, p.shape) for n, p in self.policy.named_parameters()]
        self.dim = sum(p.numel() for p in self.policy.parameters())
        self.register_buffer("std", torch.full((self.dim,), float(c.init_std)))
        self.thetas: torch.Tensor | None = None  # (population, d), drawn at the first act
        n_slots = c.population * c.episodes_per_candidate
        self.returns = np.zeros(n_slots)  # score of each (candidate, episode) slot
        self.next_slot = 0  # the next slot to hand out
        self.scored = 0  # slots whose episode has ended
        self.slot_of_env = np.zeros(0, dtype=np.int64)  # -1: playing the mean, unscored
        self.running = np.zeros(0)  # the return so far of each environment's episode
        self.iteration = 0

    @property
    def integer_input(self) -> bool:
        return self.config.n_states > 0

    def _x(self, obs: np.ndarray | torch.Tensor) -> torch.Tensor:
        return features(obs, self.sample_shape, self.config.n_states, "cem observations")

    @property
    def mean(self) -> torch.Tensor:
        """:math:`\\mu`, the flat parameters of the policy network."""
        return torch.nn.utils.parameters_to_vector(self.policy.parameters()).detach()

    def _params(self, theta: torch.Tensor) -> dict[str, torch.Tensor]:
        out, i = {}, 0
        for name, shape in self.shapes:
            n = int(np.prod(shape))
            out[name] = theta[i:i + n].view(shape)
            i += n
        return out

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """The mean policy's action scores ``(n, n_actions)``."""
        return self.policy(self._x(obs))

    def _draw(self) -> None:
        """A new population around the current mean."""
        eps = torch.randn(self.config.population, self.dim, generator=self.torch_rng)
        self.thetas = self.mean + self.std * eps  # (population, d)
        self.returns[:] = 0.0
        self.next_slot = self.scored = 0

    def _hand_out(self) -> int:
        """The next unscored slot, or -1 when the population's are all handed out."""
        if self.next_slot >= len(self.returns):
            return -1
        self.next_slot += 1
        return self.next_slot - 1

    def _ensure(self, n_envs: int) -> None:
        if self.thetas is None:
            self._draw()
        while len(self.slot_of_env) < n_envs:
            self.slot_of_env = np.append(self.slot_of_env, self._hand_out())
            self.running = np.append(self.running, 0.0)

    @torch.no_grad()
    def act(self, obs: np.ndarray, *, explore: bool) -> np.ndarray:
        x = self._x(obs)  # (n, n_in)
        if not explore:
            return self.policy(x).argmax(1).numpy()
        self._ensure(len(x))
        assert self.thetas is not None
        out = np.zeros(len(x), dtype=np.int64)
        e = self.config.episodes_per_candidate
        for slot in np.unique(self.slot_of_env[:len(x)]):
            rows = np.flatnonzero(self.slot_of_env[:len(x)] == slot)
            theta = self.mean if slot < 0 else self.thetas[slot // e]
            out[rows] = functional_call(self.policy, self._params(theta), (x[rows],)
                                        ).argmax(1).numpy()
        return out

    def observe(self, step: Step) -> dict[str, float]:
        """Add up each environment's return; at an episode's end score its candidate
        (metrics: its return, the fraction of the population scored) and refit after the
        population's last (:meth:`update`'s metrics too)."""
        done = step.done
        self._ensure(len(done))
        self.running[:len(done)] += step.reward
        metrics: dict[str, float] = {}
        for i in np.flatnonzero(done):
            slot = int(self.slot_of_env[i])
            if slot >= 0:
                self.returns[slot] = self.running[i]
                self.scored += 1
                metrics = {"candidate_return": float(self.running[i]),
                           "population_scored": self.scored / len(self.returns)}
                if self.scored == len(self.returns):
                    metrics.update(self.update())
            self.running[i] = 0.0
            self.slot_of_env[i] = self._hand_out()
        return metrics

    @torch.no_grad()
    def update(self) -> dict[str, float]:
        """Refit the Gaussian to the population's elites and draw the next population."""
        assert self.thetas is not None
        c = self.config
        scores = self.returns.reshape(c.population, c.episodes_per_candidate).mean(1)
        noise = noise_at(c, self.iteration)
        mean, std = refit(self.thetas, torch.as_tensor(scores, dtype=torch.float32),
                          c.n_elite, noise)
        torch.nn.utils.vector_to_parameters(mean, self.policy.parameters())
        self.std.copy_(std)
        self.iteration += 1
        elite = np.sort(scores)[::-1][:c.n_elite]
        metrics = {"best": float(scores.max()), "population_mean": float(scores.mean()),
                   "elite_mean": float(elite.mean()), "std_mean": float(std.mean()),
                   "noise": noise}
        self._draw()
        return metrics

    def visualize(self, out_dir: Path) -> list[Path]:
        """The search distribution: each policy parameter's mean with a bar of one standard
        deviation (``search_distribution.png``)."""
        from nnzoo.core.plots import save, subplots

        mean, std = self.mean.numpy(), self.std.detach().numpy()
        names = [f"{n}[{i}]" for n, shape in self.shapes for i in range(int(np.prod(shape)))]
        fig, ax = subplots(figsize=(max(4.0, 0.35 * len(mean) + 1.5), 3.4))
        ax.errorbar(np.arange(len(mean)), mean, yerr=std, fmt="o", ms=3, capsize=2)
        ax.axhline(0.0, color="0.6", lw=0.8)
        if len(names) <= 40:
            ax.set_xticks(np.arange(len(mean)), names, rotation=90, fontsize=7)
        ax.set_ylabel("mean ± std")
        ax.set_title(f"CEM search distribution after {self.iteration} refits")
        return [save(fig, Path(out_dir) / "search_distribution.png")]

    def agent_state(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        tensors, state = super().agent_state()
        if self.thetas is not None:
            tensors["thetas"] = self.thetas.clone()
        tensors["returns"] = torch.as_tensor(self.returns.copy())
        tensors["running"] = torch.as_tensor(self.running.copy())
        tensors["slot_of_env"] = torch.as_tensor(self.slot_of_env.copy())
        state.update(next_slot=self.next_slot, scored=self.scored, iteration=self.iteration)
        return tensors, state

    def load_agent_state(self, tensors: dict[str, torch.Tensor], state: dict[str, Any]) -> None:
        super().load_agent_state(tensors, state)
        self.thetas = tensors["thetas"].clone() if "thetas" in tensors else None
        self.returns = tensors["returns"].numpy().copy()
        self.running = tensors["running"].numpy().copy()
        self.slot_of_env = tensors["slot_of_env"].numpy().copy()
        self.next_slot, self.scored = int(state["next_slot"]), int(state["scored"])
        self.iteration = int(state["iteration"])
