"""Tabular agents and exact dynamic programming: value iteration against closed forms and an
independent solve, the Q-learning / SARSA / expected-SARSA updates against hand computations,
the default recipe against the optimum on FrozenLake, exact resumption, the grid pictures and
the bad-input errors."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("gymnasium")

from nnzoo.core.errors import ConfigError, InputError  # noqa: E402
from nnzoo.core.rundir import RunDir  # noqa: E402
from nnzoo.models import create  # noqa: E402
from nnzoo.models.rl.agent import Step  # noqa: E402
from nnzoo.models.rl.value_iteration import (  # noqa: E402
    TabularMDP,
    policy_evaluation,
    policy_iteration,
    value_iteration,
)
from nnzoo.recipes import get_recipe  # noqa: E402
from nnzoo.train.environment import (  # noqa: E402
    RLConfig,
    build_agent,
    evaluate_agent,
    train_agent,
)
from nnzoo.train.envs import make_env, tabular_mdp  # noqa: E402

# -- dynamic programming --------------------------------------------------------------------

def chain(p: float, quit_reward: float = 0.5) -> TabularMDP:
    """s0 --go--> s1 with probability p (else stays in s0), s1 --go--> end with reward 1;
    "quit" ends the episode from s0 with ``quit_reward`` and from s1 with 0. s2 is an
    absorbing dummy the episode never reaches."""
    S, A = 3, 2
    P, C, R = np.zeros((S, A, S)), np.zeros((S, A, S)), np.zeros((S, A))
    P[0, 0, 1], P[0, 0, 0] = p, 1 - p             # go from s0: continue
    C[0, 0, 1], C[0, 0, 0] = p, 1 - p
    P[1, 0, 2], R[1, 0] = 1.0, 1.0                # go from s1: reward 1, ends
    P[0, 1, 2], R[0, 1] = 1.0, quit_reward        # quit from s0: ends
    P[1, 1, 2] = 1.0                              # quit from s1: 0, ends
    P[2, :, 2] = 1.0                              # s2: ends (never reached)
    return TabularMDP(P, R, C, np.array([1.0, 0.0, 0.0]))


@pytest.mark.parametrize(("gamma", "p"), [(0.9, 1.0), (0.9, 0.5), (0.4, 1.0), (1.0, 0.3),
                                          (0.0, 1.0)])
def test_value_iteration_on_a_chain_matches_the_closed_form(gamma: float, p: float) -> None:
    # V(s1) = 1 (go); going on from s0: V = gamma p V(s1) + gamma (1 - p) V  =>
    # V_go = gamma p / (1 - gamma (1 - p)); V(s0) = max(V_go, 0.5)
    mdp = chain(p)
    v_go = gamma * p / (1 - gamma * (1 - p))
    sol = value_iteration(mdp, gamma, tol=1e-13)
    assert sol.V[1] == pytest.approx(1.0)
    assert sol.V[0] == pytest.approx(max(v_go, 0.5), abs=1e-9)
    assert sol.policy[0] == (0 if v_go > 0.5 else 1)
    assert sol.Q[0, 1] == pytest.approx(0.5)
    # exact evaluation of each deterministic policy at s0
    assert policy_evaluation(mdp, np.array([0, 0, 0]), gamma)[0] == pytest.approx(v_go)
    assert policy_evaluation(mdp, np.array([1, 0, 0]), gamma)[0] == pytest.approx(0.5)
    assert pytest.approx(sol.V, abs=1e-9) == policy_iteration(mdp, gamma).V


def test_undiscounted_evaluation_of_a_policy_that_never_ends() -> None:
    mdp = chain(0.0)  # "go" from s0 stays in s0 for ever: nothing more is earned
    assert policy_evaluation(mdp, np.array([0, 0, 0]), 1.0)[0] == 0.0
    assert value_iteration(mdp, 1.0).V[0] == pytest.approx(0.5)
    looped = TabularMDP(mdp.P, mdp.R + np.array([[0.1, 0], [0, 0], [0, 0]]), mdp.C, mdp.start)
    with pytest.raises(InputError, match=r"states \[0\].*infinite"):
        policy_evaluation(looped, np.array([0, 0, 0]), 1.0)


def test_finite_horizon_evaluation() -> None:
    # from s0 with p = 0.5: reward 1 arrives at step k + 2 with probability 0.5^(k+1)
    mdp = chain(0.5)
    H = 4
    expect = sum(0.5 ** (k + 1) for k in range(H - 1))  # reached s1 within H - 1 steps
    assert policy_evaluation(mdp, np.array([0, 0, 0]), 1.0, horizon=H)[0] == \
        pytest.approx(expect)


@pytest.fixture(scope="module")
def frozenlake() -> TabularMDP:
    return tabular_mdp(make_env("FrozenLake-v1", map_name="4x4", is_slippery=True))


def test_frozenlake_optimum_agrees_with_policy_iteration_and_the_linear_solve(
        frozenlake: TabularMDP) -> None:
    mdp = frozenlake
    assert mdp.n_states == 16 and mdp.n_actions == 4
    vi = value_iteration(mdp, 1.0, tol=1e-12)
    exact = policy_evaluation(mdp, vi.policy, 1.0)            # linear solve of its policy
    pi = policy_iteration(mdp, 1.0)                            # Howard, from "left" everywhere
    assert vi.start_value(mdp) == pytest.approx(float(mdp.start @ exact), abs=1e-8)
    assert float(mdp.start @ pi.V) == pytest.approx(vi.start_value(mdp), abs=1e-8)
    assert pytest.approx(vi.V, abs=1e-8) == pi.V
    assert 0.5 < vi.start_value(mdp) < 1.0
    # discounting does not change the best action anywhere it matters: same start value
    vi99 = value_iteration(mdp, 0.99)
    assert float(mdp.start @ policy_evaluation(mdp, vi99.policy, 1.0)) == \
        pytest.approx(vi.start_value(mdp), abs=1e-8)


def test_frozenlake_table_matches_simulation(frozenlake: TabularMDP) -> None:
    """The converted table is gymnasium's dynamics: the optimal policy's simulated success
    rate (time limit 100) matches its exact 100-step success probability."""
    mdp = frozenlake
    policy = value_iteration(mdp, 1.0).policy
    exact = float(mdp.start @ policy_evaluation(mdp, policy, 1.0, horizon=100))
    env = make_env("FrozenLake-v1", map_name="4x4", is_slippery=True)
    n, wins = 600, 0
    for k in range(n):
        s, _ = env.reset(seed=10_000 + k)
        done, r = False, 0.0
        while not done:
            s, r, term, trunc, _ = env.step(int(policy[s]))
            done = term or trunc
        wins += r > 0
    sd = np.sqrt(exact * (1 - exact) / n)
    assert abs(wins / n - exact) < 4 * sd


def test_cliffwalking_optimum_is_the_13_step_path() -> None:
    """Deterministic, -1 per step: the shortest path from the start (bottom left) to the
    goal (bottom right) around the cliff is 1 up, 11 right, 1 down."""
    mdp = tabular_mdp(make_env("CliffWalking-v1"))
    sol = value_iteration(mdp, 1.0)
    assert sol.start_value(mdp) == pytest.approx(-13.0)
    assert float(mdp.start @ policy_evaluation(mdp, sol.policy, 1.0)) == pytest.approx(-13.0)


def test_mdp_checks() -> None:
    mdp = chain(1.0)
    with pytest.raises(InputError, match="probability"):
        TabularMDP(mdp.P * 2, mdp.R, mdp.C, mdp.start)
    with pytest.raises(InputError, match="policy"):
        policy_evaluation(mdp, np.array([0, 2, 0]), 0.9)
    with pytest.raises(ConfigError, match="gamma"):
        value_iteration(mdp, 1.5)
    with pytest.raises(ConfigError, match="transition table"):
        tabular_mdp(make_env("CartPole-v1"))


# -- the updates ----------------------------------------------------------------------------

def agent(**hp: object):
    base = {"n_states": 2, "n_actions": 2, "gamma": 0.9, "lr": 0.5,
            "exploration_initial_eps": 0.0, "exploration_final_eps": 0.0}
    a = create("q-learning", **{**base, **hp})
    a.start(0)
    return a


def step(s: int, a: int, r: float, s2: int, terminated: bool = False,
         truncated: bool = False) -> Step:
    return Step(np.array([s]), np.array([a]), np.array([r], np.float32), np.array([s2]),
                np.array([terminated]), np.array([truncated]))


TABLE = np.array([[0.0, 1.0], [2.0, 4.0]])


def test_q_learning_update_by_hand() -> None:
    ag = agent()
    ag.q.copy_(__import__("torch").as_tensor(TABLE))
    ag.observe(step(0, 1, 1.0, 1))
    # Q(0,1) <- 1 + 0.5 * (1 + 0.9 * max(2, 4) - 1) = 1 + 0.5 * 3.6
    assert ag.q[0, 1].item() == pytest.approx(2.8)
    ag.observe(step(1, 0, -1.0, 0, terminated=True))
    # terminal: Q(1,0) <- 2 + 0.5 * (-1 - 2)
    assert ag.q[1, 0].item() == pytest.approx(0.5)
    ag.observe(step(1, 1, 0.0, 0, truncated=True))
    # a time limit still bootstraps: Q(1,1) <- 4 + 0.5 * (0.9 * max(0, 2.8) - 4)
    assert ag.q[1, 1].item() == pytest.approx(4 + 0.5 * (0.9 * 2.8 - 4))
    assert ag.visits.tolist() == [[0, 1], [1, 1]]


def test_sarsa_uses_the_next_action_actually_taken() -> None:
    import torch

    differed = False
    for seed in range(20):
        ag = agent(update="sarsa", exploration_initial_eps=1.0, exploration_final_eps=1.0)
        ag.start(seed)
        ag.q.copy_(torch.as_tensor(TABLE))
        ag.observe(step(0, 1, 1.0, 1))
        a_next = int(ag.act(np.array([1]), explore=True)[0])   # the action SARSA used
        assert ag.q[0, 1].item() == pytest.approx(1 + 0.5 * (1 + 0.9 * TABLE[1, a_next] - 1))
        differed |= a_next == 0                                # not the max: SARSA != Q
        # the next update starts from the action taken
        ag.observe(step(1, a_next, 0.0, 0))
    assert differed


def test_sarsa_draws_afresh_after_an_episode_ends() -> None:
    ag = agent(update="sarsa")
    ag.observe(step(0, 1, 1.0, 1, terminated=True))
    assert ag._run.next_action.tolist() == [-1]
    assert ag.act(np.array([0]), explore=True).shape == (1,)


def test_expected_sarsa_update_by_hand() -> None:
    import torch

    eps = 0.2
    ag = agent(update="expected-sarsa", exploration_initial_eps=eps, exploration_final_eps=eps)
    ag.q.copy_(torch.as_tensor(TABLE))
    ag.observe(step(0, 1, 1.0, 1))
    expected_next = (1 - eps + eps / 2) * 4.0 + (eps / 2) * 2.0   # greedy: action 1
    assert ag.q[0, 1].item() == pytest.approx(1 + 0.5 * (1 + 0.9 * expected_next - 1))


def test_learning_rate_and_epsilon_schedules() -> None:
    ag = agent(lr=1.0, lr_schedule="visits", lr_power=1.0, gamma=0.0)
    for k, r in enumerate([3.0, 5.0, 10.0]):        # alpha = 1/n: the running mean
        ag.observe(step(0, 0, r, 1))
        assert ag.q[0, 0].item() == pytest.approx(np.mean([3.0, 5.0, 10.0][:k + 1]))
    lin = agent(exploration_initial_eps=1.0, exploration_final_eps=0.1, exploration_steps=100)
    assert [lin.epsilon(t) for t in (0, 50, 100, 1000)] == pytest.approx([1.0, 0.55, 0.1, 0.1])
    exp = agent(exploration_initial_eps=1.0, exploration_final_eps=0.1, exploration_steps=100,
                exploration_schedule="exponential")
    assert exp.epsilon(100) == pytest.approx(0.1 + 0.9 * np.exp(-1))
    lr = agent(lr=0.2, lr_schedule="linear", lr_final=0.0, lr_decay_steps=10, gamma=0.0)
    for _ in range(5):
        lr.observe(step(1, 1, 0.0, 0))
    assert lr.observe(step(0, 0, 1.0, 1))["lr"] == pytest.approx(0.2 * 0.4)


def test_ties_random_when_exploring_lowest_index_when_greedy() -> None:
    ag = agent(n_states=1, n_actions=3)                      # epsilon 0, all Q equal
    obs = np.zeros(200, dtype=np.int64)
    assert set(ag.act(obs, explore=True).tolist()) == {0, 1, 2}
    assert set(ag.act(obs, explore=False).tolist()) == {0}
    ag.q[0, 2] = 1.0
    assert set(ag.act(obs, explore=True).tolist()) == {2}


# -- training -------------------------------------------------------------------------------

def _success(mdp: TabularMDP, policy: np.ndarray) -> float:
    return float(mdp.start @ policy_evaluation(mdp, policy, 1.0))


def test_default_recipe_reaches_90_percent_of_the_optimal_success(
        frozenlake: TabularMDP) -> None:
    recipe = get_recipe("q-learning")
    assert recipe.name == "frozenlake" and recipe.dataset == "FrozenLake-v1"
    hp, cfg = recipe.resolve_agent({"eval_episodes": 1})
    assert cfg.env_kwargs == {"map_name": "4x4", "is_slippery": True}
    ag = build_agent("q-learning", hp, recipe.dataset, seed=0, env_kwargs=cfg.env_kwargs)
    train_agent(ag, recipe.dataset, cfg, seed=0)
    optimal = value_iteration(frozenlake, 1.0).start_value(frozenlake)
    assert _success(frozenlake, ag.greedy_policy()) >= 0.9 * optimal


def test_sarsa_resumes_exactly(tmp_path) -> None:
    hp = {"update": "sarsa", "exploration_steps": 1000}
    cfg = RLConfig(steps=1200, eval_episodes=1, checkpoint_every=500)
    whole = build_agent("q-learning", hp, "FrozenLake-v1", seed=3)
    train_agent(whole, "FrozenLake-v1", cfg, seed=3)
    run = RunDir.create(tmp_path, "tab")
    part = build_agent("q-learning", hp, "FrozenLake-v1", seed=3)
    train_agent(part, "FrozenLake-v1", RLConfig(steps=700, eval_episodes=1,
                                                checkpoint_every=500), seed=3, run=run)
    resumed = build_agent("q-learning", hp, "FrozenLake-v1", seed=3)
    train_agent(resumed, "FrozenLake-v1", cfg, seed=3, run=run)
    assert np.array_equal(resumed.q.numpy(), whole.q.numpy())
    assert resumed.num_timesteps == whole.num_timesteps == 1200


def test_evaluation_changes_nothing() -> None:
    ag = build_agent("q-learning", {}, "FrozenLake-v1", seed=0)
    train_agent(ag, "FrozenLake-v1", RLConfig(steps=300, eval_episodes=1), seed=0)
    before = ag.q.clone(), ag.agent_state()[1]
    evaluate_agent(ag, "FrozenLake-v1", 3, seed=0)
    assert np.array_equal(before[0].numpy(), ag.q.numpy())
    assert before[1] == ag.agent_state()[1]


# -- recipes and pictures -------------------------------------------------------------------

def _moves(env_id: str, row: int, **kw: object) -> dict[int, tuple[int, int]]:
    """The (row, col) displacement of each action from the free cell (row, 1), whose
    neighbours are all ordinary cells."""
    env = make_env(env_id, **kw)
    u = env.unwrapped
    cols = u.ncol if hasattr(u, "ncol") else u.shape[1]
    s = row * cols + 1
    out = {}
    for a, outcomes in u.P[s].items():
        (_, s2, _, _), = outcomes
        out[a] = (int(s2) // cols - row, int(s2) % cols - 1)
    return out


def test_recipe_grids_are_the_environments() -> None:
    from nnzoo.models.rl.q_learning import DIRECTIONS

    fl = get_recipe("q-learning", "frozenlake").model_hp
    env = make_env("FrozenLake-v1", map_name="4x4")
    assert tuple(r.decode() for r in map(bytes, env.unwrapped.desc)) == fl["grid_desc"]
    moves = _moves("FrozenLake-v1", 2, map_name="4x4", is_slippery=False)
    assert all(DIRECTIONS[fl["grid_actions"][a]] == d for a, d in moves.items())
    cw = get_recipe("q-learning", "cliffwalking").model_hp
    cliff = make_env("CliffWalking-v1").unwrapped._cliff
    desc = np.array([list(r) for r in cw["grid_desc"]])
    assert np.array_equal(desc == "C", cliff)
    assert desc[3, 0] == "S" and desc[3, 11] == "G"
    moves = _moves("CliffWalking-v1", 1)
    assert all(DIRECTIONS[cw["grid_actions"][a]] == d for a, d in moves.items())


def test_visualize_draws_the_grid(tmp_path) -> None:
    recipe = get_recipe("q-learning", "cliffwalking")
    hp, _ = recipe.resolve_agent()
    ag = build_agent("q-learning", hp, "CliffWalking-v1", seed=0)
    train_agent(ag, "CliffWalking-v1", RLConfig(steps=500, eval_episodes=1), seed=0)
    paths = ag.visualize(tmp_path)
    assert [p.name for p in paths] == ["q_values_grid.png"]
    assert paths[0].stat().st_size > 1000
    taxi = build_agent("q-learning", {}, "Taxi-v4", seed=0)
    assert taxi.visualize(tmp_path) == []


# -- bad input ------------------------------------------------------------------------------

def test_box_observation_environment_is_refused() -> None:
    with pytest.raises(ConfigError, match="discrete observations.*shape \\(4,\\)"):
        build_agent("q-learning", {}, "CartPole-v1", seed=0)


@pytest.mark.parametrize("gamma", [-0.1, 1.01])
def test_discount_outside_0_1(gamma: float) -> None:
    with pytest.raises(ConfigError, match="gamma"):
        create("q-learning", gamma=gamma)


def test_observation_outside_the_states() -> None:
    ag = agent()
    with pytest.raises(InputError, match=r"\[0, 2\)"):
        ag.act(np.array([2]), explore=False)
    with pytest.raises(InputError, match=r"\[0, 2\)"):
        ag.act(np.array([-1]), explore=True)
    with pytest.raises(InputError, match="next observation"):
        ag.observe(step(0, 0, 0.0, 5))
    with pytest.raises(InputError, match="integer"):
        ag.act(np.array([0.5]), explore=False)
    with pytest.raises(InputError, match="actions"):
        ag.observe(step(0, 3, 0.0, 1))


def test_grid_that_does_not_fit_the_map() -> None:
    hp = get_recipe("q-learning").resolve_agent()[0]
    with pytest.raises(ConfigError, match="grid_shape"):
        build_agent("q-learning", hp, "FrozenLake-v1", seed=0, env_kwargs={"map_name": "8x8"})
    with pytest.raises(ConfigError, match="grid_actions"):
        create("q-learning", grid_shape=(4, 4), grid_actions="LDXU")
