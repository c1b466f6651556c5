"""The building blocks of the liquid state machine (:mod:`nnzoo.models.reservoir.lsm`): the
liquid's construction (grid, connection probabilities, Gamma amplitudes), the dynamic synapse
step, and the readout (read-out steps, filtered states, the ridge fit). The math is in
:mod:`nnzoo.models.reservoir.lsm`'s docstring."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F

from nnzoo.core.linalg import ridge, ridge_loo

if TYPE_CHECKING:
    from nnzoo.models.reservoir.lsm import LSMConfig

# -- the liquid's construction ------------------------------------------------------------------

def grid_positions(grid: tuple[int, ...]) -> torch.Tensor:
    """Every point of the integer grid ``(nx, ny, nz)``, shape (N, 3) float, x fastest."""
    axes = [torch.arange(n, dtype=torch.float32) for n in grid]
    zz, yy, xx = torch.meshgrid(axes[2], axes[1], axes[0], indexing="ij")
    return torch.stack([xx, yy, zz], -1).reshape(-1, 3)


def pair_matrix(values: tuple[float, ...], inhibitory: torch.Tensor) -> torch.Tensor:
    """The (N, N) matrix of a per-type-pair value: ``M[a, b] = values[pair(a, b)]`` with the
    pairs in :data:`PAIRS` order (pre = row, post = column)."""
    v = torch.tensor(values, dtype=torch.float32).view(2, 2)           # [pre type, post type]
    t = inhibitory.long()                                              # 0 = E, 1 = I
    return v[t[:, None], t[None, :]]


def connection_probability(position: torch.Tensor, inhibitory: torch.Tensor,
                           conn_scale: tuple[float, ...], lam: float) -> torch.Tensor:
    """``P(a, b) = C(type a, type b) exp(-(D(a, b) / lambda)^2)`` for ``a != b``, 0 on the
    diagonal (no autapses); (N, N)."""
    d2 = torch.cdist(position.double(), position.double()).pow(2)      # D(a, b)^2
    p = pair_matrix(conn_scale, inhibitory).double() * torch.exp(-d2 / lam**2)
    return p.fill_diagonal_(0.0).float()


def gamma_amplitudes(mean: torch.Tensor, cv: float) -> torch.Tensor:
    """Gamma-distributed magnitudes with mean ``|mean|`` and standard deviation
    ``cv |mean|`` (shape ``1 / cv^2``), signed like ``mean``; ``cv = 0``: ``mean`` itself."""
    if cv == 0:
        return mean.clone()
    shape = torch.full_like(mean, 1.0 / cv**2)
    mag = torch.distributions.Gamma(shape, torch.ones_like(mean)).sample() * cv**2
    return mag * mean                                                   # E[mag] = 1


@dataclass(frozen=True)
class StepConstants:
    """The constants of one simulation step, shared by the torch and the compiled paths."""

    beta: float              #: membrane decay exp(-dt / tau_m)
    gain: float              #: (1 - beta) R
    a_e: float               #: excitatory current decay (0: one-step pulse)
    a_i: float               #: inhibitory current decay
    ref_steps: torch.Tensor  #: refractory period of each neuron in steps (N,)
    U: torch.Tensor          #: utilisation at rest (2, N) [post type, pre neuron]
    dec_f: torch.Tensor      #: exp(-dt / F) (2, N)
    dec_d: torch.Tensor      #: exp(-dt / D) (2, N)


def step_constants(cfg: LSMConfig, inhibitory: torch.Tensor, dtype: torch.dtype,
                   device: torch.device) -> StepConstants:
    """The step's constants for a liquid with these inhibitory flags (N,)."""
    beta = math.exp(-cfg.dt / cfg.tau_m)                               # membrane decay
    a_e = math.exp(-cfg.dt / cfg.tau_syn_exc) if cfg.tau_syn_exc > 0 else 0.0
    a_i = math.exp(-cfg.dt / cfg.tau_syn_inh) if cfg.tau_syn_inh > 0 else 0.0
    ref = torch.where(inhibitory, cfg.refractory[1], cfg.refractory[0])
    post = torch.arange(2, device=device)[:, None]                      # (2, 1) post type
    t_pre = inhibitory.long()[None, :]                                  # (1, N) pre type

    def per_pair(vals: tuple[float, ...]) -> torch.Tensor:
        return torch.tensor(vals, device=device, dtype=dtype).view(2, 2)[t_pre, post]

    return StepConstants(beta, (1 - beta) * cfg.r_in, a_e, a_i,
                         (ref / cfg.dt).round().to(dtype),
                         per_pair(cfg.stp_u),
                         torch.exp(-cfg.dt / (1000 * per_pair(cfg.stp_f))),  # F, D in seconds
                         torch.exp(-cfg.dt / (1000 * per_pair(cfg.stp_d))))


