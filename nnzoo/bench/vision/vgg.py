"""Benchmarks of the VGG networks: the Fashion-MNIST row
(:func:`nnzoo.bench.vision.convnets.fashion_row`) and the quick row
(:func:`nnzoo.bench.vision.convnets.quick_digits`: the default recipe, and the parameter counts
beside torchvision's published ones). Full tier also: the ``throughput`` row
(:func:`nnzoo.bench.vision.convnets.throughput`)."""

from __future__ import annotations

from nnzoo.bench.runner import BenchResult, bench_task
from nnzoo.bench.vision.convnets import fashion_row, quick_digits, throughput


@bench_task("vgg", "quick", "digits")
def vgg_digits(quiet: bool) -> BenchResult:
    return quick_digits("vgg", quiet)


@bench_task("vgg", "full", "fashion")
def vgg_fashion(quiet: bool) -> BenchResult:
    """Its row of the Fashion-MNIST table (:func:`nnzoo.bench.vision.convnets.fashion_row`)."""
    return fashion_row("vgg", quiet)


@bench_task("vgg", "full", "throughput")
def vgg_throughput(quiet: bool) -> BenchResult:
    return throughput("vgg", quiet)
