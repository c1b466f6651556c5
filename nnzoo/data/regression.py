"""Embedded regression datasets: Friedman #1 (generated) and scikit-learn's diabetes.

Both need no download and back the regression recipes and quick benchmarks of the models that
regress (the extreme learning machine, the RBF network). ``X`` is float32 ``(N, 10)``, ``y``
float32 ``(N, 1)``; the task is ``"regression"``.

The splits are FIXED (independent of any training seed):

- ``friedman1``: J. H. Friedman, "Multivariate adaptive regression splines", Annals of
  Statistics 19(1), 1991: ``y = 10 sin(pi x1 x2) + 20 (x3 - 0.5)^2 + 10 x4 + 5 x5 + noise``
  with ``x ~ U[0, 1]^10`` (five features are irrelevant) and Gaussian noise of standard
  deviation 1, by ``sklearn.datasets.make_friedman1(n_samples=2000, noise=1.0,
  random_state=0)``; the first 1400 samples train, the next 200 validate, the last 400 test
  (the samples are i.i.d., so the order is random). The best possible test MSE is the noise
  variance, 1.0.
- ``diabetes``: B. Efron, T. Hastie, I. Johnstone, R. Tibshirani, "Least angle regression",
  Annals of Statistics 32(2), 2004: 442 patients, 10 baseline variables (as scikit-learn
  ships them: centred and scaled), the target a measure of disease progression one year
  later (25..346). ``train_test_split(test_size=0.2, random_state=0)`` gives the test set
  (89), the same call with ``test_size=0.1`` on the rest the validation set (36), the other
  317 train.
"""

from __future__ import annotations

import numpy as np
import torch

from nnzoo.data.base import ArrayDataset, Splits, check_finite, check_shape
from nnzoo.data.registry import register_dataset

SPLIT_SEED = 0
FRIEDMAN_SIZES = (1400, 200, 400)


def _splits(name: str, X: np.ndarray, y: np.ndarray, parts: tuple[np.ndarray, ...],
            description: str) -> Splits:
    Xt = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
    yt = torch.from_numpy(np.asarray(y, dtype=np.float32)).reshape(-1, 1)  # (N, 1)
    check_shape(Xt, (None, X.shape[1]), name)
    check_finite(Xt, name)
    check_finite(yt, name, "targets")
    full = ArrayDataset(Xt, yt)
    train, val, test = (full.subset(np.sort(p)) for p in parts)
    return Splits(name=name, train=train, val=val, test=test, task="regression",
                  n_classes=None, sample_shape=(X.shape[1],), description=description)


def load_friedman1() -> Splits:
    """Friedman #1: 2000 samples of 10 uniform features, noise sd 1; 1400/200/400 in order."""
    from sklearn.datasets import make_friedman1

    X, y = make_friedman1(n_samples=sum(FRIEDMAN_SIZES), noise=1.0, random_state=SPLIT_SEED)
    a, b, _ = FRIEDMAN_SIZES
    idx = np.arange(len(y))
    return _splits("friedman1", X, y, (idx[:a], idx[a:a + b], idx[a + b:]),
                   "Friedman #1 regression (make_friedman1(2000, noise=1.0, random_state=0)): "
                   "10 features in [0, 1], 5 relevant; train/val/test = first 1400 / next 200 "
                   "/ last 400 samples. Noise variance (best MSE) 1.0.")


def load_diabetes() -> Splits:
    """scikit-learn's diabetes: 442 samples, 10 scaled features; fixed 317/36/89 split."""
    from sklearn.datasets import load_diabetes as sk_load_diabetes
    from sklearn.model_selection import train_test_split

    X, y = sk_load_diabetes(return_X_y=True)
    idx = np.arange(len(y))
    rest, test = train_test_split(idx, test_size=0.2, random_state=SPLIT_SEED)
    train, val = train_test_split(rest, test_size=0.1, random_state=SPLIT_SEED)
    return _splits("diabetes", X, y, (train, val, test),
                   "Diabetes progression (Efron et al. 2004, scikit-learn bundled): 442 "
                   "patients, 10 scaled features, target 25..346; fixed split "
                   "train_test_split(test_size=0.2, random_state=0) for test (89), then "
                   "test_size=0.1 of the rest for validation (36), train 317.")


register_dataset("friedman1", load_friedman1,
                 description="Friedman #1 regression: 2000 samples, 10 features (5 relevant), "
                             "noise sd 1", aliases=("friedman",))
register_dataset("diabetes", load_diabetes,
                 description="scikit-learn diabetes regression: 442 patients, 10 features")
