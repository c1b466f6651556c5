"""The NTM / DNC addressing steps against their formulas on small hand-computed cases."""

from __future__ import annotations

import math

import pytest
import torch

from nnzoo.core.errors import InputError
from nnzoo.models.memory.addressing import (
    address,
    circular_shift,
    content_weights,
    cosine_similarity,
    interpolate,
    sharpen,
)


def _t(*rows: list[float]) -> torch.Tensor:
    return torch.tensor(rows, dtype=torch.float64)


def test_content_weights_hand_computed() -> None:
    # rows [1, 0], [0, 1], [1, 1], [0, 0]; key [2, 0] (its scale must not matter); beta 2
    memory = _t([1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]).unsqueeze(0)
    key = _t([2.0, 0.0]).unsqueeze(0)
    w = content_weights(memory, key, torch.tensor([[2.0]], dtype=torch.float64), eps=1e-12)
    # cosines 1, 0, 1/sqrt(2), 0 (the zero row: 0 by the epsilon)
    e = [math.exp(2 * 1.0), math.exp(0.0), math.exp(2 / math.sqrt(2)), math.exp(0.0)]
    expected = torch.tensor([v / sum(e) for v in e], dtype=torch.float64)
    torch.testing.assert_close(w[0, 0], expected, rtol=0, atol=1e-9)
    # by hand: e^2 / (e^2 + 2 + e^sqrt2) = 7.389056 / 13.502306
    assert w[0, 0, 0].item() == pytest.approx(7.389056 / 13.502306, abs=1e-6)


def test_cosine_epsilon_is_small_and_zero_rows_are_finite() -> None:
    memory = torch.tensor([[[3.0, 4.0], [0.0, 0.0]]])
    key = torch.tensor([[[4.0, 3.0]]], requires_grad=True)
    sim = cosine_similarity(memory, key)
    # 24 / 25 for the first row, to within eps / ||u||^2
    assert sim[0, 0, 0].item() == pytest.approx(24 / 25, abs=1e-6)
    assert sim[0, 0, 1].item() == 0.0
    sim.sum().backward()
    assert key.grad is not None and torch.isfinite(key.grad).all()


def test_beta_zero_is_uniform_and_large_beta_is_argmax() -> None:
    torch.manual_seed(0)
    memory, key = torch.randn(2, 5, 3), torch.randn(2, 1, 3)
    flat = content_weights(memory, key, torch.zeros(2, 1))
    torch.testing.assert_close(flat, torch.full((2, 1, 5), 0.2))
    sharp = content_weights(memory, key, torch.full((2, 1), 1e4))
    best = cosine_similarity(memory, key).argmax(-1)
    assert torch.equal(sharp.argmax(-1), best)
    assert (sharp.max(-1).values > 0.99).all()


def test_interpolation_formula() -> None:
    w_c, w_prev = _t([1.0, 0.0, 0.0]).view(1, 1, 3), _t([0.0, 0.0, 1.0]).view(1, 1, 3)
    out = interpolate(w_c, w_prev, torch.tensor([[0.25]], dtype=torch.float64))
    torch.testing.assert_close(out, _t([0.25, 0.0, 0.75]).view(1, 1, 3))


@pytest.mark.parametrize(("s", "expected"), [
    ([0.0, 0.0, 1.0], [0.4, 0.1, 0.2, 0.3]),   # +1: row i -> i + 1, row 3 wraps to 0
    ([1.0, 0.0, 0.0], [0.2, 0.3, 0.4, 0.1]),   # -1: row 0 wraps to 3
    ([0.0, 1.0, 0.0], [0.1, 0.2, 0.3, 0.4]),   # 0: unchanged
])
def test_circular_shift_wraps_around(s: list[float], expected: list[float]) -> None:
    w = _t([0.1, 0.2, 0.3, 0.4]).view(1, 1, 4)
    out = circular_shift(w, _t(s).view(1, 1, 3))
    torch.testing.assert_close(out, _t(expected).view(1, 1, 4))


def test_circular_shift_blurs_a_one_hot_across_the_boundary() -> None:
    # focus on row 0, s = (0.25, 0.5, 0.25): w~(i) = sum_j w(j) s(i - j) -> rows N-1, 0, 1
    w = _t([1.0, 0.0, 0.0, 0.0, 0.0]).view(1, 1, 5)
    out = circular_shift(w, _t([0.25, 0.5, 0.25]).view(1, 1, 3))
    torch.testing.assert_close(out, _t([0.5, 0.25, 0.0, 0.0, 0.25]).view(1, 1, 5))


def test_circular_shift_matches_the_convolution_sum() -> None:
    # brute force of eq. 8 with a wider shift range (R = 2), indices modulo N
    torch.manual_seed(1)
    B, H, N, R = 2, 3, 6, 2
    w = torch.softmax(torch.randn(B, H, N, dtype=torch.float64), -1)
    s = torch.softmax(torch.randn(B, H, 2 * R + 1, dtype=torch.float64), -1)
    brute = torch.zeros_like(w)
    for i in range(N):
        for j in range(N):
            d = (i - j) % N
            k = d if d <= R else d - N  # the shift that takes j to i, in -R..R (or none)
            if -R <= k <= R:
                brute[..., i] += w[..., j] * s[..., k + R]
    torch.testing.assert_close(circular_shift(w, s), brute)


def test_sharpen_gamma_one_is_identity_and_gamma_two_squares() -> None:
    w = _t([0.5, 0.25, 0.0, 0.25]).view(1, 1, 4)
    one = sharpen(w, torch.ones(1, 1, dtype=torch.float64))
    torch.testing.assert_close(one, w)
    two = sharpen(w, torch.full((1, 1), 2.0, dtype=torch.float64))
    # 0.25, 0.0625, 0, 0.0625 over 0.375
    torch.testing.assert_close(two, _t([2 / 3, 1 / 6, 0.0, 1 / 6]).view(1, 1, 4))


def test_address_gradients_match_finite_differences() -> None:
    torch.manual_seed(2)
    B, H, N, W = 2, 2, 5, 3
    args = [torch.randn(B, N, W, dtype=torch.float64),
            torch.softmax(torch.randn(B, H, N, dtype=torch.float64), -1),
            torch.randn(B, H, W, dtype=torch.float64),
            torch.rand(B, H, dtype=torch.float64) * 3,
            torch.rand(B, H, dtype=torch.float64),
            torch.softmax(torch.randn(B, H, 3, dtype=torch.float64), -1),
            1 + torch.rand(B, H, dtype=torch.float64) * 2]
    for a in args:
        a.requires_grad_(True)
    assert torch.autograd.gradcheck(address, tuple(args))


def test_shape_errors_are_one_clear_input_error() -> None:
    with pytest.raises(InputError, match="width W must match"):
        content_weights(torch.zeros(1, 4, 3), torch.zeros(1, 1, 2), torch.ones(1, 1))
    with pytest.raises(InputError, match="beta must be"):
        content_weights(torch.zeros(1, 4, 3), torch.zeros(1, 1, 3), torch.ones(1))
    with pytest.raises(InputError, match="odd number of shifts"):
        circular_shift(torch.zeros(1, 1, 4), torch.zeros(1, 1, 2))
    with pytest.raises(InputError, match="do not fit 2 memory rows"):
        circular_shift(torch.zeros(1, 1, 2), torch.zeros(1, 1, 3))
