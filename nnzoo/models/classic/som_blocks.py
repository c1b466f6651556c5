"""The building blocks of the self-organising map (:mod:`nnzoo.models.classic.som`): the
decay schedules, the map's geometry and neighbourhoods, the initial weights, and the two loops
of the online rule.

Speed: the online rule is sequential, one sample at a time, so its cost is the per-iteration
overhead. On the CPU it runs a NumPy loop over views of the weight buffer (it shares the
tensor's memory) with everything that does not depend on the weights computed before the
loop: the rate and radius of every iteration, the map distances between every pair of units,
the samples in visiting order, and work arrays reused every iteration. ``x - w`` is computed
once and serves both the winner search and the update. This is about twice as fast as the
same loop in torch ops for maps of 100-400 units (per-call overhead dominates) and than
MiniSom. On CUDA the same loop runs in torch ops (the winner index stays on the device). The
batch map is vectorised over samples and units (matrix products).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import torch

from nnzoo.core.errors import InputError

if TYPE_CHECKING:
    from nnzoo.models.classic.som import SOMConfig

#: sqrt(3)/2: the vertical spacing of hexagonal rows (MiniSom's ``Y_HEX_CONV_FACTOR``).
HEX_ROW = (3.0 / 2.0) / math.sqrt(3)


# -- schedules ----------------------------------------------------------------------------------

def _asymptotic(p: float, t: np.ndarray, T: int) -> np.ndarray:
    return p / (1 + t / (T / 2))                         # p / (1 + 2t/T): to p/3 at T


def _inverse_to_zero(p: float, t: np.ndarray, T: int) -> np.ndarray:
    C = T / 100.0
    return p * C / (C + t)                               # p C / (C + t)


def _linear_to_zero(p: float, t: np.ndarray, T: int) -> np.ndarray:
    return p * (1 - t / T)                               # p (1 - t/T)


def _exponential(p: float, t: np.ndarray, T: int) -> np.ndarray:
    return p * 0.01 ** (t / T)                           # p 0.01^(t/T): to 1 % at T


def _inverse_to_one(s: float, t: np.ndarray, T: int) -> np.ndarray:
    C = (s - 1) / T
    return s / (1 + (t * C))                             # s / (1 + t (s - 1)/T)


def _linear_to_one(s: float, t: np.ndarray, T: int) -> np.ndarray:
    return s + (t * (1 - s) / T)                         # s + t (1 - s)/T


def _exponential_to_one(s: float, t: np.ndarray, T: int) -> np.ndarray:
    return s ** (1 - t / T)                              # s exp(-t ln(s)/T): to 1 at T


RATE_DECAYS = {"asymptotic_decay": _asymptotic, "inverse_decay_to_zero": _inverse_to_zero,
               "linear_decay_to_zero": _linear_to_zero, "exponential_decay": _exponential}
SIGMA_DECAYS = {"asymptotic_decay": _asymptotic, "inverse_decay_to_one": _inverse_to_one,
                "linear_decay_to_one": _linear_to_one,
                "exponential_decay_to_one": _exponential_to_one}


def schedule(cfg: SOMConfig, t: np.ndarray, T: int) -> tuple[np.ndarray, np.ndarray]:
    """``(eta(t), sigma(t))`` for every step in ``t`` (float64 arrays) of a horizon ``T``."""
    t = np.asarray(t, dtype=np.float64)
    return (RATE_DECAYS[cfg.decay](cfg.learning_rate, t, T),
            SIGMA_DECAYS[cfg.sigma_decay](cfg.sigma, t, T))


def iteration_order(n: int, T: int, random: bool, generator: torch.Generator | None = None
                    ) -> np.ndarray:
    """MiniSom's visiting order: sample ``t mod n`` at step ``t``, shuffled when ``random``."""
    idx = np.arange(T) % n                                               # (T,)
    if random:
        idx = idx[torch.randperm(T, generator=generator).numpy()]
    return idx


# -- the map's geometry -------------------------------------------------------------------------

def grid_positions(map_size: tuple[int, ...], topology: str) -> torch.Tensor:
    """Plane positions of the units (U, 2) float64, unit ``k = i Y + j`` at row ``k``."""
    X, Y = map_size
    i, j = torch.meshgrid(torch.arange(X, dtype=torch.float64),
                          torch.arange(Y, dtype=torch.float64), indexing="ij")  # (X, Y)
    if topology == "hexagonal":
        shifted = ((Y - 1 - j) % 2 == 0).to(torch.float64)  # MiniSom: _xx[::-2] -= 0.5
        i = i - 0.5 * shifted
        j = j * HEX_ROW                                     # rows sqrt(3)/2 apart
    return torch.stack([i.reshape(-1), j.reshape(-1)], 1)


