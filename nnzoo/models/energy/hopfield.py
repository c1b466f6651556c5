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

Beside this file: the learning rules and the asynchronous recall loops in
:mod:`~nnzoo.models.energy.hopfield_dynamics`, the capacity experiments in
:mod:`~nnzoo.models.energy.hopfield_capacity`, the pictures in
:mod:`~nnzoo.models.energy.hopfield_plots`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch

from nnzoo.core.config import require
from nnzoo.core.errors import InputError, NotFittedError
from nnzoo.core.validation import check_labels
from nnzoo.models.base import Batch, ZooModule
from nnzoo.models.energy.hopfield_dynamics import (
    Recall,
    binarize,
    check_patterns,
    classic_energy,
    flip_bits,
    hebbian_weights,
    recall_async,
    recall_async_reference,
    storkey_update,
)
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


# -- the model --------------------------------------------------------------------------------

@register("hopfield", config=HopfieldConfig,
          rule="Hebbian or Storkey storage; asynchronous or synchronous recall; modern "
               "softmax retrieval",
          peer="theory (Amit, Gutfreund & Sompolinsky 1985)",
          reference="https://github.com/ml-jku/hopfield-layers")
class Hopfield(ZooModule[HopfieldConfig]):
    """Hopfield network (classic or modern); see the module docstring for the math.

    ``training_step((x, y))`` stores patterns (no gradients: the weights are buffers);
    ``forward(x)`` recalls every probe of ``x`` and returns the final states in the shape of
    ``x``; ``predict`` is the same with every input check; ``recall`` returns the states
    with the steps, convergence, energies and (optionally) the trajectory.

    :param config: a :class:`HopfieldConfig`.
    """

    automatic_optimization = False
    weight: torch.Tensor                      # buffers: the classic variant's weights,
    memory: torch.Tensor                      # the modern variant's stored patterns,
    class_sum: torch.Tensor                   # with store='prototypes' the class sums
    class_count: torch.Tensor                 # and counts
    n_stored: torch.Tensor

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
            return classic_energy(self.weight, states)
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
            return recall_async_reference(self.weight, s, steps, trace_every,
                                          self._tolerance(), self._generator(s.device))
        return recall_async(self.weight, s, steps, self._tolerance(), self._generator(s.device))

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
        probes, their energy trace, and the capacity curve when ``capacity_units`` > 0 (see
        :func:`~nnzoo.models.energy.hopfield_plots.plot_hopfield`)."""
        # imported here: the capacity curve builds networks of this class
        from nnzoo.models.energy.hopfield_plots import plot_hopfield

        return plot_hopfield(self, Path(out_dir))

    def plot_recall(self, probes: torch.Tensor, out_dir: Path,
                    target: torch.Tensor | None = None) -> list[Path]:
        """``recall_steps.png`` and ``energy_trace.png`` for ±1 ``probes`` (B, N) (see
        :func:`~nnzoo.models.energy.hopfield_plots.plot_recall`)."""
        from nnzoo.models.energy.hopfield_plots import plot_recall

        return plot_recall(self, probes, Path(out_dir), target)

    def as_images(self, flat: torch.Tensor) -> torch.Tensor:
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


__all__ = ["AGS_CRITICAL_LOAD", "Hopfield", "HopfieldConfig"]
