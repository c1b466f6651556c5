"""Benchmarks of the liquid state machine.

- ``spike-templates`` (quality): the ``lsm/spike-templates`` liquid (135 LIF neurons, dynamic
  synapses, delays) beside an echo state network of the same size (nnzoo's ``esn``, its
  defaults with ``n_units = 135`` and the LSM's input connectivity 0.3) on the generated
  spike-template task, both read out the SAME way: the reservoir's state trajectories
  (spikes for the LSM, analog states for the ESN) are filtered by the same exponential filter
  (``tau_readout`` = 30 ms), read at the same 4 steps and mapped to classes by the same ridge
  regression, its penalty chosen from the same grid by the leave-one-out error on the
  training split. The peer column holds the ESN; ``extra`` holds the ESN read without the
  filter, the ESN's own readout (time-averaged states) and the same readout applied to the
  input spike trains alone (what any reservoir must beat). Time: fit time (simulate the
  training split, solve the readout).
- ``throughput`` (speed): the LSM's simulation beside snnTorch simulating the same network:
  the same 135 neurons, weight matrix, input synapses, background currents, initial
  potentials, LIF constants and input spikes, for the same number of steps. snnTorch's
  ``snn.Leaky`` has no refractory period, delay or synaptic current, so the network is the
  LSM with ``refractory = 0``, ``delays = false``, ``dynamic_synapses = false``,
  ``tau_syn = 0`` and ``v_reset = 0`` (snnTorch resets to zero); its membrane update
  ``mem <- beta mem + (1 - beta) R (I_b + W^T s_{t-1} + W_in^T x_t)`` is then the LSM's step
  exactly. Quality: neuron updates per second (B * T * N / seconds), nnzoo vs snnTorch;
  ``extra`` has the fraction of identical spikes (float32 rounding of differently ordered
  sums can flip a spike that lands within an ulp of the threshold). This row measures plain
  LIF neurons without delays or dynamic synapses, not the LSM as its recipes run it; its
  budget text says so.
- ``throughput-full-lsm`` (speed): the full LSM step (delays, dynamic synapses, refractory
  period, synaptic currents: the ``lsm`` defaults) on the same grid, weights' distribution
  and input spikes, beside the same snnTorch simulation of the plain LIF network (snnTorch's
  ``Leaky`` has none of those features, so the two sides do not do the same work: the row
  shows what the full model costs against the peer's plain one, with the ratio).
- Full tier: the same three rows with 2,000 training samples, and a 1,000-neuron liquid
  (10x10x10) for the throughputs.

Both sides of each row run single-threaded, the median of 3 runs timed after one untimed
warm-up run of the same call (for nnzoo's LSM, whose large simulations run the compiled loop
of :mod:`nnzoo.models.reservoir.lsm_kernel`, that includes its compilation); the throughput
rows alternate the two sides' timed runs in ABBA order, so that a slow spell of a shared
machine falls on both alike.
"""

from __future__ import annotations

import math
import statistics
from typing import Any

import torch

from nnzoo.bench.arrays import targets
from nnzoo.bench.runner import BenchResult, bench_task, one_thread, peer_run, timed
from nnzoo.core.config import build_config
from nnzoo.models.reservoir.esn import EchoStateNetwork, ESNConfig
from nnzoo.models.reservoir.lsm import LSM, LSMConfig

#: Settings under which the LSM's step is exactly snnTorch's ``Leaky`` step.
SNNTORCH_COMPATIBLE: dict[str, Any] = {
    "refractory": (0.0, 0.0), "delays": False, "dynamic_synapses": False,
    "tau_syn_exc": 0.0, "tau_syn_inh": 0.0, "v_reset": 0.0,
}


