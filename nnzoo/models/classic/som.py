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

The schedules, the map's geometry, the neighbourhoods, the initial weights and the two
loops of the online rule are in :mod:`nnzoo.models.classic.som_blocks`; the scikit-learn
estimators in :mod:`nnzoo.models.classic.som_estimator`, the plots in
:mod:`nnzoo.models.classic.som_plots`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from nnzoo.core.config import require
from nnzoo.core.errors import ConfigError, InputError, NotFittedError
from nnzoo.models.base import Batch, ZooModule
from nnzoo.models.classic.som_blocks import (
    RATE_DECAYS,
    SIGMA_DECAYS,
    check_targets,
    grid_tables,
    iteration_order,
    neighbourhood,
    online_numpy,
    online_torch,
    pca_weights,
    random_unit_weights,
    schedule,
)
from nnzoo.models.classic.som_plots import plot_codebook, plot_component_planes, plot_u_matrix
from nnzoo.models.registry import register

Topology = Literal["rectangular", "hexagonal"]
Neighborhood = Literal["gaussian", "mexican_hat", "bubble", "triangle"]
RateDecay = Literal["asymptotic_decay", "inverse_decay_to_zero", "linear_decay_to_zero",
                    "exponential_decay"]
SigmaDecay = Literal["asymptotic_decay", "inverse_decay_to_one", "linear_decay_to_one",
                     "exponential_decay_to_one"]

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


# -- the model ----------------------------------------------------------------------------------

@register("som", config=SOMConfig, learning="closed-form",
          rule="Kohonen's competitive rule (online) or the batch map",
          peer="MiniSom", reference="https://github.com/JustGlowing/minisom")
class SelfOrganizingMap(ZooModule[SOMConfig]):
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

    weight: torch.Tensor       # (U, D) codebook
    unit_labels: torch.Tensor  # (U,) int64, -1: not labelled yet
    unit_hits: torch.Tensor    # (U,) int64, training samples each unit won
    iteration: torch.Tensor    # () int64, updates done
    # geometry tables (not saved; rebuilt from the config by grid_tables)
    d2: torch.Tensor           # (U, U) squared plane distance
    di: torch.Tensor           # (U, U) grid index distance along the first axis
    dj: torch.Tensor           # (U, U) grid index distance along the second axis
    adjacent: torch.Tensor     # (U, U) bool, the neighbours of each unit

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
            online_numpy(self.weight.numpy(), v.cpu().numpy()[idx], eta, sigma,
                         self._tables(), self.config.neighborhood)
        else:
            online_torch(self.weight, v[torch.as_tensor(idx, device=v.device)], eta, sigma,
                         self._tables(), self.config.neighborhood)
        self.iteration += len(idx)

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
            check_targets(y, len(v))
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
            check_targets(y, len(v))
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
        return s if len(s) == 2 else None

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


__all__ = ["CHUNK", "SOMConfig", "SelfOrganizingMap"]
