"""DDPG and NAF: the NAF Q-function's algebra, DDPG's critic target and update (against a
hand computation and against Stable-Baselines3's own update), Polyak averaging, the noise
processes, the SB3 schedule, actions inside the box, exact state round trips, and the errors
of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from nnzoo.core.errors import ConfigError
from nnzoo.models import create
from nnzoo.models.rl.agent import Step
from nnzoo.models.rl.continuous import polyak_update
from nnzoo.models.rl.ddpg import DDPG
from nnzoo.models.rl.naf import NAF, NAFNet
from nnzoo.models.rl.noise import GaussianNoise, OrnsteinUhlenbeckNoise

SMALL = {"net_arch": (16, 16), "batch_size": 8, "buffer_size": 100, "learning_starts": 0}


def agent(agent_id: str, **hp: object) -> DDPG | NAF:
    torch.manual_seed(0)
    a = create(agent_id, **{**SMALL, **hp})
    assert isinstance(a, (DDPG, NAF))
    a.start(0)
    return a


def step(n: int, rng: np.random.Generator, obs_dim: int = 3, act_dim: int = 1,
         terminated: bool = False, truncated: bool = False, box: float = 2.0) -> Step:
    return Step(rng.standard_normal((n, obs_dim)).astype(np.float32),
                rng.uniform(-box, box, (n, act_dim)).astype(np.float32),
                rng.standard_normal(n).astype(np.float32),
                rng.standard_normal((n, obs_dim)).astype(np.float32),
                np.full(n, terminated), np.full(n, truncated))


# -- NAF: the quadratic Q-function ------------------------------------------------------------

@pytest.mark.parametrize("diagonal", ["exp", "softplus"])
def test_naf_q_is_quadratic_in_the_action_with_its_maximum_at_mu(diagonal: str) -> None:
    torch.manual_seed(1)
    d = 3
    net = NAFNet(5, d, (32,), diagonal).double()
    obs = torch.randn(4, 5, dtype=torch.float64)
    v, mu, _ = net.heads(obs)
    P = net.precision(obs)
    # P symmetric positive definite
    assert torch.allclose(P, P.transpose(1, 2))
    assert (torch.linalg.eigvalsh(P) > 0).all()
    # the maximum: Q(s, mu) = V(s) >= Q(s, a) for random a
    q_mu = net(obs, mu)
    assert torch.allclose(q_mu, v)
    for _ in range(20):
        a = mu + torch.randn(4, d, dtype=torch.float64)
        assert (net(obs, a) <= q_mu + 1e-12).all()
    # the Hessian in a, by autograd, is -P(s); the gradient at mu is zero
    for i in range(len(obs)):
        def q_of_a(a: torch.Tensor, i: int = i) -> torch.Tensor:
            return net(obs[i:i + 1], a[None])[0, 0]
        H = torch.autograd.functional.hessian(q_of_a, torch.randn(d, dtype=torch.float64))
        assert torch.allclose(H, -P[i], atol=1e-10)
        g = torch.autograd.functional.jacobian(q_of_a, mu[i].detach())
        assert torch.allclose(g, torch.zeros(d, dtype=torch.float64), atol=1e-10)
    # quadratic: Q(s, a) = V - 1/2 (a - mu)^T P (a - mu) exactly
    a = torch.randn(4, d, dtype=torch.float64)
    diff = a - mu
    quad = torch.einsum("bi,bij,bj->b", diff, P, diff)[:, None]
    assert torch.allclose(net(obs, a), v - 0.5 * quad)


def test_naf_target_is_the_target_networks_value_and_greedy_action_is_mu() -> None:
    a = agent("naf")
    with torch.no_grad():
        a.q_target.v.bias.fill_(3.0)
        a.q_target.v.weight.zero_()
    r, t = torch.tensor([[1.0], [2.0]]), torch.tensor([[0.0], [1.0]])
    y = a.td_target(r, torch.randn(2, 3), t)
    assert torch.allclose(y, torch.tensor([[1.0 + 0.99 * 3.0], [2.0]]))
    obs = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    with torch.no_grad():
        mu = a.q.heads(torch.as_tensor(obs))[1].numpy()
    assert np.allclose(a.act(obs, explore=False), 2.0 * mu, atol=1e-6)  # box [-2, 2]


# -- DDPG: the critic target and the update ---------------------------------------------------

def test_ddpg_critic_target_by_hand_terminated_versus_truncated() -> None:
    a = agent("ddpg", gamma=0.9, learning_starts=1_000)  # no update meanwhile
    with torch.no_grad():  # a target critic that answers 5 everywhere
        for p in a.critic_target.parameters():
            p.zero_()
        a.critic_target.q[-1].bias.fill_(5.0)
    rng = np.random.default_rng(0)
    a.observe(step(1, rng, terminated=True))          # a terminal state
    a.observe(step(1, rng, truncated=True))           # a time-limit cut: bootstraps
    a.observe(step(1, rng))                           # an ordinary step
    b = a.replay.get(np.arange(3))
    assert b.terminated.tolist() == [1.0, 0.0, 0.0]
    y = a.td_target(torch.as_tensor(b.reward)[:, None], torch.as_tensor(b.next_obs),
                    torch.as_tensor(b.terminated)[:, None])
    expected = [b.reward[0], b.reward[1] + 0.9 * 5.0, b.reward[2] + 0.9 * 5.0]
    assert np.allclose(y[:, 0].numpy(), expected, atol=1e-6)


def test_ddpg_update_matches_stable_baselines3() -> None:
    """One update of nnzoo's DDPG and of SB3's DDPG from the same weights on the same batch
    gives the same critic, actor and target weights."""
    pytest.importorskip("stable_baselines3")
    gym = pytest.importorskip("gymnasium")
    from stable_baselines3 import DDPG as SB3DDPG
    from stable_baselines3.common.logger import Logger
    from stable_baselines3.common.type_aliases import ReplayBufferSamples

    ours = agent("ddpg", tau=0.05, gamma=0.95, lr=1e-2, learning_starts=1_000)
    env = gym.make("Pendulum-v1")
    theirs = SB3DDPG("MlpPolicy", env, learning_rate=1e-2, tau=0.05, gamma=0.95, batch_size=8,
                     policy_kwargs={"net_arch": [16, 16]}, device="cpu", seed=0)
    theirs.set_logger(Logger(folder=None, output_formats=[]))  # writes nothing
    pairs = [(ours.actor, theirs.actor.mu), (ours.critic.q, theirs.critic.qf0),
             (ours.actor_target, theirs.actor_target.mu),
             (ours.critic_target.q, theirs.critic_target.qf0)]
    for mine, sb3 in pairs:  # SB3 starts from nnzoo's weights
        sb3.load_state_dict(mine.state_dict())
    rng = np.random.default_rng(3)
    for _ in range(8):
        ours.observe(step(1, rng, terminated=bool(rng.random() < 0.3), box=2.0))
    batch = ours.sample_batch()
    samples = ReplayBufferSamples(batch["obs"], batch["action"], batch["next_obs"],
                                  batch["terminated"], batch["reward"])
    theirs.replay_buffer.sample = lambda *args, **kw: samples  # type: ignore[method-assign]
    theirs.train(gradient_steps=1, batch_size=8)
    ours.update(batch)
    for mine, sb3 in pairs:
        for (name, p), q in zip(mine.state_dict().items(), sb3.state_dict().values(),
                                strict=True):
            assert torch.allclose(p, q, atol=1e-6), name
    env.close()


def test_polyak_update_against_the_formula() -> None:
    torch.manual_seed(0)
    online, target = torch.nn.Linear(4, 3), torch.nn.Linear(4, 3)
    before = [p.detach().clone() for p in target.parameters()]
    polyak_update(online, target, 0.1)
    for p, t0, t1 in zip(online.parameters(), before, target.parameters(), strict=True):
        assert torch.allclose(t1, 0.9 * t0 + 0.1 * p)
    polyak_update(online, target, 1.0)
    for p, t in zip(online.parameters(), target.parameters(), strict=True):
        assert torch.equal(p, t)


# -- noise ------------------------------------------------------------------------------------

def test_ornstein_uhlenbeck_stationary_variance() -> None:
    """2,000 independent chains run 6,000 steps from zero (correlation time 1 / (theta dt) =
    667 steps): their variance is sigma^2 / (2 theta)."""
    noise = OrnsteinUhlenbeckNoise(1, sigma=0.3, theta=0.15, dt=1e-2)
    rng = np.random.default_rng(0)
    pooled = []
    for t in range(6_000):
        x = noise(2_000, rng)
        if t + 1 in (4_000, 5_000, 6_000):
            pooled.append(x.ravel())
    var = float(np.var(np.concatenate(pooled)))
    assert var == pytest.approx(noise.stationary_variance(), rel=0.05)
    assert noise.stationary_variance(continuous=False) == pytest.approx(0.3 ** 2 / 0.3,
                                                                         rel=1e-3)
    # an episode's end resets only its own environment's state
    noise.reset(np.arange(2_000) == 5)
    assert noise.x is not None and noise.x[5, 0] == 0 and np.abs(noise.x[:5]).min() > 0


def test_gaussian_noise_scale() -> None:
    x = GaussianNoise(2, 0.2)(50_000, np.random.default_rng(0))
    assert x.shape == (50_000, 2)
    assert np.std(x) == pytest.approx(0.2, rel=0.02)


# -- the schedule, actions, state -------------------------------------------------------------

def test_schedule_follows_stable_baselines3() -> None:
    """Updates after each episode once more than learning_starts steps were taken, as many
    as the episode's steps (gradient_steps=-1); uniform actions before learning_starts."""
    a = agent("ddpg", learning_starts=400, train_freq=1, train_freq_unit="episode",
              gradient_steps=-1, noise_type="none")
    rng = np.random.default_rng(0)
    counts = []
    for t in range(800):
        end = (t + 1) % 200 == 0
        a.observe(step(1, rng, truncated=end))
        if end:
            counts.append(a.n_updates)
    assert counts == [0, 0, 200, 400]  # at 400 steps: not yet (SB3: num_timesteps > starts)
    b = agent("ddpg", learning_starts=10, noise_type="none")
    obs = np.zeros((1, 3), np.float32)
    warm = np.concatenate([b.act(obs, explore=True) for _ in range(200)])
    assert warm.std() > 0.5  # uniform over [-2, 2]: std 1.15
    greedy = b.act(obs, explore=False)
    assert np.all(greedy == b.act(obs, explore=False))


