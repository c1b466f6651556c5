"""The reservoir of the echo state network (:mod:`nnzoo.models.reservoir.esn`): the leaky
recurrence, the random draws of ``W`` and ``W_in`` (reservoirpy's), and the scaling of ``W``
to a spectral radius. The math is in :mod:`nnzoo.models.reservoir.esn`'s docstring."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
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
#: Largest batch whose recurrence ``leaky_reservoir`` runs as a NumPy loop on the CPU: up to
#: 16 sequences of 200 units a step is dominated by per-call overhead, which NumPy keeps
#: lower than torch (measured: 1 sequence of 7,000 steps 0.06 s against 0.3 s; at 64
#: sequences torch's batched product is the faster).
NUMPY_MAX_BATCH = 16


def leaky_reservoir(drive: torch.Tensor, W: torch.Tensor, leak: float,
                    x0: torch.Tensor | None = None,
                    path: Literal["auto", "torch", "numpy"] = "auto") -> torch.Tensor:
    """Run ``x(t) = (1 - a) x(t-1) + a tanh(drive(t) + W x(t-1))`` over time.

    Two paths compute the same recurrence: torch ops (any device, autograd) and a NumPy loop
    (CPU). Each step of a small batch is a mat-vec of a few hundred units, where torch's
    per-op dispatch costs more than the arithmetic; NumPy's calls are cheaper, so ``auto``
    takes the NumPy loop for at most :data:`NUMPY_MAX_BATCH` sequences on the CPU without
    autograd, and torch otherwise. The two agree to rounding (the BLAS sums in another order).

    :param drive: the input part of the pre-activation, ``W_in u(t) + b``, (B, T, N).
    :param W: recurrent weights (N, N).
    :param leak: the leak rate ``a``.
    :param x0: the state before the first step (B, N); zeros when None.
    :param path: ``auto`` (see above), ``torch`` or ``numpy`` (CPU tensors only).
    :returns: the states (B, T, N).
    """
    if path == "auto":
        small = (drive.shape[0] <= NUMPY_MAX_BATCH and drive.device.type == "cpu"
                 and drive.dtype in (torch.float32, torch.float64))
        grad = torch.is_grad_enabled() and (drive.requires_grad or W.requires_grad or (
            x0 is not None and x0.requires_grad))
        path = "numpy" if small and not grad and W.device.type == "cpu" else "torch"
    if path == "numpy":
        return _numpy_reservoir(drive, W, leak, x0)
    return _torch_reservoir(drive, W, leak, x0)


def _torch_reservoir(drive: torch.Tensor, W: torch.Tensor, leak: float,
                     x0: torch.Tensor | None) -> torch.Tensor:
    """The recurrence in torch ops (the reference path); see :func:`leaky_reservoir`."""
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


def _numpy_reservoir(drive: torch.Tensor, W: torch.Tensor, leak: float,
                     x0: torch.Tensor | None) -> torch.Tensor:
    """The recurrence as a NumPy loop on CPU tensors, every step written in place into
    preallocated buffers (one BLAS mat-vec, one add, one tanh); see :func:`leaky_reservoir`."""
    B, T, N = drive.shape
    dt_ = drive.dtype
    d = drive.detach().transpose(0, 1).contiguous().numpy()      # (T, B, N) time-major
    out = np.empty_like(d)
    x = np.zeros((B, N), d.dtype) if x0 is None else x0.detach().to(dt_).numpy().copy()
    Wn = W.detach().to(dt_).contiguous().numpy()                 # (N, N)
    if B == 1:                                                   # mat-vec: W x (BLAS gemv)
        x, d, out_steps = x[0], d[:, 0], out[:, 0]
        buf = np.empty(N, d.dtype)

        def recur(x: np.ndarray) -> None:
            np.dot(Wn, x, out=buf)
    else:                                                        # x W^T for a small batch
        WT = np.ascontiguousarray(Wn.T)
        out_steps = out
        buf = np.empty((B, N), d.dtype)

        def recur(x: np.ndarray) -> None:
            np.dot(x, WT, out=buf)
    for t in range(T):
        recur(x)                                                 # W x(t-1)
        buf += d[t]                                              # + W_in u(t) + b
        if leak == 1.0:
            x = np.tanh(buf, out=out_steps[t])                   # no leak: x = h
        else:
            np.tanh(buf, out=buf)                                # h
            buf -= x                                             # x + a (h - x)
            buf *= leak
            x = np.add(x, buf, out=out_steps[t])
    return torch.from_numpy(out).transpose(0, 1)                 # (B, T, N)


def scale_to_radius(W: torch.Tensor, radius: float, what: str,
                    error: type[Exception] = ConfigError, rho: float | None = None
                    ) -> torch.Tensor:
    """``W * radius / rho(W)`` with ``rho`` the spectral radius (true eigenvalues).

    :param W: a square matrix.
    :param radius: the wanted spectral radius.
    :param what: names the matrix in the error message.
    :param error: the error class raised when ``rho(W)`` is 0.
    :param rho: ``W``'s spectral radius when the caller has computed it already.
    :raises error: when ``W`` is all-zero or nilpotent (spectral radius 0): it cannot be
        scaled to any radius.
    """
    rho = spectral_radius(W) if rho is None else rho
    if rho < MIN_RADIUS:
        raise error(f"the reservoir cannot be scaled to spectral radius {radius}: its "
                    f"recurrent weights ({what}) have spectral radius {rho:.3g} (all-zero or "
                    "nilpotent); use more units or a higher connectivity")
    return W * (radius / rho)


def draw_recurrent(c: ESNConfig, N: int) -> torch.Tensor:
    """Sparse normal ``W`` (N, N) scaled to ``c.spectral_radius`` (reservoirpy's
    ``normal``), from torch's global generator."""
    k = round(c.connectivity * N * N)                        # non-zero entries
    rho = 0.0
    for _ in range(REDRAWS):
        W = torch.zeros(N * N)
        W[torch.randperm(N * N)[:k]] = torch.randn(k)        # N(0, 1) at k positions
        W = W.view(N, N)
        if c.spectral_radius == 0:
            return W.zero_()                                 # no recurrence at all
        if k == 0:
            break
        rho = spectral_radius(W)                             # computed once per draw
        if rho >= MIN_RADIUS:                                # else nilpotent: draw again
            break
    return scale_to_radius(W, c.spectral_radius, f"n_units={N}, connectivity="
                                                  f"{c.connectivity}", ConfigError, rho)


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


__all__ = ["MIN_RADIUS", "NUMPY_MAX_BATCH", "REDRAWS", "draw_input", "draw_recurrent",
           "leaky_reservoir", "scale_to_radius"]
