"""Benchmarks of the network in network: the quick row
(:func:`nnzoo.bench.vision.convnets.quick_digits`: the default recipe; torchvision has no NiN
to compare parameter counts with). Full tier: the
``throughput`` row (:func:`nnzoo.bench.vision.convnets.throughput`)."""

from __future__ import annotations

from nnzoo.bench.runner import BenchResult, bench_task
from nnzoo.bench.vision.convnets import quick_digits, throughput


@bench_task("nin", "quick", "digits")
def nin_digits(quiet: bool) -> BenchResult:
    return quick_digits("nin", quiet)


@bench_task("nin", "full", "throughput")
def nin_throughput(quiet: bool) -> BenchResult:
    return throughput("nin", quiet)
