"""The ``names.txt`` table: nnzoo's character models beside makemore's, same split and budget.

makemore (Karpathy 2022, ``$NNZOO_PEERS/makemore``) runs unchanged, from a copy under the
bench's output folder (:mod:`nnzoo.bench.programs`), as a user runs it::

    python makemore.py -i names.txt -o OUT --type T --max-steps S --device cpu -n 0

with its default hyperparameters: ``n_embd = n_embd2 = 64``, 4 layers and 4 heads (the
Transformer), batch 32, AdamW at a constant rate 5e-4, betas (0.9, 0.99), eps 1e-8, weight
decay 0.01 on every parameter, seed 3407. It splits the names itself (the last 1,000 of a
seeded permutation are its test part: :mod:`nnzoo.data.names` reproduces that split, tested
equal) and, every 500 steps, prints the test loss: the mean over the 10 batches of 100 test
words of each batch's mean cross-entropy per predicted character (the end marker included,
padding not). ``S = 500 k + 1`` optimisation steps make its last evaluation fall after the
last step, so both columns are the test loss after the same ``S`` updates.

nnzoo's side (one row per model, task ``full/names``; the rows of ``rnn`` and ``gru`` are
registered in :mod:`nnzoo.bench.recurrent.names`, the Transformer's in
:mod:`nnzoo.bench.attention.names`, each in its family's folder): the same architecture and sizes
(each row's ``budget`` says what still differs), trained on makemore's training part (nnzoo's
``train + val``, the same 31,033 words) for the same ``S`` steps of 32 words drawn with
replacement, AdamW with makemore's betas, eps and weight decay, on one thread. Its figure is
computed as makemore's (10 batches of 100 test words, the mean of the batch means; the
per-character mean over all 1,000 words is in ``extra``).

One thing was tuned, on nnzoo's validation part only (its 1,000 words carved from makemore's
training part; the test part was read by nothing that chose): the learning-rate schedule,
among makemore's constant 5e-4, a higher constant rate, and a cosine decay to 0 over the
``S`` steps from a peak (:data:`SCHEDULES` lists the candidates, :data:`VALIDATION` the
validation loss of each one tried per model, :func:`tune` runs the search). Each row names
the schedule it uses; the WaveNet row (no peer run beside it) keeps makemore's constant
rate, untuned.

The WaveNet row's peer figure is not a run: makemore has no WaveNet (its README lists one as
in progress); the column holds the published 1.993 of the 76K-parameter hierarchical model
from the same author's lecture series (a validation loss on that lecture's own 80/10/10
split of ``names.txt``), stated as published.

The step budget is ``S = 1001`` (:data:`STEPS`): the budget that a shared 2-core machine (load
15 to 18 while these rows were measured) allowed for the whole table, the schedule search
included, within one working session; at it each makemore run took 60 to 90 s of wall time
there. A quiet core takes much less, so ``NNZOO_MAKEMORE_STEPS`` (``500 k + 1``) reruns the
table with a larger budget; the schedules in :data:`VALIDATION` were chosen at 1001 steps.

Timing: each row runs nnzoo then makemore back to back in one process, one thread each; the
time columns are the median time of one training step (batch, forward, backward, update;
makemore's from its ``step time`` lines), so the ratio is a same-run ratio on a shared
machine.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from nnzoo.bench.programs import program_copy, run_program
from nnzoo.bench.runner import BenchResult, bench_task, one_thread, peer_run, plots_dir
from nnzoo.core.config import field_types
from nnzoo.core.errors import ConfigError
from nnzoo.core.seed import isolated_rng
from nnzoo.data.archives import NAMES
from nnzoo.data.base import ArrayDataset, Splits
from nnzoo.data.names import VOCAB, generated_words, names
from nnzoo.data.sources import ensure
from nnzoo.models import create, get_spec
from nnzoo.models.autoregressive.nplm_plots import loss_curves
from nnzoo.models.base import ZooModule
from nnzoo.recipes.autoregressive.wavenet import NAMES_MODEL

#: makemore's optimiser and batch (its defaults).
BATCH, LR, BETAS, EPS, WEIGHT_DECAY = 32, 5e-4, (0.9, 0.99), 1e-8, 0.01
#: makemore evaluates every this many steps (``step > 0 and step % 500 == 0``).
EVAL_EVERY = 500
#: The step budget S of the full tier (``NNZOO_MAKEMORE_STEPS`` overrides it; 500 k + 1).
STEPS = 1001
#: The learning-rate schedules the validation part chooses among: ``(name, peak rate)``.
SCHEDULES = (("constant", 5e-4), ("constant", 1e-3), ("constant", 2e-3), ("cosine", 1e-3),
             ("cosine", 2e-3))
SEED = 3407

#: nnzoo's validation loss after ``STEPS`` steps for each schedule, by :func:`tune`
#: (``{model: {"constant 0.0005": loss, ...}}``), and the choice it makes.
VALIDATION: dict[str, dict[str, float]] = {
    "nplm": {"constant 0.0005": 2.2193, "constant 0.001": 2.1992, "constant 0.002": 2.2001,
             "cosine 0.001": 2.2319, "cosine 0.002": 2.2258},
    "rnn": {"constant 0.0005": 2.2401, "cosine 0.002": 2.1909},
    "gru": {"constant 0.0005": 2.2250, "cosine 0.002": 2.1674},
    "transformer": {"constant 0.0005": 2.1555, "constant 0.001": 2.1353, "cosine 0.002": 2.1189},
}


@dataclass(frozen=True)
class Row:
    """One model of the table: nnzoo's id and hyperparameters, makemore's ``--type`` (or the
    published figure), and what still differs between the two."""

    model: str
    peer_type: str
    hp: dict[str, Any]
    differences: str
    schedule: tuple[str, float] = ("constant", LR)
    published: float | None = None
    published_what: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    #: a row without a makemore run may have its own step budget (None: ``S``)
    steps: int | None = None


ROWS: dict[str, Row] = {
    "nplm": Row(
        "nplm", "mlp",
        {"block_size": 16, "embed_dim": 64, "hidden_size": 64, "boundary": 0, "vocab": VOCAB},
        "the same network (16 characters of context with a blank token before the start, "
        "64-d embeddings, 64 tanh units, 69,147 parameters)"),
    "rnn": Row(
        "rnn", "rnn",
        {"task": "lm", "embed_dim": 64, "hidden_size": 64, "num_layers": 1, "vocab": VOCAB},
        "torch's fused Elman cell (two bias vectors) vs makemore's Linear over [x, h]; "
        "nnzoo starts from a zero state, makemore from a learned one"),
    "gru": Row(
        "gru", "gru",
        {"task": "lm", "embed_dim": 64, "hidden_size": 64, "num_layers": 1, "vocab": VOCAB},
        "torch's GRU (the reset gate scales W_hn h + b_hn, two bias vectors) vs makemore's "
        "(the reset gate scales h before the matrix); nnzoo starts from a zero state, "
        "makemore from a learned one"),
    "transformer": Row(
        "transformer", "transformer",
        {"n_layers": 4, "n_heads": 4, "d_model": 64, "context": 16, "positions": "learned",
         "norm": "pre", "gelu": "tanh", "tie_weights": False, "init": "torch", "dropout": 0.0,
         "vocab": VOCAB},
        "the same GPT-2 block (pre-norm, 4 layers, 4 heads, 64 wide, learned positions, tanh "
        "GELU, untied output, torch's default initialisation)"),
    "wavenet": Row(
        "wavenet", "",
        dict(NAMES_MODEL),
        "nnzoo's WaveNet of the wavenet names recipe (4 dilated layers, receptive field 16: "
        "the whole name) vs the lecture's hierarchical MLP (context 8, pairs fused in 3 "
        "levels, batch norm), trained far longer there; nnzoo trains for the wavenet names "
        "recipe's budget (10 epochs of 30,033 names: 9,390 steps) with its cosine decay from "
        "3e-3, both chosen on the validation part there",
        schedule=("cosine", 3e-3), steps=9390,
        published=1.993,
        published_what="published, not run: the makemore lecture's WaveNet-style model, 76K "
                       "parameters, validation loss on its own 80/10/10 split"),
}


def steps_budget() -> int:
    """``S``: :data:`STEPS`, or ``NNZOO_MAKEMORE_STEPS`` (a positive ``500 k + 1``)."""
    raw = os.environ.get("NNZOO_MAKEMORE_STEPS", "").strip()
    if not raw:
        return STEPS
    if not raw.isdigit() or int(raw) < EVAL_EVERY + 1 or (int(raw) - 1) % EVAL_EVERY:
        raise ConfigError(f"NNZOO_MAKEMORE_STEPS must be 500 k + 1 with k >= 1 (makemore "
                          f"evaluates every 500 steps), got {raw!r}")
    return int(raw)


def learning_rate(step: int, steps: int, schedule: tuple[str, float]) -> float:
    """The rate at ``step`` of ``steps``: constant, or ``peak (1 + cos(pi step / steps)) / 2``."""
    kind, peak = schedule
    if kind == "constant":
        return peak
    return peak * 0.5 * (1.0 + math.cos(math.pi * step / steps))


def makemore_loss(model: ZooModule[Any], data: ArrayDataset, seed: int = 0) -> float:
    """makemore's test figure: the mean of the batch means of the cross-entropy per predicted
    character over batches of 100 words (the words in a seeded shuffled order)."""
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))
    losses = [_mean_loss(model, data.X[order[i:i + 100]], data.targets()[order[i:i + 100]])
              for i in range(0, len(data), 100)]
    return float(statistics.fmean(losses))


@torch.no_grad()
def _mean_loss(model: ZooModule[Any], x: torch.Tensor, y: torch.Tensor) -> float:
    was = model.training
    model.eval()
    logits = model(x)
    model.train(was)
    return float(F.cross_entropy(logits.flatten(0, 1).float(), y.flatten(), ignore_index=-1))


def token_loss(model: ZooModule[Any], data: ArrayDataset) -> float:
    """Cross-entropy per predicted character over every word of ``data`` (nats)."""
    total, count = 0.0, 0
    for i in range(0, len(data), 500):
        x, y = data.X[i:i + 500], data.targets()[i:i + 500]
        n = int((y >= 0).sum())
        total += _mean_loss(model, x, y) * n
        count += n
    return total / count


@dataclass
class Trace:
    """What :func:`train_steps` saw: batch losses every 10 steps, evaluations every 500,
    the seconds of each step."""

    train: list[tuple[int, float]] = field(default_factory=list)
    evals: list[tuple[int, float]] = field(default_factory=list)
    step_seconds: list[float] = field(default_factory=list)


def build(row: Row, splits: Splits, seed: int = SEED) -> ZooModule[Any]:
    """nnzoo's model of ``row`` for ``splits``, initialised under ``seed``."""
    data: dict[str, Any] = {"sample_shape": splits.sample_shape,
                            "vocab_size": int(splits.meta["vocab_size"])}  # type: ignore[call-overload]
    if "n_classes" in field_types(get_spec(row.model).config):
        data["n_classes"] = splits.n_classes
    with isolated_rng(seed):
        return create(row.model, **data, **row.hp)


