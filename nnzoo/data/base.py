"""The in-memory dataset types every loader returns, and the checks loaders run on them.

Every loader returns a :class:`Splits`: a train, a validation and a test
:class:`ArrayDataset` (CPU tensors), with what the task is and how the split was made.
Images are float32 in ``[0, 1]`` with shape ``(N, C, H, W)``; class labels are int64 of
shape ``(N,)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from nnzoo.core.errors import InputError

TASKS = ("classification", "regression", "sequence", "unsupervised")

Index = torch.Tensor | np.ndarray | Sequence[int] | slice


@dataclass
class ArrayDataset:
    """A dataset held in memory as tensors on the CPU.

    :param X: inputs, shape ``(N, *sample_shape)``.
    :param y: labels ``(N,)`` int64, regression/sequence targets ``(N, ...)``, or None.
    """

    X: torch.Tensor
    y: torch.Tensor | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.X, torch.Tensor):
            raise InputError(f"ArrayDataset.X must be a torch.Tensor, got {type(self.X).__name__}")
        if self.X.dim() < 1:
            raise InputError("ArrayDataset.X must have a leading sample dimension, got a scalar")
        if self.y is not None:
            if not isinstance(self.y, torch.Tensor):
                raise InputError(
                    f"ArrayDataset.y must be a torch.Tensor or None, got {type(self.y).__name__}"
                )
            if self.y.dim() < 1 or self.y.shape[0] != self.X.shape[0]:
                raise InputError(
                    f"ArrayDataset.y has {tuple(self.y.shape)} but X has {self.X.shape[0]} samples"
                )

    def __len__(self) -> int:
        return int(self.X.shape[0])

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        return self.X[i], (None if self.y is None else self.y[i])

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return tuple(self.X.shape[1:])

    def targets(self) -> torch.Tensor:
        """``y``, for code that needs labels or targets.

        :raises InputError: when the dataset has none (``y`` is None: unsupervised data).
        """
        if self.y is None:
            raise InputError(f"the dataset of {len(self)} samples has no labels or targets")
        return self.y

    def subset(self, idx: Index) -> ArrayDataset:
        """The samples at ``idx`` (indices, a boolean mask, or a slice) as a new dataset."""
        if isinstance(idx, slice):
            sel: slice | torch.Tensor = idx
        else:
            sel = torch.as_tensor(np.asarray(idx) if not isinstance(idx, torch.Tensor) else idx)
            if sel.dtype != torch.bool:
                sel = sel.long()
        return ArrayDataset(self.X[sel], None if self.y is None else self.y[sel])

    def to(self, device: torch.device | str) -> ArrayDataset:
        """A copy with both tensors on ``device``."""
        return ArrayDataset(self.X.to(device), None if self.y is None else self.y.to(device))


@dataclass
class Splits:
    """A dataset split into train, validation and test sets, with what the task is.

    :param name: dataset id (as in :data:`nnzoo.data.DATASETS`).
    :param task: ``"classification"``, ``"regression"``, ``"sequence"`` or ``"unsupervised"``.
    :param n_classes: number of classes for classification, else None.
    :param sample_shape: shape of one input sample, e.g. ``(1, 8, 8)``.
    :param classes: class names (index = label), or None.
    :param description: how the data was made and split, for the user.
    """

    name: str
    train: ArrayDataset
    val: ArrayDataset
    test: ArrayDataset
    task: str
    n_classes: int | None
    sample_shape: tuple[int, ...]
    classes: tuple[str, ...] | None = None
    description: str = ""
    meta: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise InputError(f"task must be one of {', '.join(TASKS)}, got {self.task!r}")
        for part in ("train", "val", "test"):
            ds = getattr(self, part)
            if ds.sample_shape != tuple(self.sample_shape):
                raise InputError(
                    f"{self.name}: {part} samples have shape {ds.sample_shape}, "
                    f"expected {tuple(self.sample_shape)}"
                )

    @property
    def sizes(self) -> dict[str, int]:
        """``{"train": n, "val": n, "test": n}``."""
        return {"train": len(self.train), "val": len(self.val), "test": len(self.test)}


def check_finite(X: torch.Tensor, name: str, what: str = "inputs") -> torch.Tensor:
    """Raise :class:`InputError` naming dataset ``name`` if ``X`` has NaN or infinite values."""
    if X.is_floating_point() and X.numel() and not bool(torch.isfinite(X).all()):
        bad = int((~torch.isfinite(X)).sum())
        raise InputError(f"dataset {name!r}: {what} hold {bad} NaN or infinite values")
    return X


def check_shape(
    X: torch.Tensor | np.ndarray, shape: Sequence[int | None], name: str, what: str = "inputs"
) -> None:
    """Raise :class:`InputError` unless ``X.shape`` matches ``shape`` (None = any size)."""
    got = tuple(X.shape)
    if len(got) != len(shape) or any(
        s is not None and g != s for g, s in zip(got, shape, strict=False)
    ):
        want = "(" + ", ".join("N" if s is None else str(s) for s in shape) + ")"
        raise InputError(f"dataset {name!r}: {what} have shape {got}, expected {want}")


def check_labels(y: torch.Tensor, n_classes: int, name: str) -> None:
    """Raise :class:`InputError` unless ``y`` holds integer labels in ``[0, n_classes)``."""
    if y.numel() and (int(y.min()) < 0 or int(y.max()) >= n_classes):
        raise InputError(
            f"dataset {name!r}: labels must lie in [0, {n_classes}), "
            f"got values from {int(y.min())} to {int(y.max())}"
        )
