"""Tabular Q-learning (Watkins & Dayan 1992), SARSA (Rummery & Niranjan 1994) and expected
SARSA, with epsilon-greedy exploration.

Paper: C. J. C. H. Watkins and P. Dayan, "Q-learning", Machine Learning 8, 279-292 (1992),
https://doi.org/10.1007/BF00992698 (Watkins's 1989 thesis introduced the rule; the paper
proves its convergence). SARSA: G. A. Rummery and M. Niranjan, "On-line Q-learning using
connectionist systems", CUED/F-INFENG/TR 166 (1994). Reference text: Sutton & Barto,
*Reinforcement Learning: An Introduction* (2nd ed., 2018), sections 6.4-6.6.

The agent keeps a table ``Q`` of shape ``(n_states, n_actions)`` (a buffer, so it is in the
checkpoint) and, after every transition ``(s, a, r, s')``, moves ``Q(s, a)`` toward a target::

    Q(s, a) <- Q(s, a) + alpha * (target - Q(s, a))
    q-learning:      target = r + gamma * max_a' Q(s', a')                  (off-policy)
    sarsa:           target = r + gamma * Q(s', a'),  a' the next action actually taken
    expected-sarsa:  target = r + gamma * sum_a' pi(a' | s') Q(s', a')      (pi: epsilon-greedy)

and ``target = r`` when ``s'`` is terminal (``terminated``; a time limit, ``truncated``, still
bootstraps from ``s'``). For SARSA the next action is chosen from ``s'`` before the update (as
Sutton & Barto's box), remembered, and returned by the next :meth:`QLearning.act` call for
that environment, so the action the update used is the one taken.

Exploration is epsilon-greedy: with probability ``epsilon`` a uniformly random action, else a
greedy one, ties between greedy actions broken at random (the agent's generator).
Acting greedily (``explore=False``, evaluation) breaks ties by the lowest action index, so the
greedy policy is deterministic. Epsilon decays from ``exploration_initial_eps`` to
``exploration_final_eps`` with the environment steps ``t``: ``linear`` reaches the final value
at ``t = exploration_steps``; ``exponential`` is ``final + (initial - final) * exp(-t /
exploration_steps)``. The learning rate is ``constant``, ``linear`` (from ``lr`` to
``lr_final`` over ``lr_decay_steps``) or ``visits``: ``alpha = lr / n(s, a) ** lr_power``, with
``n(s, a)`` the number of updates of the pair so far (counting this one), which satisfies
Watkins & Dayan's conditions (sum alpha = inf, sum alpha^2 < inf) for ``0.5 < lr_power <= 1``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch

from nnzoo.core.config import require
from nnzoo.core.errors import ConfigError, InputError
from nnzoo.models.registry import register
from nnzoo.models.rl.agent import Agent, Step, as_batch, check_discount

#: The letters of :attr:`QLearningConfig.grid_actions`: the direction each action moves in.
DIRECTIONS = {"L": (0, -1), "D": (1, 0), "R": (0, 1), "U": (-1, 0)}


@dataclass
class QLearningConfig:
    """Hyperparameters of the tabular agents.

    :param sample_shape: the shape of one observation: ``(1,)``, a state index.
    :param n_states: the number of states (the environment's, filled in by the loop).
    :param n_actions: the number of actions (the environment's).
    :param update: ``q-learning`` (Watkins's off-policy max), ``sarsa`` (on-policy: the next
        action taken) or ``expected-sarsa`` (the expectation under the epsilon-greedy policy).
    :param gamma: the discount, in [0, 1].
    :param lr: the learning rate (the initial one for the decaying schedules), in (0, 1].
    :param lr_schedule: ``constant``, ``linear`` (to ``lr_final`` over ``lr_decay_steps``
        steps) or ``visits`` (``lr / n(s, a) ** lr_power``).
    :param lr_final: the learning rate the linear schedule ends at.
    :param lr_decay_steps: the environment steps of the linear learning-rate schedule.
    :param lr_power: the exponent of the ``visits`` schedule, in (0.5, 1] for convergence.
    :param exploration_initial_eps: epsilon at the first step.
    :param exploration_final_eps: epsilon at the end of the schedule.
    :param exploration_steps: the linear schedule's length, or the exponential one's time
        constant, in environment steps.
    :param exploration_schedule: ``linear`` or ``exponential``.
    :param q_init: the initial value of every table entry (above the best return: optimistic
        exploration).
    :param grid_shape: ``(rows, cols)`` of a grid world whose state is ``row * cols + col``
        (FrozenLake, CliffWalking), for :meth:`QLearning.visualize`; empty: no grid.
    :param grid_desc: the grid's rows as letters (``S`` start, ``F`` free, ``H`` hole, ``C``
        cliff, ``G`` goal; holes and the goal are drawn as terminal); may be empty. Unused
        without ``grid_shape``, as ``grid_actions``.
    :param grid_actions: for each action index, the letter of the direction it moves in
        (``L``, ``D``, ``R``, ``U``): FrozenLake ``LDRU``, CliffWalking ``URDL``.
    """

    sample_shape: tuple[int, ...] = (1,)
    n_states: int = 16
    n_actions: int = 4
    update: Literal["q-learning", "sarsa", "expected-sarsa"] = "q-learning"
    gamma: float = 0.99
    lr: float = 0.1
    lr_schedule: Literal["constant", "linear", "visits"] = "constant"
    lr_final: float = 0.01
    lr_decay_steps: int = 100_000
    lr_power: float = 0.8
    exploration_initial_eps: float = 1.0
    exploration_final_eps: float = 0.05
    exploration_steps: int = 10_000
    exploration_schedule: Literal["linear", "exponential"] = "linear"
    q_init: float = 0.0
    grid_shape: tuple[int, ...] = ()
    grid_desc: tuple[str, ...] = ()
    grid_actions: str = ""

    def __post_init__(self) -> None:
        if self.n_states < 1:
            shape = tuple(self.sample_shape)
            raise ConfigError(
                "tabular agents need discrete observations (a finite number of states, as "
                "FrozenLake-v1, CliffWalking-v1, Taxi-v4 have); this environment has "
                f"box observations of shape {shape}: use dqn for it")
        require(tuple(self.sample_shape) == (1,),
                f"sample_shape of a tabular agent is (1,) (a state index), got "
                f"{self.sample_shape}")
        require(self.n_actions >= 1, "tabular agents need discrete actions (n_actions >= 1), "
                                     f"got {self.n_actions}")
        check_discount(self.gamma)
        require(0.0 < self.lr <= 1.0, f"lr must be in (0, 1], got {self.lr}")
        require(0.0 <= self.lr_final <= self.lr,
                f"lr_final must be in [0, lr = {self.lr}], got {self.lr_final}")
        require(self.lr_decay_steps >= 1, f"lr_decay_steps must be >= 1, got "
                                          f"{self.lr_decay_steps}")
        require(0.0 < self.lr_power <= 1.0, f"lr_power must be in (0, 1], got {self.lr_power}")
        for name in ("exploration_initial_eps", "exploration_final_eps"):
            v = getattr(self, name)
            require(0.0 <= v <= 1.0, f"{name} must be in [0, 1], got {v}")
        require(self.exploration_steps >= 1,
                f"exploration_steps must be >= 1, got {self.exploration_steps}")
        require(math.isfinite(self.q_init), f"q_init must be finite, got {self.q_init}")
        self._check_grid()

    def _check_grid(self) -> None:
        shape = tuple(self.grid_shape)
        if not shape:  # no grid: grid_desc and grid_actions are not used
            return
        require(len(shape) == 2 and min(shape) >= 1,
                f"grid_shape must be (rows, cols), got {shape}")
        if self.grid_desc:
            require(len(self.grid_desc) == shape[0]
                    and all(len(row) == shape[1] for row in self.grid_desc),
                    f"grid_desc must be {shape[0]} rows of {shape[1]} letters, got "
                    f"{list(self.grid_desc)}")
        require(bool(self.grid_actions) and set(self.grid_actions) <= set(DIRECTIONS),
                "grid_actions must name the direction of each action with the letters L, D, "
                f"R, U (FrozenLake: LDRU), got {self.grid_actions!r}")

    def check_environment(self) -> None:
        """Check the grid fields against the environment's sizes (filled in when the agent
        is built: a recipe is checked before any environment exists).

        :raises ConfigError: when ``grid_shape`` or ``grid_actions`` do not fit them.
        """
        shape = tuple(self.grid_shape)
        if not shape:
            return
        require(shape[0] * shape[1] == self.n_states,
                f"grid_shape {shape} has {shape[0] * shape[1]} cells but the environment has "
                f"{self.n_states} states; set grid_shape and grid_desc to the environment's "
                "map, or --set grid_shape= for no grid picture")
        require(len(self.grid_actions) == self.n_actions,
                f"grid_actions {self.grid_actions!r} names {len(self.grid_actions)} actions, "
                f"the environment has {self.n_actions}")


@dataclass
class _RunState:
    """What the agent changes every step, kept off ``nn.Module``'s attribute machinery."""

    t: int = 0
    q: np.ndarray | None = None
    visits: np.ndarray | None = None
    next_state: np.ndarray | None = None
    next_action: np.ndarray | None = None


