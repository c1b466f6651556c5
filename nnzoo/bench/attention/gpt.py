"""Benchmarks of ``gpt``: the quick tier on the excerpt, and nanoGPT's CPU set-up beside
nanoGPT itself.

- Quick tier (``excerpt``): engine vs a hand-written loop, as ``transformer``'s
  (:func:`nnzoo.bench.attention.transformer.quick_excerpt`).
- Full tier (``nanogpt-cpu``): nnzoo's ``gpt`` with the ``nanogpt-cpu`` recipe
  (:mod:`nnzoo.recipes.attention.gpt`) and nanoGPT (``$NNZOO_PEERS/nanoGPT``, run unchanged
  as a separate process, :mod:`nnzoo.bench.programs`) on the same text, split and
  vocabulary, in one bench run:

  1. nanoGPT's folder is copied under the bench's output, Tiny Shakespeare's ``input.txt``
     (the data root's, sha256-checked) is put next to ``data/shakespeare_char/prepare.py``,
     and ``prepare.py`` runs; its ``train.bin``, ``val.bin`` and ``meta.pkl`` are checked to
     hold exactly nnzoo's training part, validation part and vocabulary (else the peer side
     fails with the difference).
  2. ``train.py`` runs with the README's CPU command (:data:`NANOGPT_ARGS`) plus
     ``--always_save_checkpoint=True`` (so that the model after the last iteration is saved:
     the checkpoint of the evaluation at iteration 2,000) and ``--out_dir`` inside the copy.
  3. The two trainings are interleaved in turns of :data:`TURN` iterations: nanoGPT runs
     ``TURN`` iterations (it is paused with ``SIGSTOP`` once it has printed the last one's
     line), then nnzoo runs ``TURN`` steps in this process, and so on, so that a slow spell
     of the shared machine falls on both alike; both run on one thread.
  4. Time per iteration: nanoGPT's own ``time X ms`` lines (``--log_interval=1``; the time
     from the end of one iteration to the end of the next); nnzoo's measured the same way,
     from one optimizer step's end to the next. The row gives the median of each over the
     iterations without evaluation, leaving out nanoGPT's iterations that contain an
     evaluation (every 250th) or a pause, and nnzoo's turn hand-overs; the ratio is a
     same-run ratio.
  5. Quality: both final models (nanoGPT's loaded with its own ``model.py`` from the copy)
     are evaluated by the same code, :func:`validation_loss`: the mean next-character
     cross-entropy over the whole validation part (111,540 characters: every character after
     the first predicted once, from up to 64 characters of context). nanoGPT's own printed
     estimate (20 random batches, ``--eval_iters=20``) is given beside it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import pickle
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from nnzoo.bench.attention.transformer import build_decoder, n_parameters, quick_excerpt
from nnzoo.bench.programs import (
    PeerProgramError,
    PeerProgramMissing,
    StartedProgram,
    program_copy,
    run_program,
)
from nnzoo.bench.runner import BenchResult, bench_task, one_thread, plots_dir
from nnzoo.core import plots
from nnzoo.core.rundir import RunDir
from nnzoo.data import load_dataset
from nnzoo.data.chars import encode
from nnzoo.data.sources import ensure
from nnzoo.data.text import TINYSHAKESPEARE
from nnzoo.models.attention.decoder import DecoderLM
from nnzoo.recipes import get_recipe
from nnzoo.recipes.attention.gpt import NANOGPT_CONTEXT, NANOGPT_ITERS
from nnzoo.train.engine import Trainer

#: nanoGPT's README command for its CPU set-up (after ``python``).
NANOGPT_ARGS = ("train.py", "config/train_shakespeare_char.py", "--device=cpu",
                "--compile=False", "--eval_iters=20", "--log_interval=1", "--block_size=64",
                "--batch_size=12", "--n_layer=4", "--n_head=4", "--n_embd=128",
                "--max_iters=2000", "--lr_decay_iters=2000", "--dropout=0.0")
#: Iterations per turn of the interleaved trainings.
TURN = 100
#: nanoGPT's evaluation interval in ``config/train_shakespeare_char.py``.
NANOGPT_EVAL_INTERVAL = 250
#: Seconds a turn of nanoGPT may take, and its whole run.
TURN_TIMEOUT, RUN_TIMEOUT = 900.0, 5400.0

_ITER = re.compile(r"^iter (\d+): loss ([0-9.naif]+), time ([0-9.]+)ms")
_EVAL = re.compile(r"^step (\d+): train loss ([0-9.]+), val loss ([0-9.]+)")
_NEEDS = ("train.py", "model.py", "configurator.py", "config/train_shakespeare_char.py",
          "data/shakespeare_char/prepare.py")


@bench_task("gpt", "quick", "excerpt")
def gpt_excerpt(quiet: bool) -> BenchResult:
    return quick_excerpt("gpt", quiet)


@torch.no_grad()
def validation_loss(logits_of: Callable[[torch.Tensor], torch.Tensor], ids: torch.Tensor,
                    context: int, batch: int = 256) -> float:
    """Mean next-token cross-entropy (nats) over the whole of ``ids``: consecutive windows
    of ``context`` tokens (the last one shorter), each position predicting the next token,
    so every token after the first is predicted once.

    :param logits_of: token ids ``(B, T)`` -> logits ``(B, T, V)``.
    :param ids: the token ids of the part, ``(N,)``.
    :param context: window length (the models' context).
    """
    n_full = (len(ids) - 1) // context
    total, count = 0.0, 0
    starts = torch.arange(n_full) * context
    idx = starts[:, None] + torch.arange(context)[None]                # (n_full, T)
    for s in range(0, n_full, batch):
        x, y = ids[idx[s:s + batch]], ids[idx[s:s + batch] + 1]
        logits = logits_of(x).float()
        total += float(F.cross_entropy(logits.flatten(0, 1), y.flatten(), reduction="sum"))
        count += y.numel()
    rest = len(ids) - 1 - n_full * context
    if rest:
        x, y = ids[None, n_full * context:-1], ids[None, n_full * context + 1:]
        logits = logits_of(x).float()
        total += float(F.cross_entropy(logits.flatten(0, 1), y.flatten(), reduction="sum"))
        count += y.numel()
    if count != len(ids) - 1:
        raise RuntimeError(f"validation_loss scored {count} of {len(ids) - 1} tokens")
    return total / count


def _check_prepared(work: Path, vocab: str, train_ids: torch.Tensor, val_ids: torch.Tensor
                    ) -> None:
    """nanoGPT's ``prepare.py`` output against nnzoo's split; a :class:`PeerProgramError`
    naming the first difference."""
    data = work / "data" / "shakespeare_char"
    with open(data / "meta.pkl", "rb") as f:
        meta = pickle.load(f)                 # written just now by the copy's prepare.py
    theirs = "".join(meta["itos"][i] for i in range(meta["vocab_size"]))
    if theirs != vocab:
        raise PeerProgramError(f"nanoGPT's vocabulary {theirs!r} is not nnzoo's {vocab!r}")
    for name, ours in (("train", train_ids), ("val", val_ids)):
        bins = torch.from_numpy(np.fromfile(data / f"{name}.bin", dtype=np.uint16)
                                .astype(np.int64))
        if not torch.equal(bins, ours):
            raise PeerProgramError(f"nanoGPT's {name}.bin ({len(bins)} tokens) differs from "
                                   f"nnzoo's {name} part ({len(ours)} tokens)")


def _load_nanogpt(work: Path, ckpt: Path) -> tuple[torch.nn.Module, dict[str, Any]]:
    """nanoGPT's model from the copy's ``model.py`` with the weights of checkpoint ``ckpt``
    (the module is imported under a private name and removed from ``sys.modules`` again)."""
    name = "_nnzoo_peer_nanogpt_model"
    spec = importlib.util.spec_from_file_location(name, work / "model.py")
    if spec is None or spec.loader is None:
        raise PeerProgramError(f"cannot import {work / 'model.py'}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        state = torch.load(ckpt, map_location="cpu", weights_only=True)
        with contextlib.redirect_stdout(io.StringIO()):           # it prints its size
            model = module.GPT(module.GPTConfig(**state["model_args"]))
        weights = {k.removeprefix("_orig_mod."): v for k, v in state["model"].items()}
        model.load_state_dict(weights)
    finally:
        sys.modules.pop(name, None)
    return model.eval(), {"iter_num": int(state["iter_num"]),
                          "model_args": dict(state["model_args"])}


class _Turns:
    """The optimizer-step hook of nnzoo's side: records the time of each iteration (end of
    one step to the end of the next) and, every :data:`TURN` steps, lets nanoGPT run its
    next :data:`TURN` iterations before nnzoo goes on (the hand-over is in no interval)."""

    def __init__(self, peer: StartedProgram | None, total: int) -> None:
        self.peer, self.total = peer, total
        self.times: list[float] = []
        self.step = 0
        self.peer_target = TURN - 1            # the nanoGPT iteration that ends its turn
        self.paused_after: list[int] = []      # nanoGPT iterations after which it was paused
        self.status = ""
        self.lines: list[str] = []             # the peer's output, when it failed mid-run
        self.last = time.perf_counter()

    def start(self) -> None:
        self.last = time.perf_counter()

    def __call__(self, *_: Any) -> None:
        now = time.perf_counter()
        self.times.append(now - self.last)
        self.step += 1
        if self.peer is not None and self.step % TURN == 0 and self.step < self.total:
            self.peer_turn()
            now = time.perf_counter()
        self.last = now

    def peer_turn(self) -> None:
        """nanoGPT's next :data:`TURN` iterations (a failure ends the peer's side)."""
        if self.peer is None:
            return
        self.peer_target += TURN
        target = self.peer_target
        try:
            self.peer.resume()
            self.peer.wait_for(lambda ln: (m := _ITER.match(ln)) is not None
                               and int(m.group(1)) >= target, TURN_TIMEOUT)
            self.peer.pause()
            self.paused_after.append(target)
        except PeerProgramError as e:
            self.status = f"peer failed: {e}"
            self.peer.stop()
            self.lines = list(self.peer.lines)
            self.peer = None


def _plot(nnzoo_loss: list[float], peer_loss: dict[int, float], nnzoo_ms: list[float],
          peer_ms: list[float], path: Path) -> Path:
    """Training loss per iteration of both sides, and their iteration times."""
    fig, (a, b) = plots.subplots(1, 2, figsize=(10, 3.6))
    a.plot(range(len(nnzoo_loss)), nnzoo_loss, lw=0.6, label="nnzoo gpt")
    its = sorted(peer_loss)
    a.plot(its, [peer_loss[i] for i in its], lw=0.6, label="nanoGPT", alpha=0.8)
    a.set_xlabel("iteration")
    a.set_ylabel("training loss (nats/char, one batch)")
    a.set_ylim(top=min(4.5, a.get_ylim()[1]))
    a.legend()
    hi = float(np.percentile(np.array(nnzoo_ms + peer_ms), 99)) if peer_ms else max(nnzoo_ms)
    bins = np.linspace(0, hi, 60)
    b.hist(nnzoo_ms, bins=bins, alpha=0.6, label="nnzoo gpt")
    if peer_ms:
        b.hist(peer_ms, bins=bins, alpha=0.6, label="nanoGPT")
    b.set_xlabel("ms per iteration (no evaluation, 1 thread)")
    b.legend()
    fig.suptitle("GPT, nanoGPT's CPU set-up: nnzoo and nanoGPT in one run (interleaved)")
    return plots.save(fig, path)


@bench_task("gpt", "full", "nanogpt-cpu")
def gpt_nanogpt_cpu(quiet: bool) -> BenchResult:
    rec = get_recipe("gpt", "nanogpt-cpu")
    hp, cfg = rec.resolve()
    splits = load_dataset(rec.dataset, **rec.dataset_args)
    source = ensure(TINYSHAKESPEARE) / "input.txt"
    text = source.read_text(encoding="utf-8")
    vocab = str(splits.meta["vocab"])
    ids = encode(text, vocab)
    cut = int(len(ids) * 0.9)                                          # prepare.py's cut
    train_ids, val_ids = ids[:cut], ids[cut:]
    model = build_decoder("gpt", hp, splits, seed=0)
    peer: StartedProgram | None = None
    status, peer_log = "", plots_dir().parent / "peers" / "nanogpt-cpu.log"
    with contextlib.ExitStack() as stack:
        work: Path | None = None
        try:
            work = stack.enter_context(program_copy("nanoGPT", _NEEDS))
            shutil.copyfile(source, work / "data" / "shakespeare_char" / "input.txt")
            run_program([sys.executable, "data/shakespeare_char/prepare.py"], cwd=work,
                        timeout=600)
            _check_prepared(work, vocab, train_ids, val_ids)
            peer_log.parent.mkdir(parents=True, exist_ok=True)
            peer = stack.enter_context(StartedProgram(
                [sys.executable, *NANOGPT_ARGS, "--always_save_checkpoint=True",
                 f"--out_dir={work / 'out-nnzoo-bench'}"], work, threads=1, log=peer_log))
            peer.wait_for(lambda ln: ln.startswith(f"iter {TURN - 1}:"), TURN_TIMEOUT)
            peer.pause()
        except PeerProgramMissing as e:
            status, peer = f"peer missing: {e.name}", None
        except (PeerProgramError, OSError, KeyError, ValueError) as e:
            status = f"peer failed: {type(e).__name__}: {e}"
            if peer is not None:
                peer.stop()
            peer = None
        turns = _Turns(peer, NANOGPT_ITERS)
        if peer is not None:
            turns.paused_after.append(TURN - 1)
        with tempfile.TemporaryDirectory() as tmp, one_thread():
            trainer = Trainer(model, splits.train, splits.val, cfg, seed=0,
                              run=RunDir.create(Path(tmp), "bench"), quiet=quiet,
                              metric="loss", higher_is_better=False)
            (opt,) = trainer.optimizers
            losses: list[float] = []
            opt.register_step_post_hook(turns)
            step_fn = trainer.step_fn
            trainer.step_fn = lambda batch: _record(step_fn(batch), losses)
            turns.start()
            trainer.fit()
            train_s = trainer.progress.train_time
            ours = validation_loss(lambda x: model.head(model._hidden(x)), val_ids,
                                   NANOGPT_CONTEXT)
        status = status or turns.status
        peer = turns.peer
        peer_value: float | None = None
        peer_info: dict[str, Any] = {}
        peer_wall: float | None = None
        if peer is not None and work is not None:
            try:
                peer_wall = peer.finish(RUN_TIMEOUT)
                nano, peer_info = _load_nanogpt(work, work / "out-nnzoo-bench" / "ckpt.pt")
                if peer_info["iter_num"] != NANOGPT_ITERS:
                    raise PeerProgramError(f"nanoGPT's last checkpoint is of iteration "
                                           f"{peer_info['iter_num']}, not {NANOGPT_ITERS}")
                with one_thread():
                    peer_value = validation_loss(lambda x: nano(x, x)[0], val_ids,
                                                 NANOGPT_CONTEXT)
            except (PeerProgramError, OSError, KeyError, RuntimeError) as e:
                status = f"peer failed: {type(e).__name__}: {e}"
        lines = list(turns.lines if peer is None else peer.lines)
    return _row(model, cfg, len(val_ids), ours, train_s, turns, lines, peer_value, peer_info,
                peer_wall, status, losses)


def _record(out: dict[str, torch.Tensor], losses: list[float]) -> dict[str, torch.Tensor]:
    """Keep each step's training loss (for the plot) and pass the step's metrics on."""
    losses.append(float(out["loss"].detach()))
    return out


def _row(model: DecoderLM, cfg: Any, n_val: int, ours: float, train_s: float, turns: _Turns,
         lines: list[str], peer_value: float | None, peer_info: dict[str, Any],
         peer_wall: float | None, status: str, losses: list[float]) -> BenchResult:
    """The bench row from both sides' figures."""
    peer_iters: dict[int, tuple[float, float]] = {}
    estimates: dict[int, tuple[float, float]] = {}
    for ln in lines:
        if (m := _ITER.match(ln)) is not None:
            peer_iters[int(m.group(1))] = (float(m.group(2)), float(m.group(3)))
        elif (m := _EVAL.match(ln)) is not None:
            estimates[int(m.group(1))] = (float(m.group(2)), float(m.group(3)))
    left_out = {i for i in peer_iters if i % NANOGPT_EVAL_INTERVAL == 0}
    left_out |= {i + 1 for i in turns.paused_after}
    peer_ms = [t for i, (_, t) in sorted(peer_iters.items()) if i not in left_out]
    # nnzoo: every interval is one step without evaluation (the hand-overs are outside them)
    ours_ms = [1000 * t for t in turns.times]
    ours_med = statistics.median(ours_ms) / 1000
    peer_med = statistics.median(peer_ms) / 1000 if peer_ms else None
    if status:
        peer_value, peer_med = None, None
    final = estimates.get(NANOGPT_ITERS)
    path = _plot(losses, {i: v[0] for i, v in peer_iters.items()}, ours_ms, peer_ms,
                 plots_dir() / "gpt-nanogpt-cpu.png")
    extra: dict[str, Any] = {
        "plot": str(path), "parameters": n_parameters(model), "nnzoo_iterations": len(ours_ms),
        "nnzoo_train_s": train_s, "nanogpt_iterations_timed": len(peer_ms),
        "nanogpt_iterations_left_out": len(left_out & set(peer_iters)),
        "nanogpt_estimate_at_2000": {"train": final[0], "val": final[1]} if final else None,
        "nanogpt_wall_s": peer_wall, "nanogpt_checkpoint": peer_info or None,
        "turn_iterations": TURN,
        "ms_quartiles": {"nnzoo": statistics.quantiles(ours_ms, n=4),
                         "nanogpt": statistics.quantiles(peer_ms, n=4) if len(peer_ms) > 1
                         else None}}
    est = f"{final[1]:.4f}" if final else "-"
    return BenchResult(
        "gpt", "full", "nanogpt-cpu", "val nats/char (whole validation part)", False,
        "nanoGPT (run unchanged, README CPU command)", ours, peer_value, ours_med, peer_med,
        "median training iteration (same-run ratio, interleaved turns)",
        f"nanoGPT's CPU set-up on both sides: 4 layers, 4 heads, width 128, context 64, "
        f"batch 12, {NANOGPT_ITERS} iterations, no dropout, no biases, AdamW "
        f"{cfg.lr:g} with 100 warm-up iterations and cosine decay to {cfg.min_lr:g}, "
        f"betas {tuple(cfg.betas)}, weight decay {cfg.weight_decay:g} on matrices, clip "
        f"{cfg.grad_clip:g}; fp32, 1 thread each; {n_parameters(model):,} parameters; "
        "nanoGPT's split (first 90 % train, last 10 % validation) and vocabulary",
        notes=f"both final models scored by the same code on the whole validation part "
              f"({n_val - 1:,} next-character predictions; nanoGPT's checkpoint of "
              f"iteration {NANOGPT_ITERS}, saved with --always_save_checkpoint=True, loaded "
              "with its own model.py); "
              f"nanoGPT's own printed estimate at iteration {NANOGPT_ITERS} (20 random "
              f"batches): {est}. Iteration times: nanoGPT's 'time X ms' lines and nnzoo's "
              "end-of-step to end-of-step times, medians over iterations without evaluation "
              f"(nanoGPT's every-{NANOGPT_EVAL_INTERVAL}th iterations and the iterations it "
              f"was paused in are left out); the two trainings alternate in turns of {TURN} "
              "iterations in one run. Different random seeds on the two sides (nanoGPT 1337; "
              "nnzoo 0 for the weights, 1337 for the windows).",
        extra=extra, status=status)
