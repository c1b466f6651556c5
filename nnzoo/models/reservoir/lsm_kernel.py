"""The liquid state machine's simulation as one compiled loop (Numba), event-driven: the
same step as the torch path of :meth:`nnzoo.models.reservoir.lsm.LSM.simulate` (the math is
in :mod:`nnzoo.models.reservoir.lsm`'s docstring), in the same order of operations per neuron.

Where the torch path spends each step on some thirty tensor operations over the whole
(B, N) state, most of them tiny, and on dense products of the (mostly zero) spike vectors
with the weights, this loop visits each neuron once per step and only the outgoing
connections of the neurons that fired:

- per neuron: ``I_e <- a_e I_e + arrivals_e + W_in^T x_t``, ``I_i <- a_i I_i + arrivals_i``,
  ``V <- beta V + (1 - beta) R (I_b + I_e + I_i)``, the refractory hold, the threshold and
  reset, and the two dynamic synapses' ``u``, ``R`` (one per postsynaptic type);
- per spike of neuron ``a``: for each connection ``a -> b`` (the weight matrix as compressed
  rows), ``A u R`` (or ``A`` without dynamic synapses) is added to the pending arrivals of
  ``b``'s excitatory or inhibitory current ``delay(a, b)`` steps on (the same ring buffer);
- the input current likewise only for the input channels that carry a spike.

Only the sums' order differs from the torch path (its products add every presynaptic term,
zeros included, in BLAS order): in float64 the spikes are identical (tested), in float32 a
potential within an ulp of the threshold can flip a spike. The loop runs on the CPU, one
thread; it is compiled on the first call in a process (a few seconds) for each dtype.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

import numpy as np
import torch

from nnzoo.models.reservoir.lsm_blocks import StepConstants, step_constants

if TYPE_CHECKING:
    from nnzoo.models.reservoir.lsm import LSM

#: The simulation paths of :meth:`~nnzoo.models.reservoir.lsm.LSM.simulate`.
Path_ = Literal["auto", "torch", "numba"]
#: Neuron updates (B T N) from which the ``auto`` path is the compiled loop on the CPU: it is
#: compiled once per process (seconds), so a small simulation (a raster, a test) stays on
#: the torch path.
NUMBA_MIN_UPDATES = 1_000_000


def resolve_path(path: Path_, n_updates: int, weight: torch.Tensor) -> Path_:
    """The path a simulation of ``n_updates`` neuron updates takes: ``path`` itself unless it
    is ``auto``, then ``numba`` for at least :data:`NUMBA_MIN_UPDATES` updates of a liquid
    on the CPU (``weight`` its weight matrix) and ``torch`` otherwise."""
    if path != "auto":
        return path
    big = n_updates >= NUMBA_MIN_UPDATES
    return "numba" if big and weight.device.type == "cpu" else "torch"


@functools.cache
def _kernel() -> Callable[..., None]:
    """The compiled loop (Numba imported and the function jitted on first use)."""
    import numba

    return numba.njit(nogil=True)(_liquid_loop)


def _liquid_loop(x: np.ndarray, w_in: np.ndarray, indptr: np.ndarray, target: np.ndarray,
                 amp: np.ndarray, delay: np.ndarray, inh: np.ndarray, ne: int,
                 i_b: np.ndarray, v0: np.ndarray, ref_steps: np.ndarray, U: np.ndarray,
                 dec_f: np.ndarray, dec_d: np.ndarray, c: np.ndarray, L: int, dynamic: bool,
                 refractory: bool, record: bool, spikes: np.ndarray, rec_v: np.ndarray,
                 rec_ie: np.ndarray, rec_ii: np.ndarray) -> None:
    """The simulation loop (compiled by Numba; plain Python otherwise).

    :param x: input spikes (B, T, D).
    :param w_in: input weights (D, N).
    :param indptr: row pointers of the weights as compressed rows (N + 1,).
    :param target: postsynaptic neuron of each connection (nnz,).
    :param amp: signed amplitude of each connection (nnz,).
    :param delay: delay of each connection in steps (nnz,).
    :param inh: 1 for inhibitory neurons (N,); neurons ``< ne`` are excitatory.
    :param i_b: background currents (N,); ``v0``: initial potentials (N,).
    :param ref_steps: refractory period of each neuron in steps (N,).
    :param U: utilisation at rest, ``dec_f``, ``dec_d``: ``exp(-dt / F)``, ``exp(-dt / D)``,
        each (2, N) [postsynaptic type, presynaptic neuron].
    :param c: ``(beta, (1 - beta) R, a_e, a_i, v_thresh, v_reset)`` in the state's dtype.
    :param L: ring buffer length (the longest delay + 1).
    :param spikes: output spikes (B, T, N), written; ``rec_*`` the recorded traces
        (B, T, N) when ``record``.
    """
    B, T, D = x.shape
    N = i_b.shape[0]
    beta, gain, a_e, a_i, v_th, v_reset = c[0], c[1], c[2], c[3], c[4], c[5]
    zero, one = c[0] - c[0], c[0] / c[0]
    v = np.empty(N, i_b.dtype)
    i_e = np.empty(N, i_b.dtype)
    i_i = np.empty(N, i_b.dtype)
    cur = np.empty(N, i_b.dtype)
    refr = np.zeros(N, np.int64)
    u = np.empty((2, N), i_b.dtype)
    r = np.empty((2, N), i_b.dtype)
    eff = np.empty(2, i_b.dtype)
    pend_e = np.empty((L, N), i_b.dtype)
    pend_i = np.empty((L, N), i_b.dtype)
    for b in range(B):
        v[:] = v0
        i_e[:] = zero
        i_i[:] = zero
        refr[:] = 0
        u[:, :] = U
        r[:, :] = one
        pend_e[:, :] = zero
        pend_i[:, :] = zero
        for t in range(T):
            slot = t % L
            cur[:] = zero                                        # W_in^T x_t, spiking inputs
            for d in range(D):
                xd = x[b, t, d]
                if xd != zero:
                    for j in range(N):
                        cur[j] += xd * w_in[d, j]
            for j in range(N):
                ie = a_e * i_e[j] + pend_e[slot, j] + cur[j]      # currents decay + arrivals
                ii = a_i * i_i[j] + pend_i[slot, j]
                pend_e[slot, j] = zero
                pend_i[slot, j] = zero
                i_e[j] = ie
                i_i[j] = ii
                vj = beta * v[j] + gain * (i_b[j] + ie + ii)      # exact leaky step
                if refractory and refr[j] > 0:                   # held while refractory
                    vj = v_reset
                    refr[j] -= 1
                fired = vj > v_th
                if fired:
                    vj = v_reset                                 # reset
                    if refractory:
                        refr[j] += ref_steps[j]
                    spikes[b, t, j] = one
                v[j] = vj
                if record:
                    rec_v[b, t, j] = vj
                    rec_ie[b, t, j] = ie
                    rec_ii[b, t, j] = ii
                if dynamic:                                      # u, R of both synapse types
                    for p in range(2):
                        uu, rr = u[p, j], r[p, j]
                        if fired:
                            e = uu * rr                          # a spike transmits A u R
                            eff[p] = e
                            rr = (rr - e - one) * dec_d[p, j] + one
                            uu = (uu + U[p, j] * (one - uu) - U[p, j]) * dec_f[p, j] + U[p, j]
                        else:                                    # relax to R = 1, u = U
                            rr = (rr - one) * dec_d[p, j] + one
                            uu = (uu - U[p, j]) * dec_f[p, j] + U[p, j]
                        u[p, j], r[p, j] = uu, rr
                if fired:                                        # outgoing connections
                    for k in range(indptr[j], indptr[j + 1]):
                        q = target[k]
                        a = amp[k] * eff[inh[q]] if dynamic else amp[k]
                        s = (t + delay[k]) % L
                        if j < ne:
                            pend_e[s, q] += a
                        else:
                            pend_i[s, q] += a


def simulate_numba(model: LSM, x: torch.Tensor, record: bool = False
                   ) -> torch.Tensor | dict[str, torch.Tensor]:
    """:meth:`LSM.simulate` by the compiled loop (CPU tensors); same returns."""
    cfg = model.config
    w = model.weight.detach().cpu()
    dtype = w.dtype
    npd = np.float64 if dtype == torch.float64 else np.float32
    k: StepConstants = step_constants(cfg, model.inhibitory.cpu(), dtype, torch.device("cpu"))
    wn = w.numpy()
    pre, post = np.nonzero(wn)                                   # compressed rows, pre = row
    n = wn.shape[0]
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(pre, minlength=n), out=indptr[1:])
    delay = model.delay.cpu().numpy()[pre, post].astype(np.int64)
    L = int(delay.max()) + 1 if len(delay) else 2
    B, T, _ = x.shape
    xs = x.detach().cpu().to(dtype).contiguous().numpy()
    spikes = np.zeros((B, T, n), npd)
    rec = [np.empty((B, T, n) if record else (0, 0, 0), npd) for _ in range(3)]
    c = np.array([k.beta, k.gain, k.a_e, k.a_i, cfg.v_thresh, cfg.v_reset], npd)
    _kernel()(xs, model.input_weight.detach().cpu().to(dtype).contiguous().numpy(), indptr,
              post.astype(np.int64), wn[pre, post].astype(npd), delay,
              model.inhibitory.cpu().numpy().astype(np.int64), cfg.n_excitatory,
              model.i_background.detach().cpu().to(dtype).numpy(),
              model.v_init.detach().cpu().to(dtype).numpy(),
              k.ref_steps.cpu().numpy().astype(np.int64),
              k.U.cpu().numpy().astype(npd), k.dec_f.cpu().numpy().astype(npd),
              k.dec_d.cpu().numpy().astype(npd), c, L, cfg.dynamic_synapses,
              bool((k.ref_steps > 0).any()), record, spikes, *rec)
    dev = model.weight.device
    out = torch.from_numpy(spikes).to(dev)
    if record:
        return {"spikes": out, **{name: torch.from_numpy(a).to(dev)
                                  for name, a in zip(("v", "i_exc", "i_inh"), rec)}}
    return out


__all__ = ["NUMBA_MIN_UPDATES", "Path_", "resolve_path", "simulate_numba"]