def wrapped(d: torch.Tensor, period: float, toroidal: bool) -> torch.Tensor:
    """``|d|``, or the shorter way round a circle of ``period`` when ``toroidal``."""
    d = d.abs()
    return torch.minimum(d, period - d) if toroidal else d


def grid_tables(cfg: SOMConfig) -> dict[str, torch.Tensor]:
    """Everything about the map that does not depend on the weights, for every unit pair.

    ``d2`` (U, U): squared plane distance (wrapped when toroidal); ``di``, ``dj`` (U, U): grid
    index distances along each axis (wrapped); ``adjacent`` (U, U) bool: the neighbours used
    by the topographic error and the U-matrix.
    """
    X, Y = cfg.map_size
    pos = grid_positions(cfg.map_size, cfg.topology)                     # (U, 2)
    height = Y * HEX_ROW if cfg.topology == "hexagonal" else float(Y)
    dx = wrapped(pos[:, None, 0] - pos[None, :, 0], float(X), cfg.toroidal)  # (U, U)
    dy = wrapped(pos[:, None, 1] - pos[None, :, 1], height, cfg.toroidal)
    d2 = dx * dx + dy * dy
    ij = torch.stack(torch.meshgrid(torch.arange(X), torch.arange(Y), indexing="ij"), -1
                     ).reshape(-1, 2).to(torch.float64)                  # (U, 2) grid indices
    di = wrapped(ij[:, None, 0] - ij[None, :, 0], float(X), cfg.toroidal)
    dj = wrapped(ij[:, None, 1] - ij[None, :, 1], float(Y), cfg.toroidal)
    off = ~torch.eye(len(pos), dtype=torch.bool)
    if cfg.topology == "hexagonal":
        adjacent = torch.isclose(d2, torch.ones_like(d2)) & off        # the 6 at distance 1
    elif cfg.rect_neighbours == 8:
        adjacent = (torch.maximum(di, dj) <= 1) & off                  # 8 around, diagonals
    else:
        adjacent = ((di + dj) <= 1) & off                               # 4 around
    return {"d2": d2, "di": di, "dj": dj, "adjacent": adjacent}


def neighbourhood(kind: str, c: torch.Tensor, d2: torch.Tensor, di: torch.Tensor,
                  dj: torch.Tensor, sigma: float) -> torch.Tensor:
    """``h(c, k; sigma)`` for winners ``c`` (any shape) and every unit ``k``: (*c.shape, U),
    from the tables of :func:`grid_tables` (only the rows the kind needs are gathered)."""
    if kind == "gaussian":
        return torch.exp(d2[c] * (-1 / (2 * sigma * sigma)))            # exp(-d^2 / 2s^2)
    if kind == "mexican_hat":
        d, r = 2 * sigma * sigma, d2[c]
        return torch.exp(-r / d) * (1 - 2 / d * r)                       # e^(-d^2/2s^2)(1-d^2/s^2)
    if kind == "bubble":
        return ((di[c] < sigma) & (dj[c] < sigma)).to(d2.dtype)          # 1 inside the square
    return (sigma - di[c]).clamp_min(0) * (sigma - dj[c]).clamp_min(0)  # triangle


# -- initial weights and the online rule -------------------------------------------------------

def random_unit_weights(n_units: int, n_features: int) -> torch.Tensor:
    """MiniSom's random initial weights: uniform in [-1, 1], each unit scaled to length 1."""
    w = torch.rand(n_units, n_features, dtype=torch.float64) * 2 - 1     # (U, D)
    return (w / w.norm(dim=1, keepdim=True)).float()


def pca_weights(v: torch.Tensor, map_size: tuple[int, ...]) -> torch.Tensor:
    """MiniSom's ``pca_weights_init``: ``w_ij = mean + a_i pc1 + b_j pc2`` with ``a``, ``b``
    evenly spaced in [-1, 1] and ``pc1``, ``pc2`` the unit eigenvectors of the covariance of
    the two largest eigenvalues (D >= 2)."""
    if v.shape[1] < 2:
        raise InputError(f"pca initialisation needs at least 2 features, got {v.shape[1]}")
    v = v.double()
    vals, vecs = torch.linalg.eigh(torch.cov(v.T))                       # ascending
    pc1, pc2 = vecs[:, -1], vecs[:, -2]
    X, Y = map_size
    a = torch.linspace(-1, 1, X, dtype=torch.float64, device=v.device)
    b = torch.linspace(-1, 1, Y, dtype=torch.float64, device=v.device)
    w = v.mean(0) + a[:, None, None] * pc1 + b[None, :, None] * pc2      # (X, Y, D)
    return w.reshape(X * Y, -1)


