"""Environments through gymnasium (the optional ``rl`` extra): creation with clear errors, and
the :class:`~nnzoo.models.rl.agent.EnvInfo` an agent is built from.

gymnasium is imported on first use, so nnzoo imports without it; an agent's run without it
fails with one line that says how to install it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnzoo.core.errors import ConfigError, UnknownNameError, UsageError
from nnzoo.models.rl.agent import EnvInfo
from nnzoo.models.rl.value_iteration import TabularMDP


def gymnasium() -> Any:
    """The gymnasium module.

    :raises UsageError: when it is not installed (it is the ``rl`` extra).
    """
    try:
        import gymnasium as gym
    except ImportError:
        raise UsageError("reinforcement learning needs gymnasium: pip install 'nnzoo[rl]' "
                         "(make installs it)") from None
    return gym


def env_ids() -> list[str]:
    """Every environment id gymnasium knows (its registry)."""
    return sorted(gymnasium().registry.keys())


def make_env(env_id: str, *, render_mode: str | None = None, **kwargs: Any) -> Any:
    """``gymnasium.make(env_id)``, with one clear error for an unknown id (the closest ids
    suggested) or an environment whose dependencies are missing (Box2D).

    :raises UnknownNameError: for an id gymnasium does not know.
    :raises UsageError: when the environment cannot be created here.
    """
    gym = gymnasium()
    if env_id not in gym.registry:
        raise UnknownNameError("environment", env_id, env_ids())
    try:
        return gym.make(env_id, render_mode=render_mode, **kwargs)
    except gym.error.DependencyNotInstalled as e:
        raise UsageError(f"environment {env_id} cannot be created here: {e}") from None
    except TypeError as e:  # an argument the environment's constructor does not take
        given = ", ".join(f"{k}={v!r}" for k, v in kwargs.items()) or "none"
        raise ConfigError(f"environment {env_id} does not take the arguments given "
                          f"(env_kwargs: {given}): {e}; set env_kwargs to what it takes, "
                          "e.g. --set 'env_kwargs={}'") from None


def env_info(env: Any, env_id: str | None = None) -> EnvInfo:
    """The :class:`EnvInfo` of a gymnasium environment (discrete or box spaces).

    :raises ConfigError: for a space nnzoo's agents do not handle (dict, tuple, multi-discrete).
    """
    gym = gymnasium()
    name = env_id or (env.spec.id if env.spec is not None else type(env).__name__)
    obs, act = env.observation_space, env.action_space
    info: dict[str, Any] = {"env_id": name,
                            "max_episode_steps": env.spec.max_episode_steps if env.spec else None}
    if isinstance(obs, gym.spaces.Discrete):
        info.update(obs_shape=(), n_states=int(obs.n))
    elif isinstance(obs, gym.spaces.Box):
        info.update(obs_shape=tuple(int(s) for s in obs.shape))
    else:
        raise ConfigError(f"{name}: observation space {obs} is neither discrete nor a box")
    if isinstance(act, gym.spaces.Discrete):
        info.update(n_actions=int(act.n))
    elif isinstance(act, gym.spaces.Box):
        info.update(action_shape=tuple(int(s) for s in act.shape),
                    action_low=tuple(float(v) for v in np.ravel(act.low)),
                    action_high=tuple(float(v) for v in np.ravel(act.high)))
    else:
        raise ConfigError(f"{name}: action space {act} is neither discrete nor a box")
    return EnvInfo(**info)


def describe(env_id: str) -> EnvInfo:
    """The :class:`EnvInfo` of environment ``env_id`` (created and closed)."""
    env = make_env(env_id)
    try:
        return env_info(env, env_id)
    finally:
        env.close()


def tabular_mdp(env: Any) -> TabularMDP:
    """The :class:`~nnzoo.models.rl.value_iteration.TabularMDP` of a gymnasium toy-text
    environment (FrozenLake, CliffWalking, Taxi), from its transition table
    ``env.unwrapped.P[s][a] = [(probability, next_state, reward, terminated), ...]`` and its
    ``initial_state_distrib``.

    :raises ConfigError: for an environment without a transition table (CartPole).
    """
    u = env.unwrapped
    table = getattr(u, "P", None)
    start = getattr(u, "initial_state_distrib", None)
    name = env.spec.id if env.spec is not None else type(u).__name__
    if not isinstance(table, dict) or start is None:
        raise ConfigError(f"{name} has no transition table (env.unwrapped.P): exact dynamic "
                          "programming needs a toy-text environment such as FrozenLake-v1")
    S = len(table)
    A = len(table[0])
    P, C, R = np.zeros((S, A, S)), np.zeros((S, A, S)), np.zeros((S, A))
    for s in range(S):
        for a in range(A):
            for prob, s2, reward, terminated in table[s][a]:
                P[s, a, int(s2)] += prob
                R[s, a] += prob * float(reward)
                if not terminated:
                    C[s, a, int(s2)] += prob
    return TabularMDP(P, R, C, np.asarray(start, dtype=np.float64))
