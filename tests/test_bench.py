"""``nnzoo bench``: a run writes only under ``--out``, a missing or failing peer never stops
it, every row carries its reproducing command, and the published results (package data) are
merged and turned into the README's results section by code, never by hand. No timing
assertions: speed is reported, not tested."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from conftest import Cli

from nnzoo.bench import runner
from nnzoo.bench.runner import (
    README_BEGIN,
    README_END,
    BenchResult,
    BenchTask,
    PeerRun,
    command_for,
    drop_rows,
    merge_run,
    peer_run,
    plots_dir,
    readme_section,
    run_bench,
    standing,
    tasks,
    write_report,
)
from nnzoo.core.errors import InputError, UnknownNameError, UsageError

REPO = Path(__file__).resolve().parents[1]


def test_quick_bench_writes_only_under_out(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    out = tmp_path / "out"
    res = run_bench(["perceptron", "mlp", "cnn"], tier="quick", out=out, quiet=True)
    rows = {(r["model"], r["task"]): r for r in res["results"]}
    assert set(rows) == {("perceptron", "digits"), ("mlp", "digits"), ("cnn", "digits")}
    for (model, task), r in rows.items():
        assert 0.8 < r["nnzoo"] <= 1 and 0.8 < r["peer_value"] <= 1
        assert r["nnzoo_time_s"] > 0 and r["peer_time_s"] > 0 and r["time_ratio"] > 0
        assert r["command"] == f"nnzoo bench {model} --tier quick --task {task}"
        assert r["status"] == "" and r["machine"]["cores"]
    saved = json.loads((out / "results.json").read_text())
    assert len(saved["results"]) == 3 and saved["machine"]["cores"]
    md = (out / "benchmarks.md").read_text()
    assert "| perceptron | quick | digits |" in md and "scikit-learn MLPClassifier" in md
    assert "`nnzoo bench mlp --tier quick --task digits`" in md
    assert list(cwd.iterdir()) == []  # nothing written in the current folder
    # re-running one model replaces its row and keeps the others
    run_bench(["perceptron"], tier="quick", out=out, quiet=True)
    saved = json.loads((out / "results.json").read_text())
    assert sorted(r["model"] for r in saved["results"]) == ["cnn", "mlp", "perceptron"]


def test_task_filter_selects_tasks_and_names_unknown_ones() -> None:
    picked = tasks(["lstm", "text-cnn"], "full", ["mr-10fold"])
    assert {(t.model, t.task) for t in picked} == {("lstm", "mr-10fold"),
                                                   ("text-cnn", "mr-10fold")}
    everything = {t.task for t in tasks(["lstm"], "full")}
    assert {"mr-10fold", "mr-10fold-attention", "tinyshakespeare"} <= everything
    with pytest.raises(UnknownNameError, match="mr-10fld"):
        tasks(["lstm"], "full", ["mr-10fld"])


# -- a missing or failing peer, a failing task ----------------------------------------------------

def _row(task: str, nnzoo: float, run: PeerRun[float] | None = None) -> BenchResult:
    return BenchResult("perceptron", "quick", task, "accuracy", True, "fake peer", nnzoo,
                       run.value if run else None, 1.0, run.seconds if run else None, "fit",
                       "test budget", status=run.status if run else "")


def _hidden_peer_task(quiet: bool) -> BenchResult:
    def peer() -> float:
        import nnzoo_test_hidden_peer  # noqa: F401  (hidden through sys.modules)

        return 0.5

    return _row("hidden-peer", 0.9, peer_run(peer))


def _failing_peer_task(quiet: bool) -> BenchResult:
    return _row("failing-peer", 0.9, peer_run(lambda: 1 / 0))


def _failing_own_task(quiet: bool) -> BenchResult:
    raise RuntimeError("nnzoo's side broke")


@pytest.fixture
def fake_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three quick-tier perceptron tasks registered for one test only."""
    tasks()  # load the real task modules first
    extra = [BenchTask("perceptron", "quick", "hidden-peer", _hidden_peer_task),
             BenchTask("perceptron", "quick", "failing-peer", _failing_peer_task),
             BenchTask("perceptron", "quick", "failing-own", _failing_own_task)]
    monkeypatch.setattr(runner, "_TASKS", runner._TASKS + extra)
    monkeypatch.setitem(sys.modules, "nnzoo_test_hidden_peer", None)


