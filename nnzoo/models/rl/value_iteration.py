"""Exact dynamic programming on a finite MDP given as arrays: value iteration (Bellman 1957),
exact policy evaluation by a linear solve, and policy iteration (Howard 1960).

These are the yardsticks of the tabular agents: on a gymnasium toy-text environment
(FrozenLake, CliffWalking, Taxi) the transition table is known
(:func:`nnzoo.train.envs.tabular_mdp` turns ``env.unwrapped.P`` into a :class:`TabularMDP`),
so the optimal values and the success probability of any policy are computed, not estimated.

The MDP is episodic: a transition may end the episode (``terminated``), after which nothing
more is earned. With ``R[s, a]`` the expected reward of taking ``a`` in ``s`` and
``C[s, a, s']`` the probability of moving to ``s'`` *and going on* (the part of ``P`` that
does not terminate), the Bellman equations are::

    Q(s, a)  = R(s, a) + gamma * sum_s' C(s, a, s') V(s')
    V*(s)    = max_a Q*(s, a)                        (optimality: value iteration)
    V_pi(s)  = R(s, pi(s)) + gamma * sum_s' C(s, pi(s), s') V_pi(s')   (a linear system)

With ``gamma = 1`` (FrozenLake's success probability) a policy may never end some episodes
(walking into a wall forever); those states earn nothing more when their rewards are zero,
and :func:`policy_evaluation` gives them value 0 (an undiscounted value that would be
infinite is an error).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnzoo.core.errors import InputError
from nnzoo.models.rl.agent import check_discount


@dataclass(frozen=True)
class TabularMDP:
    """A finite episodic MDP as arrays (float64).

    :param P: ``(S, A, S)`` transition probabilities ``P[s, a, s']`` (rows sum to 1).
    :param R: ``(S, A)`` expected immediate reward of action ``a`` in state ``s``.
    :param C: ``(S, A, S)`` the part of ``P`` whose transition does not end the episode
        (``0 <= C <= P``); ``P - C`` is the probability of ending there.
    :param start: ``(S,)`` the distribution of the first state of an episode.
    """

    P: np.ndarray
    R: np.ndarray
    C: np.ndarray
    start: np.ndarray

    def __post_init__(self) -> None:
        P, R, C, start = self.P, self.R, self.C, self.start
        if P.ndim != 3 or P.shape[0] != P.shape[2]:
            raise InputError(f"P must have shape (S, A, S), got {P.shape}")
        S, A = P.shape[:2]
        if R.shape != (S, A) or C.shape != P.shape or start.shape != (S,):
            raise InputError(f"R must be (S, A) = ({S}, {A}), C {P.shape}, start ({S},); got "
                             f"R {R.shape}, C {C.shape}, start {start.shape}")
        if not np.allclose(P.sum(2), 1.0, atol=1e-9) or (P < 0).any():
            raise InputError("P[s, a] must be a probability distribution over next states")
        if (C < -1e-12).any() or (C > P + 1e-12).any():
            raise InputError("C must lie between 0 and P (the non-terminating part of P)")
        if not np.isclose(start.sum(), 1.0, atol=1e-9):
            raise InputError("start must be a probability distribution over states")

    @property
    def n_states(self) -> int:
        return int(self.P.shape[0])

    @property
    def n_actions(self) -> int:
        return int(self.P.shape[1])

    def q_values(self, V: np.ndarray, gamma: float) -> np.ndarray:
        """``Q(s, a) = R(s, a) + gamma * sum_s' C(s, a, s') V(s')``, shape ``(S, A)``."""
        return self.R + gamma * (self.C @ V)


@dataclass(frozen=True)
class Solution:
    """What dynamic programming returns.

    :param V: ``(S,)`` state values.
    :param Q: ``(S, A)`` action values.
    :param policy: ``(S,)`` a greedy action per state (the lowest index among ties).
    :param iterations: the number of sweeps (value iteration) or improvements (policy
        iteration) it took.
    """

    V: np.ndarray
    Q: np.ndarray
    policy: np.ndarray
    iterations: int

    def start_value(self, mdp: TabularMDP) -> float:
        """The expected return from the start distribution."""
        return float(mdp.start @ self.V)


def greedy(Q: np.ndarray, atol: float = 1e-12) -> np.ndarray:
    """The greedy action of each row of ``Q``; among actions within ``atol`` of the best, the
    lowest index (deterministic)."""
    return np.argmax(Q.max(1, keepdims=True) - atol <= Q, axis=1)


def value_iteration(mdp: TabularMDP, gamma: float, tol: float = 1e-10,
                    max_iterations: int = 100_000) -> Solution:
    """Optimal values by Bellman's backup ``V <- max_a R + gamma C V`` from ``V = 0``.

    It stops when a sweep changes no value by more than ``tol``; for ``gamma < 1`` the values
    are then within ``tol * gamma / (1 - gamma)`` of the optimum. With ``gamma = 1`` and
    non-negative rewards the sweeps rise monotonically to the optimum; there the greedy
    policy's exact value (:func:`policy_evaluation`) is the check.

    :raises ConfigError: for ``gamma`` outside [0, 1].
    :raises InputError: when the values have not settled after ``max_iterations`` sweeps.
    """
    check_discount(gamma)
    V = np.zeros(mdp.n_states)
    for it in range(1, max_iterations + 1):
        Q = mdp.q_values(V, gamma)
        V_new = Q.max(1)
        delta = float(np.abs(V_new - V).max())
        V = V_new
        if delta < tol:
            Q = mdp.q_values(V, gamma)
            return Solution(V, Q, greedy(Q), it)
    raise InputError(f"value iteration did not settle within {max_iterations} sweeps "
                     f"(last change {delta:.3g}); with gamma = 1 some values may be infinite")


def policy_evaluation(mdp: TabularMDP, policy: np.ndarray, gamma: float,
                      horizon: int | None = None) -> np.ndarray:
    """The exact value ``V_pi`` of a deterministic policy.

    Without ``horizon``: the solution of ``(I - gamma C_pi) V = R_pi``. With ``gamma = 1``,
    the states from which the policy never ends the episode get value 0 (their rewards must
    be 0; otherwise the value is infinite) and the system is solved on the others, where
    it is non-singular. With ``horizon = H``: the expected return of the first ``H`` steps
    (an episode cut by a time limit of ``H`` steps), by ``H`` backups from ``V = 0``.

    :param policy: ``(S,)`` an action index per state.
    :raises InputError: for a policy of the wrong shape or with actions out of range, or an
        infinite undiscounted value.
    """
    check_discount(gamma)
    S, A = mdp.n_states, mdp.n_actions
    policy = np.asarray(policy)
    if policy.shape != (S,) or not np.issubdtype(policy.dtype, np.integer) \
            or (policy < 0).any() or (policy >= A).any():
        raise InputError(f"policy must be ({S},) integer actions in [0, {A}), got shape "
                         f"{policy.shape}, dtype {policy.dtype}")
    idx = np.arange(S)
    R_pi, C_pi = mdp.R[idx, policy], mdp.C[idx, policy]  # (S,), (S, S)
    if horizon is not None:
        V = np.zeros(S)
        for _ in range(horizon):
            V = R_pi + gamma * (C_pi @ V)
        return V
    if gamma < 1.0:
        return np.linalg.solve(np.eye(S) - gamma * C_pi, R_pi)
    # gamma = 1: ``ends`` = the states from which the episode ends with positive probability
    # (directly, or through states that do); the others go on forever.
    ends = C_pi.sum(1) < 1.0 - 1e-12
    while True:
        more = ends | ((C_pi[:, ends] > 0).any(1))
        if (more == ends).all():
            break
        ends = more
    earning = np.flatnonzero(~ends & (R_pi != 0))
    if len(earning):
        raise InputError(f"with gamma = 1 this policy never ends the episode from states "
                         f"{earning[:8].tolist()}{'...' if len(earning) > 8 else ''} and earns "
                         "rewards there: their value is infinite; use gamma < 1")
    V = np.zeros(S)
    E = np.flatnonzero(ends)
    V[E] = np.linalg.solve(np.eye(len(E)) - C_pi[np.ix_(E, E)], R_pi[E])
    return V


def policy_iteration(mdp: TabularMDP, gamma: float, policy: np.ndarray | None = None,
                     max_iterations: int = 1_000) -> Solution:
    """Howard's policy iteration: evaluate the policy exactly, make it greedy, until it
    stays (a change only where it strictly improves, so ties cannot cycle).

    :param policy: the first policy (default: action 0 everywhere).
    :raises InputError: when it has not settled after ``max_iterations`` improvements.
    """
    check_discount(gamma)
    pi = np.zeros(mdp.n_states, dtype=np.int64) if policy is None else np.asarray(policy)
    for it in range(1, max_iterations + 1):
        V = policy_evaluation(mdp, pi, gamma)
        Q = mdp.q_values(V, gamma)
        current = Q[np.arange(mdp.n_states), pi]
        better = Q.max(1) > current + 1e-12
        if not better.any():
            return Solution(V, Q, pi, it)
        pi = np.where(better, greedy(Q), pi)
    raise InputError(f"policy iteration did not settle within {max_iterations} improvements")

