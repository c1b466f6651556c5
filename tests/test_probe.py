"""The linear probe scores what a code carries about the class."""

from __future__ import annotations

import numpy as np
import pytest

from nnzoo.bench.generative.probe import linear_probe
from nnzoo.core.errors import InputError


def test_probe_reads_a_class_carrying_code_and_not_noise() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 600)
    means = rng.normal(0, 4, (3, 5))
    codes = means[y] + rng.normal(0, 1, (600, 5))
    assert linear_probe(codes[:400], y[:400], codes[400:], y[400:]) > 0.9
    noise = rng.normal(0, 1, (600, 5))
    assert linear_probe(noise[:400], y[:400], noise[400:], y[400:]) < 0.5


def test_probe_refuses_mismatched_codes() -> None:
    with pytest.raises(InputError, match=r"\(n, d\)"):
        linear_probe(np.zeros((4, 3)), np.zeros(4), np.zeros((4, 2)), np.zeros(4))
    with pytest.raises(InputError, match="labels"):
        linear_probe(np.zeros((4, 3)), np.zeros(3), np.zeros((4, 3)), np.zeros(4))
