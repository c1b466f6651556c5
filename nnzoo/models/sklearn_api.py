"""The scikit-learn estimator API shared by nnzoo's estimators.

nnzoo's estimators (``MLPClassifier``, ``SVMClassifier``, ``ELMClassifier``...) follow
scikit-learn's conventions: hyperparameters are ``__init__`` arguments stored as given (so
``get_params``, ``set_params``, ``clone`` and ``GridSearchCV`` work), ``fit`` learns
``classes_`` from ``y`` (any labels), and the fitted torch module is ``model_``. They drop into
a ``Pipeline``. Training runs in memory, with no run folder; use ``nnzoo train`` for runs with
checkpoints, logs and plots.

This module holds what they share:

- :func:`validate_X` and :func:`validate_Xy`: scikit-learn's own input checks (array-likes,
  sparse, complex and non-finite values, empty data, the number of features seen by ``fit``,
  the kind of target), each failure as one :class:`~nnzoo.core.errors.InputError` line;
- :class:`EstimatorNotFittedError`: nnzoo's ``NotFittedError`` that is also scikit-learn's;
- :class:`TorchClassifier`: a registered nnzoo classifier trained by its own
  ``training_step`` over shuffled minibatches (the MLP, the perceptron);
- :class:`ReadoutEstimator`, :class:`ReadoutClassifier`, :class:`ReadoutRegressor`: the
  closed-form ridge-readout models (the ELM, the RBF network; :mod:`nnzoo.models.readout`).

``fit`` seeds its draws from ``random_state`` inside :func:`~nnzoo.core.seed.isolated_rng`:
the same ``random_state`` gives the same model, and the caller's Python, NumPy and torch
generators and torch's thread count are as they were afterwards.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    TransformerMixin,
)
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.utils import Tags
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_X_y

from nnzoo.core.config import TrainConfig, build_config, build_scheduler
from nnzoo.core.device import resolve_device
from nnzoo.core.errors import ConfigError, InputError, NotFittedError
from nnzoo.core.loop import batch_slices, epoch_order, optimize
from nnzoo.core.seed import fresh_seed, isolated_rng, sampling_rng
from nnzoo.core.validation import as_tensor, check_input
from nnzoo.models.base import ZooModule
from nnzoo.models.readout import ReadoutModel
from nnzoo.models.registry import create, get_spec

_TRAIN_FIELDS = {f.name for f in dataclasses.fields(TrainConfig)}

#: A model class an estimator is built on.
M = TypeVar("M", bound=ZooModule[Any])


def create_as(cls: type[M], model_id: str, **hp: Any) -> M:
    """:func:`~nnzoo.models.registry.create` of model ``model_id``, checked to be a ``cls``
    (the model class the estimator calling it is written for).

    :raises ConfigError: when the registered model is of another class.
    """
    model = create(model_id, **hp)
    if not isinstance(model, cls):
        raise ConfigError(f"model {model_id!r} is a {type(model).__name__}, not the "
                          f"{cls.__name__} this estimator is built on")
    return model


class EstimatorNotFittedError(NotFittedError, SklearnNotFittedError):
    """An estimator asked to predict or transform before ``fit``: nnzoo's
    :class:`~nnzoo.core.errors.NotFittedError` (one line, exit code 2) and scikit-learn's
    ``NotFittedError`` (a ``ValueError`` and ``AttributeError``), as scikit-learn's tools expect."""


class InputTypeError(InputError, TypeError):
    """Input of a type that cannot be read as numbers (a ``dict`` in ``X``): nnzoo's
    :class:`~nnzoo.core.errors.InputError` that is also the ``TypeError`` Python and
    scikit-learn raise for it."""


def require_fitted(est: BaseEstimator) -> None:
    """Raise :class:`EstimatorNotFittedError` unless ``est`` has been fitted (has ``model_``)."""
    if not hasattr(est, "model_"):
        raise EstimatorNotFittedError(f"this {type(est).__name__} is not fitted yet; call fit "
                                      "first")


