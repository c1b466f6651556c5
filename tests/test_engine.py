"""The engine: run folders, exact resumption after SIGKILL, early stopping, the closed-form
path, checkpoints, and data-parallel training on two processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from conftest import nnzoo_subprocess

from nnzoo.core.config import TrainConfig, build_optimizer
from nnzoo.core.errors import CheckpointError
from nnzoo.core.io import (
    load_checkpoint,
    load_optimizer_state,
    optimizer_state,
    prefixed,
    save_checkpoint,
    unprefixed,
)
from nnzoo.core.rundir import RunDir
from nnzoo.data import load_dataset
from nnzoo.models.base import Classifier
from nnzoo.recipes.runner import RunOptions, train
from nnzoo.train.engine import Trainer


def _only_run(out: Path) -> Path:
    runs = [p for p in out.iterdir() if p.is_dir()]
    assert len(runs) == 1, runs
    return runs[0]


def _epoch_records(run: Path) -> list[dict]:
    recs = RunDir(run).read_metrics("epoch")
    return [{k: v for k, v in r.items() if not k.endswith("time")} for r in recs]


def test_run_folder_contents(tmp_path: Path) -> None:
    s = train("mlp", overrides={"epochs": "3"}, options=RunOptions(out=str(tmp_path), quiet=True,
                                                                  device="cpu"))
    run = Path(s["run_dir"])
    for name in ("config.json", "metrics.jsonl", "checkpoint.safetensors", "state.json",
                 "summary.json"):
        assert (run / name).is_file(), name
    for png in ("learning_curve.png", "confusion_matrix.png", "first_layer_weights.png"):
        assert (run / "plots" / png).stat().st_size > 1000, png
    cfg = json.loads((run / "config.json").read_text())
    assert cfg["model"] == "mlp" and cfg["recipe"] == "digits" and cfg["train"]["epochs"] == 3
    assert cfg["versions"]["torch"] == torch.__version__
    epochs = RunDir(run).read_metrics("epoch")
    assert [e["epoch"] for e in epochs] == [1, 2, 3]
    assert 0.5 < s["test"]["accuracy"] <= 1
    state = json.loads((run / "state.json").read_text())
    assert state["progress"]["epoch"] == 3 and state["model"] == "mlp"


def test_resume_after_sigkill_matches_uninterrupted_run(tmp_path: Path) -> None:
    """Kill a run with SIGKILL mid-epoch, resume it, and compare with a run never stopped."""
    args = ["train", "cnn", "--epochs", "4", "--set", "batch_size=8", "--set",
            "checkpoint_every=15", "--seed", "3", "--device", "cpu", "--quiet"]
    whole = nnzoo_subprocess(*args, "--out", str(tmp_path / "whole"))
    assert whole.returncode == 0, whole.stderr

    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "nnzoo.cli", *args, "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    killed_at = None
    while time.time() < deadline and proc.poll() is None:
        state = next(out.glob("*/state.json"), None) if out.exists() else None
        if state is not None:
            try:
                prog = json.loads(state.read_text())["progress"]
            except (json.JSONDecodeError, KeyError, OSError):
                prog = None
            if prog and prog["epoch"] >= 1 and prog["batch"] > 0:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                killed_at = prog
                break
        time.sleep(0.01)
    assert killed_at is not None, "the run finished before it could be killed mid-epoch"
    run = _only_run(out)
    assert not (run / "summary.json").exists()

    resumed = nnzoo_subprocess("train", "--resume", str(run), "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    a = json.loads((_only_run(tmp_path / "whole") / "summary.json").read_text())
    b = json.loads((run / "summary.json").read_text())
    assert a["test"] == b["test"] and a["val"] == b["val"] and a["steps"] == b["steps"]
    assert _epoch_records(_only_run(tmp_path / "whole")) == _epoch_records(run)
    ta, _ = load_checkpoint(_only_run(tmp_path / "whole") / "checkpoint.safetensors")
    tb, _ = load_checkpoint(run / "checkpoint.safetensors")
    assert all(torch.equal(ta[k], tb[k]) for k in ta if k.startswith("model."))


def _adam_params(seed: int = 0) -> list[torch.nn.Parameter]:
    """A channels-last conv weight (the CNN's layout), a matrix, a bias and a float64
    vector: the layouts and dtypes the fused Adam path meets."""
    g = torch.Generator().manual_seed(seed)
    conv = torch.randn(8, 6, 3, 3, generator=g).contiguous(memory_format=torch.channels_last)
    return [torch.nn.Parameter(t) for t in (conv, torch.randn(5, 7, generator=g),
                                            torch.randn(5, generator=g),
                                            torch.randn(11, generator=g, dtype=torch.float64))]


def _grads(params: list[torch.nn.Parameter], steps: int, seed: int = 1
           ) -> list[list[torch.Tensor]]:
    """Random gradients; every third step's matrix gradient is a transposed (non-contiguous)
    tensor, as a hand-written backward pass may leave."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for s in range(steps):
        gs = [torch.randn(p.shape, generator=g, dtype=p.dtype) for p in params]
        if s % 3 == 0:
            gs[1] = gs[1].t().contiguous().t()
        out.append(gs)
    return out


def _step(params: list[torch.nn.Parameter], opt: torch.optim.Optimizer,
          grads: list[torch.Tensor]) -> None:
    for p, g in zip(params, grads):
        p.grad = g.clone(memory_format=torch.preserve_format)
    opt.step()


@pytest.mark.parametrize("name,wd", [("adam", 0.0), ("adam", 0.1), ("adamw", 0.1)])
def test_fused_adam_matches_torch_reference_adam(name: str, wd: float) -> None:
    """build_optimizer's Adam/AdamW on CPU is torch's fused kernel, and its steps equal the
    reference single-tensor Adam's to float rounding: also for a channels-last parameter
    and a gradient with other strides than its parameter."""
    ours = _adam_params()
    cfg = TrainConfig(optimizer=name, lr=0.01, weight_decay=wd)  # type: ignore[arg-type]
    opt = build_optimizer(ours, cfg)
    assert opt.defaults["fused"] is True
    ref = _adam_params()
    cls = torch.optim.AdamW if name == "adamw" else torch.optim.Adam
    ref_opt = cls(ref, lr=0.01, weight_decay=wd, foreach=False, fused=False)
    for grads in _grads(ours, 40):
        _step(ours, opt, grads)
        _step(ref, ref_opt, grads)
    for a, b in zip(ours, ref):
        torch.testing.assert_close(a.detach(), b.detach(), rtol=1e-5, atol=1e-6)
        assert a.stride() == b.stride()
    assert not torch.equal(ours[0].detach(), _adam_params()[0].detach())    # it moved


def test_fused_adam_resumes_exactly_from_a_checkpoint(tmp_path: Path) -> None:
    """Fused Adam's state written to a checkpoint (contiguous, as safetensors stores it) and
    loaded into a fresh optimizer continues bit for bit like the optimizer never stopped,
    channels-last parameter included (the kernel walks memory flat, so moments restored in
    another layout than their parameter's would be paired with the wrong weights)."""
    cfg = TrainConfig(lr=0.01)
    grads = _grads(_adam_params(), 20)
    whole = _adam_params()
    opt = build_optimizer(whole, cfg)
    for g in grads:
        _step(whole, opt, g)

    first = _adam_params()
    opt = build_optimizer(first, cfg)
    for g in grads[:9]:
        _step(first, opt, g)
    t, meta = optimizer_state(opt)
    model = {str(i): p.detach() for i, p in enumerate(first)}
    save_checkpoint(tmp_path / "c.safetensors", {**prefixed("model", model),
                                                 **prefixed("optim", t)}, {"optim": meta})
    tensors, state = load_checkpoint(tmp_path / "c.safetensors")
    resumed = _adam_params(seed=5)                  # other values, overwritten by the load
    with torch.no_grad():
        for i, p in enumerate(resumed):
            p.copy_(unprefixed("model", tensors)[str(i)])
    opt = build_optimizer(resumed, cfg)
    load_optimizer_state(opt, unprefixed("optim", tensors), state["optim"])
    assert not tensors["optim.0.exp_avg"].is_contiguous(memory_format=torch.channels_last)
    assert opt.state[resumed[0]]["exp_avg"].stride() == resumed[0].stride()  # re-laid out
    for g in grads[9:]:
        _step(resumed, opt, g)
    assert all(torch.equal(a, b) for a, b in zip(whole, resumed))


def test_build_optimizer_fuses_only_cpu_float_parameters() -> None:
    """Fused Adam for CPU float32/float64 parameters; torch's default path for other dtypes;
    SGD and Adadelta untouched."""
    cfg = TrainConfig()
    assert build_optimizer([torch.nn.Parameter(torch.zeros(3))], cfg).defaults["fused"]
    half = [torch.nn.Parameter(torch.zeros(3, dtype=torch.bfloat16))]
    assert not build_optimizer(half, cfg).defaults["fused"]
    groups = [{"params": [torch.nn.Parameter(torch.zeros(2))]},
              {"params": [torch.nn.Parameter(torch.zeros(2))], "lr": 0.1}]
    assert build_optimizer(iter(groups), cfg).defaults["fused"]
    sgd = build_optimizer([torch.nn.Parameter(torch.zeros(3))], TrainConfig(optimizer="sgd"))
    assert isinstance(sgd, torch.optim.SGD)


def test_early_stopping(tmp_path: Path) -> None:
    """With a learning rate too small to change any prediction, validation accuracy never
    improves after epoch 1, so patience 2 stops the run after epoch 3."""
    s = train("mlp", overrides={"epochs": "20", "lr": "1e-12", "patience": "2",
                                "dropout": "0"},
              options=RunOptions(out=str(tmp_path), quiet=True, device="cpu"))
    assert s["epochs"] == 3 and s["stopped_early"] and s["best_epoch"] == 1


class _LeastSquares(Classifier):
    """A closed-form test model: ridge regression onto one-hot targets."""

    model_id = "least-squares"

    def __init__(self, d: int, k: int) -> None:
        super().__init__(type("Cfg", (), {"sample_shape": (1, 8, 8)})())
        self.register_buffer("W", torch.zeros(d + 1, k))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check(x)
        x = torch.cat([x.flatten(1), torch.ones(len(x), 1)], 1)
        return x @ self.W

    def fit(self, X: torch.Tensor, y: torch.Tensor) -> None:
        A = torch.cat([X.flatten(1), torch.ones(len(X), 1)], 1).double()
        T = torch.nn.functional.one_hot(y, self.W.shape[1]).double()
        self.W.copy_(torch.linalg.solve(A.T @ A + 1e-3 * torch.eye(A.shape[1]), A.T @ T))


def test_closed_form_path(tmp_path: Path) -> None:
    splits = load_dataset("digits")
    model = _LeastSquares(64, 10)
    run = RunDir.create(tmp_path, "ls")
    trainer = Trainer(model, splits.train, splits.val, TrainConfig(epochs=1), run=run,
                      quiet=True, state={"model": "least-squares"})
    record = trainer.fit_closed_form()
    assert record["val_accuracy"] > 0.9 and record["train_accuracy"] > 0.9
    tensors, state = load_checkpoint(run.checkpoint_path)
    assert torch.equal(tensors["model.W"], model.W) and state["progress"]["epoch"] == 1


def test_checkpoint_damage_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "c.safetensors"
    save_checkpoint(path, {"w": torch.arange(1000.0)}, {"model": "mlp"})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        load_checkpoint(path)
    path.write_bytes(b"\x00" * 7)
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        load_checkpoint(path)
    from safetensors.torch import save_file

    save_file({"w": torch.zeros(2)}, str(path))
    with pytest.raises(CheckpointError, match="not an nnzoo checkpoint"):
        load_checkpoint(path)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.safetensors")


def test_checkpoint_writes_are_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that fails midway leaves the previous checkpoint intact and no temp file."""
    path = tmp_path / "c.safetensors"
    save_checkpoint(path, {"w": torch.ones(3)}, {"step": 1})

    def boom(*a: object, **k: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError):
        save_checkpoint(path, {"w": torch.zeros(3)}, {"step": 2})
    tensors, state = load_checkpoint(path)
    assert state == {"step": 1} and torch.equal(tensors["w"], torch.ones(3))
    assert [p.name for p in tmp_path.iterdir()] == ["c.safetensors"]


def test_two_processes_on_loopback_match_one_process(tmp_path: Path) -> None:
    """DDP on two CPU processes (gloo) takes the same steps as one process at the same
    global batch size: without dropout or batch norm, the weights agree to float error."""
    common = ["train", "mlp", "--epochs", "2", "--set", "dropout=0", "--set", "optimizer=sgd",
              "--set", "lr=0.05", "--set", "batch_size=64", "--device", "cpu", "--quiet"]
    one = nnzoo_subprocess(*common, "--out", str(tmp_path / "one"))
    assert one.returncode == 0, one.stderr
    two = nnzoo_subprocess(*common, "--nproc", "2", "--out", str(tmp_path / "two"))
    assert two.returncode == 0, two.stderr + two.stdout
    r1, r2 = _only_run(tmp_path / "one"), _only_run(tmp_path / "two")
    assert json.loads((r2 / "summary.json").read_text())["world_size"] == 2
    t1, _ = load_checkpoint(r1 / "checkpoint.safetensors")
    t2, _ = load_checkpoint(r2 / "checkpoint.safetensors")
    for k in t1:
        if k.startswith("model."):
            torch.testing.assert_close(t1[k], t2[k], rtol=1e-4, atol=1e-5)
    assert "test accuracy" in two.stdout


def test_adadelta_first_step_follows_zeiler() -> None:
    """Adadelta (Zeiler 2012, rho 0.95, eps 1e-6 as Kim 2014): after one step from zero
    accumulators, E[g^2] = (1 - rho) g^2 and dx = -sqrt(eps) / sqrt(E[g^2] + eps) * g."""
    from nnzoo.core.config import build_optimizer

    p = torch.nn.Parameter(torch.tensor([1.0, -2.0, 0.5]))
    opt = build_optimizer([p], TrainConfig(optimizer="adadelta", lr=1.0))
    g = torch.tensor([0.3, -1.0, 2.0])
    p.grad = g.clone()
    opt.step()
    rho, eps = 0.95, 1e-6
    dx = -((0 + eps) ** 0.5) / ((1 - rho) * g**2 + eps).sqrt() * g
    assert torch.allclose(p.detach(), torch.tensor([1.0, -2.0, 0.5]) + dx, atol=1e-7)


def test_restore_best_scores_the_epoch_that_validation_chose(tmp_path: Path) -> None:
    """SGD at a rate of 0.5 makes the MLP's validation accuracy go up and down; the summary,
    the test score and ``nnzoo eval`` must all use the weights of the best epoch, and the last
    epoch's with ``restore_best=false``."""
    from nnzoo.recipes.runner import evaluate_run

    over = {"epochs": "6", "lr": "0.5", "optimizer": "sgd", "restore_best": "true"}
    s = train("mlp", overrides=over, options=RunOptions(out=str(tmp_path), quiet=True))
    run = RunDir.open(s["run_dir"])
    val = [e["val_accuracy"] for e in run.read_metrics("epoch")]
    best = max(range(len(val)), key=lambda i: (val[i], -i)) + 1     # first of the maxima
    assert best != len(val), "the set-up must make the last epoch not the best"
    assert s["best_epoch"] == s["scored_epoch"] == best and run.best_path.exists()
    assert s["val"]["accuracy"] == val[best - 1]
    again = evaluate_run(s["run_dir"])
    assert again["val"]["accuracy"] == pytest.approx(val[best - 1], abs=1e-6)
    assert again["test"]["accuracy"] == pytest.approx(s["test"]["accuracy"], abs=1e-6)

    last = train("mlp", overrides={**over, "restore_best": "false"},
                 options=RunOptions(out=str(tmp_path), quiet=True))
    assert last["scored_epoch"] == 6 and last["val"]["accuracy"] == val[-1]
    assert not RunDir.open(last["run_dir"]).best_path.exists()
    assert evaluate_run(last["run_dir"])["val"]["accuracy"] == pytest.approx(val[-1], abs=1e-6)
