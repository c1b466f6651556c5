"""Device selection (``auto`` means CUDA when present, else CPU), and the guards that run
small CPU work on one intra-op thread.

A small tensor operation takes microseconds: splitting it over threads costs more in
synchronisation than it saves, and on a loaded machine a thread barrier can cost milliseconds.
The guards set torch's intra-op thread count for a block and give the previous count back
afterwards (also on an error), so no global state outlives the call.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

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


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run a block on one intra-op torch thread, then restore the previous thread count."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # also when already 1: it resets MKL's own pool as well
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextlib.contextmanager
def small_work_threads(work: int, threshold: int = 1 << 20) -> Iterator[None]:
    """One intra-op thread while the per-step work (multiply-adds) is below ``threshold``.

    A small minibatch update (10 x 64 x 100) takes microseconds: splitting it over threads
    costs more in synchronisation than it saves. The previous thread count is restored
    afterwards.

    :param work: multiply-adds of one step (pass a huge number for GPU work, which this
        guard should leave alone).
    :param threshold: the work below which the block runs on one thread.
    """
    before = torch.get_num_threads()
    if work < threshold:
        torch.set_num_threads(1)  # also when already 1: it resets MKL's own pool as well
    try:
        yield
    finally:
        torch.set_num_threads(before)
