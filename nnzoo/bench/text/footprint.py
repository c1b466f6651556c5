"""Tokens per second and peak resident memory of the taggers and the sentence classifiers.

:func:`footprint` trains a recipe for a stated number of epochs in a fresh Python process,
single-threaded, with the engine as ``nnzoo train`` drives it (validation after every epoch,
the best validation epoch's weights restored), then evaluates the test split, and reports:

- ``train_tokens_per_s``: tokens (not padding) of the training split times epochs, over the
  time spent in training steps;
- ``eval_tokens_per_s``: tokens of the test split over the time of its evaluation;
- ``peak_rss_mb``: the process's peak resident set (``getrusage(RUSAGE_SELF).ru_maxrss``,
  MiB), and ``rss_before_training_mb``, the peak after loading the data and building the
  model; a fresh process for each measurement, so that earlier work in the bench neither
  hides nor adds to the peak;
- ``padding_fraction``: the share of padded steps in the first epoch's batches, as stored
  (every sentence padded to the corpus's longest) and as the model sees them (each batch cut
  to its longest sentence, in the engine's order);
- ``test``: the test split's metrics.

The child process reads only what any version of nnzoo since the taggers has (the recipe, the
dataset, :class:`~nnzoo.train.engine.Trainer`, :func:`~nnzoo.train.engine.evaluate`), so the
same task measures an older checkout beside this one (``bilstm-crf`` full
``wnut17-footprint``: the CoNLL-format must-show of issue 17).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from nnzoo.bench.runner import BenchResult, bench_task
from nnzoo.core.errors import NnzooError

_MARK = "FOOTPRINT "


def _tokens(X: Any) -> Any:
    """Tokens of each sample: steps with a word id (taggers, (N, T, 1 + C)) or a non-padding
    id (sentences, (N, T))."""
    return (X[..., 0] != 0).sum(1) if X.dim() == 3 else (X != 0).sum(1)


def _padding(lengths: Any, order: Any, batch: int, width: int | None) -> float:
    """Share of padded steps in the batches of ``batch`` consecutive samples of ``order``."""
    L = lengths[order]
    cells = sum(len(b) * (width if width is not None else int(b.max()))
                for b in L.split(batch))
    return 1.0 - int(L.sum()) / cells


#: Sentences of CoNLL-2003's English train / validation / test splits, as the Hugging Face
#: dataset card lists them (https://huggingface.co/datasets/eriktks/conll2003, README.md).
CONLL2003_SIZES = (14_041, 3_250, 3_453)


def conll2003_shaped(seed: int = 0, mean_len: float = 14.0, longest: int = 124) -> Any:
    """A generated corpus of CoNLL-2003's size (:data:`CONLL2003_SIZES` sentences) and a
    synthetic length profile: lengths ``1 + floor(Exp(mean_len - 1))`` capped at ``longest``,
    with one test sentence of exactly ``longest`` tokens (so every split is stored
    ``longest`` steps wide). The figures 14 and 124 are the issue's description of CoNLL-2003
    (mean sentence length and longest sentence), not measured here: CoNLL-2003 is not on this
    machine. The words and tags are the ``toy-ner`` grammar's, sentences joined and cut to
    the drawn length (a cut entity keeps its ``B-`` ... ``I-`` prefix: valid BIO)."""
    import random

    from nnzoo.core.tags import TOY_TAGS
    from nnzoo.data.conll import Sentence, make_splits, toy_sentence

    rng = random.Random(seed)

    def sentence(n: int) -> Any:
        toks: list[str] = []
        tags: list[str] = []
        while len(toks) < n:
            s = toy_sentence(rng)
            toks += s.tokens
            tags += s.tags
        return Sentence(toks[:n], tags[:n])

    parts = []
    for size in CONLL2003_SIZES:
        lengths = [min(longest, 1 + int(rng.expovariate(1 / (mean_len - 1))))
                   for _ in range(size)]
        parts.append([sentence(n) for n in lengths])
    parts[2][0] = sentence(longest)
    return make_splits("conll2003-shaped", parts[0], parts[1], parts[2], TOY_TAGS, max_chars=20,
                       description="generated: CoNLL-2003's sizes, a synthetic length "
                                   "profile, the toy-ner grammar")


def _child(spec: dict[str, Any]) -> dict[str, Any]:
    """The measurement, run in the fresh process (see the module docstring)."""
    import resource
    import time

    import torch

    torch.set_num_threads(1)
    from nnzoo.core.loop import epoch_order
    from nnzoo.data import load_dataset
    from nnzoo.recipes import get_recipe
    from nnzoo.recipes.runner import build_model
    from nnzoo.train.engine import Trainer, evaluate

    rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # noqa: E731
    recipe = get_recipe(spec["model"], spec["recipe"])
    splits = (conll2003_shaped() if spec.get("corpus") == "conll2003-shaped" else
              load_dataset(recipe.dataset, **{**recipe.dataset_args, **spec["dataset_args"]}))
    model_hp, cfg = recipe.resolve({**spec["overrides"], "epochs": spec["epochs"],
                                    "max_time": 0.0})
    model = build_model(spec["model"], model_hp, splits, seed=0)
    rss_ready = rss()
    trainer = Trainer(model, splits.train, splits.val, cfg, seed=0, metric=recipe.metric,
                      higher_is_better=recipe.higher_is_better, quiet=True)
    trainer.fit()
    trainer.restore_best()
    t0 = time.perf_counter()
    test = evaluate(model, splits.test, batch_size=cfg.eval_batch_size)
    t_eval = time.perf_counter() - t0
    lengths = _tokens(splits.train.X)
    bucketed = getattr(model, "sequence_lengths", lambda X: None)(splits.train.X) is not None
    order = (epoch_order(len(lengths), 0, 0, lengths=lengths, batch_size=cfg.batch_size)
             if bucketed else epoch_order(len(lengths), 0, 0))
    p = trainer.progress
    return {"model": spec["model"], "recipe": spec["recipe"], "epochs": p.epoch,
            "train_tokens": int(lengths.sum()), "test_tokens": int(_tokens(splits.test.X).sum()),
            "train_time_s": p.train_time, "eval_time_s": t_eval,
            "train_tokens_per_s": int(lengths.sum()) * p.epoch / p.train_time,
            "eval_tokens_per_s": int(_tokens(splits.test.X).sum()) / t_eval,
            "peak_rss_mb": rss(), "rss_before_training_mb": rss_ready,
            "eval_batch_size": cfg.eval_batch_size, "batch_size": cfg.batch_size,
            "length_bucketed": bucketed,
            "padding_fraction_stored": _padding(lengths, order, cfg.batch_size,
                                                splits.train.X.shape[1]),
            "padding_fraction_batches": _padding(lengths, order, cfg.batch_size, None),
            "best_epoch": p.best_epoch, "test": {k: float(v) for k, v in test.items()}}


def footprint(model: str, recipe: str, epochs: int, *, dataset_args: dict[str, Any] | None
              = None, overrides: dict[str, Any] | None = None, corpus: str = "",
              timeout: float = 3600.0) -> dict[str, Any]:
    """Train ``model``'s ``recipe`` for ``epochs`` epochs in a fresh single-threaded process and
    return its tokens per second, peak resident memory, padding and test metrics (see the
    module docstring). ``corpus="conll2003-shaped"`` trains on :func:`conll2003_shaped`
    instead of the recipe's dataset (the recipe's model and training set-up).

    :raises NnzooError: when the child process fails (its last line of error output).
    """
    spec = {"model": model, "recipe": recipe, "epochs": epochs,
            "dataset_args": dataset_args or {}, "overrides": overrides or {}, "corpus": corpus}
    code = ("import json, sys; from nnzoo.bench.text.footprint import _child, _MARK; "
            "print(_MARK + json.dumps(_child(json.loads(sys.argv[1]))))")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", code, json.dumps(spec)], capture_output=True,
                          text=True, env=env, timeout=timeout)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(_MARK):
            return json.loads(line[len(_MARK):])
    last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    raise NnzooError(f"footprint of {model}/{recipe} failed (exit {proc.returncode}): {last}")


def summary(fp: dict[str, Any]) -> dict[str, Any]:
    """The figures of a :func:`footprint` that go into a bench row's ``extra``."""
    keys = ("epochs", "train_tokens_per_s", "eval_tokens_per_s", "peak_rss_mb",
            "rss_before_training_mb", "padding_fraction_stored", "padding_fraction_batches",
            "eval_batch_size")
    return {k: fp[k] for k in keys}