@pytest.mark.parametrize("agent_id", ["ddpg", "naf"])
def test_actions_stay_in_the_box(agent_id: str) -> None:
    low, high = (-1.0, 0.0), (3.0, 0.5)
    for starts in (0, 1_000):
        a = agent(agent_id, action_shape=(2,), action_low=low, action_high=high,
                  learning_starts=starts, noise_type="ornstein-uhlenbeck", noise_std=5.0)
        obs = np.random.default_rng(1).standard_normal((64, 3)).astype(np.float32) * 10
        for explore in (True, False):
            for _ in range(5):
                act = a.act(obs, explore=explore)
                assert act.shape == (64, 2) and act.dtype == np.float32
                assert (act >= np.array(low)).all() and (act <= np.array(high)).all()


@pytest.mark.parametrize("agent_id", ["ddpg", "naf"])
def test_state_round_trip_continues_identically(agent_id: str) -> None:
    hp = {"noise_type": "ornstein-uhlenbeck", "learning_starts": 4}
    a = agent(agent_id, **hp)
    rng = np.random.default_rng(0)
    for _ in range(12):
        a.observe(step(1, rng))
    a.act(np.zeros((1, 3), np.float32), explore=True)
    tensors, state = a.agent_state()
    # as through a checkpoint: copies of the tensors, the rest through JSON
    tensors, state = {k: v.clone() for k, v in tensors.items()}, json.loads(json.dumps(state))
    b = agent(agent_id, **hp)
    b.load_state_dict(a.state_dict())
    b.load_agent_state(tensors, state)
    steps = [step(1, rng) for _ in range(6)]
    obs = np.ones((1, 3), np.float32)
    for s in steps:
        assert np.array_equal(a.act(obs, explore=True), b.act(obs, explore=True))
        a.observe(s)
        b.observe(s)
    for (k, p), q in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
        assert torch.equal(p, q), k