def simulate_snntorch(model: Any, x: torch.Tensor) -> torch.Tensor:
    """The LSM's network simulated by snnTorch: ``snn.Leaky`` neurons (reset to zero) driven
    each step by ``(1 - beta) R (I_b + W^T s_{t-1} + W_in^T x_t)`` through two ``nn.Linear``
    layers holding the model's weights; spikes (B, T, N).

    Equal to :meth:`LSM.simulate` when the model has the :data:`SNNTORCH_COMPATIBLE` settings
    (up to the rounding of the differently ordered sums).
    """
    import snntorch as snn
    from torch import nn

    cfg = model.config
    B, T, D = x.shape
    n = model.n_neurons
    dtype = model.weight.dtype
    beta = math.exp(-cfg.dt / cfg.tau_m)
    gain = (1 - beta) * cfg.r_in
    fc_rec = nn.Linear(n, n, bias=True).to(model.weight.device, dtype)
    fc_in = nn.Linear(D, n, bias=False).to(model.weight.device, dtype)
    with torch.no_grad():
        fc_rec.weight.copy_(model.weight.T)                              # W^T s + I_b
        fc_rec.bias.copy_(model.i_background)
        fc_in.weight.copy_(model.input_weight.T)
    lif = snn.Leaky(beta=beta, threshold=cfg.v_thresh, reset_mechanism="zero")
    x = x.to(model.weight.device, dtype)
    with torch.no_grad():
        mem = model.v_init.expand(B, n).clone()
        spk = torch.zeros(B, n, dtype=dtype, device=x.device)
        out = torch.empty(T, B, n, dtype=dtype, device=x.device)
        for t in range(T):
            cur = gain * (fc_rec(spk) + fc_in(x[:, t]))
            spk, mem = lif(cur, mem)
            spk = spk.to(dtype)                                          # snnTorch: float32
            out[t] = spk
    return out.transpose(0, 1)


def _esn(T: int, D: int, K: int, n_units: int) -> EchoStateNetwork:
    """The ESN the LSM is compared with: as many units, sparse input."""
    cfg = build_config(ESNConfig, {"sample_shape": (T, D), "n_classes": K, "n_units": n_units,
                                   "input_connectivity": 0.3}, what="esn")
    return EchoStateNetwork(cfg)


def _readout_accuracy(Str: torch.Tensor, ytr: torch.Tensor, Ste: torch.Tensor,
                      yte: torch.Tensor, K: int, steps: torch.Tensor, decay: float | None,
                      alphas: tuple[float, ...]) -> tuple[float, float]:
    """Test accuracy and chosen alpha of the LSM's readout on state trajectories (B, T, N):
    filtered by ``decay`` (None: read as they are), read at ``steps``, LOO ridge."""
    from nnzoo.models.reservoir.lsm_blocks import filtered_states, fit_ridge_readout, sample_states

    def feats(S: torch.Tensor) -> torch.Tensor:
        return sample_states(S, steps) if decay is None else filtered_states(S, steps, decay)

    W, b, alpha, _ = fit_ridge_readout(feats(Str), ytr, K, alphas)
    pred = (feats(Ste).double() @ W + b).argmax(1)
    return float((pred == yte).float().mean()), alpha


