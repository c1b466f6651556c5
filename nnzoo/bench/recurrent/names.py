"""The recurrent rows of the ``names.txt`` table beside makemore (``rnn``, ``gru``; task
``full/names``): makemore's ``--type rnn`` and ``--type gru`` run unchanged beside nnzoo's
Elman and GRU language models of the same sizes, same split and step budget. The table, its
protocol and what still differs live in :mod:`nnzoo.bench.autoregressive.makemore`."""

from __future__ import annotations

from nnzoo.bench.autoregressive.makemore import full_row
from nnzoo.bench.runner import BenchResult, bench_task


@bench_task("rnn", "full", "names")
def rnn_names(quiet: bool) -> BenchResult:
    """nnzoo's Elman RNN beside makemore ``--type rnn``."""
    return full_row("rnn", quiet)


@bench_task("gru", "full", "names")
def gru_names(quiet: bool) -> BenchResult:
    """nnzoo's GRU beside makemore ``--type gru``."""
    return full_row("gru", quiet)
