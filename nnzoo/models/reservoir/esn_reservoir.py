"""The reservoir of the echo state network (:mod:`nnzoo.models.reservoir.esn`): the leaky
recurrence, the random draws of ``W`` and ``W_in`` (reservoirpy's), and the scaling of ``W``
to a spectral radius. The math is in :mod:`nnzoo.models.reservoir.esn`'s docstring."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from nnzoo.core.errors import ConfigError
from nnzoo.core.linalg import spectral_radius

if TYPE_CHECKING:
    from nnzoo.models.reservoir.esn import ESNConfig

#: Smallest spectral radius of the drawn ``W`` that can be rescaled (below: all-zero or
#: nilpotent, e.g. connectivity 0 or a single unit without a self-connection).
MIN_RADIUS = 1e-8
#: Draws of a sparse ``W`` before giving up when each is nilpotent (small, sparse reservoirs).
REDRAWS = 20


def leaky_reservoir(drive: torch.Tensor, W: torch.Tensor, leak: float,
                    x0: torch.Tensor | None = None) -> torch.Tensor:
    """Run ``x(t) = (1 - a) x(t-1) + a tanh(drive(t) + W x(t-1))`` over time.

    :param drive: the input part of the pre-activation, ``W_in u(t) + b``, (B, T, N).
    :param W: recurrent weights (N, N).
    :param leak: the leak rate ``a``.
    :param x0: the state before the first step (B, N); zeros when None.
    :returns: the states (B, T, N).
    """
    B, T, N = drive.shape
    d = drive.transpose(0, 1).contiguous()                       # (T, B, N) time-major
    out = torch.empty(T, B, N, dtype=drive.dtype, device=drive.device)
    x = torch.zeros(B, N, dtype=drive.dtype, device=drive.device) if x0 is None else x0
    WT = W.T.contiguous()
    steps = zip(d.unbind(0), out.unbind(0))                      # views made once, not per step
    if leak == 1.0:                                              # no leak: x = h
        for d_t, o_t in steps:                                   # the recurrence
            x = torch.addmm(d_t, x, WT, out=o_t).tanh_()         # tanh(W_in u + b + W x)
    else:
        for d_t, o_t in steps:
            h = torch.addmm(d_t, x, WT).tanh_()                  # tanh(W_in u + b + W x)
            x = torch.lerp(x, h, leak, out=o_t)                  # (1 - a) x + a h
    return out.transpose(0, 1)                                   # (B, T, N)


def scale_to_radius(W: torch.Tensor, radius: float, what: str,
                    error: type[Exception] = ConfigError) -> torch.Tensor:
    """``W * radius / rho(W)`` with ``rho`` the spectral radius (true eigenvalues).

    :param W: a square matrix.
    :param radius: the wanted spectral radius.
    :param what: names the matrix in the error message.
    :param error: the error class raised when ``rho(W)`` is 0.
    :raises error: when ``W`` is all-zero or nilpotent (spectral radius 0): it cannot be
        scaled to any radius.
    """
    rho = spectral_radius(W)
    if rho < MIN_RADIUS:
        raise error(f"the reservoir cannot be scaled to spectral radius {radius}: its "
                    f"recurrent weights ({what}) have spectral radius {rho:.3g} (all-zero or "
                    "nilpotent); use more units or a higher connectivity")
    return W * (radius / rho)


def draw_recurrent(c: ESNConfig, N: int) -> torch.Tensor:
    """Sparse normal ``W`` (N, N) scaled to ``c.spectral_radius`` (reservoirpy's
    ``normal``), from torch's global generator."""
    k = round(c.connectivity * N * N)                        # non-zero entries
    for _ in range(REDRAWS):
        W = torch.zeros(N * N)
        W[torch.randperm(N * N)[:k]] = torch.randn(k)        # N(0, 1) at k positions
        W = W.view(N, N)
        if c.spectral_radius == 0:
            return W.zero_()                                 # no recurrence at all
        if k == 0 or spectral_radius(W) >= MIN_RADIUS:       # else nilpotent: draw again
            break
    return scale_to_radius(W, c.spectral_radius, f"n_units={N}, connectivity="
                                                  f"{c.connectivity}", ConfigError)


def draw_input(c: ESNConfig, N: int, D: int) -> torch.Tensor:
    """Sparse +-1 (or uniform) ``W_in`` (N, D) times ``c.input_scaling``, from torch's
    global generator."""
    k = max(1, round(c.input_connectivity * N * D))     # at least one connection
    if c.input_weights == "bernoulli":
        vals = torch.randint(0, 2, (k,)).float() * 2 - 1     # +-1 with p = 1/2
    else:
        vals = torch.rand(k) * 2 - 1                         # U(-1, 1)
    W_in = torch.zeros(N * D)
    W_in[torch.randperm(N * D)[:k]] = vals
    return W_in.view(N, D) * c.input_scaling


__all__ = ["MIN_RADIUS", "REDRAWS", "draw_input", "draw_recurrent", "leaky_reservoir",
           "scale_to_radius"]
