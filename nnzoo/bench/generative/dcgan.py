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

from typing import Any

import torch

from nnzoo.bench.generative.frechet import feature_cnn, frechet_distance
from nnzoo.bench.generative.gan import fit_recipe
from nnzoo.bench.runner import BenchResult, bench_task, one_thread, peer_run, plots_dir
from nnzoo.data import load_dataset
from nnzoo.models.generative import gan_plots


def _score(model_id: str, dataset: str, epochs: int, test: torch.Tensor, features: Any,
           quiet: bool) -> dict[str, Any]:
    """Train ``model_id``'s recipe ``dataset`` for ``epochs``; its samples' distance to
    ``test`` and its plots."""
    splits = load_dataset(dataset)
    model, _, secs = fit_recipe(model_id, dataset, {"epochs": epochs}, seed=0, quiet=quiet,
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


def _frechet_task(dataset: str, tier: str, epochs: int, cnn_epochs: int,
                  quiet: bool) -> BenchResult:
    with one_thread():
        splits = load_dataset(dataset)
        features, cnn = feature_cnn(dataset, plots_dir().parent / "cache", epochs=cnn_epochs,
                                    quiet=quiet)
        test = splits.test.X
        n = len(test)
        floor = frechet_distance(splits.train.X[:n], test, features)
        ours = _score("dcgan", dataset, epochs, test, features, quiet)
        run = peer_run(lambda: _score("gan", dataset, epochs, test, features, quiet))
    theirs = run.value
    acc = float(cnn["test"]["accuracy"])
    return BenchResult(
        "dcgan", tier, dataset, "Frechet distance on nnzoo CNN features", False,
        f"nnzoo fully connected GAN (gan/{dataset} recipe, same epochs)", ours["fd"],
        theirs["fd"] if theirs else None, ours["seconds"],
        theirs["seconds"] if theirs else None, "training",
        f"dcgan/{dataset} and gan/{dataset} recipes cut to {epochs} epochs each, seed 0; "
        f"{n} samples against the {n} test images; floor (first {n} training images against "
        f"the test images) {floor:.4g}; judge: nnzoo cnn/{dataset} recipe, {cnn_epochs} "
        f"epochs, test accuracy {acc:.2%}, 128 penultimate features; single-threaded",
        notes="Frechet distance between Gaussians fitted to the penultimate-layer features of "
              "a CNN that nnzoo trains on the same data (torchmetrics' "
              "FrechetInceptionDistance given that extractor; not Inception FID, not "
              "comparable with published FIDs); the floor is real against real images",
        extra={"floor": floor, "judge_test_accuracy": acc, "judge_epochs": cnn_epochs,
               "n_samples": n, "dcgan_last_epoch": ours["last_epoch"],
               **ours["plots"],
               **({**theirs["plots"], "gan_last_epoch": theirs["last_epoch"]}
                  if theirs else {})},
        status=run.status)


@bench_task("dcgan", "quick", "digits")
def dcgan_digits(quiet: bool) -> BenchResult:
    return _frechet_task("digits", "quick", epochs=30, cnn_epochs=15, quiet=quiet)


@bench_task("dcgan", "full", "mnist")
def dcgan_mnist(quiet: bool) -> BenchResult:
    return _frechet_task("mnist", "full", epochs=3, cnn_epochs=2, quiet=quiet)


@bench_task("dcgan", "full", "fashion-mnist")
def dcgan_fashion_mnist(quiet: bool) -> BenchResult:
    return _frechet_task("fashion-mnist", "full", epochs=3, cnn_epochs=2, quiet=quiet)