def stp_step(s: torch.Tensor, u: torch.Tensor, r: torch.Tensor, U: torch.Tensor,
             decay_f: torch.Tensor, decay_d: torch.Tensor
             ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One step of Markram-Tsodyks dynamic synapses.

    :param s: presynaptic spikes of this step, broadcastable against ``u``.
    :param u: utilisation just before this step.
    :param r: available resources just before this step.
    :param U: utilisation at rest.
    :param decay_f: ``exp(-dt / F)``.
    :param decay_d: ``exp(-dt / D)``.
    :returns: the transmitted efficacy ``s u R`` and ``(u, R)`` just before the next step.
    """
    eff = s * u * r                              # a spike transmits A u R
    r = (r - eff - 1) * decay_d + 1              # R <- R (1 - u), then recovers to 1
    u = (u + s * U * (1 - u) - U) * decay_f + U  # u <- u + U (1 - u), then relaxes to U
    return eff, u, r


# -- the readout ----------------------------------------------------------------------------------

def readout_steps(n_steps: int, n_times: int) -> torch.Tensor:
    """``n_times`` evenly spaced step indices ending at the last step: ``ceil(k T / n) - 1``."""
    k = torch.arange(1, n_times + 1, dtype=torch.float64)
    return (torch.ceil(k * n_steps / n_times) - 1).long()


def filtered_states(spikes: torch.Tensor, steps: torch.Tensor, decay: float) -> torch.Tensor:
    """Exponentially filtered spike trains ``r_t = decay r_{t-1} + s_t`` read at ``steps``.

    ``r_{t_k} = sum_{tau <= t_k} decay^(t_k - tau) s_tau``, one weighted sum per read-out step.

    :param spikes: (B, T, N).
    :param steps: (K,) step indices.
    :returns: (B, K * N) features, step-major.
    """
    T = spikes.shape[1]
    tau = torch.arange(T, device=spikes.device, dtype=spikes.dtype)
    lag = steps.to(spikes.device, spikes.dtype)[:, None] - tau[None, :]  # t_k - tau  (K, T)
    kern = torch.where(lag >= 0, decay ** lag.clamp_min(0), torch.zeros_like(lag))
    return torch.einsum("kt,btn->bkn", kern, spikes).flatten(1)


def sample_states(states: torch.Tensor, steps: torch.Tensor) -> torch.Tensor:
    """Analog reservoir states (B, T, N) read at ``steps``: (B, K * N), step-major (the same
    read-out positions for a reservoir whose states need no filtering, such as an ESN)."""
    return states[:, steps.to(states.device)].flatten(1)


def fit_ridge_readout(H: torch.Tensor, y: torch.Tensor, n_classes: int,
                      alphas: tuple[float, ...]
                      ) -> tuple[torch.Tensor, torch.Tensor, float, torch.Tensor]:
    """Ridge readout from features to one-hot classes, penalty by leave-one-out error.

    :param H: features (n, F).
    :param y: class labels (n,).
    :param n_classes: number of classes K.
    :param alphas: candidate penalties.
    :returns: weights (F, K), intercept (K,), the chosen alpha and the LOO mean squared error
        of every candidate (float64).
    """
    Y = F.one_hot(y.long(), n_classes).double()                         # (n, K)
    Hd = H.double()
    Hc, Yc = Hd - Hd.mean(0), Y - Y.mean(0)                             # centred: the intercept
    alpha, errs = ridge_loo(Hc, Yc, list(alphas))
    W, b = ridge(Hd, Y, alpha, intercept=True)                          # (F, K), (K,)
    return W, b, alpha, errs


__all__ = ["StepConstants", "connection_probability", "filtered_states", "fit_ridge_readout",
           "gamma_amplitudes", "grid_positions", "pair_matrix", "readout_steps", "sample_states",
           "step_constants", "stp_step"]
