"""The algorithmic tasks of the neural Turing machine with lengths drawn at random: a seeded
stream of fresh batches for training, a fixed seeded test set per length, and datasets for
the engine.

Graves, Wayne & Danihelka, "Neural Turing Machines", arXiv:1410.5401, 2014, section 4: the
network is trained on sequences whose length is drawn afresh for every sequence, so training
never sees the same sequence twice. :mod:`nnzoo.data.generated` holds the fixed-length
datasets; this module draws the lengths.

Every task gives an :class:`Episode`: inputs ``x (B, S, C_in)``, targets ``y (B, S, C_out)``
at every step and ``mask (B, S)``, True where the output is scored (the answer phase).
Inputs are blank while the network answers. Layouts (bits are Bernoulli(0.5)):

- ``copy`` (section 4.1; the layout of pytorch-ntm): T vectors of ``n_bits`` bits, then one
  step with the delimiter channel (``n_bits``) set, then T blank steps where the network
  repeats the T vectors. ``S = 2T + 1``, ``C_in = n_bits + 1``, ``C_out = n_bits``.
- ``repeat-copy`` (section 4.2): T vectors, a delimiter step (channel ``n_bits``), a step
  whose channel ``n_bits + 1`` holds the number of repeats R, normalised to zero mean and
  unit variance over the uniform draw 1..``max_repeats``; then R copies of the T vectors and
  an end marker on output channel ``n_bits``. ``S = T + 2 + RT + 1``, ``C_in = n_bits + 2``,
  ``C_out = n_bits + 1``.
- ``recall`` (section 4.3): :func:`nnzoo.data.generated.associative_recall`'s layout, K items
  of ``item_len`` vectors of ``n_bits`` bits after item flags, a query item between query
  flags, then the item that followed the query. T = K here. ``C_in = n_bits + 2``,
  ``C_out = n_bits``.

Within one batch every sequence has the same length (as pytorch-ntm draws them), so batches
carry no padding; :func:`random_length_splits` pads samples of different lengths for the
engine's datasets, with the mask as the last target channel.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch

from nnzoo.core.errors import ConfigError
from nnzoo.data.base import ArrayDataset, Splits
from nnzoo.data.generated import associative_recall
from nnzoo.data.registry import register_dataset

#: The task names.
TASKS = ("copy", "repeat-copy", "recall")
#: Per task: (bits per vector, the training lengths' range as in Graves et al. 2014).
DEFAULTS = {"copy": (8, (1, 20)), "repeat-copy": (8, (1, 10)), "recall": (6, (2, 6))}


@dataclass(frozen=True)
class Episode:
    """One batch of a task: ``x (B, S, C_in)``, ``y (B, S, C_out)``, ``mask (B, S)`` bool
    (True on the answer steps), ``length`` T (items for ``recall``), ``repeats`` R
    (``repeat-copy``; 1 otherwise)."""

    x: torch.Tensor
    y: torch.Tensor
    mask: torch.Tensor
    length: int
    repeats: int = 1


def _int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {value}")
    return value


def check_task(task: str) -> str:
    """Return ``task`` if it is one of :data:`TASKS`.

    :raises ConfigError: otherwise, naming the tasks.
    """
    if task not in TASKS:
        raise ConfigError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
    return task


def channels(task: str, n_bits: int | None = None) -> tuple[int, int]:
    """``(C_in, C_out)`` of ``task`` with ``n_bits`` bits per vector (default: the task's;
    :func:`nnzoo.models.memory.ntm.channels` must agree, a test checks it)."""
    b = DEFAULTS[check_task(task)][0] if n_bits is None else n_bits
    return {"copy": (b + 1, b), "repeat-copy": (b + 2, b + 1), "recall": (b + 2, b)}[task]


def _bits(shape: tuple[int, ...], g: torch.Generator) -> torch.Tensor:
    return torch.randint(0, 2, shape, generator=g).to(torch.float32)


def copy_batch(batch: int, length: int, g: torch.Generator, n_bits: int = 8) -> Episode:
    """``batch`` copy sequences of ``length`` vectors (layout in the module docstring)."""
    B, T, W = _int("batch", batch, 1), _int("length", length, 1), _int("n_bits", n_bits, 1)
    seq = _bits((B, T, W), g)
    x = torch.zeros(B, 2 * T + 1, W + 1)
    x[:, :T, :W] = seq
    x[:, T, W] = 1.0                                      # delimiter
    y = torch.zeros(B, 2 * T + 1, W)
    y[:, T + 1:] = seq
    mask = torch.zeros(B, 2 * T + 1, dtype=torch.bool)
    mask[:, T + 1:] = True
    return Episode(x, y, mask, T)


def repeat_copy_batch(batch: int, length: int, repeats: int, g: torch.Generator,
                      n_bits: int = 8, max_repeats: int = 10) -> Episode:
    """``batch`` repeat-copy sequences: ``length`` vectors to be written ``repeats`` times
    and then an end marker; the repeat count is shown normalised by the mean and standard
    deviation of the uniform draw 1..``max_repeats`` (Graves et al. 2014, section 4.2)."""
    B, T, W = _int("batch", batch, 1), _int("length", length, 1), _int("n_bits", n_bits, 1)
    R, Rmax = _int("repeats", repeats, 1), _int("max_repeats", max_repeats, 1)
    # mean (1 + Rmax) / 2 and variance (Rmax^2 - 1) / 12 of the uniform integers 1..Rmax
    mean, sd = (1 + Rmax) / 2, math.sqrt((Rmax ** 2 - 1) / 12) or 1.0
    seq = _bits((B, T, W), g)
    S = T + 2 + R * T + 1
    x = torch.zeros(B, S, W + 2)
    x[:, :T, :W] = seq
    x[:, T, W] = 1.0                                      # delimiter
    x[:, T + 1, W + 1] = (R - mean) / sd                  # the normalised repeat count
    y = torch.zeros(B, S, W + 1)
    y[:, T + 2:S - 1, :W] = seq.repeat(1, R, 1)           # R copies, one after the other
    y[:, S - 1, W] = 1.0                                  # end marker
    mask = torch.zeros(B, S, dtype=torch.bool)
    mask[:, T + 2:] = True
    return Episode(x, y, mask, T, R)


def recall_batch(batch: int, n_items: int, g: torch.Generator, n_bits: int = 6,
                 item_len: int = 3) -> Episode:
    """``batch`` associative-recall sequences of ``n_items`` items, drawn by
    :func:`nnzoo.data.generated.associative_recall` from a seed taken from ``g``."""
    B, K = _int("batch", batch, 1), _int("n_items", n_items, 2)
    seed = int(torch.randint(0, 2 ** 62, (1,), generator=g))
    ds = associative_recall(B, K, item_len, n_bits, n_val=0, n_test=0, seed=seed).train
    x, answer = ds.X, ds.y
    assert answer is not None
    S, L = x.shape[1], answer.shape[1]
    y = torch.zeros(B, S, n_bits)
    y[:, S - L:] = answer
    mask = torch.zeros(B, S, dtype=torch.bool)
    mask[:, S - L:] = True
    return Episode(x, y, mask, K)


def make_batch(task: str, batch: int, length: int, g: torch.Generator, *, repeats: int = 1,
               n_bits: int | None = None) -> Episode:
    """One batch of ``task`` with length ``length`` (items for ``recall``)."""
    b = DEFAULTS[check_task(task)][0] if n_bits is None else n_bits
    if task == "copy":
        return copy_batch(batch, length, g, b)
    if task == "repeat-copy":
        return repeat_copy_batch(batch, length, repeats, g, b)
    return recall_batch(batch, length, g, b)


def _lengths(task: str, min_len: int | None, max_len: int | None) -> tuple[int, int]:
    lo, hi = DEFAULTS[check_task(task)][1]
    lo = lo if min_len is None else _int("min_len", min_len, 2 if task == "recall" else 1)
    hi = hi if max_len is None else _int("max_len", max_len, lo)
    if hi < lo:
        raise ConfigError(f"max_len must be >= min_len {lo}, got {hi}")
    return lo, hi


def stream(task: str, batch_size: int, seed: int = 0, *, min_len: int | None = None,
           max_len: int | None = None, max_repeats: int = 10,
           n_bits: int | None = None) -> Iterator[Episode]:
    """An endless seeded stream of fresh batches of ``task``: each batch draws its length
    uniformly in ``min_len..max_len`` (default: the paper's range, :data:`DEFAULTS`) and, for
    ``repeat-copy``, its repeat count in ``1..max_repeats``. Its own generator: the global
    RNG is neither read nor changed."""
    lo, hi = _lengths(task, min_len, max_len)
    _int("batch_size", batch_size, 1)
    g = torch.Generator().manual_seed(_int("seed", seed, 0))
    while True:
        T = int(torch.randint(lo, hi + 1, (1,), generator=g))
        R = int(torch.randint(1, max_repeats + 1, (1,), generator=g)) \
            if task == "repeat-copy" else 1
        yield make_batch(task, batch_size, T, g, repeats=R, n_bits=n_bits)


def test_set(task: str, lengths: range | list[int], per_length: int, seed: int = 10_000, *,
             repeats: int = 1, n_bits: int | None = None) -> list[Episode]:
    """A fixed test set: one batch of ``per_length`` sequences for each length of
    ``lengths``, drawn from ``seed`` (keep it apart from the training stream's seed)."""
    g = torch.Generator().manual_seed(_int("seed", seed, 0))
    return [make_batch(task, per_length, T, g, repeats=repeats, n_bits=n_bits)
            for T in lengths]


def random_length_splits(task: str, n: int = 2000, *, min_len: int | None = None,
                         max_len: int | None = None, n_val: int = 200, n_test: int = 200,
                         seed: int = 0) -> Splits:
    """A dataset of ``task`` for the engine: every sequence its own random length, padded at
    the end to the longest; ``X (N, S, C_in)``, ``y (N, S, C_out + 1)`` whose last channel
    is the mask (1 on the answer steps, 0 elsewhere and on padding)."""
    lo, hi = _lengths(task, min_len, max_len)
    total = _int("n", n, 1) + _int("n_val", n_val, 1) + _int("n_test", n_test, 1)
    g = torch.Generator().manual_seed(_int("seed", seed, 0))
    T = torch.randint(lo, hi + 1, (total,), generator=g)
    R = torch.randint(1, 11, (total,), generator=g) if task == "repeat-copy" \
        else torch.ones(total, dtype=torch.long)
    groups = [(int(t), int(r)) for t, r in torch.unique(torch.stack([T, R], 1), dim=0)]
    eps = {k: make_batch(task, int((T.eq(k[0]) & R.eq(k[1])).sum()), k[0], g, repeats=k[1])
           for k in groups}
    S = max(e.x.shape[1] for e in eps.values())
    c_in, c_out = channels(task)
    X, Y = torch.zeros(total, S, c_in), torch.zeros(total, S, c_out + 1)
    for (t, r), e in eps.items():
        idx = (T.eq(t) & R.eq(r)).nonzero().squeeze(1)
        s = e.x.shape[1]
        X[idx, :s] = e.x
        Y[idx, :s, :c_out] = e.y
        Y[idx, :s, c_out] = e.mask.float()
    a, b = n, n + n_val
    train, val, test = (ArrayDataset(X[s], Y[s]) for s in (slice(0, a), slice(a, b),
                                                          slice(b, None)))
    return Splits(f"algorithmic-{task}", train, val, test, task="sequence", n_classes=None,
                  sample_shape=(S, c_in), description=(
                      f"NTM {task} task (Graves et al. 2014) with random lengths {lo}-{hi}"
                      f"{' and repeats 1-10' if task == 'repeat-copy' else ''}, padded to "
                      f"{S} steps; X (N, {S}, {c_in}); y (N, {S}, {c_out + 1}): targets and, "
                      f"last, the answer mask; seed {seed}; train/val/test = "
                      f"{n}/{n_val}/{n_test} independent sequences."),
                  meta={"task": task, "min_len": lo, "max_len": hi})


def _loader(task: str) -> Callable[..., Splits]:
    def load(n: int = 2000, min_len: int | None = None, max_len: int | None = None,
             n_val: int = 200, n_test: int = 200, seed: int = 0) -> Splits:
        return random_length_splits(task, n, min_len=min_len, max_len=max_len, n_val=n_val,
                                    n_test=n_test, seed=seed)
    load.__doc__ = f"The NTM {task} task with random lengths (:func:`random_length_splits`)."
    return load


for _task in TASKS:
    register_dataset(f"algorithmic-{_task}", _loader(_task), description=(
        f"NTM {_task} task (Graves et al. 2014), a random length per sequence, generated"))