def test_missing_and_failing_peers_are_rows_and_the_run_exits_0(
        cli: Cli, fake_tasks: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "pydtmc", None)  # as on a fresh install without PyDTMC
    code, out, err = cli("bench", "perceptron", "markov-chain", "--task", "hidden-peer",
                         "--task", "analysis-500", "--task", "failing-peer", "--task", "digits",
                         "--out", str(tmp_path))
    assert code == 0, err
    rows = {r["task"]: r for r in json.loads((tmp_path / "results.json").read_text())["results"]}
    assert set(rows) == {"hidden-peer", "analysis-500", "failing-peer", "digits"}
    assert rows["hidden-peer"]["status"] == "peer missing: nnzoo_test_hidden_peer"
    assert rows["hidden-peer"]["nnzoo"] == 0.9 and rows["hidden-peer"]["peer_value"] is None
    assert rows["analysis-500"]["status"] == "peer missing: pydtmc"
    assert rows["failing-peer"]["status"].startswith("peer failed: ZeroDivisionError")
    assert rows["digits"]["status"] == "" and rows["digits"]["peer_value"] > 0.8
    assert "peer missing: pydtmc" in (tmp_path / "benchmarks.md").read_text()


def test_a_failing_nnzoo_side_is_a_row_the_run_goes_on_and_exits_1(
        cli: Cli, fake_tasks: None, tmp_path: Path) -> None:
    code, _, err = cli("bench", "perceptron", "--task", "failing-own", "--task", "hidden-peer",
                       "--out", str(tmp_path))
    assert code == 1 and "perceptron/failing-own" in err
    rows = {r["task"]: r for r in json.loads((tmp_path / "results.json").read_text())["results"]}
    assert rows["failing-own"]["status"] == "failed: RuntimeError: nnzoo's side broke"
    assert rows["hidden-peer"]["nnzoo"] == 0.9  # the task after it still ran


# -- the reproducing command ----------------------------------------------------------------------

def _noop(quiet: bool) -> BenchResult:
    raise AssertionError("not run")


