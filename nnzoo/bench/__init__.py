"""Benchmarks: nnzoo beside its peer libraries (see :mod:`nnzoo.bench.runner`)."""

from nnzoo.bench.runner import BenchResult, BenchTask, bench_task, run_bench, tasks

__all__ = ["BenchResult", "BenchTask", "bench_task", "run_bench", "tasks"]
