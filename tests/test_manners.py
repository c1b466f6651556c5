"""A library that behaves: importing nnzoo, plotting and fitting an estimator leave the
user's process as it was (matplotlib's backend, the global random generators, torch's
thread count)."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from sklearn.base import clone

from nnzoo.core.seed import isolated_rng, seed_everything
from nnzoo.models import (
    SOM,
    DBNClassifier,
    ELMClassifier,
    ELMRegressor,
    MLPClassifier,
    PerceptronClassifier,
    RBFNetClassifier,
    RBFNetRegressor,
    RBMTransformer,
    SOMClassifier,
    SVMClassifier,
)

ROOT = Path(__file__).resolve().parents[1]


def _python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["OMP_NUM_THREADS"] = "1"
    return subprocess.run([sys.executable, "-c", code, *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


# -- matplotlib -------------------------------------------------------------------------------

@pytest.mark.parametrize("module", ["nnzoo", "nnzoo.models", "nnzoo.bench", "nnzoo.recipes",
                                    "nnzoo.cli"])
def test_import_keeps_the_users_matplotlib_backend(module: str) -> None:
    r = _python("import matplotlib\n"
                "matplotlib.use('svg')\n"
                f"import {module}\n"
                "print(matplotlib.get_backend())")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["svg"]


def test_plots_are_written_without_touching_backend_or_pyplot(tmp_path: Path) -> None:
    """A user on another backend with pyplot figures of their own: a model's ``visualize``
    and the run plots still write their PNGs, the backend stays, and none of nnzoo's figures
    is left in pyplot's registry."""
    code = """
import sys
from pathlib import Path
import matplotlib
matplotlib.use("svg")
import matplotlib.pyplot as plt
import numpy as np
from nnzoo.core import plots
from nnzoo.models import SOMClassifier, SVMClassifier
out = Path(sys.argv[1])
mine = plt.figure()
rng = np.random.default_rng(0)
X = rng.normal(size=(40, 2))
y = (X[:, 0] > 0).astype(int)
paths = SVMClassifier().fit(X, y).model_.visualize(out / "svm")
paths += SOMClassifier(map_size=(3, 3), random_state=0).fit(X, y).model_.visualize(out / "som")
paths.append(plots.learning_curve([{"epoch": 1, "loss": 1.0}, {"epoch": 2, "loss": 0.5}],
                                  out / "learning_curve.png"))
for p in paths:
    assert Path(p).read_bytes()[:8] == b"\\x89PNG\\r\\n\\x1a\\n", p
print(matplotlib.get_backend(), plt.get_fignums() == [mine.number],
      " ".join(sorted(Path(p).name for p in paths)))
"""
    r = _python(code, str(tmp_path))
    assert r.returncode == 0, r.stderr
    backend, only_mine, *names = r.stdout.split()
    assert backend == "svg" and only_mine == "True"
    assert names == sorted(["decision_regions.png", "u_matrix.png", "component_planes.png",
                            "learning_curve.png"])


def test_the_package_never_uses_pyplot_or_switches_the_backend() -> None:
    bad = re.compile(r"^\s*(import\s+matplotlib\.pyplot|from\s+matplotlib\s+import\s+.*\bpyplot"
                     r"|from\s+matplotlib\.pyplot\s+import)|matplotlib\.use\(|\bplt\.", re.M)
    hits = [f"{p.relative_to(ROOT)}:{m.group(0).strip()}"
            for p in sorted((ROOT / "nnzoo").rglob("*.py"))
            for m in bad.finditer(p.read_text(encoding="utf-8"))]
    assert hits == []


# -- random generators and threads ------------------------------------------------------------

def _snapshot() -> tuple[Any, ...]:
    version, keys, pos, has_gauss, cached = np.random.get_state()
    return (random.getstate(), (version, keys.tolist(), pos, has_gauss, cached),
            torch.get_rng_state().tolist(), torch.get_num_threads())


@pytest.fixture
def user_state() -> Any:
    """The user's process: seeded global generators and a thread count of their choice."""
    threads = torch.get_num_threads()
    random.seed(11)
    np.random.seed(12)
    torch.manual_seed(13)
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(threads)


