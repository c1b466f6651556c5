"""Two-dimensional toy classification sets, and the 10,000-image MNIST subset.

The 2-D sets are the pictures of kernel methods: a decision boundary, its margins and the
support vectors can be drawn on them. Each is drawn by scikit-learn's generators
(``make_moons``, ``make_circles``, ``make_blobs``) with a fixed ``seed``: one call makes
``n + n_val + n_test`` points, split in that order (train, validation, test). Features are
float32 of shape ``(N, 2)``, labels int64.

- ``moons``: two interleaving half circles (``noise`` = std of the Gaussian noise);
- ``circles``: a small circle inside a large one (``factor`` = ratio of the radii);
- ``blobs2d``: ``n_classes`` isotropic Gaussian blobs (``std`` each).

``mnist-10k``: the subset of MNIST that kernel SVMs are usually timed on: train = the first
10,000 official training images, val = the next 5,000, test = the 10,000 official test
images. It reuses :func:`nnzoo.data.mnist.load_mnist` (one read of the files).
"""

from __future__ import annotations

import os

import numpy as np
import torch

from nnzoo.core.errors import ConfigError
from nnzoo.data.base import ArrayDataset, Splits, check_finite
from nnzoo.data.mnist import MNIST, load_mnist
from nnzoo.data.registry import register_dataset


def _count(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _nonneg(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not np.isfinite(value) or value < 0:
        raise ConfigError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def _toy_splits(name: str, X: np.ndarray, y: np.ndarray, sizes: tuple[int, int, int],
                n_classes: int, description: str) -> Splits:
    Xt = check_finite(torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32)), name)
    yt = torch.from_numpy(np.asarray(y, dtype=np.int64))
    a, b, _ = sizes
    parts = [slice(0, a), slice(a, a + b), slice(a + b, None)]
    train, val, test = (ArrayDataset(Xt[s], yt[s]) for s in parts)
    return Splits(name=name, train=train, val=val, test=test, task="classification",
                  n_classes=n_classes, sample_shape=(2,),
                  classes=tuple(str(c) for c in range(n_classes)),
                  description=f"{description} Split in generation order: train {a}, "
                              f"validation {b}, test {sizes[2]}.")


def _sizes(n: int, n_val: int, n_test: int) -> tuple[int, int, int]:
    return _count("n", n, 2), _count("n_val", n_val, 0), _count("n_test", n_test, 0)


def moons(n: int = 300, *, n_val: int = 100, n_test: int = 200, noise: float = 0.2,
          seed: int = 0) -> Splits:
    """Two interleaving half moons (``sklearn.datasets.make_moons``), 2 classes.

    :param n: training points; :param n_val: validation points; :param n_test: test points.
    :param noise: standard deviation of the Gaussian noise added to every point.
    :param seed: seeds the generator.
    """
    from sklearn.datasets import make_moons

    sizes = _sizes(n, n_val, n_test)
    X, y = make_moons(sum(sizes), noise=_nonneg("noise", noise),
                      random_state=_count("seed", seed, 0))
    return _toy_splits("moons", X, y, sizes, 2,
                       f"Two interleaving half moons, Gaussian noise {noise}, seed {seed}.")


def circles(n: int = 300, *, n_val: int = 100, n_test: int = 200, noise: float = 0.1,
            factor: float = 0.5, seed: int = 0) -> Splits:
    """A circle inside a larger one (``sklearn.datasets.make_circles``), 2 classes.

    :param n: training points; :param n_val: validation points; :param n_test: test points.
    :param noise: standard deviation of the Gaussian noise.
    :param factor: radius of the inner circle relative to the outer one, in (0, 1).
    :param seed: seeds the generator.
    """
    from sklearn.datasets import make_circles

    sizes = _sizes(n, n_val, n_test)
    if not 0 < _nonneg("factor", factor) < 1:
        raise ConfigError(f"factor must lie in (0, 1), got {factor!r}")
    X, y = make_circles(sum(sizes), noise=_nonneg("noise", noise), factor=factor,
                        random_state=_count("seed", seed, 0))
    return _toy_splits("circles", X, y, sizes, 2,
                       f"Concentric circles, radius ratio {factor}, noise {noise}, seed {seed}.")


def blobs2d(n: int = 300, *, n_val: int = 100, n_test: int = 200, n_classes: int = 3,
            std: float = 1.0, seed: int = 0) -> Splits:
    """Isotropic Gaussian blobs in the plane (``sklearn.datasets.make_blobs``).

    :param n: training points; :param n_val: validation points; :param n_test: test points.
    :param n_classes: number of blobs (classes), centres drawn in [-10, 10]^2.
    :param std: standard deviation of each blob.
    :param seed: seeds the generator.
    """
    from sklearn.datasets import make_blobs

    sizes = _sizes(n, n_val, n_test)
    k = _count("n_classes", n_classes, 2)
    X, y = make_blobs(sum(sizes), n_features=2, centers=k, cluster_std=_nonneg("std", std),
                      random_state=_count("seed", seed, 0))
    return _toy_splits("blobs2d", X, y, sizes, k,
                       f"{k} Gaussian blobs in 2-D, std {std}, seed {seed}.")


def mnist_10k(*, root: str | os.PathLike[str] | None = None, download: bool | None = None
              ) -> Splits:
    """MNIST, 10,000 training images: train = official training images 0-9,999, val =
    10,000-14,999, test = the 10,000 official test images (float32 in [0, 1], (N, 1, 28, 28)).

    :param root: data root (default :func:`nnzoo.data.data_root`).
    :param download: False never downloads; None downloads unless ``NNZOO_OFFLINE=1``.
    """
    full = load_mnist("mnist", root=root, download=download, val_size=50000)
    rest = full.val                                            # training images 10,000-59,999
    return Splits(
        name="mnist-10k", train=full.train, val=rest.subset(slice(0, 5000)), test=full.test,
        task="classification", n_classes=10, sample_shape=(1, 28, 28), classes=full.classes,
        description="MNIST subset: train = the first 10,000 official training images, val = "
                    "the next 5,000, test = the 10,000 official test images; pixels / 255.")


register_dataset("moons", moons, description="two interleaving half moons, 2-D, 2 classes "
                 "(generated)")
register_dataset("circles", circles, description="a circle inside a circle, 2-D, 2 classes "
                 "(generated)")
register_dataset("blobs2d", blobs2d, description="Gaussian blobs in 2-D, 3 classes by default "
                 "(generated)")
register_dataset("mnist-10k", mnist_10k, source=MNIST,
                 description="MNIST, first 10k training images / next 5k val / 10k test")
