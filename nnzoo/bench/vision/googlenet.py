"""Benchmarks of GoogLeNet: the Fashion-MNIST row
(:func:`nnzoo.bench.vision.convnets.fashion_row`) and the quick row
(:func:`nnzoo.bench.vision.convnets.quick_digits`: the default recipe, and the parameter count
without auxiliary heads beside torchvision's published one). Full tier also: the
``throughput`` row (:func:`nnzoo.bench.vision.convnets.throughput`)."""

from __future__ import annotations

from nnzoo.bench.runner import BenchResult, bench_task
from nnzoo.bench.vision.convnets import fashion_row, quick_digits, throughput


@bench_task("googlenet", "quick", "digits")
def googlenet_digits(quiet: bool) -> BenchResult:
    return quick_digits("googlenet", quiet)


@bench_task("googlenet", "full", "fashion")
def googlenet_fashion(quiet: bool) -> BenchResult:
    """Its row of the Fashion-MNIST table (:func:`nnzoo.bench.vision.convnets.fashion_row`)."""
    return fashion_row("googlenet", quiet)


@bench_task("googlenet", "full", "throughput")
def googlenet_throughput(quiet: bool) -> BenchResult:
    return throughput("googlenet", quiet)
