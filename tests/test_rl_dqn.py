"""DQN, Double DQN, Dueling DQN and the replay buffers: the update's math against hand
computations, SB3's schedules and counters, the samplers' distributions, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import chisquare

from nnzoo.core.errors import ConfigError
from nnzoo.core.replay import PrioritizedReplayBuffer, ReplayBuffer
from nnzoo.models import create
from nnzoo.models.rl.agent import Step
from nnzoo.models.rl.dqn import DQN, linear_schedule
from nnzoo.models.rl.dueling_dqn import DuelingDQN


def _linear_agent(agent_id: str, **hp: object) -> DQN:
    """An agent whose Q-networks are one linear layer (net_arch=()): easy to set by hand."""
    agent = create(agent_id, sample_shape=(3,), n_actions=2, net_arch=(), buffer_size=64,
                   batch_size=4, gamma=0.9, total_steps=100, **hp)
    assert isinstance(agent, DQN)
    return agent


def _set_q(net: torch.nn.Module, values: list[float]) -> None:
    """Make a linear Q-network output ``values`` for every state (zero weights, biases)."""
    with torch.no_grad():
        net.head.weight.zero_()
        net.head.bias.copy_(torch.tensor(values))


def _batch() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    reward = torch.tensor([1.0, 1.0, -0.5])
    next_obs = torch.zeros(3, 3)
    terminated = torch.tensor([0.0, 1.0, 0.0])
    return reward, next_obs, terminated


# -- the TD targets -----------------------------------------------------------------------------

def test_dqn_target_against_a_hand_computation_terminated_and_not() -> None:
    agent = _linear_agent("dqn")
    _set_q(agent.q_net_target, [0.5, 2.0])
    _set_q(agent.q_net, [7.0, -3.0])           # the online net plays no part in DQN's target
    reward, next_obs, terminated = _batch()
    y = agent.td_target(reward, next_obs, terminated)
    # y = r + gamma (1 - d) max_a' Q'(s', a') = r + 0.9 * 2 unless terminal
    assert torch.allclose(y, torch.tensor([1.0 + 1.8, 1.0, -0.5 + 1.8]))


def test_double_target_differs_from_dqn_target_and_equals_it_when_nets_coincide() -> None:
    dqn, double = _linear_agent("dqn"), _linear_agent("double-dqn")
    for agent in (dqn, double):
        _set_q(agent.q_net, [1.0, 0.0])         # the online net prefers action 0
        _set_q(agent.q_net_target, [0.0, 2.0])  # the target values action 1 higher
    reward, next_obs, terminated = _batch()
    y_dqn = dqn.td_target(reward, next_obs, terminated)
    y_double = double.td_target(reward, next_obs, terminated)
    # DQN: max Q'(s', .) = 2; Double: Q'(s', argmax Q(s', .)) = Q'(s', 0) = 0
    assert torch.allclose(y_dqn, torch.tensor([2.8, 1.0, 1.3]))
    assert torch.allclose(y_double, torch.tensor([1.0, 1.0, -0.5]))
    # Online and target networks the same: the two targets agree (random weights this time).
    for agent in (dqn, double):
        torch.manual_seed(3)
        agent.q_net.head.reset_parameters()
        agent.update_target()
    x = torch.randn(3, 3)
    assert torch.allclose(dqn.td_target(reward, x, terminated),
                          double.td_target(reward, x, terminated))


def test_truncated_steps_bootstrap_and_terminated_ones_do_not() -> None:
    """observe() stores 'terminated' as the no-bootstrap flag, never 'truncated'."""
    agent = _linear_agent("dqn", learning_starts=1000)
    agent.start(0)
    obs = np.zeros((2, 3), np.float32)
    agent.observe(Step(obs, np.array([0, 1]), np.array([1.0, 1.0], np.float32), obs + 1,
                       terminated=np.array([False, True]), truncated=np.array([True, False])))
    assert agent.replay.terminated[:2].tolist() == [0.0, 1.0]


def test_a_gradient_step_minimises_the_huber_td_error() -> None:
    """One step of train_steps equals a hand-written step: smooth L1 of Q(s, a) - y, Adam."""
    agent = _linear_agent("dqn", lr=0.01)
    agent.start(0)
    rng = np.random.default_rng(0)
    obs = rng.normal(size=(8, 3)).astype(np.float32)
    for i in range(8):
        agent.replay.add(obs[i:i + 1], np.array([i % 2]), np.array([float(i)], np.float32),
                         obs[(i + 1) % 8:(i + 1) % 8 + 1], np.array([i == 7]))
    twin = _linear_agent("dqn", lr=0.01)
    twin.load_state_dict(agent.state_dict())
    draw_rng = np.random.default_rng()  # the agent's next draw, reproduced
    draw_rng.bit_generator.state = agent.np_rng.bit_generator.state
    idx = agent.replay.indices(4, draw_rng)
    agent.train_steps(1)
    b = agent.replay.get(idx)
    s, s2 = torch.from_numpy(b.obs), torch.from_numpy(b.next_obs)
    with torch.no_grad():
        y = torch.from_numpy(b.reward) + 0.9 * (1 - torch.from_numpy(b.terminated)) \
            * twin.q_net_target(s2).max(1).values
    q = twin.q_net(s).gather(1, torch.from_numpy(b.action)[:, None]).squeeze(1)
    err = q - y
    loss = torch.where(err.abs() < 1, 0.5 * err ** 2, err.abs() - 0.5).mean()
    opt = torch.optim.Adam(twin.q_net.parameters(), lr=0.01)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(twin.q_net.parameters(), 10.0)
    opt.step()
    for p, p2 in zip(agent.q_net.parameters(), twin.q_net.parameters(), strict=True):
        assert torch.allclose(p, p2, atol=1e-6)


# -- the dueling head ---------------------------------------------------------------------------

def test_dueling_advantages_have_mean_zero_and_q_is_v_plus_them() -> None:
    torch.manual_seed(0)
    agent = create("dueling-dqn", sample_shape=(4,), n_actions=5, net_arch=(16,),
                   stream_arch=(8,), buffer_size=64, batch_size=4)
    assert isinstance(agent, DuelingDQN)
    x = torch.randn(32, 4)
    net = agent.q_net
    adv = net.centred_advantages(x)
    assert adv.shape == (32, 5)
    assert torch.allclose(adv.mean(1), torch.zeros(32), atol=1e-6)
    v, raw = net.streams(x)
    assert raw.abs().mean(1).min() > 1e-3  # the raw advantages themselves are not centred
    assert torch.allclose(net(x), v + adv, atol=1e-6)
    assert torch.allclose(agent(x), v + adv, atol=1e-6)


def test_dueling_double_uses_the_double_target() -> None:
    agent = create("dueling-dqn", sample_shape=(3,), n_actions=2, double=True,
                   buffer_size=64, batch_size=4)
    plain = create("dueling-dqn", sample_shape=(3,), n_actions=2, buffer_size=64, batch_size=4)
    assert agent.double_q and not plain.double_q
    assert create("double-dqn", sample_shape=(3,), n_actions=2).double_q
    assert not create("dqn", sample_shape=(3,), n_actions=2).double_q


# -- schedules and counters (Stable-Baselines3's semantics) -----------------------------------

def test_epsilon_schedule_values() -> None:
    # start 1, end 0.04 over the first 16 % of the run (the RL Zoo's CartPole values)
    assert linear_schedule(1.0, 0.04, 0.16, 1.0) == 1.0
    assert linear_schedule(1.0, 0.04, 0.16, 1 - 0.08) == pytest.approx(0.52)
    assert linear_schedule(1.0, 0.04, 0.16, 1 - 0.16) == pytest.approx(0.04)
    assert linear_schedule(1.0, 0.04, 0.16, 0.3) == 0.04
    agent = create("dqn", sample_shape=(4,), n_actions=2, exploration_fraction=0.16,
                   exploration_final_eps=0.04, total_steps=50_000)
    assert isinstance(agent, DQN)
    for t, eps in ((0, 1.0), (4000, 0.52), (8000, 0.04), (40_000, 0.04)):
        agent.num_timesteps = t
        assert agent.exploration_rate == pytest.approx(eps)
    agent.set_budget(10_000)  # the loop's budget replaces total_steps
    agent.num_timesteps = 800
    assert agent.exploration_rate == pytest.approx(0.52)


def test_epsilon_schedule_matches_stable_baselines3() -> None:
    sb3 = pytest.importorskip("stable_baselines3.common.utils")
    ref = sb3.LinearSchedule(1.0, 0.07, 0.2)
    for p in np.linspace(1.0, 0.0, 37):
        assert linear_schedule(1.0, 0.07, 0.2, float(p)) == pytest.approx(ref(float(p)))


def test_no_budget_is_one_clear_error() -> None:
    agent = create("dqn", sample_shape=(4,), n_actions=2, learning_starts=0)
    agent.start(0)
    with pytest.raises(ConfigError, match="step budget"):
        agent.act(np.zeros((1, 4), np.float32), explore=True)


def _run_counters(n_envs: int, steps: int, **hp: object) -> tuple[DQN, list[int]]:
    agent = create("dqn", sample_shape=(2,), n_actions=2, net_arch=(4,), buffer_size=1000,
                   batch_size=2, total_steps=1000, **hp)
    assert isinstance(agent, DQN)
    agent.start(0)
    target_updates: list[int] = []
    real_update = agent.update_target

    def counted() -> None:
        target_updates.append(agent.num_timesteps)
        real_update()

    agent.update_target = counted  # type: ignore[method-assign]
    obs = np.zeros((n_envs, 2), np.float32)
    no = np.zeros(n_envs, bool)
    for _ in range(steps // n_envs):
        a = agent.act(obs, explore=True)
        agent.observe(Step(obs, a, np.ones(n_envs, np.float32), obs, no, no))
    return agent, target_updates


def test_train_freq_gradient_steps_and_target_updates_count_as_sb3() -> None:
    # One environment: training after calls 4, 8, ..., 20 once past 10 steps -> 3 x 2 updates;
    # the target every 5 calls.
    agent, targets = _run_counters(1, 20, train_freq=4, gradient_steps=2, learning_starts=10,
                                   target_update_interval=5)
    assert agent.n_updates == 6
    assert targets == [5, 10, 15, 20]
    # Two environments: 20 steps are 10 calls; training at calls 4, 8 (steps 8, 16; only 16 is
    # past 10); gradient_steps=-1 -> as many as the steps since the last training (8); the
    # target every max(5 // 2, 1) = 2 calls.
    agent, targets = _run_counters(2, 20, train_freq=4, gradient_steps=-1, learning_starts=10,
                                   target_update_interval=5)
    assert agent.num_timesteps == 20 and agent.n_calls == 10
    assert agent.n_updates == 8
    assert targets == [4, 8, 12, 16, 20]


def test_random_actions_before_learning_starts_then_greedy_at_epsilon_zero() -> None:
    agent = create("dqn", sample_shape=(2,), n_actions=3, net_arch=(), learning_starts=5,
                   exploration_initial_eps=0.0, exploration_final_eps=0.0, total_steps=100,
                   buffer_size=64, batch_size=4)
    assert isinstance(agent, DQN)
    agent.start(0)
    _set_q(agent.q_net, [0.0, 0.0, 1.0])
    obs = np.zeros((200, 2), np.float32)
    first = agent.act(obs, explore=True)
    assert set(first.tolist()) == {0, 1, 2}      # uniform before learning_starts
    agent.num_timesteps = 5
    assert agent.act(obs, explore=True).tolist() == [2] * 200
    assert agent.act(obs, explore=False).dtype == np.int64


# -- replay buffers ----------------------------------------------------------------------------

def test_replay_samples_uniformly() -> None:
    buf = ReplayBuffer(100, (1,), batch_size=32)
    n = 40
    buf.add(np.arange(n, dtype=np.float32)[:, None], np.zeros(n, np.int64),
            np.zeros(n, np.float32), np.zeros((n, 1), np.float32), np.zeros(n))
    rng = np.random.default_rng(0)
    counts = np.bincount(np.concatenate([buf.indices(32, rng) for _ in range(1000)]),
                         minlength=n)
    assert counts.sum() == 32_000 and len(counts) == n  # only stored slots
    assert chisquare(counts).pvalue > 0.01
    skewed = counts.copy()
    skewed[0] += 300
    skewed[1] -= 300
    assert chisquare(skewed).pvalue < 1e-6  # the test can tell a skewed sampler


def _per_buffer(alpha: float = 0.6) -> tuple[PrioritizedReplayBuffer, np.ndarray]:
    buf = PrioritizedReplayBuffer(20, (1,), alpha=alpha, eps=1e-6, batch_size=16)
    n = 13  # not a power of two: empty leaves beside the stored ones
    buf.add(np.zeros((n, 1), np.float32), np.zeros(n, np.int64), np.zeros(n, np.float32),
            np.zeros((n, 1), np.float32), np.zeros(n))
    td = np.arange(1, n + 1, dtype=np.float64) / 4.0
    buf.update_priorities(np.arange(n), td)
    return buf, td


def test_prioritized_sampling_is_proportional_to_p_alpha() -> None:
    buf, td = _per_buffer()
    p_alpha = (np.abs(td) + 1e-6) ** 0.6
    expected = p_alpha / p_alpha.sum()
    assert np.allclose(buf.priorities(), p_alpha)
    assert buf.tree[1] == pytest.approx(p_alpha.sum())
    rng = np.random.default_rng(1)
    draws = np.concatenate([buf.indices(16, rng) for _ in range(3000)])
    counts = np.bincount(draws, minlength=len(td))
    assert len(counts) == len(td)
    assert chisquare(counts, expected * len(draws)).pvalue > 0.01
    assert chisquare(counts).pvalue < 1e-6  # and clearly not uniform


def test_prioritized_importance_weights_match_the_formula() -> None:
    buf, td = _per_buffer()
    n, beta = len(td), 0.4
    P = (td + 1e-6) ** 0.6
    P = P / P.sum()
    idx = np.array([0, 5, 12, 5])
    w = (n * P[idx]) ** -beta / ((n * P) ** -beta).max()
    assert np.allclose(buf.weights(idx, beta), w, rtol=1e-5)
    assert buf.weights(np.array([0]), beta)[0] == pytest.approx(1.0)  # the rarest: weight 1


def test_new_transitions_get_the_largest_priority_and_state_round_trips() -> None:
    buf, td = _per_buffer()
    slot = buf.add(np.zeros((1, 1), np.float32), np.zeros(1, np.int64), np.zeros(1, np.float32),
                   np.zeros((1, 1), np.float32), np.zeros(1))
    assert buf.priorities()[slot[0]] == pytest.approx((td.max() + 1e-6) ** 0.6)
    tensors, counters = buf.state()
    twin = PrioritizedReplayBuffer(20, (1,), alpha=0.6, batch_size=16)
    twin.load_state(tensors, counters)
    assert np.array_equal(twin.tree, buf.tree)
    assert np.array_equal(twin.indices(16, np.random.default_rng(5)),
                          buf.indices(16, np.random.default_rng(5)))


def test_prioritized_agent_trains_and_resumes_identically() -> None:
    hp = dict(sample_shape=(2,), n_actions=2, net_arch=(8,), buffer_size=64, batch_size=8,
              learning_starts=8, train_freq=2, total_steps=200, prioritized=True)
    torch.manual_seed(0)
    a = create("dqn", **hp)
    torch.manual_seed(0)
    b = create("dqn", **hp)
    a.start(1)
    b.start(1)
    rng = np.random.default_rng(0)
    steps = [Step(o := rng.normal(size=(1, 2)).astype(np.float32), np.array([t % 2]),
                  np.array([rng.normal()], np.float32), o + 0.1, np.array([False]),
                  np.array([False])) for t in range(60)]
    for s in steps[:30]:
        a.observe(s)
        b.observe(s)
    tensors, state = a.agent_state()
    c = create("dqn", **hp)
    c.load_state_dict(a.state_dict())
    c.load_agent_state(tensors, state)
    for s in steps[30:]:
        mb, mc = b.observe(s), c.observe(s)
        assert mb == mc
    for p, q in zip(b.parameters(), c.parameters(), strict=True):
        assert torch.equal(p, q)
    assert b.n_updates > 0


# -- bad input -----------------------------------------------------------------------------------

def test_replay_smaller_than_a_batch_errs() -> None:
    with pytest.raises(ConfigError, match="smaller than a batch"):
        create("dqn", buffer_size=16, batch_size=32)
    with pytest.raises(ConfigError, match="smaller than a batch"):
        ReplayBuffer(16, (4,), batch_size=32)


@pytest.mark.parametrize("agent_id", ["dqn", "double-dqn", "dueling-dqn"])
@pytest.mark.parametrize("gamma", [-0.1, 1.5])
def test_discount_outside_0_1_errs(agent_id: str, gamma: float) -> None:
    with pytest.raises(ConfigError, match=r"gamma .* \[0, 1\]"):
        create(agent_id, gamma=gamma)


@pytest.mark.parametrize("bad", [{"exploration_fraction": 0.0}, {"tau": 0.0},
                                 {"train_freq": 0}, {"gradient_steps": -2},
                                 {"exploration_final_eps": 1.5}, {"per_beta": 2.0}])
def test_out_of_range_hyperparameters_err(bad: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        create("dqn", **bad)


def test_discrete_observations_are_one_hot() -> None:
    agent = create("dqn", sample_shape=(1,), n_states=16, n_actions=4, net_arch=(8,),
                   buffer_size=64, batch_size=4)
    q = agent(torch.tensor([[0], [15]]))
    assert q.shape == (2, 4)
    assert agent.act(np.array([3, 7]), explore=False).shape == (2,)


# -- it learns ----------------------------------------------------------------------------------

def test_default_recipe_beats_a_random_policy_on_cartpole() -> None:
    pytest.importorskip("gymnasium")
    from nnzoo.recipes import get_recipe
    from nnzoo.train.environment import (
        RLConfig,
        build_agent,
        evaluate_agent,
        train_agent,
    )

    rec = get_recipe("dqn")
    assert rec.dataset == "CartPole-v1" and rec.default
    torch.set_num_threads(1)
    agent = build_agent("dqn", rec.model_hp, rec.dataset, seed=0)
    train_agent(agent, rec.dataset, RLConfig(**rec.train), seed=0)
    trained = evaluate_agent(agent, rec.dataset, 10, seed=1)
    fresh = build_agent("dqn", {**rec.model_hp, "learning_starts": 10**9}, rec.dataset, seed=0)
    untrained = evaluate_agent(fresh, rec.dataset, 10, seed=1)  # the initial greedy policy
    random_returns = []
    from nnzoo.train.envs import make_env

    env = make_env(rec.dataset)
    rng = np.random.default_rng(0)
    for k in range(20):
        env.reset(seed=1000 + k)
        total, done = 0.0, False
        while not done:
            _, r, term, trunc, _ = env.step(int(rng.integers(2)))
            total += r
            done = term or trunc
        random_returns.append(total)
    env.close()
    # a clear margin: three times the random policy's mean return (about 22 on CartPole)
    assert trained.mean() > 3 * np.mean(random_returns)
    assert trained.mean() > untrained.mean() + 50
