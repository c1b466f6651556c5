"""The Frechet distance on nnzoo CNN features: how far generated images are from real ones.

Heusel et al. 2017 (https://arxiv.org/abs/1706.08500) compare two image sets by the
Frechet (2-Wasserstein) distance between Gaussians fitted to their features,

    d^2 = ||mu_1 - mu_2||^2 + Tr(S_1 + S_2 - 2 (S_1 S_2)^{1/2}),

with Inception-v3 features of 299x299 colour images. Inception knows nothing of 28x28 grey
digits, so nnzoo takes the features from a classifier it trains itself **on the same data**:
the ``cnn`` model's recipe for that dataset (the ``convnet`` architecture), whose
penultimate layer (the ReLU of the hidden dense layer, 128 units) is the feature
(:class:`CNNFeatures`). It is therefore *not* FID and never called so: the figures are a
"Frechet distance on nnzoo CNN features" and compare only with each other, on one dataset
and one trained classifier.

The distance itself is computed by torchmetrics' ``FrechetInceptionDistance`` given that
feature extractor (its matrix square root is torchmetrics', not nnzoo's).

Every figure is reported beside its **floor**: the distance between as many training
images and test images (real against real), what a perfect generator would score with
that sample size.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from nnzoo.core.errors import ConfigError, InputError
from nnzoo.models.vision.cnn import CNN, ConvNet


class CNNFeatures(nn.Module):
    """Penultimate-layer features of a trained nnzoo ``cnn`` (``convnet`` architecture):
    the convolutional stages, then the hidden dense layer and its ReLU (dropout off).

    :param cnn: the trained classifier (kept in eval mode; its weights are not changed).
    """

    def __init__(self, cnn: CNN) -> None:
        super().__init__()
        if not isinstance(cnn, CNN) or not isinstance(cnn.net, ConvNet):
            raise ConfigError("Frechet features need a trained nnzoo cnn with the convnet "
                              "architecture")
        self.cnn = cnn.eval()
        self.num_features = int(cnn.config.hidden)
        self.sample_shape = tuple(cnn.config.sample_shape)

    def train(self, mode: bool = True) -> CNNFeatures:
        """Stays in eval mode whatever is asked (batch norm and dropout frozen)."""
        super().train(False)
        return self

    @torch.no_grad()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        net = self.cnn.net
        h = net.features(x.to(torch.float32))
        return net.head[:-2](h)  # Flatten, Dropout, Linear, ReLU: (n, hidden)


def _images(x: torch.Tensor, what: str, shape: tuple[int, ...]) -> torch.Tensor:
    if not isinstance(x, torch.Tensor) or not x.is_floating_point() or x.dim() != 4 \
            or tuple(x.shape[1:]) != shape:
        got = (f"{tuple(x.shape)} {x.dtype}" if isinstance(x, torch.Tensor)
               else type(x).__name__)
        raise InputError(f"Frechet distance: {what} must be float images (n, "
                         f"{', '.join(map(str, shape))}), got {got}")
    if len(x) < 2:
        raise InputError(f"Frechet distance: {what} need at least 2 images, got {len(x)}")
    if not bool(torch.isfinite(x).all()) or float(x.min()) < 0 or float(x.max()) > 1:
        raise InputError(f"Frechet distance: {what} must be finite and in [0, 1]")
    return x


@torch.no_grad()
def frechet_distance(real: torch.Tensor, fake: torch.Tensor, features: nn.Module,
                     batch_size: int = 500) -> float:
    """The Frechet distance between the ``features`` of two image sets, by torchmetrics.

    :param real: images ``(n, C, H, W)`` in ``[0, 1]``.
    :param fake: images of the same shape (any number >= 2).
    :param features: a module mapping a batch of images to ``(batch, d)`` features, with a
        ``num_features`` attribute and, to check the images, ``sample_shape``
        (:class:`CNNFeatures`).
    :param batch_size: images per feature batch.
    :returns: ``||mu_r - mu_f||^2 + Tr(S_r + S_f - 2 (S_r S_f)^{1/2})`` in feature units.
    :raises InputError: on images of another shape, outside ``[0, 1]``, or fewer than 2.
    """
    from torchmetrics.image.fid import FrechetInceptionDistance

    shape = tuple(getattr(features, "sample_shape", real.shape[1:]))
    real, fake = _images(real, "real images", shape), _images(fake, "generated images", shape)
    metric = FrechetInceptionDistance(feature=features, normalize=True)
    for x, is_real in ((real, True), (fake, False)):
        for i in range(0, len(x), batch_size):
            metric.update(x[i:i + batch_size], real=is_real)
    return float(metric.compute())


def feature_cnn(dataset: str, cache: Path, *, epochs: int, n_train: int | None = None,
                quiet: bool = True) -> tuple[CNNFeatures, dict[str, Any]]:
    """The feature extractor for ``dataset``: nnzoo's ``cnn`` recipe of that name trained at
    seed 0 for ``epochs`` epochs on the first ``n_train`` training images (all when None),
    once per cache folder: its weights are kept in ``cache`` and reused.

    :returns: the features and ``{"test_accuracy", "epochs", "n_train"}`` of the CNN (how
        good a judge it is).
    """
    import dataclasses

    from nnzoo.bench.generative.gan import fit_recipe
    from nnzoo.core.io import load_checkpoint, save_checkpoint
    from nnzoo.data import load_dataset
    from nnzoo.recipes import get_recipe
    from nnzoo.recipes.runner import build_model
    from nnzoo.train.engine import evaluate

    splits = load_dataset(dataset)
    if n_train is not None:
        splits = dataclasses.replace(splits, train=splits.train.subset(slice(0, n_train)))
    path = Path(cache) / f"frechet-cnn-{dataset}-{n_train or 'all'}-{epochs}ep.safetensors"
    if path.exists():
        tensors, state = load_checkpoint(path)
        hp, _ = get_recipe("cnn", dataset).resolve({"epochs": epochs})
        model = build_model("cnn", hp, splits, 0)
        model.load_state_dict(tensors)
        info = state["judge"]
    else:
        model, _, _ = fit_recipe("cnn", dataset, {"epochs": epochs}, seed=0, quiet=quiet,
                                 splits=splits)
        info = {"test_accuracy": evaluate(model, splits.test)["accuracy"], "epochs": epochs,
                "n_train": len(splits.train)}
        path.parent.mkdir(parents=True, exist_ok=True)
        save_checkpoint(path, model.state_dict(), {"judge": info})
    return CNNFeatures(model.eval()), info  # type: ignore[arg-type]


__all__ = ["CNNFeatures", "feature_cnn", "frechet_distance"]