def _templates_row(tier: str, n: int, repeats: int) -> BenchResult:
    from nnzoo.data import load_dataset
    from nnzoo.models.reservoir.lsm_blocks import filtered_states, fit_ridge_readout, readout_steps
    from nnzoo.recipes import get_recipe

    s = load_dataset("spike-templates", n=n)
    (T, D), K = s.sample_shape, int(s.n_classes or 0)
    Xtr, ytr, Xte, yte = s.train.X, targets(s), s.test.X, targets(s, "test")
    hp, _ = get_recipe("lsm").resolve()
    torch.manual_seed(0)
    lsm = LSM(build_config(LSMConfig, {**hp, "sample_shape": (T, D), "n_classes": K},
                           what="lsm"))
    cfg = lsm.config
    steps = readout_steps(T, cfg.readout_times)
    decay = math.exp(-cfg.dt / cfg.tau_readout)
    torch.manual_seed(0)
    esn = _esn(T, D, K, lsm.n_neurons)
    extra: dict[str, Any] = {}
    def esn_fit() -> Any:                            # the ESN doing the same work: states,
        return fit_ridge_readout(filtered_states(   # then the LSM's readout
            esn.states(Xtr), steps, decay), ytr, K, cfg.alphas)

    with one_thread():
        lsm.fit(Xtr, ytr)                           # warm-up (the compiled loop's compile
        esn_fit()                                   # included), timed by neither
        t_lsm, t_esn = [], []
        for _ in range(repeats):
            t_lsm.append(timed(lambda: lsm.fit(Xtr, ytr))[1])
            t_esn.append(timed(esn_fit)[1])
        acc_lsm = float((lsm(Xte).argmax(1) == yte).float().mean())
        extra["lsm_alpha"] = float(lsm.alpha)
        extra["lsm_rate_hz"] = float(lsm.simulate(Xte[:100]).mean()) * 1000 / cfg.dt
        acc_in, _ = _readout_accuracy(Xtr, ytr, Xte, yte, K, steps, decay, cfg.alphas)
        extra["input_only_accuracy"] = acc_in
        Str, Ste = esn.states(Xtr), esn.states(Xte)
        acc_esn, extra["esn_alpha"] = _readout_accuracy(Str, ytr, Ste, yte, K, steps,
                                                        decay, cfg.alphas)
        extra["esn_unfiltered_accuracy"] = _readout_accuracy(
            Str, ytr, Ste, yte, K, steps, None, cfg.alphas)[0]
        esn.fit(Xtr, ytr)
        extra["esn_own_readout_accuracy"] = float((esn.predict(Xte) == yte).float().mean())
    return BenchResult(
        "lsm", tier, "spike-templates", "accuracy", True,
        "nnzoo ESN (same size, same readout)", acc_lsm, acc_esn,
        statistics.median(t_lsm), statistics.median(t_esn),
        f"fit time: simulate {len(Xtr)} samples + ridge readout (median of {repeats})",
        f"{lsm.n_neurons} neurons / units, {K} classes, T={T} steps, D={D} channels; readout: "
        f"30 ms exponential filter, {cfg.readout_times} read-out steps, LOO ridge over "
        f"{len(cfg.alphas)} penalties; both single-threaded",
        notes=("test accuracy; both reservoirs read by the identical readout; extra: "
               "input-only readout, ESN without the filter, ESN's own mean-pooled readout"),
        extra=extra)


