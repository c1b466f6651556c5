"""The one-dimensional Gaussian of Goodfellow et al.'s GAN figures: samples of N(4, 1.25).

The classic toy of adversarial training: the generator must learn to turn noise into draws
of a Gaussian with mean 4 and standard deviation 1.25, and its samples' mean and standard
deviation say at once how close it came. The data are generated (no download): one call of
``numpy.random.default_rng(seed).normal(mean, std, n + n_val + n_test)``, split in that
order (train, validation, test). Samples are float32 of shape ``(N, 1)``; there are no
labels (``task = "unsupervised"``).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from nnzoo.core.errors import ConfigError
from nnzoo.data.base import ArrayDataset, Splits
from nnzoo.data.registry import register_dataset

#: The target distribution of the toy: N(MEAN, STD**2).
MEAN, STD = 4.0, 1.25


def _count(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def gaussian_1d(n: int = 10000, *, n_val: int = 1000, n_test: int = 1000, mean: float = MEAN,
                std: float = STD, seed: int = 0) -> Splits:
    """Draws of the 1-D Gaussian ``N(mean, std**2)`` (default N(4, 1.25)).

    :param n: training samples; :param n_val: validation samples; :param n_test: test samples.
    :param mean: the Gaussian's mean.
    :param std: its standard deviation (> 0).
    :param seed: seeds the draw.
    :raises ConfigError: on a count below its minimum, a non-finite mean or a std <= 0.
    """
    a, b, c = _count("n", n, 2), _count("n_val", n_val, 2), _count("n_test", n_test, 2)
    if not isinstance(mean, (int, float)) or isinstance(mean, bool) or not math.isfinite(mean):
        raise ConfigError(f"mean must be a finite number, got {mean!r}")
    if not isinstance(std, (int, float)) or isinstance(std, bool) or not (0 < std < math.inf):
        raise ConfigError(f"std must be a finite number > 0, got {std!r}")
    rng = np.random.default_rng(_count("seed", seed, 0))
    X = torch.from_numpy(rng.normal(mean, std, a + b + c).astype(np.float32)).reshape(-1, 1)
    return Splits(
        name="gaussian-1d", train=ArrayDataset(X[:a]), val=ArrayDataset(X[a:a + b]),
        test=ArrayDataset(X[a + b:]), task="unsupervised", n_classes=None, sample_shape=(1,),
        description=f"Draws of N({mean}, {std}^2), seed {seed}, split in generation order: "
                    f"train {a}, validation {b}, test {c}.")


register_dataset("gaussian-1d", gaussian_1d,
                 description="generated: draws of the 1-D Gaussian N(4, 1.25^2) (GAN toy)")