def test_command_names_the_data_root_and_the_environment_read(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for k in [k for k in __import__("os").environ if k.startswith("NNZOO_")]:
        monkeypatch.delenv(k)
    quick = BenchTask("svm", "quick", "digits", _noop)
    full = BenchTask("svm", "full", "mnist-10k", _noop)
    assert command_for(quick) == "nnzoo bench svm --tier quick --task digits"
    monkeypatch.setenv("NNZOO_DATA", "../shared/data")
    monkeypatch.setenv("NNZOO_OFFLINE", "1")  # changes no figure: left out
    assert command_for(full) == ("NNZOO_DATA=../shared/data nnzoo bench svm --tier full "
                                 "--task mnist-10k")
    monkeypatch.setenv("NNZOO_MR_FOLDS", "0,1")
    monkeypatch.setenv("NNZOO_DATA", "/data with space")
    assert command_for(full) == ("NNZOO_DATA='/data with space' NNZOO_MR_FOLDS=0,1 nnzoo "
                                 "bench svm --tier full --task mnist-10k")


# -- plots under --out, --merge and --report -------------------------------------------------

def _plotting_task(quiet: bool) -> BenchResult:
    path = plots_dir() / "perceptron-fake.png"
    path.write_bytes(b"\x89PNG fake")
    table = plots_dir().parent / "profiles" / "perceptron-fake.txt"   # a profiler table
    table.parent.mkdir(exist_ok=True)
    table.write_text("aten::mm 90 %\n")
    r = BenchResult("perceptron", "quick", "plotting", "accuracy", True, "fake peer", 0.5, 0.75,
                    1.0, 2.0, "fit", "test budget",
                    extra={"plot": str(path), "profile": str(table)})
    return r


def _checkout(tmp_path: Path) -> Path:
    """A source checkout's published files: README with markers, docs/, results.json."""
    root = tmp_path / "checkout"
    (root / "docs").mkdir(parents=True)
    (root / "nnzoo" / "bench").mkdir(parents=True)
    shutil.copy(REPO / "nnzoo" / "bench" / "results.json", root / "nnzoo" / "bench")
    (root / "README.md").write_text(f"# x\n\n## Results\n\n{README_BEGIN}\n{README_END}\n\n"
                                    "## After\n")
    return root


def test_plots_go_under_out_and_merge_publishes_them(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    tasks()
    monkeypatch.setattr(runner, "_TASKS", runner._TASKS + [
        BenchTask("perceptron", "quick", "plotting", _plotting_task),
        BenchTask("perceptron", "quick", "failing-own", _failing_own_task),
        BenchTask("perceptron", "quick", "hidden-peer", _hidden_peer_task)])
    monkeypatch.setitem(sys.modules, "nnzoo_test_hidden_peer", None)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    run = tmp_path / "run"
    res = run_bench(["perceptron"], names=["plotting", "failing-own", "hidden-peer"], out=run,
                    quiet=True)
    assert (run / "plots" / "perceptron-fake.png").is_file() and list(cwd.iterdir()) == []
    row = next(r for r in res["results"] if r["task"] == "plotting")
    assert row["extra"]["plot"] == "plots/perceptron-fake.png"  # relative to the run folder
    assert row["extra"]["profile"] == "profiles/perceptron-fake.txt"

    root = _checkout(tmp_path)
    published_before = json.loads((root / "nnzoo/bench/results.json").read_text())["results"]
    merged = merge_run(run, root=root, quiet=True)
    # neither the failed row nor the one run without its peer library is published
    assert merged == ["perceptron/quick/plotting"]
    published = json.loads((root / "nnzoo/bench/results.json").read_text())["results"]
    assert len(published) == len(published_before) + 1
    new = next(r for r in published if r["task"] == "plotting")
    assert new["extra"]["plot"] == "docs/plots/perceptron-fake.png"
    assert (root / "docs/plots/perceptron-fake.png").read_bytes() == b"\x89PNG fake"
    assert new["extra"]["profile"] == "docs/profiles/perceptron-fake.txt"
    assert (root / "docs/profiles/perceptron-fake.txt").read_text() == "aten::mm 90 %\n"
    readme = (root / "README.md").read_text()
    assert "](docs/plots/perceptron-fake.png)" in readme and readme.endswith("## After\n")
    assert "`nnzoo bench perceptron --tier quick --task plotting`" in readme
    assert "| 50.00 % | fake peer | 75.00 % | behind |" in readme  # a loss is shown as one
    assert "](plots/perceptron-fake.png)" in (root / "docs/benchmarks.md").read_text()
    assert write_report(root, check=True) == []


def test_merge_refuses_rows_without_a_command_and_missing_figures(tmp_path: Path) -> None:
    root = _checkout(tmp_path)
    row = json.loads((root / "nnzoo/bench/results.json").read_text())["results"][0]
    bad = tmp_path / "old.json"
    bad.write_text(json.dumps({"results": [{**row, "command": ""}]}))
    with pytest.raises(InputError, match="has no 'command'"):
        merge_run(bad, root=root, quiet=True)
    bad.write_text(json.dumps({"results": [{**row, "extra": {"plot": "plots/gone.png"}}]}))
    with pytest.raises(InputError, match="gone.png"):
        merge_run(bad, root=root, quiet=True)
    bad.write_text(json.dumps({"results": [{"model": "x"}]}))
    with pytest.raises(InputError, match="row 0 lacks"):
        merge_run(bad, root=root, quiet=True)


def test_merge_and_report_need_a_source_checkout(cli: Cli, monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    site = tmp_path / "site-packages" / "nnzoo" / "bench"
    site.mkdir(parents=True)
    monkeypatch.setattr(runner, "__file__", str(site / "runner.py"))
    with pytest.raises(UsageError, match="not checked out"):
        runner.source_checkout()
    code, _, err = cli("bench", "--merge", str(tmp_path))
    assert code == 2 and err.count("\n") == 1 and "source checkout" in err
    code, _, err = cli("bench", "--report")
    assert code == 2 and "source checkout" in err


def test_readme_results_section_is_the_generators_output() -> None:
    """README.md and docs/benchmarks.md of this checkout equal what `nnzoo bench --report`
    writes from nnzoo/bench/results.json: no figure in them is typed by hand."""
    assert write_report(REPO, check=True) == [], "run 'nnzoo bench --report'"


def test_report_check_sees_a_hand_edited_figure(cli: Cli, tmp_path: Path) -> None:
    root = _checkout(tmp_path)
    assert write_report(root) == [root / "README.md", root / "docs" / "benchmarks.md"]
    assert write_report(root, check=True) == []
    readme = root / "README.md"
    text = readme.read_text()
    figure = re.search(r"\| (\d+\.\d\d) % \|", text)       # the first percentage shown
    assert figure is not None
    edited = f"{float(figure.group(1)) + 0.01:.2f}"
    readme.write_text(text.replace(f"| {figure.group(1)} % |", f"| {edited} % |", 1))
    assert write_report(root, check=True) == [readme]
    (root / "README.md").write_text("no markers\n")
    with pytest.raises(InputError, match="results section"):
        write_report(root, check=True)


def test_every_published_row_is_in_the_readme_section() -> None:
    data = runner.load_results(runner.PUBLISHED)
    section = readme_section(data)
    for r in data["results"]:
        assert r["command"] and f"`{r['command']}`" in section, r["task"]
        for v in r.get("extra", {}).values():
            if isinstance(v, str) and v.endswith(".png"):
                assert (REPO / v).is_file() and f"]({v})" in section, v
    losses = [r for r in data["results"] if standing(r) == "behind"]
    assert losses  # e.g. the quick CNN row: shown, not filtered
    assert section.count("| behind |") == len(losses)


def test_standing_follows_the_metric_direction() -> None:
    row = {"nnzoo": 0.2, "peer_value": 0.3, "higher_is_better": False}
    assert standing(row) == "ahead"
    assert standing({**row, "higher_is_better": True}) == "behind"
    assert standing({**row, "peer_value": 0.2 * (1 + 1e-9)}) == "level"
    assert standing({**row, "peer_value": None}) == "-"


def test_drop_retires_a_published_row_and_regenerates(tmp_path: Path) -> None:
    root = _checkout(tmp_path)
    rows = runner.load_results(root / "nnzoo" / "bench" / "results.json")["results"]
    first = f"{rows[0]['model']}/{rows[0]['tier']}/{rows[0]['task']}"
    assert drop_rows([first], root=root) == [first]
    left = runner.load_results(root / "nnzoo" / "bench" / "results.json")["results"]
    assert len(left) == len(rows) - 1
    assert first not in {f"{r['model']}/{r['tier']}/{r['task']}" for r in left}
    assert write_report(root, check=True) == []          # README and docs regenerated
    with pytest.raises(UnknownNameError, match="published row"):
        drop_rows([first], root=root)                     # gone: an unknown name now


# -- every implemented id has a quick task ---------------------------------------------------------

def test_every_implemented_id_has_a_quick_task() -> None:
    from nnzoo.models import implemented_ids

    quick = {t.model for t in tasks(None, "quick")}
    assert sorted(set(implemented_ids()) - quick) == []


@pytest.mark.parametrize("model_id", ["birnn", "bilstm", "bigru"])
def test_adding_task_hand_loop_is_the_network(model_id: str) -> None:
    """The hand-written side of the bidirectional ``adding`` task computes what the model
    computes (the same network, so the comparison times the engine and nothing else)."""
    import torch

    from nnzoo.bench.recurrent.adding import _hand_forward
    from nnzoo.models import create

    torch.manual_seed(0)
    net = create(model_id, task="regress", hidden_size=8, num_layers=2, sample_shape=(7, 2),
                 n_classes=0, n_outputs=1).eval()
    x = torch.randn(5, 7, 2)
    torch.testing.assert_close(_hand_forward(net, x), net(x))