# -- bad input --------------------------------------------------------------------------------

@pytest.mark.parametrize("agent_id", ["ddpg", "naf"])
def test_continuous_agent_on_a_discrete_environment_errs(agent_id: str) -> None:
    pytest.importorskip("gymnasium")
    from nnzoo.train.environment import build_agent

    with pytest.raises(ConfigError) as err:
        build_agent(agent_id, {}, "CartPole-v1", 0)
    msg = str(err.value)
    assert agent_id in msg and "CartPole-v1" in msg and "continuous" in msg


@pytest.mark.parametrize("agent_id", ["ddpg", "naf"])
@pytest.mark.parametrize(("hp", "words"), [
    ({"gamma": 1.5}, "gamma"), ({"gamma": -0.1}, "gamma"),
    ({"tau": 0.0}, "tau"), ({"tau": 1.5}, "tau"),
    ({"buffer_size": 10, "batch_size": 64}, "smaller than a batch"),
    ({"action_low": (float("-inf"),)}, "bounded"),
    ({"gradient_steps": -2}, "gradient_steps"),
])
def test_bad_hyperparameters_err(agent_id: str, hp: dict[str, object], words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        create(agent_id, **hp)


@pytest.mark.parametrize("agent_id", ["ddpg", "naf"])
def test_stopped_run_resumes_to_the_same_returns(agent_id: str, tmp_path: Path) -> None:
    """A Pendulum run stopped at a checkpoint in the middle of an episode, while learning
    (noise state, replay buffer, optimizer moments), then resumed, gives the returns and
    weights of a run never stopped."""
    pytest.importorskip("gymnasium")
    from nnzoo.core.io import load_checkpoint
    from nnzoo.core.rundir import RunDir
    from nnzoo.train.environment import RLConfig, build_agent, train_agent

    hp = {**SMALL, "learning_starts": 150, "noise_type": "ornstein-uhlenbeck",
          "train_freq": 1, "train_freq_unit": "episode", "gradient_steps": -1}
    cfg = RLConfig(steps=700, eval_episodes=1, checkpoint_every=10_000)
    whole = RunDir.create(tmp_path / "a", agent_id)
    ref = train_agent(build_agent(agent_id, hp, "Pendulum-v1", 5), "Pendulum-v1", cfg, seed=5,
                      run=whole)
    part = RunDir.create(tmp_path / "b", agent_id)
    train_agent(build_agent(agent_id, hp, "Pendulum-v1", 5), "Pendulum-v1",
                RLConfig(steps=450, eval_episodes=1), seed=5, run=part)
    got = train_agent(build_agent(agent_id, hp, "Pendulum-v1", 99), "Pendulum-v1", cfg, seed=5,
                      run=part)
    assert len(ref.episodes) == 3 and got.episodes == ref.episodes
    assert got.evals[-1] == ref.evals[-1]
    ta, _ = load_checkpoint(whole.checkpoint_path)
    tb, _ = load_checkpoint(part.checkpoint_path)
    assert all(torch.equal(ta[k], tb[k]) for k in ta if k.startswith(("model.", "agent.")))


@pytest.mark.parametrize("agent_id", ["ddpg", "naf"])
def test_visualize_draws_the_visited_states(agent_id: str, tmp_path: Path) -> None:
    a = agent(agent_id, learning_starts=1_000)
    assert a.visualize(tmp_path / "none") == []  # nothing visited yet
    rng = np.random.default_rng(0)
    for _ in range(30):
        a.observe(step(1, rng))
    paths = a.visualize(tmp_path)
    assert [p.name for p in paths] == ["policy_value.png"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the value drawn is max_a Q: DDPG's critic at the actor's action, NAF's V
    obs = torch.as_tensor(a.replay.obs[:4])
    with torch.no_grad():
        q_at_greedy = (a.critic(obs, a.actor(obs)) if isinstance(a, DDPG)
                       else a.q(obs, a.policy(obs)))[:, 0]
        assert torch.allclose(a.state_value(obs), q_at_greedy, atol=1e-6)