def row_extra(model: str, recipe: str, epochs: int, **kw: Any) -> dict[str, Any]:
    """``{"footprint": summary}`` of :func:`footprint` for a bench row's ``extra``, or
    ``{"footprint_error": reason}`` when the measurement failed (the row keeps its figures)."""
    try:
        return {"footprint": {"recipe": f"{model}/{recipe}", **summary(
            footprint(model, recipe, epochs, **kw))}}
    except (NnzooError, subprocess.TimeoutExpired) as e:
        return {"footprint_error": str(e)}


#: Epochs of the must-show measurement (both checkouts run the same budget).
WNUT_EPOCHS = 6


@bench_task("bilstm-crf", "full", "wnut17-footprint")
def bilstm_wnut_footprint(quiet: bool) -> BenchResult:
    """The ``bilstm-crf/wnut17`` recipe for :data:`WNUT_EPOCHS` epochs in a fresh process:
    tokens per second, peak resident memory and test F1."""
    fp = footprint("bilstm-crf", "wnut17", WNUT_EPOCHS)
    return BenchResult(
        "bilstm-crf", "full", "wnut17-footprint", "entity F1", True,
        "none: this checkout's own figures (run the task on another checkout to compare)",
        fp["test"]["f1"], None, fp["train_time_s"] / max(1, fp["epochs"]), None,
        "training time per epoch",
        f"bilstm-crf/wnut17 recipe, {WNUT_EPOCHS} epochs (no time limit), seed 0, one thread, "
        "a fresh process",
        notes="peak_rss_mb is the whole process's peak (data, model, training, evaluation)",
        extra={**summary(fp), "test_precision": fp["test"]["precision"],
               "test_recall": fp["test"]["recall"], "test_accuracy": fp["test"]["accuracy"],
               "best_epoch": fp["best_epoch"], "batch_size": fp["batch_size"],
               "length_bucketed": fp["length_bucketed"]})


