"""Benchmarks of the network in network: the Fashion-MNIST row
(:func:`nnzoo.bench.vision.convnets.fashion_row`) and the quick row
(:func:`nnzoo.bench.vision.convnets.quick_digits`: the default recipe; torchvision has no NiN to
compare parameter counts with). Full tier also: the ``throughput`` row
(:func:`nnzoo.bench.vision.convnets.throughput`)."""

from __future__ import annotations

from nnzoo.bench.runner import BenchResult, bench_task
from nnzoo.bench.vision.convnets import fashion_row, quick_digits, throughput


@bench_task("nin", "quick", "digits")
def nin_digits(quiet: bool) -> BenchResult:
    return quick_digits("nin", quiet)


@bench_task("nin", "full", "fashion")
def nin_fashion(quiet: bool) -> BenchResult:
    """Its row of the Fashion-MNIST table (:func:`nnzoo.bench.vision.convnets.fashion_row`)."""
    return fashion_row("nin", quiet)


@bench_task("nin", "full", "throughput")
def nin_throughput(quiet: bool) -> BenchResult:
    return throughput("nin", quiet)
