"""Benchmark of the generative deconvolutional net, and the Zeiler-Fergus pictures.

``deconvnet`` / ``digits`` (quick): the test images' reconstruction error (mean squared
error per pixel) of the deconvnet's default recipe, whose code is the class one-hot plus an
8-number style, beside scikit-learn's PCA with as many components as the code has numbers
(18), the best *linear* code of that size (PCA does not get the label for free; the deconvnet
does, and spends 8 learned numbers on the rest).

The same task draws the **Zeiler & Fergus 2014** visualisation of a trained nnzoo CNN: the
``cnn`` digits recipe (the Frechet judge of :mod:`nnzoo.bench.generative.dcgan`, cached
under ``<out>/cache/``) has the maps of its last convolutional stage projected back to
pixels through unpooling with switches, rectification and transposed filters
(:mod:`nnzoo.models.generative.zeiler_fergus`); the figure is the row's
``zeiler_fergus_plot`` and is reached from the command line by ``nnzoo bench deconvnet``.
Also saved: the deconvnet's class x style sample grid.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from nnzoo.bench.arrays import flat, targets
from nnzoo.bench.generative.frechet import feature_cnn
from nnzoo.bench.generative.gan import fit_recipe
from nnzoo.bench.runner import BenchResult, bench_task, one_thread, peer_run, plots_dir, timed
from nnzoo.data import load_dataset
from nnzoo.models.generative.deconvnet_plots import class_by_style_grid
from nnzoo.models.generative.zeiler_fergus import zeiler_fergus_plot


@bench_task("deconvnet", "quick", "digits")
def deconvnet_digits(quiet: bool) -> BenchResult:
    from sklearn.decomposition import PCA

    with one_thread():
        splits = load_dataset("digits")
        model, _, secs = fit_recipe("deconvnet", "digits", seed=0, quiet=quiet, splits=splits)
        test, y = splits.test.X, targets(splits, "test")
        mse = float(F.mse_loss(model.reconstruct(test, y), test))
        k = model.config.n_classes + model.config.style_dim

        def pca() -> float:
            p = PCA(n_components=k, random_state=0).fit(flat(splits.train.X))
            rec = p.inverse_transform(p.transform(flat(test)))
            return float(((torch.from_numpy(rec).float() - test.reshape(len(test), -1)) ** 2
                          ).mean())

        run = peer_run(lambda: timed(pca))
        d = plots_dir()
        grid = class_by_style_grid(model, d / "deconvnet-digits-samples.png",
                                   title="deconvnet on digits: class (rows) x style (columns)")
        features, cnn = feature_cnn("digits", d.parent / "cache", epochs=15, quiet=quiet)
        zf = zeiler_fergus_plot(features.cnn.net.features, splits.val.X,
                                d / "zeiler-fergus-cnn-digits.png",
                                title="nnzoo cnn on digits: last stage's maps projected to "
                                      "pixels (Zeiler & Fergus 2014)")
    peer_value, peer_secs = run.value if run.value else (None, None)
    return BenchResult(
        "deconvnet", "quick", "digits", "test reconstruction mse", False,
        f"scikit-learn PCA, {k} components (linear code of the same size)", mse, peer_value,
        secs, peer_secs, "fit",
        f"deconvnet/digits recipe: code = 10-class one-hot + {model.config.style_dim}-d "
        f"style from a conv encoder, 40 epochs, Adam 1e-3, seed 0; PCA fitted on the same "
        f"{len(splits.train)} training images; single-threaded",
        notes="the deconvnet is given each image's label and learns the rest of the code; "
              "PCA gets no label; mean squared error per pixel on the 360 test images, pixels "
              "in [0, 1]",
        extra={"samples_plot": str(grid), "zeiler_fergus_plot": str(zf),
               "zeiler_fergus_cnn_test_accuracy": float(cnn["test_accuracy"])},
        status=run.status)