def train_steps(model: ZooModule[Any], train: ArrayDataset, steps: int,
                schedule: tuple[str, float], evaluate: ArrayDataset | None = None,
                seed: int = SEED) -> Trace:
    """``steps`` AdamW steps (makemore's betas, eps and weight decay) on batches of 32 words
    drawn with replacement, the rate following ``schedule``; ``evaluate`` scored as makemore
    scores its test part after steps 500, 1000, ... (only for the curve: nothing chooses)."""
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=schedule[1], betas=BETAS, eps=EPS,
                            weight_decay=WEIGHT_DECAY)
    trace = Trace()
    model.train()
    for step in range(steps):
        t0 = time.perf_counter()
        idx = torch.randint(len(train), (BATCH,), generator=g)
        x, y = train.X[idx], train.targets()[idx]
        for group in opt.param_groups:
            group["lr"] = learning_rate(step, steps, schedule)
        loss = model.training_step((x, y))["loss"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        trace.step_seconds.append(time.perf_counter() - t0)
        if step % 10 == 0:
            trace.train.append((step, float(loss.detach())))
        if evaluate is not None and step > 0 and step % EVAL_EVERY == 0:
            trace.evals.append((step, makemore_loss(model, evaluate)))
    return trace


def makemore_train_part(splits: Splits) -> ArrayDataset:
    """makemore's training part: nnzoo's train and validation parts together."""
    return ArrayDataset(torch.cat([splits.train.X, splits.val.X]),
                        torch.cat([splits.train.targets(), splits.val.targets()]))


@dataclass
class MakemoreRun:
    """What makemore printed: its parameter count, batch losses, test evaluations, step
    times (ms) and wall seconds."""

    params: int
    train: list[tuple[int, float]]
    evals: list[tuple[int, float]]
    step_ms: list[float]
    seconds: float


_STEP = re.compile(r"^step (\d+) \| loss ([0-9.]+) \| step time ([0-9.]+)ms", re.M)
_EVAL = re.compile(r"^step (\d+) train loss: ([0-9.eE+-]+) test loss: ([0-9.eE+-]+)", re.M)
_PARAMS = re.compile(r"^model #params: (\d+)", re.M)


def parse_makemore(stdout: str, seconds: float) -> MakemoreRun:
    """Read makemore's printout (:class:`MakemoreRun`)."""
    params = _PARAMS.search(stdout)
    steps = _STEP.findall(stdout)
    if params is None or not steps:
        raise RuntimeError("makemore printed no parameter count or no training step")
    return MakemoreRun(int(params.group(1)), [(int(s), float(v)) for s, v, _ in steps],
                       [(int(s), float(te)) for s, _, te in _EVAL.findall(stdout)],
                       [float(ms) for _, _, ms in steps], seconds)


def run_makemore(kind: str, steps: int, words: Path, timeout: float = 7200.0) -> MakemoreRun:
    """makemore ``--type kind`` for ``steps`` steps on the word list ``words`` (copied into a
    copy of makemore's folder under the bench's output), single-threaded."""
    with program_copy("makemore", needs=("makemore.py",)) as work:
        shutil.copyfile(words, work / "names.txt")
        done = run_program([sys.executable, "makemore.py", "-i", "names.txt", "-o", "out",
                            "--type", kind, "--max-steps", str(steps), "--device", "cpu",
                            "-n", "0"], cwd=work, timeout=timeout, threads=1)
    return parse_makemore(done.stdout, done.seconds)


def tune(model: str, steps: int | None = None, quiet: bool = True,
         schedules: tuple[tuple[str, float], ...] = SCHEDULES) -> dict[str, float]:
    """nnzoo's validation loss (makemore's way of scoring) after ``steps`` steps for each of
    ``schedules``, trained on nnzoo's training part (30,033 words)."""
    row, S = ROWS[model], steps or steps_budget()
    splits = names("full")
    out = {}
    with one_thread():
        for sched in schedules:
            m = build(row, splits)
            train_steps(m, splits.train, S, sched)
            out[f"{sched[0]} {sched[1]:g}"] = makemore_loss(m, splits.val)
            if not quiet:
                print(model, sched, out[f"{sched[0]} {sched[1]:g}"], flush=True)
    return out


def chosen(model: str) -> tuple[str, float]:
    """The schedule the validation part chose for ``model`` (:data:`VALIDATION`), else the
    row's own."""
    scores = VALIDATION.get(model)
    if not scores:
        return ROWS[model].schedule
    kind, peak = min(scores, key=lambda k: scores[k]).split()
    return kind, float(peak)


def full_row(model: str, quiet: bool) -> BenchResult:
    """One row of the table: nnzoo's ``model`` then makemore's, ``S`` steps each."""
    row = ROWS[model]
    S = row.steps or steps_budget()
    splits = names("full")
    train, sched = makemore_train_part(splits), chosen(model)
    with one_thread():
        m = build(row, splits)
        trace = train_steps(m, train, S, sched, evaluate=splits.test)
        ours = makemore_loss(m, splits.test)
        per_char = token_loss(m, splits.test)
        peer = None
        if not row.published:
            words = ensure(NAMES) / "names.txt"
            peer = peer_run(lambda: run_makemore(row.peer_type, S, words))
    n_params = sum(p.numel() for p in m.parameters())
    curves: dict[str, tuple[list[int], list[float]]] = {
        "nnzoo train (batch)": _xy(trace.train), "nnzoo test": _xy(trace.evals)}
    extra: dict[str, Any] = {"nnzoo_params": n_params, "steps": S,
                             "schedule": f"{sched[0]} {sched[1]:g}",
                             "nnzoo_test_per_char": round(per_char, 4),
                             "nnzoo_test_curve": trace.evals, **row.extra}
    if model in VALIDATION:
        extra["validation"] = VALIDATION[model]
    peer_value = row.published
    peer_time, status = None, ""
    if peer is not None:
        status = peer.status
        if peer.value is not None:
            mm = peer.value
            last = [e for e in mm.evals if e[0] == S - 1]
            peer_value = last[-1][1] if last else None
            peer_time = statistics.median(mm.step_ms) / 1000
            extra.update({"makemore_params": mm.params, "makemore_test_curve": mm.evals,
                          "makemore_seconds": round(mm.seconds, 1)})
            curves["makemore train (batch)"] = _xy(mm.train)
            curves["makemore test"] = _xy(mm.evals)
    extra["plot"] = str(loss_curves(curves, plots_dir() / f"makemore_{model}_names.png",
                                    f"{model} on names.txt beside makemore ({S} steps)"))
    peer_name = (f"makemore --type {row.peer_type}" if row.published is None
                 else row.published_what)
    sched_text = schedule_text(sched, chosen_on_validation=model in VALIDATION
                               or row.steps is not None)
    budget = (f"{S} AdamW steps of 32 words on makemore's 31,033 training names, its test "
              f"1,000 (its split, seed 3407); {row.differences}; nnzoo: {sched_text}; "
              f"{n_params:,} parameters")
    return BenchResult(model, "full", "names", "test loss (nats/char)", False, peer_name,
                       ours, peer_value, statistics.median(trace.step_seconds), peer_time,
                       "median training step, back to back, 1 thread (same-run ratio)",
                       budget, extra=extra, status=status)


def schedule_text(sched: tuple[str, float], chosen_on_validation: bool) -> str:
    """The row's words for its learning-rate schedule."""
    kind, peak = sched
    text = ("makemore's constant rate 5e-4" if sched == ("constant", LR) else
            f"a constant rate {peak:g}" if kind == "constant" else
            f"a cosine decay from {peak:g} to 0")
    return text + (", chosen on nnzoo's validation part" if chosen_on_validation
                   else " (not tuned)")


def _xy(points: list[tuple[int, float]]) -> tuple[list[int], list[float]]:
    return [p[0] for p in points], [p[1] for p in points]


@bench_task("nplm", "full", "names")
def nplm_names(quiet: bool) -> BenchResult:
    """nplm beside makemore ``--type mlp`` (:func:`full_row`)."""
    return full_row("nplm", quiet)


@bench_task("wavenet", "full", "names")
def wavenet_names(quiet: bool) -> BenchResult:
    """The WaveNet beside the published 76K-parameter figure (:func:`full_row`)."""
    return full_row("wavenet", quiet)


QUICK_STEPS = 21


@bench_task("nplm", "quick", "names")
def nplm_quick(quiet: bool) -> BenchResult:
    """nplm beside makemore ``--type mlp`` for 21 steps on 2,000 generated names: the mean
    batch loss at steps 0, 10 and 20 on each side (the wiring, not a result)."""
    import tempfile

    splits = names("generated")
    row = ROWS["nplm"]
    with one_thread():
        m = build(row, splits)
        trace = train_steps(m, makemore_train_part(splits), QUICK_STEPS, row.schedule)
        with tempfile.TemporaryDirectory(dir=plots_dir().parent) as tmp:
            words = Path(tmp) / "names.txt"
            words.write_text("\n".join(generated_words()) + "\n")
            peer = peer_run(lambda: run_makemore("mlp", QUICK_STEPS, words, timeout=600))
    ours = statistics.fmean(v for _, v in trace.train)
    theirs = statistics.fmean(v for _, v in peer.value.train) if peer.value else None
    peer_time = statistics.median(peer.value.step_ms) / 1000 if peer.value else None
    return BenchResult("nplm", "quick", "names", "mean batch loss, steps 0-20", False,
                       "makemore --type mlp", ours, theirs,
                       statistics.median(trace.step_seconds), peer_time,
                       "median training step, 1 thread", f"{QUICK_STEPS} steps on 2,000 "
                       "generated names, makemore's sizes (69,147 parameters)",
                       status=peer.status)


__all__ = ["ROWS", "SCHEDULES", "STEPS", "VALIDATION", "MakemoreRun", "Row", "Trace", "build",
           "chosen", "full_row", "learning_rate", "makemore_loss", "makemore_train_part",
           "parse_makemore", "run_makemore", "steps_budget", "token_loss", "train_steps",
           "tune"]
