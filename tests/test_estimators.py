"""Every scikit-learn estimator of nnzoo behaves as scikit-learn expects: ``clone``,
``get_params``/``set_params``, a ``Pipeline``, and scikit-learn's own ``check_estimator``.

The estimators are found, not listed: every estimator registered with ``register_estimator``
(``get_spec(id).estimator`` over the implemented ids), and every other estimator class that
``nnzoo.models`` exports (the regressors ``ELMRegressor``, ``RBFNetRegressor``, the
unsupervised ``SOM``). ``TINY`` only makes them small enough to run in seconds; an estimator
without an entry runs with its defaults.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone, is_classifier
from sklearn.datasets import load_digits
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import nnzoo.models as models
from nnzoo.models import get_spec, implemented_ids
from nnzoo.models.sklearn_api import ReadoutEstimator, TorchClassifier

#: Small hyperparameters per estimator class, so that a fit takes milliseconds. ``dtype``
#: float64: the readout models and the SOM compute in the precision of their ``dtype``
#: parameter (float32 by default), whatever the input's; in float32 their outputs are float32
#: for float64 input (``check_transformer_preserve_dtypes``) and a matrix product's last bits
#: depend on the batch it is part of (``check_methods_subset_invariance``,
#: ``check_methods_sample_order_invariance`` compare to 1e-7). In float64 every check passes.
TINY: dict[str, dict[str, Any]] = {
    "MLPClassifier": {"hidden": (8,), "epochs": 20, "batch_size": 32, "lr": 1e-2},
    "PerceptronClassifier": {"epochs": 5},
    "ELMClassifier": {"neurons": "sigm:30", "dtype": "float64"},
    "ELMRegressor": {"neurons": "sigm:30", "dtype": "float64"},
    "RBFNetClassifier": {"n_centres": 5, "dtype": "float64"},
    "RBFNetRegressor": {"n_centres": 10, "dtype": "float64"},
    "SOM": {"map_size": (3, 3), "n_iterations": 200, "random_state": 0, "dtype": "float64"},
    "SOMClassifier": {"map_size": (3, 3), "n_iterations": 200, "random_state": 0,
                      "dtype": "float64"},
    "SVMClassifier": {},
    "RBMTransformer": {"n_components": 8, "n_iter": 2, "random_state": 0},
    "DBNClassifier": {"hidden": (8,), "pretrain_epochs": 1, "epochs": 10, "batch_size": 16},
}

#: Base classes that ``nnzoo.models`` exports for subclassing, not estimators themselves.
BASES = (TorchClassifier, ReadoutEstimator)


def registered_estimators() -> list[type]:
    """The estimator classes attached to registered models, in registration order."""
    found = (get_spec(mid).estimator for mid in implemented_ids())
    return [est for est in found if est is not None]


def exported_estimators() -> list[type]:
    """Every estimator class that ``nnzoo.models`` exports, bases excepted."""
    out = []
    for name in models.__all__:
        obj = getattr(models, name)
        if isinstance(obj, type) and issubclass(obj, BaseEstimator) and obj not in BASES:
            out.append(obj)
    return out


def all_estimators() -> list[type]:
    """The registered estimators, then the other exported ones."""
    reg = registered_estimators()
    return reg + [e for e in exported_estimators() if e not in reg]


def make(cls: type) -> BaseEstimator:
    """An instance of ``cls`` with its :data:`TINY` hyperparameters."""
    return cls(**TINY.get(cls.__name__, {}))


ESTIMATORS = all_estimators()
IDS = [cls.__name__ for cls in ESTIMATORS]


def test_the_registry_has_estimators_and_exports_them() -> None:
    reg = registered_estimators()
    assert len(reg) >= 8                      # mlp, perceptron, svm, elm, rbf-net, som, rbm, dbn
    exported = exported_estimators()
    missing = [e.__name__ for e in reg if e not in exported]
    assert not missing, f"registered estimators not exported from nnzoo.models: {missing}"
    assert {"ELMRegressor", "RBFNetRegressor"} <= {e.__name__ for e in exported}


@pytest.fixture(scope="module")
def data() -> dict[str, np.ndarray]:
    """150 digits of 3 classes (pixel values 0-16) and a regression target (two pixels)."""
    X, y = load_digits(n_class=3, return_X_y=True)
    X, y = X[:150].astype(np.float64), y[:150]
    t = X[:, 20] / 8 + X[:, 36] / 16
    return {"X": X, "y": y, "t": t}


def _target(est: BaseEstimator, data: dict[str, np.ndarray]) -> np.ndarray | None:
    if is_classifier(est):
        return data["y"]
    if isinstance(est, RegressorMixin):
        return data["t"]
    return None                                                       # a transformer


def _seeded(est: BaseEstimator) -> BaseEstimator:
    """``est`` with a fixed seed where it has one (so that two fits are equal)."""
    if "random_state" in est.get_params():
        est.set_params(random_state=0)
    return est


@pytest.mark.parametrize("cls", ESTIMATORS, ids=IDS)
def test_get_params_set_params_round_trip(cls: type) -> None:
    est = make(cls)
    params = est.get_params()
    assert params and all(hasattr(est, k) for k in params)
    other = cls()
    assert other.set_params(**params) is other                       # set_params returns self
    assert other.get_params() == params
    for k, v in TINY.get(cls.__name__, {}).items():
        assert params[k] == v
    with pytest.raises(ValueError, match="Invalid parameter"):
        other.set_params(no_such_parameter=1)


@pytest.mark.parametrize("cls", ESTIMATORS, ids=IDS)
def test_clone_is_an_unfitted_copy_with_equal_params(cls: type,
                                                     data: dict[str, np.ndarray]) -> None:
    est = _seeded(make(cls))
    est.fit(MinMaxScaler().fit_transform(data["X"]), _target(est, data))
    assert hasattr(est, "model_") and hasattr(est, "n_features_in_")
    copy = clone(est)
    assert type(copy) is cls and copy is not est
    assert copy.get_params() == est.get_params()
    assert not hasattr(copy, "model_") and not hasattr(copy, "n_features_in_")


@pytest.mark.parametrize("cls", ESTIMATORS, ids=IDS)
def test_pipeline_fits_and_predicts(cls: type, data: dict[str, np.ndarray]) -> None:
    """A scaler then the estimator: fit, then predict (or transform) the same as the estimator
    fitted by hand on the scaled data; a classifier beats chance by far, a regressor beats the
    mean. The RBM and the DBN take values in [0, 1]: they get a ``MinMaxScaler``, the others a
    ``StandardScaler``."""
    est = _seeded(make(cls))
    X, y = data["X"], _target(est, data)
    needs_unit = cls.__name__ in ("RBMTransformer", "DBNClassifier")
    scaler = MinMaxScaler() if needs_unit else StandardScaler()
    pipe = make_pipeline(clone(scaler), clone(est)).fit(X, y)
    Z = scaler.fit_transform(X)
    alone = clone(est).fit(Z, y)
    if isinstance(est, ClassifierMixin):
        pred = pipe.predict(X)
        np.testing.assert_array_equal(pred, alone.predict(Z))
        assert set(pred) <= set(y)
        assert (pred == y).mean() > 0.6                           # chance: 1/3
    elif isinstance(est, RegressorMixin):
        pred = pipe.predict(X)
        np.testing.assert_allclose(pred, alone.predict(Z), rtol=1e-6, atol=1e-9)
        assert pred.shape == y.shape
        assert ((pred - y) ** 2).mean() < 0.5 * y.var()
    else:
        out = pipe.transform(X)
        np.testing.assert_allclose(out, alone.transform(Z), rtol=1e-6, atol=1e-9)
        assert out.shape[0] == len(X) and np.isfinite(out).all()


def expected_failed_checks(est: BaseEstimator) -> dict[str, str]:
    """Checks known not to apply to an estimator, with the reason (none for nnzoo's own
    estimators at their :data:`TINY` settings; see the note there on float32)."""
    return {}


@parametrize_with_checks([make(cls) for cls in ESTIMATORS],
                         expected_failed_checks=expected_failed_checks)
def test_scikit_learn_check_estimator(estimator: BaseEstimator, check: Any) -> None:
    check(estimator)
