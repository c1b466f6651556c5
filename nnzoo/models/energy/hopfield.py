"""Hopfield network: binary associative memory (Hebbian or Storkey learning), and the modern
continuous Hopfield network (dense associative memory).

Paper: J. J. Hopfield, "Neural networks and physical systems with emergent collective
computational abilities", PNAS 79(8), 1982. https://doi.org/10.1073/pnas.79.8.2554

Storkey rule: A. Storkey, "Increasing the capacity of a Hopfield network without sacrificing
functionality", ICANN 1997. https://doi.org/10.1007/BFb0020196

Capacity: D. J. Amit, H. Gutfreund, H. Sompolinsky, "Storing infinite numbers of patterns in a
spin-glass model of neural networks", Phys. Rev. Lett. 55(14), 1985: a Hebbian network of N
units retrieves random patterns up to a load P/N = alpha_c ~ 0.138.

Modern Hopfield network: H. Ramsauer et al., "Hopfield Networks is All You Need", ICLR 2021,
arXiv:2008.02217. Reference implementation: https://github.com/ml-jku/hopfield-layers

**States.** N units with states s_i in {-1, +1}. Inputs are flattened: a sample of shape
``(1, H, W)`` or ``(N,)`` is one pattern of N units. Values are read as follows: a sample is
either a ±1 pattern (used as it is) or lies in [0, 1] (an image, a 0/1 pattern) and is
binarised by thresholding at 0.5 (above: +1, else -1). :meth:`Hopfield.predict` and
training reject anything else (a 0 in a ±1 pattern, a value outside [-1, 1]...).

**Classic network.** Symmetric weights w_ij with zero diagonal, no thresholds; the energy

    E(s) = -1/2 sum_ij w_ij s_i s_j

never rises under asynchronous updates s_i <- sign(h_i), h_i = sum_j w_ij s_j: flipping unit
i changes E by -(s_i' - s_i) h_i = -2 |h_i| < 0. A field h_i = 0 keeps the unit's state
(sign(0) is not a state), so every flip lowers E and the dynamics reach a fixed point.

- Hebbian learning of patterns xi^1..xi^P: w_ij = 1/N sum_mu xi_i^mu xi_j^mu (i != j), that is
  W += X^T X / N with the diagonal zeroed; additive, so storing in batches = storing at once.
- Storkey's incremental rule, pattern by pattern: with h_ij = sum_{k != i,j} w_ik xi_k,
  w_ij += 1/N (xi_i xi_j - xi_i h_ji - h_ij xi_j). With h = W xi (zero diagonal),
  h_ij = h_i - w_ij xi_j, so in tensor form W += (xi xi^T - xi h^T - h xi^T + 2 W) / N off
  the diagonal. It keeps W symmetric and subtracts the crosstalk a new pattern sees, which
  stores more patterns than Hebb's rule (and correlated ones much better).

**Updates.** ``async``: a sweep updates every unit once, in a random order drawn for each
probe; the probes of a batch are updated together, one tensor operation per position in the
sweep (unit k of probe b's order, for all b at once): that loop over positions *is* the
sequential dynamics, so it cannot be vectorised away. ``sync``: every unit at once,
s <- sign(W s); this may end in a 2-cycle, which is detected and reported as not converged.
A probe has converged when a whole sweep (or a synchronous step) changes none of its units;
recall stops when every probe has converged or after ``max_steps`` sweeps.

**Modern network** (``variant="modern"``): the memory is the matrix X (P, N) of stored
patterns and the state xi is continuous; one update is

    xi <- X^T softmax(beta X xi),

which descends the energy E(xi) = -lse(beta, X xi) + xi.xi/2 + log(P)/beta + M^2/2
(lse(beta, z) = log sum exp(beta z) / beta, M the largest pattern norm) and usually retrieves
a pattern in one step. Its capacity grows exponentially with N (Ramsauer et al., theorem 3),
far beyond 0.138 N: a few hundred units hold thousands of random patterns. ``rule`` and
``update`` do not apply to it; ``forward`` returns the continuous states.

**What is stored.** ``store="patterns"``: each training batch's samples are stored (the
capacity experiments). ``store="prototypes"``: batches are labelled (x, y); the network keeps
a running sum of the ±1 samples of each class in ``classes`` and, after each batch, stores
the class prototypes (the sign of each class's mean ±1 image, a per-pixel majority vote)
from scratch. Prototypes do not depend on the batch order, and a second epoch changes
nothing. The digits recipe stores a few digit prototypes and recalls corrupted test digits.

**Evaluation** flips ``noise`` of the bits (exactly round(noise N) per probe, positions drawn
per probe) of each probe, recalls, and reports the overlap m = s . xi / N of the final state
with the target (the clean pattern, or the prototype of the probe's class), the fraction of
probes recalled exactly, the final energy per unit, the sweeps taken and the fraction that
converged. Recall is a deterministic function of the weights and the batch: the random orders
and flips come from a private generator seeded with ``recall_seed`` at each call.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch

from nnzoo.core import plots
from nnzoo.core.config import require
from nnzoo.core.errors import InputError, NotFittedError
from nnzoo.core.validation import check_labels
from nnzoo.models.base import Batch, ZooModule
from nnzoo.models.registry import register

#: Amit, Gutfreund & Sompolinsky (1985): critical load of the Hebbian network, N -> infinity.
AGS_CRITICAL_LOAD = 0.138


@dataclass
class HopfieldConfig:
    """Hyperparameters of :class:`Hopfield`.

    :param sample_shape: shape of one pattern, e.g. ``(1, 8, 8)`` or ``(N,)`` (flattened).
    :param variant: ``classic`` (binary units, weight matrix) or ``modern`` (continuous
        states, softmax retrieval over the stored patterns; Ramsauer et al. 2020).
    :param rule: learning rule of the classic network: ``hebbian`` or ``storkey``.
    :param update: dynamics of the classic network: ``async`` (one unit at a time, random
        order per probe) or ``sync`` (all units at once).
    :param beta: inverse temperature of the modern network's softmax (on raw dot products
        of ±1 patterns, so 1 already separates patterns that differ in a few bits).
    :param max_steps: the most sweeps (async), synchronous steps or modern updates a recall
        takes before it stops unconverged.
    :param noise: fraction of bits flipped in each probe by :meth:`Hopfield.evaluation_step`.
    :param store: ``patterns`` stores every training sample; ``prototypes`` stores the
        majority-vote image of each class in ``classes`` (labelled data).
    :param classes: the class labels whose prototypes are stored (``store="prototypes"``).
    :param recall_seed: seeds the update orders and the evaluation flips (a private
        generator, so recall is deterministic and leaves the global RNG alone).
    :param capacity_units: when > 0, :meth:`Hopfield.visualize` also measures and plots the
        capacity curve (overlap after recall against the load P/N) of networks of this many
        units on random patterns, for both learning rules and the modern variant.
    """

    sample_shape: tuple[int, ...] = (1, 8, 8)
    variant: Literal["classic", "modern"] = "classic"
    rule: Literal["hebbian", "storkey"] = "hebbian"
    update: Literal["async", "sync"] = "async"
    beta: float = 1.0
    max_steps: int = 30
    noise: float = 0.1
    store: Literal["patterns", "prototypes"] = "patterns"
    classes: tuple[int, ...] = ()
    recall_seed: int = 0
    capacity_units: int = 0

    def __post_init__(self) -> None:
        require(len(self.sample_shape) >= 1 and all(
            isinstance(s, int) and s >= 1 for s in self.sample_shape),
            f"sample_shape must be positive sizes, got {self.sample_shape}")
        require(math.prod(self.sample_shape) >= 2,
                f"a Hopfield network needs at least 2 units, got sample_shape {self.sample_shape}")
        require(self.beta > 0 and math.isfinite(self.beta), f"beta must be > 0, got {self.beta}")
        require(self.max_steps >= 1, f"max_steps must be >= 1, got {self.max_steps}")
        require(0 <= self.noise <= 0.5, f"noise must be in [0, 0.5], got {self.noise}")
        require(all(c >= 0 for c in self.classes), f"classes must be >= 0, got {self.classes}")
        require(len(set(self.classes)) == len(self.classes),
                f"classes must be distinct, got {self.classes}")
        require(self.store == "patterns" or len(self.classes) >= 1,
                "store='prototypes' needs the labels of the classes to store, e.g. "
                "classes=0,1,4,7")
        require(self.recall_seed >= 0, f"recall_seed must be >= 0, got {self.recall_seed}")
        require(self.capacity_units >= 0,
                f"capacity_units must be >= 0, got {self.capacity_units}")


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


# -- the model --------------------------------------------------------------------------------

@register("hopfield", config=HopfieldConfig,
          rule="Hebbian or Storkey storage; asynchronous or synchronous recall; modern "
               "softmax retrieval",
          peer="theory (Amit, Gutfreund & Sompolinsky 1985)",
          reference="https://github.com/ml-jku/hopfield-layers")
class Hopfield(ZooModule):
    """Hopfield network (classic or modern); see the module docstring for the math.

    ``training_step((x, y))`` stores patterns (no gradients: the weights are buffers);
    ``forward(x)`` recalls every probe of ``x`` and returns the final states in the shape of
    ``x``; ``predict`` is the same with every input check; ``recall`` returns the states
    with the steps, convergence, energies and (optionally) the trajectory.

    :param config: a :class:`HopfieldConfig`.
    """

    automatic_optimization = False

    def __init__(self, config: HopfieldConfig) -> None:
        super().__init__(config)
        n = self.n_units
        if config.variant == "classic":
            self.register_buffer("weight", torch.zeros(n, n))          # (N, N), zero diagonal
        else:
            self.register_buffer("memory", torch.zeros(0, n))          # (P, N) stored patterns
        if config.store == "prototypes":
            k = len(config.classes)
            self.register_buffer("class_sum", torch.zeros(k, n))       # sum of ±1 samples
            self.register_buffer("class_count", torch.zeros(k))
        self.register_buffer("n_stored", torch.zeros((), dtype=torch.long))
        self._last_probes: tuple[torch.Tensor, torch.Tensor] | None = None  # for visualize

    @property
    def n_units(self) -> int:
        return math.prod(self.config.sample_shape)

    def _load_from_state_dict(self, state_dict: dict[str, Any], prefix: str, *args: Any,
                              **kwargs: Any) -> None:
        # the modern memory grows with every pattern stored: take the checkpoint's size
        key = prefix + "memory"
        if "memory" in self._buffers and key in state_dict:
            t = state_dict[key]
            if t.dim() == 2 and t.shape[1] == self.memory.shape[1]:
                self.memory = self.memory.new_zeros(t.shape)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    # -- input ----------------------------------------------------------------------------

    def _states(self, x: torch.Tensor, *, strict: bool) -> torch.Tensor:
        """Checked ±1 states (B, N) of a batch; ``strict`` also checks finiteness and values."""
        self.check(x, finite=strict)
        if strict:
            check_patterns(x, f"{self.model_id} input")
        return binarize(x).to(self._dtype())

    def _dtype(self) -> torch.dtype:
        return (self.weight if self.config.variant == "classic" else self.memory).dtype

    def _require_stored(self) -> None:
        if int(self.n_stored) == 0:
            raise NotFittedError(
                f"{self.model_id}: recall before any pattern was stored; store patterns first "
                "(training_step, or nnzoo train)")

    # -- storing ----------------------------------------------------------------------------

    @torch.no_grad()
    def store(self, patterns: torch.Tensor) -> None:
        """Add ±1 ``patterns`` (P, N) to the memory with the configured rule."""
        p = patterns.to(self._dtype())
        if self.config.variant == "modern":
            self.memory = torch.cat([self.memory, p])
        elif self.config.rule == "hebbian":
            self.weight += hebbian_weights(p)
        else:
            storkey_update(self.weight, p)
        self.n_stored += p.shape[0]

    @torch.no_grad()
    def prototypes(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The stored class prototypes (K', N) and their class labels (K',), where K' counts
        the classes of ``config.classes`` seen so far (``store="prototypes"`` only)."""
        seen = self.class_count > 0
        proto = torch.where(self.class_sum >= 0, 1.0, -1.0)  # majority vote; a tie is +1
        labels = torch.tensor(self.config.classes, device=proto.device)
        return proto[seen], labels[seen]

    def _store_prototypes(self) -> None:
        proto, _ = self.prototypes()
        if self.config.variant == "modern":
            self.memory = self.memory.new_zeros(0, self.n_units)
        else:
            self.weight.zero_()
        self.n_stored.zero_()
        self.store(proto)

    @torch.no_grad()
    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Store the batch (its patterns, or its samples' contribution to the prototypes).

        Metrics: ``loss`` = fraction of the stored bits that one update would change (0 when
        every pattern of the batch, or every prototype, is a fixed point), ``energy`` = their
        mean energy per unit, ``stored`` = patterns in memory.
        """
        x, y = batch
        s = self._states(x, strict=True)                     # (B, N)
        if self.config.store == "prototypes":
            if y is None:
                raise InputError(f"{self.model_id} with store='prototypes' needs class labels "
                                 "(x, y); got unlabelled data")
            check_labels(y, len(s))
            cls = torch.tensor(self.config.classes, device=y.device)
            match = y[:, None] == cls[None, :]               # (B, K) one-hot of stored classes
            m = match.to(s.dtype)
            self.class_sum += m.T @ s                         # (K, N)
            self.class_count += m.sum(0)
            self._store_prototypes()
            s = self.prototypes()[0]
        else:
            self.store(s)
        if len(s) == 0:
            zero = torch.zeros((), device=x.device)
            return {"loss": zero, "energy": zero, "stored": self.n_stored.float()}
        nxt = self._one_update(s)
        return {"loss": (torch.sign(nxt) != s).float().mean(),
                "energy": (self.energy(s) / self.n_units).mean(),
                "stored": self.n_stored.float()}

    # -- dynamics ---------------------------------------------------------------------------

    def energy(self, states: torch.Tensor) -> torch.Tensor:
        """Energy of each state (B, N) -> (B,): -s.W.s/2 (classic), or the modern energy."""
        if self.config.variant == "classic":
            return -0.5 * ((states @ self.weight) * states).sum(1)
        beta, mem = self.config.beta, self.memory
        lse = torch.logsumexp(beta * states @ mem.T, dim=1) / beta             # (B,)
        m2 = float((mem * mem).sum(1).max()) if len(mem) else 0.0
        return -lse + 0.5 * (states * states).sum(1) + math.log(len(mem)) / beta + 0.5 * m2

    def _tolerance(self) -> float:
        # a field within float rounding of 0 counts as 0 (keep the state): Hebbian fields are
        # multiples of 1/N, far above this
        return 1e-6 * float(self.weight.abs().sum(1).max().clamp_min(1.0))

    def _one_update(self, states: torch.Tensor) -> torch.Tensor:
        """One synchronous update of every unit (classic) or one modern update."""
        if self.config.variant == "modern":
            a = torch.softmax(self.config.beta * states @ self.memory.T, dim=1)  # (B, P)
            return a @ self.memory                                              # (B, N)
        h = states @ self.weight                                                # W symmetric
        tol = self._tolerance()
        return torch.where(h > tol, 1.0, torch.where(h < -tol, -1.0, states)).to(states.dtype)

    def _generator(self, device: torch.device, offset: int = 0) -> torch.Generator:
        return torch.Generator(device=device).manual_seed(self.config.recall_seed * 2 + offset)

    @torch.no_grad()
    def recall(self, states: torch.Tensor, *, max_steps: int | None = None,
               trace_every: int = 0, reference: bool = False) -> Recall:
        """Run the dynamics from ±1 ``states`` (B, N) until every probe converges or
        ``max_steps`` sweeps pass.

        :param trace_every: record the states and energies every this many unit updates
            (async; every step for sync and modern updates); 0 records nothing.
        :param reference: run asynchronous sweeps position by position (the readable
            reference, also used for traces) instead of jumping from flip to flip; both
            give the same states.
        """
        self._require_stored()
        steps = max_steps or self.config.max_steps
        s = states.to(self._dtype()).clone()
        if self.config.variant == "modern" or self.config.update == "sync":
            return self._recall_parallel(s, steps, trace_every)
        if trace_every or reference:
            return self._recall_async_reference(s, steps, trace_every)
        return self._recall_async(s, steps)

    def _recall_parallel(self, s: torch.Tensor, max_steps: int, trace_every: int) -> Recall:
        b = s.shape[0]
        done = torch.zeros(b, dtype=torch.bool, device=s.device)
        converged = torch.zeros_like(done)
        taken = torch.zeros(b, dtype=torch.long, device=s.device)
        prev: torch.Tensor | None = None
        trace = [s.clone()] if trace_every else None
        energies = [self.energy(s)] if trace_every else None
        for _ in range(max_steps):
            if bool(done.all()):
                break
            new = self._one_update(s)
            new = torch.where(done[:, None], s, new)        # finished probes stay as they are
            taken += (~done).long()
            if self.config.variant == "modern":
                fixed = (new - s).abs().amax(1) <= 1e-6
                cycle = torch.zeros_like(fixed)
            else:
                fixed = (new == s).all(1)
                cycle = (new == prev).all(1) & ~fixed if prev is not None else torch.zeros_like(
                    fixed)                                   # a 2-cycle of synchronous updates
            converged |= fixed & ~done
            done |= fixed | cycle
            prev, s = s, new
            if trace is not None and energies is not None:
                trace.append(s.clone())
                energies.append(self.energy(s))
        return Recall(s, taken, converged, self.energy(s), trace,
                      torch.stack(energies) if energies else None,
                      list(map(float, range(len(trace)))) if trace else None)

    def _orders(self, g: torch.Generator, a: int, device: torch.device) -> torch.Tensor:
        """A random order of the units for each of ``a`` probes, (a, N)."""
        return torch.rand(a, self.n_units, generator=g, device=device).argsort(1)

    def _recall_async_reference(self, s: torch.Tensor, max_steps: int, trace_every: int
                                ) -> Recall:
        """Asynchronous sweeps, position by position: at position k every probe updates
        unit ``order[b, k]`` of its own order (one tensor operation for the whole batch)."""
        b, n = s.shape
        w, tol = self.weight, self._tolerance()
        g = self._generator(s.device)
        done = torch.zeros(b, dtype=torch.bool, device=s.device)
        taken = torch.zeros(b, dtype=torch.long, device=s.device)
        energy = self.energy(s)
        trace = [s.clone()] if trace_every else None
        energies = [energy.clone()] if trace_every else None
        when = [0.0] if trace_every else None
        for sweep in range(max_steps):
            if bool(done.all()):
                break
            active = (~done).nonzero().squeeze(1)                       # probes still moving
            sa = s[active]                                              # (A, N)
            ra = torch.arange(len(active), device=s.device)
            order = self._orders(g, len(active), s.device)              # (A, N)
            changed = torch.zeros(len(active), dtype=torch.bool, device=s.device)
            for k in range(n):                 # the sequential sweep: position k of each order
                idx = order[:, k]                                       # (A,) unit to update
                h = (w[idx] * sa).sum(1)                                # (A,) h_i = sum_j w_ij s_j
                old = sa[ra, idx]
                new = torch.where(h > tol, 1.0, torch.where(h < -tol, -1.0, old)).to(sa.dtype)
                sa[ra, idx] = new
                changed |= new != old
                if trace is not None and (k + 1) % trace_every == 0:
                    s[active] = sa
                    trace.append(s.clone())
                    energies.append(self.energy(s))                     # type: ignore[union-attr]
                    when.append(sweep + (k + 1) / n)                   # type: ignore[union-attr]
            s[active] = sa
            taken[active] += 1
            done[active] = ~changed                                     # a sweep without change
        return Recall(s, taken, done, self.energy(s), trace,
                      torch.stack(energies) if energies else None, when)

    def _recall_async(self, s: torch.Tensor, max_steps: int) -> Recall:
        """Asynchronous sweeps, flip by flip: the same dynamics as the reference, faster.

        Between two flips of a probe its fields do not change, so the positions of its order
        up to its next *unstable* unit (s_i h_i < 0) are no-ops. Each iteration finds, for
        every probe at once, the first unstable unit at or after its place in its order,
        flips it, updates that probe's fields (h += (s_i' - s_i) w_i) and moves on; a sweep
        costs as many iterations as the most flips of one probe, not N.
        """
        b, n = s.shape
        w, tol = self.weight, self._tolerance()
        g = self._generator(s.device)
        done = torch.zeros(b, dtype=torch.bool, device=s.device)
        taken = torch.zeros(b, dtype=torch.long, device=s.device)
        positions = torch.arange(n, device=s.device)
        for _ in range(max_steps):
            if bool(done.all()):
                break
            active = (~done).nonzero().squeeze(1)
            sa = s[active]                                              # (A, N)
            order = self._orders(g, len(active), s.device)              # (A, N)
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
        return Recall(s, taken, done, self.energy(s))

    # -- the engine's surface ---------------------------------------------------------------

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Recall every probe of ``x`` (shape and dtype checked); final states, shaped as x."""
        s = self._states(x, strict=False)
        return self.recall(s).states.reshape(x.shape)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """:meth:`forward` with every input check (shape, dtype, finite, ±1 or [0, 1])."""
        s = self._states(x, strict=True)
        return self.recall(s).states.reshape(x.shape)

    @torch.no_grad()
    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Recall the batch's probes with ``noise`` of their bits flipped; see the module
        docstring. With ``store="prototypes"`` the target of a probe is its class's prototype
        (probes of classes not stored are left out) and ``accuracy`` is the fraction whose
        final state is nearest its own prototype."""
        x, y = batch
        self._require_stored()
        clean = self._states(x, strict=True)                              # (B, N)
        metrics: dict[str, torch.Tensor] = {}
        if self.config.store == "prototypes":
            if y is None:
                raise InputError(f"{self.model_id} with store='prototypes' is evaluated on "
                                 "labelled data (x, y)")
            proto, labels = self.prototypes()
            match = y[:, None] == labels[None, :]                         # (B, K')
            keep = match.any(1)
            clean, target = clean[keep], proto[match[keep].float().argmax(1)]
            own = match[keep].float().argmax(1)
        else:
            target = clean
        probes = flip_bits(clean, self.config.noise, self._generator(clean.device, 1))
        out = self.recall(probes)
        n = self.n_units
        overlap = (out.states * target).sum(1) / n                        # (B,) m = s.xi / N
        final = torch.sign(out.states)
        metrics.update({
            "overlap": overlap.mean(),
            "bit_error": ((final != target).float().mean(1)).mean(),
            "recalled": (final == target).all(1).float().mean(),
            "energy": (out.energy / n).mean(),
            "steps": out.steps.float().mean(),
            "converged": out.converged.float().mean(),
        })
        if self.config.store == "prototypes":
            nearest = (out.states @ proto.T).argmax(1)                    # (B,) closest memory
            metrics["accuracy"] = (nearest == own).float().mean()
        self._last_probes = (target[:8].detach().cpu(), probes[:8].detach().cpu())
        return metrics

    # -- pictures ---------------------------------------------------------------------------

    def visualize(self, out_dir: Path) -> list[Path]:
        """Weights (or memory), stored prototypes, step-by-step recall of the last evaluated
        probes, their energy trace, and the capacity curve when ``capacity_units`` > 0."""
        out_dir = Path(out_dir)
        paths: list[Path] = []
        if self.config.variant == "classic":
            paths.append(_image_figure([self.weight.cpu()], out_dir / "weights.png",
                                       "weights w_ij (red +, blue -)", cmap="bwr"))
        elif len(self.memory):
            paths.append(_image_figure(self._as_images(self.memory[:64].cpu()),
                                       out_dir / "memory.png", "stored patterns"))
        if self.config.store == "prototypes" and int(self.n_stored):
            proto, labels = self.prototypes()
            paths.append(_image_figure(self._as_images(proto.cpu()), out_dir / "prototypes.png",
                                       "stored prototypes", [str(int(c)) for c in labels]))
        if self._last_probes is not None and int(self.n_stored):
            target, probes = self._last_probes
            paths += self.plot_recall(probes.to(self.n_stored.device), out_dir, target)
        if self.config.capacity_units:
            n = self.config.capacity_units
            curves = standard_capacity_curves(n, noise=self.config.noise,
                                              seed=self.config.recall_seed, max_steps=30,
                                              trials=max(1, min(4, 400 // n)),
                                              device=self.n_stored.device)
            load = (int(self.n_stored) / self.n_units if self.n_units == n else None)
            paths.append(plot_capacity(curves, out_dir / "capacity.png", n,
                                       self.config.noise, mark=load))
        return paths

    def plot_recall(self, probes: torch.Tensor, out_dir: Path,
                    target: torch.Tensor | None = None) -> list[Path]:
        """``recall_steps.png`` (each probe's state as recall proceeds, a row per probe) and
        ``energy_trace.png`` (energy per unit against sweeps) for ±1 ``probes`` (B, N)."""
        n = self.n_units
        sweeps = self.config.variant == "classic" and self.config.update == "async"
        unit = "sweep" if sweeps else "step"
        rec = self.recall(probes, trace_every=max(1, n // 4) if sweeps else 1)
        assert rec.trace is not None and rec.energy_trace is not None and rec.trace_steps
        last = len(rec.trace) - 1
        # columns: snapshots until every probe is still (at most 10), then the final state
        moving = [i for i in range(1, len(rec.trace))
                  if not torch.equal(rec.trace[i], rec.trace[i - 1])]
        stop = min(last, (moving[-1] if moving else 0) + 1)
        cols = list(range(0, stop + 1))
        if len(cols) > 10:
            cols = [round(i * stop / 9) for i in range(10)]
        grids = [self._as_images(rec.trace[c].cpu()) for c in cols]
        titles = [("probe" if c == 0 else f"{unit} {rec.trace_steps[c]:g}") for c in cols]
        if target is not None:
            grids.insert(0, self._as_images(target.cpu()))
            titles.insert(0, "stored")
        p1 = _recall_grid(grids, titles, out_dir / "recall_steps.png",
                          f"recall step by step ({self.config.variant}"
                          + (f", {self.config.rule}, {self.config.update}"
                             if self.config.variant == "classic" else "") + ")")
        title = {"sweep": "never rises under asynchronous updates",
                 "step": "synchronous updates" if self.config.variant == "classic"
                 else "modern updates descend their energy"}[unit]
        p2 = _energy_figure(rec.trace_steps, (rec.energy_trace / n).cpu(),
                            out_dir / "energy_trace.png", unit, f"energy during recall ({title})")
        return [p1, p2]

    def _as_images(self, flat: torch.Tensor) -> torch.Tensor:
        """Rows (K, N) as images (K, H, W): the sample's own 2-D shape, else a near square."""
        shape = tuple(d for d in self.sample_shape if d != 1)
        if len(shape) == 2:
            return flat.reshape(-1, *shape)
        n = flat.shape[1]
        cols = math.ceil(math.sqrt(n))
        rows = math.ceil(n / cols)
        pad = flat.new_zeros(flat.shape[0], rows * cols)
        pad[:, :n] = flat
        return pad.reshape(-1, rows, cols)


# -- capacity ---------------------------------------------------------------------------------

def random_pm1(n_patterns: int, n_units: int, seed: int, device: torch.device | str = "cpu"
               ) -> torch.Tensor:
    """Random ±1 patterns (P, N), each bit ±1 with probability 1/2 (a private generator)."""
    g = torch.Generator().manual_seed(seed)
    return (torch.randint(0, 2, (n_patterns, n_units), generator=g) * 2 - 1).float().to(device)


def capacity_curve(n_units: int, loads: Sequence[float], *, variant: str = "classic",
                   rule: str = "hebbian", update: str = "async", noise: float = 0.1,
                   beta: float = 1.0, max_steps: int = 30, max_probes: int = 300,
                   trials: int = 1, seed: int = 0, device: torch.device | str = "cpu"
                   ) -> list[dict[str, float]]:
    """Recall quality against the load alpha = P/N on random ±1 patterns.

    For each load, ``round(alpha * N)`` random patterns are stored in a fresh network; the
    first ``max_probes`` of them, each with ``noise`` of its bits flipped, are recalled; the
    row holds the mean overlap of the final states with the stored patterns, the fraction
    recalled exactly, and the sweeps taken (means over ``trials`` independent draws).
    """
    rows = []
    for li, load in enumerate(loads):
        p = max(1, round(load * n_units))
        acc: dict[str, float] = {}
        for t in range(trials):
            cfg = HopfieldConfig(sample_shape=(n_units,), variant=variant,  # type: ignore[arg-type]
                                 rule=rule, update=update, beta=beta,  # type: ignore[arg-type]
                                 max_steps=max_steps, noise=noise, recall_seed=seed + t)
            net = Hopfield(cfg).to(device)
            x = random_pm1(p, n_units, seed=1_000_003 * seed + 1009 * li + t, device=device)
            net.store(x)
            m = net.evaluation_step((x[:max_probes], None))
            for k in ("overlap", "recalled", "steps", "converged"):
                acc[k] = acc.get(k, 0.0) + float(m[k]) / trials
        rows.append({"load": p / n_units, "n_patterns": p, **acc})
    return rows


def critical_load(curve: Sequence[dict[str, float]], threshold: float = 0.9) -> float | None:
    """The load at which the mean overlap first falls below ``threshold`` (linear
    interpolation between the two loads around the crossing); None if it never does."""
    for a, b in zip(curve, curve[1:]):
        if a["overlap"] >= threshold > b["overlap"]:
            t = (a["overlap"] - threshold) / (a["overlap"] - b["overlap"])
            return a["load"] + t * (b["load"] - a["load"])
    if curve and curve[0]["overlap"] < threshold:
        return curve[0]["load"]
    return None


#: loads of the standard capacity figure: the classic rules around 0.14, the modern variant
#: far beyond 1
CLASSIC_LOADS = tuple(round(0.02 * i, 2) for i in range(1, 6)) + tuple(
    round(0.1 + 0.01 * i, 2) for i in range(1, 16)) + (0.3, 0.35, 0.4)
MODERN_LOADS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0)


