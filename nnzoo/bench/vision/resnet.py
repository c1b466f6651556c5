"""Benchmarks of the residual networks.

- Quick tier (``digits``): the default recipe (ResNet-20, CIFAR layout) trained as ``nnzoo
  train resnet`` runs it, for a few epochs, single-threaded: test accuracy and time per epoch.
  The same row checks architecture parity: the parameter counts of ResNet-18/34/50 in the
  ImageNet geometry beside the counts torchvision publishes for them (its documentation's
  ``num_params``), and, where torchvision imports, beside torchvision's own models built in the
  same run. torchvision is not a declared dependency: the build on the package index is a
  CUDA build, several GB, whose operators the CPU torch cannot load (``operator
  torchvision::nms does not exist``); on a CUDA machine, ``pip install torchvision`` matching
  its torch adds that column.
"""

from __future__ import annotations

import tempfile

from nnzoo.bench.runner import BenchResult, bench_task, one_thread
from nnzoo.models import create
from nnzoo.recipes.runner import RunOptions, train

QUICK_EPOCHS = 3

#: torchvision's documentation, ``num_params`` of each ``torchvision.models.<name>`` page
#: (IMAGENET1K_V1 weights; https://pytorch.org/vision/stable/models.html).
TORCHVISION_PARAMS = {"resnet18": 11_689_512, "resnet34": 21_797_672, "resnet50": 25_557_032}


def parity(published: dict[str, int], model_id: str) -> tuple[dict[str, dict[str, int | None]],
                                                                 str]:
    """nnzoo's parameter count of each ImageNet-geometry variant beside the published one and,
    when torchvision imports, beside torchvision's model built here; and a note saying which."""
    rows: dict[str, dict[str, int | None]] = {}
    try:
        import torchvision  # noqa: PLC0415  (a CUDA build; the CPU torch cannot load it)
        note = f"torchvision {torchvision.__version__} built beside nnzoo"
    except Exception as e:  # noqa: BLE001  (RuntimeError: operator torchvision::nms ...)
        torchvision = None
        note = f"torchvision not run: it does not import here ({type(e).__name__}: {e})"
    for name, count in published.items():
        model = create(model_id, variant=name, sample_shape=(3, 224, 224), n_classes=1000)
        built = None
        if torchvision is not None:
            built = sum(p.numel() for p in getattr(torchvision.models, name)().parameters())
        rows[name] = {"nnzoo": sum(p.numel() for p in model.parameters()),
                      "published": count, "torchvision_built": built}
    return rows, note


@bench_task("resnet", "quick", "digits")
def resnet_digits(quiet: bool) -> BenchResult:
    with one_thread(), tempfile.TemporaryDirectory() as out:
        summary = train("resnet", overrides={"epochs": QUICK_EPOCHS},
                        options=RunOptions(out=out, quiet=quiet, threads=1))
    rows, note = parity(TORCHVISION_PARAMS, "resnet")
    equal = all(r["nnzoo"] == r["published"] for r in rows.values())
    return BenchResult(
        "resnet", "quick", "digits", "test accuracy", True,
        "none (architecture parity: torchvision's published parameter counts)",
        summary["test"]["accuracy"], None, summary["epoch_time_s"], None,
        "median training epoch", f"{QUICK_EPOCHS} epochs of the digits recipe, 1 thread",
        notes=f"ResNet-18/34/50 parameter counts equal torchvision's published ones: {equal}; "
              f"{note}",
        extra={"parameters_imagenet": rows})
