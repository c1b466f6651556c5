"""Embedded scikit-learn datasets: digits (8x8 images), iris and wine (tables).

They ship with scikit-learn, so they need no download and back every offline default
recipe, the quick benchmark tier and the tests.

The split is FIXED: it never depends on a training seed, so every model, seed and peer
library sees the same train/val/test samples. Procedure (one stratified split, then
another): ``sklearn.model_selection.train_test_split(X, y, test_size=0.2, stratify=y,
random_state=0)`` gives the test set; the same call with ``test_size=0.1`` on the rest gives
the validation set.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from nnzoo.core.config import require
from nnzoo.data.base import ArrayDataset, Splits, check_finite, check_labels, check_shape
from nnzoo.data.registry import register_dataset

TEST_FRACTION = 0.2
VAL_FRACTION = 0.1
SPLIT_SEED = 0


def _stratified_split(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices (train, val, test) of the fixed stratified 70/10/20-style split."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(y))
    rest, test = train_test_split(idx, test_size=TEST_FRACTION, stratify=y, random_state=SPLIT_SEED)
    train, val = train_test_split(
        rest, test_size=VAL_FRACTION, stratify=y[rest], random_state=SPLIT_SEED
    )
    return train, val, test


def _splits(
    name: str,
    X: np.ndarray,
    y: np.ndarray,
    sample_shape: tuple[int, ...],
    classes: tuple[str, ...],
    description: str,
) -> Splits:
    Xt = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32)).reshape(-1, *sample_shape)
    yt = torch.from_numpy(np.asarray(y, dtype=np.int64))
    check_shape(Xt, (None, *sample_shape), name)
    check_finite(Xt, name)
    check_labels(yt, len(classes), name)
    full = ArrayDataset(Xt, yt)
    train, val, test = _stratified_split(X, np.asarray(y))
    split = (
        f"Fixed stratified split (independent of any training seed): test = "
        f"{int(TEST_FRACTION * 100)} % ({len(test)}), then validation = "
        f"{int(VAL_FRACTION * 100)} % of the rest ({len(val)}), train = {len(train)}; "
        f"sklearn train_test_split(stratify=y, random_state={SPLIT_SEED})."
    )
    return Splits(
        name=name,
        train=full.subset(np.sort(train)),
        val=full.subset(np.sort(val)),
        test=full.subset(np.sort(test)),
        task="classification",
        n_classes=len(classes),
        sample_shape=sample_shape,
        classes=classes,
        description=f"{description} {split}",
    )


def load_digits(size: int = 8) -> Splits:
    """scikit-learn's handwritten digits: 1797 grey 8x8 images of the digits 0-9.

    The UCI "Optical Recognition of Handwritten Digits" test set (Alpaydin & Kaynak, 1998),
    as bundled with scikit-learn. Pixel values 0..16 are scaled to ``[0, 1]``; ``X`` has
    shape ``(N, 1, 8, 8)`` float32, ``y`` int64.

    Split (fixed, the same for every seed): test = 20 % stratified (360 images), validation
    = 10 % of the remaining 1437 stratified (144), train = the other 1293; both by
    ``sklearn.model_selection.train_test_split(..., stratify=y, random_state=0)``.

    :param size: side of the images: 8 (as shipped) or larger, resized bilinearly (e.g. 32 for
        the image nets whose pools need at least 16x16 or 32x32 pixels).
    :raises ConfigError: for a size below 8.
    """
    from sklearn.datasets import load_digits as sk_load_digits

    require(isinstance(size, int) and size >= 8,
            f"digits size must be an integer >= 8 (the images are 8x8), got {size!r}")
    d = sk_load_digits()
    X = d.images.astype(np.float32) / 16.0  # (1797, 8, 8), 0..16 -> [0, 1]
    if size != 8:
        X = F.interpolate(torch.from_numpy(X)[:, None], size=(size, size), mode="bilinear",
                          align_corners=False)[:, 0].clamp(0, 1).numpy()
    return _splits(
        "digits",
        X,
        d.target,
        (1, size, size),
        tuple(str(c) for c in range(10)),
        "scikit-learn digits: 1797 8x8 images, pixels scaled from 0..16 to [0, 1]"
        + (f", resized bilinearly to {size}x{size}." if size != 8 else "."),
    )


def load_iris() -> Splits:
    """Fisher's iris (1936): 150 flowers, 4 measurements in cm, 3 species.

    Features are the raw measurements (float32, not standardized; fit a scaler on
    ``train`` if the model needs one). Same fixed stratified split procedure as
    :func:`load_digits`: test 30, validation 12, train 108.
    """
    from sklearn.datasets import load_iris as sk_load_iris

    d = sk_load_iris()
    return _splits(
        "iris",
        d.data,
        d.target,
        (4,),
        tuple(str(c) for c in d.target_names),
        "scikit-learn iris: 150 samples, 4 raw features (cm), 3 classes.",
    )


def load_wine() -> Splits:
    """UCI wine recognition (Forina et al.): 178 wines, 13 chemical measurements, 3 cultivars.

    Features are raw (float32, not standardized: their scales differ by three orders of
    magnitude, so fit a scaler on ``train``). Same fixed stratified split procedure as
    :func:`load_digits`: test 36, validation 15, train 127.
    """
    from sklearn.datasets import load_wine as sk_load_wine

    d = sk_load_wine()
    return _splits(
        "wine",
        d.data,
        d.target,
        (13,),
        tuple(str(c) for c in d.target_names),
        "scikit-learn wine: 178 samples, 13 raw features, 3 classes.",
    )


register_dataset("digits", load_digits,
                 description="scikit-learn digits: 1797 8x8 images, 10 classes")
register_dataset("iris", load_iris,
                 description="Fisher's iris: 150 samples, 4 features, 3 classes")
register_dataset("wine", load_wine,
                 description="UCI wine: 178 samples, 13 features, 3 classes")
