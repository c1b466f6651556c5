"""The partition function log Z of a restricted Boltzmann machine: exact enumeration for small
machines, and annealed importance sampling for the others (the math is in the docstring of
:mod:`nnzoo.models.energy.rbm`)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from nnzoo.models.energy.units import all_states


def exact_log_partition(weight: torch.Tensor, vbias: torch.Tensor, hbias: torch.Tensor,
                        gaussian: bool) -> torch.Tensor:
    """log Z of the RBM with weights ``weight`` (H, D) and biases ``vbias`` (D), ``hbias``
    (H), by exact enumeration of 2^min(D, H) states (Gaussian visible units: of the hidden
    states, with the Gaussian integral done in closed form), in float64."""
    w, b, c = weight.double(), vbias.double(), hbias.double()
    h, d = weight.shape
    if gaussian:
        hs = all_states(h, w.device, torch.float64)                 # (2^H, H)
        m = hs @ w                                                  # W^T h     (2^H, D)
        # int exp(-|v-b|^2/2 + v.W^T h) dv = (2 pi)^(D/2) exp(b.W^T h + |W^T h|^2 / 2)
        log_terms = hs @ c + m @ b + 0.5 * m.pow(2).sum(1)
        return torch.logsumexp(log_terms, 0) + 0.5 * d * math.log(2 * math.pi)
    if h <= d:                                                      # sum over h
        hs = all_states(h, w.device, torch.float64)
        return torch.logsumexp(hs @ c + F.softplus(torch.addmm(b, hs, w)).sum(1), 0)
    vs = all_states(d, w.device, torch.float64)                     # sum over v
    return torch.logsumexp(vs @ b + F.softplus(torch.addmm(c, vs, w.T)).sum(1), 0)


def ais_log_partition(weight: torch.Tensor, vbias: torch.Tensor, hbias: torch.Tensor,
                      gaussian: bool, n_runs: int, n_betas: int,
                      base_vbias: torch.Tensor | None, generator: torch.Generator | None
                      ) -> tuple[float, float]:
    """log Z of the RBM by annealed importance sampling (Salakhutdinov & Murray 2008; the
    math is in :mod:`nnzoo.models.energy.rbm`): (estimate, its standard error).

    :param n_runs: independent annealing runs (vectorised).
    :param n_betas: intermediate distributions, beta evenly spaced in [0, 1].
    :param base_vbias: the base model's visible bias b_A (Bernoulli; None: 0).
    :param generator: the draws' generator (None: torch's global one).
    """
    dev = weight.device
    w, b, c = weight.double(), vbias.double(), hbias.double()
    h, d = weight.shape
    ba = torch.zeros(d, dtype=torch.float64, device=dev) if base_vbias is None \
        else base_vbias.to(dev, torch.float64)

    def rand(*shape: int) -> torch.Tensor:
        return torch.rand(*shape, generator=generator, dtype=torch.float64).to(dev)

    def log_p(v: torch.Tensor, beta: float) -> torch.Tensor:     # log p*_beta(v)  (R,)
        soft = F.softplus(beta * torch.addmm(c, v, w.T)).sum(1)
        if gaussian:
            return -0.5 * (v - b).pow(2).sum(1) + soft
        return (1 - beta) * (v @ ba) + beta * (v @ b) + soft

    if gaussian:                                           # exact sample of N(b, I)
        v = b + torch.randn(n_runs, d, generator=generator, dtype=torch.float64).to(dev)
        log_za = h * math.log(2) + 0.5 * d * math.log(2 * math.pi)
    else:
        v = (rand(n_runs, d) < torch.sigmoid(ba)).double()
        log_za = h * math.log(2) + float(F.softplus(ba).sum())
    betas = torch.linspace(0, 1, n_betas + 1).tolist()
    logw = torch.zeros(n_runs, dtype=torch.float64, device=dev)
    for k in range(1, n_betas + 1):
        beta = betas[k]
        logw += log_p(v, beta) - log_p(v, betas[k - 1])
        if k < n_betas:                                         # Gibbs step at beta_k
            hp = torch.sigmoid(beta * torch.addmm(c, v, w.T))
            hs = (rand(n_runs, h) < hp).double()
            mean = (1 - beta) * ba + beta * torch.addmm(b, hs, w) if not gaussian \
                else b + beta * (hs @ w)
            v = mean + torch.randn(n_runs, d, generator=generator, dtype=torch.float64
                                   ).to(dev) if gaussian \
                else (rand(n_runs, d) < torch.sigmoid(mean)).double()
    log_mean = torch.logsumexp(logw, 0) - math.log(n_runs)      # log mean(w)
    rel = torch.exp(logw - log_mean)                            # w / mean(w)
    stderr = float(rel.std() / math.sqrt(n_runs)) if n_runs > 1 else float("inf")
    return float(log_za + log_mean), stderr


__all__ = ["ais_log_partition", "exact_log_partition"]
