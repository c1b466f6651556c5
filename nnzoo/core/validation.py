"""Input validation: every check ends in one :class:`InputError` that names what was expected."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from nnzoo.core.errors import InputError


def as_tensor(x: object, name: str = "X", dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Convert array-likes (NumPy, lists, tensors) to a tensor of ``dtype`` with a clear error."""
    if isinstance(x, torch.Tensor):
        t = x
    else:
        try:
            t = torch.as_tensor(np.asarray(x))
        except (TypeError, ValueError) as e:
            raise InputError(
                f"{name} must be numeric array-like, got {type(x).__name__}: {e}") from None
    if t.dtype == torch.bool or not (t.is_floating_point() or _is_integer(t)):
        raise InputError(f"{name} must hold real numbers, got dtype {t.dtype}")
    return t.to(dtype)


def _is_integer(t: torch.Tensor) -> bool:
    return not t.is_floating_point() and not t.is_complex() and t.dtype != torch.bool


def check_input(
    x: torch.Tensor,
    sample_shape: Sequence[int],
    *,
    name: str = "input",
    finite: bool = True,
    integer: bool = False,
) -> torch.Tensor:
    """Check a batch ``x`` of shape ``(B, *sample_shape)``, its dtype and finite values.

    Inputs are floating point, or integer (token or state indices) with ``integer=True``.

    A single sample (``x.shape == sample_shape``) is an error rather than a guess, since a
    batch of one and a sample are easy to confuse.
    """
    if not isinstance(x, torch.Tensor):
        raise InputError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    want = tuple(sample_shape)
    if x.dim() != len(want) + 1 or tuple(x.shape[1:]) != want:
        raise InputError(
            f"{name} must have shape (batch, {', '.join(map(str, want))}), got {tuple(x.shape)}"
        )
    if integer:
        if not _is_integer(x):
            raise InputError(f"{name} must be an integer tensor (indices), got dtype {x.dtype}")
        return x
    if not x.is_floating_point():
        raise InputError(f"{name} must be a floating-point tensor, got dtype {x.dtype}")
    if finite and x.numel() and not bool(torch.isfinite(x).all()):
        raise InputError(f"{name} holds NaN or infinite values")
    return x


def check_labels(y: torch.Tensor, n: int, n_classes: int | None = None, name: str = "y") -> None:
    """Check integer class labels: one per sample, in ``[0, n_classes)``."""
    if y.dim() != 1 or y.shape[0] != n:
        raise InputError(f"{name} must have shape ({n},) to match X, got {tuple(y.shape)}")
    if y.is_floating_point() or y.dtype == torch.bool:
        raise InputError(f"{name} must hold integer class labels, got dtype {y.dtype}")
    if n_classes is not None and n and (int(y.min()) < 0 or int(y.max()) >= n_classes):
        raise InputError(
            f"{name} must hold labels in [0, {n_classes}), got [{int(y.min())}, {int(y.max())}]"
        )