def online_torch(w: torch.Tensor, xs: torch.Tensor, eta: np.ndarray, sigma: np.ndarray,
                 tables: tuple[torch.Tensor, torch.Tensor, torch.Tensor], kind: str) -> None:
    """The online rule in torch ops (any device), one sample per iteration, on the weights
    ``w`` (U, D) in place: samples ``xs`` in visiting order with their rates ``eta`` and
    radii ``sigma``; ``tables`` the map distances ``d2``, ``di``, ``dj`` in ``w``'s dtype."""
    d2, di, dj = tables
    for x, e, s in zip(xs, eta.tolist(), sigma.tolist()):
        diff = x - w                                                 # x - w_k   (U, D)
        c = diff.square().sum(1).argmin().view(1)                    # winner (on device)
        h = neighbourhood(kind, c, d2, di, dj, s)[0]                 # h(c, k)   (U,)
        w.addcmul_(diff, (h * e)[:, None])                           # w += eta h (x - w)


def online_numpy(W: np.ndarray, xs: np.ndarray, eta: np.ndarray, sigma: np.ndarray,
                 tables: tuple[torch.Tensor, torch.Tensor, torch.Tensor], kind: str) -> None:
    """The online rule in NumPy on the CPU, on ``W`` in place: a view of the weight buffer
    (``weight.numpy()`` shares its memory). The same arithmetic as :func:`online_torch` (a
    test checks that they agree)."""
    xs = np.ascontiguousarray(xs, dtype=W.dtype)
    d2, di, dj = (t.cpu().numpy().astype(W.dtype) for t in tables)
    diff = np.empty_like(W)                                          # x - w    (U, D)
    dist = np.empty(len(W), W.dtype)                                 # |x - w|^2 (U,)
    h = np.empty(len(W), W.dtype)                                    # eta h    (U,)
    hcol = h[:, None]
    sub, mul, ein, exp = np.subtract, np.multiply, np.einsum, np.exp
    if kind == "gaussian":
        coef = (-1.0 / (2 * sigma * sigma)).tolist()                 # -1 / 2 sigma^2
        for x, e, c in zip(xs, eta.tolist(), coef):
            sub(x, W, out=diff)                                      # x - w_k
            ein("ij,ij->i", diff, diff, out=dist)                    # |x - w_k|^2
            mul(d2[dist.argmin()], c, out=h)                         # -d(c, k)^2 / 2s^2
            exp(h, out=h)
            h *= e                                                   # eta h(c, k)
            mul(diff, hcol, out=diff)
            W += diff                                                # w += eta h (x - w)
        return
    for x, e, s in zip(xs, eta.tolist(), sigma.tolist()):
        sub(x, W, out=diff)
        ein("ij,ij->i", diff, diff, out=dist)
        c = dist.argmin()
        if kind == "bubble":
            np.logical_and(di[c] < s, dj[c] < s, out=h, casting="unsafe")
        elif kind == "triangle":
            mul(np.maximum(s - di[c], 0), np.maximum(s - dj[c], 0), out=h)
        else:                                                        # mexican hat
            d = 2 * s * s
            mul(exp(-d2[c] / d), 1 - 2 / d * d2[c], out=h)
        h *= e
        mul(diff, hcol, out=diff)
        W += diff


def check_targets(y: torch.Tensor, n: int) -> None:
    """Check class indices ``y`` for ``n`` samples: a 1-D integer tensor of values >= 0."""
    if not isinstance(y, torch.Tensor):
        raise InputError(f"y must be a tensor of class indices, got {type(y).__name__}")
    if y.dim() != 1 or y.shape[0] != n:
        raise InputError(f"y must have shape ({n},) to match X, got {tuple(y.shape)}")
    if y.is_floating_point() or y.dtype == torch.bool:
        raise InputError(f"y must hold integer class labels, got dtype {y.dtype}")
    if n and int(y.min()) < 0:
        raise InputError(f"y must hold class indices >= 0, got {int(y.min())}")


__all__ = ["HEX_ROW", "RATE_DECAYS", "SIGMA_DECAYS", "check_targets", "grid_positions",
           "grid_tables", "iteration_order", "neighbourhood", "online_numpy", "online_torch",
           "pca_weights", "random_unit_weights", "schedule", "wrapped"]
