"""Every reinforcement-learning agent (``learning="environment"``) honours the agents'
contract (nnzoo/models/rl/agent.py): registry-driven, so a new agent is tested by
registering it. The test toy of ``tests/rl_toy.py`` runs the same checks, so that they are
exercised even where no agent is registered.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from rl_toy import TOY_ID, register, unregister

from nnzoo.core.errors import ConfigError, InputError
from nnzoo.core.rundir import RunDir
from nnzoo.models import create, get_spec, implemented_ids
from nnzoo.models.rl.agent import Agent
from nnzoo.recipes import get_recipe
from nnzoo.train.environment import (
    EnvPool,
    RLConfig,
    build_agent,
    load_agent_checkpoint,
    train_agent,
)

pytest.importorskip("gymnasium")

AGENTS = [m for m in implemented_ids() if get_spec(m).learning == "environment"]

#: Values that make an agent learn within a few hundred steps, for the fields it has
#: (a replay agent starts learning early, on small batches, often).
SMALL = {"learning_starts": 32, "batch_size": 16, "buffer_size": 1000, "train_freq": 1,
         "gradient_steps": 1, "target_update_interval": 50, "total_steps": 500}
STEPS = 400


@pytest.fixture(params=[*AGENTS, TOY_ID])
def agent_id(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each registered agent, and the test toy (registered for the test only)."""
    if request.param == TOY_ID:
        register()
        yield TOY_ID
        unregister()
    else:
        yield request.param


def _env(agent_id: str) -> tuple[str, dict[str, Any]]:
    rec = get_recipe(agent_id)
    return rec.dataset, dict(RLConfig(**{k: v for k, v in rec.train.items()
                                         if k == "env_kwargs"}).env_kwargs)


def _hp(agent_id: str) -> dict[str, Any]:
    """The default recipe's hyperparameters, with the SMALL values where the agent has the
    field."""
    fields = {f.name for f in dataclasses.fields(get_spec(agent_id).config)}
    return {**get_recipe(agent_id).model_hp,
            **{k: v for k, v in SMALL.items() if k in fields}}


def _build(agent_id: str, seed: int = 0) -> tuple[Agent, str, dict[str, Any]]:
    env_id, kwargs = _env(agent_id)
    return build_agent(agent_id, _hp(agent_id), env_id, seed, kwargs), env_id, kwargs


def _observations(env_id: str, kwargs: dict[str, Any], n: int = 5) -> np.ndarray:
    pool = EnvPool(env_id, n, seed=11, env_kwargs=kwargs)
    try:
        return pool.reset()
    finally:
        pool.close()


def _state(agent: Agent) -> dict[str, Any]:
    tensors, state = agent.agent_state()
    return {"sd": {k: v.clone() for k, v in agent.state_dict().items()},
            "tensors": {k: v.clone() for k, v in tensors.items()}, "json": state}


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (a["sd"].keys() == b["sd"].keys()
            and all(torch.equal(a["sd"][k], b["sd"][k]) for k in a["sd"])
            and a["tensors"].keys() == b["tensors"].keys()
            and all(torch.equal(a["tensors"][k], b["tensors"][k]) for k in a["tensors"])
            and a["json"] == b["json"])


def test_default_recipe_environment_builds_the_agent(agent_id: str) -> None:
    agent, env_id, _ = _build(agent_id)
    rec = get_recipe(agent_id)
    assert rec.metric == "return" and rec.dataset == env_id
    assert isinstance(agent, Agent) and agent.model_id == agent_id
    RLConfig(**rec.train)  # the recipe's loop settings are valid