def _throughput_row(tier: str, grid: tuple[int, int, int], B: int, T: int, repeats: int,
                    full_lsm: bool = False) -> BenchResult:
    """Neuron updates per second: nnzoo's plain LIF network (``full_lsm=False``) or its full
    LSM step (``True``) beside snnTorch simulating the plain LIF network (see above)."""
    D = 4
    torch.manual_seed(0)
    plain = LSM(build_config(LSMConfig, {"sample_shape": (T, D), "n_classes": 2, "grid": grid,
                                         **SNNTORCH_COMPATIBLE}, what="lsm"))
    torch.manual_seed(0)
    model = LSM(build_config(LSMConfig, {"sample_shape": (T, D), "n_classes": 2, "grid": grid},
                             what="lsm")) if full_lsm else plain
    g = torch.Generator().manual_seed(0)
    x = (torch.rand(B, T, D, generator=g) < 0.02).float()               # 20 Hz Poisson input
    n = model.n_neurons
    updates = B * T * n
    with one_thread():
        model.simulate(x)                           # warm-up (the compiled loop's compile
        run = peer_run(lambda: simulate_snntorch(plain, x))   # included), timed by neither
        t_ours: list[float] = []
        t_peer: list[float] = []
        peer = None
        for i in range(repeats):                    # ABBA: a slow spell falls on both sides
            for side in ("ours", "peer") if i % 2 == 0 else ("peer", "ours"):
                if side == "ours":
                    ours, t = timed(lambda: model.simulate(x))
                    t_ours.append(t)
                elif run.ok:
                    peer, t = timed(lambda: simulate_snntorch(plain, x))
                    t_peer.append(t)
        sub = x[:16]                                # the compiled loop against the torch one
        torch_agree = float((model.simulate(sub, path="numba")
                             == model.simulate(sub, path="torch")).float().mean())
    extra: dict[str, Any] = {"neurons": n, "batch": B, "steps": T, "nnzoo_times": t_ours,
                             "mean_rate_hz": float(ours.mean()) * 1000,
                             "compiled_vs_torch_path_identical_spike_fraction": torch_agree}
    ups_ours = updates / statistics.median(t_ours)
    ups_peer = None
    if peer is not None:
        extra["peer_times"] = t_peer
        ups_peer = updates / statistics.median(t_peer)
        extra["ratio_nnzoo_over_snntorch"] = ups_ours / ups_peer
        if not full_lsm:
            extra["identical_spike_fraction"] = float((ours == peer).float().mean())
    shape = "x".join(map(str, grid))
    if full_lsm:
        task = f"throughput-full-lsm-{n}"
        budget = (f"{n} neurons ({shape}), same input spikes; nnzoo: the full LSM step "
                  "(synaptic delays, dynamic synapses, refractory period, synaptic currents), "
                  "snnTorch: snn.Leaky on the plain LIF network (it has none of these), so "
                  "not the same work; float32, single-threaded")
        notes = ("neuron updates per second = B*T*N / simulation time; the cost of nnzoo's "
                 "full LSM against the peer's plain LIF network")
    else:
        task = f"throughput-{n}"
        budget = (f"plain LIF network without delays, dynamic synapses, refractory period or "
                  f"synaptic currents (not the full LSM: see throughput-full-lsm) against "
                  f"snnTorch's snn.Leaky: {n} neurons ({shape}), same weights and input "
                  "spikes; float32, single-threaded")
        notes = ("neuron updates per second = B*T*N / simulation time; extra: spike "
                 "agreement")
    notes += (f"; nnzoo runs its compiled event-driven loop (Numba, compiled in the untimed "
              f"warm-up), which gives the same spikes as its torch loop on {torch_agree:.2%} "
              f"of the first 16 samples' neuron-steps")
    return BenchResult(
        "lsm", tier, task, "neuron updates/s", True, "snnTorch snn.Leaky", ups_ours, ups_peer,
        statistics.median(t_ours), statistics.median(t_peer) if t_peer else None,
        f"simulate {B} x {T} steps of {n} neurons (median of {repeats})", budget,
        notes=notes, extra=extra, status=run.status)


@bench_task("lsm", "quick", "spike-templates")
def lsm_templates(quiet: bool) -> BenchResult:
    return _templates_row("quick", n=1000, repeats=1)


@bench_task("lsm", "quick", "throughput")
def lsm_throughput(quiet: bool) -> BenchResult:
    return _throughput_row("quick", (15, 3, 3), B=256, T=300, repeats=3)


@bench_task("lsm", "quick", "throughput-full-lsm")
def lsm_throughput_full_lsm(quiet: bool) -> BenchResult:
    return _throughput_row("quick", (15, 3, 3), B=256, T=300, repeats=3, full_lsm=True)


@bench_task("lsm", "full", "spike-templates")
def lsm_templates_full(quiet: bool) -> BenchResult:
    return _templates_row("full", n=2000, repeats=3)


@bench_task("lsm", "full", "throughput")
def lsm_throughput_full(quiet: bool) -> BenchResult:
    return _throughput_row("full", (10, 10, 10), B=64, T=500, repeats=3)


@bench_task("lsm", "full", "throughput-full-lsm")
def lsm_throughput_full_lsm_full(quiet: bool) -> BenchResult:
    return _throughput_row("full", (10, 10, 10), B=64, T=500, repeats=3, full_lsm=True)
