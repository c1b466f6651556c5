"""One way to register: a model, a recipe, a dataset and a bench task each register themselves
in their own file, so a new architecture is new files only; and every model module names the
catalog's paper."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import nnzoo
from nnzoo.catalog import Entry, load_catalog
from nnzoo.models import get_spec, implemented_ids

PACKAGE = Path(nnzoo.__file__).resolve().parent


# -- every model module docstring names the catalog's paper ----------------------------------------

def names_paper(doc: str, entry: Entry) -> bool:
    """Whether one paragraph of ``doc`` holds the first author's surname and the year of
    ``entry``'s paper (the catalog's)."""
    surname = entry.paper.authors[0].split()[-1]
    return any(surname in p and str(entry.year) in p for p in doc.split("\n\n"))


def test_names_paper_can_fail() -> None:
    entry = load_catalog().get("rbm")  # Smolensky 1986
    assert names_paper("Paper: P. Smolensky, ..., MIT Press, 1986.", entry)
    assert not names_paper("Paper: G. Hinton, ..., 2002.", entry)
    assert not names_paper("Smolensky's harmonium.\n\nHinton 2002; 1986 elsewhere.", entry)


@pytest.mark.parametrize("model_id", implemented_ids())
def test_module_docstring_names_the_catalog_paper(model_id: str) -> None:
    entry = load_catalog().get(model_id)
    module = sys.modules[get_spec(model_id).cls.__module__]
    assert names_paper(module.__doc__ or "", entry), (
        f"{module.__name__}'s docstring does not name {entry.paper.authors[0]} {entry.year}")


# -- the throw-away model: four new files, no edit elsewhere ---------------------------------------

THROWAWAY_ID = "logistic-regression"  # in the catalog, not implemented by nnzoo

MODEL = '''"""Logistic regression: a throw-away model written by tests/test_registration.py.

Paper: D. R. Cox, "The regression analysis of binary sequences", JRSS B 20(2), 1958.

Class scores s = W x + b, trained with the cross-entropy -log softmax(s)_y.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from nnzoo.models.base import Classifier
from nnzoo.models.registry import register


@dataclass
class ThrowawayConfig:
    """:param sample_shape: one input's shape. :param n_classes: number of classes."""

    sample_shape: tuple[int, ...] = (4,)
    n_classes: int = 2


@register("logistic-regression", config=ThrowawayConfig, rule="gradient descent",
          peer="none", reference="none")
class ThrowawayLogisticRegression(Classifier):
    """One linear layer."""

    def __init__(self, config: ThrowawayConfig) -> None:
        super().__init__(config)
        self.linear = nn.Linear(math.prod(config.sample_shape), config.n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check(x)
        return self.linear(x.flatten(1))
'''

DATASET = '''"""Two Gaussian classes in 4-D: a throw-away dataset of tests/test_registration.py."""

import torch

from nnzoo.data.base import ArrayDataset, Splits
from nnzoo.data.registry import register_dataset


def two_gaussians(seed: int = 0) -> Splits:
    """600 points, means -2 and +2 in every coordinate, unit variance: 400 / 100 / 100."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (600,), generator=g)
    X = torch.randn(600, 4, generator=g) + 2.0 * (2 * y[:, None] - 1).float()
    ds = [ArrayDataset(X[s], y[s]) for s in (slice(0, 400), slice(400, 500), slice(500, 600))]
    return Splits(name="throwaway-gaussians", train=ds[0], val=ds[1], test=ds[2],
                  task="classification", n_classes=2, sample_shape=(4,), classes=("a", "b"),
                  description="two Gaussian classes in 4-D")


register_dataset("throwaway-gaussians", two_gaussians,
                 description="two Gaussian classes in 4-D (throw-away)")
'''

RECIPE = '''"""The throw-away model's recipe."""

from nnzoo.recipes.base import Recipe, add

add(Recipe("logistic-regression", "gaussians", "throwaway-gaussians",
           "logistic regression on two Gaussian classes, Adam 0.05, 5 epochs",
           train={"epochs": 5, "batch_size": 32, "lr": 0.05}, default=True))
'''

BENCH = '''"""The throw-away model's bench task: its recipe through the engine."""

from nnzoo.bench.runner import BenchResult, bench_task, timed
from nnzoo.data import load_dataset
from nnzoo.models import create
from nnzoo.recipes import get_recipe
from nnzoo.train.engine import Trainer, evaluate


@bench_task("logistic-regression", "quick", "gaussians")
def gaussians(quiet: bool) -> BenchResult:
    rec = get_recipe("logistic-regression")
    hp, cfg = rec.resolve()
    splits = load_dataset(rec.dataset)
    model = create("logistic-regression", **hp, sample_shape=splits.sample_shape,
                   n_classes=splits.n_classes)
    _, t = timed(lambda: Trainer(model, splits.train, splits.val, cfg, seed=0,
                                 quiet=quiet).fit())
    acc = evaluate(model, splits.test)["accuracy"]
    return BenchResult("logistic-regression", "quick", "gaussians", "accuracy", True,
                       "none", acc, None, t, None, "fit", "recipe gaussians")
'''


def _copy_package(dest: Path) -> Path:
    """A copy of the installed nnzoo package (no caches) under ``dest``."""
    pkg = dest / "nnzoo"
    shutil.copytree(PACKAGE, pkg, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return pkg


def test_throwaway_model_needs_new_files_only(tmp_path: Path) -> None:
    assert THROWAWAY_ID not in implemented_ids()
    pkg = _copy_package(tmp_path / "src")
    before = {p: p.read_bytes() for p in pkg.rglob("*") if p.is_file()}
    new = {
        pkg / "models" / "classic" / "throwaway_logreg.py": MODEL,
        pkg / "data" / "throwaway.py": DATASET,
        pkg / "recipes" / "classic" / "throwaway_logreg.py": RECIPE,
        pkg / "bench" / "classic" / "throwaway_logreg.py": BENCH,
    }
    for path, text in new.items():
        assert not path.exists()
        path.write_text(text)

    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "src"), "HOME": str(home),
           "NNZOO_DATA": str(tmp_path / "data"), "MPLCONFIGDIR": str(tmp_path / "mpl"),
           "XDG_CACHE_HOME": str(tmp_path / "cache"), "PYTHONDONTWRITEBYTECODE": "1",
           "OMP_NUM_THREADS": "1", "NNZOO_OFFLINE": "1"}

    def nnzoo_cli(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "nnzoo.cli", *args], capture_output=True,
                              text=True, cwd=tmp_path, env=env, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout

    # (the id is only in the copy, so finding it shows the copy is what runs)
    listed = nnzoo_cli("list", "--implemented", "--json")
    assert THROWAWAY_ID in {row["id"] for row in json.loads(listed)}

    nnzoo_cli("train", THROWAWAY_ID, "--out", str(tmp_path / "runs"))
    (run,) = (tmp_path / "runs").iterdir()
    summary = json.loads((run / "summary.json").read_text())
    assert summary["test"]["accuracy"] > 0.95, summary

    nnzoo_cli("bench", THROWAWAY_ID, "--tier", "quick", "--out", str(tmp_path / "bench"))
    rows = json.loads((tmp_path / "bench" / "results.json").read_text())["results"]
    (row,) = [r for r in rows if r["model"] == THROWAWAY_ID]
    assert row["task"] == "gaussians" and row["status"] == "" and row["nnzoo"] > 0.95

    # no edit elsewhere: every file of the copy is as it was
    after = {p: p.read_bytes() for p in pkg.rglob("*") if p.is_file() and p not in new}
    assert after == before
