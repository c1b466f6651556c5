"""Benchmarks of the sentence classifiers: the tasks they share, which each model's own bench
module registers for its id (:func:`toy_sentiment`, :func:`mr_cross_validation`).

- ``quick`` / ``toy-sentiment``: text-cnn, dynamic-cnn and clstm with their default recipes on
  the generated sentiment sentences, beside scikit-learn's ``LogisticRegression`` on bags of
  unigrams and bigrams of the same sentences (a baseline, run in the same process: the
  generated task needs word order, negation and contrast, which a bag of n-grams only
  partly sees).
- ``full`` / ``mr-10fold``: each model's ``mr`` recipe trained on every fold of MR's fixed
  10-fold split (``nnzoo.data.sentences``); each fold keeps the epoch of best validation
  accuracy (early stopping) and is scored on its test fold; the row reports the mean test
  accuracy over the folds and the mean training time per fold. The recurrent classifiers
  (lstm, bilstm, gru, bigru) have a second row, ``mr-10fold-attention``, with attention
  pooling, which also draws the attention over eight test sentences of the first fold
  (``<out>/plots/<model>-mr-attention.png``). The peer column holds Kim (2014)'s
  published 10-fold figure where the paper reports the same model (CNN-rand: 76.1 %); it is
  a published number, not a run. No other model has a published MR figure for this set-up.
  ``NNZOO_MR_FOLDS=0,1`` limits the folds (a quick check; the row's budget says which ran).

Every row's ``extra["footprint"]`` holds the training and evaluation tokens per second, the
peak resident memory and the padding of the row's recipe, measured in a fresh process over
:data:`FOOTPRINT_EPOCHS` epochs (:mod:`nnzoo.bench.text.footprint`).
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nnzoo.bench.arrays import targets
from nnzoo.bench.runner import BenchResult, peer_run, plots_dir, timed
from nnzoo.bench.text.footprint import row_extra
from nnzoo.core.errors import InputError
from nnzoo.core.seed import seed_everything
from nnzoo.data import load_dataset
from nnzoo.data.base import Splits
from nnzoo.models import create
from nnzoo.models.text.sentence_plots import plot_attention
from nnzoo.recipes import get_recipe
from nnzoo.train.engine import Trainer, evaluate

FOLDS_ENV = "NNZOO_MR_FOLDS"
#: Epochs of each row's footprint measurement (tokens per second, peak memory).
FOOTPRINT_EPOCHS = {"toy-sentiment": 2, "mr": 1}
KIM_2014 = {"text-cnn": 0.761}  # Kim 2014, Table 2, MR, CNN-rand
PUBLISHED = "Kim (2014), published figure, not run"


def mr_folds() -> list[int]:
    """The folds to run: ``$NNZOO_MR_FOLDS`` (comma-separated) or all ten."""
    raw = os.environ.get(FOLDS_ENV, "").strip()
    return [int(f) for f in raw.split(",") if f.strip()] if raw else list(range(10))


def train_best(model_id: str, recipe: str, splits: Splits, overrides: dict[str, Any] | None =
               None, seed: int = 0, quiet: bool = True) -> dict[str, Any]:
    """Train ``model_id`` with ``recipe`` on ``splits`` epoch by epoch, keep the weights of
    the epoch of best validation accuracy (stopping after the recipe's ``patience`` epochs
    without progress), and score them on the test split."""
    hp, cfg = get_recipe(model_id, recipe).resolve(overrides)
    seed_everything(seed)
    model = create(model_id, **hp, sample_shape=splits.sample_shape,
                   vocab_size=splits.meta["vocab_size"], n_classes=splits.n_classes)
    trainer = Trainer(model, splits.train, splits.val, cfg, seed=seed, quiet=quiet)
    trainer.fit()
    trainer.restore_best()
    test = evaluate(model, splits.test, batch_size=cfg.eval_batch_size)
    return {"model": model, "test_accuracy": test["accuracy"], "val_accuracy":
            trainer.progress.best, "best_epoch": trainer.progress.best_epoch,
            "train_time": trainer.progress.train_time, "epochs": trainer.progress.epoch}


def sentences(splits: Splits) -> dict[str, Sequence[Sequence[str]]]:
    """The token lists of each split of a sentence dataset (``meta["sentences"]``).

    :raises InputError: when the dataset carries none.
    """
    found = splits.meta.get("sentences")
    if not isinstance(found, dict) or not all(
            isinstance(v, (list, tuple)) and all(isinstance(s, (list, tuple)) for s in v)
            for v in found.values()):
        raise InputError(f"dataset {splits.name!r} has no token lists in meta['sentences']")
    return found


# -- quick: the generated task beside a bag-of-n-grams logistic regression -------------------------

def toy_sentiment(model_id: str, quiet: bool) -> BenchResult:
    """``model_id``'s ``toy-sentiment`` recipe beside a bag-of-n-grams logistic regression on
    the same generated sentences."""
    splits = load_dataset("toy-sentiment")
    ours, t_ours = timed(lambda: train_best(model_id, "toy-sentiment", splits, quiet=quiet))
    text = {k: [" ".join(s) for s in v] for k, v in sentences(splits).items()}

    def peer_side() -> tuple[float, float]:
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.linear_model import LogisticRegression

        def fit() -> Any:
            vec = CountVectorizer(ngram_range=(1, 2), token_pattern=r"\S+")
            clf = LogisticRegression(max_iter=1000).fit(vec.fit_transform(text["train"]),
                                                        targets(splits).numpy())
            return vec, clf

        (vec, clf), t = timed(fit)
        return float(clf.score(vec.transform(text["test"]), targets(splits, "test").numpy())), t

    run = peer_run(peer_side)
    peer_acc, t_peer = run.value if run.value else (None, None)
    _, cfg = get_recipe(model_id, "toy-sentiment").resolve()
    return BenchResult(
        model_id, "quick", "toy-sentiment", "accuracy", True,
        "scikit-learn LogisticRegression, bag of 1-2-grams (baseline)",
        float(ours["test_accuracy"]), peer_acc, t_ours, t_peer, "fit",
        f"{len(splits.train)} generated sentences, up to {cfg.epochs} epochs (best "
        "validation epoch kept); logistic regression to convergence",
        notes="the peer is a baseline of another kind, not the same model: it shows what the "
              "generated task asks beyond word counts",
        extra={"best_epoch": ours["best_epoch"],
               **row_extra(model_id, "toy-sentiment", FOOTPRINT_EPOCHS["toy-sentiment"])},
        status=run.status)


# -- full: MR, 10-fold cross-validation ------------------------------------------------------------

def _attention_plot(model: Any, splits: Splits, path: Path, n: int = 8) -> Path:
    x = splits.test.X[:n].to(model.device)
    model.eval()
    weights = model.attention_weights(x)                                   # (n, T)
    tokens = sentences(splits)["test"][:n]
    return plot_attention(weights, tokens, path, f"{model.model_id} on MR: attention weights")


def mr_cross_validation(model_id: str, quiet: bool, attention: bool = False) -> BenchResult:
    """Mean test accuracy of ``model_id``'s ``mr`` recipe over the folds."""
    folds = mr_folds()
    overrides = {"attention": True} if attention else None
    accs, times, epochs, plot = [], [], [], None
    for fold in folds:
        splits = load_dataset("mr", fold=fold)
        out = train_best(model_id, "mr", splits, overrides, quiet=quiet)
        accs.append(float(out["test_accuracy"]))
        times.append(float(out["train_time"]))
        epochs.append(int(out["best_epoch"]))
        if not quiet:
            print(f"  fold {fold}: test accuracy {accs[-1]:.4f} (best epoch {epochs[-1]}, "
                  f"{times[-1]:.0f} s)", flush=True)
        if attention and plot is None:
            plot = str(_attention_plot(out["model"], splits, plots_dir()
                                       / f"{model_id}-mr-attention.png"))
    _, cfg = get_recipe(model_id, "mr").resolve(overrides)
    published = KIM_2014.get(model_id) if not attention else None
    which = "all 10 folds" if folds == list(range(10)) else f"folds {folds} of 10"
    return BenchResult(
        model_id, "full", "mr-10fold" + ("-attention" if attention else ""), "accuracy", True,
        PUBLISHED if published is not None else "none (no published MR figure to compare)",
        statistics.fmean(accs), published, statistics.fmean(times), None,
        "training per fold",
        f"{which}, up to {cfg.epochs} epochs (patience {cfg.patience}, best validation "
        f"epoch), batch {cfg.batch_size}, Adam {cfg.lr:g} fixed a priori (no rate chosen on "
        "any MR score)",
        notes=("peer value = Kim 2014's CNN-rand (Table 2), a published figure, not run"
               if published is not None else
               "no peer: no published MR figure for this model and set-up"),
        extra={"fold_accuracy": dict(zip(map(str, folds), accs)), "best_epochs": epochs,
               "std": statistics.pstdev(accs) if len(accs) > 1 else 0.0,
               **({"attention_plot": plot} if plot else {}),
               **row_extra(model_id, "mr", FOOTPRINT_EPOCHS["mr"], overrides=overrides)})
