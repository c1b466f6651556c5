"""Tensors to the NumPy arrays the peer libraries take."""

from __future__ import annotations

import numpy as np
import torch

from nnzoo.data import load_dataset


def flat(t: torch.Tensor, dtype: type | None = None) -> np.ndarray:
    """``t`` as a NumPy matrix, one row per sample (``(N, ...)`` flattened to ``(N, D)``)."""
    a = t.reshape(len(t), -1).numpy()
    return a if dtype is None else a.astype(dtype)


def numpy_splits(name: str, dtype: type | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train, y_train, X_test, y_test)`` of dataset ``name``, features flattened."""
    s = load_dataset(name)
    return flat(s.train.X, dtype), s.train.y.numpy(), flat(s.test.X, dtype), s.test.y.numpy()
