"""A generated audio-like signal, mu-law quantised to 256 levels: dataset ``toy-audio``.

Real speech and music are not at hand offline, so this signal imitates what makes them hard
to predict sample by sample: a voiced part whose pitch and loudness drift slowly, and a
noise floor whose level rises and falls (breath, consonants). For ``n`` samples (seeded
with :class:`numpy.random.Generator`):

- slowly varying processes, each white Gaussian noise smoothed by a Gaussian window
  of ``w`` samples and scaled to unit standard deviation, ``u_w(t)``;
- pitch (cycles per sample) ``f(t) = 0.02 exp(0.35 u_2000(t))`` (about 0.01 to 0.04: 80 to
  320 Hz at 8 kHz), phase ``phi(t) = 2 pi sum_{s <= t} f(s)``;
- voiced part: three harmonics ``v(t) = sin(phi) + 0.5 sin(2 phi + a(t)) + 0.25 sin(3 phi +
  b(t))`` whose phase offsets drift too, ``a = 1.5 u_3000``, ``b = 1.5 u'_3000`` (the wave's
  shape, its timbre, changes slowly), times a loudness ``0.35 exp(0.4 u_1500(t))``;
- noise: ``sigma(t) e_t`` with ``e_t ~ N(0, 1)`` and ``sigma(t) = 0.02 exp(0.8 u_1000(t))``;
- the sum, clipped to ``[-1, 1]``, mu-law companded (``mu = 255``) and quantised to levels
  ``0 .. 255`` (:mod:`nnzoo.core.mulaw`).

Splits: three independent signals (train ``n_train``, validation ``n_val``, test ``n_test``
samples) drawn from generators seeded ``(seed, 0)``, ``(seed, 1)``, ``(seed, 2)``; each is cut
into windows of ``seq_len`` inputs ``X[i] = q[s_i : s_i + T]`` and targets
``y[i] = q[s_i + 1 : s_i + T + 1]`` (the next level), every ``stride`` samples. Task
``sequence``, ``vocab_size`` = 256. :func:`toy_audio_signal` gives a whole signal (a benchmark
scores the test signal in one pass).
"""

from __future__ import annotations

import numpy as np
import torch

from nnzoo.core.errors import ConfigError
from nnzoo.core.mulaw import encode
from nnzoo.data.base import ArrayDataset, Splits
from nnzoo.data.chars import windows
from nnzoo.data.generated import _int
from nnzoo.data.registry import register_dataset

LEVELS = 256
#: The split a part's generator is seeded with: ``default_rng((seed, PART[part]))``.
PART = {"train": 0, "val": 1, "test": 2}


def _smooth(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    """White noise smoothed by a Gaussian window of std ``width / 2`` samples, then scaled to
    mean 0 and standard deviation 1: a slowly varying process ``u_w``."""
    half = 2 * width
    white = rng.standard_normal(n + 2 * half)
    k = np.exp(-0.5 * (np.arange(-half, half + 1) / (width / 2)) ** 2)
    u = np.convolve(white, k / k.sum(), mode="valid")[:n]
    return (u - u.mean()) / (u.std() + 1e-12)


def toy_audio_waveform(n: int, seed: int = 0, part: str = "train") -> np.ndarray:
    """The signal before quantisation, float64 ``(n,)`` in ``[-1, 1]``; see the module
    docstring.

    :param n: samples.
    :param seed: the dataset's seed.
    :param part: ``train``, ``val`` or ``test`` (each an independent signal).
    """
    n = _int("n", n, 2)
    if part not in PART:
        raise ConfigError(f"part must be train, val or test, got {part!r}")
    rng = np.random.default_rng((_int("seed", seed, 0), PART[part]))
    f = 0.02 * np.exp(0.35 * _smooth(rng, n, 2000))          # pitch, cycles per sample
    phi = 2 * np.pi * np.cumsum(f)
    a, b = 1.5 * _smooth(rng, n, 3000), 1.5 * _smooth(rng, n, 3000)  # drifting timbre
    voiced = np.sin(phi) + 0.5 * np.sin(2 * phi + a) + 0.25 * np.sin(3 * phi + b)
    loud = 0.35 * np.exp(0.4 * _smooth(rng, n, 1500))
    sigma = 0.02 * np.exp(0.8 * _smooth(rng, n, 1000))
    x = loud * voiced + sigma * rng.standard_normal(n)
    return np.clip(x, -1.0, 1.0)


def toy_audio_signal(n: int, seed: int = 0, part: str = "train") -> torch.Tensor:
    """The quantised signal: mu-law levels, int64 ``(n,)`` in ``0 .. 255``."""
    return encode(torch.from_numpy(toy_audio_waveform(n, seed, part)))


def toy_audio(seq_len: int = 256, n_train: int = 400_000, n_val: int = 40_000,
              n_test: int = 40_000, seed: int = 0, stride: int | None = None) -> Splits:
    """Dataset ``toy-audio``: windows of the quantised signal; see the module docstring.

    :param seq_len: steps per window T.
    :param n_train: samples of the training signal.
    :param n_val: samples of the validation signal.
    :param n_test: samples of the test signal.
    :param seed: seeds the three signals.
    :param stride: samples between window starts (default ``seq_len``: each sample once).
    """
    T = _int("seq_len", seq_len, 1)
    step = T if stride is None else _int("stride", stride, 1)
    sizes = {"train": n_train, "val": n_val, "test": n_test}
    parts = []
    for part, n in sizes.items():
        n = _int(f"n_{part}", n, 2)
        if n <= T:
            raise ConfigError(f"n_{part} ({n}) must exceed seq_len ({T}): a window needs "
                              f"T + 1 samples")
        parts.append(ArrayDataset(*windows(toy_audio_signal(n, seed, part), T, step)))
    train, val, test = parts
    return Splits(
        "toy-audio", train, val, test, "sequence", LEVELS, (T,),
        description=(f"generated audio-like signal (drifting pitch, three harmonics, varying "
                     f"noise), mu-law quantised to {LEVELS} levels; independent train "
                     f"({n_train:,} samples, {len(train)} windows), validation ({n_val:,}, "
                     f"{len(val)}) and test ({n_test:,}, {len(test)}) signals, seed {seed}; "
                     f"windows of {T} every {step}, targets = the next level"),
        meta={"vocab_size": LEVELS, "seed": seed, "mu": 255})


register_dataset("toy-audio", toy_audio,
                 description="generated audio-like signal (drifting pitch, harmonics, varying "
                 "noise), mu-law quantised to 256 levels, next-sample prediction")

__all__ = ["LEVELS", "toy_audio", "toy_audio_signal", "toy_audio_waveform"]
