"""The RBF network (:mod:`nnzoo.models.kernel.rbf_net`) as scikit-learn estimators:
:class:`RBFNetClassifier` (registered with the ``rbf-net`` model) and
:class:`RBFNetRegressor`, on the shared ridge-readout estimator of
:mod:`nnzoo.models.sklearn_api`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from nnzoo.models.kernel.rbf_net import RBFNet
from nnzoo.models.registry import register_estimator
from nnzoo.models.sklearn_api import ReadoutClassifier, ReadoutEstimator, ReadoutRegressor


class _RBFParams(ReadoutEstimator):
    """The hyperparameters of both RBF network estimators, and their basis ``transform``."""

    model_id = "rbf-net"
    _model_class = RBFNet
    model_: RBFNet

    def __init__(self, n_centres: int = 100, centres: str = "kmeans", basis: str = "gaussian",
                 width: str = "nearest", width_p: int = 2, width_scale: float = 1.0,
                 alpha: float | str = "loo", alphas: Sequence[float] | None = None,
                 loo_samples: int = 4000, standardize: bool = True, finetune_epochs: int = 0,
                 finetune_lr: float = 0.01, finetune_batch: int = 256,
                 kmeans_iter: int = 100, random_state: int | None = 0, device: str = "cpu",
                 dtype: str = "float32") -> None:
        self.n_centres = n_centres
        self.centres = centres
        self.basis = basis
        self.width = width
        self.width_p = width_p
        self.width_scale = width_scale
        self.alpha = alpha
        self.alphas = alphas
        self.loo_samples = loo_samples
        self.standardize = standardize
        self.finetune_epochs = finetune_epochs
        self.finetune_lr = finetune_lr
        self.finetune_batch = finetune_batch
        self.kmeans_iter = kmeans_iter
        self.random_state = random_state
        self.device = device
        self.dtype = dtype

    def _model_kwargs(self) -> dict[str, Any]:
        kw: dict[str, Any] = {k: getattr(self, k) for k in (
            "n_centres", "centres", "basis", "width", "width_p", "width_scale", "alpha",
            "loo_samples", "standardize", "finetune_epochs", "finetune_lr", "finetune_batch",
            "kmeans_iter")}
        if self.alphas is not None:
            kw["alphas"] = tuple(float(a) for a in self.alphas)
        return kw

    @torch.no_grad()
    def transform(self, X: Any) -> np.ndarray:
        """The basis outputs, shape (n_samples, n_centres)."""
        x = self._input(X)                                # checks that it is fitted first
        return self.model_.basis(x).cpu().numpy()


class RBFNetClassifier(_RBFParams, ReadoutClassifier):
    """RBF network classifier (see :mod:`nnzoo.models.kernel.rbf_net`), scikit-learn style.

    :param n_centres: number of radial basis functions.
    :param centres: ``kmeans`` or ``random``.
    :param basis: ``gaussian``, ``multiquadric`` or ``inverse-multiquadric``.
    :param width: ``nearest`` or ``dmax`` width heuristic.
    :param width_p: neighbours of the ``nearest`` rule.
    :param width_scale: multiplies every width.
    :param alpha: ridge penalty, or ``"loo"``.
    :param alphas: candidates for ``"loo"``.
    :param loo_samples: at most this many rows enter the leave-one-out selection.
    :param standardize: standardise the inputs.
    :param finetune_epochs: epochs of gradient fine-tuning (0: none).
    :param finetune_lr: Adam's learning rate for fine-tuning.
    :param finetune_batch: fine-tuning minibatch size.
    :param kmeans_iter: at most this many Lloyd iterations.
    :param random_state: seeds k-means++, the subsets and fine-tuning (None: a fresh seed
        each fit).
    :param device: ``cpu``, ``cuda`` or ``auto``.
    :param dtype: ``float32`` (default) or ``float64`` for the basis and the readout.
    """


class RBFNetRegressor(_RBFParams, ReadoutRegressor):
    """RBF network regressor (see :mod:`nnzoo.models.kernel.rbf_net`), scikit-learn style.

    :param n_centres: number of radial basis functions.
    :param centres: ``kmeans`` or ``random``.
    :param basis: ``gaussian``, ``multiquadric`` or ``inverse-multiquadric``.
    :param width: ``nearest`` or ``dmax`` width heuristic.
    :param width_p: neighbours of the ``nearest`` rule.
    :param width_scale: multiplies every width.
    :param alpha: ridge penalty, or ``"loo"``.
    :param alphas: candidates for ``"loo"``.
    :param loo_samples: at most this many rows enter the leave-one-out selection.
    :param standardize: standardise the inputs.
    :param finetune_epochs: epochs of gradient fine-tuning (0: none).
    :param finetune_lr: Adam's learning rate for fine-tuning.
    :param finetune_batch: fine-tuning minibatch size.
    :param kmeans_iter: at most this many Lloyd iterations.
    :param random_state: seeds k-means++, the subsets and fine-tuning (None: a fresh seed
        each fit).
    :param device: ``cpu``, ``cuda`` or ``auto``.
    :param dtype: ``float32`` (default) or ``float64`` for the basis and the readout.
    """


register_estimator("rbf-net")(RBFNetClassifier)

__all__ = ["RBFNetClassifier", "RBFNetRegressor"]
