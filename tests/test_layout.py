"""The layout: one family name finds a model, its recipes and its benchmarks, and the layers
import one way only (core <- data, catalog <- models <- train <- recipes <- bench <- web, cli)."""

from __future__ import annotations

import ast
import pkgutil
from pathlib import Path
from types import ModuleType

import pytest

import nnzoo.bench
import nnzoo.models
import nnzoo.recipes
from nnzoo.bench.runner import tasks
from nnzoo.catalog import load_catalog
from nnzoo.core.errors import UnknownNameError
from nnzoo.models import get_spec, implemented_ids
from nnzoo.models.families import FAMILIES, family_of, home_of_catalog_family
from nnzoo.recipes import recipes_for

PACKAGE = Path(nnzoo.__file__).resolve().parent

#: What each layer may import (itself included); ``cli`` is imported by nothing.
ALLOWED: dict[str, set[str]] = {
    "core": {"core"},
    "data": {"core", "data"},
    "catalog": {"core", "catalog"},
    "models": {"core", "catalog", "models"},
    "train": {"core", "data", "catalog", "models", "train"},
    "recipes": {"core", "data", "catalog", "models", "train", "recipes"},
    "bench": {"core", "data", "catalog", "models", "train", "recipes", "bench"},
    "web": {"core", "data", "catalog", "models", "recipes", "bench", "web"},
    "cli": {"core", "data", "catalog", "models", "train", "recipes", "bench", "web", "cli"},
}


def _subpackages(pkg: ModuleType) -> set[str]:
    return {m.name for m in pkgutil.iter_modules(list(pkg.__path__)) if m.ispkg}


def test_the_family_table_is_the_package_cut() -> None:
    """Every family package exists under models, recipes and bench, and nothing else does."""
    for pkg in (nnzoo.models, nnzoo.recipes, nnzoo.bench):
        assert _subpackages(pkg) == set(FAMILIES), pkg.__name__
    homes: dict[str, str] = {}
    for fam in FAMILIES.values():
        for c in fam.catalog:
            assert c not in homes, f"catalog family {c!r} has two homes: {homes[c]}, {fam.name}"
            homes[c] = fam.name
    taken = [i for fam in FAMILIES.values() for i in fam.takes]
    assert len(taken) == len(set(taken))
    cat = load_catalog()
    for i in taken:
        assert cat.get(i).id == i  # a catalog id, spelled as the catalog spells it


def test_family_of() -> None:
    assert family_of("lstm") == "recurrent"
    assert family_of("bilstm-crf") == "text"    # taken from the recurrent family
    assert family_of("text-cnn") == "text"      # taken from the convolutional family
    assert family_of("crf") == "text"           # taken from the classic family
    assert family_of("cnn") == "vision"
    assert family_of("alexnet") == "vision"
    assert family_of("kohonen") == "classic"    # an alias
    assert family_of("logistic-regression") == "classic"
    with pytest.raises(UnknownNameError):
        home_of_catalog_family("no-such-family")


@pytest.mark.parametrize("model_id", implemented_ids())
def test_model_recipes_and_benchmarks_live_in_its_family(model_id: str) -> None:
    fam = family_of(model_id)
    spec = get_spec(model_id)
    assert spec.cls.__module__.startswith(f"nnzoo.models.{fam}."), spec.cls.__module__
    assert spec.config.__module__.startswith(f"nnzoo.models.{fam}."), spec.config.__module__
    recipes = recipes_for(model_id)
    assert recipes
    for r in recipes:
        assert r.module.startswith(f"nnzoo.recipes.{fam}."), (r.name, r.module)
    bench = [t for tier in ("quick", "full") for t in tasks(None, tier) if t.model == model_id]
    for t in bench:
        assert t.module.startswith(f"nnzoo.bench.{fam}."), (t.tier, t.task, t.module)


# -- import direction ------------------------------------------------------------------------------

def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """The absolute names ``node`` imports (``from nnzoo import models`` gives
    ``nnzoo.models``; relative imports resolved against ``module``)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = node.module or ""
    if node.level:
        parts = module.split(".")
        keep = len(parts) - node.level + (1 if is_package else 0)
        base = ".".join(parts[:keep] + ([base] if base else []))
    return [f"{base}.{a.name}" for a in node.names]


def _layer(name: str) -> str | None:
    """The layer of dotted name ``name`` inside nnzoo: None outside nnzoo and for the bare top
    package (the parent of every module, imported with any of them; ``nnzoo.__version__``),
    ``nnzoo`` for the top package's Python API (``from nnzoo import create``: it reaches the
    models, so no layer uses it)."""
    parts = name.split(".")
    if parts[0] != "nnzoo" or name == "nnzoo":
        return None
    if len(parts) == 1 or parts[1] not in ALLOWED:
        return "nnzoo"
    return parts[1]


def layer_violations(root: Path) -> list[str]:
    """``path:line: layer imports name`` for every import (top-level or in a function) of the
    package at ``root`` that goes against :data:`ALLOWED`."""
    out = []
    for path in sorted(root.rglob("*.py")):
        module = _module_name(path, root)
        layer = "nnzoo" if module == "nnzoo" else _layer(module) or "nnzoo"
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            for name in _imported(node, module, path.name == "__init__.py"):
                target = _layer(name)
                if target is None or layer == "nnzoo":
                    continue  # outside nnzoo, or the top package (the Python API: any layer)
                if target == "nnzoo" or target not in ALLOWED[layer]:
                    out.append(f"{path.relative_to(root.parent)}:{node.lineno}: {layer} "
                               f"imports {name}")
    return out


def test_layer_detection(tmp_path: Path) -> None:
    """The check sees top-level, function-level and relative imports, and the Python API."""
    pkg = tmp_path / "nnzoo"
    for sub in ("core", "models", "train"):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("from nnzoo.cli import main\n")  # the top package: free
    (pkg / "core" / "a.py").write_text("import numpy\nfrom nnzoo.core import b\n"
                                       "def f():\n    from nnzoo.models import create\n")
    (pkg / "models" / "m.py").write_text("from ..train import engine\nfrom . import x\n"
                                         "import nnzoo\nfrom nnzoo import create\n")
    (pkg / "train" / "t.py").write_text("from nnzoo import models, data\nimport nnzoo.cli\n")
    assert layer_violations(pkg) == [
        "nnzoo/core/a.py:4: core imports nnzoo.models.create",
        "nnzoo/models/m.py:1: models imports nnzoo.train.engine",
        "nnzoo/models/m.py:4: models imports nnzoo.create",
        "nnzoo/train/t.py:2: train imports nnzoo.cli",
    ]


def test_layers_import_one_way() -> None:
    assert layer_violations(PACKAGE) == []


#: The most lines a file under ``nnzoo/models/`` may have: a model file that grows past it holds
#: something else (an estimator, plots, building blocks) that belongs in a file beside it.
MAX_MODEL_FILE_LINES = 500


def test_model_files_stay_readable() -> None:
    long = {str(p.relative_to(PACKAGE)): n
            for p in sorted((PACKAGE / "models").rglob("*.py"))
            if (n := len(p.read_text().splitlines())) > MAX_MODEL_FILE_LINES}
    assert not long, f"model files above {MAX_MODEL_FILE_LINES} lines: {long}"
