"""Generated sequence-to-sequence tasks that need alignment: date formats, and reversal.

Two datasets for the encoder-decoders of :mod:`nnzoo.models.attention` (Sutskever et al.
2014; Bahdanau et al. 2014; Luong et al. 2015):

- ``dates``: a date written in one of :data:`DATE_FORMATS` (``"3 march 1997"``,
  ``"03/03/97"``, ``"Monday, March 3, 1997"``...) -> its ISO 8601 form ``"1997-03-03"``.
  To answer, the decoder must find the year, then the month (a name or digits, at a place
  that depends on the format), then the day: an alignment that moves with the format, which
  is what attention maps show.
- ``reversal``: a random string of lowercase letters -> the same string reversed (the
  alignment is the anti-diagonal).

Token convention (both datasets, and the models' defaults ``pad_index``, ``sos_index``,
``eos_index``): id 0 is ``<pad>``, id 1 is ``<sos>``, id 2 is ``<eos>``; the characters
follow, id ``3 + i`` for character ``i`` of the vocabulary string (``meta["source_chars"]``,
``meta["target_chars"]``, sorted). ``<sos>`` never appears in the data: the decoder is fed
it before the first output. A source row is the characters then ``<pad>`` up to
``max_source_len``; a target row is the characters, ``<eos>``, then ``<pad>``. So
``meta["vocab_size"]`` (the source vocabulary) and ``n_classes`` (the target vocabulary)
count the three special tokens.

Dates: drawn uniformly without replacement from the 36,525 days of 1950-01-01 ..
2049-12-31 (one date never appears in two parts: the test dates are unseen in training),
each with a format drawn uniformly; two-digit years are read as 1950-2049 and numeric
day/month formats are day first (``dd/mm/yy``). Seeded by a private generator.

Bad input: a character outside the vocabulary (:func:`encode_strings` raises one
:class:`InputError` naming it) and a string longer than the row (one error naming its length
and the maximum).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import torch

from nnzoo.core.errors import ConfigError, InputError
from nnzoo.data.base import ArrayDataset, Splits
from nnzoo.data.chars import encode
from nnzoo.data.generated import _int
from nnzoo.data.registry import register_dataset

PAD, SOS, EOS = 0, 1, 2
#: The special tokens, by id.
SPECIALS = ("<pad>", "<sos>", "<eos>")

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _fmt(d: dt.date, kind: int) -> str:
    """Date ``d`` in format number ``kind`` of :data:`DATE_FORMATS`."""
    month, wday = _MONTHS[d.month - 1], _DAYS[d.weekday()]
    yy = f"{d.year % 100:02d}"
    return (
        f"{d.day} {month.lower()} {d.year}",                 # 3 march 1997
        f"{d.day:02d}/{d.month:02d}/{yy}",                   # 03/03/97
        f"{wday}, {month} {d.day}, {d.year}",                # Monday, March 3, 1997
        f"{month} {d.day}, {d.year}",                        # March 3, 1997
        f"{d.day} {month[:3]} {d.year}",                     # 3 Mar 1997
        f"{d.day:02d}.{d.month:02d}.{d.year}",               # 03.03.1997
        f"{month[:3].lower()} {d.day} {yy}",                 # mar 3 97
        f"{wday[:3]} {d.day} {month} {d.year}",              # Mon 3 March 1997
        f"{d.day}-{d.month}-{d.year}",                       # 3-3-1997
        f"{d.year} {month.lower()} {d.day}",                 # 1997 march 3
    )[kind]


#: The source formats of ``dates``, as examples of 1997-03-03.
DATE_FORMATS = tuple(_fmt(dt.date(1997, 3, 3), k) for k in range(10))
FIRST_DAY = dt.date(1950, 1, 1)
N_DAYS = (dt.date(2050, 1, 1) - FIRST_DAY).days  # 36,525
#: Every character a ``dates`` source can hold, sorted.
DATE_SOURCE_CHARS = "".join(sorted(set("0123456789 ,/.-" + "".join(_MONTHS + _DAYS)
                                       + "".join(_MONTHS).lower())))
DATE_TARGET_CHARS = "-0123456789"
#: The longest source and target strings of ``dates`` (the target without ``<eos>``).
DATE_SOURCE_LEN = max(len(_fmt(dt.date(2000, 1, 1) + dt.timedelta(days=i), k))
                      for i in range(366) for k in range(10))      # every month and weekday
DATE_TARGET_LEN = 10
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def encode_strings(texts: list[str], chars: str, max_len: int, *, eos: bool,
                   what: str = "sequence") -> torch.Tensor:
    """Token ids of ``texts`` over ``chars`` (``3 + index``), ``<eos>`` appended when
    ``eos``, end-padded with ``<pad>`` to ``max_len`` columns: int64 ``(N, max_len)``.

    :raises InputError: for a character outside ``chars`` (naming it) or a string longer than
        ``max_len`` (with ``<eos>``).
    """
    room = max_len - (1 if eos else 0)
    out = torch.full((len(texts), max_len), PAD, dtype=torch.int64)
    for i, t in enumerate(texts):
        if len(t) > room:
            raise InputError(f"{what} {t!r} has {len(t)} characters, longer than the maximum "
                             f"{room}")
        ids = encode(t, chars) + len(SPECIALS)                  # InputError names strangers
        out[i, :len(t)] = ids
        if eos:
            out[i, len(t)] = EOS
    return out


def decode_ids(ids: torch.Tensor | list[int], chars: str) -> str:
    """The characters of one row of token ids, up to its first ``<eos>``, without padding."""
    out = []
    for i in torch.as_tensor(ids).reshape(-1).tolist():
        if i == EOS:
            break
        if i >= len(SPECIALS):
            out.append(chars[i - len(SPECIALS)])
    return "".join(out)


def _sizes(n: int, n_val: int | None, n_test: int | None) -> tuple[int, int, int]:
    a = _int("n", n, 1)
    b = max(1, a // 10) if n_val is None else _int("n_val", n_val, 1)
    c = max(1, a // 10) if n_test is None else _int("n_test", n_test, 1)
    return a, b, c


def _splits(name: str, X: torch.Tensor, y: torch.Tensor, sizes: tuple[int, int, int],
            src: str, tgt: str, description: str) -> Splits:
    a, b, _ = sizes
    train, val, test = (ArrayDataset(X[s], y[s]) for s in (slice(0, a), slice(a, a + b),
                                                            slice(a + b, None)))
    return Splits(name, train, val, test, task="sequence", n_classes=len(SPECIALS) + len(tgt),
                  sample_shape=tuple(X.shape[1:]), description=description,
                  meta={"source_chars": src, "target_chars": tgt, "specials": SPECIALS,
                        "vocab_size": len(SPECIALS) + len(src)})


def date_pairs(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """``n`` (source, ISO target) pairs of distinct dates, each in a random format."""
    if n > N_DAYS:
        raise ConfigError(f"dates holds at most {N_DAYS} distinct dates (1950-2049), asked "
                          f"for {n}")
    rng = np.random.default_rng(seed)
    days = rng.permutation(N_DAYS)[:n]
    kinds = rng.integers(0, len(DATE_FORMATS), n)
    out = []
    for d, k in zip(days.tolist(), kinds.tolist(), strict=True):
        date = FIRST_DAY + dt.timedelta(days=d)
        out.append((_fmt(date, k), date.isoformat()))
    return out


def dates(n: int = 10000, *, n_val: int | None = None, n_test: int | None = None,
          seed: int = 0) -> Splits:
    """Date-format conversion (see the module docstring).

    :param n: training pairs; ``n_val`` and ``n_test`` default to ``max(1, n // 10)``.
    :param seed: seeds the dates and formats.
    """
    sizes = _sizes(n, n_val, n_test)
    _int("seed", seed, 0)
    pairs = date_pairs(sum(sizes), seed)
    X = encode_strings([s for s, _ in pairs], DATE_SOURCE_CHARS, DATE_SOURCE_LEN, eos=False,
                       what="source")
    y = encode_strings([t for _, t in pairs], DATE_TARGET_CHARS, DATE_TARGET_LEN + 1, eos=True,
                       what="target")
    return _splits("dates", X, y, sizes, DATE_SOURCE_CHARS, DATE_TARGET_CHARS, (
        f"date-format conversion: {len(DATE_FORMATS)} human formats -> ISO yyyy-mm-dd, "
        f"distinct dates of 1950-2049 (seed {seed}), train/val/test = "
        f"{sizes[0]}/{sizes[1]}/{sizes[2]}; ids 0 <pad>, 1 <sos>, 2 <eos>, then characters"))


def reversal(n: int = 10000, min_len: int = 4, max_len: int = 16, *,
             n_val: int | None = None, n_test: int | None = None, seed: int = 0) -> Splits:
    """Reverse a random string of lowercase letters (lengths uniform in
    ``[min_len, max_len]``); the token convention of the module docstring.

    :param n: training pairs; ``n_val`` and ``n_test`` default to ``max(1, n // 10)``.
    """
    sizes = _sizes(n, n_val, n_test)
    lo, hi = _int("min_len", min_len, 1), _int("max_len", max_len, 1)
    if hi < lo:
        raise ConfigError(f"max_len must be >= min_len ({lo}), got {hi}")
    rng = np.random.default_rng(_int("seed", seed, 0))
    total = sum(sizes)
    lengths = rng.integers(lo, hi + 1, total)
    letters = rng.integers(0, 26, (total, hi))
    texts = ["".join(LETTERS[c] for c in row[:k]) for row, k in zip(letters, lengths, strict=True)]
    X = encode_strings(texts, LETTERS, hi, eos=False, what="source")
    y = encode_strings([t[::-1] for t in texts], LETTERS, hi + 1, eos=True, what="target")
    return _splits("reversal", X, y, sizes, LETTERS, LETTERS, (
        f"sequence reversal: random lowercase strings of {lo}-{hi} letters -> reversed "
        f"(seed {seed}), train/val/test = {sizes[0]}/{sizes[1]}/{sizes[2]}"))


register_dataset("dates", dates, aliases=("date-format",),
                 description="date-format conversion (10 human formats -> ISO 8601), for "
                             "sequence to sequence with attention")
register_dataset("reversal", reversal, aliases=("sequence-reversal",),
                 description="reverse a random string of letters (sequence to sequence)")

__all__ = ["DATE_FORMATS", "DATE_SOURCE_CHARS", "DATE_SOURCE_LEN", "DATE_TARGET_CHARS",
           "DATE_TARGET_LEN", "EOS", "LETTERS", "PAD", "SOS", "SPECIALS", "date_pairs", "dates",
           "decode_ids", "encode_strings", "reversal"]
