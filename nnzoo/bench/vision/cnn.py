"""Benchmark of the convolutional network.

``digits`` (quick) and ``mnist`` (full): the CNN against a hand-written PyTorch loop: the same
network, initial weights, optimizer, scheduler and batches, to measure what the engine costs
per epoch (training phase). The same run measures the machine: the fp32 matrix-product peak
(a 2048 x 2048 ``torch.mm`` at the run's thread count, the best of 7) and the engine's
training throughput in images/s and GFLOP/s (the FLOPs of one image's forward and backward
pass counted by :class:`torch.utils.flop_counter.FlopCounterMode`), as a fraction of that
peak; a ``torch.profiler`` table of a few engine steps (operators by self CPU time) is written
to ``<out>/profiles/`` and its head summarised in the row's notes. ``NNZOO_CNN_EPOCHS``
shortens the full tier (the command of the row records it).

``fashion`` (full): the baseline row of the Fashion-MNIST table of the genealogy
(:func:`nnzoo.bench.vision.convnets.fashion_row`).

``contention`` (full): the job of ``make run`` (``nnzoo train cnn``: the digits recipe, as a
newcomer runs it, in a fresh process with no thread settings in its environment) timed alone,
then beside a competing process started by the task: torch on 2 threads multiplying
1024 x 1024 matrices without pause, with OpenMP's default (spinning) wait policy. The time
ratio is the contended job's wall time over the quiet one's. ``NNZOO_CONTENTION_EPOCHS``
shortens the job (the command records it).

``throughput`` (full): training images/s of the Fashion-MNIST recipe's net, as every vision
net's row (:func:`nnzoo.bench.vision.convnets.throughput`).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

import nnzoo
from nnzoo.bench.arrays import targets
from nnzoo.bench.runner import BenchResult, bench_task, plots_dir, race_epochs
from nnzoo.bench.vision.convnets import fashion_row, throughput
from nnzoo.core.config import build_optimizer, build_scheduler
from nnzoo.core.errors import ConfigError
from nnzoo.core.loop import batch_slices, epoch_order
from nnzoo.core.seed import seed_everything
from nnzoo.data import load_dataset
from nnzoo.data.base import ArrayDataset
from nnzoo.models import create
from nnzoo.models.base import ZooModule
from nnzoo.recipes import get_recipe
from nnzoo.train.engine import Trainer, evaluate

PROFILE_STEPS = 12  # engine steps in the profile (after 2 steps of warm-up)


def matmul_peak(n: int = 2048, repeats: int = 7) -> float:
    """The machine's fp32 matrix-product rate in GFLOP/s: ``torch.mm`` of two ``n x n``
    matrices at the current thread count, ``2 n^3`` FLOPs each, the best of ``repeats``
    (the least disturbed by other processes) after one untimed product."""
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(n, n, generator=g), torch.randn(n, n, generator=g)
    c = torch.empty(n, n)
    torch.mm(a, b, out=c)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        torch.mm(a, b, out=c)
        best = min(best, time.perf_counter() - t0)
    return 2 * n**3 / best / 1e9


def train_flops_per_image(model: ZooModule[Any], x: torch.Tensor, y: torch.Tensor) -> float:
    """FLOPs of one training image: forward, cross-entropy and backward of a copy of
    ``model`` on the batch ``(x, y)``, counted by ``FlopCounterMode`` (matrix products and
    convolutions; the element-wise work is not counted), divided by the batch size."""
    from torch.utils.flop_counter import FlopCounterMode

    m = copy.deepcopy(model).train()
    with FlopCounterMode(display=False) as counter:
        F.cross_entropy(m(x), y).backward()
    return counter.get_total_flops() / len(x)


def profile_engine(build: Any, splits: Any, cfg: Any, name: str, seed: int) -> tuple[Path, str]:
    """Profile :data:`PROFILE_STEPS` steps of the engine (``Trainer.fit`` on that many
    batches, after two steps of warm-up) with ``torch.profiler``; write the operators by self
    CPU time to ``<out>/profiles/<name>.txt`` and return its path and a one-line summary of
    the heaviest operators' shares of the self CPU time."""
    from torch.profiler import ProfilerActivity, profile

    bs = cfg.batch_size
    n = bs * (PROFILE_STEPS + 2)
    assert splits.train.y is not None and splits.val.y is not None   # a labelled split
    part = ArrayDataset(splits.train.X[:n], splits.train.y[:n])
    val = ArrayDataset(splits.val.X[:bs], splits.val.y[:bs])
    assert part.y is not None
    warm = ArrayDataset(part.X[:2 * bs], part.y[:2 * bs])
    one = dataclasses.replace(cfg, epochs=1)
    model = build()
    Trainer(model, warm, val, one, seed=seed, quiet=True).fit()
    trainer = Trainer(model, ArrayDataset(part.X[2 * bs:], part.y[2 * bs:]), val, one,
                      seed=seed, quiet=True)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        trainer.fit()
    events = prof.key_averages()
    table = events.table(sort_by="self_cpu_time_total", row_limit=30)
    path = plots_dir().parent / "profiles" / f"{name}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"torch.profiler: {PROFILE_STEPS} engine steps of batch {bs} and one "
                    f"validation batch, {torch.get_num_threads()} thread(s), operators by self "
                    f"CPU time\n\n{table}\n", encoding="utf-8")
    total = sum(e.self_cpu_time_total for e in events) or 1.0
    top = sorted(events, key=lambda e: e.self_cpu_time_total, reverse=True)[:6]
    summary = ", ".join(f"{e.key} {100 * e.self_cpu_time_total / total:.0f} %" for e in top)
    return path, summary


