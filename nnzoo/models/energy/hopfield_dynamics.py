"""Building blocks of the Hopfield network (:mod:`nnzoo.models.energy.hopfield`, whose
docstring holds the math): the learning rules, the reading and corruption of ±1 patterns, and
the asynchronous recall of the classic network, in its readable position-by-position form and
its flip-by-flip form.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from nnzoo.core.errors import InputError


@dataclass
class Recall:
    """The outcome of recalling a batch of B probes.

    :param states: final states (B, N): ±1 (classic) or continuous (modern).
    :param steps: sweeps (or synchronous/modern updates) each probe took, (B,) int64.
    :param converged: whether each probe reached a fixed point, (B,) bool.
    :param energy: final energy of each probe, (B,).
    :param trace: snapshots of the states, each (B, N), the input first; with
        ``trace_every`` only.
    :param energy_trace: the energy at each snapshot, (T, B); with ``trace_every`` only.
    :param trace_steps: the sweep (fractional for async) of each snapshot, (T,).
    """

    states: torch.Tensor
    steps: torch.Tensor
    converged: torch.Tensor
    energy: torch.Tensor
    trace: list[torch.Tensor] | None = None
    energy_trace: torch.Tensor | None = None
    trace_steps: list[float] | None = None


# -- learning rules ---------------------------------------------------------------------------

def hebbian_weights(patterns: torch.Tensor) -> torch.Tensor:
    """Hebb's rule for ±1 patterns (P, N): X^T X / N with a zero diagonal, shape (N, N)."""
    n = patterns.shape[1]
    w = patterns.T @ patterns / n  # (N, N): w_ij = 1/N sum_mu xi_i xi_j
    return w.fill_diagonal_(0)


def storkey_update(weight: torch.Tensor, patterns: torch.Tensor) -> torch.Tensor:
    """Storkey's rule: store the ±1 ``patterns`` (P, N) one after the other into ``weight``
    (N, N, zero diagonal), in place; see the module docstring for the tensor form."""
    n = weight.shape[0]
    for xi in patterns:                                   # sequential by definition
        h = weight @ xi                                    # (N,): h_i = sum_{k != i} w_ik xi_k
        # w_ij += (xi_i xi_j - xi_i h_j - h_i xi_j + 2 w_ij) / N   (h_ij = h_i - w_ij xi_j)
        # = (1 + 2/N) W + (u u^T - h h^T) / N with u = xi - h: two symmetric rank-1 updates,
        # which keep W exactly symmetric in floating point
        u, v = (xi - h) / math.sqrt(n), h / math.sqrt(n)
        weight.mul_(1 + 2 / n).add_(torch.outer(u, u).sub_(torch.outer(v, v)))
        weight.fill_diagonal_(0)
    return weight


def flip_bits(states: torch.Tensor, fraction: float, generator: torch.Generator | None = None
              ) -> torch.Tensor:
    """A copy of ±1 ``states`` (B, N) with exactly ``round(fraction * N)`` bits of each row
    flipped, at positions drawn independently for each row."""
    b, n = states.shape
    k = round(fraction * n)
    out = states.clone()
    if k == 0 or b == 0:
        return out
    pos = torch.rand(b, n, generator=generator, device=states.device).argsort(1)[:, :k]  # (B, k)
    out.scatter_(1, pos, -states.gather(1, pos))
    return out


def binarize(x: torch.Tensor) -> torch.Tensor:
    """±1 states from a batch (B, ...): above 0.5 is +1, the rest -1 (flattened to (B, N)).

    The same threshold reads a ±1 pattern as itself and an image in [0, 1] as its
    thresholded picture.
    """
    flat = x.flatten(1)
    return torch.where(flat > 0.5, 1.0, -1.0).to(flat.dtype)


def check_patterns(x: torch.Tensor, name: str = "hopfield input") -> None:
    """Raise :class:`InputError` unless each sample of ``x`` is a ±1 pattern or lies in [0, 1]."""
    flat = x.flatten(1)
    pm1 = (flat.abs() == 1).all(1)
    unit = ((flat >= 0) & (flat <= 1)).all(1)
    bad = ~(pm1 | unit)
    if bool(bad.any()):
        i = int(bad.nonzero()[0])
        row = flat[i]
        outside = row[~((row.abs() == 1) | ((row >= 0) & (row <= 1)))]   # NaN included
        if len(outside):
            what = f"holds {float(outside[0]):g}"
        else:                                  # each value fits one convention, not both
            what = f"mixes -1 with {float(row[(row >= 0) & (row < 1)][0]):g}"
        raise InputError(
            f"{name} must hold ±1 patterns or values in [0, 1] (thresholded at 0.5); "
            f"sample {i} {what}")


# -- asynchronous recall of the classic network -----------------------------------------------

