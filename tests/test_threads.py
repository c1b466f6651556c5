"""The guards against oversubscribing the CPU: thread counts chosen by the work, restored
after every library call, ``--threads`` on the command line, and the OpenMP wait policy that
only the command line sets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import Cli

from nnzoo.core.device import (
    BIG_WORK,
    cpu_cores,
    one_thread,
    small_work_threads,
    threads_for_work,
    using_threads,
)
from nnzoo.core.errors import ConfigError
from nnzoo.data.base import ArrayDataset, Splits
from nnzoo.models import create
from nnzoo.recipes.runner import RunOptions, run_threads, step_work


def test_using_threads_sets_and_restores_also_on_error() -> None:
    before = torch.get_num_threads()
    other = 1 if before != 1 else 2
    with using_threads(other):
        assert torch.get_num_threads() == other
    assert torch.get_num_threads() == before
    with pytest.raises(RuntimeError), using_threads(other):
        raise RuntimeError("inside")
    assert torch.get_num_threads() == before
    with using_threads(None):  # None: left as it is
        assert torch.get_num_threads() == before
    with one_thread(), small_work_threads(10):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "2"])
def test_bad_thread_counts_are_one_error(bad: object) -> None:
    with pytest.raises(ConfigError, match="thread"), using_threads(bad):  # type: ignore[arg-type]
        pass
    with pytest.raises(ConfigError, match="threads"):
        RunOptions(threads=bad)  # type: ignore[arg-type]


def test_threads_for_work_is_one_for_tiny_work_and_the_cores_for_big() -> None:
    cores = len(os.sched_getaffinity(0))
    assert cpu_cores() == cores
    with using_threads(cores + 1):
        assert threads_for_work(BIG_WORK - 1) == 1
        assert threads_for_work(BIG_WORK) == cores
        assert threads_for_work(100, threshold=50) == cores
    with using_threads(1):  # OMP_NUM_THREADS=1, or a --nproc process: never raised
        assert threads_for_work(BIG_WORK) == 1


def test_step_work_counts_the_convolutions_by_hand() -> None:
    """One stage of two 3x3 convolutions (1->4, 4->4 channels, bias-free before batch norm)
    on 8x8 images, then dense 64->8->10: multiply-adds per image, counted by hand."""
    model = create("cnn", sample_shape=(1, 8, 8), n_classes=10, channels=(4,), hidden=8)
    per_image = 9 * 1 * 4 * 64 + 9 * 4 * 4 * 64 + 64 * 8 + 8 * 10
    x = torch.rand(5, 1, 8, 8)
    rng = torch.get_rng_state()
    model.train()
    assert step_work(model, x) == 3 * per_image * 5
    assert model.training and torch.equal(torch.get_rng_state(), rng)  # nothing changed


def test_step_work_of_a_token_model_counts_every_position() -> None:
    model = create("lstm", vocab_size=50, n_classes=50, sample_shape=(30,))
    params = sum(p.numel() for p in model.parameters())
    x = torch.randint(0, 50, (4, 30))
    assert step_work(model, x) >= 3 * params * 4 * 30


def _splits(shape: tuple[int, ...], n: int = 8) -> Splits:
    data = ArrayDataset(torch.rand(n, *shape), torch.arange(n) % 10)
    return Splits("fake", data, data, data, "classification", 10, shape)


def test_auto_threads_follow_the_recipes_step() -> None:
    from nnzoo.recipes import get_recipe

    for recipe, shape, want in (("digits", (1, 8, 8), 1), ("mnist", (1, 28, 28), 2)):
        hp, cfg = get_recipe("cnn", recipe).resolve({})
        model = create("cnn", **hp, sample_shape=shape, n_classes=10)
        splits = _splits(shape, cfg.batch_size)
        with using_threads(2):
            got = run_threads("auto", model, splits, cfg, torch.device("cpu"))
        assert got == min(want, cpu_cores()), recipe
        assert run_threads(3, model, splits, cfg, torch.device("cpu")) == 3
        assert run_threads(None, model, splits, cfg, torch.device("cpu")) is None


def test_train_threads_option_is_used_then_given_back(cli: Cli, tmp_path: Path) -> None:
    before = torch.get_num_threads()
    code, out, err = cli("train", "cnn", "--epochs", "1", "--quiet", "--threads", "1",
                         "--out", str(tmp_path), "--set", "channels=4", "--set", "hidden=8")
    assert code == 0, err
    summary = json.loads(next(tmp_path.glob("cnn-digits-*/summary.json")).read_text())
    assert summary["threads"] == 1
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("command", [["train", "cnn"], ["bench", "cnn"], ["eval", "runs/x"]])
@pytest.mark.parametrize("value", ["0", "many", "2000"])
def test_bad_threads_option_is_one_line(cli: Cli, command: list[str], value: str) -> None:
    code, _, err = cli(*command, "--threads", value)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--threads" in err, err


def _wait_policy(env: dict[str, str]) -> str:
    code = ("import os, sys; from nnzoo import cli; cli._prepare_threads_env(); "
            "print(os.environ.get('OMP_WAIT_POLICY'), 'torch' in sys.modules)")
    base = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**base, **env}, timeout=120, check=True)
    return done.stdout.strip()


def test_the_command_line_makes_idle_openmp_threads_sleep_unless_told_otherwise() -> None:
    assert _wait_policy({}) == "PASSIVE False"  # before torch loads
    assert _wait_policy({"OMP_WAIT_POLICY": "ACTIVE"}) == "ACTIVE False"


def test_no_wait_policy_once_torch_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    from nnzoo import cli

    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    cli._prepare_threads_env()  # torch is loaded in this process: too late, nothing set
    assert "OMP_WAIT_POLICY" not in os.environ
