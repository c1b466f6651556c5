"""Benchmarks of the decoder-only Transformers: the quick tier of ``transformer`` and ``gpt``.

Quick tier (``excerpt``): the ``excerpt`` recipe's network (:mod:`nnzoo.recipes.attention.
transformer`) trained for :data:`QUICK_EPOCHS` epoch by nnzoo's engine (as ``nnzoo train``
runs it: run folder, logging, checkpoints) beside a hand-written PyTorch loop over the same
network, with the same initial weights, AdamW groups (weight decay on the matrices only),
warm-up-cosine schedule, gradient clipping and batches, epochs interleaved (ABBA) so that a
slow spell of the machine falls on both alike; single-threaded. Quality: cross-entropy per
character (nats) on the excerpt's test part (its last 5 %, which nothing selects on; both
sides keep their last epoch); time: median training epoch, so the time ratio is what the
engine costs. The full tier of ``gpt`` (beside nanoGPT) is in :mod:`nnzoo.bench.attention.gpt`.
"""

from __future__ import annotations

import statistics
import time
from typing import Any, cast

import torch
import torch.nn.functional as F

from nnzoo.bench.arrays import targets
from nnzoo.bench.runner import BenchResult, bench_task, one_thread, race_epochs
from nnzoo.core.config import build_scheduler
from nnzoo.core.loop import batch_slices, epoch_order
from nnzoo.core.seed import seed_everything
from nnzoo.data import load_dataset
from nnzoo.data.base import Splits
from nnzoo.models import create
from nnzoo.models.attention.decoder import DecoderLM
from nnzoo.recipes import get_recipe
from nnzoo.train.engine import evaluate

#: Epochs of the quick rows (the recipe trains 5).
QUICK_EPOCHS = 1


def build_decoder(model_id: str, hp: dict[str, Any], splits: Splits, seed: int) -> DecoderLM:
    """``model_id`` (``transformer`` or ``gpt``) with hyperparameters ``hp`` for ``splits``,
    its initial weights drawn after seeding every generator with ``seed``."""
    seed_everything(seed)
    model = create(model_id, **hp, sample_shape=splits.sample_shape,
                   n_classes=splits.n_classes or 0, vocab_size=splits.meta["vocab_size"])
    return cast(DecoderLM, model)


def n_parameters(model: torch.nn.Module) -> int:
    """Distinct trainable parameters (a tied matrix counted once)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def quick_excerpt(model_id: str, quiet: bool) -> BenchResult:
    """Engine vs hand-written loop on the excerpt, :data:`QUICK_EPOCHS` epoch(s) each."""
    rec = get_recipe(model_id, "excerpt")
    hp, cfg = rec.resolve({"epochs": QUICK_EPOCHS})
    splits = load_dataset(rec.dataset, **rec.dataset_args)
    seed = 0
    V = splits.meta["vocab_size"]
    with one_thread():
        warm = build_decoder(model_id, hp, splits, seed)  # allocator and kernels, timed by neither
        X, Y = splits.train.X, targets(splits)
        F.cross_entropy(warm(X[:cfg.batch_size]).flatten(0, 1),
                        Y[:cfg.batch_size].flatten()).backward()

        hand = build_decoder(model_id, hp, splits, seed)  # the same initial weights
        (opt,) = hand.configure_optimizers(cfg)
        slices = batch_slices(len(X), cfg.batch_size)
        sched, _ = build_scheduler(opt, cfg, len(slices))
        params = [p for g in opt.param_groups for p in g["params"]]

        def hand_epoch(epoch: int) -> float:
            hand.train()
            t0 = time.perf_counter()
            order = epoch_order(len(X), seed, epoch)
            for sl in slices:
                idx = order[sl]
                opt.zero_grad(set_to_none=True)
                logits = hand.head(hand._hidden(X[idx]))               # (B, T, V)
                F.cross_entropy(logits.reshape(-1, V), Y[idx].reshape(-1)).backward()
                torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
                opt.step()
                if sched is not None:
                    sched.step()
            return time.perf_counter() - t0

        model = build_decoder(model_id, hp, splits, seed)
        engine_times, hand_times = race_epochs(model, splits, cfg, hand_epoch, seed=seed,
                                               quiet=quiet, metric="loss",
                                               higher_is_better=False)
        ours = evaluate(model, splits.test, batch_size=cfg.eval_batch_size)["loss"]
        peer = evaluate(hand, splits.test, batch_size=cfg.eval_batch_size)["loss"]
    return BenchResult(
        model_id, "quick", "excerpt", "test nats/char", False,
        "hand-written PyTorch loop (same network and AdamW)", ours, peer,
        statistics.median(engine_times), statistics.median(hand_times), "median epoch",
        f"recipe excerpt, {QUICK_EPOCHS} epoch(s), batch {cfg.batch_size}, "
        f"{len(slices)} steps, {n_parameters(model):,} parameters, 1 thread",
        notes="peer is the same network (same initial weights, AdamW groups, schedule, "
              "clipping and batches) trained by a plain PyTorch loop in the same process: the "
              "time ratio is the engine's overhead per training epoch",
        extra={"engine_epoch_times": engine_times, "hand_epoch_times": hand_times,
               "parameters": n_parameters(model)})


@bench_task("transformer", "quick", "excerpt")
def transformer_excerpt(quiet: bool) -> BenchResult:
    return quick_excerpt("transformer", quiet)
