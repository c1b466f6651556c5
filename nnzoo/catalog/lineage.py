"""Render the catalog's lineage graph: an indented text tree, Mermaid and Graphviz DOT.

Edges always point from parent to child. With a ``root`` the view is restricted to the
root, its ancestors and its descendants (edges only between shown nodes).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nnzoo.catalog import Catalog, Entry

__all__ = ["mermaid_id", "render_dot", "render_mermaid", "render_text"]

#: Words a Mermaid flowchart parses as keywords; node ids equal to them get a prefix.
_MERMAID_RESERVED = frozenset(
    {
        "end",
        "graph",
        "flowchart",
        "subgraph",
        "class",
        "classdef",
        "click",
        "style",
        "linkstyle",
        "direction",
        "default",
    }
)
_HIGHLIGHT_FILL = "#fde68a"
_HIGHLIGHT_STROKE = "#b45309"


def _order_key(entry: Entry) -> tuple[int, str]:
    return (entry.year, entry.id)


def _highlight_ids(catalog: Catalog, highlight: Iterable[str]) -> set[str]:
    return {catalog.resolve(h) for h in highlight}


def _label(entry: Entry) -> str:
    return f"{entry.id} - {entry.name} ({entry.year})"


def render_text(catalog: Catalog, root: str | None = None) -> str:
    """Return an indented ASCII tree of the lineage (see :meth:`Catalog.lineage_text`)."""
    shown = set(catalog.subgraph_ids(root))
    lines: list[str] = []
    if root is not None:
        entry = catalog.get(root)
        lines.append(f"Lineage of {_label(entry)}")
    expanded: set[str] = set()

    def kids(ident: str) -> list[str]:
        return [c.id for c in catalog.children(ident) if c.id in shown]

    def walk(ident: str, prefix: str, connector: str, child_prefix: str) -> None:
        entry = catalog.entries[ident]
        mark = "  <==" if root is not None and ident == catalog.resolve(root) else ""
        if ident in expanded and kids(ident):
            lines.append(f"{prefix}{connector}{entry.id} ({entry.year}) (see above)")
            return
        lines.append(f"{prefix}{connector}{_label(entry)}{mark}")
        expanded.add(ident)
        children = kids(ident)
        for n, child in enumerate(children):
            last = n == len(children) - 1
            walk(
                child, prefix + child_prefix, "`-- " if last else "|-- ", "    " if last else "|   "
            )

    starts = sorted(
        (
            catalog.entries[i]
            for i in shown
            if not any(p in shown for p in catalog.entries[i].parents)
        ),
        key=_order_key,
    )
    for entry in starts:
        walk(entry.id, "", "", "")
    return "\n".join(lines) + "\n"


def mermaid_id(ident: str) -> str:
    """Return a Mermaid-safe node identifier for a catalog id (``dcn-plus`` -> ``dcn_plus``).

    Characters outside ``[A-Za-z0-9_]`` become ``_``; an id that is a Mermaid keyword
    (``end``) or starts with ``o``/``x`` (which Mermaid can read as an edge end) is
    prefixed with ``n_``.
    """
    safe = re.sub(r"[^A-Za-z0-9_]", "_", ident)
    if safe.lower() in _MERMAID_RESERVED or safe[:1] in ("o", "x"):
        safe = "n_" + safe
    return safe


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def render_mermaid(
    catalog: Catalog, root: str | None = None, highlight: Iterable[str] = frozenset()
) -> str:
    """Return a Mermaid ``graph TD`` of the lineage (see :meth:`Catalog.to_mermaid`)."""
    ids = catalog.subgraph_ids(root)
    shown = set(ids)
    marked = _highlight_ids(catalog, highlight) & shown
    lines = ["graph TD"]
    for ident in ids:
        entry = catalog.entries[ident]
        label = _mermaid_text(f"{entry.name} ({entry.year})")
        lines.append(f'    {mermaid_id(ident)}["{label}"]')
    for ident in ids:
        for parent in catalog.entries[ident].parents:
            if parent in shown:
                lines.append(f"    {mermaid_id(parent)} --> {mermaid_id(ident)}")
    if marked:
        lines.append(
            f"    classDef highlight fill:{_HIGHLIGHT_FILL},stroke:{_HIGHLIGHT_STROKE},"
            "stroke-width:2px"
        )
        lines.append(
            "    class " + ",".join(mermaid_id(i) for i in ids if i in marked) + " highlight"
        )
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def render_dot(
    catalog: Catalog, root: str | None = None, highlight: Iterable[str] = frozenset()
) -> str:
    """Return a Graphviz ``digraph nnzoo`` of the lineage (see :meth:`Catalog.to_dot`)."""
    ids = catalog.subgraph_ids(root)
    shown = set(ids)
    marked = _highlight_ids(catalog, highlight) & shown
    lines = [
        "digraph nnzoo {",
        "    rankdir=TB;",
        '    node [shape=box, style="rounded", fontname="Helvetica"];',
    ]
    for ident in ids:
        entry = catalog.entries[ident]
        label = f"{_dot_text(entry.name)}\\n({entry.year})"
        style = (
            f', style="rounded,filled", fillcolor="{_HIGHLIGHT_FILL}"' if ident in marked else ""
        )
        lines.append(f'    "{ident}" [label="{label}"{style}];')
    for ident in ids:
        for parent in catalog.entries[ident].parents:
            if parent in shown:
                lines.append(f'    "{parent}" -> "{ident}";')
    lines.append("}")
    return "\n".join(lines) + "\n"