def _env_epochs(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"{name} must be a whole number of epochs >= 1, got {text!r}")
    return int(text)


def _cnn(task: str, tier: str, recipe: str, epochs: int, quiet: bool) -> BenchResult:
    rec = get_recipe("cnn", recipe)
    hp, cfg = rec.resolve({"epochs": epochs})
    splits = load_dataset(task)
    seed = 0

    def build() -> ZooModule[Any]:
        seed_everything(seed)
        return create("cnn", **hp, sample_shape=splits.sample_shape, n_classes=splits.n_classes)

    # warm-up: one batch forward and backward (allocator, kernels), timed by neither side;
    # the FLOPs of a training image are counted on a copy
    warm = build()
    xb, yb = splits.train.X[:cfg.batch_size], targets(splits)[:cfg.batch_size]
    F.cross_entropy(warm(xb), yb).backward()
    flops_image = train_flops_per_image(warm, xb, yb)
    peak = matmul_peak()

    # the hand-written loop: same model, init, optimizer, scheduler, batches
    hand = build()
    opt = build_optimizer(hand.parameters(), cfg)
    slices = batch_slices(len(splits.train), cfg.batch_size)
    sched, unit = build_scheduler(opt, cfg, len(slices))
    X, y = splits.train.X, targets(splits)

    def hand_epoch(epoch: int) -> float:
        hand.train()
        t0 = time.perf_counter()
        order = epoch_order(len(X), seed, epoch)
        for sl in slices:
            idx = order[sl]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(hand(X[idx]), y[idx])
            loss.backward()
            opt.step()
            if sched is not None and unit == "step":
                sched.step()
        elapsed = time.perf_counter() - t0
        if sched is not None and unit == "epoch":
            sched.step()
        return elapsed

    # the engine, as `nnzoo train` runs it (run folder, logging, checkpoints), one epoch at a
    # time, interleaved with the hand-written loop (ABBA order) so that a slow spell of the
    # machine falls on both alike
    model = build()
    engine_times, hand_times = race_epochs(model, splits, cfg, hand_epoch, seed=seed,
                                           quiet=quiet)
    peak_after = matmul_peak()  # the machine's state may change during the race
    hand_acc = evaluate(hand, splits.test)["accuracy"]
    engine_acc = evaluate(model, splits.test)["accuracy"]
    profile_path, profile_summary = profile_engine(build, splits, cfg, f"cnn-{tier}-{task}",
                                                   seed)
    epoch_s = statistics.median(engine_times)
    images_s = len(splits.train) / epoch_s
    gflops = images_s * flops_image / 1e9
    best_peak = max(peak, peak_after)
    threads = torch.get_num_threads()
    return BenchResult(
        "cnn", tier, task, "accuracy", True, "hand-written PyTorch loop", engine_acc, hand_acc,
        epoch_s, statistics.median(hand_times), "median epoch",
        f"recipe {recipe}, {epochs} epochs, batch {cfg.batch_size}, {threads} thread(s)",
        notes="peer is the same network trained by a plain PyTorch loop in the same process: "
              "the time ratio is the engine's overhead per training epoch. Training "
              f"throughput {images_s:.0f} images/s = {gflops:.1f} GFLOP/s "
              f"({flops_image / 1e6:.1f} MFLOP per image, forward and backward, counted), "
              f"{100 * gflops / best_peak:.0f} % of this machine's fp32 matmul peak "
              f"({best_peak:.0f} GFLOP/s, 2048^2 torch.mm at {threads} thread(s), measured "
              f"before and after the race in this run). Profile of {PROFILE_STEPS} engine "
              f"steps, self CPU time: {profile_summary}",
        extra={"engine_epoch_times": engine_times, "hand_epoch_times": hand_times,
               "images_per_s": images_s, "train_flops_per_image": flops_image,
               "gflops": gflops, "matmul_peak_gflops": [peak, peak_after],
               "fraction_of_peak": gflops / best_peak, "threads": threads,
               "profile": str(profile_path.relative_to(plots_dir().parent)),
               "profile_top_ops": profile_summary})


