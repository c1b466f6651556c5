"""The trade-off chart (nnzoo/bench/tradeoff.py) on synthetic benchmark rows: each point is a
row's figures, rows without a figure or without a row are named and never drawn, and the
bench report draws the chart and refers to it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nnzoo.bench.runner import markdown, merge_rows, readme_section
from nnzoo.bench.tradeoff import point_of, tradeoff_chart, tradeoff_figure


def _row(model: str, acc: float | None, params: int | None, epoch_s: float | None,
         task: str = "fashion", **kw: Any) -> dict[str, Any]:
    extra = {k: v for k, v in (("test_acc", acc), ("params", params), ("epoch_s", epoch_s))
             if v is not None}
    return {"model": model, "tier": "full", "task": task, "metric": "test accuracy",
            "peer": "published figure", "nnzoo": acc, "peer_value": None,
            "nnzoo_time_s": epoch_s, "peer_time_s": None, "time_what": "median epoch",
            "budget": "30 min", "extra": extra, "command": f"nnzoo bench {model}", **kw}


ROWS = [
    _row("cnn", 0.921, 421_642, 30.0),
    _row("resnet", 0.945, 272_474, 210.0),
    _row("vgg", 0.938, 9_231_114, None),                       # no time per epoch
    _row("alexnet", 0.90, 1_000_000, 50.0, status="failed: RuntimeError: boom"),
    _row("nin", 0.99, 1_000, 1.0, task="mnist"),               # another task
]


def _panel_points(ax: Any) -> set[tuple[float, float]]:
    return {(float(x), round(float(y), 6)) for c in ax.collections
            for x, y in np.asarray(c.get_offsets())}


def test_point_of_reads_extra_first_then_the_rows_own_figures() -> None:
    p = point_of(_row("cnn", 0.9, 10, 2.0))
    assert (p.model, p.accuracy, p.params, p.epoch_s) == ("cnn", 0.9, 10.0, 2.0)
    quick = {"model": "resnet", "tier": "quick", "task": "digits", "metric": "accuracy",
             "nnzoo": 0.97, "nnzoo_time_s": 1.5, "time_what": "median training epoch",
             "extra": {"parameters": 272_474}}
    p = point_of(quick)
    assert (p.accuracy, p.params, p.epoch_s) == (0.97, 272_474.0, 1.5)
    other = {**quick, "metric": "perplexity", "time_what": "fit", "extra": {}}
    p = point_of(other)
    assert (p.accuracy, p.params, p.epoch_s) == (None, None, None)


def test_chart_draws_each_row_where_it_has_the_figures_and_names_the_rest() -> None:
    fig = tradeoff_figure(ROWS, "fashion", dataset="Fashion-MNIST",
                          expected=["alexnet", "cnn", "densenet", "resnet", "vgg"])
    assert fig is not None
    params_ax, epoch_ax = fig.axes
    assert _panel_points(params_ax) == {(421_642.0, 92.1), (272_474.0, 94.5),
                                        (9_231_114.0, 93.8)}
    assert _panel_points(epoch_ax) == {(30.0, 92.1), (210.0, 94.5)}
    assert "vgg" in epoch_ax.get_title() and params_ax.get_title() == ""
    labels = {t.get_text() for ax in fig.axes for t in ax.texts}
    assert labels == {"cnn (baseline)", "resnet", "vgg"}
    note = " ".join(t.get_text() for t in fig.texts)
    assert "no row yet, not drawn: alexnet, densenet" in note    # failed row: not drawn
    assert "(3 rows)" in note
    assert params_ax.get_xscale() == "log"


def test_no_row_no_chart(tmp_path: Path) -> None:
    assert tradeoff_chart(ROWS, "cifar10", tmp_path / "t.png") is None
    assert not (tmp_path / "t.png").exists()
    path = tradeoff_chart(ROWS, "fashion", tmp_path / "t.png")
    assert path is not None and path.stat().st_size > 1000


def test_the_report_draws_the_chart_and_refers_to_it(tmp_path: Path) -> None:
    results, md = tmp_path / "results.json", tmp_path / "benchmarks.md"
    merge_rows(results, md, ROWS[-1:])                         # no fashion row: no chart
    assert not (tmp_path / "plots" / "tradeoff-fashion.png").exists()
    assert "tradeoff" not in md.read_text()
    merge_rows(results, md, ROWS[:-1])
    assert (tmp_path / "plots" / "tradeoff-fashion.png").stat().st_size > 1000
    assert "](plots/tradeoff-fashion.png)" in md.read_text()
    data = {"results": ROWS}
    assert "](docs/plots/tradeoff-fashion.png)" in readme_section(data)
    assert "](plots/tradeoff-fashion.png)" in markdown(data)
    assert "tradeoff" not in readme_section({"results": ROWS[-1:]})


def test_a_narrow_axis_labels_its_minor_ticks_at_two_and_five_only() -> None:
    from nnzoo.bench.tradeoff import _two_and_five

    assert [_two_and_five(v) for v in (20, 50, 200, 5000, 30, 70, 400, 900)] == \
        ["20", "50", "200", "5k", "", "", "", ""]


def test_the_genealogy_table_lists_the_task_and_its_set_ups_best_first() -> None:
    from nnzoo.bench.tradeoff import genealogy_table

    ddp = _row("resnet", 0.9512, 272_474, 58.4, task="fashion-ddp", peer="published: zalando",
               peer_value=0.949)
    ddp["extra"].update(processes=2, threads=1, epochs=28)
    cnn = {**ROWS[0], "extra": {**ROWS[0]["extra"], "threads": 1, "epochs": 10}}
    table = genealogy_table({"results": [cnn, *ROWS[1:], ddp]}, "fashion")
    lines = [ln for ln in table.splitlines() if ln.startswith("| ")][1:]
    assert lines == [
        "| resnet | fashion-ddp | 95.12 % | 272,474 | 58 s | 28 | 2 processes x 1 thread | "
        "94.9 % |",
        "| resnet | fashion | 94.50 % | 272,474 | 210 s | - | - | - |",
        "| vgg | fashion | 93.80 % | 9,231,114 | - | - | - | - |",
        "| cnn | fashion | 92.10 % | 421,642 | 30 s | 10 | 1 thread | - |",
    ]  # the failed alexnet row and the mnist row are not in it
    assert genealogy_table({"results": ROWS[-1:]}, "fashion") == ""
    assert "| resnet | fashion-ddp |" in readme_section({"results": [*ROWS, ddp]})