def _checked(check: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run one of scikit-learn's checks; its error becomes one :class:`InputError` line
    (:class:`InputTypeError` for a ``TypeError``)."""
    try:
        return check(*args, **kwargs)
    except TypeError as e:
        raise InputTypeError(" ".join(str(e).split())) from None
    except ValueError as e:
        raise InputError(" ".join(str(e).split())) from None


def validate_X(est: BaseEstimator, X: Any, *, fitting: bool, allow_nd: bool = False
               ) -> np.ndarray:
    """``X`` checked by scikit-learn's ``check_array`` (numeric, finite, dense, 2-D or, with
    ``allow_nd``, more, at least one sample and one feature); after ``fit`` also its number of
    features (the product of the sample shape) against ``est.n_features_in_``.

    :raises InputError: naming what was expected.
    """
    X = _checked(check_array, X, dtype="numeric", allow_nd=allow_nd, input_name="X")
    if not X.flags.writeable:                          # torch shares memory only with writable
        X = X.copy()
    if not fitting:
        n = int(np.prod(X.shape[1:]))
        if n != est.n_features_in_:
            raise InputError(f"X has {n} features, but {type(est).__name__} is expecting "
                             f"{est.n_features_in_} features as input")
    return X


def validate_Xy(est: BaseEstimator, X: Any, y: Any, *, classifier: bool,
                allow_nd: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``X`` and ``y`` for ``fit``, checked by scikit-learn's ``check_X_y``: ``X`` as in
    :func:`validate_X`; ``y`` of matching length, class labels of a classification target
    (a column vector is flattened with scikit-learn's ``DataConversionWarning``), or finite
    numbers (n,) or (n, k) for a regressor.

    :raises InputError: naming what was expected.
    """
    if y is None:
        raise InputError(f"{type(est).__name__} requires y to be passed, but the target y is "
                         "None")
    X, y = _checked(check_X_y, X, y, dtype="numeric", allow_nd=allow_nd,
                    multi_output=not classifier, y_numeric=not classifier)
    if classifier:
        _checked(check_classification_targets, y)
    if not y.flags.writeable:                          # torch shares memory only with writable
        y = y.copy()
    return X, y


def fit_classes(y: np.ndarray) -> np.ndarray:
    """``classes_`` of labels ``y``, checked to hold at least two classes."""
    classes = np.unique(y)
    if len(classes) < 2:
        raise InputError(f"y holds one class ({classes[0]!r}); a classifier needs at least 2")
    return classes


