"""Deep SARSA, the noisy cross-entropy method and REINFORCE: their updates against hand
computations and exact expectations, CEM solving a small known problem, exact resumption,
and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nnzoo.core.errors import ConfigError, InputError
from nnzoo.core.rundir import RunDir
from nnzoo.models import create
from nnzoo.models.rl.agent import Step
from nnzoo.models.rl.cem import CEMConfig, noise_at, refit
from nnzoo.models.rl.deep_sarsa import sarsa_targets
from nnzoo.models.rl.reinforce import discounted_returns, policy_gradient_loss

AGENTS = ["deep-sarsa", "cem", "reinforce"]


def bandit_step(action: int, reward: float, state: int = 0, n: int = 1) -> Step:
    """A one-step episode of a bandit with discrete states (it terminates at once)."""
    s = np.full(n, state, dtype=np.int64)
    return Step(s, np.full(n, action, dtype=np.int64), np.full(n, reward, dtype=np.float32),
                s, np.ones(n, dtype=bool), np.zeros(n, dtype=bool))


# -- REINFORCE ---------------------------------------------------------------------------------

def test_discounted_returns_by_hand() -> None:
    r = np.array([1.0, 0.0, 2.0])
    g = 0.5
    # G_2 = 2, G_1 = 0 + 0.5 * 2 = 1, G_0 = 1 + 0.5 * 1 = 1.5
    np.testing.assert_allclose(discounted_returns(r, g), [1.5, 1.0, 2.0])
    np.testing.assert_allclose(discounted_returns(r, g, reward_to_go=False), [1.5] * 3)


R_BANDIT = torch.tensor([1.0, 3.0, -2.0])  # the reward of each arm


def reinforce_bandit(baseline: str, seed: int = 0):  # noqa: ANN201
    torch.manual_seed(seed)
    agent = create("reinforce", sample_shape=(1,), n_states=1, n_actions=3, net_arch=(),
                   baseline=baseline, value_arch=())
    agent.optimizer = torch.optim.SGD(agent.policy.parameters(), lr=1.0)  # step = gradient
    return agent


def applied_gradient(agent, action: int, reward: float) -> torch.Tensor:  # noqa: ANN001
    """The ascent direction the agent applies after one episode (action, reward); the agent is
    put back as it was."""
    before = {k: v.clone() for k, v in agent.state_dict().items()}
    mean = agent.mean_return
    vec0 = torch.nn.utils.parameters_to_vector(agent.policy.parameters()).detach().clone()
    agent.observe(bandit_step(action, reward))
    vec1 = torch.nn.utils.parameters_to_vector(agent.policy.parameters()).detach().clone()
    agent.load_state_dict(before)
    agent.mean_return = mean
    return vec1 - vec0  # SGD with lr 1 on minus the estimate


def test_reinforce_gradient_matches_hand_computation() -> None:
    agent = reinforce_bandit("none")
    z = agent.policy(torch.ones(1, 1))[0].detach()  # logits of the only state
    pi = torch.softmax(z, 0)
    for a in range(3):
        g = applied_gradient(agent, a, float(R_BANDIT[a]))
        # linear policy on the one-hot input [1]: d/dW = d/db = d/dz, and
        # d log pi(a) / dz = e_a - pi, times the return r_a
        dz = float(R_BANDIT[a]) * (torch.eye(3)[a] - pi)
        torch.testing.assert_close(g, torch.cat([dz, dz]), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("baseline", ["mean", "value"])
def test_baseline_leaves_expected_gradient_unchanged(baseline: str) -> None:
    plain, based = reinforce_bandit("none"), reinforce_bandit(baseline)
    if baseline == "mean":
        based.mean_return = 1.7  # as if from earlier updates
    else:
        with torch.no_grad():
            based.value[0].bias.fill_(1.7)  # V(s) = 1.7
    z = plain.policy(torch.ones(1, 1))[0].detach()
    pi = torch.softmax(z, 0)
    exp_plain = sum(pi[a] * applied_gradient(plain, a, float(R_BANDIT[a])) for a in range(3))
    exp_based = sum(pi[a] * applied_gradient(based, a, float(R_BANDIT[a])) for a in range(3))
    torch.testing.assert_close(exp_based, exp_plain, rtol=1e-5, atol=1e-6)
    # ... and both are the exact gradient of J = sum_a pi(a) r_a: dJ/dz = pi (r - J)
    dz = pi * (R_BANDIT - (pi * R_BANDIT).sum())
    torch.testing.assert_close(exp_plain, torch.cat([dz, dz]), rtol=1e-5, atol=1e-6)
    # the single-sample estimates do differ: the baseline changes the variance, not the mean
    assert not torch.allclose(applied_gradient(plain, 0, 1.0), applied_gradient(based, 0, 1.0))


def test_policy_gradient_loss_against_finite_differences() -> None:
    torch.manual_seed(0)
    logits = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    actions, w = torch.tensor([0, 2, 1, 2]), torch.randn(4, dtype=torch.float64)
    policy_gradient_loss(logits, actions, w, 2).backward()

    def f(z: torch.Tensor) -> float:
        lp = torch.log_softmax(z, 1)[torch.arange(4), actions]
        return float(-(w * lp).sum() / 2)

    num = torch.zeros_like(logits)
    for idx in np.ndindex(*logits.shape):
        e = torch.zeros_like(logits)
        e[idx] = 1e-6
        num[idx] = (f(logits.detach() + e) - f(logits.detach() - e)) / 2e-6
    torch.testing.assert_close(logits.grad, num, rtol=1e-5, atol=1e-7)


def test_reinforce_waits_for_n_episodes() -> None:
    torch.manual_seed(0)
    agent = create("reinforce", sample_shape=(1,), n_states=2, n_actions=2, n_episodes=3)
    assert agent.observe(bandit_step(0, 1.0)) == {}
    assert agent.observe(bandit_step(1, 0.0)) == {}
    assert "loss" in agent.observe(bandit_step(0, 1.0))
    assert agent.updates == 1 and agent.finished == []


# -- CEM ---------------------------------------------------------------------------------------

def test_cem_refit_against_numpy() -> None:
    rng = np.random.default_rng(0)
    thetas, scores = rng.normal(size=(20, 7)), rng.normal(size=20)
    mean, std = refit(torch.as_tensor(thetas), torch.as_tensor(scores), 4, 0.25)
    elite = thetas[np.argsort(-scores)[:4]]
    np.testing.assert_allclose(mean.numpy(), elite.mean(0))
    np.testing.assert_allclose(std.numpy(), np.sqrt(elite.var(0) + 0.25))


def test_cem_noise_schedule_and_elite_count() -> None:
    c = CEMConfig(population=30, elite_frac=0.2, extra_noise=0.4, noise_iterations=4)
    assert c.n_elite == 6
    assert [noise_at(c, t) for t in range(6)] == pytest.approx([0.4, 0.3, 0.2, 0.1, 0.0, 0.0])
    assert noise_at(CEMConfig(extra_noise=0.3), 100) == 0.3  # constant by default


def test_cem_solves_a_contextual_bandit() -> None:
    """Two states, two arms; the right arm is the state's index. A linear (table) policy
    found by CEM must play it in both states."""
    torch.manual_seed(0)
    agent = create("cem", sample_shape=(1,), n_states=2, n_actions=2, population=20,
                   elite_frac=0.25, episodes_per_candidate=4, extra_noise=0.01)
    agent.start(0)
    rng = np.random.default_rng(1)
    refits = []
    for _ in range(20 * 4 * 8):  # 8 populations of one-step episodes
        s = np.array([rng.integers(2)])
        a = agent.act(s, explore=True)
        m = agent.observe(Step(s, a, (a == s).astype(np.float32), s, np.ones(1, bool),
                               np.zeros(1, bool)))
        if "best" in m:  # a refit (every episode end reports its candidate)
            refits.append(m)
    assert agent.iteration == len(refits) == 8
    assert refits[-1]["elite_mean"] == 1.0
    np.testing.assert_array_equal(agent.act(np.array([0, 1]), explore=False), [0, 1])


def test_cem_hands_each_environment_its_candidate() -> None:
    torch.manual_seed(0)
    agent = create("cem", sample_shape=(1,), n_states=1, n_actions=2, population=3,
                   episodes_per_candidate=1)
    agent.start(0)
    obs = np.zeros(2, dtype=np.int64)
    agent.act(obs, explore=True)
    np.testing.assert_array_equal(agent.slot_of_env, [0, 1])
    step = Step(obs, np.zeros(2, np.int64), np.array([1.0, 2.0], np.float32), obs,
                np.array([True, False]), np.zeros(2, bool))
    agent.observe(step)  # env 0 finished candidate 0 (return 1), takes candidate 2
    np.testing.assert_array_equal(agent.slot_of_env, [2, 1])
    agent.observe(Step(obs, np.zeros(2, np.int64), np.array([5.0, 1.0], np.float32), obs,
                       np.array([False, True]), np.zeros(2, bool)))
    # candidate 1 scored 2 + 1 = 3; env 1 has nothing left to evaluate: the mean, unscored
    np.testing.assert_array_equal(agent.returns, [1.0, 3.0, 0.0])
    np.testing.assert_array_equal(agent.slot_of_env, [2, -1])
    m = agent.observe(Step(obs, np.zeros(2, np.int64), np.array([1.0, 7.0], np.float32), obs,
                           np.array([True, False]), np.zeros(2, bool)))
    assert m["best"] == 6.0 and m["candidate_return"] == 6.0 and agent.iteration == 1
    np.testing.assert_array_equal(agent.slot_of_env, [0, -1])  # the next population


# -- deep SARSA --------------------------------------------------------------------------------

def sarsa_agent(**hp):  # noqa: ANN003, ANN201
    """Q(., 0) = 5 and Q(., 1) = -5 everywhere, greedy, no replay, no target network."""
    torch.manual_seed(0)
    agent = create("deep-sarsa", sample_shape=(1,), n_states=3, n_actions=2, net_arch=(8,),
                   gamma=0.9, exploration_initial_eps=0.0, exploration_final_eps=0.0, **hp)
    with torch.no_grad():
        agent.q_net.head.weight.zero_()
        agent.q_net.head.bias.copy_(torch.tensor([5.0, -5.0]))
    agent.start(0)
    return agent


def step(s: int, a: int, r: float, s2: int, terminated: bool = False,
         truncated: bool = False) -> Step:
    return Step(np.array([s]), np.array([a]), np.array([r], np.float32), np.array([s2]),
                np.array([terminated]), np.array([truncated]))


def test_sarsa_target_uses_the_next_action_taken() -> None:
    agent = sarsa_agent()
    assert agent.observe(step(0, 0, 1.0, 1)) == {}  # waits for the action taken in state 1
    m = agent.observe(step(1, 1, 0.0, 2))  # the policy took action 1 (not the greedy 0)
    # y = 1 + 0.9 Q(s1, a'=1) = 1 - 4.5 = -3.5; Q(s0, 0) = 5: Huber(8.5) = 8.5 - 0.5 = 8.0
    # (Q-learning's target 1 + 0.9 * 5 = 5.5 would give Huber(0.5) = 0.125)
    assert m["loss"] == pytest.approx(8.0)


def test_sarsa_targets_at_episode_ends() -> None:
    agent = sarsa_agent()
    # terminated: y = r = 2, Q(s0, 1) = -5: Huber(7) = 6.5
    assert agent.observe(step(0, 1, 2.0, 1, terminated=True))["loss"] == pytest.approx(6.5)
    agent = sarsa_agent()
    # cut by a time limit: a' is the policy's at s' (greedy: 0), y = 2 + 0.9 * 5 = 6.5
    assert agent.observe(step(0, 1, 2.0, 1, truncated=True))["loss"] == pytest.approx(11.0)


def test_sarsa_targets_function() -> None:
    q_next = torch.tensor([[1.0, 4.0], [2.0, -1.0], [3.0, 3.0]])
    y = sarsa_targets(q_next, torch.tensor([0.5, 1.0, 2.0]), torch.tensor([0, 1, 1]),
                      torch.tensor([0.0, 0.0, 1.0]), 0.5)
    torch.testing.assert_close(y, torch.tensor([1.0, 0.5, 2.0]))


def test_sarsa_replay_stores_the_next_action() -> None:
    agent = sarsa_agent(buffer_size=16, batch_size=2, learning_starts=100)
    for t, a in enumerate([1, 0, 1, 1]):
        agent.observe(step(t % 3, a, 0.0, (t + 1) % 3))
    n = len(agent.replay)
    assert n == 3  # the last waits for its next action
    np.testing.assert_array_equal(agent.replay.action[:n], [1, 0, 1])
    np.testing.assert_array_equal(agent.next_actions[:n], [0, 1, 1])


# -- every agent: resumption and bad input -----------------------------------------------------

@pytest.mark.parametrize("agent_id", AGENTS)
def test_killed_run_resumes_to_the_same_returns(agent_id: str, tmp_path) -> None:  # noqa: ANN001
    from nnzoo.train.environment import RLConfig, build_agent, train_agent

    hp = {"cem": {"population": 6}, "reinforce": {}, "deep-sarsa": {
        "buffer_size": 500, "batch_size": 16, "train_freq": 4, "target_update_interval": 100,
        "exploration_steps": 500}}[agent_id]
    cfg = RLConfig(steps=1200, checkpoint_every=500, eval_episodes=2)
    whole = train_agent(build_agent(agent_id, hp, "CartPole-v1", 3), "CartPole-v1", cfg,
                        seed=3)
    run = RunDir.create(tmp_path, agent_id)
    train_agent(build_agent(agent_id, hp, "CartPole-v1", 3), "CartPole-v1",
                RLConfig(steps=700, checkpoint_every=500, eval_episodes=2), seed=3, run=run)
    # the first run's checkpoint at step 700 stands in for a kill there
    resumed = train_agent(build_agent(agent_id, hp, "CartPole-v1", 3), "CartPole-v1", cfg,
                          seed=3, run=run)
    assert resumed.episodes == whole.episodes
    assert resumed.evals[-1] == whole.evals[-1]


@pytest.mark.parametrize("agent_id", AGENTS)
def test_refuses_a_continuous_action_environment(agent_id: str) -> None:
    from nnzoo.train.environment import build_agent

    with pytest.raises(ConfigError, match="discrete actions, but Pendulum-v1 has continuous"):
        build_agent(agent_id, {}, "Pendulum-v1", 0)


@pytest.mark.parametrize("agent_id", ["deep-sarsa", "reinforce"])
@pytest.mark.parametrize("gamma", [-0.1, 1.5])
def test_refuses_a_discount_outside_0_1(agent_id: str, gamma: float) -> None:
    with pytest.raises(ConfigError, match=r"gamma \(the discount\) must be in \[0, 1\]"):
        create(agent_id, gamma=gamma)


@pytest.mark.parametrize("frac", [0.0, -0.2, 1.5])
def test_cem_refuses_an_elite_fraction_outside_0_1(frac: float) -> None:
    with pytest.raises(ConfigError, match=r"elite_frac must be in \(0, 1\]"):
        create("cem", elite_frac=frac)
    create("cem", elite_frac=1.0)  # the whole population is allowed


@pytest.mark.parametrize("agent_id", AGENTS)
def test_refuses_observations_of_the_wrong_shape(agent_id: str) -> None:
    agent = create(agent_id)  # CartPole-sized: 4 numbers
    with pytest.raises(InputError, match=r"expected observations of shape \(n, 4\)"):
        agent.act(np.zeros((2, 3), np.float32), explore=False)


@pytest.mark.parametrize("agent_id", AGENTS)
def test_greedy_action_changes_nothing(agent_id: str) -> None:
    torch.manual_seed(0)
    agent = create(agent_id)
    agent.start(0)
    obs = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    agent.act(obs, explore=True)  # CEM draws its population here
    t0, s0 = agent.agent_state()
    a = agent.act(obs, explore=False)
    assert a.shape == (5,) and a.dtype == np.int64
    t1, s1 = agent.agent_state()
    assert s0 == s1 and t0.keys() == t1.keys()
    for k in t0:
        assert torch.equal(t0[k], t1[k]), k


def test_cem_draws_its_search_distribution(tmp_path) -> None:  # noqa: ANN001
    agent = create("cem")
    (path,) = agent.visualize(tmp_path)
    assert path == tmp_path / "search_distribution.png" and path.stat().st_size > 1000


def test_sarsa_pairs_each_environment_with_its_own_next_action() -> None:
    agent = sarsa_agent()
    seen: list[tuple[np.ndarray, ...]] = []
    agent.update = lambda batch: seen.append(batch) or {}  # type: ignore[method-assign]
    two = lambda s, a, r, s2, term: Step(  # noqa: E731
        np.array(s), np.array(a), np.array(r, np.float32), np.array(s2), np.array(term),
        np.zeros(2, bool))
    agent.observe(two([0, 1], [0, 1], [1.0, 2.0], [1, 2], [False, True]))
    (first,) = seen  # env 1 ended: complete at once; env 0 waits for its next action
    np.testing.assert_array_equal(first[0], [1])
    np.testing.assert_array_equal(first[4], [1.0])
    agent.observe(two([1, 0], [1, 0], [0.0, 0.0], [2, 1], [False, False]))
    second = seen[1]  # env 0's first transition, with the action env 0 took next (1)
    np.testing.assert_array_equal(second[0], [0])
    np.testing.assert_array_equal(second[3], [1])
    np.testing.assert_array_equal(second[5], [1])