@register("q-learning", config=QLearningConfig, learning="environment",
          rule="temporal-difference control: Q-learning, SARSA or expected SARSA",
          peer="the optimal policy by value iteration on the known transition table",
          reference="http://incompleteideas.net/book/the-book-2nd.html")
class QLearning(Agent[QLearningConfig]):
    """Tabular Q-learning / SARSA / expected SARSA with epsilon-greedy exploration.

    :param config: the hyperparameters (:class:`QLearningConfig`).
    """

    action_kind = "discrete"
    integer_inputs = True
    q: torch.Tensor
    visits: torch.Tensor

    def __init__(self, config: QLearningConfig) -> None:
        config.check_environment()
        super().__init__(config)
        S, A = config.n_states, config.n_actions
        self.register_buffer("q", torch.full((S, A), float(config.q_init), dtype=torch.float64))
        self.register_buffer("visits", torch.zeros(S, A, dtype=torch.int64))
        # plain attributes (nn.Module's __setattr__ is slow per step): the step count, the
        # NumPy views of the buffers, SARSA's next action of each environment
        self._run = _RunState()

    @property
    def num_timesteps(self) -> int:
        """Environment steps taken so far (summed over the environments)."""
        return self._run.t

    def _tables(self) -> tuple[np.ndarray, np.ndarray]:
        """NumPy views of ``q`` and ``visits`` (shared memory; rebuilt after ``.to()``)."""
        run = self._run
        if run.q is None or run.visits is None:
            run.q, run.visits = self.q.numpy(), self.visits.numpy()
        return run.q, run.visits

    def _apply(self, fn: Any, recurse: bool = True) -> QLearning:
        out = super()._apply(fn, recurse)
        self._run.q = self._run.visits = None  # the buffers may be new tensors
        return out

    # -- schedules ------------------------------------------------------------------------
    def epsilon(self, t: int | None = None) -> float:
        """Epsilon after ``t`` environment steps (default: the steps taken so far)."""
        c = self.config
        t = self.num_timesteps if t is None else t
        e0, e1 = c.exploration_initial_eps, c.exploration_final_eps
        if c.exploration_schedule == "linear":
            return e0 + (e1 - e0) * min(1.0, t / c.exploration_steps)
        return e1 + (e0 - e1) * math.exp(-t / c.exploration_steps)

    def _alpha(self, s: int, a: int) -> float:
        c = self.config
        if c.lr_schedule == "constant":
            return c.lr
        if c.lr_schedule == "linear":
            return c.lr + (c.lr_final - c.lr) * min(1.0, self.num_timesteps / c.lr_decay_steps)
        return c.lr / float(self.visits[s, a]) ** c.lr_power  # visits counts this update

    # -- acting ---------------------------------------------------------------------------
    def states(self, obs: Any, what: str = "observation") -> np.ndarray:
        """``obs`` (``(n,)`` or ``(n, 1)`` state indices) as an ``(n,)`` int64 array.

        :raises InputError: for a wrong shape, non-integer values, or a state outside
            ``[0, n_states)``.
        """
        arr = obs if isinstance(obs, np.ndarray) and obs.ndim == 1 else \
            as_batch(np.asarray(obs), (1,), f"{self.model_id} {what}").reshape(-1)
        if arr.dtype != np.int64 and not np.issubdtype(arr.dtype, np.integer):
            raise InputError(f"{self.model_id} {what}: states must be integer indices, got "
                             f"dtype {arr.dtype}")
        lo, hi = (int(arr[0]), int(arr[0])) if arr.size == 1 else \
            (int(arr.min(initial=0)), int(arr.max(initial=0)))
        if lo < 0 or hi >= self.config.n_states:
            raise InputError(f"{self.model_id} {what}: states must be in [0, "
                             f"{self.config.n_states}), got {arr.tolist()}")
        return arr.astype(np.int64, copy=False)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """The Q-values ``(n, n_actions)`` of a batch of states ``(n, 1)``."""
        return self.q[self.check(obs).reshape(-1).long()]

    def _explore(self, s: np.ndarray) -> np.ndarray:
        """Epsilon-greedy actions for states ``s``; random tie-breaking among greedy ones."""
        A = self.config.n_actions
        q = self._tables()[0][s]                             # (n, A)
        u = self.np_rng.random((len(s), A + 2))              # one draw: explore?, which, ties
        ties = q >= q.max(1, keepdims=True)                  # (n, A) the greedy actions
        greedy = np.argmax(ties * u[:, 2:], axis=1)          # a random one among them
        random = np.minimum((u[:, 1] * A).astype(np.int64), A - 1)
        return np.where(u[:, 0] < self.epsilon(), random, greedy)

    def act(self, obs: np.ndarray, *, explore: bool) -> np.ndarray:
        """Actions for states ``obs``: epsilon-greedy when ``explore`` (SARSA's remembered
        next action where it has one for that state), else greedy with the lowest index among
        ties (deterministic, and it changes nothing)."""
        s = self.states(obs)
        if not explore:
            return np.argmax(self._tables()[0][s], axis=1)
        run = self._run
        nxt, run.next_action, state = run.next_action, None, run.next_state
        if nxt is None or state is None or len(state) != len(s):
            return self._explore(s)
        use = (nxt >= 0) & (state == s)   # -1: the episode ended, no remembered action
        out = nxt.copy()
        if not use.all():
            out[~use] = self._explore(s[~use])
        return out

    # -- learning -------------------------------------------------------------------------
    def _policy_probs(self, q: np.ndarray) -> np.ndarray:
        """The epsilon-greedy policy's probabilities ``(A,)`` at a state with values ``q``
        (the greedy mass shared among tied greedy actions, as :meth:`_explore` draws)."""
        eps, A = self.epsilon(), self.config.n_actions
        ties = q >= q.max()
        return eps / A + (1.0 - eps) * ties / ties.sum()

    def observe(self, step: Step) -> dict[str, float]:
        """Update ``Q`` with every environment's transition, one after the other (two
        environments may update the same pair in one step)."""
        c = self.config
        s, s2 = self.states(step.obs), self.states(step.next_obs, "next observation")
        a = np.asarray(step.action).reshape(-1)
        if a.shape != s.shape or not np.issubdtype(a.dtype, np.integer) \
                or int(a.min()) < 0 or int(a.max()) >= c.n_actions:
            raise InputError(f"{self.model_id}: actions must be {len(s)} integer indices in "
                             f"[0, {c.n_actions}), got {a.tolist()}")
        n = len(s)
        self._run.t += n
        a2 = self._explore(s2) if c.update == "sarsa" else None  # before the update (S&B)
        rewards, terminal = np.asarray(step.reward).reshape(-1).tolist(), \
            np.asarray(step.terminated).reshape(-1).tolist()
        abs_td, alpha = 0.0, c.lr
        for i, (si, ai, si2) in enumerate(zip(s.tolist(), a.tolist(), s2.tolist())):
            # in order: a later environment's transition sees an earlier one's update
            td, alpha = self.td_update(si, ai, float(rewards[i]), si2, bool(terminal[i]),
                                       None if a2 is None else int(a2[i]))
            abs_td += abs(td)
        if a2 is not None:
            self._run.next_state = s2
            self._run.next_action = np.where(step.done, -1, a2)
        return {"td_error": abs_td / n, "epsilon": self.epsilon(), "lr": alpha}

    def td_update(self, s: int, a: int, r: float, s2: int, terminal: bool,
                  a2: int | None = None) -> tuple[float, float]:
        """One temporal-difference update of ``Q(s, a)`` from the transition
        ``(s, a, r, s')`` (``a2``: SARSA's next action); returns the TD error (before the
        update) and the learning rate used."""
        c = self.config
        q, visits = self._tables()
        target = r
        if not terminal:
            if c.update == "q-learning":
                boot = float(q[s2].max())                               # max_a' Q(s', a')
            elif c.update == "sarsa":
                if a2 is None:
                    raise InputError("a SARSA update needs the next action a2")
                boot = float(q[s2, a2])                                 # Q(s', a')
            else:
                boot = float(self._policy_probs(q[s2]) @ q[s2])         # E_pi[Q(s', a')]
            target += c.gamma * boot
        visits[s, a] += 1
        alpha = self._alpha(s, a)
        td = target - float(q[s, a])                                    # the TD error
        q[s, a] += alpha * td                                           # Q <- Q + alpha * td
        return td, alpha

    # -- checkpoints ----------------------------------------------------------------------
    def agent_state(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        """The generators, the step count and SARSA's remembered next actions (the table and
        the visit counts are buffers, in ``state_dict()``)."""
        tensors, state = super().agent_state()
        state["num_timesteps"] = self.num_timesteps
        run = self._run
        state["next_state"] = None if run.next_state is None else run.next_state.tolist()
        state["next_action"] = None if run.next_action is None else run.next_action.tolist()
        return tensors, state

    def load_agent_state(self, tensors: dict[str, torch.Tensor], state: dict[str, Any]) -> None:
        super().load_agent_state(tensors, state)
        run = self._run
        run.t = int(state["num_timesteps"])
        ns, na = state.get("next_state"), state.get("next_action")
        run.next_state = None if ns is None else np.asarray(ns, dtype=np.int64)
        run.next_action = None if na is None else np.asarray(na, dtype=np.int64)

    # -- looking at it ----------------------------------------------------------------------
    def greedy_policy(self) -> np.ndarray:
        """The greedy action of every state ``(n_states,)``, the lowest index among ties (the
        policy ``act(explore=False)`` follows)."""
        return np.argmax(self._tables()[0], axis=1)

    def values(self) -> np.ndarray:
        """The state values ``max_a Q(s, a)``, ``(n_states,)``."""
        return self._tables()[0].max(1)

    def visualize(self, out_dir: Path) -> list[Path]:
        """On a grid world (``grid_shape`` set): the state values ``max_a Q`` and the greedy
        policy as arrows on the grid (``q_values_grid.png``). Nothing otherwise (Taxi)."""
        if not self.config.grid_shape:
            return []
        from nnzoo.models.rl.q_learning_plots import policy_grid

        return [policy_grid({f"{self.model_id} ({self.config.update}): max_a Q and the "
                             "greedy policy": (self.values(), self.greedy_policy(),
                                               self.visits.numpy().sum(1) > 0)},
                            self.config, Path(out_dir) / "q_values_grid.png")]
