"""The genealogy's trade-off chart: test accuracy against parameters and against time per
epoch, one point per architecture, drawn from the benchmark rows of one task.

The chart only draws what the rows hold. A row gives its model's point from

- accuracy: ``extra["test_acc"]``, else the row's own figure (``nnzoo``) when its metric is an
  accuracy;
- parameters: ``extra["params"]``, else ``extra["parameters"]``;
- time per epoch: ``extra["epoch_s"]``, else the row's time (``nnzoo_time_s``) when what it
  timed is an epoch;

and a panel leaves out a row that lacks its figure, saying so under the chart, as it names
the models that have a benchmark task of that name but no row yet. Rows whose nnzoo side
failed are not drawn. Nothing is estimated or filled in.

:func:`draw_tradeoffs` writes one chart per task of :data:`TRADEOFF_TASKS` that has a row;
the bench report (:mod:`nnzoo.bench.runner`) calls it where it writes ``benchmarks.md`` and
refers to the charts from it and from the README.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from nnzoo.core import plots

#: task name -> (tier, what the chart calls the data set)
TRADEOFF_TASKS: dict[str, tuple[str, str]] = {"fashion": ("full", "Fashion-MNIST")}
ACCURACY_METRICS = ("accuracy", "test accuracy", "test_acc")


@dataclass
class Point:
    """One architecture's figures (None where its row has none)."""

    model: str
    accuracy: float | None
    params: float | None
    epoch_s: float | None


def _number(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def point_of(row: dict[str, Any]) -> Point:
    """The figures of one row (module docstring: where each is read)."""
    extra = row.get("extra") or {}
    acc = _number(extra.get("test_acc"))
    if acc is None and str(row.get("metric", "")).lower() in ACCURACY_METRICS:
        acc = _number(row.get("nnzoo"))
    params = _number(extra.get("params"))
    if params is None:
        params = _number(extra.get("parameters"))
    epoch = _number(extra.get("epoch_s"))
    if epoch is None and "epoch" in str(row.get("time_what", "")).lower():
        epoch = _number(row.get("nnzoo_time_s"))
    return Point(str(row["model"]), acc, params, epoch)


def tradeoff_points(rows: Iterable[dict[str, Any]], task: str, tier: str = "full"
                    ) -> list[Point]:
    """The points of the rows ``<model>/<tier>/<task>`` whose nnzoo side ran, by model."""
    keep = [r for r in rows if r.get("task") == task and r.get("tier") == tier
            and not str(r.get("status", "")).startswith("failed")]
    return sorted((point_of(r) for r in keep), key=lambda p: p.model)


def tradeoff_chart(rows: Iterable[dict[str, Any]], task: str, path: Path, *,
                   tier: str = "full", dataset: str | None = None,
                   expected: Sequence[str] = ()) -> Path | None:
    """Draw the trade-off chart of ``task`` to ``path``: two panels, test accuracy (%) against
    parameters and against seconds per epoch (log scales), one labelled point per row; under
    them, the models of ``expected`` without a row and the rows missing a figure. Returns
    None (and draws nothing) when no row has an accuracy."""
    fig = tradeoff_figure(rows, task, tier=tier, dataset=dataset, expected=expected)
    return None if fig is None else plots.save(fig, path)


def tradeoff_figure(rows: Iterable[dict[str, Any]], task: str, *, tier: str = "full",
                    dataset: str | None = None, expected: Sequence[str] = ()
                    ) -> Figure | None:
    """The figure of :func:`tradeoff_chart` (None when no row has an accuracy)."""
    points = [p for p in tradeoff_points(rows, task, tier) if p.accuracy is not None]
    if not points:
        return None
    name = dataset or task
    fig, axes = plots.subplots(1, 2, figsize=(11, 4.6), sharey=True)
    for ax, field, label in ((axes[0], "params", "parameters"),
                             (axes[1], "epoch_s", "time per training epoch (s)")):
        shown = [p for p in points if getattr(p, field) is not None]
        for p in shown:
            x, y = getattr(p, field), 100 * float(p.accuracy or 0.0)
            ax.scatter([x], [y], s=30, color="#1f77b4" if p.model != "cnn" else "#d62728")
            ax.annotate(p.model + (" (baseline)" if p.model == "cnn" else ""), (x, y),
                        textcoords="offset points", xytext=(4, 4), fontsize=8)
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(_short_number))
        xs = [float(getattr(p, field)) for p in shown]
        # within one decade a log axis may hold no major tick: label the minor ones at 2 and 5
        narrow = bool(xs) and max(xs) < 10 * min(xs)
        ax.xaxis.set_minor_formatter(FuncFormatter(_two_and_five) if narrow else NullFormatter())
        ax.margins(x=0.2, y=0.12)
        ax.set_xlabel(label)
        ax.grid(True, which="both", alpha=0.3)
        lacking = sorted(p.model for p in points if getattr(p, field) is None)
        if lacking:
            ax.set_title(f"not drawn (row without {label}): {', '.join(lacking)}", fontsize=8)
    axes[0].set_ylabel(f"{name} test accuracy (%)")
    have = {p.model for p in points}
    missing = [m for m in expected if m not in have]
    note = (f"one point per row <model>/{tier}/{task} of the benchmark results "
            f"({len(points)} row{'' if len(points) == 1 else 's'})")
    if missing:
        note += f"; no row yet, not drawn: {', '.join(missing)}"
    fig.suptitle(f"{name}: accuracy against size and cost", fontsize=11)
    fig.text(0.5, -0.02, note, ha="center", fontsize=8)
    return fig


