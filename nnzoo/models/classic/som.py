"""Kohonen's self-organising map: online and batch training, U-matrix, BMU-label classifier.

Paper: T. Kohonen, "Self-organized formation of topologically correct feature maps",
Biological Cybernetics 43(1), 1982, https://doi.org/10.1007/BF00337288. Batch map:
T. Kohonen, "Essentials of the self-organizing map", Neural Networks 37, 2013,
https://doi.org/10.1016/j.neunet.2012.09.018. Topographic error: K. Kiviluoto, "Topology
preservation in self-organizing maps", ICNN 1996. U-matrix: A. Ultsch, H. P. Siemon,
"Kohonen's self organizing feature maps for exploratory data analysis", INNC 1990.

Reference implementation: MiniSom (G. Vettigli), https://github.com/JustGlowing/minisom. The
grid coordinates, neighbourhood functions, decay functions and the online schedule follow
MiniSom exactly, so that with the same initial weights and sample order the online map equals
MiniSom's (a test checks it to 1e-5).

The map. ``U = X * Y`` units on a grid of ``map_size = (X, Y)``; unit ``(i, j)`` (``i < X``,
``j < Y``) has flat index ``k = i * Y + j`` (row-major, as MiniSom's ``(x, y, D)`` weights) and
a weight vector ``w_k`` (D). Its position on the plane:

- rectangular: ``(i, j)``;
- hexagonal (MiniSom's offset coordinates): ``(i - 0.5 [Y - 1 - j even], j * sqrt(3) / 2)``;
  the six nearest units are at distance 1.
- toroidal: differences wrap around, ``dx = min(|dx|, X)``-style: ``min(|dx|, X - |dx|)``
  and ``min(|dy|, H - |dy|)`` with ``H = Y`` (rectangular) or ``Y sqrt(3)/2`` (hexagonal, which
  needs an even ``Y`` for the offset rows to tile).

Neighbourhood ``h(c, k; sigma)`` of unit ``k`` around the winner ``c`` (MiniSom's):

- gaussian: ``exp(-|p_k - p_c|^2 / (2 sigma^2))`` on plane positions;
- mexican hat: ``exp(-d / (2 sigma^2)) (1 - d / sigma^2)`` with ``d = |p_k - p_c|^2``;
- bubble: ``1`` when ``|i_k - i_c| < sigma`` and ``|j_k - j_c| < sigma`` (grid indices);
- triangle: ``max(0, sigma - |i_k - i_c|) max(0, sigma - |j_k - j_c|)`` (grid indices).

Decay at iteration ``t`` of ``T`` (MiniSom's ``decay_function`` / ``sigma_decay_function``):
``asymptotic_decay`` ``p / (1 + 2 t / T)`` (to a third), ``inverse_decay_to_zero``
``p C / (C + t)`` with ``C = T / 100``, ``linear_decay_to_zero`` ``p (1 - t / T)``,
``inverse_decay_to_one`` ``sigma / (1 + t (sigma - 1) / T)``, ``linear_decay_to_one``
``sigma + t (1 - sigma) / T``; and two of nnzoo's: ``exponential_decay`` ``p 0.01^(t / T)``
(to 1 %) and ``exponential_decay_to_one`` ``sigma^(1 - t / T)`` (Kohonen's ``sigma_0
exp(-t / lambda)`` with ``lambda = T / ln sigma_0``, which reaches 1 at ``T``).

Online rule (Kohonen 1982), one sample ``x`` per iteration ``t``:
``c = argmin_k |x - w_k|``, ``w_k <- w_k + eta(t) h(c, k; sigma(t)) (x - w_k)``.
Samples are visited in MiniSom's order: ``arange(T) % N``, shuffled when ``order = random``.

Batch map (Kohonen 2013), one epoch ``e`` over all ``N`` samples at once:
``c_n = argmin_k |x_n - w_k|``, ``w_k <- sum_n h(c_n, k) x_n / sum_n h(c_n, k)`` (units with
zero weight keep their vector). ``batch_blend`` gives MiniSom's ``train_batch_offline``
instead: ``w_k <- (1 - eta(e)) w_k + eta(e) mean_k``.

Quality: quantisation error ``mean_n |x_n - w_c(n)|``; topographic error, the share of samples
whose best and second-best units are not adjacent (rectangular: 8 neighbours, as MiniSom, or
4; hexagonal: 6); the U-matrix, each unit's summed (or mean) distance to its adjacent units
over the largest such value.

Classification by BMU labels: each unit takes the majority class of the training samples it
wins (ties: the smallest class index); a unit that wins none takes the label of the nearest
labelled unit on the map (the map distance above; ties: the lowest unit index);
``predict(x)`` is the label of ``x``'s best-matching unit.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin

from nnzoo.core import plots
from nnzoo.core.config import require
from nnzoo.core.errors import ConfigError, InputError, NotFittedError
from nnzoo.core.validation import as_tensor, check_input
from nnzoo.models.base import Batch, ZooModule
from nnzoo.models.registry import register

Topology = Literal["rectangular", "hexagonal"]
Neighborhood = Literal["gaussian", "mexican_hat", "bubble", "triangle"]
RateDecay = Literal["asymptotic_decay", "inverse_decay_to_zero", "linear_decay_to_zero",
                    "exponential_decay"]
SigmaDecay = Literal["asymptotic_decay", "inverse_decay_to_one", "linear_decay_to_one",
                     "exponential_decay_to_one"]

#: sqrt(3)/2: the vertical spacing of hexagonal rows (MiniSom's ``Y_HEX_CONV_FACTOR``).
HEX_ROW = (3.0 / 2.0) / math.sqrt(3)
#: Samples per chunk when a whole data set is mapped (bounds the (chunk, U) distance matrix).
CHUNK = 8192


@dataclass
class SOMConfig:
    """Hyperparameters of :class:`SelfOrganizingMap`.

    :param sample_shape: shape of one input sample (flattened on entry).
    :param map_size: ``(X, Y)`` units along the map's two axes (MiniSom's ``x, y``).
    :param topology: ``rectangular`` or ``hexagonal`` (MiniSom's offset coordinates).
    :param toroidal: wrap distances around both edges of the map (a torus).
    :param neighborhood: ``gaussian``, ``mexican_hat``, ``bubble`` or ``triangle``.
    :param sigma: initial radius of the neighbourhood (in grid units).
    :param learning_rate: initial learning rate ``eta(0)``.
    :param decay: how ``eta`` decays (see the module docstring).
    :param sigma_decay: how ``sigma`` decays.
    :param training: ``online`` (one sample per update, Kohonen 1982) or ``batch`` (the batch
        map, one update per epoch over all samples).
    :param n_iterations: online updates (each one sample); the schedule's horizon ``T``.
    :param n_epochs: batch-map epochs; the schedule's horizon in batch training.
    :param order: online visiting order: ``random`` (MiniSom's ``random_order=True``) or
        ``sequential`` (sample ``t mod N`` at iteration ``t``).
    :param batch_blend: batch training moves each unit by ``eta(e)`` towards its weighted
        mean (MiniSom's ``train_batch_offline``) instead of onto it (Kohonen's batch map).
    :param init: initial weights: ``random`` (MiniSom's: uniform in [-1, 1], each unit scaled to
        length 1), ``sample`` (random training samples) or ``pca`` (MiniSom's
        ``pca_weights_init``: the mean plus the plane of the two main principal components).
    :param rect_neighbours: adjacency of rectangular maps for the topographic error and the
        U-matrix: 8 (with diagonals, MiniSom's) or 4. Hexagonal maps always use 6.
    """

    sample_shape: tuple[int, ...] = (1, 8, 8)
    map_size: tuple[int, ...] = (20, 20)
    topology: Topology = "rectangular"
    toroidal: bool = False
    neighborhood: Neighborhood = "gaussian"
    sigma: float = 3.0
    learning_rate: float = 0.5
    decay: RateDecay = "asymptotic_decay"
    sigma_decay: SigmaDecay = "asymptotic_decay"
    training: Literal["online", "batch"] = "online"
    n_iterations: int = 10000
    n_epochs: int = 20
    order: Literal["random", "sequential"] = "random"
    batch_blend: bool = False
    init: Literal["random", "sample", "pca"] = "random"
    rect_neighbours: int = 8

    def __post_init__(self) -> None:
        require(isinstance(self.sample_shape, tuple) and len(self.sample_shape) >= 1
                and all(isinstance(s, int) and s >= 1 for s in self.sample_shape),
                f"sample_shape must be positive sizes, got {self.sample_shape!r}")
        require(isinstance(self.map_size, tuple) and len(self.map_size) == 2
                and all(isinstance(s, int) and not isinstance(s, bool) and s >= 1
                        for s in self.map_size),
                f"map_size must be two sizes (X, Y), each >= 1 (a map of at least 1x1 unit), "
                f"got {self.map_size!r}")
        require(self.topology in ("rectangular", "hexagonal"),
                f"topology must be rectangular or hexagonal, got {self.topology!r}")
        require(self.neighborhood in ("gaussian", "mexican_hat", "bubble", "triangle"),
                f"neighborhood must be gaussian, mexican_hat, bubble or triangle, got "
                f"{self.neighborhood!r}")
        require(math.isfinite(self.sigma) and self.sigma > 0,
                f"sigma must be a finite number > 0, got {self.sigma}")
        require(math.isfinite(self.learning_rate) and self.learning_rate > 0,
                f"learning_rate must be a finite number > 0, got {self.learning_rate}")
        require(self.decay in RATE_DECAYS, f"decay must be one of {', '.join(RATE_DECAYS)}, "
                f"got {self.decay!r}")
        require(self.sigma_decay in SIGMA_DECAYS, f"sigma_decay must be one of "
                f"{', '.join(SIGMA_DECAYS)}, got {self.sigma_decay!r}")
        require(self.training in ("online", "batch"),
                f"training must be online or batch, got {self.training!r}")
        require(self.n_iterations >= 1, f"n_iterations must be >= 1, got {self.n_iterations}")
        require(self.n_epochs >= 1, f"n_epochs must be >= 1, got {self.n_epochs}")
        require(self.order in ("random", "sequential"),
                f"order must be random or sequential, got {self.order!r}")
        require(self.init in ("random", "sample", "pca"),
                f"init must be random, sample or pca, got {self.init!r}")
        require(self.rect_neighbours in (4, 8),
                f"rect_neighbours must be 4 or 8, got {self.rect_neighbours}")
        require(not (self.toroidal and self.topology == "hexagonal" and self.map_size[1] % 2),
                f"a toroidal hexagonal map needs an even number of rows Y, got map_size "
                f"{self.map_size}")


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


# -- the model ----------------------------------------------------------------------------------

@register("som", config=SOMConfig, learning="closed-form",
          rule="Kohonen's competitive rule (online) or the batch map",
          peer="MiniSom", reference="https://github.com/JustGlowing/minisom")
class SelfOrganizingMap(ZooModule):
    """Kohonen self-organising map with a BMU-label classifier.

    ``forward(x)`` returns the Euclidean distance of each sample to every unit (B, U);
    ``predict(x)`` the label of each sample's best-matching unit (B,) (after a fit with
    labels); :meth:`fit` trains the whole schedule (online or batch) and labels the units.

    State (buffers): ``weight`` (U, D), ``unit_labels`` (U,) int64 (-1: not labelled yet),
    ``unit_hits`` (U,) the training samples each unit won, ``iteration`` the updates done.
    The geometry tables are rebuilt from the config and are not saved.

    :param config: a :class:`SOMConfig`.
    """

    automatic_optimization = False

    def __init__(self, config: SOMConfig) -> None:
        super().__init__(config)
        X, Y = config.map_size
        self.n_units, self.n_features = X * Y, math.prod(config.sample_shape)
        self.register_buffer("weight", random_unit_weights(self.n_units, self.n_features))
        self.register_buffer("unit_labels", torch.full((self.n_units,), -1, dtype=torch.long))
        self.register_buffer("unit_hits", torch.zeros(self.n_units, dtype=torch.long))
        self.register_buffer("iteration", torch.zeros((), dtype=torch.long))
        for name, t in grid_tables(config).items():          # rebuilt from the config
            self.register_buffer(name, t, persistent=False)

    # -- geometry and distances ---------------------------------------------------------------

    def _tables(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``d2``, ``di``, ``dj`` in the weights' dtype and device."""
        w = self.weight
        return self.d2.to(w), self.di.to(w), self.dj.to(w)

    def unit_coordinates(self) -> torch.Tensor:
        """Grid coordinates ``(i, j)`` of every unit (U, 2) int64."""
        X, Y = self.config.map_size
        k = torch.arange(self.n_units, device=self.weight.device)
        return torch.stack([k // Y, k % Y], 1)

    def _flat(self, x: torch.Tensor, *, finite: bool) -> torch.Tensor:
        self.check(x, finite=finite)
        return x.flatten(1).to(self.weight.dtype)

    def squared_distances(self, v: torch.Tensor) -> torch.Tensor:
        """``|v_n - w_k|^2`` (N, U) for flat samples (N, D), as ``|v|^2 - 2 v.w + |w|^2``."""
        w = self.weight
        d = (v * v).sum(1, keepdim=True) - 2 * v @ w.T + (w * w).sum(1)[None]
        return d.clamp_min_(0)

    def bmu(self, v: torch.Tensor, k: int = 1) -> torch.Tensor:
        """Indices of the ``k`` best-matching units of each flat sample, (N,) or (N, k)."""
        out = []
        for s in range(0, len(v), CHUNK):
            d = self.squared_distances(v[s:s + CHUNK])
            out.append(d.argmin(1) if k == 1 else d.topk(k, 1, largest=False).indices)
        return torch.cat(out) if out else torch.zeros((0,) if k == 1 else (0, k),
                                                      dtype=torch.long, device=v.device)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Euclidean distance of each sample to every unit, (B, U)."""
        return self.squared_distances(self._flat(x, finite=False)).sqrt()

    # -- quality measures ---------------------------------------------------------------------

    def quantization_error(self, v: torch.Tensor) -> torch.Tensor:
        """``mean_n |v_n - w_c(n)|`` over flat samples (N, D)."""
        return (v - self.weight[self.bmu(v)]).norm(dim=1).mean()

    def topographic_error(self, v: torch.Tensor) -> torch.Tensor:
        """Share of flat samples whose best and second-best units are not adjacent (NaN on a
        1x1 map, where it is undefined)."""
        if self.n_units < 2:
            return torch.tensor(float("nan"), device=v.device)
        b = self.bmu(v, k=2)                                             # (N, 2)
        return (~self.adjacent[b[:, 0], b[:, 1]]).to(self.weight.dtype).mean()

    def distance_map(self, scaling: Literal["sum", "mean"] = "sum", normalize: bool = True
                     ) -> torch.Tensor:
        """The U-matrix (X, Y): each unit's summed (or mean) distance to its adjacent units,
        divided by the largest value when ``normalize`` (MiniSom's ``distance_map``)."""
        if scaling not in ("sum", "mean"):
            raise ConfigError(f"scaling must be sum or mean, got {scaling!r}")
        w = self.weight
        dist = torch.cdist(w[None], w[None])[0]                          # (U, U) |w_k - w_l|
        adj = self.adjacent.to(w.dtype)
        um = (dist * adj).sum(1)                                         # sum over neighbours
        if scaling == "mean":
            um = um / adj.sum(1).clamp_min(1)
        if normalize and float(um.max()) > 0:
            um = um / um.max()
        return um.reshape(self.config.map_size)

    # -- training -----------------------------------------------------------------------------

    @torch.no_grad()
    def initialize(self, v: torch.Tensor | None = None) -> None:
        """Initial weights per ``config.init`` (``sample`` and ``pca`` need flat data ``v``)."""
        init, w = self.config.init, self.weight
        if init == "random" or v is None:
            w.copy_(random_unit_weights(self.n_units, self.n_features).to(w))
        elif init == "sample":
            w.copy_(v[torch.randint(len(v), (self.n_units,)).to(v.device)])
        else:
            w.copy_(pca_weights(v, self.config.map_size).to(w))
        self.iteration.zero_()

    @torch.no_grad()
    def train_online(self, v: torch.Tensor, idx: np.ndarray, t0: int = 0,
                     horizon: int | None = None) -> None:
        """The online rule on flat samples ``v`` (N, D): sample ``idx[s]`` at iteration
        ``t0 + s`` of a schedule of ``horizon`` (default ``n_iterations``) iterations (steps
        past the horizon use its last rate and radius)."""
        T = horizon or self.config.n_iterations
        t = np.minimum(np.arange(t0, t0 + len(idx)), T - 1)
        eta, sigma = schedule(self.config, t, T)
        if self.weight.device.type == "cpu" and self.weight.dtype in (torch.float32,
                                                                       torch.float64):
            self._online_numpy(v.cpu().numpy()[idx], eta, sigma)
        else:
            self._online_torch(v[torch.as_tensor(idx, device=v.device)], eta, sigma)
        self.iteration += len(idx)

    def _online_torch(self, xs: torch.Tensor, eta: np.ndarray, sigma: np.ndarray) -> None:
        """The online rule in torch ops (any device): one sample per iteration."""
        w, kind = self.weight, self.config.neighborhood
        d2, di, dj = self._tables()
        for x, e, s in zip(xs, eta.tolist(), sigma.tolist()):
            diff = x - w                                                 # x - w_k   (U, D)
            c = diff.square().sum(1).argmin().view(1)                    # winner (on device)
            h = neighbourhood(kind, c, d2, di, dj, s)[0]                 # h(c, k)   (U,)
            w.addcmul_(diff, (h * e)[:, None])                           # w += eta h (x - w)

    def _online_numpy(self, xs: np.ndarray, eta: np.ndarray, sigma: np.ndarray) -> None:
        """The online rule in NumPy on the CPU, on a view of the weight buffer (same
        arithmetic as :meth:`_online_torch`; a test checks that they agree)."""
        W = self.weight.numpy()                                          # shares the buffer
        xs = np.ascontiguousarray(xs, dtype=W.dtype)
        d2, di, dj = (t.cpu().numpy().astype(W.dtype) for t in self._tables())
        diff = np.empty_like(W)                                          # x - w    (U, D)
        dist = np.empty(len(W), W.dtype)                                 # |x - w|^2 (U,)
        h = np.empty(len(W), W.dtype)                                    # eta h    (U,)
        hcol = h[:, None]
        sub, mul, ein, exp = np.subtract, np.multiply, np.einsum, np.exp
        kind = self.config.neighborhood
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

    @torch.no_grad()
    def train_batch_epoch(self, v: torch.Tensor, epoch: int, horizon: int | None = None
                          ) -> None:
        """One epoch of the batch map on flat samples ``v`` (N, D), vectorised: every unit
        moves to (or, with ``batch_blend``, towards) the neighbourhood-weighted mean of the
        data at ``sigma(epoch)``."""
        T = horizon or self.config.n_epochs
        eta, sigma = schedule(self.config, np.array([min(epoch, T - 1)]), T)
        w = self.weight
        d2, di, dj = self._tables()
        num = torch.zeros_like(w)                                        # sum_n h x_n (U, D)
        den = torch.zeros(len(w), dtype=w.dtype, device=w.device)        # sum_n h     (U,)
        for s in range(0, len(v), CHUNK):
            x = v[s:s + CHUNK]
            c = self.bmu(x)                                              # winners     (n,)
            h = neighbourhood(self.config.neighborhood, c, d2, di, dj,
                              float(sigma[0]))                           # h(c_n, k)   (n, U)
            num.addmm_(h.T, x)                                           # += h^T x
            den += h.sum(0)
        won = den > 0                                                    # units with weight
        mean = num / torch.where(won, den, torch.ones_like(den))[:, None]
        if self.config.batch_blend:
            mean = (1 - float(eta[0])) * w + float(eta[0]) * mean        # (1-eta) w + eta m
        w.copy_(torch.where(won[:, None], mean, w))
        self.iteration += 1

    @torch.no_grad()
    def fit(self, X: torch.Tensor, y: torch.Tensor | None = None, *,
            order: np.ndarray | torch.Tensor | None = None, warm_start: bool = False
            ) -> SelfOrganizingMap:
        """Train the whole schedule on ``X`` (N, *sample_shape), then label the units with
        ``y`` (N,) when given.

        :param order: online only: the sample index of each iteration (length
            ``n_iterations``); default MiniSom's order drawn from torch's global generator.
        :param warm_start: keep the current weights (and continue from them) instead of
            initialising them per ``config.init``.
        """
        v = self._flat(X, finite=True)
        if len(v) == 0:
            raise InputError("fit needs at least one sample, got an empty X")
        if y is not None:
            _check_targets(y, len(v))
        if not warm_start:
            self.initialize(v)
        cfg = self.config
        if cfg.training == "online":
            T = cfg.n_iterations
            if order is None:
                idx = iteration_order(len(v), T, cfg.order == "random")
            else:
                idx = np.asarray(torch.as_tensor(order).cpu(), dtype=np.int64)
                if idx.shape != (T,) or (T and (idx.min() < 0 or idx.max() >= len(v))):
                    raise InputError(f"order must hold {T} sample indices in [0, {len(v)}), "
                                     f"got shape {idx.shape}")
            self.train_online(v, idx, 0, T)
        else:
            for e in range(cfg.n_epochs):
                self.train_batch_epoch(v, e)
        self.label_units(v, y)
        return self

    @torch.no_grad()
    def label_units(self, v: torch.Tensor, y: torch.Tensor | None) -> None:
        """Count each unit's wins over flat samples ``v``; with labels ``y`` give each unit the
        majority class of its samples, and a unit without samples the label of the nearest
        labelled unit on the map."""
        c = self.bmu(v)                                                  # (N,)
        self.unit_hits.copy_(torch.bincount(c, minlength=self.n_units))
        if y is None:
            return
        y = y.to(c.device).long()
        k = int(y.max()) + 1
        counts = torch.zeros(self.n_units * k, dtype=torch.long, device=c.device)
        counts.index_add_(0, c * k + y, torch.ones_like(y))              # (unit, class) counts
        counts = counts.view(self.n_units, k)
        labels = counts.argmax(1)                                        # majority (ties: low)
        has = counts.sum(1) > 0
        gap = self.d2.to(c.device).masked_fill(~has[None], float("inf"))  # map distance
        labels = torch.where(has, labels, labels[gap.argmin(1)])         # nearest labelled
        self.unit_labels.copy_(labels)

    # -- the engine's hooks -------------------------------------------------------------------

    @torch.no_grad()
    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """One step of the rule on a batch: online, its samples in order at the next
        iterations of the schedule; batch, one epoch of the batch map on it. Then the units
        are labelled from the batch when it has labels."""
        x, y = batch
        v = self._flat(x, finite=True)
        if y is not None:
            _check_targets(y, len(v))
        t = int(self.iteration)
        if self.config.training == "online":
            self.train_online(v, np.arange(len(v)), t)
        else:
            self.train_batch_epoch(v, t)
        self.label_units(v, y)
        return self._metrics(v, y)

    def _metrics(self, v: torch.Tensor, y: torch.Tensor | None) -> dict[str, torch.Tensor]:
        out = {"loss": self.quantization_error(v)}                       # quantisation error
        if self.n_units > 1:
            out["topographic_error"] = self.topographic_error(v)
        if y is not None and bool((self.unit_labels >= 0).all()):
            pred = self.unit_labels[self.bmu(v)]
            out["accuracy"] = (pred == y.to(pred.device)).float().mean()
        return out

    @torch.no_grad()
    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Quantisation error (``loss``), topographic error and, with labels, the accuracy of
        the BMU labels."""
        x, y = batch
        return self._metrics(self._flat(x, finite=True), y)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Label of each sample's best-matching unit (B,) int64.

        :raises NotFittedError: before the units were labelled (a fit with labels).
        """
        v = self._flat(x, finite=True)
        if bool((self.unit_labels < 0).any()):
            raise NotFittedError("this som's units have no labels yet; fit it with labels y "
                                 "before predicting classes")
        return self.unit_labels[self.bmu(v)]

    @torch.no_grad()
    def winners(self, x: torch.Tensor) -> torch.Tensor:
        """Grid coordinates ``(i, j)`` of each sample's best-matching unit, (B, 2) int64."""
        return self.unit_coordinates()[self.bmu(self._flat(x, finite=True))]

    # -- pictures -----------------------------------------------------------------------------

    def _image_shape(self) -> tuple[int, int] | None:
        s = tuple(d for d in self.sample_shape if d != 1)
        return s if len(s) == 2 else None  # type: ignore[return-value]

    def visualize(self, out_dir: Path) -> list[Path]:
        """The U-matrix with each labelled unit's class as a marker, the component planes and,
        for image data, the codebook (each unit's weights as an image, laid out as the map)."""
        out_dir = Path(out_dir)
        paths = [plot_u_matrix(self, out_dir / "u_matrix.png"),
                 plot_component_planes(self, out_dir / "component_planes.png")]
        shape = self._image_shape()
        if shape is not None:
            paths.append(plot_codebook(self, shape, out_dir / "codebook.png"))
        return paths


def _check_targets(y: torch.Tensor, n: int) -> None:
    if not isinstance(y, torch.Tensor):
        raise InputError(f"y must be a tensor of class indices, got {type(y).__name__}")
    if y.dim() != 1 or y.shape[0] != n:
        raise InputError(f"y must have shape ({n},) to match X, got {tuple(y.shape)}")
    if y.is_floating_point() or y.dtype == torch.bool:
        raise InputError(f"y must hold integer class labels, got dtype {y.dtype}")
    if n and int(y.min()) < 0:
        raise InputError(f"y must hold class indices >= 0, got {int(y.min())}")


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


# -- plots ---------------------------------------------------------------------------------------

_MARKERS = "os^vD<>pPXh*"


def _unit_xy(model: SelfOrganizingMap) -> np.ndarray:
    """Plot positions of the units (U, 2): grid positions, hexagonal offsets included."""
    return grid_positions(model.config.map_size, model.config.topology).numpy()


def plot_u_matrix(model: SelfOrganizingMap, path: Path) -> Path:
    """The U-matrix as coloured cells (squares or hexagons), with a marker per class at every
    unit that won training samples (its majority class; size grows with its wins)."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize
    from matplotlib.patches import RegularPolygon

    um = model.distance_map().detach().cpu().numpy().reshape(-1)
    xy = _unit_xy(model)
    X, Y = model.config.map_size
    fig, ax = plots.subplots(figsize=(min(12, 2 + 0.38 * X), min(11, 1.6 + 0.38 * Y)))
    cmap = plots.colormap("bone_r")
    hexa = model.config.topology == "hexagonal"
    for (px, py), u in zip(xy, um):
        ax.add_patch(RegularPolygon((px, py), numVertices=6 if hexa else 4,
                                    radius=0.577 if hexa else 0.7071,
                                    orientation=0 if hexa else math.pi / 4,
                                    facecolor=cmap(u), edgecolor="none"))
    labels = model.unit_labels.cpu().numpy()
    hits = model.unit_hits.cpu().numpy()
    won = hits > 0
    if won.any() and (labels >= 0).all():
        tab = plots.colormap("tab10")
        size = 10 + 90 * hits / max(1, hits.max())
        for c in np.unique(labels[won]):
            m = won & (labels == c)
            ax.scatter(xy[m, 0], xy[m, 1], s=size[m], marker=_MARKERS[c % len(_MARKERS)],
                       facecolors="none", edgecolors=tab(c % 10), linewidths=1.4,
                       label=str(c))
        ax.legend(title="class", fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1))
    sm = ScalarMappable(cmap=cmap, norm=Normalize(0, 1))
    fig.colorbar(sm, ax=ax, fraction=0.04, pad=0.15 if won.any() else 0.04,
                 label="distance to neighbours (normalised)")
    ax.set_xlim(xy[:, 0].min() - 1, xy[:, 0].max() + 1)
    ax.set_ylim(xy[:, 1].min() - 1, xy[:, 1].max() + 1)
    ax.set_aspect("equal")
    ax.set_xlabel("i")
    ax.set_ylabel("j")
    ax.set_title(f"SOM U-matrix ({X}x{Y} {model.config.topology}"
                 f"{', toroidal' if model.config.toroidal else ''}); markers: each unit's "
                 "majority class", fontsize=9)
    return plots._save(fig, path)


def plot_component_planes(model: SelfOrganizingMap, path: Path, k: int = 64) -> Path:
    """The first ``k`` component planes: the weight of one input feature across the map."""
    X, Y = model.config.map_size
    planes = model.weight.detach().float().cpu().T[:k].reshape(-1, X, Y).transpose(1, 2)
    return plots.image_grid(planes.flip(1), path, "SOM component planes (one per input "
                            "feature; i across, j up)", cmap="viridis")


def plot_codebook(model: SelfOrganizingMap, shape: tuple[int, int], path: Path) -> Path:
    """Every unit's weights as an image, at the unit's place on the map (j up)."""
    X, Y = model.config.map_size
    h, w = shape
    imgs = model.weight.detach().float().cpu().reshape(X, Y, h, w)
    tiles = torch.nn.functional.pad(imgs, (1, 0, 1, 0), value=float("nan"))  # 1-pixel gaps
    canvas = tiles.flip(1).permute(1, 2, 0, 3).reshape(Y * (h + 1), X * (w + 1))  # j up
    fig, ax = plots.subplots(figsize=(min(12, 1 + 0.45 * X), min(12, 1 + 0.45 * Y)))
    ax.imshow(canvas.numpy(), cmap="gray_r", interpolation="nearest")
    ax.axis("off")
    ax.set_title(f"SOM codebook: each unit's weights as a {h}x{w} image (i across, j up)",
                 fontsize=9)
    return plots._save(fig, path)


# -- scikit-learn API ---------------------------------------------------------------------------

class SOM(TransformerMixin, BaseEstimator):
    """A self-organising map as a scikit-learn transformer (unsupervised).

    ``transform`` gives, with ``output="distances"``, the Euclidean distance of each sample to
    every unit (n_samples, U), unit ``k = i * Y + j``; with ``output="coordinates"``, the grid
    coordinates ``(i, j)`` of each sample's best-matching unit (n_samples, 2). ``score`` is
    minus the quantisation error (higher is better). Training happens in memory, no run folder.

    :param map_size: ``(X, Y)`` units.
    :param topology: ``rectangular`` or ``hexagonal``.
    :param toroidal: wrap the map around its edges.
    :param neighborhood: ``gaussian``, ``mexican_hat``, ``bubble`` or ``triangle``.
    :param sigma: initial neighbourhood radius.
    :param learning_rate: initial learning rate.
    :param decay: learning-rate decay (see :class:`SOMConfig`).
    :param sigma_decay: radius decay.
    :param training: ``online`` or ``batch``.
    :param n_iterations: online updates.
    :param n_epochs: batch-map epochs.
    :param order: online order, ``random`` or ``sequential``.
    :param batch_blend: batch steps of size ``eta`` towards the means (MiniSom's offline batch).
    :param init: ``random``, ``sample`` or ``pca``.
    :param rect_neighbours: 8 or 4 (rectangular adjacency for the topographic error).
    :param output: what ``transform`` returns, ``distances`` or ``coordinates``.
    :param random_state: seeds initialisation and order (None: a fresh seed from the
        operating system each fit); ``fit`` leaves the caller's Python, NumPy and torch
        generators as they were.
    :param device: ``cpu``, ``cuda`` or ``auto``.
    :param dtype: ``float32`` or ``float64`` weights (MiniSom computes in float64).
    """

    def __init__(self, map_size: tuple[int, int] = (10, 10), topology: str = "rectangular",
                 toroidal: bool = False, neighborhood: str = "gaussian", sigma: float = 1.0,
                 learning_rate: float = 0.5, decay: str = "asymptotic_decay",
                 sigma_decay: str = "asymptotic_decay", training: str = "online",
                 n_iterations: int = 10000, n_epochs: int = 20, order: str = "random",
                 batch_blend: bool = False, init: str = "random", rect_neighbours: int = 8,
                 output: str = "distances", random_state: int | None = None,
                 device: str = "cpu", dtype: str = "float32") -> None:
        self.map_size = map_size
        self.topology = topology
        self.toroidal = toroidal
        self.neighborhood = neighborhood
        self.sigma = sigma
        self.learning_rate = learning_rate
        self.decay = decay
        self.sigma_decay = sigma_decay
        self.training = training
        self.n_iterations = n_iterations
        self.n_epochs = n_epochs
        self.order = order
        self.batch_blend = batch_blend
        self.init = init
        self.rect_neighbours = rect_neighbours
        self.output = output
        self.random_state = random_state
        self.device = device
        self.dtype = dtype

    def _check_X(self, X: Any, *, fitting: bool) -> torch.Tensor:
        X = as_tensor(X, "X", dtype=torch.float64)
        if X.dim() != 2:
            raise InputError(f"X must be 2-D (n_samples, n_features), got shape {tuple(X.shape)}")
        check_input(X, (X.shape[1],) if fitting else (self.n_features_in_,), name="X")
        return X

    def _build(self, n_features: int) -> SelfOrganizingMap:
        from nnzoo.core.config import build_config
        from nnzoo.core.device import resolve_device

        if self.output not in ("distances", "coordinates"):
            raise ConfigError(f"output must be distances or coordinates, got {self.output!r}")
        if self.dtype not in ("float32", "float64"):
            raise ConfigError(f"dtype must be float32 or float64, got {self.dtype!r}")
        cfg = build_config(SOMConfig, {
            "sample_shape": (n_features,), "map_size": tuple(self.map_size),
            "topology": self.topology, "toroidal": self.toroidal,
            "neighborhood": self.neighborhood, "sigma": self.sigma,
            "learning_rate": self.learning_rate, "decay": self.decay,
            "sigma_decay": self.sigma_decay, "training": self.training,
            "n_iterations": self.n_iterations, "n_epochs": self.n_epochs, "order": self.order,
            "batch_blend": self.batch_blend, "init": self.init,
            "rect_neighbours": self.rect_neighbours}, what="som")
        dtype = torch.float64 if self.dtype == "float64" else torch.float32
        return SelfOrganizingMap(cfg).to(resolve_device(self.device), dtype)

    def _fit(self, X: Any, y: torch.Tensor | None) -> SelfOrganizingMap:
        from nnzoo.core.device import resolve_device
        from nnzoo.core.seed import fresh_seed, isolated_rng

        X = self._check_X(X, fitting=True)
        seed = fresh_seed() if self.random_state is None else int(self.random_state)
        with isolated_rng(seed, resolve_device(self.device)):  # the caller's generators kept
            model = self._build(X.shape[1])
            model.fit(X.to(model.weight), y)
        self.model_ = model.eval()
        self.n_features_in_ = int(X.shape[1])
        self.weights_ = model.weight.cpu().numpy().reshape(*self.map_size, -1).copy()
        return model

    def fit(self, X: Any, y: Any = None) -> SOM:
        """Train on ``X`` (n_samples, n_features); ``y`` is ignored."""
        self._fit(X, None)
        return self

    def _require_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit first")

    def _v(self, X: Any) -> torch.Tensor:
        self._require_fitted()
        return self._check_X(X, fitting=False).to(self.model_.weight)

    @torch.no_grad()
    def transform(self, X: Any) -> np.ndarray:
        """Distances to every unit (n, U), or BMU grid coordinates (n, 2); see ``output``."""
        v = self._v(X)
        if self.output == "coordinates":
            return self.model_.winners(v).cpu().numpy()
        return self.model_(v).cpu().numpy()

    @torch.no_grad()
    def winner(self, X: Any) -> np.ndarray:
        """Grid coordinates ``(i, j)`` of each sample's best-matching unit, (n, 2)."""
        return self.model_.winners(self._v(X)).cpu().numpy()

    @torch.no_grad()
    def quantization_error(self, X: Any) -> float:
        """Mean distance of the samples to their best-matching units."""
        return float(self.model_.quantization_error(self._v(X)))

    @torch.no_grad()
    def topographic_error(self, X: Any) -> float:
        """Share of samples whose two best-matching units are not adjacent."""
        return float(self.model_.topographic_error(self._v(X)))

    def distance_map(self, scaling: str = "sum") -> np.ndarray:
        """The U-matrix (X, Y), normalised to a maximum of 1."""
        self._require_fitted()
        return self.model_.distance_map(scaling).cpu().numpy()  # type: ignore[arg-type]

    def score(self, X: Any, y: Any = None) -> float:
        """Minus the quantisation error (higher is better, as scikit-learn expects)."""
        return -self.quantization_error(X)


class SOMClassifier(ClassifierMixin, SOM):
    """A self-organising map that classifies by the label of the best-matching unit.

    ``fit(X, y)`` trains the map (unsupervised) and labels every unit with the majority class
    of the training samples it wins (a unit without samples takes the label of the nearest
    labelled unit on the map); ``predict`` returns the label of each sample's best-matching
    unit; ``score`` is the accuracy. The parameters are :class:`SOM`'s.
    """

    def fit(self, X: Any, y: Any = None) -> SOMClassifier:  # type: ignore[override]
        """Train on ``X`` (n_samples, n_features) and label the units with ``y``."""
        if y is None:
            raise InputError("SOMClassifier.fit needs labels y; use SOM without")
        y = np.asarray(y)
        n = len(as_tensor(X, "X", dtype=torch.float64))
        if y.ndim != 1 or y.shape[0] != n:
            raise InputError(f"y must have shape ({n},) to match X, got {y.shape}")
        self.classes_, yi = np.unique(y, return_inverse=True)
        self._fit(X, torch.as_tensor(yi, dtype=torch.long))
        return self

    @torch.no_grad()
    def predict(self, X: Any) -> np.ndarray:
        """The label of each sample's best-matching unit."""
        v = self._v(X)                                   # checks that it is fitted first
        return self.classes_[self.model_.predict(v).cpu().numpy()]

    def score(self, X: Any, y: Any) -> float:  # type: ignore[override]
        """Accuracy of :meth:`predict` on ``(X, y)``."""
        return float(np.mean(self.predict(X) == np.asarray(y)))


from nnzoo.models.registry import register_estimator  # noqa: E402

register_estimator("som")(SOMClassifier)

__all__ = ["SOM", "SOMClassifier", "SOMConfig", "SelfOrganizingMap", "grid_positions",
           "grid_tables", "iteration_order", "neighbourhood", "schedule"]
