"""Benchmark of the DCGAN: the Frechet distance on nnzoo CNN features, against the fully
connected GAN at the same budget and against the floor.

Per dataset (digits in the quick tier, MNIST and Fashion-MNIST in the full tier):

1. the judge: nnzoo's ``cnn`` recipe for that dataset, trained at seed 0 for a stated number
   of epochs and cached under the bench's out folder (``<out>/cache/``); its penultimate
   layer gives the features (:mod:`nnzoo.bench.generative.frechet`);
2. the floor: the distance between the first n training images and the n test images (a
   generator that drew real images would score about this with n samples);
3. the DCGAN recipe and the fully connected GAN recipe of that dataset, trained for the same
   number of epochs on the same batches at seed 0; n samples of each scored against the n
   test images.

The row's metric is the DCGAN's distance, the "peer" the fully connected GAN's; the floor
and the judge's test accuracy are in ``extra`` and the budget. Sample grids and the two
training-health plots are saved as plots (for the README).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from nnzoo.bench.generative.frechet import feature_cnn, frechet_distance
from nnzoo.bench.generative.gan import fit_recipe
from nnzoo.bench.runner import BenchResult, bench_task, one_thread, peer_run, plots_dir
from nnzoo.data import load_dataset
from nnzoo.data.base import Splits
from nnzoo.models.generative import gan_plots


def _score(model_id: str, splits: Splits, overrides: dict[str, Any], test: torch.Tensor,
           features: Any, quiet: bool) -> dict[str, Any]:
    """Train ``model_id``'s recipe for ``splits`` with ``overrides``; its samples' distance
    to ``test`` and its plots."""
    dataset, epochs = splits.name, overrides["epochs"]
    model, _, secs = fit_recipe(model_id, dataset, overrides, seed=0, quiet=quiet,
                                splits=splits)
    with torch.no_grad():
        fake = torch.cat([model.decode(model.prior(min(1000, len(test) - i),
                                                   torch.Generator().manual_seed(7 + i)))
                          for i in range(0, len(test), 1000)])
    fd = frechet_distance(test, fake, features)
    d = plots_dir()
    prefix = f"{model_id}-{dataset}"
    grid = gan_plots.sample_grid(fake[:64], d / f"{prefix}-samples.png",
                                 f"{model_id} on {dataset}: 64 samples after {epochs} epochs")
    health = gan_plots.training_health(model.history, d / f"{prefix}-health.png",
                                       f"{model_id} on {dataset}: training health")
    per_epoch = gan_plots.samples_per_epoch(model.snapshots, d / f"{prefix}-per-epoch.png",
                                            title=f"{model_id} on {dataset}: fixed noise per "
                                                  "epoch")
    plots = {f"{model_id}_samples_plot": str(grid), f"{model_id}_health_plot": str(health),
             f"{model_id}_per_epoch_plot": str(per_epoch)}
    return {"fd": fd, "seconds": secs, "plots": plots,
            "last_epoch": model.history[-1] if model.history else {}}


def _frechet_task(dataset: str, tier: str, epochs: int, cnn_epochs: int, quiet: bool,
                  n_train: int | None = None, n_eval: int | None = None,
                  dcgan_hp: dict[str, Any] | None = None) -> BenchResult:
    with one_thread():
        splits = load_dataset(dataset)
        if n_train is not None:
            splits = dataclasses.replace(splits, train=splits.train.subset(slice(0, n_train)))
        features, judge = feature_cnn(dataset, plots_dir().parent / "cache", epochs=cnn_epochs,
                                      n_train=n_train, quiet=quiet)
        test = splits.test.X[:n_eval]
        n = len(test)
        floor = frechet_distance(splits.train.X[:n], test, features)
        ours = _score("dcgan", splits, {"epochs": epochs, **(dcgan_hp or {})}, test, features,
                      quiet)
        run = peer_run(lambda: _score("gan", splits, {"epochs": epochs}, test, features, quiet))
    theirs = run.value
    acc = float(judge["test_accuracy"])
    cut = "".join(f", {k} {v}" for k, v in (dcgan_hp or {}).items())
    return BenchResult(
        "dcgan", tier, dataset, "Frechet distance on nnzoo CNN features", False,
        f"nnzoo fully connected GAN (gan/{dataset} recipe, same budget)", ours["fd"],
        theirs["fd"] if theirs else None, ours["seconds"],
        theirs["seconds"] if theirs else None, "training",
        f"dcgan/{dataset}{cut} and gan/{dataset} recipes, {epochs} epochs each on the first "
        f"{len(splits.train)} training images, seed 0; {n} samples against {n} test images; "
        f"floor (first {n} training images against them) {floor:.4g}; judge: nnzoo "
        f"cnn/{dataset} recipe, {cnn_epochs} epochs on the same training images, test "
        f"accuracy {acc:.2%}, 128 penultimate features; single-threaded",
        notes="Frechet distance between Gaussians fitted to the penultimate-layer features of "
              "a CNN that nnzoo trains on the same data (torchmetrics' "
              "FrechetInceptionDistance given that extractor; not Inception FID, not "
              "comparable with published FIDs); the floor is real against real images",
        extra={"floor": floor, "judge_test_accuracy": acc, "judge_epochs": cnn_epochs,
               "n_train": len(splits.train), "n_samples": n,
               "dcgan_last_epoch": ours["last_epoch"], **ours["plots"],
               **({**theirs["plots"], "gan_last_epoch": theirs["last_epoch"]}
                  if theirs else {})},
        status=run.status)


#: The full tier's budget on a 2-core CPU shared with other jobs, single-threaded: the
#: first 12,000 training images, 3 epochs of each GAN (the DCGAN at width 32 instead of the
#: recipe's 64), a 2-epoch judge, 5,000 samples against 5,000 test images.
FULL = {"epochs": 3, "cnn_epochs": 2, "n_train": 12_000, "n_eval": 5000,
        "dcgan_hp": {"width": 32}}


@bench_task("dcgan", "quick", "digits")
def dcgan_digits(quiet: bool) -> BenchResult:
    return _frechet_task("digits", "quick", epochs=30, cnn_epochs=15, quiet=quiet)


@bench_task("dcgan", "full", "mnist")
def dcgan_mnist(quiet: bool) -> BenchResult:
    return _frechet_task("mnist", "full", quiet=quiet, **FULL)  # type: ignore[arg-type]


@bench_task("dcgan", "full", "fashion-mnist")
def dcgan_fashion_mnist(quiet: bool) -> BenchResult:
    return _frechet_task("fashion-mnist", "full", quiet=quiet, **FULL)  # type: ignore[arg-type]