def _short_number(v: float, _pos: object = None) -> str:
    """A tick label: 300k, 9.2M, 30 (seconds)."""
    for div, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if v >= div:
            return f"{v / div:g}{unit}"
    return f"{v:g}"


def _two_and_five(v: float, _pos: object = None) -> str:
    """A minor tick's label at 2 and 5 times a power of ten (200, 5k), none elsewhere."""
    lead = v / 10 ** math.floor(math.log10(v)) if v > 0 else 0.0
    return _short_number(v) if round(lead) in (2, 5) and abs(lead - round(lead)) < 1e-6 else ""


def chart_name(task: str) -> str:
    """The chart's file name: ``tradeoff-<task>.png``."""
    return f"tradeoff-{task}.png"


def charted_tasks(results: dict[str, Any]) -> list[str]:
    """The tasks of :data:`TRADEOFF_TASKS` with at least one row that has an accuracy."""
    rows = results.get("results", [])
    return [t for t, (tier, _) in TRADEOFF_TASKS.items()
            if any(p.accuracy is not None for p in tradeoff_points(rows, t, tier))]


def genealogy_table(results: dict[str, Any], task: str) -> str:
    """The markdown table of one task of :data:`TRADEOFF_TASKS`: a line per row of
    ``<model>/<tier>/<task>`` and of its variants ``<task>-<set-up>`` (``fashion-ddp``),
    best test accuracy first, with the parameters, the time per epoch, the epochs trained,
    the set-up (threads, processes) and the published figure the row compares with. Empty
    when the task has no row with an accuracy."""
    tier, dataset = TRADEOFF_TASKS[task]
    rows = [r for r in results.get("results", [])
            if r.get("tier") == tier and (r.get("task") == task
                                          or str(r.get("task", "")).startswith(task + "-"))
            and not str(r.get("status", "")).startswith("failed")]
    lines = []
    for r in rows:
        p, extra = point_of(r), r.get("extra") or {}
        if p.accuracy is None:
            continue
        procs, threads = extra.get("processes") or 1, extra.get("threads")
        setup = (f"{procs} processes x 1 thread" if procs > 1
                 else f"{threads} thread{'' if threads == 1 else 's'}" if threads else "-")
        published = _number(r.get("peer_value")) if "published" in str(r.get("peer")) else None
        lines.append((p.accuracy, f"| {p.model} | {r['task']} | {100 * p.accuracy:.2f} % | "
                      f"{f'{p.params:,.0f}' if p.params is not None else '-'} | "
                      f"{f'{p.epoch_s:.0f} s' if p.epoch_s is not None else '-'} | "
                      f"{extra.get('epochs', '-')} | {setup} | "
                      f"{f'{100 * published:.1f} %' if published is not None else '-'} |"))
    if not lines:
        return ""
    head = [f"{dataset}, one line per `<model>/{tier}/{task}*` row (best first); *published*: "
            "the same architecture's figure the row compares with (not run here).\n",
            "| net | task | test accuracy | parameters | time per epoch | epochs | set-up | "
            "published |", "|---|---|---:|---:|---:|---:|---|---:|"]
    return "\n".join(head + [line for _, line in sorted(lines, key=lambda t: -t[0])]) + "\n"


def draw_tradeoffs(results: dict[str, Any], folder: Path) -> list[Path]:
    """Draw the chart of each task of :func:`charted_tasks` into ``folder`` (created), naming
    the models that have a benchmark task of that name but no row."""
    from nnzoo.bench.runner import tasks  # noqa: PLC0415  (the runner imports this module)

    out = []
    for task in charted_tasks(results):
        tier, dataset = TRADEOFF_TASKS[task]
        expected = sorted({t.model for t in tasks(None, tier) if t.task == task})
        folder.mkdir(parents=True, exist_ok=True)
        path = tradeoff_chart(results["results"], task, folder / chart_name(task), tier=tier,
                              dataset=dataset, expected=expected)
        if path is not None:
            out.append(path)
    return out


__all__ = ["Point", "TRADEOFF_TASKS", "chart_name", "charted_tasks", "draw_tradeoffs",
           "genealogy_table",
           "point_of", "tradeoff_chart", "tradeoff_figure", "tradeoff_points"]