def classic_energy(weight: torch.Tensor, states: torch.Tensor) -> torch.Tensor:
    """Energy -s.W.s/2 of each ±1 state (B, N) under the weights ``weight`` (N, N) -> (B,)."""
    return -0.5 * ((states @ weight) * states).sum(1)


def random_orders(g: torch.Generator, a: int, n: int, device: torch.device) -> torch.Tensor:
    """A random order of the ``n`` units for each of ``a`` probes, (a, n)."""
    return torch.rand(a, n, generator=g, device=device).argsort(1)


def recall_async_reference(weight: torch.Tensor, s: torch.Tensor, max_steps: int,
                           trace_every: int, tol: float, g: torch.Generator) -> Recall:
    """Asynchronous sweeps, position by position: at position k every probe updates
    unit ``order[b, k]`` of its own order (one tensor operation for the whole batch)."""
    b, n = s.shape
    w = weight
    done = torch.zeros(b, dtype=torch.bool, device=s.device)
    taken = torch.zeros(b, dtype=torch.long, device=s.device)
    energy = classic_energy(w, s)
    trace = [s.clone()] if trace_every else None
    energies = [energy.clone()] if trace_every else None
    when = [0.0] if trace_every else None
    for sweep in range(max_steps):
        if bool(done.all()):
            break
        active = (~done).nonzero().squeeze(1)                       # probes still moving
        sa = s[active]                                              # (A, N)
        ra = torch.arange(len(active), device=s.device)
        order = random_orders(g, len(active), n, s.device)              # (A, N)
        changed = torch.zeros(len(active), dtype=torch.bool, device=s.device)
        for k in range(n):                 # the sequential sweep: position k of each order
            idx = order[:, k]                                       # (A,) unit to update
            h = (w[idx] * sa).sum(1)                                # (A,) h_i = sum_j w_ij s_j
            old = sa[ra, idx]
            new = torch.where(h > tol, 1.0, torch.where(h < -tol, -1.0, old)).to(sa.dtype)
            sa[ra, idx] = new
            changed |= new != old
            if (trace is not None and energies is not None and when is not None
                    and (k + 1) % trace_every == 0):
                s[active] = sa
                trace.append(s.clone())
                energies.append(classic_energy(w, s))
                when.append(sweep + (k + 1) / n)
        s[active] = sa
        taken[active] += 1
        done[active] = ~changed                                     # a sweep without change
    return Recall(s, taken, done, classic_energy(w, s), trace,
                  torch.stack(energies) if energies else None, when)


def recall_async(weight: torch.Tensor, s: torch.Tensor, max_steps: int, tol: float,
                 g: torch.Generator) -> Recall:
    """Asynchronous sweeps, flip by flip: the same dynamics as the reference, faster.

    Between two flips of a probe its fields do not change, so the positions of its order
    up to its next *unstable* unit (s_i h_i < 0) are no-ops. Each iteration finds, for
    every probe at once, the first unstable unit at or after its place in its order,
    flips it, updates that probe's fields (h += (s_i' - s_i) w_i) and moves on; a sweep
    costs as many iterations as the most flips of one probe, not N.
    """
    b, n = s.shape
    w = weight
    done = torch.zeros(b, dtype=torch.bool, device=s.device)
    taken = torch.zeros(b, dtype=torch.long, device=s.device)
    positions = torch.arange(n, device=s.device)
    for _ in range(max_steps):
        if bool(done.all()):
            break
        active = (~done).nonzero().squeeze(1)
        sa = s[active]                                              # (A, N)
        order = random_orders(g, len(active), n, s.device)              # (A, N)
        field = sa @ w                                              # (A, N)
        place = torch.zeros(len(active), dtype=torch.long, device=s.device)  # next position
        flips = torch.zeros(len(active), dtype=torch.long, device=s.device)
        while True:
            unstable = (sa * field < -tol).gather(1, order)         # (A, N) in order space
            unstable &= positions[None, :] >= place[:, None]        # not yet passed
            has = unstable.any(1)
            if not bool(has.any()):
                break                                               # every sweep finished
            f = has.nonzero().squeeze(1)                            # probes that flip now
            k = unstable[f].byte().argmax(1)                        # first unstable place
            idx = order[f, k]                                       # (F,) units flipping
            delta = -2 * sa[f, idx]                                 # s_i' - s_i
            sa[f, idx] += delta
            field[f] += delta[:, None] * w[idx]                     # h_j += w_ji (s_i'-s_i)
            place[f] = k + 1
            flips[f] += 1
        s[active] = sa
        taken[active] += 1
        done[active] = flips == 0                                   # a sweep without change
    return Recall(s, taken, done, classic_energy(w, s))


__all__ = ["Recall", "binarize", "check_patterns", "classic_energy", "flip_bits",
           "hebbian_weights", "random_orders", "recall_async", "recall_async_reference",
           "storkey_update"]
