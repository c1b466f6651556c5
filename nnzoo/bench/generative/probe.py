"""The linear probe: how much of the class a learned code carries.

Logistic regression on the codes of the training images, scored on the codes of the test
images (the usual yardstick of unsupervised features). Its settings are fixed a priori, never
chosen on a test score: codes standardised with the training codes' mean and deviation, an L2
penalty ``C = 1``, L-BFGS to convergence.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from nnzoo.core.errors import InputError


def linear_probe(train_codes: torch.Tensor | np.ndarray, train_y: torch.Tensor | np.ndarray,
                 test_codes: torch.Tensor | np.ndarray, test_y: torch.Tensor | np.ndarray,
                 *, max_iter: int = 2000) -> float:
    """Test accuracy of logistic regression fitted on ``(train_codes, train_y)``.

    :param train_codes: ``(n, d)`` codes of the training images.
    :param train_y: ``(n,)`` their class labels.
    :param test_codes: ``(m, d)`` codes of the test images, same ``d``.
    :param test_y: ``(m,)`` their labels.
    :param max_iter: L-BFGS iterations at most.
    :return: the fraction of test codes classified correctly.
    :raises InputError: on codes that are not two-dimensional, of different widths, or of
        another length than their labels.
    """
    a, b = np.asarray(train_codes, dtype=np.float64), np.asarray(test_codes, dtype=np.float64)
    ya, yb = np.asarray(train_y).ravel(), np.asarray(test_y).ravel()
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise InputError(f"linear probe: expected codes (n, d) and (m, d), got {a.shape} and "
                         f"{b.shape}")
    if len(a) != len(ya) or len(b) != len(yb):
        raise InputError(f"linear probe: {len(a)} and {len(b)} codes but {len(ya)} and "
                         f"{len(yb)} labels")
    probe = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=max_iter))
    probe.fit(a, ya)
    return float((probe.predict(b) == yb).mean())


__all__ = ["linear_probe"]