#: Epochs of the CoNLL-2003-sized measurement.
SHAPED_EPOCHS = 1


@bench_task("bilstm-crf", "full", "conll2003-shaped-footprint")
def bilstm_conll_shaped_footprint(quiet: bool) -> BenchResult:
    """The ``bilstm-crf/wnut17`` recipe's model and training on :func:`conll2003_shaped` for
    :data:`SHAPED_EPOCHS` epoch in a fresh process: memory on a corpus of CoNLL-2003's size."""
    fp = footprint("bilstm-crf", "wnut17", SHAPED_EPOCHS, corpus="conll2003-shaped")
    return BenchResult(
        "bilstm-crf", "full", "conll2003-shaped-footprint", "entity F1", True,
        "none: this checkout's own figures (run the task on another checkout to compare)",
        fp["test"]["f1"], None, fp["train_time_s"] / max(1, fp["epochs"]), None,
        "training time per epoch",
        f"bilstm-crf/wnut17 recipe's model and training, {SHAPED_EPOCHS} epoch, on a generated "
        "corpus of CoNLL-2003's sizes (14,041 / 3,250 / 3,453 sentences; synthetic lengths, "
        "mean about 14, longest 124), seed 0, one thread, a fresh process",
        notes="generated sentences (toy-ner grammar); the length profile is synthetic",
        extra={**summary(fp), "train_tokens": fp["train_tokens"],
               "test_tokens": fp["test_tokens"], "test_accuracy": fp["test"]["accuracy"],
               "length_bucketed": fp["length_bucketed"]})
