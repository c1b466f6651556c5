"""Benchmarks of the densely connected networks: the Fashion-MNIST row
(:func:`nnzoo.bench.vision.convnets.fashion_row`) and the quick row
(:func:`nnzoo.bench.vision.convnets.quick_digits`: the default recipe, and DenseNet-121's
parameter count beside torchvision's published one). Full tier: the
``throughput`` row (:func:`nnzoo.bench.vision.convnets.throughput`)."""

from __future__ import annotations

from nnzoo.bench.runner import BenchResult, bench_task
from nnzoo.bench.vision.convnets import fashion_row, quick_digits, throughput


@bench_task("densenet", "quick", "digits")
def densenet_digits(quiet: bool) -> BenchResult:
    return quick_digits("densenet", quiet)


@bench_task("densenet", "full", "fashion")
def densenet_fashion(quiet: bool) -> BenchResult:
    """Its row of the Fashion-MNIST table (:func:`nnzoo.bench.vision.convnets.fashion_row`)."""
    return fashion_row("densenet", quiet)


@bench_task("densenet", "full", "throughput")
def densenet_throughput(quiet: bool) -> BenchResult:
    return throughput("densenet", quiet)
