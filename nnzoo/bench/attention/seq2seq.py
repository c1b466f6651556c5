"""Benchmarks of the encoder-decoders on the generated date-format task.

No peer library is required by the task (issue 15): the rows stand beside each other, the
LSTM encoder-decoder without attention (``seq2seq``) being the baseline of RNNsearch
(``bahdanau-attention``) and of global attention with each score (``luong-attention``: rows
``dates`` (general), ``dates-dot``, ``dates-concat``).

- quick (``dates``, each id; seconds, asserts nothing): 400 training pairs, 32 units, 2
  epochs; greedy exact match on 100 test pairs.
- full (``dates``...): the ``dates`` recipe (10,000 / 1,000 / 1,000 pairs, distinct dates;
  see :mod:`nnzoo.recipes.attention.seq2seq`) trained by the engine, single-threaded; the
  validation part's greedy exact match picks the epoch, then picks the beam (width 3 or 5,
  length normalisation alpha 0 or 1); the test part is scored once with greedy decoding
  (the row's figure) and with the chosen beam. Reported: exact match (the whole ISO date
  right, ``<eos>`` included), per-token accuracy, training seconds, parameters, and a plot of
  the attention of four test dates (source characters against output characters).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import torch

from nnzoo.bench.runner import BenchResult, bench_task, one_thread, plots_dir, timed
from nnzoo.core.rundir import RunDir
from nnzoo.data import load_dataset
from nnzoo.data.base import ArrayDataset
from nnzoo.models.attention.encdec import EncoderDecoder, exact_match, n_parameters
from nnzoo.models.attention.seq2seq_plots import plot_attention
from nnzoo.recipes import get_recipe
from nnzoo.recipes.runner import build_model
from nnzoo.train.engine import Trainer, evaluate

NOTES = ("no peer library (none is required for this task); seq2seq without attention is the "
         "baseline; generated dates of 1950-2049 in 10 formats, test dates unseen in training")
BEAMS = ((3, 0.0), (3, 1.0), (5, 0.0), (5, 1.0))


def exact(model: EncoderDecoder[Any], data: ArrayDataset, beam_width: int = 1,
          length_norm: float = 0.0, batch: int = 250) -> float:
    """Exact-match accuracy of ``model``'s decoding on ``data`` (whole output right)."""
    hits = 0
    for i in range(0, len(data), batch):
        x, y = data.X[i:i + batch], data.targets()[i:i + batch]
        out = model.decode(x, beam_width=beam_width, length_norm=length_norm).tokens
        hits += int(exact_match(out, y, model.config.pad_index).sum())
    return hits / len(data)


def _train(model_id: str, recipe: str, overrides: dict[str, Any], dataset_args: dict[str, Any],
           quiet: bool) -> tuple[EncoderDecoder[Any], Any, Trainer, int, float]:
    rec = get_recipe(model_id, recipe)
    hp, cfg = rec.resolve(overrides)
    splits = load_dataset(rec.dataset, **{**rec.dataset_args, **dataset_args})
    model = cast(EncoderDecoder[Any], build_model(model_id, hp, splits, 0, torch.device("cpu")))
    with tempfile.TemporaryDirectory() as tmp:
        trainer = Trainer(model, splits.train, splits.val, cfg, seed=0,
                          run=RunDir.create(Path(tmp), "bench"), quiet=quiet, metric=rec.metric,
                          higher_is_better=rec.higher_is_better)
        _, seconds = timed(trainer.fit)
        scored = trainer.restore_best()
    model.eval()
    return model, splits, trainer, scored, seconds


def quick_dates(model_id: str, quiet: bool = True) -> BenchResult:
    """A few seconds of training on a small draw of the task (asserts nothing)."""
    with one_thread():
        model, splits, _, _, seconds = _train(
            model_id, "dates-small", {"hidden_size": 32, "epochs": 2},
            {"n": 400, "n_val": 100, "n_test": 100}, quiet)
        test = exact(model, splits.test)
    return BenchResult(
        model_id, "quick", "dates", "test exact match (greedy)", True, "none", test, None,
        seconds, None, "training",
        f"400 date pairs, 32 units, 2 epochs, {n_parameters(model):,} parameters, 1 thread",
        notes=NOTES, extra={"parameters": n_parameters(model)})


def full_dates(model_id: str, overrides: dict[str, Any], task: str, quiet: bool = True
               ) -> BenchResult:
    """The ``dates`` recipe, scored on the test part with greedy and beam decoding."""
    with one_thread():
        model, splits, trainer, scored, seconds = _train(model_id, "dates", overrides, {}, quiet)
        bs = 500
        val = evaluate(model, splits.val, batch_size=bs)
        tst = evaluate(model, splits.test, batch_size=bs)
        val_beam = {(k, a): exact(model, splits.val, k, a) for k, a in BEAMS}
        (K, alpha), best_val = max(val_beam.items(), key=lambda kv: (kv[1], -kv[0][0]))
        test_beam = exact(model, splits.test, K, alpha)
        test_greedy = exact(model, splits.test)
    extra: dict[str, Any] = {
        "parameters": n_parameters(model), "epochs": trainer.progress.epoch,
        "scored_epoch": scored, "val_exact_greedy": val["exact"],
        "test_token_accuracy": tst["token_accuracy"], "test_loss": tst["loss"],
        "test_exact_beam": test_beam, "beam_width": K, "length_norm": alpha,
        "val_exact_beam": {f"K={k},alpha={a:g}": v for (k, a), v in val_beam.items()},
        "best_val_exact_beam": best_val}
    pics = plot_attention(model, splits.test.X[:4], plots_dir(),
                          name=f"{model_id}-{task}-attention.png")
    if pics:
        extra["attention_plot"] = str(pics[0])
    hp = model.config
    what = f"score {getattr(hp, 'score', '')}, " if model_id == "luong-attention" else ""
    return BenchResult(
        model_id, "full", task, "test exact match (greedy)", True, "none", test_greedy, None,
        seconds, None, "training",
        f"recipe dates: {what}{hp.hidden_size} units, {trainer.progress.epoch} epochs of "
        f"10,000 pairs, batch 64, Adam 3e-3, weights of epoch {scored} (best validation exact "
        f"match), {n_parameters(model):,} parameters, 1 thread; beam chosen on validation: "
        f"width {K}, alpha {alpha:g}, test exact {test_beam:.4f}",
        notes=NOTES, extra=extra)


def _quick(model_id: str) -> Callable[[bool], BenchResult]:
    def run(quiet: bool) -> BenchResult:
        return quick_dates(model_id, quiet)

    return run


def _full(model_id: str, overrides: dict[str, Any], task: str) -> Callable[[bool], BenchResult]:
    def run(quiet: bool) -> BenchResult:
        return full_dates(model_id, overrides, task, quiet)

    return run


for _mid in ("seq2seq", "bahdanau-attention", "luong-attention"):
    bench_task(_mid, "quick", "dates")(_quick(_mid))
bench_task("seq2seq", "full", "dates")(_full("seq2seq", {}, "dates"))
bench_task("bahdanau-attention", "full", "dates")(_full("bahdanau-attention", {}, "dates"))
bench_task("luong-attention", "full", "dates")(_full("luong-attention", {}, "dates"))
for _score in ("dot", "concat"):
    bench_task("luong-attention", "full", f"dates-{_score}")(
        _full("luong-attention", {"score": _score}, f"dates-{_score}"))
