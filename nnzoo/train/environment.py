"""The reinforcement-learning loop: agents against gymnasium environments.

The engine (:mod:`nnzoo.train.engine`) trains a model on minibatches of a dataset; an agent
(:class:`~nnzoo.models.rl.agent.Agent`, registered with ``learning="environment"``) learns from
the environments it acts in, so it has this loop instead, which shares the engine's run folder,
checkpoint format, ``metrics.jsonl`` and progress bar::

    agent = build_agent("dqn", hp, "CartPole-v1", seed=0)        # seeded init, EnvInfo filled
    result = train_agent(agent, "CartPole-v1", RLConfig(steps=50_000), seed=0, run=run)
    returns = evaluate_agent(agent, "CartPole-v1", episodes=10, seed=0)

Per step of the ``n_envs`` environments (:class:`EnvPool`) the loop asks the agent for actions,
steps every environment, hands the agent the :class:`~nnzoo.models.rl.agent.Step` and resets
the environments whose episode ended. A step count is environment transitions summed over the
environments (Stable-Baselines3's ``num_timesteps``); a run stops at the first multiple of
``n_envs`` at or past ``RLConfig.steps``.

Seeds. Episode ``k`` of environment ``i`` of a run with seed ``s`` is reset with
:func:`episode_seed` ``(s, i, k)``, an even number; evaluation episode ``j`` with
:func:`eval_seed` ``(s, j)``, an odd one, so the two never share a seed. The agent's
exploration draws from its own generators (:meth:`Agent.start`); the global generators seed
only the networks' initial weights (:func:`build_agent`).

Exact resumption. Every ``checkpoint_every`` steps and at the end the loop writes one atomic
checkpoint (:meth:`RunDir.save_checkpoint`): ``model.*`` (``state_dict()``), ``agent.*`` (the
tensors of :meth:`Agent.agent_state`: optimizer states, the replay buffer, the generators) and
the JSON state (step, the agent's JSON state, each environment's episode counter and the
actions taken so far in its current episode, the episode log, the evaluations). Resuming
rebuilds the agent, loads both states and brings each environment back by resetting it with its
episode's seed and replaying the recorded actions: a gymnasium environment is deterministic
given its reset seed and the actions, so nothing is pickled and a killed run continues as if
it had never stopped.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from nnzoo.core.config import require
from nnzoo.core.errors import CheckpointError, ConfigError, InputError
from nnzoo.core.io import load_checkpoint, prefixed, unprefixed
from nnzoo.core.progress import progress
from nnzoo.core.rundir import RunDir
from nnzoo.core.seed import isolated_rng, rng_state, seed_everything, set_rng_state
from nnzoo.models import create, get_spec
from nnzoo.models.rl.agent import Agent, EnvInfo, Step, agent_fields, check_action_kind
from nnzoo.train.envs import env_info, make_env

#: Checkpoint kind written in the JSON state (an engine checkpoint has none).
CHECKPOINT_KIND = "rl-loop-1"

#: The longest evaluation episode of an environment without a time limit (CliffWalking-v1):
#: a greedy policy that walks in circles would otherwise never end.
EVAL_STEP_CAP = 10_000


@dataclass
class RLConfig:
    """How an agent is trained: the loop's settings, shared by every agent's recipe.

    :param steps: environment steps, summed over the environments.
    :param n_envs: environments stepped in turn (each gets every ``n_envs``-th step).
    :param eval_every: steps between deterministic evaluations; 0 = only at the end.
    :param eval_episodes: episodes per evaluation.
    :param checkpoint_every: steps between checkpoints (one more is written at the end).
    :param log_every: steps between ``metrics.jsonl`` lines of the agent's last metrics.
    :param env_kwargs: keyword arguments of ``gymnasium.make`` (``{"is_slippery": True}``);
        on the command line a JSON object: ``--set 'env_kwargs={"is_slippery": false}'``.
    """

    steps: int = 50_000
    n_envs: int = 1
    eval_every: int = 0
    eval_episodes: int = 10
    checkpoint_every: int = 10_000
    log_every: int = 1_000
    env_kwargs: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.env_kwargs, str):
            try:
                self.env_kwargs = json.loads(self.env_kwargs) if self.env_kwargs.strip() else {}
            except json.JSONDecodeError:
                raise ConfigError("env_kwargs must be a JSON object such as "
                                  f"'{{\"is_slippery\": true}}', got {self.env_kwargs!r}") from None
        require(isinstance(self.env_kwargs, dict),
                f"env_kwargs must be a JSON object (keyword arguments of gymnasium.make), "
                f"got {self.env_kwargs!r}")
        require(self.steps >= 1, f"steps must be >= 1, got {self.steps}")
        require(self.n_envs >= 1, f"n_envs must be >= 1, got {self.n_envs}")
        require(self.eval_every >= 0, f"eval_every must be >= 0, got {self.eval_every}")
        require(self.eval_episodes >= 1,
                f"eval_episodes must be >= 1, got {self.eval_episodes}")
        require(self.checkpoint_every >= 1,
                f"checkpoint_every must be >= 1, got {self.checkpoint_every}")
        require(self.log_every >= 1, f"log_every must be >= 1, got {self.log_every}")


@dataclass
class RLResult:
    """What :func:`train_agent` returns.

    :param episodes: ``(step, return, length)`` of every finished training episode, in the
        order they ended (``step``: the step count after the episode's last transition).
    :param evals: ``(step, mean, std)`` of every evaluation (the last one: the final agent).
    :param steps: environment steps taken (summed over the environments).
    :param train_time_s: wall seconds of the loop, without evaluations and checkpoints.
    """

    episodes: list[tuple[int, float, int]] = field(default_factory=list)
    evals: list[tuple[int, float, float]] = field(default_factory=list)
    steps: int = 0
    train_time_s: float = 0.0


def _derived(*words: int) -> int:
    """A 31-bit number hashed from ``words`` (NumPy's SeedSequence)."""
    return int(np.random.SeedSequence([w % 2**63 for w in words]).generate_state(1)[0] >> 1)


def episode_seed(seed: int, env_index: int, episode: int) -> int:
    """The reset seed of training episode ``episode`` of environment ``env_index`` (even)."""
    return 2 * _derived(seed, env_index, episode, 0)


def eval_seed(seed: int, episode: int) -> int:
    """The reset seed of evaluation episode ``episode`` (odd: never a training seed)."""
    return 2 * _derived(seed, episode, 1) + 1


def _obs_array(obs: Any, info: EnvInfo) -> np.ndarray:
    """One observation as the loop hands it on: int64 for a discrete one, float32 else."""
    if info.discrete_observations:
        return np.asarray(obs, dtype=np.int64).reshape(())
    return np.asarray(obs, dtype=np.float32).reshape(info.obs_shape)


def env_actions(actions: Any, info: EnvInfo, n: int) -> np.ndarray:
    """An agent's actions for ``n`` environments as the environments take them: ``(n,)``
    int64 in range, or ``(n, *action_shape)`` float32 clipped to the action box.

    :raises InputError: for actions of the wrong shape, out of range, or not finite.
    """
    arr = np.asarray(actions)
    if info.discrete_actions:
        if arr.shape not in ((n,), (n, 1)) or not np.issubdtype(arr.dtype, np.integer):
            raise InputError(f"{info.env_id}: expected {n} integer actions of shape ({n},), "
                             f"got {arr.dtype} of shape {arr.shape}")
        arr = arr.reshape(n).astype(np.int64)
        if arr.min() < 0 or arr.max() >= info.n_actions:
            raise InputError(f"{info.env_id}: actions must be in [0, {info.n_actions}), got "
                             f"{arr.tolist()}")
        return arr
    shape = (n, *info.action_shape)
    if arr.size != int(np.prod(shape)):
        raise InputError(f"{info.env_id}: expected actions of shape {shape}, got {arr.shape}")
    arr = arr.astype(np.float32).reshape(shape)
    if not np.isfinite(arr).all():
        raise InputError(f"{info.env_id}: actions must be finite, got {arr.tolist()}")
    low = np.asarray(info.action_low, dtype=np.float32).reshape(info.action_shape)
    high = np.asarray(info.action_high, dtype=np.float32).reshape(info.action_shape)
    return np.clip(arr, low, high)


class EnvPool:
    """``n_envs`` gymnasium environments stepped in turn, each episode reset with its own seed.

    Not gymnasium's vector environment: the pool chooses every episode's reset seed
    (:func:`episode_seed`) and records the actions of each environment's current episode, so
    that :meth:`restore` can rebuild the environments exactly from a checkpoint.

    :param env_id: a gymnasium id.
    :param n_envs: how many environments.
    :param seed: the run's seed.
    :param env_kwargs: keyword arguments of ``gymnasium.make``.
    :param render_mode: gymnasium's render mode (``rgb_array`` for ``nnzoo play``).
    """

    def __init__(self, env_id: str, n_envs: int = 1, seed: int = 0,
                 env_kwargs: dict[str, Any] | None = None, render_mode: str | None = None
                 ) -> None:
        if n_envs < 1:
            raise ConfigError(f"n_envs must be >= 1, got {n_envs}")
        self.env_id, self.n, self.seed = env_id, n_envs, seed
        self.envs = [make_env(env_id, render_mode=render_mode, **(env_kwargs or {}))
                     for _ in range(n_envs)]
        self.info = env_info(self.envs[0], env_id)
        self.episode = [0] * n_envs            # index of each environment's current episode
        self.actions: list[list[Any]] = [[] for _ in range(n_envs)]  # of the current episode
        self.returns = [0.0] * n_envs          # the current episode's return so far
        self.obs = np.zeros(0)

    def close(self) -> None:
        """Close every environment."""
        for env in self.envs:
            env.close()

    def _reset(self, i: int) -> np.ndarray:
        obs, _ = self.envs[i].reset(seed=episode_seed(self.seed, i, self.episode[i]))
        self.actions[i] = []
        self.returns[i] = 0.0
        return _obs_array(obs, self.info)

    def reset(self) -> np.ndarray:
        """Start episode 0 of every environment; the first observations ``(n, *obs_shape)``."""
        self.episode = [0] * self.n
        self.obs = np.stack([self._reset(i) for i in range(self.n)])
        return self.obs

    def _step_one(self, i: int, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool]:
        a = int(action) if self.info.discrete_actions else action
        obs, reward, terminated, truncated, _ = self.envs[i].step(a)
        self.actions[i].append(a if self.info.discrete_actions else action.tolist())
        self.returns[i] += float(reward)
        return _obs_array(obs, self.info), float(reward), bool(terminated), bool(truncated)

    def step(self, actions: np.ndarray) -> tuple[Step, list[tuple[int, float, int]]]:
        """Step every environment with its action (:func:`env_actions` checks and clips them).

        :returns: the :class:`Step` (its ``next_obs`` of a finished episode is that episode's
            last observation) and ``(env index, return, length)`` of each finished episode;
            finished environments are reset, and :attr:`obs` holds the observations the next
            step starts from (a new episode's first where one ended).
        """
        acts = env_actions(actions, self.info, self.n)
        results = [self._step_one(i, acts[i]) for i in range(self.n)]
        next_obs = np.stack([r[0] for r in results])
        step = Step(obs=self.obs, action=acts,
                    reward=np.array([r[1] for r in results], dtype=np.float32),
                    next_obs=next_obs,
                    terminated=np.array([r[2] for r in results], dtype=bool),
                    truncated=np.array([r[3] for r in results], dtype=bool))
        finished = []
        obs = next_obs.copy()
        for i in np.flatnonzero(step.done):
            finished.append((int(i), self.returns[i], len(self.actions[i])))
            self.episode[i] += 1
            obs[i] = self._reset(int(i))
        self.obs = obs
        return step, finished

    def state(self) -> dict[str, Any]:
        """The JSON state :meth:`restore` rebuilds the environments from."""
        return {"env_id": self.env_id, "n_envs": self.n, "seed": self.seed,
                "episode": list(self.episode), "actions": [list(a) for a in self.actions]}

    def restore(self, state: dict[str, Any]) -> np.ndarray:
        """Bring every environment back to the state :meth:`state` described: reset it with
        its current episode's seed and replay the recorded actions.

        :returns: the observations the next step starts from.
        :raises CheckpointError: for a state of another pool, or a replay that ends an
            episode early (the environment is not deterministic given its seed and actions).
        """
        if (state.get("env_id"), state.get("n_envs"), state.get("seed")) != (
                self.env_id, self.n, self.seed):
            raise CheckpointError(
                f"the checkpoint's environments ({state.get('n_envs')} x {state.get('env_id')},"
                f" seed {state.get('seed')}) are not this run's ({self.n} x {self.env_id}, "
                f"seed {self.seed})")
        obs = []
        for i in range(self.n):
            self.episode[i] = int(state["episode"][i])
            o = self._reset(i)
            for t, a in enumerate(state["actions"][i]):
                act = np.asarray(a, dtype=np.float32) if not self.info.discrete_actions else a
                o, _, terminated, truncated = self._step_one(i, np.asarray(act))
                if terminated or truncated:
                    raise CheckpointError(
                        f"replaying environment {i}'s episode {self.episode[i]} of "
                        f"{self.env_id} ended it at step {t + 1} of {len(state['actions'][i])}:"
                        " the environment is not deterministic given its seed and actions")
            obs.append(o)
        self.obs = np.stack(obs)
        return self.obs


def build_agent(agent_id: str, hp: dict[str, Any], env_id: str, seed: int,
                env_kwargs: dict[str, Any] | None = None) -> Agent:
    """Agent ``agent_id`` for environment ``env_id``, with its initial weights seeded.

    The config fields the environment decides (:data:`~nnzoo.models.rl.agent.ENV_FIELDS`) are
    filled from the environment's spaces; ``hp`` gives the others (values may be strings, as
    from ``--set``). The global generators are seeded with ``seed`` just before the agent is
    built (its networks' initial weights), then :meth:`Agent.start` seeds its own generators.

    :raises UnknownNameError: for an unknown agent or environment id (with suggestions).
    :raises ConfigError: for a model that is not an agent, an agent whose action kind the
        environment does not have, or a bad hyperparameter.
    """
    spec = get_spec(agent_id)
    if spec.learning != "environment" or not issubclass(spec.cls, Agent):
        raise ConfigError(f"{spec.id} is not a reinforcement-learning agent (it learns from "
                          "datasets); agents: the models with learning='environment'")
    env = make_env(env_id, **(env_kwargs or {}))
    try:
        info = env_info(env, env_id)
    finally:
        env.close()
    check_action_kind(spec.id, spec.cls.action_kind, info)
    fields = {f.name for f in dataclasses.fields(spec.config)}
    seed_everything(seed)
    agent = create(spec.id, **{**hp, **agent_fields(info, fields)})
    assert isinstance(agent, Agent)
    agent.start(seed)
    return agent


#: What :func:`render_episodes` hands each rendered state to: ``(rgb, episode, step)``.
FrameSink = Callable[[np.ndarray, int, int], None]


def _greedy_episode(agent: Agent, env: Any, info: EnvInfo, reset_seed: int,
                    frame: Callable[[np.ndarray, int], None] | None = None
                    ) -> tuple[float, int]:
    """Play one deterministic episode; ``frame(rgb, step)`` gets the rendered state before
    each action.

    :returns: the episode's return and length.
    """
    obs, _ = env.reset(seed=reset_seed)
    total, t, done = 0.0, 0, False
    while not done and t < EVAL_STEP_CAP:
        if frame is not None:
            frame(env.render(), t)
        a = env_actions(agent.act(_obs_array(obs, info)[None], explore=False), info, 1)[0]
        obs, r, terminated, truncated, _ = env.step(int(a) if info.discrete_actions else a)
        total += float(r)
        t += 1
        done = terminated or truncated
    return total, t


def _greedy_episodes(agent: Agent, env_id: str, seeds: list[int],
                     env_kwargs: dict[str, Any] | None, frame: FrameSink | None = None
                     ) -> tuple[np.ndarray, list[int]]:
    pool = EnvPool(env_id, 1, 0, env_kwargs, render_mode="rgb_array" if frame else None)
    check_action_kind(agent.model_id, agent.action_kind, pool.info)
    was = agent.training
    agent.eval()
    returns, lengths = np.zeros(len(seeds)), []
    try:
        with isolated_rng(None), torch.no_grad():
            for j, s in enumerate(seeds):
                sink = None if frame is None else (
                    lambda rgb, t, j=j: frame(rgb, j, t))  # type: ignore[misc]
                returns[j], n = _greedy_episode(agent, pool.envs[0], pool.info, s, sink)
                lengths.append(n)
    finally:
        agent.train(was)
        pool.close()
    return returns, lengths


def evaluate_agent(agent: Agent, env_id: str, episodes: int, seed: int,
                   env_kwargs: dict[str, Any] | None = None, *, first: int = 0) -> np.ndarray:
    """Returns of ``episodes`` deterministic episodes (``act(explore=False)``).

    Episode ``j`` is reset with :func:`eval_seed` ``(seed, first + j)``, never a training
    episode's seed (the loop's evaluations use ``first=0``; ``nnzoo eval`` takes the episodes
    after those, which no evaluation of the run played). The agent is in evaluation mode
    meanwhile (then given its mode back), and the global generators are restored afterwards:
    evaluating changes nothing of the agent or of a run. An episode of an environment
    without a time limit is cut at :data:`EVAL_STEP_CAP` steps.

    :returns: ``(episodes,)`` float64 returns.
    """
    if episodes < 1:
        raise ConfigError(f"evaluation needs at least one episode, got {episodes}")
    seeds = [eval_seed(seed, first + j) for j in range(episodes)]
    return _greedy_episodes(agent, env_id, seeds, env_kwargs)[0]


def render_episodes(agent: Agent, env_id: str, episodes: int, seed: int,
                    frame: FrameSink,
                    env_kwargs: dict[str, Any] | None = None) -> tuple[np.ndarray, list[int]]:
    """Play ``episodes`` deterministic episodes with ``render_mode="rgb_array"``, handing
    ``frame(rgb, episode, step)`` the picture of every state the agent acts in (one per
    step). Episode ``j`` is reset with :func:`eval_seed` ``(seed, j)``.

    :returns: the episodes' returns and lengths.
    """
    if episodes < 1:
        raise ConfigError(f"need at least one episode, got {episodes}")
    with _offscreen():
        return _greedy_episodes(agent, env_id, [eval_seed(seed, j) for j in range(episodes)],
                                env_kwargs, frame)


@contextlib.contextmanager
def _offscreen() -> Iterator[None]:
    """SDL's ``dummy`` video driver for the block, unless the user chose one: gymnasium's
    ``rgb_array`` rendering (pygame) draws off screen and needs no display, and without it
    SDL complains on stderr where there is none. The variable is given back afterwards."""
    had = "SDL_VIDEODRIVER" in os.environ
    if not had:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
    try:
        yield
    finally:
        if not had:
            os.environ.pop("SDL_VIDEODRIVER", None)


def _checkpoint(run: RunDir, agent: Agent, pool: EnvPool, step: int, result: RLResult,
                extra: dict[str, Any]) -> None:
    tensors, agent_json = agent.agent_state()
    g_tensors, g_json = rng_state()
    state = {"kind": CHECKPOINT_KIND, "model": agent.model_id, "step": step,
             "train_time": result.train_time_s, "pool": pool.state(), "agent": agent_json,
             "episodes": [list(e) for e in result.episodes],
             "evals": [list(e) for e in result.evals], "rng": g_json, **extra}
    run.save_checkpoint({**prefixed("model", agent.state_dict()),
                         **prefixed("agent", tensors), **prefixed("rng", g_tensors)}, state)


def load_agent_checkpoint(agent: Agent, path: Any) -> dict[str, Any]:
    """Load a loop checkpoint's ``state_dict`` and agent state into ``agent``; return its
    JSON state.

    :raises CheckpointError: for a checkpoint of another model, or not of the loop.
    """
    tensors, state = load_checkpoint(path)
    if state.get("kind") != CHECKPOINT_KIND:
        raise CheckpointError(f"{path} is not a checkpoint of the reinforcement-learning loop")
    if state.get("model") != agent.model_id:
        raise CheckpointError(f"{path} is a checkpoint of {state.get('model')!r}, not of "
                              f"{agent.model_id!r}")
    try:
        agent.load_state_dict(unprefixed("model", tensors))
    except RuntimeError as e:
        first = str(e).strip().splitlines()[0]
        raise CheckpointError(f"{path} does not fit {agent.model_id} ({first})") from None
    agent.load_agent_state(unprefixed("agent", tensors), state["agent"])
    state["_rng_tensors"] = unprefixed("rng", tensors)
    return state


def _metric_values(metrics: dict[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in metrics.items()
            if isinstance(v, (int, float, np.floating, np.integer, torch.Tensor))
            and np.size(v) == 1}


def _crossed(before: int, after: int, every: int) -> bool:
    """Whether a step count going from ``before`` to ``after`` passed a multiple of ``every``
    (never when ``every`` is 0)."""
    return bool(every) and after // every > before // every


def train_agent(agent: Agent, env_id: str, cfg: RLConfig, *, seed: int,
                run: RunDir | None = None, quiet: bool = True) -> RLResult:
    """Train ``agent`` for ``cfg.steps`` environment steps; evaluate it every
    ``cfg.eval_every`` steps and at the end.

    The agent learns its step budget first (:meth:`Agent.set_budget` with ``cfg.steps``).
    With a run folder the loop logs to its ``metrics.jsonl`` (``kind`` ``episode``, ``log``
    and ``eval`` lines), checkpoints every ``cfg.checkpoint_every`` steps and at the end, and,
    when the folder already holds a checkpoint, resumes from it exactly (the agent given must
    be built as the run built it: :func:`build_agent` with the same id, hyperparameters and
    seed).

    :param agent: the agent (from :func:`build_agent`).
    :param env_id: the gymnasium id.
    :param cfg: the loop's settings.
    :param seed: the run's seed (episode and evaluation seeds derive from it).
    :param run: the run folder, or None (nothing written).
    :param quiet: no progress bar.
    """
    pool = EnvPool(env_id, cfg.n_envs, seed, cfg.env_kwargs)
    check_action_kind(agent.model_id, agent.action_kind, pool.info)
    result, step, last_metrics = RLResult(), 0, {}
    if run is not None and run.checkpoint_path.exists():
        state = load_agent_checkpoint(agent, run.checkpoint_path)
        step, result.train_time_s = int(state["step"]), float(state["train_time"])
        result.episodes = [(int(s), float(r), int(n)) for s, r, n in state["episodes"]]
        result.evals = [(int(s), float(m), float(d)) for s, m, d in state["evals"]]
        last_metrics = dict(state.get("last_metrics") or {})
        set_rng_state(state["_rng_tensors"], state["rng"])
        pool.restore(state["pool"])
        run.truncate_metrics(step)
    else:
        pool.reset()
    agent.set_budget(cfg.steps)
    agent.train()
    recent: deque[float] = deque((r for _, r, _ in result.episodes[-20:]), maxlen=20)
    bar = progress(range(step, cfg.steps, cfg.n_envs), total=-(-cfg.steps // cfg.n_envs),
                   initial=step // cfg.n_envs, desc=f"{agent.model_id} {env_id}", quiet=quiet,
                   unit="step")

    def evaluate(at: int) -> None:
        returns = evaluate_agent(agent, env_id, cfg.eval_episodes, seed, cfg.env_kwargs)
        result.evals.append((at, float(returns.mean()), float(returns.std())))
        if run is not None:
            run.log({"kind": "eval", "step": at, "mean": float(returns.mean()),
                     "std": float(returns.std()), "returns": returns.tolist()})

    try:
        t0 = time.perf_counter()
        for _ in bar:
            actions = agent.act(pool.obs, explore=True)
            transition, finished = pool.step(actions)
            metrics = agent.observe(transition)
            before, step = step, step + cfg.n_envs
            if metrics:
                last_metrics = _metric_values(metrics)
            for _i, ret, length in finished:
                result.episodes.append((step, ret, length))
                recent.append(ret)
                if run is not None:
                    run.log({"kind": "episode", "step": step, "return": ret, "length": length})
            if finished:
                bar.set_postfix({"return": f"{np.mean(recent):.4g}"})
            if run is not None and _crossed(before, step, cfg.log_every):
                run.log({"kind": "log", "step": step, **last_metrics})
            pause = time.perf_counter()
            result.train_time_s += pause - t0
            if _crossed(before, step, cfg.eval_every) and step < cfg.steps:
                evaluate(step)
            if (run is not None and step < cfg.steps
                    and _crossed(before, step, cfg.checkpoint_every)):
                _checkpoint(run, agent, pool, step, result, {"last_metrics": last_metrics})
            t0 = time.perf_counter()
        if not result.evals or result.evals[-1][0] != step:
            evaluate(step)
        result.steps = step
        if run is not None:
            _checkpoint(run, agent, pool, step, result, {"last_metrics": last_metrics})
    finally:
        bar.close()
        pool.close()
    return result


__all__ = ["EnvPool", "RLConfig", "RLResult", "build_agent", "env_actions", "episode_seed",
           "eval_seed", "evaluate_agent", "load_agent_checkpoint", "render_episodes",
           "train_agent"]
