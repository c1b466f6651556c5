"""Seeding and the random-number state that a checkpoint carries to resume exactly."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and torch's (CPU and CUDA) generators."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def rng_state() -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Capture every global RNG state: tensors (torch) and JSON-ready values (Python, NumPy)."""
    tensors = {"torch_cpu": torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        for i, s in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"torch_cuda_{i}"] = s
    version, keys, pos, has_gauss, cached = np.random.get_state()
    py = random.getstate()
    meta = {
        "python": [py[0], list(py[1]), py[2]],
        "numpy": [version, keys.tolist(), int(pos), int(has_gauss), float(cached)],
    }
    return tensors, meta


def set_rng_state(tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
    """Restore what :func:`rng_state` captured."""
    torch.set_rng_state(tensors["torch_cpu"])
    cuda = [tensors[k] for k in sorted(tensors) if k.startswith("torch_cuda_")]
    if cuda and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(cuda)
    v, pystate, g = meta["python"]
    random.setstate((v, tuple(pystate), g))
    version, keys, pos, has_gauss, cached = meta["numpy"]
    np.random.set_state((version, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
