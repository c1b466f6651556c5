"""The scikit-learn estimator API of the perceptron and the MLP."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from nnzoo.core.errors import InputError, NotFittedError
from nnzoo.models import MLPClassifier, PerceptronClassifier
from nnzoo.models.sklearn_api import TorchClassifier


@pytest.fixture(scope="module")
def blobs() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    centers = np.array([[0, 0], [4, 4], [0, 4]])
    X = np.concatenate([rng.normal(c, 0.7, size=(40, 2)) for c in centers]).astype(np.float32)
    y = np.repeat(np.array(["a", "b", "c"]), 40)
    return X, y


Blobs = tuple[np.ndarray, np.ndarray]
Make = Callable[[], TorchClassifier]

ESTIMATORS: list[Make] = [lambda: MLPClassifier(hidden=(16,), epochs=60, batch_size=16, lr=1e-2),
              lambda: PerceptronClassifier(epochs=10)]


@pytest.mark.parametrize("make", ESTIMATORS)
def test_fit_predict_score_with_string_labels(make: Make, blobs: Blobs) -> None:
    X, y = blobs
    est = make().fit(X, y)
    assert list(est.classes_) == ["a", "b", "c"]
    assert set(est.predict(X)) <= {"a", "b", "c"}
    assert est.score(X, y) > 0.9
    assert est.decision_function(X).shape == (120, 3)


@pytest.mark.parametrize("make", ESTIMATORS)
def test_params_clone_pipeline_and_grid_search(make: Make, blobs: Blobs) -> None:
    X, y = blobs
    est = make()
    params = est.get_params()
    assert params["epochs"] == est.epochs
    c = clone(est).set_params(epochs=3)
    assert c.epochs == 3 and est.epochs != 3
    pipe = make_pipeline(StandardScaler(), make()).fit(X, y)
    assert pipe.score(X, y) > 0.9
    grid = GridSearchCV(make(), {"epochs": [2, 5]}, cv=2).fit(X, y)
    assert grid.best_params_["epochs"] in (2, 5)


def test_mlp_predict_proba_sums_to_one(blobs: Blobs) -> None:
    X, y = blobs
    p = MLPClassifier(hidden=(8,), epochs=5).fit(X, y).predict_proba(X)
    np.testing.assert_allclose(p.sum(1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("make", ESTIMATORS)
def test_bad_input(make: Make, blobs: Blobs) -> None:
    X, y = blobs
    with pytest.raises(NotFittedError, match="not fitted"):
        make().predict(X)
    with pytest.raises(InputError, match="inconsistent numbers of samples"):
        make().fit(X, y[:-1])
    with pytest.raises(InputError, match="one class"):
        make().fit(X, np.zeros(len(X)))
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(InputError, match="Input X contains NaN"):
        make().fit(bad, y)
    with pytest.raises(InputError, match="Expected 2D array"):
        make().fit(X[:, 0], y)
    est = make().fit(X, y)
    with pytest.raises(InputError, match="X has 5 features, but .* is expecting 2 features"):
        est.predict(np.ones((3, 5), dtype=np.float32))
    with pytest.raises(InputError, match="real numbers|numeric"):
        est.predict(np.array([["a", "b"]]))
