"""Benchmarks of GoogLeNet: the quick row (:func:`nnzoo.bench.vision.convnets.quick_digits`:
the default recipe, and the parameter count without auxiliary heads beside torchvision's
published one). Full tier: the
``throughput`` row (:func:`nnzoo.bench.vision.convnets.throughput`)."""

from __future__ import annotations

from nnzoo.bench.runner import BenchResult, bench_task
from nnzoo.bench.vision.convnets import quick_digits, throughput


@bench_task("googlenet", "quick", "digits")
def googlenet_digits(quiet: bool) -> BenchResult:
    return quick_digits("googlenet", quiet)


@bench_task("googlenet", "full", "throughput")
def googlenet_throughput(quiet: bool) -> BenchResult:
    return throughput("googlenet", quiet)