def standard_capacity_curves(n_units: int, *, noise: float = 0.1, seed: int = 0,
                             max_steps: int = 30, trials: int = 1, max_probes: int = 300,
                             device: torch.device | str = "cpu",
                             modern: bool = True) -> dict[str, list[dict[str, float]]]:
    """Capacity curves of the Hebbian and Storkey networks (async) and of the modern one."""
    curves = {
        "hebbian": capacity_curve(n_units, CLASSIC_LOADS, rule="hebbian", noise=noise,
                                  seed=seed, max_steps=max_steps, trials=trials,
                                  max_probes=max_probes, device=device),
        "storkey": capacity_curve(n_units, CLASSIC_LOADS, rule="storkey", noise=noise,
                                  seed=seed, max_steps=max_steps, trials=trials,
                                  max_probes=max_probes, device=device),
    }
    if modern:
        curves["modern"] = capacity_curve(n_units, MODERN_LOADS, variant="modern", noise=noise,
                                          seed=seed, max_steps=max_steps, trials=trials,
                                          max_probes=max_probes, device=device)
    return curves


# -- figures ----------------------------------------------------------------------------------

def _image_figure(images: Sequence[torch.Tensor] | torch.Tensor, path: Path, title: str,
                  labels: Sequence[str] | None = None, cmap: str = "gray") -> Path:
    k = len(images)
    cols = min(k, 10)
    rows = math.ceil(k / cols)
    size = 4.5 if k == 1 else 1.0
    fig, axes = plots.subplots(rows, cols, figsize=(cols * size, rows * size + 0.5), squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i < k:
            im = images[i].float().numpy()
            m = float(abs(im).max()) or 1.0
            ax.imshow(im, cmap=cmap, vmin=-m, vmax=m, interpolation="nearest")
            if labels:
                ax.set_title(labels[i], fontsize=8)
    fig.suptitle(title)
    return plots._save(fig, path)


def _recall_grid(grids: list[torch.Tensor], titles: list[str], path: Path, title: str) -> Path:
    rows, cols = grids[0].shape[0], len(grids)
    fig, axes = plots.subplots(rows, cols, figsize=(cols * 0.9, rows * 0.9 + 0.6), squeeze=False)
    for j, (g, t) in enumerate(zip(grids, titles)):
        for i in range(rows):
            ax = axes[i, j]
            ax.imshow(g[i].float().numpy(), cmap="gray", vmin=-1, vmax=1,
                      interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(t, fontsize=7)
    fig.suptitle(title, fontsize=9)
    return plots._save(fig, path)


def _energy_figure(steps: Sequence[float], energy: torch.Tensor, path: Path, unit: str,
                   title: str) -> Path:
    fig, ax = plots.subplots(figsize=(5.5, 3.6))
    for b in range(energy.shape[1]):
        ax.plot(steps, energy[:, b].numpy(), marker="o", ms=2, lw=1, label=f"probe {b}")
    ax.set_xlabel(unit)
    ax.set_ylabel("energy per unit")
    ax.grid(alpha=0.3)
    if energy.shape[1] <= 8:
        ax.legend(fontsize=7)
    ax.set_title(title, fontsize=9)
    return plots._save(fig, path)


def plot_capacity(curves: dict[str, Sequence[dict[str, float]]], path: str | Path,
                  n_units: int, noise: float, mark: float | None = None,
                  threshold: float = 0.9) -> Path:
    """Mean overlap after recall against the load P/N: the classic curves (with the AGS
    critical load and ``mark``, a network's own load) on the left, the modern network's
    (loads far beyond 1, log scale) on the right when there is one."""
    classic = {k: v for k, v in curves.items() if max(r["load"] for r in v) <= 1}
    modern = {k: v for k, v in curves.items() if k not in classic}
    fig, axes = plots.subplots(1, 2 if modern else 1, figsize=(10 if modern else 6.5, 4),
                             squeeze=False, gridspec_kw={"width_ratios": [3, 2]} if modern
                             else None)
    for ax, group in zip(axes[0], (classic, modern)):
        for name, rows in group.items():
            crit = critical_load(rows, threshold)
            label = name + (f" (alpha_c ~ {crit:.3f})" if crit is not None else "")
            ax.plot([r["load"] for r in rows], [r["overlap"] for r in rows], marker="o", ms=3,
                    label=label)
        ax.axhline(threshold, color="grey", ls=":", lw=1)
        ax.set_xlabel("load P / N")
        ax.set_ylim(-0.05, 1.05)
        ax.grid(alpha=0.3)
    ax = axes[0, 0]
    ax.axvline(AGS_CRITICAL_LOAD, color="k", ls="--", lw=1,
               label=f"theory (AGS 1985): {AGS_CRITICAL_LOAD}")
    if mark is not None:
        ax.axvline(mark, color="tab:red", lw=1, label=f"this network: {mark:.3g}")
    ax.set_ylabel("mean overlap after recall")
    ax.set_title("classic network, asynchronous updates", fontsize=9)
    ax.legend(fontsize=8)
    if modern:
        ax = axes[0, 1]
        ax.set_xscale("log")
        ax.minorticks_off()
        loads = sorted({r["load"] for rows in modern.values() for r in rows})
        ax.set_xticks(loads, [f"{x:g}" for x in loads])
        ax.set_title("modern network (softmax retrieval)", fontsize=9)
        ax.legend(fontsize=8)
    fig.suptitle(f"capacity: N = {n_units}, {round(100 * noise)} % of bits flipped",
                 fontsize=10)
    return plots._save(fig, Path(path))


__all__ = ["AGS_CRITICAL_LOAD", "Hopfield", "HopfieldConfig", "Recall", "binarize",
           "capacity_curve", "check_patterns", "critical_load", "flip_bits", "hebbian_weights",
           "plot_capacity", "random_pm1", "standard_capacity_curves", "storkey_update"]
