"""Benchmarks of matrix capsules with EM routing: the quick row
(:func:`nnzoo.bench.vision.convnets.quick_digits`: the default recipe for one epoch; torchvision
has no capsule network to compare parameter counts with)."""

from __future__ import annotations

from nnzoo.bench.runner import BenchResult, bench_task
from nnzoo.bench.vision.convnets import quick_digits


@bench_task("em-capsules", "quick", "digits")
def em_capsules_digits(quiet: bool) -> BenchResult:
    return quick_digits("em-capsules", quiet)
