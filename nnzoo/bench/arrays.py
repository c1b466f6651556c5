"""Tensors to the NumPy arrays the peer libraries take."""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch

from nnzoo.core.errors import InputError
from nnzoo.data import load_dataset
from nnzoo.data.base import Splits


def flat(t: torch.Tensor, dtype: type | None = None) -> np.ndarray:
    """``t`` as a NumPy matrix, one row per sample (``(N, ...)`` flattened to ``(N, D)``)."""
    a = t.reshape(len(t), -1).numpy()
    return a if dtype is None else a.astype(dtype)


def numpy_splits(name: str, dtype: type | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train, y_train, X_test, y_test)`` of dataset ``name``, features flattened."""
    s = load_dataset(name)
    return (flat(s.train.X, dtype), targets(s).numpy(), flat(s.test.X, dtype),
            targets(s, "test").numpy())


def targets(splits: Splits, part: Literal["train", "val", "test"] = "train") -> torch.Tensor:
    """The targets of split ``part``, for a task whose dataset always has them.

    :raises InputError: when that split has none.
    """
    y = getattr(splits, part).y
    if y is None:
        raise InputError(f"dataset {splits.name!r} has no {part} targets")
    return y
