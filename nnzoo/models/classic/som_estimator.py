"""The self-organising map (:mod:`nnzoo.models.classic.som`) as scikit-learn estimators:
:class:`SOM`, an unsupervised transformer, and :class:`SOMClassifier` (registered with the
``som`` model), which labels the units."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin

from nnzoo.core.config import build_config
from nnzoo.core.device import resolve_device
from nnzoo.core.errors import ConfigError, InputError
from nnzoo.core.seed import isolated_rng
from nnzoo.core.validation import as_tensor
from nnzoo.models.classic.som import SelfOrganizingMap, SOMConfig
from nnzoo.models.registry import register_estimator
from nnzoo.models.sklearn_api import (
    estimator_seed,
    require_fitted,
    validate_X,
    validate_Xy,
)


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
        return as_tensor(validate_X(self, X, fitting=fitting), "X", dtype=torch.float64)

    def _build(self, n_features: int) -> SelfOrganizingMap:
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
        X = self._check_X(X, fitting=True)
        seed = estimator_seed(self)
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
        require_fitted(self)

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

    def distance_map(self, scaling: Literal["sum", "mean"] = "sum") -> np.ndarray:
        """The U-matrix (X, Y), normalised to a maximum of 1."""
        self._require_fitted()
        return self.model_.distance_map(scaling).cpu().numpy()

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

    def fit(self, X: Any, y: Any = None) -> SOMClassifier:
        """Train on ``X`` (n_samples, n_features) and label the units with ``y``."""
        X, y = validate_Xy(self, X, y, classifier=True)
        self.classes_, yi = np.unique(y, return_inverse=True)   # one class is a valid map
        self._fit(X, torch.as_tensor(yi, dtype=torch.long))
        return self

    @torch.no_grad()
    def predict(self, X: Any) -> np.ndarray:
        """The label of each sample's best-matching unit."""
        v = self._v(X)                                   # checks that it is fitted first
        return self.classes_[self.model_.predict(v).cpu().numpy()]

    def score(self, X: Any, y: Any = None) -> float:
        """Accuracy of :meth:`predict` on ``(X, y)``.

        :raises InputError: without the labels ``y``.
        """
        if y is None:
            raise InputError("SOMClassifier.score needs the labels y of X (its accuracy)")
        return float(np.mean(self.predict(X) == np.asarray(y)))


register_estimator("som")(SOMClassifier)

__all__ = ["SOM", "SOMClassifier"]
