"""Benchmarks of ZFNet: the Fashion-MNIST row (:func:`nnzoo.bench.vision.convnets.fashion_row`) and
the quick row (:func:`nnzoo.bench.vision.convnets.quick_digits`: the default recipe, and the
parameter counts beside torchvision's published ones where it has the net). Full tier also: the
``throughput`` row (:func:`nnzoo.bench.vision.convnets.throughput`)."""

from __future__ import annotations

from nnzoo.bench.runner import BenchResult, bench_task
from nnzoo.bench.vision.convnets import fashion_row, quick_digits, throughput


@bench_task("zfnet", "quick", "digits")
def zfnet_digits(quiet: bool) -> BenchResult:
    return quick_digits("zfnet", quiet)


@bench_task("zfnet", "full", "fashion")
def zfnet_fashion(quiet: bool) -> BenchResult:
    """Its row of the Fashion-MNIST table (:func:`nnzoo.bench.vision.convnets.fashion_row`)."""
    return fashion_row("zfnet", quiet)


@bench_task("zfnet", "full", "throughput")
def zfnet_throughput(quiet: bool) -> BenchResult:
    return throughput("zfnet", quiet)
