"""Every scikit-learn estimator of nnzoo behaves as scikit-learn expects: ``clone``,
``get_params``/``set_params``, a ``Pipeline``, and scikit-learn's own ``check_estimator``.

The estimators are found, not listed: every estimator registered with ``register_estimator``
(``get_spec(id).estimator`` over the implemented ids), and every other estimator class that
``nnzoo.models`` exports (the regressors ``ELMRegressor``, ``RBFNetRegressor``, the
unsupervised ``SOM``). ``TINY`` only makes them small enough to run in seconds; an estimator
without an entry runs with its defaults.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone, is_classifier
from sklearn.datasets import load_digits
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.utils.estimator_checks import (
    estimator_checks_generator,
    parametrize_with_checks,
)

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


#: Why a check cannot apply to Bernoulli visible units: the checks generate their own data and
#: scikit-learn's tags can only ask for non-negative data (``input_tags.positive_only``, which
#: the RBM and the DBN declare: the checks then shift their data to a minimum of 0), not for
#: [0, 1]; values above 1 are one clear ``InputError`` of nnzoo's, so the check fails before
#: it tests what it is about. ``test_rbm.py`` runs every check on the Gaussian RBM, which
#: takes any real data.
UNIT_INTERVAL = ("scikit-learn's generated X reaches values above 1, and Bernoulli visible "
                 "units take values in [0, 1] only (no tag declares that range)")

#: The checks that feed the estimator data it must reject (:data:`UNIT_INTERVAL`).
UNIT_INTERVAL_CHECKS = (
    "check_estimators_overwrite_params", "check_dont_overwrite_parameters",
    "check_estimators_fit_returns_self", "check_readonly_memmap_input",
    "check_n_features_in_after_fitting", "check_estimators_dtypes",
    "check_pipeline_consistency", "check_estimators_pickle",
    "check_f_contiguous_array_estimator", "check_methods_sample_order_invariance",
    "check_methods_subset_invariance", "check_fit2d_1sample", "check_fit2d_1feature",
    "check_dict_unchanged", "check_fit_idempotent", "check_fit_check_is_fitted",
    "check_n_features_in", "check_fit2d_predict1d")
RBM_CHECKS = ("check_transformer_data_not_an_array", "check_transformer_general",
              "check_transformer_preserve_dtypes")
DBN_CHECKS = ("check_classifier_data_not_an_array", "check_classifiers_classes",
              "check_classifiers_train", "check_decision_proba_consistency")

#: The message of nnzoo's error for data outside [0, 1] (``energy.units.check_unit_interval``).
UNIT_INTERVAL_ERROR = "must hold values in [0, 1] for Bernoulli visible units"


def expected_failed_checks(est: BaseEstimator) -> dict[str, str]:
    """Checks known not to apply to an estimator, with the reason: those that feed data
    outside [0, 1] to Bernoulli visible units (the Bernoulli RBM, the DBN); none for the
    other estimators at their :data:`TINY` settings (see the note there on float32)."""
    name = type(est).__name__
    if name == "RBMTransformer" and est.get_params()["visible"] == "bernoulli":
        out = dict.fromkeys(UNIT_INTERVAL_CHECKS + RBM_CHECKS, UNIT_INTERVAL)
        for check in ("check_methods_sample_order_invariance",
                      "check_methods_subset_invariance"):
            out[check] += ("; and on valid data, score_samples flips one bit per sample drawn "
                           "from one stream, so a sample's score depends on its place in X "
                           "(scikit-learn lists both checks as failing for BernoulliRBM too)")
        return out
    if name == "DBNClassifier":
        return dict.fromkeys(UNIT_INTERVAL_CHECKS + DBN_CHECKS, UNIT_INTERVAL)
    return {}


CHECKED = [make(cls) for cls in ESTIMATORS]


@parametrize_with_checks(CHECKED, expected_failed_checks=expected_failed_checks,
                         xfail_strict=True)
def test_scikit_learn_check_estimator(estimator: BaseEstimator, check: Any) -> None:
    """Every check passes, or is listed in :func:`expected_failed_checks` and fails (strict:
    a listed check that passes fails this test)."""
    check(estimator)


def _check_name(check: Any) -> str:
    return check.func.__name__ if isinstance(check, partial) else check.__name__


def _messages(e: BaseException | None) -> str:
    """The messages of ``e`` and of the errors it was raised from."""
    out = []
    while e is not None:
        out.append(str(e))
        e = e.__cause__ or e.__context__
    return " | ".join(out)


EXPECTED = [(est, check) for est in CHECKED if expected_failed_checks(est)
            for _, check in estimator_checks_generator(est, mark=None)
            if _check_name(check) in expected_failed_checks(est)]


def test_every_listed_check_exists() -> None:
    """A listed check that scikit-learn no longer runs (renamed, removed) is a stale entry."""
    for est in CHECKED:
        ran = {_check_name(c) for _, c in estimator_checks_generator(est, mark=None)}
        stale = set(expected_failed_checks(est)) - ran
        assert not stale, f"{type(est).__name__}: {sorted(stale)}"
    assert EXPECTED


@pytest.mark.parametrize(("estimator", "check"), EXPECTED,
                         ids=[f"{type(e).__name__}-{_check_name(c)}" for e, c in EXPECTED])
def test_listed_checks_fail_for_the_stated_reason(estimator: BaseEstimator,
                                                  check: Any) -> None:
    """Each check listed for the data's range fails on nnzoo's error for values outside
    [0, 1] (raised as it is, or quoted by the check), not on anything else."""
    with pytest.raises(Exception) as info:
        check(estimator)
    assert UNIT_INTERVAL_ERROR in _messages(info.value)
