"""The Transformer's row of the ``names.txt`` table beside makemore (task ``full/names``):
makemore's default ``--type transformer`` run unchanged beside nnzoo's decoder-only
Transformer of the same sizes, same split and step budget. The table, its protocol and what
still differs live in :mod:`nnzoo.bench.autoregressive.makemore`."""

from __future__ import annotations

from nnzoo.bench.autoregressive.makemore import full_row
from nnzoo.bench.runner import BenchResult, bench_task


@bench_task("transformer", "full", "names")
def transformer_names(quiet: bool) -> BenchResult:
    """nnzoo's Transformer beside makemore ``--type transformer``."""
    return full_row("transformer", quiet)
