"""Layouts of the lineage graphs, computed in Python so that the SVG is deterministic.

A layout is plain data (node boxes, edge end points, the canvas size); the templates
``_lineage.html`` and ``lineage.html`` draw it, each node an ``<a class="node">`` link.

* :func:`entry_layout`: one entry's parents above it and its children below it.
* :func:`genealogy_layout`: every entry, years from left to right, one lane per family.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass, field

from nnzoo.catalog import Catalog, Entry

NODE_W, NODE_H = 132, 30
"""Size of a node box of an entry's lineage graph."""
GAP_X, GAP_Y = 14, 46
PER_ROW = 5
"""Nodes per row before a row of parents or children wraps."""

COL_W, CELL_H, LANE_PAD, LABEL_W = 74, 20, 10, 170
"""Genealogy: width of a year column, height of a node, padding of a lane, lane labels."""


@dataclass(frozen=True)
class Node:
    """A node: the entry it stands for, its label and its box (top-left corner, size)."""

    id: str
    label: str
    title: str
    x: float
    y: float
    w: float
    h: float
    role: str = ""
    colour: str = ""
    family: str = ""

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass(frozen=True)
class Edge:
    """A parent-to-child link, from (x1, y1) to (x2, y2)."""

    parent: str
    child: str
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass
class Layout:
    """Nodes, edges, canvas size and (genealogy) the lane and year labels."""

    width: float
    height: float
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    lanes: list[tuple[str, float, float, str]] = field(default_factory=list)
    years: list[tuple[int, float]] = field(default_factory=list)


def _label(e: Entry, limit: int = 18) -> str:
    text = e.abbreviation if len(e.name) > limit and e.abbreviation else e.name
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rows(entries: list[Entry]) -> list[list[Entry]]:
    return [entries[i:i + PER_ROW] for i in range(0, len(entries), PER_ROW)] or []


def entry_layout(catalog: Catalog, ident: str) -> Layout:
    """The layered graph of one entry: rows of parents, the entry, rows of children.

    Every row is centred; rows wrap after :data:`PER_ROW` nodes (parents' rows stack
    upwards, children's downwards). Edges join each parent's bottom to the entry's top and
    the entry's bottom to each child's top.
    """
    entry = catalog.get(ident)
    up = _rows(catalog.parents(entry.id))
    down = _rows(catalog.children(entry.id))
    widest = max([1] + [len(r) for r in up + down])
    width = widest * (NODE_W + GAP_X) + GAP_X
    layers: list[tuple[list[Entry], str]] = (
        [(r, "parent") for r in reversed(up)] + [([entry], "self")]
        + [(r, "child") for r in down])
    nodes: list[Node] = []
    for level, (row, role) in enumerate(layers):
        y = GAP_X + level * (NODE_H + GAP_Y)
        x0 = (width - len(row) * (NODE_W + GAP_X) + GAP_X) / 2
        for k, e in enumerate(row):
            nodes.append(Node(e.id, _label(e), f"{e.name} ({e.year})",
                              x0 + k * (NODE_W + GAP_X), y, NODE_W, NODE_H, role))
    me = next(n for n in nodes if n.role == "self")
    edges = [Edge(n.id, me.id, n.cx, n.y + n.h, me.cx, me.y) for n in nodes if n.role == "parent"]
    edges += [Edge(me.id, n.id, me.cx, me.y + me.h, n.cx, n.y)
              for n in nodes if n.role == "child"]
    height = GAP_X * 2 + len(layers) * NODE_H + (len(layers) - 1) * GAP_Y
    return Layout(width, height, nodes, edges)


def _luminance(rgb: tuple[float, float, float]) -> float:
    """Relative luminance (WCAG 2) of an sRGB colour with channels in [0, 1]."""
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def family_colours(families: list[str], contrast: float = 4.5) -> dict[str, str]:
    """A distinct colour per family: evenly spaced hues, each as light as it may be while
    white labels on it keep a WCAG contrast of at least ``contrast``."""
    out = {}
    n = max(len(families), 1)
    for k, fam in enumerate(sorted(families)):
        light = 0.5
        rgb = colorsys.hls_to_rgb(k / n, light, 0.65)
        while 1.05 / (_luminance(rgb) + 0.05) < contrast:
            light -= 0.01
            rgb = colorsys.hls_to_rgb(k / n, light, 0.65)
        out[fam] = "#" + "".join(f"{round(c * 255):02x}" for c in rgb)
    return out


def genealogy_layout(catalog: Catalog) -> Layout:
    """Every entry: one column per distinct year (left to right), one lane per family (its
    entries of a year stacked in the lane), coloured by family; edges parent to child."""
    entries = list(catalog)
    years = sorted({e.year for e in entries})
    col = {y: k for k, y in enumerate(years)}
    families = sorted({e.family for e in entries},
                      key=lambda f: (min(e.year for e in entries if e.family == f), f))
    colours = family_colours(families)
    nodes: dict[str, Node] = {}
    lanes = []
    top = 40.0
    for fam in families:
        members = sorted((e for e in entries if e.family == fam), key=lambda e: (e.year, e.id))
        stack: dict[int, int] = {}
        for e in members:
            depth = stack.get(e.year, 0)
            stack[e.year] = depth + 1
            x = LABEL_W + col[e.year] * COL_W + 4
            y = top + LANE_PAD + depth * CELL_H
            nodes[e.id] = Node(e.id, _label(e, 11), f"{e.name} ({e.year}, {fam})",
                               x, y, COL_W - 8, CELL_H - 4, colour=colours[fam], family=fam)
        height = float(2 * LANE_PAD + max(stack.values()) * CELL_H)
        lanes.append((fam, top, height, colours[fam]))
        top += height
    edges = []
    for e in entries:
        for p in e.parents:
            a, b = nodes[p], nodes[e.id]
            edges.append(Edge(p, e.id, a.x + a.w, a.cy, b.x, b.cy))
    ordered = [nodes[e.id] for e in entries]
    year_marks = [(y, LABEL_W + col[y] * COL_W + COL_W / 2) for y in years]
    return Layout(LABEL_W + len(years) * COL_W + 10, top + 10, ordered, edges, lanes,
                  year_marks)
