"""The analysis of a discrete-time Markov chain's transition matrix (:class:`MarkovChain`), and
the maximum-likelihood counts that the registered model
(:mod:`nnzoo.models.classic.markov_chain`) learns from.

Formulas: J. R. Norris, "Markov Chains", Cambridge University Press, 1997 (sections 1.2-1.8),
and J. G. Kemeny, J. L. Snell, "Finite Markov Chains", 1960 (the fundamental matrix).
Peer: PyDTMC (https://github.com/TommasoBelluzzo/PyDTMC), whose numbers the tests match.

A chain on states ``0..n-1`` is a row-stochastic matrix ``P`` (``P[i, j]`` = probability of
moving from ``i`` to ``j``; ``P >= 0``, every row sums to 1). :class:`MarkovChain` answers
the usual questions in float64 linear algebra, without a Python loop over states:

- communicating classes: ``i <-> j`` when each is reachable from the other: the strongly
  connected components of the graph ``P > 0`` (scipy's O(n + edges) search; the readable
  reference is the transitive closure ``R`` of ``(P > 0) | I`` by repeated boolean squaring
  ``R <- R R``, classes = ``R & R^T``, tested to agree). A class is *closed*
  (= recurrent, for a finite chain) when no probability leaves it; the other states are
  *transient*.
- irreducible: one class. Period of a class: the gcd of its cycle lengths, read off one
  breadth-first search per class as ``gcd(level[u] + 1 - level[v])`` over its edges
  ``u -> v``; the chain's period is the lcm over its closed classes (PyDTMC's convention).
- stationary distributions: one per closed class ``C``, solving
  ``(P_CC^T - I) pi = 0`` with ``sum(pi) = 1`` (Norris thm 1.7.7).
- absorption: with ``Q`` = transient-to-transient and ``R`` = transient-to-recurrent blocks,
  the fundamental matrix ``N = (I - Q)^-1`` gives the probabilities of ending in each closed
  class ``B = N R 1_C`` and the expected steps to absorption ``t = N 1`` (Norris thm 1.3.2,
  1.3.5).
- mean first-passage times of an irreducible chain: with ``Z = (I - P + 1 pi^T)^-1``,
  ``m_ij = (z_jj - z_ij) / pi_j`` (Kemeny & Snell thm 4.4.7), ``m_ii = 0`` as in PyDTMC;
  the mean return times ``1 / pi_i`` are :meth:`MarkovChain.mean_return_times`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from nnzoo.core.errors import InputError
from nnzoo.models.classic.markov_chain_plots import plot_state_graph

ROW_SUM_TOL = 1e-8  # |sum_j P_ij - 1| allowed by the validation


# -- analysis ---------------------------------------------------------------------------------

def check_transition_matrix(P: object, name: str = "transition matrix") -> torch.Tensor:
    """``P`` as a float64 tensor, checked: square, finite, non-negative, rows summing to 1.

    :raises InputError: naming the first offending row.
    """
    if not isinstance(P, torch.Tensor):
        try:
            P = torch.as_tensor(np.asarray(P, dtype=np.float64))
        except (TypeError, ValueError) as e:
            raise InputError(f"{name} must be a numeric square matrix ({e})") from None
    if P.dim() != 2 or P.shape[0] != P.shape[1] or P.shape[0] == 0:
        raise InputError(f"{name} must be a non-empty square matrix (n, n), "
                         f"got shape {tuple(P.shape)}")
    if not (P.is_floating_point() or P.dtype in (torch.int32, torch.int64)):
        raise InputError(f"{name} must hold real numbers, got dtype {P.dtype}")
    P = P.to(torch.float64)
    if not bool(torch.isfinite(P).all()):
        raise InputError(f"{name} holds NaN or infinite values")
    if bool((P < 0).any()):
        i, j = (P < 0).nonzero()[0].tolist()
        raise InputError(f"{name} must be non-negative, but P[{i}, {j}] = {float(P[i, j]):.6g}")
    bad = ((P.sum(1) - 1).abs() > ROW_SUM_TOL).nonzero()
    if len(bad):
        i = int(bad[0])
        raise InputError(f"every row of the {name} must sum to 1, but row {i} sums to "
                         f"{float(P[i].sum()):.10g}")
    return P


def counts_to_probabilities(counts: torch.Tensor, smoothing: float = 0.0) -> torch.Tensor:
    """Maximum-likelihood (smoothed) transition matrix from transition counts (n, n).

    ``P_ij = (c_ij + a) / (sum_k c_ik + n a)``; a row never seen (and ``a = 0``) is uniform,
    the limit of the smoothed estimate as ``a -> 0``.
    """
    n = counts.shape[0]
    c = counts.to(torch.float64) + smoothing                  # (n, n)
    total = c.sum(1, keepdim=True)                            # (n, 1)
    uniform = torch.full_like(c, 1.0 / n)
    return torch.where(total > 0, c / total.clamp_min(1e-300), uniform)


def check_states(x: torch.Tensor, n: int, name: str) -> None:
    """Check that the integer tensor ``x`` holds state indices in ``[0, n)``."""
    if x.numel() and (int(x.min()) < 0 or int(x.max()) >= n):
        raise InputError(f"{name} must hold state indices in [0, {n}), got values from "
                         f"{int(x.min())} to {int(x.max())}")


def transition_counts(sequences: torch.Tensor | Sequence[torch.Tensor | Sequence[int]],
                      n_states: int) -> torch.Tensor:
    """Counts ``c_ij`` of transitions ``i -> j`` in ``sequences`` (a (B, T) tensor, or a list
    of 1-D sequences of any lengths); float64 (n, n)."""
    seqs = [sequences] if isinstance(sequences, torch.Tensor) and sequences.dim() == 2 \
        else list(sequences)
    c = torch.zeros(n_states * n_states, dtype=torch.float64)
    for s in seqs:
        s = torch.as_tensor(s)
        if s.is_floating_point() or s.dtype == torch.bool:
            raise InputError(f"state sequences must hold integer indices, got dtype {s.dtype}")
        s = s.reshape(-1, s.shape[-1]) if s.dim() else s.reshape(1, 1)   # (B, T)
        check_states(s, n_states, "state sequences")
        pairs = s[:, :-1] * n_states + s[:, 1:]              # transition i -> j as i n + j
        c += torch.bincount(pairs.reshape(-1).cpu(), minlength=n_states**2).to(torch.float64)
    return c.view(n_states, n_states)


class MarkovChain:
    """A discrete-time Markov chain on states ``0..n-1`` (see the module docstring).

    :param P: the transition matrix (n, n), rows summing to 1 (checked).
    :param states: optional state names (length n), used by :meth:`plot`.
    """

    def __init__(self, P: torch.Tensor | np.ndarray | Sequence[Sequence[float]],
                 states: Sequence[str] | None = None) -> None:
        self.P = check_transition_matrix(P)                   # (n, n) float64
        self.n = self.P.shape[0]
        if states is not None and len(states) != self.n:
            raise InputError(f"states must name all {self.n} states, got {len(states)} names")
        self.states = [str(s) for s in states] if states is not None else None
        self._classes: list[torch.Tensor] | None = None       # cached structure
        self._closed: list[torch.Tensor] | None = None
        self._pi: torch.Tensor | None = None

    # -- construction --------------------------------------------------------------------------

    @classmethod
    def fit(cls, sequences: torch.Tensor | Sequence[torch.Tensor | Sequence[int]],
            n_states: int | None = None, smoothing: float = 0.0) -> MarkovChain:
        """The maximum-likelihood chain of observed ``sequences`` (see
        :func:`counts_to_probabilities`).

        :param sequences: a (B, T) integer tensor or a list of 1-D integer sequences.
        :param n_states: number of states; default ``max index + 1``.
        :param smoothing: additive smoothing ``a >= 0`` added to every count.
        """
        seqs = [sequences] if isinstance(sequences, torch.Tensor) else list(sequences)
        if not seqs or all(torch.as_tensor(s).numel() == 0 for s in seqs):
            raise InputError("fit needs at least one non-empty state sequence")
        if n_states is None:
            n_states = 1 + max(int(torch.as_tensor(s).max()) for s in seqs
                               if torch.as_tensor(s).numel())
        if smoothing < 0 or not math.isfinite(smoothing):
            raise InputError(f"smoothing must be a finite number >= 0, got {smoothing}")
        return cls(counts_to_probabilities(transition_counts(seqs, n_states), smoothing))

    # -- structure -----------------------------------------------------------------------------

    def reachability(self) -> torch.Tensor:
        """``R[i, j]`` = True when ``j`` can be reached from ``i`` in zero or more steps."""
        R = ((self.P > 0) | torch.eye(self.n, dtype=torch.bool)).to(torch.float32)
        for _ in range(max(1, math.ceil(math.log2(self.n))) + 1):
            R2 = ((R @ R) > 0).to(torch.float32)              # paths of length <= 2^k
            if torch.equal(R2, R):
                break
            R = R2
        return R > 0

    def communicating_classes(self) -> list[torch.Tensor]:
        """The communicating classes, each a sorted tensor of state indices, ordered by their
        smallest state.

        The strongly connected components of the graph ``P > 0``, found in O(n + edges) by
        scipy's Pearce algorithm; :meth:`reachability` gives the same classes as
        ``R & R^T`` (the reference, tested).
        """
        if self._classes is None:
            from scipy.sparse import csr_matrix
            from scipy.sparse.csgraph import connected_components

            _, comp = connected_components(csr_matrix(self.P.numpy() > 0), directed=True,
                                           connection="strong")
            comp = torch.from_numpy(comp.astype(np.int64))
            # relabel each class by its smallest state, then order the classes by it
            first = torch.full((int(comp.max()) + 1,), self.n, dtype=torch.long)
            first = first.scatter_reduce(0, comp, torch.arange(self.n), reduce="amin")
            label = first[comp]
            self._classes = [(label == r).nonzero().flatten() for r in torch.unique(label)]
        return self._classes

    def classes_from_reachability(self) -> list[torch.Tensor]:
        """The communicating classes from :meth:`reachability`: ``i <-> j`` iff
        ``R_ij and R_ji`` (dense, O(n^3 log n): the readable reference)."""
        R = self.reachability()
        C = R & R.T                                           # i <-> j
        label = C.to(torch.int8).argmax(1)                    # smallest state of i's class
        return [(label == r).nonzero().flatten() for r in torch.unique(label)]

    def _class_labels(self) -> torch.Tensor:
        lab = torch.empty(self.n, dtype=torch.long)
        for k, c in enumerate(self.communicating_classes()):
            lab[c] = k
        return lab

    def closed_classes(self) -> list[torch.Tensor]:
        """The closed (= recurrent) classes: no probability leaves them."""
        if self._closed is None:
            self._closed = self._find_closed_classes()
        return self._closed

    def _find_closed_classes(self) -> list[torch.Tensor]:
        lab = self._class_labels()
        leaves = (self.P > 0) & (lab[:, None] != lab[None, :])   # edge to another class
        open_ = torch.zeros(len(self.communicating_classes()), dtype=torch.bool)
        open_[lab[leaves.any(1)]] = True
        return [c for k, c in enumerate(self.communicating_classes()) if not open_[k]]

    def recurrent_states(self) -> torch.Tensor:
        """Indices of the states in closed classes, sorted."""
        cl = self.closed_classes()
        return torch.sort(torch.cat(cl)).values

    def transient_states(self) -> torch.Tensor:
        """Indices of the states outside every closed class, sorted."""
        mask = torch.ones(self.n, dtype=torch.bool)
        mask[self.recurrent_states()] = False
        return mask.nonzero().flatten()

    def absorbing_states(self) -> torch.Tensor:
        """States ``i`` with ``P_ii = 1``."""
        return (self.P.diagonal() == 1).nonzero().flatten()

    @property
    def is_irreducible(self) -> bool:
        """One communicating class: every state reaches every other."""
        return len(self.communicating_classes()) == 1

    @property
    def is_absorbing(self) -> bool:
        """At least one absorbing state, and every closed class is an absorbing state."""
        closed = self.closed_classes()
        return bool(len(self.absorbing_states())) and all(len(c) == 1 for c in closed)

    def periods(self) -> list[int]:
        """The period of each communicating class (same order); 0 for a class with no cycle
        (a transient state without a self-loop).

        A breadth-first search from the smallest state of every class at once, along edges
        inside classes, gives each state its level; the period is the gcd of
        ``level[u] + 1 - level[v]`` over the class's edges ``u -> v``.
        """
        from scipy.sparse import csr_matrix

        lab = self._class_labels()
        u, v = ((self.P > 0) & (lab[:, None] == lab[None, :])).nonzero().unbind(1)
        A = csr_matrix((np.ones(len(u)), (v.numpy(), u.numpy())), shape=(self.n, self.n))
        classes = self.communicating_classes()
        level = np.full(self.n, -1, dtype=np.int64)
        frontier = np.zeros(self.n, dtype=bool)
        frontier[[int(c[0]) for c in classes]] = True
        level[frontier] = 0
        d = 0
        while frontier.any():                                 # one sparse mat-vec per level
            d += 1
            frontier = (A @ frontier.astype(np.float64) > 0) & (level < 0)
            level[frontier] = d
        diff = np.abs(level[u.numpy()] + 1 - level[v.numpy()])  # a cycle length, up to gcd
        ku = lab[u].numpy()
        order = np.argsort(ku, kind="stable")
        g = np.zeros(len(classes), dtype=np.int64)
        if len(order):
            ku = ku[order]
            starts = np.flatnonzero(np.r_[True, ku[1:] != ku[:-1]])
            g[ku[starts]] = np.gcd.reduceat(diff[order], starts)
        return [int(x) for x in g]

    @property
    def period(self) -> int:
        """The lcm of the periods of the closed classes (1: aperiodic)."""
        ps = self.periods()
        lab_closed = {int(c[0]) for c in self.closed_classes()}
        out = 1
        for c, p in zip(self.communicating_classes(), ps):
            if int(c[0]) in lab_closed and p > 0:
                out = out * p // math.gcd(out, p)
        return out

    @property
    def is_aperiodic(self) -> bool:
        return self.period == 1

    # -- long-run behaviour -----------------------------------------------------------------

    def stationary_distributions(self) -> torch.Tensor:
        """One stationary distribution per closed class, as rows (n_closed, n) float64; a
        chain's stationary distributions are exactly the mixtures of these rows."""
        if self._pi is not None:
            return self._pi.clone()
        out = []
        for c in self.closed_classes():
            k = len(c)
            A = self.P[c][:, c].T - torch.eye(k, dtype=torch.float64)   # (P_CC^T - I) pi = 0
            A[-1] = 1.0                                                  # ... sum(pi) = 1
            b = torch.zeros(k, dtype=torch.float64)
            b[-1] = 1.0
            pi = torch.zeros(self.n, dtype=torch.float64)
            pi[c] = torch.linalg.solve(A, b)
            out.append(pi)
        self._pi = torch.stack(out)
        return self._pi.clone()

    def stationary_distribution(self) -> torch.Tensor:
        """The unique stationary distribution (n,) of a chain with one closed class."""
        pis = self.stationary_distributions()
        if len(pis) != 1:
            raise InputError(f"the chain has {len(pis)} closed classes and so no unique "
                             "stationary distribution; use stationary_distributions()")
        return pis[0]

    def fundamental_matrix(self) -> torch.Tensor:
        """``N = (I - Q)^-1`` over the transient states (t, t): expected visits to ``j``
        starting from ``i`` before absorption."""
        t = self.transient_states()
        Q = self.P[t][:, t]
        return torch.linalg.inv(torch.eye(len(t), dtype=torch.float64) - Q)

    def absorption_probabilities(self) -> torch.Tensor:
        """``B[i, c]``: probability that the chain started at transient state ``i`` (the
        rows follow :meth:`transient_states`) ends in closed class ``c`` (the columns follow
        :meth:`closed_classes`; for an absorbing chain, its absorbing states). ``B = N R``.

        :raises InputError: when the chain has no transient state.
        """
        t = self._need_transient("absorption probabilities")
        closed = self.closed_classes()
        R = torch.stack([self.P[t][:, c].sum(1) for c in closed], 1)   # (t, n_closed)
        I_Q = torch.eye(len(t), dtype=torch.float64) - self.P[t][:, t]
        return torch.linalg.solve(I_Q, R)                               # (I - Q)^-1 R

    def expected_steps_to_absorption(self) -> torch.Tensor:
        """``t_i``: expected number of steps from transient state ``i`` until a closed class is
        entered, ``t = (I - Q)^-1 1`` (rows follow :meth:`transient_states`)."""
        t = self._need_transient("expected steps to absorption")
        I_Q = torch.eye(len(t), dtype=torch.float64) - self.P[t][:, t]
        return torch.linalg.solve(I_Q, torch.ones(len(t), dtype=torch.float64))

    def _need_transient(self, what: str) -> torch.Tensor:
        t = self.transient_states()
        if len(t) == 0:
            raise InputError(f"{what} need transient states, and every state of this chain is "
                             "recurrent")
        return t

    def mean_first_passage_times(self) -> torch.Tensor:
        """``M[i, j]``: expected steps to first reach ``j`` from ``i`` (``M[i, i] = 0``) of an
        irreducible chain, ``m_ij = (z_jj - z_ij) / pi_j`` with ``Z = (I - P + 1 pi^T)^-1``.

        :raises InputError: when the chain is not irreducible.
        """
        if not self.is_irreducible:
            raise InputError("mean first-passage times need an irreducible chain; this one has "
                             f"{len(self.communicating_classes())} communicating classes")
        pi = self.stationary_distributions()[0]                          # (n,)
        eye = torch.eye(self.n, dtype=torch.float64)
        Z = torch.linalg.inv(eye - self.P + pi[None, :])                 # fundamental matrix
        M = (Z.diagonal()[None, :] - Z) / pi[None, :]
        return M.fill_diagonal_(0.0)

    def mean_return_times(self) -> torch.Tensor:
        """Expected return time ``1 / pi_i`` to each state of an irreducible chain."""
        if not self.is_irreducible:
            raise InputError("mean return times need an irreducible chain")
        return 1.0 / self.stationary_distributions()[0]

    # -- simulation ------------------------------------------------------------------------------

    def simulate(self, n_steps: int, n_chains: int = 1, start: int | torch.Tensor | None = None,
                 seed: int | None = None) -> torch.Tensor:
        """Run ``n_chains`` independent chains for ``n_steps`` steps, all at once.

        :param start: a state, one state per chain (n_chains,), or None for uniform starts.
        :param seed: seeds a private generator (the global RNG is left alone).
        :return: states (n_chains, n_steps + 1), the start in column 0.
        """
        if n_steps < 0 or n_chains < 1:
            raise InputError(f"need n_steps >= 0 and n_chains >= 1, got {n_steps}, {n_chains}")
        g = torch.Generator().manual_seed(seed) if seed is not None else None
        if start is None:
            x = torch.randint(0, self.n, (n_chains,), generator=g)
        else:
            x = torch.as_tensor(start, dtype=torch.long).expand(n_chains).clone()
            check_states(x, self.n, "start")
        cum = self.P.cumsum(1)                                            # (n, n) CDF rows
        cum[:, -1] = 1.0
        out = torch.empty(n_chains, n_steps + 1, dtype=torch.long)
        out[:, 0] = x
        u = torch.rand(n_steps, n_chains, 1, generator=g, dtype=torch.float64)
        for t in range(n_steps):
            # inverse CDF: the first j with F(x, j) > u = the number of j with F(x, j) <= u
            x = (cum[x] <= u[t]).sum(1).clamp_max(self.n - 1)
            out[:, t + 1] = x
        return out

    def log_likelihood(self, sequences: torch.Tensor) -> torch.Tensor:
        """``sum_t log P[x_t, x_t+1]`` of each sequence of (B, T); float64 (B,)."""
        check_states(sequences, self.n, "state sequences")
        return torch.log(self.P[sequences[:, :-1], sequences[:, 1:]]).sum(1)

    def plot(self, path: str | Path, title: str = "state graph", top: int = 20) -> Path:
        """Draw the state graph (see :func:`plot_state_graph`)."""
        return plot_state_graph(self.P, path, self.states, title, top)

    def __repr__(self) -> str:
        return f"MarkovChain(n={self.n}, classes={len(self.communicating_classes())})"


__all__ = ["ROW_SUM_TOL", "MarkovChain", "check_states", "check_transition_matrix",
           "counts_to_probabilities", "transition_counts"]
