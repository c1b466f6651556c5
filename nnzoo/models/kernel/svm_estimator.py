"""The support vector machine (:mod:`nnzoo.models.kernel.svm`) as a scikit-learn classifier
like ``SVC``, registered with the ``svm`` model."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin

from nnzoo.core.device import resolve_device
from nnzoo.core.errors import ConfigError
from nnzoo.core.validation import as_tensor
from nnzoo.models.kernel.svm import SVM
from nnzoo.models.kernel.svm_solvers import pair_index
from nnzoo.models.registry import register_estimator
from nnzoo.models.sklearn_api import (
    create_as,
    fit_classes,
    require_fitted,
    validate_X,
    validate_Xy,
)


class SVMClassifier(ClassifierMixin, BaseEstimator):
    """A kernel SVM as a scikit-learn classifier (like ``SVC``), on :class:`SVM`.

    Attributes after ``fit`` (scikit-learn's names): ``classes_``, ``support_`` (training
    indices of the support vectors, grouped by class), ``support_vectors_``, ``n_support_``,
    ``dual_coef_`` (one-vs-one: libsvm's layout (K - 1, n_SV); one-vs-rest: a_i y_i of each
    problem (K, n_SV); two classes: (1, n_SV) with the sign of ``decision_function``),
    ``intercept_``, ``coef_`` (linear kernel), ``n_iter_`` and ``model_``.

    :param C: soft-margin penalty.
    :param kernel: ``linear``, ``poly``, ``rbf``, ``laplacian`` or ``sigmoid``.
    :param degree: polynomial degree.
    :param gamma: a number > 0, ``scale`` or ``auto``.
    :param coef0: polynomial / sigmoid constant.
    :param tol: stopping tolerance (KKT violation for SMO).
    :param max_iter: most steps per problem; 0 or -1 = the default.
    :param multiclass: ``ovo`` or ``ovr`` (training strategy).
    :param decision_function_shape: ``ovr`` (n, K) or ``ovo`` (n, K(K-1)/2) raw pairwise
        values (one-vs-one training only), as ``SVC``.
    :param solver: ``smo`` or ``primal`` (linear kernel).
    :param kernel_dtype: ``float64`` or ``float32`` kernel matrices.
    :param break_ties: tied one-vs-one votes by confidence instead of to the lowest class.
    :param device: ``cpu``, ``cuda`` or ``auto``.
    :param backend: the SMO's implementation: ``auto``, ``torch`` or ``numba`` (CPU); both
        give the same multipliers (see ``SVMConfig.backend``).
    """

    def __init__(self, C: float = 1.0, kernel: str = "rbf", degree: int = 3,
                 gamma: float | str = "scale", coef0: float = 0.0, tol: float = 1e-3,
                 max_iter: int = -1, multiclass: str = "ovo",
                 decision_function_shape: str = "ovr", solver: str = "smo",
                 kernel_dtype: str = "float64", break_ties: bool = False,
                 device: str = "cpu", backend: str = "auto") -> None:
        self.C = C
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.tol = tol
        self.max_iter = max_iter
        self.multiclass = multiclass
        self.decision_function_shape = decision_function_shape
        self.solver = solver
        self.kernel_dtype = kernel_dtype
        self.break_ties = break_ties
        self.device = device
        self.backend = backend

    def _check_X(self, X: Any, *, fitting: bool) -> torch.Tensor:
        X = validate_X(self, X, fitting=fitting)
        return as_tensor(X, "X", torch.float64 if self.kernel_dtype == "float64" else torch.float32)

    def fit(self, X: Any, y: Any) -> SVMClassifier:
        """Fit on ``X`` (n_samples, n_features) and labels ``y`` (n_samples,) of any type."""
        X, y = validate_Xy(self, X, y, classifier=True)
        X = self._check_X(X, fitting=True)
        self.classes_ = fit_classes(y)
        if self.decision_function_shape not in ("ovr", "ovo"):
            raise ConfigError("decision_function_shape must be ovr or ovo, got "
                              f"{self.decision_function_shape!r}")
        yi = torch.as_tensor(np.searchsorted(self.classes_, y), dtype=torch.long)
        device = resolve_device(self.device)
        model = create_as(SVM, "svm", sample_shape=(X.shape[1],),
                          n_classes=len(self.classes_),
                          kernel=self.kernel, C=self.C, gamma=self.gamma, degree=self.degree,
                          coef0=self.coef0, tol=self.tol,
                          max_iter=max(0, int(self.max_iter)), multiclass=self.multiclass,
                          solver=self.solver, kernel_dtype=self.kernel_dtype,
                          break_ties=self.break_ties, backend=self.backend).to(device)
        model.support_vectors = model.support_vectors.to(X.dtype)
        model.fit(X.to(device), yi.to(device))
        self.model_ = model.eval()
        self.n_features_in_ = int(X.shape[1])
        self._expose()
        return self

    def _expose(self) -> None:
        """scikit-learn's fitted attributes from the model's buffers."""
        m, k = self.model_, len(self.classes_)
        self.support_ = m.support.cpu().numpy()
        self.support_vectors_ = m.support_vectors.cpu().numpy()
        self.n_support_ = m.n_support.cpu().numpy().astype(np.int32)
        self.n_iter_ = m.n_iter.cpu().numpy()
        self._gamma = float(m.gamma_value)
        dual, rho = m.dual.cpu().numpy(), m.rho.cpu().numpy()
        if k == 2:                                   # sign of decision_function: + = classes_[1]
            self.dual_coef_, self.intercept_ = -dual, rho.copy()
        elif m.config.multiclass == "ovr":
            self.dual_coef_, self.intercept_ = dual, -rho
        else:                                        # libsvm's layout of the pairwise coefs
            self.dual_coef_, self.intercept_ = libsvm_dual_layout(
                dual, m.n_support.cpu().numpy(), k), -rho
        if m.config.kernel == "linear":
            w = m.weight.cpu().numpy()
            self.coef_ = -w if k == 2 else w

    def _require_fitted(self) -> None:
        require_fitted(self)

    @torch.no_grad()
    def decision_function(self, X: Any) -> np.ndarray:
        """Two classes: (n,), positive for ``classes_[1]``. More: (n, K) (``ovr`` shape) or
        the pairwise values (n, K(K-1)/2) (``ovo`` shape, one-vs-one training)."""
        self._require_fitted()
        m = self.model_
        X = self._check_X(X, fitting=False).to(m.rho.device)
        dec = m.decision_values(X)
        if len(self.classes_) == 2:
            return -dec[:, 0].cpu().numpy()
        if self.decision_function_shape == "ovo" and m.config.multiclass == "ovo":
            return dec.cpu().numpy()
        return m.scores(dec, confidences=True).cpu().numpy()

    def predict(self, X: Any) -> np.ndarray:
        """The predicted label of each sample (one-vs-one: votes, ties as ``break_ties``)."""
        self._require_fitted()
        m = self.model_
        X = self._check_X(X, fitting=False).to(m.rho.device)
        return self.classes_[m.scores(m.decision_values(X)).argmax(1).cpu().numpy()]


def libsvm_dual_layout(dual: np.ndarray, n_support: np.ndarray, k: int) -> np.ndarray:
    """libsvm's ``sv_coef`` (K - 1, S) from per-pair coefficients (P, S): for pair (a, b), the
    coefficients of class-a support vectors go to row b - 1, those of class b to row a."""
    owner = np.repeat(np.arange(k), n_support)                           # class of each SV
    pid = np.zeros((k, k), dtype=np.int64)                               # pair (a, b) -> p
    a, b = pair_index(k).numpy().T
    pid[a, b] = pid[b, a] = np.arange(len(a))
    rows = np.arange(k - 1)[:, None]                                     # (K - 1, 1)
    other = rows + (rows >= owner[None, :])                              # row r: class r or r+1
    return np.take_along_axis(dual, pid[owner[None, :], other], 0)       # (K - 1, S)


register_estimator("svm")(SVMClassifier)

__all__ = ["SVMClassifier", "libsvm_dual_layout"]
