"""Benchmarks of the residual networks: the Fashion-MNIST row
(:func:`nnzoo.bench.vision.convnets.fashion_row`) and the quick row
(:func:`nnzoo.bench.vision.convnets.quick_digits`: the default recipe, and ResNet-18/34/50's
parameter counts beside torchvision's published ones). Full tier also: the ``throughput`` row
(:func:`nnzoo.bench.vision.convnets.throughput`)."""

from __future__ import annotations

from nnzoo.bench.runner import BenchResult, bench_task
from nnzoo.bench.vision.convnets import (
    FASHION_DDP_PROCS,
    fashion_row,
    quick_digits,
    throughput,
)


@bench_task("resnet", "quick", "digits")
def resnet_digits(quiet: bool) -> BenchResult:
    return quick_digits("resnet", quiet)


@bench_task("resnet", "full", "fashion")
def resnet_fashion(quiet: bool) -> BenchResult:
    """Its row of the Fashion-MNIST table (:func:`nnzoo.bench.vision.convnets.fashion_row`)."""
    return fashion_row("resnet", quiet)


@bench_task("resnet", "full", "throughput")
def resnet_throughput(quiet: bool) -> BenchResult:
    return throughput("resnet", quiet)


@bench_task("resnet", "full", "fashion-ddp")
def resnet_fashion_ddp(quiet: bool) -> BenchResult:
    """ResNet-20's row of the Fashion-MNIST table on both cores: its ``fashion-mnist-ddp``
    recipe (28 epochs) trained by two data-parallel processes of one thread
    (:func:`nnzoo.bench.vision.convnets.fashion_row` with ``nproc=2``)."""
    return fashion_row("resnet", quiet, recipe="fashion-mnist-ddp", nproc=FASHION_DDP_PROCS)
