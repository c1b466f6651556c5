"""Boltzmann machine: fully connected stochastic binary units, visible and hidden.

Paper: D. H. Ackley, G. E. Hinton, T. J. Sejnowski, "A learning algorithm for Boltzmann
machines", Cognitive Science 9(1), 1985. https://doi.org/10.1207/s15516709cog0901_7

Persistent chains for the negative phase: L. Younes, "On the convergence of Markovian
stochastic algorithms with rapidly decreasing ergodicity rates", 1999, and T. Tieleman, ICML
2008; mean-field positive phase: R. Salakhutdinov, G. E. Hinton, "Deep Boltzmann machines",
AISTATS 2009, https://proceedings.mlr.press/v5/salakhutdinov09a.html.

Reference implementation: there is no maintained library for the general Boltzmann machine;
the reference is the paper's algorithm, checked here against exact enumeration (every state of
a small machine), as in Ackley et al.'s own 4-2-4 encoder experiments.

The math. N = V + H binary units ``s = [v, h]`` in {0, 1}^N, symmetric weights ``W`` (N, N)
with a zero diagonal, biases ``b`` (N), temperature ``T``:

    E(s) = -1/2 s^T W s - b.s,      p(s) = exp(-E(s) / T) / Z,
    p(s_i = 1 | s_-i) = sigmoid((W_i . s + b_i) / T).

A Gibbs sweep updates the units one after the other from that conditional (sequential by
nature: every unit's input depends on the units updated before it; the sweep is vectorised
over the samples and chains). The log-likelihood gradient of the visible data is

    d log p(v) / dW_ij = (<s_i s_j>_clamped - <s_i s_j>_free) / T,
    d log p(v) / db_i  = (<s_i>_clamped - <s_i>_free) / T,

the positive phase with ``v`` clamped to the data and the hidden units sampled (or, with
``mean_field``, set to their mean-field marginals ``mu = sigmoid((W_hv v + W_hh mu + b_h) /
T)``), and the negative phase with every unit free: ``n_chains`` persistent chains advanced
``sweeps`` Gibbs sweeps per update (or, with ``persistent = False``, chains restarted from
noise and annealed from ``anneal_from`` down to ``T``, as Ackley et al. did). The update, with
momentum ``m`` and L2 decay ``l2``: ``vel <- m vel + rate (grad - l2 W)``, ``W <- W + vel``.

For machines of up to 22 units the exact log Z, log-likelihood and gradient are computed by
enumerating all 2^N states (``exact_log_partition``, ``log_likelihood``, ``exact_gradient``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from nnzoo.core import plots
from nnzoo.core.config import require
from nnzoo.core.device import small_work_threads
from nnzoo.core.errors import ConfigError, NotFittedError
from nnzoo.models.base import Batch, ZooModule
from nnzoo.models.energy.units import all_states, check_unit_interval
from nnzoo.models.registry import register

#: Largest machine (visible + hidden units) whose states are enumerated exactly.
EXACT_MAX = 22


@dataclass
class BMConfig:
    """Hyperparameters of :class:`BoltzmannMachine`.

    :param sample_shape: shape of one visible sample (flattened on entry).
    :param n_hidden: number of hidden units (0: a fully visible machine).
    :param learning_rate: step size of the rule.
    :param momentum_coef: momentum of the update.
    :param l2: L2 weight decay on ``W``.
    :param n_chains: negative-phase chains (fantasy particles).
    :param sweeps: Gibbs sweeps per update, in each phase.
    :param persistent: keep the negative chains between updates (persistent sampling);
        False restarts them from noise at every update (and anneals, see ``anneal_from``).
    :param mean_field: positive phase by mean-field instead of Gibbs sampling.
    :param mf_iters: mean-field iterations (damped parallel updates).
    :param temperature: the temperature T of the model.
    :param anneal_from: start temperature of each chain's sweeps, lowered geometrically to
        ``temperature`` over the sweeps (simulated annealing); equal to ``temperature``: none.
    :param init_std: standard deviation of the initial weights.
    """

    sample_shape: tuple[int, ...] = (16,)
    n_hidden: int = 4
    learning_rate: float = 0.05
    momentum_coef: float = 0.5
    l2: float = 0.0
    n_chains: int = 100
    sweeps: int = 2
    persistent: bool = True
    mean_field: bool = False
    mf_iters: int = 10
    temperature: float = 1.0
    anneal_from: float = 1.0
    init_std: float = 0.01

    def __post_init__(self) -> None:
        require(isinstance(self.sample_shape, tuple) and len(self.sample_shape) >= 1
                and all(isinstance(s, int) and s >= 1 for s in self.sample_shape),
                f"sample_shape must be positive sizes, got {self.sample_shape!r}")
        require(self.n_hidden >= 0, f"n_hidden must be >= 0, got {self.n_hidden}")
        require(self.learning_rate > 0, f"learning_rate must be > 0, got {self.learning_rate}")
        require(0 <= self.momentum_coef < 1,
                f"momentum_coef must be in [0, 1), got {self.momentum_coef}")
        require(self.l2 >= 0, f"l2 must be >= 0, got {self.l2}")
        require(self.n_chains >= 1, f"n_chains must be >= 1, got {self.n_chains}")
        require(self.sweeps >= 1, f"sweeps must be >= 1, got {self.sweeps}")
        require(self.mf_iters >= 1, f"mf_iters must be >= 1, got {self.mf_iters}")
        require(self.temperature > 0, f"temperature must be > 0, got {self.temperature}")
        require(self.anneal_from >= self.temperature,
                f"anneal_from must be >= temperature ({self.temperature}), got "
                f"{self.anneal_from}")
        require(self.init_std > 0, f"init_std must be > 0, got {self.init_std}")


def _numpy_sweep(s: torch.Tensor, u: torch.Tensor, W: torch.Tensor, b: torch.Tensor,
                 start: int, temperature: float) -> torch.Tensor:
    """The Gibbs sweep of :meth:`BoltzmannMachine.gibbs_sweep` as a NumPy loop, in place on
    ``s`` (CPU); ``u`` (B, N - start) are the sweep's uniform draws."""
    sn = s.detach().numpy()                                  # shares s's memory
    Wn = W.detach().to(s.dtype).numpy()
    un = u.to(s.dtype).numpy()
    with np.errstate(divide="ignore"):                       # u = 0 gives -inf: always on
        thr = np.log(un) - np.log1p(-un)                     # logit(u)  (B, N - start)
    thr *= temperature
    thr -= b.detach().to(s.dtype).numpy()[start:]            # s_i = 1 iff W_i . s > thr_i
    net = np.empty(sn.shape[0], sn.dtype)
    for k, i in enumerate(range(start, sn.shape[1])):        # sequential, as in torch
        np.dot(sn, Wn[i], out=net)                           # W_i . s  (B,)
        sn[:, i] = net > thr[:, k]
    return s