def binary_scores(scores: np.ndarray) -> np.ndarray:
    """scikit-learn's ``decision_function`` shape: (n,) for two classes (positive for
    ``classes_[1]``: the score difference), else the scores (n, n_classes) as they are."""
    return scores[:, 1] - scores[:, 0] if scores.shape[1] == 2 else scores


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax of class scores (n, n_classes)."""
    e = np.exp(scores - scores.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def estimator_seed(est: BaseEstimator) -> int:
    """The seed of one ``fit``: ``random_state``, or a fresh one from the operating system
    when it is None. (A subclass that still names it ``seed`` is read the same way.)"""
    value = getattr(est, "random_state", getattr(est, "seed", 0))
    return fresh_seed() if value is None else int(value)


class TorchClassifier(ClassifierMixin, BaseEstimator):
    """Base class: a registered nnzoo classifier behind the scikit-learn API.

    Subclasses set ``model_id`` and declare their hyperparameters in ``__init__``; each
    argument is either a field of the model's config or of :class:`~nnzoo.core.config.TrainConfig`
    (``random_state`` and ``device`` excepted). ``decision_function`` gives the scores
    (n_samples, n_classes) of the model.
    """

    model_id: ClassVar[str] = ""

    def _split_params(self) -> tuple[dict[str, Any], dict[str, Any]]:
        params = self.get_params(deep=False)
        for name in ("random_state", "seed", "device"):
            params.pop(name, None)
        model_fields = {f.name for f in dataclasses.fields(get_spec(self.model_id).config)}
        model = {k: v for k, v in params.items() if k in model_fields}
        train = {k: v for k, v in params.items() if k in _TRAIN_FIELDS}
        return model, train

    def _check_X(self, X: Any, *, fitting: bool) -> torch.Tensor:
        X = as_tensor(validate_X(self, X, fitting=fitting, allow_nd=True), "X")
        if fitting:
            check_input(X, tuple(X.shape[1:]), name="X")
        else:
            check_input(X, tuple(self.model_.sample_shape), name="X")
        return X

    def fit(self, X: Any, y: Any) -> TorchClassifier:
        """Train on ``X`` (n_samples, n_features...) and labels ``y`` (n_samples,)."""
        X, y = validate_Xy(self, X, y, classifier=True, allow_nd=True)
        X = self._check_X(X, fitting=True)
        self.classes_ = fit_classes(y)
        yi = torch.as_tensor(np.searchsorted(self.classes_, y), dtype=torch.long)
        model_hp, train_hp = self._split_params()
        cfg = build_config(TrainConfig, train_hp)
        seed = estimator_seed(self)
        device = resolve_device(getattr(self, "device", "cpu"))
        with isolated_rng(seed, device):               # the caller's generators are kept
            model = self._train(X, yi, model_hp, cfg, seed, device)
        self.model_ = model.eval()
        self.n_features_in_ = int(np.prod(X.shape[1:]))
        self.rng_ = sampling_rng(seed)                 # seeds of later sampling calls
        return self

    def _train(self, X: torch.Tensor, yi: torch.Tensor, model_hp: dict[str, Any],
               cfg: TrainConfig, seed: int, device: torch.device) -> Any:
        """Build the model and run the epochs (inside :meth:`fit`'s RNG guard)."""
        model = create(self.model_id, sample_shape=tuple(X.shape[1:]),
                       n_classes=len(self.classes_), **model_hp).to(device)
        X, yi = X.to(device), yi.to(device)
        opts = model.configure_optimizers(cfg)
        slices = batch_slices(len(X), cfg.batch_size)
        scheds = [build_scheduler(o, cfg, len(slices)) for o in opts]  # (scheduler, unit)
        model.train()
        model.on_fit_start(X, seed)
        self.loss_curve_: list[float] = []
        for epoch in range(cfg.epochs):
            order = epoch_order(len(X), seed, epoch, device)
            total = torch.zeros((), device=device)
            for sl in slices:
                idx = order[sl]
                out = optimize(model.training_step, (X[idx], yi[idx]), opts,
                               automatic=model.automatic_optimization, clip=cfg.grad_clip)
                total += out["loss"] * len(idx)
                for s, unit in scheds:
                    if s is not None and unit == "step":
                        s.step()
            for s, unit in scheds:
                if s is not None and unit == "epoch":
                    s.step()
            self.loss_curve_.append(float(total) / len(X))
        return model

    def _require_fitted(self) -> None:
        require_fitted(self)

    @torch.no_grad()
    def _scores(self, X: Any) -> np.ndarray:
        """The model's class scores, shape (n_samples, n_classes)."""
        self._require_fitted()
        X = self._check_X(X, fitting=False).to(self.model_.device)
        return self.model_(X).float().cpu().numpy()

    def decision_function(self, X: Any) -> np.ndarray:
        """Class scores, shape (n_samples, n_classes)."""
        return self._scores(X)

    def predict(self, X: Any) -> np.ndarray:
        """The predicted label of each sample."""
        scores = self._scores(X)  # checks that the model is fitted first
        return self.classes_[scores.argmax(1)]


class ReadoutEstimator(BaseEstimator):
    """Base class: a closed-form ridge-readout model (:mod:`nnzoo.models.readout`) behind the
    scikit-learn API, as a classifier or a regressor.

    Subclasses set ``model_id``, declare their hyperparameters in ``__init__`` (with
    ``random_state``, ``device`` and ``dtype``) and map them to the model's config in
    :meth:`_model_kwargs`; :class:`ReadoutClassifier` and :class:`ReadoutRegressor` give the
    predictions. ``fit`` builds the model inside :func:`~nnzoo.core.seed.isolated_rng` and
    calls its ``fit(X, y, generator=...)``.
    """

    model_id: ClassVar[str] = ""
    _classification: ClassVar[bool] = True
    #: The class of model ``model_id`` (a subclass narrows it, and the type of ``model_``).
    _model_class: ClassVar[type[ReadoutModel[Any]]] = ReadoutModel
    model_: ReadoutModel[Any]

    def _model_kwargs(self) -> dict[str, Any]:
        """The model's config fields from the estimator's hyperparameters."""
        raise NotImplementedError(f"{type(self).__name__} must define _model_kwargs")

    def _torch_dtype(self) -> torch.dtype:
        dtype = getattr(self, "dtype", "float32")
        if dtype not in ("float32", "float64"):
            raise ConfigError(f"dtype must be float32 or float64, got {dtype!r}")
        return torch.float64 if dtype == "float64" else torch.float32

    def _check_X(self, X: Any, *, fitting: bool) -> torch.Tensor:
        return as_tensor(validate_X(self, X, fitting=fitting), "X")

    def _targets(self, y: np.ndarray) -> tuple[torch.Tensor, int, int]:
        """Targets for the model (class indices or values), ``n_classes``, ``n_outputs``."""
        if self._classification:
            self.classes_ = fit_classes(y)
            return torch.as_tensor(np.searchsorted(self.classes_, y)), len(self.classes_), 1
        yt = as_tensor(y, "y")
        self._y_1d = yt.dim() == 1
        return yt, 0, int(np.prod(yt.shape[1:])) if yt.dim() > 1 else 1

    def fit(self, X: Any, y: Any) -> ReadoutEstimator:
        """Fit on ``X`` (n_samples, n_features) and ``y`` (labels, or regression targets)."""
        dtype = self._torch_dtype()
        X, y = validate_Xy(self, X, y, classifier=self._classification)
        X = self._check_X(X, fitting=True)
        yt, n_classes, n_outputs = self._targets(y)
        device = resolve_device(getattr(self, "device", "cpu"))
        seed = estimator_seed(self)
        with isolated_rng(seed, device):                  # the caller's generators are kept
            model = create_as(self._model_class, self.model_id, sample_shape=(X.shape[1],),
                              n_classes=n_classes, n_outputs=n_outputs,
                              **self._model_kwargs()).to(device, dtype)
            gen = torch.Generator().manual_seed(seed)
            if yt.is_floating_point():
                yt = yt.to(dtype)
            model.fit(X.to(device, dtype), yt.to(device), generator=gen)
        self.model_ = model.eval()
        self.n_features_in_ = int(X.shape[1])
        self.alpha_ = float(model.alpha_)
        return self

    def _require_fitted(self) -> None:
        require_fitted(self)

    def _input(self, X: Any) -> torch.Tensor:
        """Checked ``X`` on the fitted model's device and in its precision."""
        self._require_fitted()
        ref = self.model_.x_mean
        return self._check_X(X, fitting=False).to(ref.device, ref.dtype)

    @torch.no_grad()
    def _outputs(self, X: Any) -> np.ndarray:
        """The readout's outputs ``h W + b``, shape (n_samples, n_outputs or n_classes)."""
        x = self._input(X)                                # checks that it is fitted first
        return self.model_(x).double().cpu().numpy()


class ReadoutClassifier(ClassifierMixin, TransformerMixin, ReadoutEstimator):
    """A ridge-readout classifier: one-hot (0/1) targets, ``predict`` the arg-max of the
    outputs; ``transform`` gives the features the readout sees."""

    def decision_function(self, X: Any) -> np.ndarray:
        """The readout's outputs (n_samples, n_classes); for two classes the difference of
        the two outputs (n_samples,), positive for ``classes_[1]`` (scikit-learn's shape)."""
        return binary_scores(self._outputs(X))

    def predict(self, X: Any) -> np.ndarray:
        """The predicted label of each sample."""
        scores = self._outputs(X)  # checks that the model is fitted first
        return self.classes_[scores.argmax(1)]


class ReadoutRegressor(RegressorMixin, TransformerMixin, ReadoutEstimator):
    """A ridge-readout regressor of one or several targets; ``transform`` gives the features
    the readout sees."""

    _classification = False

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def predict(self, X: Any) -> np.ndarray:
        """Predicted targets: (n_samples,) when fitted on 1-D ``y``, else (n_samples, k)."""
        out = self._outputs(X)
        return out[:, 0] if self._y_1d else out


__all__ = ["EstimatorNotFittedError", "InputTypeError", "ReadoutClassifier", "ReadoutEstimator",
           "ReadoutRegressor", "TorchClassifier", "binary_scores", "create_as", "estimator_seed",
           "fit_classes", "require_fitted", "softmax", "validate_X", "validate_Xy"]
