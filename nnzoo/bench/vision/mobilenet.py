"""Benchmarks of MobileNet: the Fashion-MNIST row (:func:`nnzoo.bench.vision.convnets.fashion_row`)
and the quick row (:func:`nnzoo.bench.vision.convnets.quick_digits`: the default recipe;
torchvision has MobileNet v2 and v3 but not v1, so the parameter counts are checked against the
paper's Table 6 in the tests). Full tier also: the ``throughput`` row
(:func:`nnzoo.bench.vision.convnets.throughput`)."""

from __future__ import annotations

from nnzoo.bench.runner import BenchResult, bench_task
from nnzoo.bench.vision.convnets import fashion_row, quick_digits, throughput


@bench_task("mobilenet", "quick", "digits")
def mobilenet_digits(quiet: bool) -> BenchResult:
    return quick_digits("mobilenet", quiet)


@bench_task("mobilenet", "full", "fashion")
def mobilenet_fashion(quiet: bool) -> BenchResult:
    """Its row of the Fashion-MNIST table (:func:`nnzoo.bench.vision.convnets.fashion_row`)."""
    return fashion_row("mobilenet", quiet)


@bench_task("mobilenet", "full", "throughput")
def mobilenet_throughput(quiet: bool) -> BenchResult:
    return throughput("mobilenet", quiet)
