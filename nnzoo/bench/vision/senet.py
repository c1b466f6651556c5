"""Benchmarks of the squeeze-and-excitation networks: the Fashion-MNIST row
(:func:`nnzoo.bench.vision.convnets.fashion_row`) and the quick row
(:func:`nnzoo.bench.vision.convnets.quick_digits`: the default recipe; torchvision has no SE-
ResNet to compare parameter counts with). Full tier also: the ``throughput`` row
(:func:`nnzoo.bench.vision.convnets.throughput`)."""

from __future__ import annotations

from nnzoo.bench.runner import BenchResult, bench_task
from nnzoo.bench.vision.convnets import (
    FASHION_DDP_PROCS,
    fashion_row,
    quick_digits,
    throughput,
)


@bench_task("senet", "quick", "digits")
def senet_digits(quiet: bool) -> BenchResult:
    return quick_digits("senet", quiet)


@bench_task("senet", "full", "fashion")
def senet_fashion(quiet: bool) -> BenchResult:
    """Its row of the Fashion-MNIST table (:func:`nnzoo.bench.vision.convnets.fashion_row`)."""
    return fashion_row("senet", quiet)


@bench_task("senet", "full", "throughput")
def senet_throughput(quiet: bool) -> BenchResult:
    return throughput("senet", quiet)


@bench_task("senet", "full", "fashion-ddp")
def senet_fashion_ddp(quiet: bool) -> BenchResult:
    """SE-ResNet-20's row of the Fashion-MNIST table on both cores: its ``fashion-mnist-ddp``
    recipe (23 epochs) trained by two data-parallel processes of one thread
    (:func:`nnzoo.bench.vision.convnets.fashion_row` with ``nproc=2``)."""
    return fashion_row("senet", quiet, recipe="fashion-mnist-ddp", nproc=FASHION_DDP_PROCS)
