"""Benchmarks of the recurrent networks: the character language model on Tiny Shakespeare.

- Quick tier (``excerpt``, rnn, lstm, gru): the ``excerpt`` recipe's network trained by
  nnzoo's engine (as ``nnzoo train`` runs it: run folder, logging, checkpoints) beside a
  hand-written PyTorch loop over the same fused ``nn.RNN``/``nn.LSTM``/``nn.GRU`` network,
  with the same initial weights, optimizer, gradient clipping and batches, epochs
  interleaved (ABBA) so that a slow spell of the machine falls on both alike. Quality:
  cross-entropy per character (nats) on the test part of the excerpt (its last 5 %, which
  nothing selects on; both sides keep their last epoch); time: median training epoch. The
  time ratio is what the engine costs per epoch.
- Full tier (``tinyshakespeare``, rnn, lstm, gru): the ``tinyshakespeare`` recipe (2 layers,
  about 0.88 M parameters for each cell, 20-minute training budget) on the full text, as
  ``nnzoo train ID --recipe tinyshakespeare`` runs it: the validation part (90-95 % of the
  text) picks the epoch whose weights are kept (``restore_best``), and the row reports the
  nats per character on the test part (the last 5 %), with the validation figure, the
  training time and the parameter count beside it. The peer column is empty: karpathy/
  char-rnn's README states no loss for Tiny Shakespeare, so there is no published figure to
  put beside the row, and no other library is run on this split.
- Full tier (``mr-10fold``, ``mr-10fold-attention``, lstm, bilstm, gru, bigru): the ``mr``
  recipe over MR's 10 folds, without and with attention pooling
  (:func:`nnzoo.bench.text.sentences.mr_cross_validation`).

The quick tier runs single-threaded (:func:`~nnzoo.bench.runner.one_thread`); the full tier
uses torch's default threads on the CPU, or the GPU when one is present.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import torch
import torch.nn.functional as F

from nnzoo.bench.arrays import targets
from nnzoo.bench.runner import BenchResult, bench_task, one_thread, race_epochs
from nnzoo.bench.text.sentences import mr_cross_validation
from nnzoo.core.config import build_optimizer
from nnzoo.core.device import resolve_device
from nnzoo.core.errors import InputError
from nnzoo.core.loop import batch_slices, epoch_order
from nnzoo.core.rundir import RunDir
from nnzoo.core.seed import seed_everything
from nnzoo.data import load_dataset
from nnzoo.data.base import Splits
from nnzoo.models import create
from nnzoo.models.recurrent.network import Recurrent, n_parameters
from nnzoo.recipes import get_recipe
from nnzoo.train.engine import Trainer, evaluate

QUICK_EPOCHS = 2


def _build(cell: str, hp: dict[str, Any], splits: Splits, seed: int, device: torch.device
           ) -> Recurrent:
    seed_everything(seed)
    model = create(cell, **hp, sample_shape=splits.sample_shape, n_classes=splits.n_classes,
                   vocab_size=splits.meta["vocab_size"])
    return cast(Recurrent, model.to(device))


def _quick(cell: str, quiet: bool) -> BenchResult:
    """Engine vs hand-written loop on the excerpt, ``QUICK_EPOCHS`` epochs each."""
    rec = get_recipe(cell, "excerpt")
    hp, cfg = rec.resolve({"epochs": QUICK_EPOCHS})
    splits = load_dataset(rec.dataset, **rec.dataset_args)
    seed, device = 0, torch.device("cpu")
    V = splits.meta["vocab_size"]
    with one_thread():
        warm = _build(cell, hp, splits, seed, device)  # allocator and kernels, timed by neither
        X, Y = splits.train.X, targets(splits)
        x0, y0 = X[:cfg.batch_size], Y[:cfg.batch_size]
        F.cross_entropy(warm(x0).flatten(0, 1), y0.flatten()).backward()

        hand = _build(cell, hp, splits, seed, device)  # the same initial weights
        embed = hand.embedding
        if embed is None:
            raise InputError(f"{cell}'s excerpt recipe reads token ids; its model has no "
                             "embedding")
        opt = build_optimizer(hand.parameters(), cfg)
        slices = batch_slices(len(X), cfg.batch_size)

        def hand_epoch(epoch: int) -> float:
            hand.train()
            t0 = time.perf_counter()
            order = epoch_order(len(X), seed, epoch)
            for sl in slices:
                idx = order[sl]
                opt.zero_grad(set_to_none=True)
                logits = hand.rnn(embed(X[idx]))[0]             # (B, T, H)
                loss = F.cross_entropy(hand.head(logits).reshape(-1, V), Y[idx].reshape(-1))
                loss.backward()
                torch.nn.utils.clip_grad_norm_(hand.parameters(), cfg.grad_clip)
                opt.step()
            return time.perf_counter() - t0

        model = _build(cell, hp, splits, seed, device)
        engine_times, hand_times = race_epochs(model, splits, cfg, hand_epoch, seed=seed,
                                               quiet=quiet, metric="loss", higher_is_better=False)
        ours = evaluate(model, splits.test, batch_size=cfg.eval_batch_size)["loss"]
        peer = evaluate(hand, splits.test, batch_size=cfg.eval_batch_size)["loss"]
    return BenchResult(
        cell, "quick", "excerpt", "test nats/char", False,
        f"hand-written PyTorch loop (fused nn.{hand.rnn.__class__.__name__})", ours, peer,
        statistics.median(engine_times), statistics.median(hand_times), "median epoch",
        f"recipe excerpt, {QUICK_EPOCHS} epochs, batch {cfg.batch_size}, "
        f"{n_parameters(model):,} parameters, 1 thread",
        notes="peer is the same network (nnzoo's fused module, same initial weights, Adam, "
              "clipping and batches) trained by a plain PyTorch loop in the same process: the "
              "time ratio is the engine's overhead per training epoch",
        extra={"engine_epoch_times": engine_times, "hand_epoch_times": hand_times,
               "parameters": n_parameters(model)})


def full_tinyshakespeare(cell: str, quiet: bool = True, max_time: float | None = None
                         ) -> BenchResult:
    """The ``tinyshakespeare`` recipe through the engine, within its training budget.

    :param cell: ``rnn``, ``lstm`` or ``gru``.
    :param quiet: no progress bars.
    :param max_time: training budget in seconds instead of the recipe's (for a short check of
        the task; the published row uses the recipe's budget).
    """
    rec = get_recipe(cell, "tinyshakespeare")
    hp, cfg = rec.resolve(None if max_time is None else {"max_time": max_time})
    splits = load_dataset(rec.dataset, **rec.dataset_args)
    device = resolve_device("auto")
    model = _build(cell, hp, splits, 0, device)
    with tempfile.TemporaryDirectory() as tmp:
        trainer = Trainer(model, splits.train, splits.val, cfg, seed=0,
                          run=RunDir.create(Path(tmp), "bench"), device=device, quiet=quiet,
                          metric="loss", higher_is_better=False)
        trainer.fit()
        scored = trainer.restore_best()
    bs = cfg.eval_batch_size
    val = evaluate(model, splits.val, batch_size=bs, device=device)["loss"]
    test = evaluate(model, splits.test, batch_size=bs, device=device)["loss"]
    p = trainer.progress
    return BenchResult(
        cell, "full", "tinyshakespeare", "test nats/char", False,
        "none (char-rnn's README states no Tiny Shakespeare loss)", test, None, p.train_time, None,
        "training", f"recipe tinyshakespeare: {p.epoch} epochs in a {cfg.max_time:.0f} s budget, "
        f"weights of epoch {scored} (best validation), {n_parameters(model):,} parameters, "
        f"{device}",
        notes="90 / 5 / 5 % of Tiny Shakespeare in text order; the validation part picks the "
              "epoch, the test part (the last 5 %) is the figure; 128-character windows, each "
              "read from a zero state",
        extra={"parameters": n_parameters(model), "epochs": p.epoch, "steps": p.step,
               "scored_epoch": scored, "val_nats_per_char": val})


def _quick_task(cell: str) -> Callable[[bool], BenchResult]:
    def run(quiet: bool) -> BenchResult:
        return _quick(cell, quiet)

    return run


def _full_task(cell: str) -> Callable[[bool], BenchResult]:
    def run(quiet: bool) -> BenchResult:
        return full_tinyshakespeare(cell, quiet)

    return run


for _cell in ("rnn", "lstm", "gru"):
    bench_task(_cell, "quick", "excerpt")(_quick_task(_cell))
    bench_task(_cell, "full", "tinyshakespeare")(_full_task(_cell))


def _mr_task(cell: str, attention: bool) -> Callable[[bool], BenchResult]:
    def run(quiet: bool) -> BenchResult:
        return mr_cross_validation(cell, quiet, attention=attention)

    return run


# The sentence classifiers among the recurrent ids: MR, 10-fold, with and without attention
# pooling (nnzoo.bench.text.sentences).
for _cell in ("lstm", "bilstm", "gru", "bigru"):
    bench_task(_cell, "full", "mr-10fold")(_mr_task(_cell, attention=False))
    bench_task(_cell, "full", "mr-10fold-attention")(_mr_task(_cell, attention=True))
