"""What every reinforcement-learning agent offers the environment loop.

The loop (:mod:`nnzoo.train.environment`) owns the environments, the step count, logging,
evaluation and checkpoints; the agent owns its networks or tables, its optimizers, its replay
buffer and its random generators. Before the first step the loop gives the agent the run's
step budget (:meth:`Agent.set_budget`, for schedules that span the run); per environment step
it calls::

    actions = agent.act(obs, explore=True)           # (n_envs, ...) -> (n_envs, ...)
    obs2, reward, terminated, truncated = envs.step(actions)
    metrics = agent.observe(Step(obs, actions, reward, next_obs, terminated, truncated))

and the agent learns inside :meth:`Agent.observe` when its schedule says so (every
``train_freq`` steps, at the end of an episode, after a population of episodes...). Steps are
environment transitions summed over the ``n_envs`` environments, as Stable-Baselines3 counts
them. ``next_obs`` is the observation the action led to, also when the episode ended there
(the loop resets that environment afterwards, and the next ``obs`` is the new episode's
first); ``terminated`` marks a terminal state (no bootstrapping from it), ``truncated`` a time
limit (bootstrapping from ``next_obs`` is right).

Greedy evaluation calls ``act(obs, explore=False)``, which must not change the agent.
``predict(obs)`` is the same with every input check (the engine's convention for inference);
``forward(obs)`` returns the network's raw output (Q-values, action means, logits).

Exact resumption: the loop checkpoints ``state_dict()`` (the networks, as every model) and
:meth:`Agent.agent_state` (what else the agent needs to continue bit for bit: optimizer
states, the replay buffer, its counters, its generators' states) and restores both with
:meth:`Agent.load_agent_state` before continuing.

Randomness: the loop seeds the global generators with the run's seed before building the
agent (the networks' initial weights), then calls :meth:`Agent.start` with the seed; every
draw after that (exploration, replay sampling, noise) comes from the agent's own generators
(:attr:`Agent.np_rng`, :attr:`Agent.torch_rng`), which :meth:`agent_state` saves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch

from nnzoo.core.config import require
from nnzoo.core.errors import ConfigError, InputError
from nnzoo.core.seed import generator_state, set_generator_state
from nnzoo.models.base import Batch, C, ZooModule


@dataclass(frozen=True)
class EnvInfo:
    """What an agent may know of its environment: the shapes and bounds of its spaces.

    :param env_id: the environment's id (``CartPole-v1``).
    :param obs_shape: the shape of one observation; ``()`` for a discrete observation.
    :param n_states: the number of discrete observations (``FrozenLake-v1``: 16); 0 when the
        observations are vectors.
    :param n_actions: the number of discrete actions; 0 when actions are continuous.
    :param action_shape: the shape of one continuous action; ``()`` for a discrete one.
    :param action_low: the lower bound of each continuous action component (empty if
        discrete).
    :param action_high: the upper bound of each continuous action component.
    :param max_episode_steps: the time limit of an episode, when the environment has one.
    """

    env_id: str
    obs_shape: tuple[int, ...]
    n_states: int = 0
    n_actions: int = 0
    action_shape: tuple[int, ...] = ()
    action_low: tuple[float, ...] = ()
    action_high: tuple[float, ...] = ()
    max_episode_steps: int | None = None

    @property
    def discrete_actions(self) -> bool:
        return self.n_actions > 0

    @property
    def discrete_observations(self) -> bool:
        return self.n_states > 0


@dataclass
class Step:
    """One environment step of every environment of the loop (the first axis: ``n_envs``).

    :param obs: observations before the action, ``(n, *obs_shape)`` (float32; int64 when
        discrete).
    :param action: ``(n,)`` int64 for discrete actions, ``(n, *action_shape)`` float32.
    :param reward: ``(n,)`` float32.
    :param next_obs: the observations the actions led to (the last of an episode included).
    :param terminated: ``(n,)`` bool, a terminal state.
    :param truncated: ``(n,)`` bool, the episode was cut by a time limit.
    """

    obs: np.ndarray
    action: np.ndarray
    reward: np.ndarray
    next_obs: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray

    @property
    def done(self) -> np.ndarray:
        """Where an episode ended (terminated or truncated)."""
        return np.logical_or(self.terminated, self.truncated)


class Agent(ZooModule[C]):
    """Base class of the agents (registered with ``learning="environment"``).

    A subclass's config dataclass has ``sample_shape`` (the observation's shape, ``(1,)``
    for a discrete observation, which arrives as one integer) and whichever of the fields
    :data:`ENV_FIELDS` it needs; :func:`agent_fields` fills them from the environment's
    :class:`EnvInfo`. ``action_kind`` says which action spaces the agent handles.
    """

    #: ``"discrete"``, ``"continuous"`` or ``"any"``: the action spaces this agent handles.
    action_kind: ClassVar[str] = "discrete"

    def __init__(self, config: C) -> None:
        super().__init__(config)
        self.np_rng = np.random.default_rng(0)
        self.torch_rng = torch.Generator().manual_seed(0)

    def start(self, seed: int) -> None:
        """Seed the agent's own generators; the loop calls it once, before the first step
        (not on resumption, which restores them). Subclasses that override it call it."""
        self.np_rng = np.random.default_rng([seed % 2**63, 7])
        self.torch_rng = torch.Generator().manual_seed(seed * 1_000_003 + 11)

    def set_budget(self, total_steps: int) -> None:
        """The run's step budget (``RLConfig.steps``), which the loop gives before the first
        step, also on resumption. Schedules that span the run (SB3's exploration fraction)
        read it; the base class ignores it."""

    def act(self, obs: np.ndarray, *, explore: bool) -> np.ndarray:
        """Actions for a batch of observations ``(n, *obs_shape)``: exploratory when
        ``explore``, the greedy (deterministic) policy otherwise."""
        raise NotImplementedError

    def observe(self, step: Step) -> dict[str, float]:
        """Take in one step of every environment; learn when the agent's schedule says so.
        Returns the metrics of any update it made (``{}`` when it made none)."""
        raise NotImplementedError

    def agent_state(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        """Everything besides ``state_dict()`` that exact resumption needs: tensors and
        JSON-ready values. The base class saves the two generators; subclasses add theirs
        (``tensors, state = super().agent_state()``)."""
        return {"torch_rng": self.torch_rng.get_state()}, {
            "np_rng": generator_state(self.np_rng)}

    def load_agent_state(self, tensors: dict[str, torch.Tensor], state: dict[str, Any]) -> None:
        """Restore what :meth:`agent_state` saved."""
        self.torch_rng.set_state(tensors["torch_rng"])
        self.np_rng = set_generator_state(state["np_rng"])

    # The engine's hooks that an agent does not use: training is the loop's, not batches'.
    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        raise ConfigError(f"{self.model_id} is a reinforcement-learning agent: it learns "
                          "from an environment (nnzoo train / nnzoo.train.environment), not "
                          "from batches")

    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        return self.training_step(batch)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """The greedy action for each observation of ``x`` (checked: shape, dtype, finite
        values)."""
        self.check(x, finite=not self.integer_input)
        return torch.as_tensor(self.act(x.cpu().numpy(), explore=False))


#: The config fields an agent's environment decides (:func:`agent_fields`).
ENV_FIELDS = ("sample_shape", "n_states", "n_actions", "action_shape", "action_low",
              "action_high")


def agent_fields(info: EnvInfo, fields: set[str] | frozenset[str]) -> dict[str, Any]:
    """The values of the environment-decided fields among ``fields`` (a config's field
    names) for an environment described by ``info``."""
    values: dict[str, Any] = {
        "sample_shape": info.obs_shape or (1,), "n_states": info.n_states,
        "n_actions": info.n_actions, "action_shape": info.action_shape,
        "action_low": info.action_low, "action_high": info.action_high}
    return {k: v for k, v in values.items() if k in fields}


def check_action_kind(agent_id: str, kind: str, info: EnvInfo) -> None:
    """Refuse a discrete-action agent on a continuous environment and the reverse.

    :raises ConfigError: naming the agent, the environment and what each has.
    """
    env_kind = "discrete" if info.discrete_actions else "continuous"
    if kind not in ("any", env_kind):
        raise ConfigError(f"{agent_id} needs {kind} actions, but {info.env_id} has "
                          f"{env_kind} actions; pick a {kind}-action environment")


def check_discount(gamma: float) -> None:
    """:raises ConfigError: when the discount ``gamma`` is outside [0, 1]."""
    if not 0.0 <= gamma <= 1.0:
        raise ConfigError(f"gamma (the discount) must be in [0, 1], got {gamma}")


def check_off_policy(cfg: Any) -> None:
    """The range checks an off-policy agent's config shares (DQN, DDPG, NAF): ``lr`` > 0,
    ``batch_size`` >= 1, a replay buffer at least one batch large, ``learning_starts`` >= 0,
    ``train_freq`` >= 1 and ``gradient_steps`` >= 0 or -1 (as many as the rollout's steps).

    :raises ConfigError: naming the first field out of range.
    """
    require(cfg.lr > 0, f"lr must be > 0, got {cfg.lr}")
    require(cfg.batch_size >= 1, f"batch_size must be >= 1, got {cfg.batch_size}")
    require(cfg.buffer_size >= cfg.batch_size,
            f"the replay buffer (buffer_size={cfg.buffer_size}) is smaller than a batch "
            f"(batch_size={cfg.batch_size}); make buffer_size >= batch_size")
    require(cfg.learning_starts >= 0, f"learning_starts must be >= 0, got {cfg.learning_starts}")
    require(cfg.train_freq >= 1, f"train_freq must be >= 1, got {cfg.train_freq}")
    require(cfg.gradient_steps >= -1,
            f"gradient_steps must be >= 0, or -1 (as many as the rollout's steps), got "
            f"{cfg.gradient_steps}")


def as_batch(obs: np.ndarray, sample_shape: tuple[int, ...], what: str) -> np.ndarray:
    """``obs`` as a batch ``(n, *sample_shape)``, or one clear error.

    :raises InputError: when its shape is neither one observation nor a batch of them.
    """
    arr = np.asarray(obs)
    shape = tuple(sample_shape)
    if shape == (1,) and arr.ndim == 1:  # discrete observations: a vector of state indices
        return arr.reshape(-1, 1)
    if arr.shape[1:] == shape:
        return arr
    raise InputError(f"{what}: expected observations of shape (n, {', '.join(map(str, shape))})"
                     f", got {arr.shape}")
