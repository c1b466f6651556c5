"""Liquid state machine: a spiking reservoir of leaky integrate-and-fire neurons and a readout.

Paper: W. Maass, T. Natschläger, H. Markram, "Real-time computing without stable states: a
new framework for neural computation based on perturbations", Neural Computation 14(11),
2531-2560, 2002. https://doi.org/10.1162/089976602760407955
Dynamic synapses: H. Markram, Y. Wang, M. Tsodyks, "Differential signaling via the same axon
of neocortical pyramidal neurons", PNAS 95(9), 1998 (the recursion below), with the U, D, F
means of A. Gupta, Y. Wang, H. Markram, Science 287, 2000, as the LSM paper uses them.
Reference implementation: CSIM / the Circuit tool (lsm.tugraz.at), whose neuron and synapse
models (``SpikingInputNeuron``, ``LifNeuron``, ``DynamicSpikingSynapse``) this file follows.

The liquid. ``N = nx * ny * nz`` neurons sit on the points of a 3-D integer grid, 80 %
excitatory (E) and 20 % inhibitory (I), assigned at random; neurons are ordered E first.
Neuron ``a`` connects to ``b != a`` with probability

    P(a, b) = C(type a, type b) * exp(-(D(a, b) / lambda)^2)

(``D`` = Euclidean distance on the grid; C = 0.3 EE, 0.2 EI, 0.4 IE, 0.1 II, pre -> post).
A connection's amplitude ``A`` is Gamma distributed with the pair's mean (30 EE, 60 EI,
-19 IE, -19 II nA) and standard deviation ``weight_cv * |mean|``; its sign is the
presynaptic neuron's (Dale's law). Input channel ``i`` connects to each neuron with
probability ``input_connectivity`` (18 nA onto E, 9 nA onto I).

Each step of ``dt`` ms (all updates exact for a current held constant over the step):

- synaptic currents, one per presynaptic type, decay exponentially (PSC ``exp(-t/tau_s)``):
  ``I_e <- exp(-dt/tau_e) I_e + arrivals_e + W_in^T x_t``, ``I_i <- exp(-dt/tau_i) I_i +
  arrivals_i``; ``tau_s = 0`` makes a one-step current pulse.
- membrane, ``tau_m dV/dt = -V + R (I_b + I_e + I_i)``, integrated exactly:
  ``V <- beta V + (1 - beta) R (I_b + I_e + I_i)`` with ``beta = exp(-dt/tau_m)``;
- a neuron whose refractory counter is positive is held at ``V_reset``;
- spike when ``V > V_thresh``; then ``V <- V_reset`` and the counter is set to the type's
  refractory period (in steps);
- a spike of ``a`` reaches ``b`` ``delay(a, b) >= 1`` steps later: each step's outgoing
  currents are added into a ring buffer of pending arrivals (one slot per future step).

Dynamic synapses (Markram et al. 1998): the n-th spike of a train with inter-spike intervals
``Delta_n`` transmits ``A u_n R_n``, with ``u_1 = U``, ``R_1 = 1`` and

    u_{n+1} = U + u_n (1 - U) exp(-Delta_n / F),
    R_{n+1} = 1 + (R_n - R_n u_n - 1) exp(-Delta_n / D).

Stepwise: at a spike transmit ``u R``, then ``R <- R (1 - u)``, ``u <- u + U (1 - u)``; every
step ``u`` relaxes to ``U`` with time constant ``F`` and ``R`` to 1 with ``D``. U, D, F are the
paper's means per type pair (EE 0.5, 1.1 s, 0.05 s; EI 0.05, 0.125 s, 1.2 s; IE 0.25, 0.7 s,
0.02 s; II 0.32, 0.144 s, 0.06 s) without the paper's per-synapse spread, so the state of a
synapse depends on its presynaptic neuron and postsynaptic type only: ``(B, N, 2)`` instead
of one per connection.

The readout. The liquid's spike trains are low-pass filtered, ``r_t = exp(-dt/tau_r) r_{t-1}
+ s_t`` (``tau_r`` = 30 ms), sampled at ``readout_times`` evenly spaced steps (the last is the
final step), concatenated (``readout_times * N`` features) and mapped to one-hot class
targets by ridge regression with an intercept, the penalty chosen among ``alphas`` by the
exact leave-one-out error (:func:`nnzoo.core.linalg.ridge_loo`). Learning is closed-form:
``fit`` simulates the training set once and solves the ridge problem; the liquid never
changes.

Batched: ``B`` samples are simulated at once; the only Python loop is over time steps.
Units: ms, mV, nA, MOhm (R I in mV). Input ``x`` (B, T, D) holds spike counts per bin (0/1
spikes), each multiplied by its input synapse's amplitude.
The liquid's construction, the synapse step and the readout's pieces are in
:mod:`nnzoo.models.reservoir.lsm_blocks`, the plots in :mod:`nnzoo.models.reservoir.lsm_plots`,
the same step compiled (event-driven, for large CPU simulations) in ``lsm_kernel``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, overload

import torch
import torch.nn.functional as F

from nnzoo.core.config import require
from nnzoo.core.errors import InputError, NotFittedError
from nnzoo.core.validation import check_labels
from nnzoo.models.base import Batch, Classifier
from nnzoo.models.registry import register
from nnzoo.models.reservoir.lsm_blocks import (
    connection_probability,
    filtered_states,
    fit_ridge_readout,
    gamma_amplitudes,
    grid_positions,
    pair_matrix,
    readout_steps,
    step_constants,
    stp_step,
)
from nnzoo.models.reservoir.lsm_kernel import Path_, resolve_path, simulate_numba
from nnzoo.models.reservoir.lsm_plots import plot_raster

#: Order of the per-type-pair tuples of the config: presynaptic -> postsynaptic type.
PAIRS = ("EE", "EI", "IE", "II")


@dataclass
class LSMConfig:
    """Hyperparameters of :class:`LSM` (defaults: Maass, Natschläger & Markram 2002).

    :param sample_shape: ``(T, D)``: time steps and input spike channels of one sample.
    :param n_classes: number of classes of the readout.
    :param grid: the liquid's 3-D grid ``(nx, ny, nz)``; ``N = nx * ny * nz`` neurons.
    :param frac_excitatory: fraction of excitatory neurons.
    :param lambda_conn: length scale ``lambda`` of the connection probability (grid units).
    :param conn_scale: ``C`` per type pair (EE, EI, IE, II).
    :param weight_mean: mean amplitude ``A`` per type pair (nA; inhibitory ones negative).
    :param weight_cv: standard deviation / mean of the Gamma-distributed amplitudes (0: fixed).
    :param input_weight: mean input amplitude onto (E, I) neurons (nA).
    :param input_connectivity: probability that an input channel reaches a given neuron.
    :param dt: simulation step (ms); one input bin per step.
    :param tau_m: membrane time constant (ms).
    :param tau_syn_exc: decay of excitatory (and input) synaptic currents (ms; 0: one-step pulse).
    :param tau_syn_inh: decay of inhibitory synaptic currents (ms; 0: one-step pulse).
    :param v_thresh: firing threshold (mV, resting potential 0).
    :param v_reset: reset potential after a spike (mV).
    :param v_init: range of the initial membrane potentials, uniform (mV).
    :param i_background: range of the constant background current of each neuron, uniform (nA).
    :param r_in: input resistance (MOhm).
    :param refractory: absolute refractory period of (E, I) neurons (ms).
    :param delays: per-connection transmission delays; False: every spike arrives one step on.
    :param delay_ms: delay per type pair (ms), rounded to whole steps (at least 1).
    :param dynamic_synapses: Markram-Tsodyks short-term depression/facilitation.
    :param stp_u: utilisation ``U`` per type pair.
    :param stp_d: recovery time constant ``D`` per type pair (s).
    :param stp_f: facilitation time constant ``F`` per type pair (s).
    :param tau_readout: time constant of the readout's exponential filter (ms).
    :param readout_times: number of evenly spaced steps whose filtered states the readout
        reads (1: the last step only).
    :param alphas: candidate ridge penalties; the readout takes the one with the smallest
        leave-one-out error.
    :param sim_batch: samples simulated at once by :meth:`LSM.fit` (bounds memory).
    """

    sample_shape: tuple[int, ...] = (100, 4)
    n_classes: int = 10
    grid: tuple[int, ...] = (15, 3, 3)
    frac_excitatory: float = 0.8
    lambda_conn: float = 2.0
    conn_scale: tuple[float, ...] = (0.3, 0.2, 0.4, 0.1)
    weight_mean: tuple[float, ...] = (30.0, 60.0, -19.0, -19.0)
    weight_cv: float = 1.0
    input_weight: tuple[float, ...] = (18.0, 9.0)
    input_connectivity: float = 0.3
    dt: float = 1.0
    tau_m: float = 30.0
    tau_syn_exc: float = 3.0
    tau_syn_inh: float = 6.0
    v_thresh: float = 15.0
    v_reset: float = 13.5
    v_init: tuple[float, ...] = (13.5, 15.0)
    i_background: tuple[float, ...] = (13.5, 14.5)
    r_in: float = 1.0
    refractory: tuple[float, ...] = (3.0, 2.0)
    delays: bool = True
    delay_ms: tuple[float, ...] = (1.5, 0.8, 0.8, 0.8)
    dynamic_synapses: bool = True
    stp_u: tuple[float, ...] = (0.5, 0.05, 0.25, 0.32)
    stp_d: tuple[float, ...] = (1.1, 0.125, 0.7, 0.144)
    stp_f: tuple[float, ...] = (0.05, 1.2, 0.02, 0.06)
    tau_readout: float = 30.0
    readout_times: int = 4
    alphas: tuple[float, ...] = (1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1e3, 1e4)
    sim_batch: int = 1024

    def __post_init__(self) -> None:
        ss = self.sample_shape
        require(isinstance(ss, tuple) and len(ss) == 2
                and all(isinstance(s, int) and s >= 1 for s in ss),
                f"sample_shape must be (T, D) with T >= 1 steps and D >= 1 input channels, "
                f"got {ss!r}")
        require(self.n_classes >= 2, f"n_classes must be >= 2, got {self.n_classes}")
        require(len(self.grid) == 3 and all(isinstance(g, int) and g >= 1 for g in self.grid),
                f"grid must be three sizes (nx, ny, nz), each >= 1 (at least 1x1x1), "
                f"got {self.grid!r}")
        require(0 < self.frac_excitatory <= 1,
                f"frac_excitatory must be in (0, 1], got {self.frac_excitatory}")
        require(self.lambda_conn > 0, f"lambda_conn must be > 0, got {self.lambda_conn}")
        for name in ("conn_scale", "weight_mean", "delay_ms", "stp_u", "stp_d", "stp_f"):
            require(len(getattr(self, name)) == 4,
                    f"{name} must have 4 values, one per type pair {', '.join(PAIRS)}, "
                    f"got {getattr(self, name)!r}")
        require(all(0 <= c <= 1 for c in self.conn_scale),
                f"conn_scale values must be probabilities in [0, 1], got {self.conn_scale}")
        w = self.weight_mean
        require(w[0] >= 0 and w[1] >= 0 and w[2] <= 0 and w[3] <= 0,
                f"weight_mean must be >= 0 for EE, EI and <= 0 for IE, II (Dale's law), "
                f"got {w}")
        require(self.weight_cv >= 0, f"weight_cv must be >= 0, got {self.weight_cv}")
        require(len(self.input_weight) == 2 and all(a >= 0 for a in self.input_weight),
                f"input_weight must be two amplitudes >= 0 (onto E, onto I), "
                f"got {self.input_weight}")
        require(0 <= self.input_connectivity <= 1,
                f"input_connectivity must be in [0, 1], got {self.input_connectivity}")
        for name in ("dt", "tau_m", "r_in", "tau_readout"):
            require(getattr(self, name) > 0, f"{name} must be > 0, got {getattr(self, name)}")
        for name in ("tau_syn_exc", "tau_syn_inh"):
            require(getattr(self, name) >= 0, f"{name} must be >= 0, got {getattr(self, name)}")
        require(self.v_reset < self.v_thresh,
                f"v_reset must be below v_thresh, got {self.v_reset} >= {self.v_thresh}")
        for name in ("v_init", "i_background"):
            lo_hi = getattr(self, name)
            require(len(lo_hi) == 2 and lo_hi[0] <= lo_hi[1],
                    f"{name} must be a range (low, high) with low <= high, got {lo_hi!r}")
        require(len(self.refractory) == 2 and all(r >= 0 for r in self.refractory),
                f"refractory must be two periods >= 0 ms (E, I), got {self.refractory!r}")
        require(all(d >= 0 for d in self.delay_ms), f"delay_ms must be >= 0, got {self.delay_ms}")
        require(all(0 < u <= 1 for u in self.stp_u), f"stp_u must be in (0, 1], got {self.stp_u}")
        require(all(v > 0 for v in self.stp_d + self.stp_f),
                f"stp_d and stp_f must be > 0 seconds, got {self.stp_d}, {self.stp_f}")
        require(1 <= self.readout_times <= ss[0],
                f"readout_times must be in [1, T={ss[0]}], got {self.readout_times}")
        require(len(self.alphas) >= 1 and all(a > 0 for a in self.alphas),
                f"alphas must be ridge penalties > 0, got {self.alphas!r}")
        require(self.sim_batch >= 1, f"sim_batch must be >= 1, got {self.sim_batch}")

    @property
    def n_neurons(self) -> int:
        return math.prod(self.grid)

    @property
    def n_excitatory(self) -> int:
        """Excitatory neurons: ``round(frac_excitatory * N)``, at least 1."""
        return max(1, min(self.n_neurons, round(self.frac_excitatory * self.n_neurons)))


# -- the model --------------------------------------------------------------------------------

@register("lsm", config=LSMConfig, learning="closed-form",
          rule="closed-form ridge readout of filtered liquid states (leave-one-out penalty)",
          peer="snnTorch (simulation throughput, same network); nnzoo ESN (accuracy, same "
               "readout)",
          reference="https://igi-web.tugraz.at/csim/")
class LSM(Classifier[LSMConfig]):
    """Liquid state machine: a fixed random liquid of LIF neurons and a ridge readout.

    ``forward(x)`` simulates the liquid on ``x`` (B, T, D) and returns the readout's class
    scores (B, K); :meth:`simulate` gives the spike trains (B, T, N) and, on request, the
    membrane potentials and synaptic currents. Every random quantity of the liquid is a buffer
    drawn at construction (from torch's global generator), so a checkpoint restores the same
    liquid (the buffers are listed below with their shapes); the simulation itself is
    deterministic.

    :param config: an :class:`LSMConfig`.
    """

    automatic_optimization = False

    position: torch.Tensor        # (N, 3)
    inhibitory: torch.Tensor      # (N,) bool
    weight: torch.Tensor          # (N, N) signed amplitudes (nA), pre = row
    delay: torch.Tensor           # (N, N) steps
    input_weight: torch.Tensor    # (D, N)
    i_background: torch.Tensor    # (N,)
    v_init: torch.Tensor          # (N,)
    readout_weight: torch.Tensor  # (readout_times * N, K)
    readout_bias: torch.Tensor    # (K,)
    alpha: torch.Tensor           # () the ridge penalty chosen
    fitted: torch.Tensor          # () bool
    example: torch.Tensor         # (T, D) the first training sample

    def __init__(self, config: LSMConfig) -> None:
        super().__init__(config)
        cfg = config
        n, ne = cfg.n_neurons, cfg.n_excitatory
        T, D = cfg.sample_shape
        pos = grid_positions(cfg.grid)[torch.randperm(n)]              # random places (N, 3)
        inh = torch.arange(n) >= ne                                     # E first, then I
        p = connection_probability(pos, inh, cfg.conn_scale, cfg.lambda_conn)
        conn = torch.rand(n, n) < p                                     # a -> b exists
        amp = gamma_amplitudes(pair_matrix(cfg.weight_mean, inh), cfg.weight_cv)
        steps = (pair_matrix(cfg.delay_ms, inh) / cfg.dt).round().clamp_min(1).long()
        in_mean = torch.where(inh, cfg.input_weight[1], cfg.input_weight[0]).expand(D, n)
        in_conn = torch.rand(D, n) < cfg.input_connectivity
        lo, hi = cfg.i_background
        vlo, vhi = cfg.v_init
        self.register_buffer("position", pos)
        self.register_buffer("inhibitory", inh)
        self.register_buffer("weight", amp * conn)                     # W[a, b] (N, N) nA
        self.register_buffer("delay", steps if cfg.delays else torch.ones_like(steps))
        self.register_buffer("input_weight",
                             gamma_amplitudes(in_mean.contiguous(), cfg.weight_cv) * in_conn)
        self.register_buffer("i_background", lo + (hi - lo) * torch.rand(n))
        self.register_buffer("v_init", vlo + (vhi - vlo) * torch.rand(n))
        k = cfg.n_classes
        self.register_buffer("readout_weight", torch.zeros(cfg.readout_times * n, k))
        self.register_buffer("readout_bias", torch.zeros(k))
        self.register_buffer("alpha", torch.zeros(()))
        self.register_buffer("fitted", torch.zeros((), dtype=torch.bool))
        self.register_buffer("example", torch.zeros(T, D))

    @property
    def n_neurons(self) -> int:
        return self.config.n_neurons

    # -- input checks ---------------------------------------------------------------------------

    def _checked(self, x: torch.Tensor) -> torch.Tensor:
        self.check(x, finite=True)
        if x.numel() and bool((x < 0).any()):
            raise InputError(f"{self.model_id} input holds spike counts, which must be >= 0; "
                             f"got a minimum of {float(x.min()):.4g}")
        return x

    # -- the liquid -----------------------------------------------------------------------------

    @overload
    def simulate(self, x: torch.Tensor, *, record: Literal[False] = False,
                 path: Path_ = "auto") -> torch.Tensor: ...

    @overload
    def simulate(self, x: torch.Tensor, *, record: Literal[True],
                 path: Path_ = "auto") -> dict[str, torch.Tensor]: ...

    @overload
    def simulate(self, x: torch.Tensor, *, record: bool, path: Path_ = "auto"
                 ) -> torch.Tensor | dict[str, torch.Tensor]: ...

    @torch.no_grad()
    def simulate(self, x: torch.Tensor, *, record: bool = False, path: Path_ = "auto"
                 ) -> torch.Tensor | dict[str, torch.Tensor]:
        """Run the liquid on input spike trains ``x`` (B, T, D), unchecked.

        :param x: input spike counts per step.
        :param record: also return the membrane potentials ``v`` and the synaptic currents
            ``i_exc``, ``i_inh`` (each (B, T, N)).
        :param path: ``torch`` (the loop below, any device), ``numba`` (the compiled,
            event-driven loop of :mod:`~nnzoo.models.reservoir.lsm_kernel`, CPU) or ``auto``
            (:func:`~nnzoo.models.reservoir.lsm_kernel.resolve_path`).
        :returns: the spike trains (B, T, N) (float 0/1), or a dict with ``spikes`` and the
            recorded traces.
        """
        if resolve_path(path, x.shape[0] * x.shape[1] * self.n_neurons, self.weight) == "numba":
            return simulate_numba(self, x, record)
        cfg = self.config
        B, T, _ = x.shape
        n, ne = self.n_neurons, cfg.n_excitatory
        w = self.weight
        dev, dt_ = w.device, w.dtype
        x = x.to(dev, dt_)
        k = step_constants(cfg, self.inhibitory, dt_, dev)
        beta, gain, a_e, a_i, ref_steps = k.beta, k.gain, k.a_e, k.a_i, k.ref_steps
        i_b = self.i_background                                          # (N,)
        i_in = x.transpose(0, 1) @ self.input_weight                    # W_in^T x_t (T, B, N)

        # W masked to each delay value, outgoing columns (n_d, N): rows split by presynaptic
        # type (each type feeds its own current); with dynamic synapses also by postsynaptic
        # type, since the transmitted signal u R differs per postsynaptic type
        dvals = torch.unique(self.delay[w != 0]) if bool((w != 0).any()) \
            else torch.ones(1, dtype=torch.long, device=dev)
        nd, L = len(dvals), int(dvals.max()) + 1                         # ring buffer length
        wd = torch.stack([w * (self.delay == d) for d in dvals], 1)      # (N, n_d, N)
        post_e = (~self.inhibitory).to(dt_)                              # (N,) 1 for E targets
        if cfg.dynamic_synapses:
            w_to_e = (wd * post_e).reshape(n, nd * n)                    # onto E neurons
            w_to_i = (wd * (1 - post_e)).reshape(n, nd * n)              # onto I neurons
        else:
            w_all = wd.reshape(n, nd * n)
        pend_e = torch.zeros(B, L, n, device=dev, dtype=dt_)             # pending arrivals
        pend_i = torch.zeros_like(pend_e)

        if cfg.dynamic_synapses:                                         # per (pre, post type)
            U, dec_f, dec_d = k.U, k.dec_f, k.dec_d                      # (2, N)
            u = U.expand(B, 2, n).clone()                                # u_1 = U  (B, 2, N)
            r = torch.ones(B, 2, n, device=dev, dtype=dt_)               # R_1 = 1

        v = self.v_init.to(dt_).expand(B, n).clone()                     # (B, N) mV
        i_e = torch.zeros(B, n, device=dev, dtype=dt_)
        i_i = torch.zeros_like(i_e)
        refractory = bool((ref_steps > 0).any())
        refr = torch.zeros_like(i_e)                                     # refractory steps left
        spikes = torch.empty(T, B, n, device=dev, dtype=dt_)
        trace = {k: torch.empty(T, B, n, device=dev, dtype=dt_)
                 for k in ("v", "i_exc", "i_inh")} if record else {}
        for t in range(T):
            slot = t % L
            i_e.mul_(a_e).add_(pend_e[:, slot]).add_(i_in[t])            # I_e decays + arrivals
            i_i.mul_(a_i).add_(pend_i[:, slot])
            pend_e[:, slot].zero_()
            pend_i[:, slot].zero_()
            v.mul_(beta).add_(i_b + i_e + i_i, alpha=gain)               # exact leaky step
            if refractory:
                held = refr > 0
                v.masked_fill_(held, cfg.v_reset)                        # held while refractory
                refr.sub_(held.to(dt_))
            s = v > cfg.v_thresh                                         # spike
            v.masked_fill_(s, cfg.v_reset)                               # reset
            sf = spikes[t].copy_(s)
            if refractory:
                refr.addcmul_(sf, ref_steps)                             # counter = period
            if record:
                trace["v"][t], trace["i_exc"][t], trace["i_inh"][t] = v, i_e, i_i
            # outgoing currents, by presynaptic type (rows), of every delay: (B, n_d * N)
            if cfg.dynamic_synapses:
                eff, u, r = stp_step(sf[:, None], u, r, U, dec_f, dec_d)     # (B, 2, N)
                to_e, to_i = eff[:, 0], eff[:, 1]                        # u R by post type
                out_e = torch.addmm(to_e[:, :ne] @ w_to_e[:ne], to_i[:, :ne], w_to_i[:ne])
                out_i = torch.addmm(to_e[:, ne:] @ w_to_e[ne:], to_i[:, ne:], w_to_i[ne:])
            else:
                out_e, out_i = sf[:, :ne] @ w_all[:ne], sf[:, ne:] @ w_all[ne:]
            arrive = (t + dvals) % L                                      # slot of each delay
            pend_e.index_add_(1, arrive, out_e.view(B, nd, n))
            pend_i.index_add_(1, arrive, out_i.view(B, nd, n))
        spikes = spikes.transpose(0, 1).contiguous()                     # (B, T, N)
        if record:
            return {"spikes": spikes, **{k: v.transpose(0, 1) for k, v in trace.items()}}
        return spikes

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The readout's features of ``x`` (B, T, D): filtered liquid spike trains read at
        ``readout_times`` steps, (B, readout_times * N); simulated ``sim_batch`` at a time."""
        cfg = self.config
        steps = readout_steps(cfg.sample_shape[0], cfg.readout_times)
        decay = math.exp(-cfg.dt / cfg.tau_readout)
        path = resolve_path("auto", x.shape[0] * x.shape[1] * self.n_neurons, self.weight)
        out = [filtered_states(self.simulate(x[i:i + cfg.sim_batch], path=path), steps, decay)
               for i in range(0, len(x), cfg.sim_batch)]              # one path for all
        return torch.cat(out) if out else x.new_zeros(0, self.readout_weight.shape[0])

    # -- the readout -------------------------------------------------------------------------

    def _scores(self, h: torch.Tensor) -> torch.Tensor:
        return torch.addmm(self.readout_bias, h.to(self.readout_weight), self.readout_weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._checked(x)
        if not bool(self.fitted):
            raise NotFittedError("this liquid state machine's readout is not fitted yet; "
                                 "call fit(X, y) first")
        return self._scores(self.features(x))                          # (B, K)

    @torch.no_grad()
    def fit(self, X: torch.Tensor, y: torch.Tensor) -> LSM:
        """Simulate the liquid on ``X`` (B, T, D) and fit the ridge readout to labels ``y``."""
        y = self._check_fit(X, y)
        self._fit_readout(self.features(X), y)
        self.example.copy_(X[0])
        return self

    def _check_fit(self, X: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        """Check ``X`` and its labels ``y`` for a fit; return ``y``."""
        self._checked(X)
        if y is None:
            raise InputError("lsm needs class labels y to fit its readout, got None")
        check_labels(y, len(X), self.config.n_classes)
        if len(X) < 2 or len(torch.unique(y)) < 2:
            raise InputError(f"fitting a classifier needs at least two classes in y, got "
                             f"{len(torch.unique(y))} class(es) in {len(X)} samples")
        return y

    def _fit_readout(self, H: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Solve the ridge readout on features ``H`` (n, F); return the fitted scores."""
        W, b, alpha, _ = fit_ridge_readout(H, y.to(H.device), self.config.n_classes,
                                           self.config.alphas)
        self.readout_weight.copy_(W)
        self.readout_bias.copy_(b)
        self.alpha.fill_(alpha)
        self.fitted.fill_(True)
        return self._scores(H)

    def _metrics(self, scores: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        target = F.one_hot(y.long(), self.config.n_classes).to(scores)
        return {"loss": (scores - target).pow(2).mean(),                # ridge's squared error
                "accuracy": (scores.argmax(1) == y).float().mean()}

    @torch.no_grad()
    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """The closed-form rule on one batch: fit the readout to it; metrics on the batch."""
        x, y = batch
        y = self._check_fit(x, y)
        scores = self._fit_readout(self.features(x), y)
        self.example.copy_(x[0])
        return self._metrics(scores, y)

    @torch.no_grad()
    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x, y = batch
        if y is None:
            raise InputError("lsm evaluation needs class labels y, got None")
        return self._metrics(self(x), y)

    # -- pictures ---------------------------------------------------------------------------

    def visualize(self, out_dir: Path) -> list[Path]:
        """The spike raster of the liquid (E blue, I red) under the first training sample,
        above that sample's input raster."""
        res = self.simulate(self.example[None])
        return [plot_raster(self.example.cpu(), res[0].cpu(), self.inhibitory.cpu(),
                            self.config.dt, Path(out_dir) / "liquid_raster.png")]


__all__ = ["LSM", "LSMConfig", "PAIRS"]
