"""``nnzoo bench``: the quick tier writes results.json and the markdown table (no timing
assertions: speed is reported, not tested)."""

from __future__ import annotations

import json
from pathlib import Path

from nnzoo.bench import run_bench


def test_quick_bench_writes_results_and_table(tmp_path: Path) -> None:
    res = run_bench(["perceptron", "mlp", "cnn"], tier="quick", out=tmp_path, quiet=True)
    rows = {(r["model"], r["task"]): r for r in res["results"]}
    assert set(rows) == {("perceptron", "digits"), ("mlp", "digits"), ("cnn", "digits")}
    for r in rows.values():
        assert 0.8 < r["nnzoo"] <= 1 and 0.8 < r["peer_value"] <= 1
        assert r["nnzoo_time_s"] > 0 and r["peer_time_s"] > 0 and r["time_ratio"] > 0
    saved = json.loads((tmp_path / "benchmarks" / "results.json").read_text())
    assert len(saved["results"]) == 3 and saved["machine"]["cores"]
    md = (tmp_path / "docs" / "benchmarks.md").read_text()
    assert "| perceptron | quick | digits |" in md and "scikit-learn MLPClassifier" in md
    # re-running one model replaces its row and keeps the others
    run_bench(["perceptron"], tier="quick", out=tmp_path, quiet=True)
    saved = json.loads((tmp_path / "benchmarks" / "results.json").read_text())
    assert sorted(r["model"] for r in saved["results"]) == ["cnn", "mlp", "perceptron"]


def test_task_filter_selects_tasks_and_names_unknown_ones() -> None:
    import pytest

    from nnzoo.bench.runner import tasks
    from nnzoo.core.errors import UnknownNameError

    picked = tasks(["lstm", "text-cnn"], "full", ["mr-10fold"])
    assert {(t.model, t.task) for t in picked} == {("lstm", "mr-10fold"),
                                                   ("text-cnn", "mr-10fold")}
    everything = {t.task for t in tasks(["lstm"], "full")}
    assert {"mr-10fold", "mr-10fold-attention", "tinyshakespeare"} <= everything
    with pytest.raises(UnknownNameError, match="mr-10fold"):
        tasks(["lstm"], "full", ["mr-10fld"])
