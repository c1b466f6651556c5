"""Every third-party module nnzoo imports is declared in pyproject.toml: a dependency, or an
optional peer (extra or installed apart) whose import is guarded (inside a function, or in a
``try`` that catches ImportError), so that nnzoo imports without it."""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import tomllib

REPO = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    """The normalised distribution name of a requirement string ('PyDTMC==8.7.0' -> 'pydtmc')."""
    return re.split(r"[<>=!~;\[ ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _catches_import_error(node: ast.Try) -> bool:
    names = set()
    for h in node.handlers:
        for n in ast.walk(h.type) if h.type is not None else []:
            if isinstance(n, ast.Name):
                names.add(n.id)
    return bool(names & {"ImportError", "ModuleNotFoundError", "Exception"})


def _imports(tree: ast.AST) -> list[tuple[str, int, bool]]:
    """``(top-level module, line, guarded)`` of every absolute import in ``tree``."""
    out: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, guarded: bool) -> None:
        for child in ast.iter_child_nodes(node):
            g = guarded or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                out.extend((a.name.split(".")[0], child.lineno, guarded) for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                out.append((child.module.split(".")[0], child.lineno, guarded))
            if isinstance(child, ast.Try) and _catches_import_error(child):
                for stmt in child.body:
                    visit(ast.Module(body=[stmt], type_ignores=[]), True)
                for part in (child.handlers, child.orelse, child.finalbody):
                    for stmt in part:
                        visit(ast.Module(body=[stmt], type_ignores=[]), g)
            else:
                visit(child, g)

    visit(tree, False)
    return out


def _declared() -> tuple[set[str], set[str]]:
    """(required distributions, optional ones: the extras and [tool.nnzoo] installed-apart)."""
    py = tomllib.loads((REPO / "pyproject.toml").read_text())
    required = {_name(r) for r in py["project"]["dependencies"]}
    optional = {_name(r) for reqs in py["project"]["optional-dependencies"].values()
                for r in reqs}
    optional |= {_name(r) for r in py["tool"]["nnzoo"]["installed-apart"]}
    return required, optional


def test_guard_detection() -> None:
    tree = ast.parse("import numpy\ntry:\n    import peer_a\nexcept ImportError:\n    pass\n"
                     "def f():\n    import peer_b\nfrom x.y import z\nfrom . import w\n")
    assert _imports(tree) == [("numpy", 1, False), ("peer_a", 3, True), ("peer_b", 7, True),
                              ("x", 8, False)]


def test_every_third_party_import_is_declared() -> None:
    required, optional = _declared()
    dists = packages_distributions()
    problems = []
    web = {_name(r) for r in tomllib.loads((REPO / "pyproject.toml").read_text())
           ["project"]["optional-dependencies"]["web"]}
    for path in sorted((REPO / "nnzoo").rglob("*.py")):
        rel = path.relative_to(REPO)
        # nnzoo.web is the web extra's own layer: only the CLI imports it, inside its
        # serve and site commands (test_web_layer_is_imported_only_inside_functions)
        in_web = rel.parts[:2] == ("nnzoo", "web")
        for module, line, guarded in _imports(ast.parse(path.read_text(), str(path))):
            if module in sys.stdlib_module_names or module in ("nnzoo", "__future__"):
                continue
            # an installed module's distributions; a missing one is named like its module
            names = {_name(d) for d in dists.get(module, [module])}
            if names & required:
                continue
            if names & optional:
                if not guarded and not (in_web and names & web):
                    problems.append(f"{rel}:{line}: optional peer {module} imported at "
                                    "module level (import it inside the function using it)")
                continue
            problems.append(f"{rel}:{line}: {module} ({', '.join(sorted(names))}) is not "
                            "declared in pyproject.toml")
    assert not problems, "\n".join(problems)


def test_web_layer_is_imported_only_inside_functions() -> None:
    """nnzoo imports without the web extra: no module outside nnzoo/web imports nnzoo.web at
    module level."""
    problems = []
    for path in sorted((REPO / "nnzoo").rglob("*.py")):
        rel = path.relative_to(REPO)
        if rel.parts[:2] == ("nnzoo", "web"):
            continue
        for node in ast.parse(path.read_text(), str(path)).body:
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            problems += [f"{rel}:{node.lineno}: {n}" for n in names
                         if n == "nnzoo.web" or n.startswith("nnzoo.web.")]
    assert not problems, "\n".join(problems)


def test_the_makefile_installs_every_installed_apart_peer_without_deps() -> None:
    apart = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["nnzoo"][
        "installed-apart"]
    makefile = (REPO / "Makefile").read_text()
    line = re.search(r"^APART\s*\?=\s*(.*)$", makefile, re.M)
    assert line and line.group(1).split() == apart
    assert "pip install --quiet --no-deps $(APART))" in makefile