def test_act_gives_actions_inside_the_space(agent_id: str) -> None:
    agent, env_id, kwargs = _build(agent_id)
    obs = _observations(env_id, kwargs)
    pool = EnvPool(env_id, 1, env_kwargs=kwargs)
    info = pool.info
    pool.close()
    for explore in (True, False):
        a = np.asarray(agent.act(obs, explore=explore))
        if info.discrete_actions:
            assert a.shape == (5,) and np.issubdtype(a.dtype, np.integer), (a.dtype, a.shape)
            assert a.min() >= 0 and a.max() < info.n_actions
        else:
            assert a.shape == (5, *info.action_shape) and np.issubdtype(a.dtype, np.floating)
            assert (a >= np.asarray(info.action_low) - 1e-6).all()
            assert (a <= np.asarray(info.action_high) + 1e-6).all()
    greedy = agent.act(obs, explore=False)
    np.testing.assert_array_equal(greedy, agent.act(obs, explore=False))


def test_observing_steps_changes_the_agent_and_reports_finite_metrics(agent_id: str) -> None:
    agent, env_id, kwargs = _build(agent_id)
    before = _state(agent)
    pool = EnvPool(env_id, 1, seed=0, env_kwargs=kwargs)
    pool.reset()
    agent.set_budget(STEPS)
    metrics: list[dict[str, float]] = []
    for _ in range(STEPS):
        step, _ = pool.step(agent.act(pool.obs, explore=True))
        got = agent.observe(step)
        if got:
            metrics.append(got)
    pool.close()
    assert not _same(before, _state(agent)), "a few hundred steps changed nothing"
    assert metrics, f"{agent_id} reported no metrics in {STEPS} steps"
    for m in metrics:
        for k, v in m.items():
            assert np.isfinite(float(v)), (k, v)


def test_checkpoint_round_trip(agent_id: str, tmp_path: Path) -> None:
    """Save through the loop's checkpoint, load into an agent built with another seed: the
    same greedy actions, and the same states after the same continued training."""
    agent, env_id, kwargs = _build(agent_id, seed=0)
    run = RunDir.create(tmp_path, "agent")
    cfg = RLConfig(steps=STEPS // 2, eval_episodes=1, env_kwargs=kwargs)
    train_agent(agent, env_id, cfg, seed=0, run=run)
    other, _, _ = _build(agent_id, seed=1)
    load_agent_checkpoint(other, run.checkpoint_path)
    obs = _observations(env_id, kwargs)
    np.testing.assert_array_equal(agent.act(obs, explore=False),
                                  other.act(obs, explore=False))
    assert _same(_state(agent), _state(other))
    more = RLConfig(steps=STEPS // 2, eval_episodes=1, env_kwargs=kwargs)
    train_agent(agent, env_id, more, seed=5)
    train_agent(other, env_id, more, seed=5)
    assert _same(_state(agent), _state(other))


def test_predict_refuses_bad_input(agent_id: str) -> None:
    agent, env_id, kwargs = _build(agent_id)
    obs = torch.as_tensor(_observations(env_id, kwargs))
    shape = agent.sample_shape
    good = obs.reshape(len(obs), *shape)
    assert agent.predict(good).shape[0] == len(obs)
    with pytest.raises(InputError, match="shape"):
        agent.predict(torch.zeros(3, *shape, 2, dtype=good.dtype))
    if agent.integer_input:
        with pytest.raises(InputError, match="integer"):
            agent.predict(good.float())
    else:
        with pytest.raises(InputError, match="floating"):
            agent.predict(good.long())
        bad = good.clone()
        bad[0].view(-1)[0] = float("nan")
        with pytest.raises(InputError, match="NaN"):
            agent.predict(bad)


def test_bad_discount_is_a_config_error(agent_id: str) -> None:
    if "gamma" not in {f.name for f in dataclasses.fields(get_spec(agent_id).config)}:
        pytest.skip(f"{agent_id} has no discount")
    env_id, kwargs = _env(agent_id)
    for gamma in ("1.5", "-0.1"):
        with pytest.raises(ConfigError, match="gamma"):
            build_agent(agent_id, {**_hp(agent_id), "gamma": gamma}, env_id, 0, kwargs)
    with pytest.raises(ConfigError, match="gamma"):
        create(agent_id, gamma=1.5)