def _data(kind: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.random((60, 16))
    if kind == "regression":
        return X, X[:, 0] + 0.5 * X[:, 1]
    return X, (X[:, 0] + X[:, 1] > 1).astype(int)


def _outputs(est: Any, X: np.ndarray) -> list[np.ndarray]:
    """Everything the fitted estimator computes from ``X`` (predict, transform, scores)."""
    out = []
    for name in ("predict", "decision_function", "predict_proba", "transform"):
        if hasattr(est, name):
            out.append(np.asarray(getattr(est, name)(X)))
    return out


ESTIMATORS: dict[str, tuple[Callable[[], Any], str]] = {
    "mlp": (lambda: MLPClassifier(hidden=(8,), dropout=0.2, epochs=3, batch_size=16), "class"),
    "perceptron": (lambda: PerceptronClassifier(epochs=2), "class"),
    "dbn": (lambda: DBNClassifier(hidden=(8,), pretrain_epochs=1, epochs=2, dropout=0.2),
            "class"),
    "svm": (lambda: SVMClassifier(), "class"),
    "elm": (lambda: ELMClassifier(neurons="sigm:20"), "class"),
    "elm-regressor": (lambda: ELMRegressor(neurons="sigm:20,rbf:5"), "regression"),
    "rbf-net": (lambda: RBFNetClassifier(n_centres=6, finetune_epochs=2), "class"),
    "rbf-net-regressor": (lambda: RBFNetRegressor(n_centres=6), "regression"),
    "som": (lambda: SOM(map_size=(3, 3), random_state=0), "class"),
    "som-classifier": (lambda: SOMClassifier(map_size=(3, 3), random_state=0), "class"),
    "rbm": (lambda: RBMTransformer(n_components=8, n_iter=2, random_state=0), "class"),
}


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_fit_and_predict_leave_global_state_alone(name: str, user_state: Any) -> None:
    make, kind = ESTIMATORS[name]
    X, y = _data(kind)
    before = _snapshot()
    est = make().fit(X, y)
    first = _outputs(est, X)
    assert _snapshot() == before, "fit or predict/transform changed the global state"
    again = clone(est).fit(X, y)                   # same random_state: the same model
    for a, b in zip(first, _outputs(again, X)):
        np.testing.assert_array_equal(a, b)
    assert first


@pytest.mark.parametrize("make", [lambda s: MLPClassifier(hidden=(8,), epochs=2, random_state=s),
                                  lambda s: ELMClassifier(neurons="sigm:20", random_state=s),
                                  lambda s: RBMTransformer(n_components=8, n_iter=1,
                                                           random_state=s)])
def test_the_seed_still_decides_the_model(make: Callable[[int], Any]) -> None:
    """The agreement above is not that of a model that ignores its seed."""
    X, y = _data("class")
    a, b = make(0).fit(X, y), make(1).fit(X, y)
    assert not np.array_equal(_outputs(a, X)[-1], _outputs(b, X)[-1])


@pytest.mark.parametrize("make", [lambda: SOM(map_size=(3, 3)),
                                  lambda: RBMTransformer(n_components=8, n_iter=1)])
def test_unseeded_fit_draws_a_fresh_seed_without_the_global_generators(
        make: Callable[[], Any], user_state: Any) -> None:
    X, _ = _data("class")
    before = _snapshot()
    a, b = make().fit(X), make().fit(X)
    assert _snapshot() == before
    assert not np.array_equal(a.transform(X), b.transform(X))


def test_sampling_methods_draw_from_the_estimators_own_stream(user_state: Any) -> None:
    X, y = _data("class")
    rbm = RBMTransformer(n_components=8, n_iter=1, random_state=3).fit(X)
    dbn = DBNClassifier(hidden=(8,), pretrain_epochs=1, epochs=1, random_state=3).fit(X, y)
    calls = [lambda r: r.gibbs(X), lambda r: r.sample(4, steps=3),
             lambda r: r.score_samples(X)]
    before = _snapshot()
    first = [c(rbm) for c in calls] + [dbn.sample(4, steps=3)]
    assert _snapshot() == before
    twin = clone(rbm).fit(X)
    twin_dbn = clone(dbn).fit(X, y)
    for a, b in zip(first, [c(twin) for c in calls] + [twin_dbn.sample(4, steps=3)]):
        np.testing.assert_array_equal(a, b)              # reproducible from random_state
    assert not np.array_equal(rbm.gibbs(X), first[0])    # and a stream, not one fixed draw


def test_isolated_rng_seeds_like_seed_everything_and_restores_on_error() -> None:
    seed_everything(5)
    expected = (random.random(), np.random.rand(), torch.rand(1).item())
    random.seed(1)
    np.random.seed(1)
    torch.manual_seed(1)
    torch_before = torch.get_rng_state()
    outside = (random.getstate(), np.random.get_state()[1].tolist())
    with pytest.raises(RuntimeError, match="boom"), isolated_rng(5):
        assert (random.random(), np.random.rand(), torch.rand(1).item()) == expected
        raise RuntimeError("boom")
    assert torch.equal(torch.get_rng_state(), torch_before)
    assert (random.getstate(), np.random.get_state()[1].tolist()) == outside
