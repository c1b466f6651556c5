"""Benchmarks of the capsule network (Sabour et al. 2017).

``digits`` (quick): the default recipe (the small net on the 8x8 digits) for
:data:`~nnzoo.bench.vision.convnets.QUICK_EPOCHS` epoch, single-threaded: test accuracy and time
per epoch; the row also holds the parameter count of the paper's MNIST geometry, counted on
the built net, beside the paper's "8.2M parameters and 6.8M parameters without the
reconstruction subnetwork".

``mnist`` (full): the ``mnist`` recipe (the paper's net, Adam 1e-3 decayed x0.96 every 2000
steps, shifts of up to 2 pixels) for :data:`MNIST_EPOCHS` epochs (``NNZOO_CAPSNET_EPOCHS``
changes the budget; the row's command records it), on the threads ``nnzoo bench --threads``
gives (default: every core): the test error of the epoch that the
validation split (the last 5,000 training images) chose, scored once, beside the published
figures: the paper's 0.25 % (3 routing iterations with the reconstruction loss, as XifengGuo/
CapsNet-Keras's README quotes it) and
public reproductions' 0.34-0.36 % (XifengGuo/CapsNet-Keras's README: 0.34 % after 30 epochs).
No library runs beside it: the peer column holds the paper's figure. The run's
reconstructions, routing coefficients, filters and learning curve are copied to
``<out>/plots/capsnet-mnist-<name>.png``, one ``figure_<name>`` of the row's ``extra`` each
(so ``nnzoo bench --merge`` publishes them).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import torch

from nnzoo.bench.runner import BenchResult, bench_task, one_thread, plots_dir
from nnzoo.bench.vision.convnets import QUICK_EPOCHS, n_params
from nnzoo.core.errors import ConfigError
from nnzoo.models import create
from nnzoo.recipes import get_recipe
from nnzoo.recipes.runner import RunOptions, train

#: Epochs of the full MNIST row (the issue's budget for the capsule row; the paper gives none).
MNIST_EPOCHS = 30
#: The paper's test error on MNIST (%): CapsNet, 3 routing iterations, reconstruction.
PAPER_ERROR = 0.25
#: The paper's parameter counts, in millions, with and without the decoder.
PAPER_MILLIONS = (8.2, 6.8)


def paper_geometry_parameters() -> dict[str, int]:
    """Parameters of the paper's net on 28x28 images, counted on the built net (meta device:
    shapes only): in all, and without the decoder."""
    with torch.device("meta"):
        model = create("capsnet", sample_shape=(1, 28, 28), n_classes=10)
    decoder = n_params(model.decoder) if model.decoder is not None else 0
    return {"total": n_params(model), "without_decoder": n_params(model) - decoder}


def _epochs(default: int) -> int:
    text = os.environ.get("NNZOO_CAPSNET_EPOCHS", "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ConfigError("NNZOO_CAPSNET_EPOCHS must be a whole number of epochs >= 1, got "
                          f"{text!r}")
    return int(text)


def _parameter_note(counts: dict[str, int]) -> str:
    return (f"the paper's geometry has {counts['total']:,} parameters "
            f"({counts['without_decoder']:,} without the decoder; the paper: "
            f"{PAPER_MILLIONS[0]}M and {PAPER_MILLIONS[1]}M)")


@bench_task("capsnet", "quick", "digits")
def capsnet_digits(quiet: bool) -> BenchResult:
    with one_thread(), tempfile.TemporaryDirectory() as out:
        summary = train("capsnet", overrides={"epochs": QUICK_EPOCHS},
                        options=RunOptions(out=out, quiet=quiet, threads=1))
    counts = paper_geometry_parameters()
    hp, _ = get_recipe("capsnet").resolve()
    with torch.device("meta"):
        small = n_params(create("capsnet", **hp, sample_shape=(1, 8, 8), n_classes=10))
    return BenchResult(
        "capsnet", "quick", "digits", "test accuracy", True, "none",
        summary["test"]["accuracy"], None, summary["epoch_time_s"], None,
        "median training epoch", f"{QUICK_EPOCHS} epoch of the default recipe, 1 thread",
        notes=f"{small:,} parameters; " + _parameter_note(counts),
        extra={"parameters": small, "parameters_paper_geometry": counts})


@bench_task("capsnet", "full", "mnist")
def capsnet_mnist(quiet: bool) -> BenchResult:
    epochs = _epochs(MNIST_EPOCHS)
    with tempfile.TemporaryDirectory() as out:
        summary = train("capsnet", "mnist", overrides={"epochs": epochs},
                        options=RunOptions(out=out, quiet=quiet,
                                           threads=torch.get_num_threads()))
        figures = {}
        src = os.path.join(summary["run_dir"], "plots")
        for name in sorted(os.listdir(src)):
            dest = plots_dir() / f"capsnet-mnist-{name}"
            shutil.copyfile(os.path.join(src, name), dest)
            figures[f"figure_{Path(name).stem}"] = str(dest)
    error = 100.0 * (1.0 - summary["test"]["accuracy"])
    counts = paper_geometry_parameters()
    train_min = summary["train_time_s"] / 60
    return BenchResult(
        "capsnet", "full", "mnist", "test error (%)", False,
        "the paper's published figure (Sabour et al. 2017)",
        error, PAPER_ERROR, summary["train_time_s"], None,
        "training time (optimizer steps, not evaluation)",
        f"{summary['epochs']} epochs of the mnist recipe ({train_min:.0f} min of training, "
        f"{summary['threads']} thread(s), {summary['device']}); the paper does not state its "
        "budget",
        notes=(f"published test errors: the paper 0.25 %, public reproductions 0.34-0.36 % "
               f"(XifengGuo/CapsNet-Keras 0.34 % after 30 epochs); the issue asks <= 0.45 %; "
               f"epoch {summary['scored_epoch']} chosen on validation (5,000 images), "
               f"validation error {100 * (1 - summary['val']['accuracy']):.2f} %; "
               + _parameter_note(counts)),
        extra={**figures, "val_error_pct": 100 * (1 - summary["val"]["accuracy"]),
               "epoch_time_s": summary["epoch_time_s"], "parameters_paper_geometry": counts})
