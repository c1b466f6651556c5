"""Seeding, the random-number state that a checkpoint carries to resume exactly, and the
guard that lets a library call seed its work without touching the caller's generators.

:func:`seed_everything` is for a process nnzoo owns (``nnzoo train``, the benchmarks): it
reseeds the global generators for good. Library calls (the scikit-learn style estimators'
``fit``) run inside :func:`isolated_rng` instead, which seeds the same generators for the
duration of the call and then gives the caller's states back.
"""

from __future__ import annotations

import contextlib
import random
import secrets
from collections.abc import Iterator
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
    npy = np.random.get_state(legacy=False)  # the fields of the legacy MT19937 tuple
    py = random.getstate()
    meta = {
        "python": [py[0], list(py[1]), py[2]],
        "numpy": [npy["bit_generator"], npy["state"]["key"].tolist(), int(npy["state"]["pos"]),
                  int(npy["has_gauss"]), float(npy["gauss"])],
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


def fresh_seed() -> int:
    """A seed in ``[0, 2**32)`` from the operating system's entropy, drawn without touching
    any global generator (for ``random_state=None``: a different run each time). 32 bits, as
    a user's seed: some paths derive further seeds from it (``seed * 1_000_003 + epoch``)."""
    return secrets.randbits(32)


def sampling_rng(seed: int) -> np.random.Generator:
    """The private stream an estimator fitted with ``seed`` draws the seeds of its later
    random calls from (``sample``, ``gibbs``...): reproducible from ``seed``, independent of
    the stream that ``fit`` used, and of every global generator."""
    return np.random.default_rng([seed % 2**64, 1])


def next_seed(rng: np.random.Generator) -> int:
    """The next seed in ``[0, 2**63)`` of an estimator's :func:`sampling_rng` stream."""
    return int(rng.integers(2**63))


@contextlib.contextmanager
def isolated_rng(seed: int | None, device: torch.device | str | None = None) -> Iterator[None]:
    """Run a block on the global generators seeded with ``seed``, then give the caller's
    generators and torch's thread count back as they were.

    On entry it saves Python's ``random`` state, NumPy's global state, torch's CPU generator
    (and every CUDA generator when CUDA is initialised, or ``device`` is a CUDA device) and
    ``torch.get_num_threads()``; it seeds the generators with ``seed`` (unless None) exactly as
    :func:`seed_everything` does, so the block's draws are those of a freshly seeded process;
    on exit (also on an error) it restores everything it saved.

    A guard, rather than private ``torch.Generator`` objects threaded through the models,
    because the draws that a model's construction and training make mostly have no
    ``generator`` argument (``nn.init`` of every layer, ``nn.Dropout``, ``torch.rand_like``).
    The guard is exact for the calling thread; another thread drawing from the global
    generators while the block runs would see the block's stream, so do not run it
    concurrently with other users of the global generators.

    :param seed: the seed for the block's draws; None leaves the generators' states as they
        are during the block (it still restores them afterwards).
    :param device: the device the block computes on; a CUDA device initialises CUDA first
        so that its generators are saved and seeded too.
    """
    if device is not None and torch.device(device).type == "cuda":
        torch.cuda.init()
    cuda = torch.cuda.is_available() and torch.cuda.is_initialized()
    py, npy, cpu = random.getstate(), np.random.get_state(), torch.get_rng_state()
    gpu = torch.cuda.get_rng_state_all() if cuda else None
    threads = torch.get_num_threads()
    try:
        if seed is not None:
            random.seed(seed)
            np.random.seed(seed % 2**32)
            torch.default_generator.manual_seed(seed)
            if cuda:
                torch.cuda.manual_seed_all(seed)
        yield
    finally:
        random.setstate(py)
        np.random.set_state(npy)
        torch.set_rng_state(cpu)
        if gpu is not None:
            torch.cuda.set_rng_state_all(gpu)
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)


def generator_state(rng: np.random.Generator) -> dict[str, Any]:
    """The JSON-ready state of a NumPy :class:`~numpy.random.Generator` (its bit generator's
    state dict: big integers, which JSON keeps exactly)."""
    return dict(rng.bit_generator.state)


def set_generator_state(state: dict[str, Any]) -> np.random.Generator:
    """A NumPy generator in the state :func:`generator_state` captured.

    :raises ValueError: when ``state`` names a bit generator NumPy does not have.
    """
    kind = getattr(np.random, str(state.get("bit_generator")), None)
    if kind is None:
        raise ValueError(f"unknown NumPy bit generator {state.get('bit_generator')!r}")
    bitgen = kind()
    bitgen.state = state
    return np.random.Generator(bitgen)