@bench_task("cnn", "quick", "digits")
def cnn_digits(quiet: bool) -> BenchResult:
    return _cnn("digits", "quick", "digits", 10, quiet)


@bench_task("cnn", "full", "mnist")
def cnn_mnist(quiet: bool) -> BenchResult:
    return _cnn("mnist", "full", "mnist", _env_epochs("NNZOO_CNN_EPOCHS", 5), quiet)


@bench_task("cnn", "full", "fashion")
def cnn_fashion(quiet: bool) -> BenchResult:
    """The baseline row of the Fashion-MNIST table (:func:`nnzoo.bench.vision.convnets.
    fashion_row`): the existing ``fashion-mnist`` recipe of the small CNN."""
    return fashion_row("cnn", quiet)


@bench_task("cnn", "full", "throughput")
def cnn_throughput(quiet: bool) -> BenchResult:
    """Training images/s of the Fashion-MNIST recipe's net, as every vision net's row
    (:func:`nnzoo.bench.vision.convnets.throughput`)."""
    return throughput("cnn", quiet)


# -- make run beside a competing process ------------------------------------------------------

#: The competing process: torch on 2 threads, matrix products without pause, OpenMP's default
#: wait policy; it prints "ready" once it computes.
COMPETITOR = """\
import torch
torch.set_num_threads(2)
a = torch.randn(1024, 1024)
a @ a
print("ready", flush=True)
while True:
    a @ a
"""

_THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT",
               "KMP_BLOCKTIME")


def _plain_env(**extra: str) -> dict[str, str]:
    """This environment without thread settings (a newcomer's shell), nnzoo importable."""
    env = {k: v for k, v in os.environ.items() if k not in _THREAD_ENV}
    root = str(Path(nnzoo.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return {**env, **extra}


def _make_run_job(out: Path, epochs: int | None) -> tuple[float, dict[str, Any]]:
    """Run ``nnzoo train cnn`` in a fresh process (runs under ``out``); its wall time and
    summary."""
    cmd = [sys.executable, "-m", "nnzoo.cli", "train", "cnn", "--quiet", "--out", str(out)]
    if epochs is not None:
        cmd += ["--epochs", str(epochs)]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=_plain_env(), cwd=out,
                          timeout=3600)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"nnzoo train cnn exited {done.returncode}: "
                           f"{done.stderr.strip()[-300:]}")
    summary = json.loads(next(out.glob("cnn-digits-*/summary.json")).read_text())
    return wall, summary


@bench_task("cnn", "full", "contention")
def cnn_contention(quiet: bool) -> BenchResult:
    env_epochs = os.environ.get("NNZOO_CONTENTION_EPOCHS", "").strip()
    epochs = _env_epochs("NNZOO_CONTENTION_EPOCHS", 1) if env_epochs else None
    with tempfile.TemporaryDirectory(prefix="nnzoo-contention-") as tmp:
        quiet_dir, busy_dir = Path(tmp, "quiet"), Path(tmp, "busy")
        quiet_dir.mkdir()
        busy_dir.mkdir()
        quiet_s, quiet_sum = _make_run_job(quiet_dir, epochs)
        rival = subprocess.Popen([sys.executable, "-c", COMPETITOR], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True,
                                 env=_plain_env(OMP_NUM_THREADS="2"))
        try:
            assert rival.stdout is not None
            if rival.stdout.readline().strip() != "ready":
                raise RuntimeError("the competing torch process did not start")
            busy_s, busy_sum = _make_run_job(busy_dir, epochs)
        finally:
            rival.kill()
            rival.wait()
    what = f"{epochs} epochs" if epochs else "the recipe's epochs"
    return BenchResult(
        "cnn", "full", "contention", "accuracy", True,
        "the same job alone on the machine", busy_sum["test"]["accuracy"],
        quiet_sum["test"]["accuracy"], busy_s, quiet_s,
        "make run job (nnzoo train cnn), wall time beside a 2-thread torch process / alone",
        f"nnzoo train cnn (digits recipe, {what}) in a fresh process without thread "
        "settings; competitor: torch, 2 threads, 1024^2 matmuls without pause, OpenMP's "
        "default wait policy",
        notes="the time ratio is how much slower `make run`'s job is while another 2-thread "
              f"torch process shares the cores (target: at most 2). The job chose "
              f"{quiet_sum.get('threads', '?')} thread(s) alone and "
              f"{busy_sum.get('threads', '?')} beside the competitor; training took "
              f"{quiet_sum['train_time_s']:.1f} s alone and {busy_sum['train_time_s']:.1f} s "
              "beside it; the rest of each wall time is start-up, evaluation and plots",
        extra={"quiet_wall_s": quiet_s, "busy_wall_s": busy_s,
               "quiet_train_s": quiet_sum["train_time_s"],
               "busy_train_s": busy_sum["train_time_s"],
               "threads": [quiet_sum.get("threads"), busy_sum.get("threads")],
               "epochs": quiet_sum["epochs"]})
