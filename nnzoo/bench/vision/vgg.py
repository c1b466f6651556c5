"""Benchmarks of the VGG networks: the quick row
(:func:`nnzoo.bench.vision.convnets.quick_digits`: the default recipe, and the parameter
counts beside torchvision's published ones). Full tier: the
``throughput`` row (:func:`nnzoo.bench.vision.convnets.throughput`)."""

from __future__ import annotations

from nnzoo.bench.runner import BenchResult, bench_task
from nnzoo.bench.vision.convnets import quick_digits, throughput


@bench_task("vgg", "quick", "digits")
def vgg_digits(quiet: bool) -> BenchResult:
    return quick_digits("vgg", quiet)


@bench_task("vgg", "full", "throughput")
def vgg_throughput(quiet: bool) -> BenchResult:
    return throughput("vgg", quiet)
