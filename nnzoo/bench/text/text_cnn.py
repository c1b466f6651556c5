"""Benchmarks of Kim's CNN (``text-cnn``): quick ``toy-sentiment`` and full ``mr-10fold``, the tasks
every sentence classifier shares (:mod:`nnzoo.bench.text.sentences`)."""

from __future__ import annotations

from nnzoo.bench.runner import BenchResult, bench_task
from nnzoo.bench.text.sentences import mr_cross_validation, toy_sentiment


@bench_task("text-cnn", "quick", "toy-sentiment")
def toy(quiet: bool) -> BenchResult:
    """The default recipe on the generated sentences beside a bag-of-n-grams baseline."""
    return toy_sentiment("text-cnn", quiet)


@bench_task("text-cnn", "full", "mr-10fold")
def mr(quiet: bool) -> BenchResult:
    """The ``mr`` recipe over MR's 10 folds."""
    return mr_cross_validation("text-cnn", quiet)
