"""Benchmarks of AlexNet: the Fashion-MNIST row (:func:`nnzoo.bench.vision.convnets.fashion_row`)
and the quick row (:func:`nnzoo.bench.vision.convnets.quick_digits`: the default recipe, and the
parameter counts beside torchvision's published ones where it has the net). Full tier also: the
``throughput`` row (:func:`nnzoo.bench.vision.convnets.throughput`)."""

from __future__ import annotations

from nnzoo.bench.runner import BenchResult, bench_task
from nnzoo.bench.vision.convnets import fashion_row, quick_digits, throughput


@bench_task("alexnet", "quick", "digits")
def alexnet_digits(quiet: bool) -> BenchResult:
    return quick_digits("alexnet", quiet)


@bench_task("alexnet", "full", "fashion")
def alexnet_fashion(quiet: bool) -> BenchResult:
    """Its row of the Fashion-MNIST table (:func:`nnzoo.bench.vision.convnets.fashion_row`)."""
    return fashion_row("alexnet", quiet)


@bench_task("alexnet", "full", "throughput")
def alexnet_throughput(quiet: bool) -> BenchResult:
    return throughput("alexnet", quiet)
