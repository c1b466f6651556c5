"""The ``nnzoo`` command: listing, cards, lineage, train/eval, and one clear line (exit code 2)
for every kind of bad input."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import Cli
from hypothesis import given, settings
from hypothesis import strategies as st

from nnzoo.core.config import TrainConfig, build_config, field_types
from nnzoo.core.errors import ConfigError, InputError, UnknownNameError
from nnzoo.core.validation import check_input


def _run_folder(out: str) -> str:
    """The run folder that ``nnzoo train`` printed."""
    m = re.search(r"run folder:\s+(\S+)", out)
    assert m is not None, out
    return m.group(1)


def _one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnzoo: error:"), err
    for n in needles:
        assert n in lines[0], (n, lines[0])


def test_list_json_holds_the_catalog(cli: Cli) -> None:
    code, out, _ = cli("list", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) >= 100
    impl = {r["id"] for r in rows if r["implemented"]}
    assert {"perceptron", "mlp", "cnn"} <= impl
    code, out, _ = cli("list", "--implemented", "--json")
    assert {r["id"] for r in json.loads(out)} == impl


def test_list_filters(cli: Cli) -> None:
    code, out, _ = cli("list", "*boltzmann*", "--json")
    assert {"bm", "rbm"} <= {r["id"] for r in json.loads(out)}
    code, out, _ = cli("list", "--family", "recurrent", "--json")
    assert "lstm" in {r["id"] for r in json.loads(out)}
    code, out, _ = cli("list", "--category", "reinforcement", "--json")
    assert all("reinforcement" in r["categories"] for r in json.loads(out))
    code, out, _ = cli("list", "--implemented")
    assert code == 0 and "* cnn" in out


def test_info_cnn_shows_paper_year_lineage(cli: Cli) -> None:
    code, out, _ = cli("info", "cnn")
    assert code == 0
    for needle in ("Gradient-based learning applied to document recognition", "1998",
                   "parents", "children", "mlp", "resnet", "recipes", "mnist"):
        assert needle.lower() in out.lower(), needle
    code, out, _ = cli("info", "ff", "--json")
    card = json.loads(out)
    assert card["id"] == "mlp" and card["implemented"] and "perceptron" in card["ancestors"]
    assert card["implementation"]["peer"] == "scikit-learn MLPClassifier"
    code, out, _ = cli("info", "vq-vae")
    assert code == 0 and "not yet" in out


def test_info_reads_the_published_results_not_the_current_folder(
        cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nnzoo.bench.runner import PUBLISHED

    published = [r for r in json.loads(PUBLISHED.read_text())["results"] if r["model"] == "svm"]
    assert published
    stray = tmp_path / "benchmarks"
    stray.mkdir()
    fake = {**published[0], "task": "a-stray-row", "nnzoo": 0.123, "command": "stray"}
    (stray / "results.json").write_text(json.dumps({"results": [fake]}))
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli("info", "svm")
    assert code == 0 and "published with nnzoo" in out and "a-stray-row" not in out
    for r in published:
        assert f"{r['tier']}/{r['task']}" in out and r["command"] in out
    code, out, _ = cli("info", "svm", "--json")
    assert json.loads(out)["last_results"] == published
    # --results: a results.json or a run's folder
    for path in (stray / "results.json", stray):
        code, out, _ = cli("info", "svm", "--results", str(path))
        assert code == 0 and "a-stray-row" in out and "0.1230" in out, out
        assert "full/mnist-10k" not in out
    code, _, err = cli("info", "svm", "--results", str(tmp_path / "nowhere.json"))
    _one_line_error(code, err, "nowhere.json", "does not exist")
    (tmp_path / "bad.json").write_text("{\"results\": 3}")
    code, _, err = cli("info", "svm", "--results", str(tmp_path / "bad.json"))
    _one_line_error(code, err, "bad.json", "'results' list")


def test_lineage_formats(cli: Cli) -> None:
    code, out, _ = cli("lineage", "--format", "mermaid")
    assert code == 0 and out.startswith("graph")
    edges = [ln for ln in out.splitlines() if "-->" in ln]
    assert len(edges) >= 100
    assert all(re.fullmatch(r"\s*[A-Za-z0-9_]+\s*-->\s*[A-Za-z0-9_]+\s*;?", e) for e in edges)
    code, out, _ = cli("lineage", "--format", "dot")
    assert code == 0 and out.startswith("digraph") and out.count("{") == out.count("}")
    code, out, _ = cli("lineage", "lstm")
    assert code == 0 and "rnn" in out and "bilstm" in out


def test_train_then_eval(cli: Cli, tmp_path: Path) -> None:
    code, out, err = cli("train", "mlp", "--epochs", "2", "--out", str(tmp_path), "--quiet",
                         "--device", "cpu")
    assert code == 0, err
    assert "test accuracy:" in out
    run = _run_folder(out)
    code, out, _ = cli("eval", run, "--json")
    res = json.loads(out)
    summary = json.loads((Path(run) / "summary.json").read_text())
    assert res["test"]["accuracy"] == pytest.approx(summary["test"]["accuracy"])


@pytest.mark.parametrize("args, needles", [
    (["train", "cnnn"], ["unknown model id 'cnnn'", "'cnn'"]),
    (["info", "lstn"], ["unknown architecture 'lstn'", "'lstm'"]),
    (["train", "vq-vae"], ["not implemented yet"]),
    (["train", "mlp", "--set", "lr=abc"], ["lr must be a number"]),
    (["train", "mlp", "--set", "lrr=0.1"], ["unknown hyperparameter", "'lr'"]),
    (["train", "mlp", "--set", "lr"], ["key=value"]),
    (["train", "mlp", "--set", "activation=relux"], ["activation must be one of"]),
    (["train", "mlp", "--set", "dropout=1.5"], ["dropout must be in [0, 1)"]),
    (["train", "mlp", "--set", "sample_shape=3"], ["unknown hyperparameter"]),
    (["train", "mlp", "--recipe", "mnsit"], ["unknown recipe", "'mnist'"]),
    (["train", "cnn", "--dataset", "iris"], ["sample_shape must be (C, H, W)"]),
    (["train", "perceptron", "--nproc", "2"], ["not by gradients"]),
    (["train", "mlp", "--device", "tpu"], ["unknown device"]),
    (["eval", "/nonexistent/run"], ["does not exist"]),
    (["bench", "vq-vae"], ["not implemented yet"]),
    (["bench", "--check"], ["--check goes with --report"]),
    (["bench", "svm", "--report"], ["--merge, --drop and --report run nothing"]),
    (["bench", "--merge", "/nonexistent/run"], ["/nonexistent/run", "does not exist"]),
    (["data", "verify", "cifar"], ["unknown dataset"]),
])
def test_bad_usage_is_one_line_exit_2(cli: Cli, tmp_path: Path, args: list[str],
                                      needles: list[str]) -> None:
    code, _, err = cli(*args, "--out", str(tmp_path)) if args[0] in ("train", "bench") \
        else cli(*args)
    _one_line_error(code, err, *needles)


def test_argparse_errors_are_one_line(cli: Cli) -> None:
    code, _, err = cli("train", "mlp", "--epochs", "many")
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_missing_dataset_offline(cli: Cli, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NNZOO_DATA", str(tmp_path / "empty"))
    code, _, err = cli("train", "cnn", "--recipe", "mnist", "--out", str(tmp_path))
    _one_line_error(code, err, "mnist", "train-images-idx3-ubyte.gz", str(tmp_path / "empty"))


def test_damaged_and_foreign_checkpoints(cli: Cli, tmp_path: Path) -> None:
    runs = {}
    for mid in ("mlp", "perceptron"):
        code, out, err = cli("train", mid, "--epochs", "1", "--set", "restore_best=true",
                             "--out", str(tmp_path / mid), "--quiet", "--device", "cpu")
        assert code == 0, err
        runs[mid] = Path(_run_folder(out))
    # eval reads the best epoch's weights (best.safetensors), resume the checkpoint: damage both
    files = [runs["mlp"] / n for n in ("checkpoint.safetensors", "best.safetensors")]
    foreign = [runs["perceptron"] / f.name for f in files]

    backup = [f.read_bytes() for f in files]
    for f, g in zip(files, foreign):
        shutil.copy(g, f)  # a checkpoint of another model
    code, _, err = cli("eval", str(runs["mlp"]))
    _one_line_error(code, err, "checkpoint of 'perceptron'")
    code, _, err = cli("train", "--resume", str(runs["mlp"]))
    _one_line_error(code, err, "perceptron")

    for f, b in zip(files, backup):
        f.write_bytes(b[: len(b) // 3])  # truncated
    code, _, err = cli("eval", str(runs["mlp"]))
    _one_line_error(code, err, "corrupt or truncated")
    for f in files:
        f.write_bytes(b"not a checkpoint at all")
    code, _, err = cli("eval", str(runs["mlp"]))
    _one_line_error(code, err, "corrupt or truncated")


# -- property-based: bad values never escape as anything but a clear error -----------------

@settings(max_examples=150, deadline=None)
@given(key=st.sampled_from(sorted(field_types(TrainConfig))), raw=st.text(max_size=12))
def test_any_set_value_parses_or_fails_clearly(key: str, raw: str) -> None:
    try:
        cfg = build_config(TrainConfig, {key: raw})
    except (ConfigError, UnknownNameError) as e:
        assert key in str(e) or "must" in str(e)
    else:
        assert isinstance(cfg, TrainConfig)


@settings(max_examples=100, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=4),
       bad=st.sampled_from([np.nan, np.inf, -np.inf]), pos=st.integers(0, 10_000))
def test_non_finite_values_always_rejected(shape: list[int], bad: float, pos: int) -> None:
    import torch

    x = torch.rand(3, *shape)
    x.view(-1)[pos % x.numel()] = bad
    with pytest.raises(InputError, match="NaN or infinite"):
        check_input(x, tuple(shape))


@settings(max_examples=100, deadline=None)
@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=4),
       want=st.lists(st.integers(1, 5), min_size=1, max_size=4))
def test_wrong_shapes_always_rejected(shape: list[int], want: list[int]) -> None:
    import torch

    x = torch.rand(*shape)
    if list(x.shape[1:]) == want:
        assert check_input(x, tuple(want)) is x
    else:
        with pytest.raises(InputError, match="must have shape"):
            check_input(x, tuple(want))


def _write_idx(path: Path, arr: np.ndarray, code: int) -> None:
    import gzip
    import struct

    header = struct.pack(">BBBB", 0, 0, code, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape)
    big = arr.astype(arr.dtype.newbyteorder(">"))
    path.write_bytes(gzip.compress(header + big.tobytes()))


def test_damaged_dataset_file_is_one_line(cli: Cli, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A dataset file cut short is named, with its size and the expected one."""
    root = tmp_path / "data"
    d = root / "mnist"
    d.mkdir(parents=True)
    for name, shape in (("train-images-idx3-ubyte.gz", (60000, 28, 28)),
                        ("train-labels-idx1-ubyte.gz", (60000,)),
                        ("t10k-images-idx3-ubyte.gz", (10000, 28, 28)),
                        ("t10k-labels-idx1-ubyte.gz", (10000,))):
        _write_idx(d / name, np.zeros(shape, dtype=np.uint8), 0x08)
    monkeypatch.setenv("NNZOO_DATA", str(root))
    code, _, err = cli("train", "mlp", "--recipe", "mnist", "--out", str(tmp_path / "runs"))
    _one_line_error(code, err, "wrong size", "train-images-idx3-ubyte.gz", str(d))


def test_a_reader_that_goes_away_stops_the_output_quietly() -> None:
    """``nnzoo list | head -1``: a closed pipe ends the command with 141 (a Unix tool's
    SIGPIPE status) and nothing on stderr, not an internal error."""
    import os
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "nnzoo.cli", "list"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first line (the child still imports)
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141, err
    assert err == ""