@register("bm", config=BMConfig, rule="Boltzmann learning: clamped minus free correlations "
          "(persistent Gibbs sampling, optional mean-field)",
          peer="exact-gradient ascent (enumeration of all states)",
          reference="https://doi.org/10.1207/s15516709cog0901_7")
class BoltzmannMachine(ZooModule[BMConfig]):
    """A Boltzmann machine with visible and hidden units, all connected to each other.

    ``forward(x)`` returns the mean-field marginals of the hidden units given ``x``
    (B, H), deterministic; the weights are buffers updated by the model's own rule.

    :param config: a :class:`BMConfig`.
    """

    automatic_optimization = False
    weight: torch.Tensor                                                  # buffers
    bias: torch.Tensor
    chain: torch.Tensor
    vel_w: torch.Tensor
    vel_b: torch.Tensor
    updates: torch.Tensor

    def __init__(self, config: BMConfig) -> None:
        super().__init__(config)
        self.n_visible = math.prod(config.sample_shape)
        n = self.n_visible + config.n_hidden
        w = torch.randn(n, n) * config.init_std
        w = torch.triu(w, 1)
        self.register_buffer("weight", w + w.T)                           # W (N, N), W_ii = 0
        self.register_buffer("bias", torch.zeros(n))                      # b (N,)
        self.register_buffer("chain", torch.bernoulli(torch.full((config.n_chains, n), 0.5)))
        self.register_buffer("vel_w", torch.zeros(n, n))
        self.register_buffer("vel_b", torch.zeros(n))
        self.register_buffer("updates", torch.zeros((), dtype=torch.int64))

    @property
    def n_units(self) -> int:
        return self.n_visible + self.config.n_hidden

    def _temperatures(self) -> list[float]:
        """One temperature per sweep: geometric from ``anneal_from`` down to ``temperature``."""
        t0, t1, k = self.config.anneal_from, self.config.temperature, self.config.sweeps
        if t0 == t1 or k == 1:
            return [t1] * k
        return [t0 * (t1 / t0) ** (i / (k - 1)) for i in range(k)]

    # -- sampling -----------------------------------------------------------------------------

    def gibbs_sweep(self, s: torch.Tensor, start: int, temperature: float,
                    path: Literal["auto", "torch", "numpy"] = "auto") -> torch.Tensor:
        """Update units ``start..N-1`` of ``s`` (B, N) in place, one after the other.

        Each unit is a handful of operations on a vector of B values, so per-call overhead is
        the cost: ``auto`` runs the loop in NumPy on the CPU (float32/float64, calls some ten
        times cheaper than torch's) and in torch elsewhere (``path`` forces one). The NumPy
        loop tests ``logit(u) < net / T``, the same event as ``u < sigmoid(net / T)``
        (sigmoid is increasing) on the same uniform draws, with the logits taken for the
        whole sweep at once."""
        u = torch.rand(s.shape[0], self.n_units - start, device=s.device)  # (B, N - start)
        W, b = self.weight, self.bias
        if path == "auto":
            path = "numpy" if (s.device.type == "cpu" and W.device.type == "cpu" and s.dtype
                               in (torch.float32, torch.float64)) else "torch"
        if path == "numpy":
            return _numpy_sweep(s, u, W, b, start, temperature)
        for i in range(start, self.n_units):  # sequential: unit i sees the units just updated
            net = torch.mv(s, W[i]) + b[i]                                 # W_i . s + b_i (B,)
            s[:, i] = (u[:, i - start] < torch.sigmoid(net / temperature)).to(s.dtype)
        return s

    def hidden_mean_field(self, v: torch.Tensor, iters: int | None = None) -> torch.Tensor:
        """Mean-field marginals of the hidden units with ``v`` (B, V) clamped: (B, H)."""
        nv, t = self.n_visible, self.config.temperature
        w_hv, w_hh, b_h = self.weight[nv:, :nv], self.weight[nv:, nv:], self.bias[nv:]
        ext = torch.addmm(b_h, v, w_hv.T)                                  # b_h + W_hv v
        mu = torch.sigmoid(ext / t)
        for _ in range(iters or self.config.mf_iters):  # damped: mu <- (mu + sig(...)) / 2
            mu = 0.5 * mu + 0.5 * torch.sigmoid((ext + mu @ w_hh) / t)
        return mu

    def positive_states(self, v: torch.Tensor) -> torch.Tensor:
        """Clamped phase: [v, h] (B, N) with h sampled by Gibbs sweeps (or mean-field)."""
        if self.config.n_hidden == 0:
            return v
        mu = self.hidden_mean_field(v)
        if self.config.mean_field:
            return torch.cat([v, mu], 1)
        s = torch.cat([v, torch.bernoulli(mu)], 1)                         # start near the mode
        for t in self._temperatures():
            self.gibbs_sweep(s, self.n_visible, t)
        return s

    def negative_states(self) -> torch.Tensor:
        """Free phase: the chains after ``sweeps`` Gibbs sweeps of every unit; (C, N)."""
        s = self.chain if self.config.persistent else torch.bernoulli(
            torch.full_like(self.chain, 0.5))
        for t in self._temperatures():
            self.gibbs_sweep(s, 0, t)
        return s

    # -- the learning rule --------------------------------------------------------------------

    def gradient(self, pos: torch.Tensor, neg: torch.Tensor
                 ) -> tuple[torch.Tensor, torch.Tensor]:
        """(<s s^T>_clamped - <s s^T>_free) / T with a zero diagonal, and the bias term."""
        t = self.config.temperature
        gw = (pos.T @ pos / pos.shape[0] - neg.T @ neg / neg.shape[0]) / t   # (N, N)
        gw.fill_diagonal_(0)
        gb = (pos.mean(0) - neg.mean(0)) / t                                  # (N,)
        return gw, gb

    @torch.no_grad()
    def update(self, v: torch.Tensor) -> torch.Tensor:
        """One step of Boltzmann learning on v (B, V) (no checks); returns the clamped states."""
        cfg = self.config
        pos = self.positive_states(v)                                      # (B, N)
        neg = self.negative_states()                                       # (C, N)
        gw, gb = self.gradient(pos, neg)
        gw.sub_(self.weight, alpha=cfg.l2)                                 # grad - l2 W
        self.vel_w.mul_(cfg.momentum_coef).add_(gw, alpha=cfg.learning_rate)
        self.vel_b.mul_(cfg.momentum_coef).add_(gb, alpha=cfg.learning_rate)
        self.weight.add_(self.vel_w)                                       # stays symmetric
        self.bias.add_(self.vel_b)
        self.updates += 1
        return pos

    def _flat(self, x: torch.Tensor, *, finite: bool, values: bool) -> torch.Tensor:
        self.check(x, finite=finite)
        v = x.flatten(1)
        if values:
            check_unit_interval(v, f"{self.model_id} input")
        return v

    def reconstruction(self, v: torch.Tensor) -> torch.Tensor:
        """p(v_i = 1 | v_-i, h = mean-field(v)) for every visible unit; (B, V)."""
        nv, t = self.n_visible, self.config.temperature
        s = torch.cat([v, self.hidden_mean_field(v)], 1)                   # (B, N)
        return torch.sigmoid((s @ self.weight[:, :nv] + self.bias[:nv]) / t)

    @torch.no_grad()
    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        v = self._flat(batch[0], finite=True, values=True)                  # (B, V)
        work = max(v.shape[0], self.config.n_chains) * self.n_units ** 2
        with small_work_threads(work if v.device.type == "cpu" else 1 << 30):
            self.update(v)
            return {"loss": (v - self.reconstruction(v)).pow(2).mean()}

    @torch.no_grad()
    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        v = self._flat(batch[0], finite=True, values=False)
        out = {"loss": (v - self.reconstruction(v)).pow(2).mean()}
        if self.n_units <= EXACT_MAX:
            out["log_likelihood"] = self.log_likelihood(v).mean()
        return out

    # -- inference ----------------------------------------------------------------------------

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Mean-field marginals of the hidden units given a batch of visible samples (B, H)."""
        return self.hidden_mean_field(self._flat(x, finite=False, values=False))

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Hidden marginals (B, H), with every input check (finite, values in [0, 1])."""
        return self.hidden_mean_field(self._flat(x, finite=True, values=True))

    @torch.no_grad()
    def sample(self, n: int, sweeps: int = 200) -> torch.Tensor:
        """Visible samples after ``sweeps`` Gibbs sweeps from noise; (n, *sample_shape)."""
        if int(self.updates) == 0:
            raise NotFittedError("this bm has not been trained yet; train it before sampling "
                                 "from it")
        s = torch.bernoulli(torch.full((n, self.n_units), 0.5, device=self.weight.device))
        with small_work_threads(n * self.n_units**2 if s.device.type == "cpu" else 1 << 30):
            for _ in range(sweeps):
                self.gibbs_sweep(s, 0, self.config.temperature)
        return s[:, :self.n_visible].reshape(n, *self.sample_shape)

    # -- exact enumeration (small machines) ---------------------------------------------------

    def _split(self) -> tuple[torch.Tensor, ...]:
        w, b, nv = self.weight.double(), self.bias.double(), self.n_visible
        return w[:nv, :nv], w[:nv, nv:], w[nv:, nv:], b[:nv], b[nv:]

    def _check_exact(self) -> None:
        if self.n_units > EXACT_MAX:
            raise ConfigError(f"exact enumeration needs at most {EXACT_MAX} units, this "
                              f"machine has {self.n_units}")

    def _log_unnorm_visible(self, v: torch.Tensor) -> torch.Tensor:
        """log sum_h exp(-E(v, h) / T) for each row of v (B, V) (double); (B,)."""
        w_vv, w_vh, w_hh, b_v, b_h = self._split()
        t = self.config.temperature
        hs = all_states(self.config.n_hidden, v.device, torch.float64)     # (2^H, H)
        q = 0.5 * ((v @ w_vv) * v).sum(1) + v @ b_v                        # (B,)
        r = 0.5 * ((hs @ w_hh) * hs).sum(1) + hs @ b_h                     # (2^H,)
        return torch.logsumexp((q[:, None] + r[None] + (v @ w_vh) @ hs.T) / t, 1)  # -E/T

    @torch.no_grad()
    def exact_log_partition(self) -> torch.Tensor:
        """log Z = log sum_s exp(-E(s) / T) over all 2^N states."""
        self._check_exact()
        vs = all_states(self.n_visible, self.weight.device, torch.float64)
        return torch.logsumexp(self._log_unnorm_visible(vs), 0)

    @torch.no_grad()
    def log_likelihood(self, v: torch.Tensor, log_z: torch.Tensor | None = None
                       ) -> torch.Tensor:
        """Exact log p(v) per sample (B,) (double)."""
        self._check_exact()
        if log_z is None:
            log_z = self.exact_log_partition()
        return self._log_unnorm_visible(v.double().flatten(1)) - log_z

    @torch.no_grad()
    def exact_gradient(self, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The exact mean log-likelihood gradient of data v (B, V) by enumeration (double)."""
        self._check_exact()
        t, nh = self.config.temperature, self.config.n_hidden
        w, b = self.weight.double(), self.bias.double()
        ss = all_states(self.n_units, w.device, torch.float64)             # (2^N, N)
        logp = (0.5 * ((ss @ w) * ss).sum(1) + ss @ b) / t                 # -E(s)/T
        p = torch.softmax(logp, 0)                                          # p(s)
        free_ss = ss.T @ (ss * p[:, None])                                  # <s s^T>_free
        free_s = p @ ss
        v = v.double().flatten(1)
        hs = all_states(nh, w.device, torch.float64)                       # (2^H, H)
        s = torch.cat([v[:, None, :].expand(-1, len(hs), -1),
                       hs[None].expand(len(v), -1, -1)], 2)                # (B, 2^H, N)
        ph = torch.softmax((0.5 * ((s @ w) * s).sum(2) + s @ b) / t, 1)    # p(h | v) (B, 2^H)
        clamped_ss = torch.einsum("bk,bki,bkj->ij", ph, s, s) / len(v)      # <s s^T>_clamped
        clamped_s = torch.einsum("bk,bki->i", ph, s) / len(v)
        gw = (clamped_ss - free_ss) / t
        gw.fill_diagonal_(0)
        return gw, (clamped_s - free_s) / t

    def visualize(self, out_dir: Path) -> list[Path]:
        r = math.isqrt(self.n_visible)
        out = [plots.image_grid(self.weight[None].detach().cpu(), out_dir / "weights.png",
                                "Boltzmann machine weights (visible then hidden units)")]
        if r * r == self.n_visible:
            nv = self.n_visible
            if self.config.n_hidden:
                out.append(plots.image_grid(self.weight[nv:, :nv].reshape(-1, r, r).cpu(),
                                            out_dir / "hidden_filters.png",
                                            "weights from the visible units to each hidden "
                                            "unit"))
            if int(self.updates) > 0:
                out.append(plots.image_grid(self.sample(64).reshape(-1, r, r).cpu(),
                                            out_dir / "samples.png",
                                            "Boltzmann machine samples (200 Gibbs sweeps)",
                                            cmap="gray"))
        return out
