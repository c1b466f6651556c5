"""Real-data quality checks on MNIST (``pytest -m slow``, needs ``NNZOO_DATA``; minutes)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnzoo.data import DATASETS, verify
from nnzoo.recipes.runner import RunOptions, train

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def _mnist_present() -> None:
    if any(status != "ok" for _, status in verify(DATASETS["mnist"].source)):
        pytest.skip("MNIST is not in NNZOO_DATA")


def test_cnn_reaches_99_2_percent_in_5_epochs(tmp_path: Path) -> None:
    s = train("cnn", "mnist", options=RunOptions(out=str(tmp_path), quiet=True))
    assert s["epochs"] <= 5 and s["test"]["accuracy"] >= 0.992


def test_layered_mlp_reaches_98_2_percent(tmp_path: Path) -> None:
    s = train("mlp", "mnist", options=RunOptions(out=str(tmp_path), quiet=True))
    assert s["test"]["accuracy"] >= 0.982


def test_averaged_perceptron_at_least_sklearns_averaged_perceptron() -> None:
    """Against the matched peer (scikit-learn's averaged perceptron, same rule, rate, epochs
    and averaging): not more than half a point below it."""
    import warnings

    from nnzoo.bench.arrays import numpy_splits as _numpy
    from nnzoo.bench.feedforward.perceptron import sklearn_averaged_perceptron
    from nnzoo.models import PerceptronClassifier

    Xtr, ytr, Xte, yte = _numpy("mnist")
    ours = PerceptronClassifier(epochs=5).fit(Xtr, ytr).score(Xte, yte)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = sklearn_averaged_perceptron(5).fit(Xtr, ytr).score(Xte, yte)
    assert np.isfinite(ours) and ours >= peer - 0.005, (ours, peer)
