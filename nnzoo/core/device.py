"""Device selection: ``auto`` means CUDA when present, else CPU."""

from __future__ import annotations

import torch

from nnzoo.core.errors import ConfigError

DEVICE_CHOICES = ("auto", "cpu", "cuda")


def resolve_device(name: str | torch.device = "auto") -> torch.device:
    """Turn ``auto|cpu|cuda|cuda:N`` into a :class:`torch.device`, checking it exists."""
    if isinstance(name, torch.device):
        return name
    name = name.strip().lower()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ConfigError("--device cuda was asked for, but torch sees no CUDA device here")
        return torch.device(name)
    raise ConfigError(f"unknown device {name!r}; expected one of auto, cpu, cuda, cuda:N")
