"""The reinforcement-learning loop (nnzoo.train.environment) and agents through the CLI.

The agent here is the test toy of ``tests/rl_toy.py`` (linear Q-learning with a replay
buffer), registered for the tests that go through the registry and taken out afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from rl_toy import TOY_ID, ContinuousToy, ToyConfig, ToyQ, register, unregister

from nnzoo.core.errors import CheckpointError, ConfigError, InputError, UnknownNameError
from nnzoo.core.io import load_checkpoint
from nnzoo.core.rundir import RunDir
from nnzoo.models.rl.agent import Step
from nnzoo.train.environment import (
    EnvPool,
    RLConfig,
    build_agent,
    env_actions,
    episode_seed,
    eval_seed,
    evaluate_agent,
    train_agent,
)
from nnzoo.train.envs import describe

pytest.importorskip("gymnasium")

TOY_SCRIPT = Path(__file__).with_name("rl_toy.py")


@pytest.fixture
def toy() -> Iterator[str]:
    """The toy registered as an agent with recipes (taken out again afterwards)."""
    register()
    yield TOY_ID
    unregister()


def _agent(seed: int = 0, **hp: object) -> ToyQ:
    """The toy as build_agent makes it: initial weights from ``seed``, its generators too."""
    torch.manual_seed(seed)
    agent = ToyQ(ToyConfig(**hp))  # type: ignore[arg-type]
    agent.start(seed)
    return agent


class Recorder(ToyQ):
    """The toy, keeping every Step it is shown."""

    def __init__(self, config: ToyConfig) -> None:
        super().__init__(config)
        self.steps: list[Step] = []

    def observe(self, step: Step) -> dict[str, float]:
        self.steps.append(step)
        return super().observe(step)


# ------------------------------------------------------------------------------ the pool
def test_pool_same_seed_same_first_observations_and_episodes_differ() -> None:
    a, b = EnvPool("CartPole-v1", 3, seed=5), EnvPool("CartPole-v1", 3, seed=5)
    oa, ob = a.reset(), b.reset()
    assert oa.dtype == np.float32 and oa.shape == (3, 4)
    np.testing.assert_array_equal(oa, ob)
    assert len({tuple(o) for o in oa}) == 3           # each environment its own episode
    other = EnvPool("CartPole-v1", 3, seed=6).reset()
    assert not np.array_equal(oa, other)
    # episode 1 of environment 0 starts elsewhere than episode 0
    env = a.envs[0]
    o0, _ = env.reset(seed=episode_seed(5, 0, 0))
    o1, _ = env.reset(seed=episode_seed(5, 0, 1))
    np.testing.assert_array_equal(o0, oa[0])
    assert not np.array_equal(o0, o1)
    for p in (a, b):
        p.close()


def test_training_and_evaluation_seeds_never_meet() -> None:
    train = {episode_seed(s, i, k) for s in range(3) for i in range(4) for k in range(200)}
    ev = {eval_seed(s, j) for s in range(3) for j in range(200)}
    assert not train & ev and all(x % 2 == 0 for x in train) and all(x % 2 for x in ev)


def test_discrete_observations_are_int64() -> None:
    pool = EnvPool("FrozenLake-v1", 2, seed=0)
    obs = pool.reset()
    assert obs.dtype == np.int64 and obs.shape == (2,)
    step, _ = pool.step(np.array([1, 2]))
    assert step.next_obs.dtype == np.int64 and step.action.dtype == np.int64
    pool.close()


def test_continuous_actions_are_clipped_to_the_box() -> None:
    info = describe("Pendulum-v1")
    got = env_actions(np.array([[5.0], [-0.5], [-9.0]]), info, 3)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got[:, 0], np.float32([2.0, -0.5, -2.0]))
    with pytest.raises(InputError, match="shape"):
        env_actions(np.zeros((3, 2)), info, 3)
    with pytest.raises(InputError, match="finite"):
        env_actions(np.array([[np.nan]] * 3), info, 3)
    with pytest.raises(InputError, match=r"in \[0, 2\)"):
        env_actions(np.array([0, 2]), describe("CartPole-v1"), 2)


# ------------------------------------------------------------------------------ the loop
def test_steps_are_counted_over_environments_and_next_obs_ends_episodes() -> None:
    agent = Recorder(ToyConfig())
    agent.start(0)
    res = train_agent(agent, "CartPole-v1", RLConfig(steps=301, n_envs=3, eval_episodes=1),
                      seed=2)
    assert res.steps == 303 and len(agent.steps) == 101      # the first multiple of 3 >= 301
    ends = [(t, i) for t, s in enumerate(agent.steps) for i in np.flatnonzero(s.done)]
    assert ends, "no episode ended in 303 random-ish CartPole steps"
    for t, i in ends:
        s = agent.steps[t]
        # CartPole ends by the pole's angle or the cart's position: the terminal observation
        assert s.terminated[i] and (abs(s.next_obs[i, 2]) > 0.2094 or abs(s.next_obs[i, 0]) > 2.4)
        nxt = agent.steps[t + 1].obs[i] if t + 1 < len(agent.steps) else None
        if nxt is not None:  # a new episode's first observation: a reset's, all within 0.05
            assert np.abs(nxt).max() <= 0.05 and not np.array_equal(nxt, s.next_obs[i])
    # every other transition continues from where the last one led
    for t in range(len(agent.steps) - 1):
        keep = ~agent.steps[t].done
        np.testing.assert_array_equal(agent.steps[t + 1].obs[keep], agent.steps[t].next_obs[keep])
    lengths = sum(n for _, _, n in res.episodes)
    assert lengths <= res.steps and len(res.episodes) == len(ends)


def test_evaluation_changes_nothing() -> None:
    agent = _agent(learning_starts=16)
    train_agent(agent, "CartPole-v1", RLConfig(steps=200, eval_episodes=1), seed=0)
    before = {k: v.clone() for k, v in agent.state_dict().items()}
    tensors, state = agent.agent_state()
    tensors = {k: v.clone() for k, v in tensors.items()}
    cpu = torch.get_rng_state()
    npy = np.random.get_state()[1].copy()
    agent.train()
    r1 = evaluate_agent(agent, "CartPole-v1", 3, seed=4)
    r2 = evaluate_agent(agent, "CartPole-v1", 3, seed=4)
    np.testing.assert_array_equal(r1, r2)                    # deterministic episodes
    assert agent.training
    assert all(torch.equal(before[k], v) for k, v in agent.state_dict().items())
    t2, s2 = agent.agent_state()
    assert all(torch.equal(tensors[k], t2[k]) for k in tensors) and s2 == state
    assert torch.equal(cpu, torch.get_rng_state())
    np.testing.assert_array_equal(npy, np.random.get_state()[1])


def test_loop_writes_metrics_and_one_checkpoint(tmp_path: Path) -> None:
    run = RunDir.create(tmp_path, "toy")
    cfg = RLConfig(steps=400, eval_every=200, eval_episodes=2, checkpoint_every=150,
                   log_every=100)
    res = train_agent(_agent(), "CartPole-v1", cfg, seed=1, run=run)
    recs = run.read_metrics()
    episodes = [r for r in recs if r["kind"] == "episode"]
    assert [(r["step"], r["return"], r["length"]) for r in episodes] == res.episodes
    assert [r["step"] for r in recs if r["kind"] == "log"] == [100, 200, 300, 400]
    assert [r["step"] for r in recs if r["kind"] == "eval"] == [200, 400]
    assert [(e[0]) for e in res.evals] == [200, 400]
    _, state = load_checkpoint(run.checkpoint_path)
    assert state["step"] == 400 and state["model"] == TOY_ID
    assert len(state["pool"]["actions"][0]) == 400 - sum(n for _, _, n in res.episodes)


def test_checkpoint_written_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A checkpoint write that fails midway leaves the previous checkpoint whole, no temp."""
    run = RunDir.create(tmp_path, "toy")
    calls = {"n": 0}
    real = os.fsync

    def fsync_failing_on_the_second_checkpoint(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").split("/")[-1].startswith(".checkpoint"):
            calls["n"] += 1
            if calls["n"] == 2:
                raise OSError("disk full")
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync_failing_on_the_second_checkpoint)
    with pytest.raises(OSError, match="disk full"):
        train_agent(_agent(), "CartPole-v1", RLConfig(steps=500, checkpoint_every=100), seed=0,
                    run=run)
    _, state = load_checkpoint(run.checkpoint_path)
    assert state["step"] == 100
    assert not [p.name for p in run.path.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("n_envs", [1, 3])
def test_resume_in_process_equals_uninterrupted(tmp_path: Path, n_envs: int) -> None:
    """Stop a run after a checkpoint (steps=300 of a 700-step plan), resume it: the same
    episodes, evaluations and final weights as a run never stopped."""
    cfg = RLConfig(steps=700, n_envs=n_envs, eval_every=350, eval_episodes=2,
                   checkpoint_every=150)
    whole = RunDir.create(tmp_path / "a", "toy")
    ref = train_agent(_agent(seed=3), "CartPole-v1", cfg, seed=3, run=whole)
    part = RunDir.create(tmp_path / "b", "toy")
    first = RLConfig(**{**cfg.__dict__, "steps": 300})
    train_agent(_agent(seed=3), "CartPole-v1", first, seed=3, run=part)
    fresh = _agent(seed=99)                    # the checkpoint overrides everything
    got = train_agent(fresh, "CartPole-v1", cfg, seed=3, run=part)
    assert got.episodes == ref.episodes and got.steps == ref.steps
    stop = -(-300 // n_envs) * n_envs                           # where the first part ended
    assert [e for e in got.evals if e[0] != stop] == ref.evals  # the stopped run's own
    ta, _ = load_checkpoint(whole.checkpoint_path)
    tb, _ = load_checkpoint(part.checkpoint_path)
    assert all(torch.equal(ta[k], tb[k]) for k in ta if k.startswith(("model.", "agent.")))


def test_checkpoint_of_another_environment_is_refused(tmp_path: Path) -> None:
    run = RunDir.create(tmp_path, "toy")
    train_agent(_agent(), "CartPole-v1", RLConfig(steps=50), seed=0, run=run)
    with pytest.raises(CheckpointError, match="environments"):
        train_agent(_agent(), "CartPole-v1", RLConfig(steps=80, n_envs=2), seed=0, run=run)


def test_wrong_action_kind_and_bad_settings() -> None:
    with pytest.raises(ConfigError, match="needs continuous actions, but CartPole-v1 has "
                                          "discrete"):
        train_agent(ContinuousToy(ToyConfig()), "CartPole-v1", RLConfig(steps=10), seed=0)
    for bad, match in [({"steps": 0}, "steps"), ({"n_envs": 0}, "n_envs"),
                       ({"env_kwargs": "{oops"}, "JSON object"),
                       ({"env_kwargs": "[1]"}, "JSON object")]:
        with pytest.raises(ConfigError, match=match):
            RLConfig(**bad)  # type: ignore[arg-type]
    assert RLConfig(env_kwargs='{"is_slippery": false}').env_kwargs == {"is_slippery": False}


# ------------------------------------------------------------------------------ the registry
def test_build_agent_fills_the_environment_and_refuses_the_wrong_kind(toy: str) -> None:
    agent = build_agent(toy, {"gamma": 0.9}, "FrozenLake-v1", seed=0)
    assert agent.config.n_states == 16 and agent.config.n_actions == 4
    assert agent.config.sample_shape == (1,) and agent.config.gamma == 0.9
    a = build_agent(toy, {}, "Acrobot-v1", seed=1)
    b = build_agent(toy, {}, "Acrobot-v1", seed=1)
    assert a.config.sample_shape == (6,) and a.config.n_actions == 3
    assert torch.equal(a.q.weight, b.q.weight)                  # seeded initial weights
    with pytest.raises(ConfigError, match="needs discrete actions, but Pendulum-v1 has "
                                          "continuous"):
        build_agent(toy, {}, "Pendulum-v1", seed=0)
    with pytest.raises(UnknownNameError, match="did you mean 'CartPole-v1'"):
        build_agent(toy, {}, "CartPol-v1", seed=0)
    with pytest.raises(ConfigError, match="gamma"):
        build_agent(toy, {"gamma": "1.5"}, "CartPole-v1", seed=0)
    with pytest.raises(ConfigError, match="not a reinforcement-learning agent"):
        build_agent("mlp", {}, "CartPole-v1", seed=0)


def _only_run(root: Path) -> Path:
    (run,) = [p for p in root.iterdir() if p.is_dir()]
    return run


def test_train_eval_play_through_the_cli(cli, toy: str, tmp_path: Path) -> None:
    code, out, err = cli("train", toy, "--set", "steps=300", "--set", "eval_every=150",
                         "--out", str(tmp_path / "runs"), "--quiet")
    assert code == 0, err
    assert "evaluation return" in out
    run = _only_run(tmp_path / "runs")
    names = {p.name for p in run.iterdir()}
    assert {"config.json", "metrics.jsonl", "checkpoint.safetensors", "summary.json",
            "plots"} <= names
    summary = json.loads((run / "summary.json").read_text())
    assert summary["steps"] == 300 and summary["test"]["return"] > 0
    assert len(summary["return_curve"]["steps"]) == len(summary["return_curve"]["return"])
    assert [e[0] for e in summary["evals"]] == [150, 300]
    assert {"return_curve.png", "q_weights.png"} <= {p.name for p in (run / "plots").iterdir()}
    config = json.loads((run / "config.json").read_text())
    assert config["train"]["steps"] == 300 and config["dataset"] == "CartPole-v1"

    code, out, err = cli("eval", str(run))
    assert code == 0 and "return" in out and "over 2 episodes" in out, err

    gif = tmp_path / "one.gif"
    before = sorted(p.name for p in run.rglob("*"))
    code, out, err = cli("play", str(run), "--out", str(gif), "--seed", "3")
    assert code == 0, err
    length = int(out.split("return")[1].split(",")[1].split()[0])
    from PIL import Image

    with Image.open(gif) as im:
        assert im.n_frames == length                  # one frame per step of the episode
    assert sorted(p.name for p in run.rglob("*")) == before   # only the file asked for
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_play_errors(cli, toy: str, tmp_path: Path) -> None:
    code, _, err = cli("train", "perceptron", "--epochs", "1", "--out", str(tmp_path / "p"),
                       "--quiet")
    assert code == 0, err
    code, _, err = cli("play", str(_only_run(tmp_path / "p")))
    assert code == 2 and "not of a reinforcement-learning agent" in err
    code, _, err = cli("train", toy, "--set", "steps=20", "--out", str(tmp_path / "r"),
                       "--quiet")
    run = _only_run(tmp_path / "r")
    code, _, err = cli("play", str(run), "--out", str(tmp_path / "x.avi"))
    assert code == 2 and ".gif or .mp4" in err and len(err.strip().splitlines()) == 1
    code, _, err = cli("play", str(run), "--episodes", "0")
    assert code == 2 and "--episodes" in err
    if not _has_mp4_writer():
        code, _, err = cli("play", str(run), "--out", str(tmp_path / "x.mp4"))
        assert code == 2 and "ffmpeg" in err
    assert not (tmp_path / "x.avi").exists() and not (tmp_path / "x.mp4").exists()


@pytest.mark.skipif("not _has_mp4_writer()", reason="no ffmpeg writer (imageio-ffmpeg, PyAV)")
def test_play_writes_an_mp4(cli, toy: str, tmp_path: Path) -> None:
    code, _, err = cli("train", toy, "--set", "steps=50", "--out", str(tmp_path / "r"),
                       "--quiet")
    assert code == 0, err
    video = tmp_path / "two.mp4"
    code, out, err = cli("play", str(_only_run(tmp_path / "r")), "--out", str(video),
                         "--episodes", "2", "--fps", "20")
    assert code == 0, err
    steps = sum(int(line.split(",")[1].split()[0]) for line in out.splitlines()
                if line.startswith("episode"))
    import imageio.v2 as imageio

    with imageio.get_reader(video) as reader:
        assert reader.count_frames() == steps and reader.get_meta_data()["fps"] == 20


def _has_mp4_writer() -> bool:
    from nnzoo.core.plots import _mp4_plugin

    return _mp4_plugin() is not None


def test_cli_errors_for_agents(cli, toy: str, tmp_path: Path) -> None:
    out = str(tmp_path / "runs")
    cases = [
        (["--epochs", "3"], "environment steps, not epochs"),
        (["--nproc", "2"], "n_envs"),
        (["--dataset", "CartPol-v1"], "did you mean 'CartPole-v1'"),
        (["--dataset", "Pendulum-v1"], "needs discrete actions, but Pendulum-v1 has continuous"),
        (["--set", "gamma=1.5"], "gamma (the discount) must be in [0, 1]"),
        (["--set", "stesp=10"], "did you mean 'steps'"),
        (["--set", "n_actions=3"], "unknown hyperparameter"),       # the environment's field
        (["--set", "buffer_size=4", "--set", "batch_size=8"], "smaller than a batch"),
        (["--amp"], "--amp"),
    ]
    for args, needle in cases:
        code, _, err = cli("train", toy, *args, "--out", out, "--quiet")
        assert code == 2 and needle in err and len(err.strip().splitlines()) == 1, (args, err)
    assert not Path(out).exists() or not any(Path(out).iterdir())  # no half-made run folder


def test_unknown_environment_in_a_recipe(cli, toy: str, tmp_path: Path) -> None:
    from nnzoo.recipes import base

    base.add(base.Recipe(model=toy, name="typo", dataset="Acrobat-v1", description="typo",
                         metric="return", module=__name__, train={"steps": 10}))
    code, _, err = cli("train", toy, "--recipe", "typo", "--out", str(tmp_path), "--quiet")
    assert code == 2 and "unknown environment 'Acrobat-v1'" in err and "Acrobot-v1" in err


def test_tabular_recipe_with_env_kwargs(cli, toy: str, tmp_path: Path) -> None:
    code, out, err = cli("train", toy, "--recipe", "frozenlake", "--set",
                         'env_kwargs={"is_slippery": false}', "--out", str(tmp_path), "--quiet")
    assert code == 0, err
    config = json.loads((_only_run(tmp_path) / "config.json").read_text())
    assert config["train"]["env_kwargs"] == {"is_slippery": False}
    assert config["dataset"] == "FrozenLake-v1"


# ------------------------------------------------------------------------------ SIGKILL
def _toy_cli(*args: str) -> list[str]:
    return [sys.executable, str(TOY_SCRIPT), *args]


def test_resume_after_sigkill_matches_uninterrupted_run(tmp_path: Path) -> None:
    """Kill an agent's run with SIGKILL between checkpoints, resume it with nnzoo train
    --resume, and compare with a run never stopped: the same episodes (steps, returns,
    lengths), evaluations and final weights, replay buffer and optimizer state."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")])}
    args = ["train", TOY_ID, "--set", "steps=1500", "--set", "checkpoint_every=250",
            "--set", "eval_every=500", "--set", "eval_episodes=2", "--seed", "4", "--quiet"]
    whole = subprocess.run(_toy_cli(*args, "--out", str(tmp_path / "whole")), env=env,
                           capture_output=True, text=True, timeout=600)
    assert whole.returncode == 0, whole.stderr

    out = tmp_path / "killed"
    proc = subprocess.Popen(_toy_cli(*args, "--out", str(out)), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline, killed_at = time.time() + 300, None
    while time.time() < deadline and proc.poll() is None:
        state = next(out.glob("*/state.json"), None) if out.exists() else None
        if state is not None:
            try:
                step = json.loads(state.read_text())["step"]
            except (json.JSONDecodeError, KeyError, OSError):
                step = None
            if step is not None and 250 <= step < 1250:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                killed_at = step
                break
        time.sleep(0.005)
    assert killed_at is not None, "the run finished before it could be killed"
    run = _only_run(out)
    assert not (run / "summary.json").exists()

    resumed = subprocess.run(_toy_cli("train", "--resume", str(run), "--quiet"), env=env,
                             capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    ref = _only_run(tmp_path / "whole")
    a = json.loads((ref / "summary.json").read_text())
    b = json.loads((run / "summary.json").read_text())
    assert a["test"] == b["test"] and a["evals"] == b["evals"] and a["steps"] == b["steps"]
    assert a["return_curve"] == b["return_curve"]

    def records(r: Path) -> list[dict]:
        return [{k: v for k, v in rec.items()} for rec in RunDir(r).read_metrics()]

    assert records(ref) == records(run)
    ta, sa = load_checkpoint(ref / "checkpoint.safetensors")
    tb, sb = load_checkpoint(run / "checkpoint.safetensors")
    assert ta.keys() == tb.keys()
    assert all(torch.equal(ta[k], tb[k]) for k in ta if not k.startswith("rng."))
    assert sa["episodes"] == sb["episodes"] and sa["pool"] == sb["pool"]


def test_gallery_records_an_agent(toy: str) -> None:
    """The gallery trains an agent's default recipe like any model's and keeps its return
    curve, its own pictures and a still of a greedy episode."""
    from nnzoo.web.gallery import EPISODE, record_model

    done = record_model(toy, "nnzoo site gallery OUT --id " + toy)
    assert {"return_curve.png", "q_weights.png", EPISODE} <= set(done.record["figures"])
    assert done.record["metric"] == "return" and done.record["test_metric"] is not None
    assert all(done.files[n].startswith(b"\x89PNG") for n in done.record["figures"])


# ------------------------------------------------------------------------------ the plots
def test_resample_returns_and_return_curves(tmp_path: Path) -> None:
    from nnzoo.core.plots import resample_returns, return_curves

    episodes = [(10, 1.0, 10), (25, 3.0, 15), (40, 5.0, 15)]
    got = resample_returns(episodes, [5, 10, 30, 40, 100], window=2)
    assert np.isnan(got[0])                              # no episode had ended by step 5
    np.testing.assert_allclose(got[1:], [1.0, 2.0, 4.0, 4.0])
    path = return_curves({"nnzoo": [got, got + 1], "peer": [got]}, [5, 10, 30, 40, 100],
                         tmp_path / "curves.png", "returns", target=4.5)
    assert path.read_bytes().startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="points"):
        return_curves({"x": [np.zeros(3)]}, [1, 2], tmp_path / "bad.png")
    assert not (tmp_path / "bad.png").exists()


def test_lunar_lander_is_described_when_box2d_is_installed() -> None:
    """LunarLander-v3 (the rl extra's Box2D): eight observations, four discrete actions;
    its continuous form, a box of two actions in [-1, 1]."""
    pytest.importorskip("Box2D")
    from nnzoo.train.envs import describe, env_info, make_env

    info = describe("LunarLander-v3")
    assert (info.obs_shape, info.n_actions) == ((8,), 4)
    env = make_env("LunarLander-v3", continuous=True)
    try:
        cont = env_info(env, "LunarLander-v3")
    finally:
        env.close()
    assert cont.n_actions == 0 and cont.action_shape == (2,)
    assert cont.action_low == (-1.0, -1.0) and cont.action_high == (1.0, 1.0)


def test_environment_arguments_it_does_not_take_are_one_clear_error() -> None:
    """A recipe's env_kwargs on another environment (FrozenLake's is_slippery on CartPole)."""
    from nnzoo.core.errors import ConfigError
    from nnzoo.train.envs import make_env

    with pytest.raises(ConfigError, match=r"CartPole-v1 does not take.*is_slippery=True"):
        make_env("CartPole-v1", is_slippery=True)
