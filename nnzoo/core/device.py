"""Device selection (``auto`` means CUDA when present, else CPU), and the guards against
oversubscribing the CPU: one intra-op thread for tiny work, the machine's cores for big work.

A small tensor operation takes microseconds: splitting it over threads costs more in
synchronisation than it saves, and on a loaded machine a thread barrier can cost milliseconds.
torch's intra-op pool is OpenMP: every operator ends on a barrier, and when another process
keeps the cores busy, the thread that the barrier waits for is often descheduled for a whole
time slice while its partner spins. Measured on 2 cores beside a 2-thread matmul process, a
training step of the digits CNN took 15 ms on one thread and 1570 ms on two.

The guards set torch's intra-op thread count for a block and give the previous count back
afterwards (also on an error), so no global state outlives the call:

- :func:`using_threads`: a given count (``None`` leaves the count alone);
- :func:`one_thread`: one thread;
- :func:`small_work_threads`: one thread below a work threshold, the count as it is above;
- :func:`threads_for_work`: the count to use for work of a given size (1 or the cores).

Only the command line changes the process as a whole (``--threads``, and
``OMP_WAIT_POLICY=PASSIVE`` set before torch loads: ``nnzoo.cli``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import torch

from nnzoo.core.errors import ConfigError

DEVICE_CHOICES = ("auto", "cpu", "cuda")

#: Multiply-adds of one training step below which one thread is used (:func:`threads_for_work`):
#: about 25 ms of one core's work at 80 GFLOP/s. The digits CNN (0.29 G per step of 64) is
#: below it, where two threads gain 1.4x on a quiet 2-core machine and lose 5-100x beside
#: another torch process; the MNIST CNN (7 G per step of 128) is above it.
BIG_WORK = 1 << 30


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


def cpu_cores() -> int:
    """The CPU cores this process may run on (its affinity mask; ``os.cpu_count()`` where the
    mask cannot be read)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


def threads_for_work(work: int, threshold: int = BIG_WORK) -> int:
    """The intra-op thread count for steps of ``work`` multiply-adds: one thread below
    ``threshold`` (tiny work gains little from a second thread and loses much when the cores
    are shared), every core above it: torch's current count (every core by default; fewer
    when ``OMP_NUM_THREADS`` or the caller lowered it, as each ``--nproc`` process has it),
    at most :func:`cpu_cores`.

    :param work: multiply-adds of one step (e.g. one training step's forward and backward).
    :param threshold: the work from which every core is used.
    """
    return 1 if work < threshold else min(torch.get_num_threads(), cpu_cores())


def check_threads(n: int | None, what: str = "--threads") -> int | None:
    """``n`` when it is ``None`` or a count from 1 to 1024; a :class:`ConfigError` otherwise."""
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 1024):
        raise ConfigError(f"{what} must be a whole number of threads from 1 to 1024, got {n!r}")
    return n


@contextlib.contextmanager
def using_threads(n: int | None) -> Iterator[None]:
    """Run a block on ``n`` intra-op torch threads (``None``: the count as it is), then
    restore the previous count (also on an error)."""
    check_threads(n, "the thread count")
    before = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)  # also when unchanged: it resets MKL's own pool as well
    try:
        yield
    finally:
        if n is not None:
            torch.set_num_threads(before)


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run a block on one intra-op torch thread, then restore the previous thread count."""
    with using_threads(1):
        yield


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
    with using_threads(1 if work < threshold else None):
        yield

