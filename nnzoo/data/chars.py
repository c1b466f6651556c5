"""Character language-model data: Tiny Shakespeare as windows of character ids.

Dataset ``tinyshakespeare-chars`` (Karpathy, char-rnn, 2015): by default the excerpt shipped
in the package (:func:`nnzoo.data.text.shakespeare_excerpt`, about 150 KB, offline); with
``source="full"`` the whole Tiny Shakespeare (1,115,394 characters) from the data root
(:func:`nnzoo.data.text.tinyshakespeare`).

- Vocabulary: the distinct characters of the text, sorted (65 for the full text, 61 for the
  excerpt); token id = index in ``meta["vocab"]``, ``meta["vocab_size"]`` = their number.
- Split, in text order (the same for the excerpt and the full text): the first 90 % of the
  characters train, the next 5 % validate, the last 5 % test (cut points
  ``int(0.90 * N)`` and ``int(0.95 * N)``). Validation picks the epoch (``restore_best``)
  and drives early stopping; the test part is read by nothing that selects, so its loss is
  the reported figure. Each part is cut into windows on its own: no window crosses a cut.
- ``split="nanogpt"``: nanoGPT's split (``data/shakespeare_char/prepare.py``): the first
  90 % train, the last 10 % validate (cut point ``int(0.9 * N)``, the same vocabulary). It has
  no test part: ``test`` is the validation part again, so a recipe on it selects nothing on
  validation (``restore_best=false``) and its test figure is the validation loss.
- Samples: windows of ``seq_len`` characters ``X[i] = ids[s_i : s_i + T]`` with targets the
  next characters ``y[i] = ids[s_i + 1 : s_i + T + 1]``, starting every ``stride`` characters
  (default ``seq_len``: non-overlapping windows that cover each split once per epoch). Both
  are int64 ``(N, T)``; task ``sequence``, ``n_classes`` = vocabulary size.
- ``random_windows = n > 0``: the training part is instead ``n`` windows whose starts are
  drawn uniformly from ``[0, len(train) - T)``, with replacement, by a generator seeded
  ``seed`` (nanoGPT's ``get_batch``: one epoch of ``n`` windows in batches of ``B`` is
  ``n / B`` of its iterations). Validation and test keep the strided windows.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch

from nnzoo.core.errors import ConfigError, InputError
from nnzoo.data.base import ArrayDataset, Splits
from nnzoo.data.generated import _int
from nnzoo.data.registry import register_dataset
from nnzoo.data.text import TINYSHAKESPEARE, shakespeare_excerpt, tinyshakespeare

TRAIN_FRACTION = 0.9   # first 90 % of the characters
VAL_FRACTION = 0.05    # the next 5 %; the last 5 % is the test part


def text_vocab(text: str) -> str:
    """The distinct characters of ``text``, sorted: index = token id."""
    return "".join(sorted(set(text)))


def encode(text: str, vocab: str) -> torch.Tensor:
    """Token ids of ``text`` over ``vocab`` (int64 ``(len(text),)``).

    :raises InputError: naming every character of ``text`` that is not in ``vocab``.
    """
    missing = sorted(set(text) - set(vocab))
    if missing:
        raise InputError(f"characters not in the vocabulary: {''.join(missing)!r} "
                         f"({', '.join(repr(c) for c in missing)}); the vocabulary is "
                         f"{vocab!r}")
    codes = np.frombuffer(vocab.encode("utf-32-le"), dtype=np.uint32)     # sorted code points
    order = np.argsort(codes)
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)     # (N,)
    ids = order[np.searchsorted(codes[order], points)]                     # position in vocab
    return torch.from_numpy(ids.astype(np.int64))


def decode(ids: torch.Tensor | list[int], vocab: str) -> str:
    """The characters of token ids over ``vocab``."""
    return "".join(vocab[i] for i in torch.as_tensor(ids).reshape(-1).tolist())


def windows(ids: torch.Tensor, seq_len: int, stride: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and next-character targets of every window, both ``(N, T)``."""
    starts = torch.arange(0, len(ids) - seq_len, stride)                  # need T + 1 chars
    idx = starts[:, None] + torch.arange(seq_len)[None]                    # (N, T)
    return ids[idx], ids[idx + 1]


def tinyshakespeare_chars(seq_len: int = 128, source: Literal["excerpt", "full"] = "excerpt",
                          stride: int | None = None,
                          split: Literal["char-rnn", "nanogpt"] = "char-rnn",
                          random_windows: int = 0, seed: int = 1337) -> Splits:
    """Tiny Shakespeare as windows of character ids; see the module docstring.

    :param seq_len: characters per window T.
    :param source: ``excerpt`` (shipped, offline) or ``full`` (``<data root>/tinyshakespeare/
        input.txt``).
    :param stride: characters between window starts (default ``seq_len``).
    :param split: ``char-rnn`` (90 / 5 / 5 %) or ``nanogpt`` (90 / 10 %, test = validation).
    :param random_windows: > 0: that many training windows at random starts (nanoGPT's
        sampling); 0: the strided windows.
    :param seed: seeds the random starts.
    """
    T = _int("seq_len", seq_len, 1)
    step = T if stride is None else _int("stride", stride, 1)
    n_random = _int("random_windows", random_windows, 0)
    if split not in ("char-rnn", "nanogpt"):
        raise ConfigError(f"split must be 'char-rnn' or 'nanogpt', got {split!r}")
    if source == "excerpt":
        text = shakespeare_excerpt()
    elif source == "full":
        text = tinyshakespeare()
    else:
        raise ConfigError(f"source must be 'excerpt' or 'full', got {source!r}")
    vocab = text_vocab(text)
    ids = encode(text, vocab)
    a, b = int(TRAIN_FRACTION * len(ids)), int((TRAIN_FRACTION + VAL_FRACTION) * len(ids))
    if split == "nanogpt":
        parts = {"train": ids[:a], "validation": ids[a:]}
    else:
        parts = {"train": ids[:a], "validation": ids[a:b], "test": ids[b:]}
    for part, part_ids in parts.items():
        if len(part_ids) <= T:
            raise ConfigError(f"seq_len {T} is not shorter than the {part} text "
                              f"({len(part_ids)} characters); use a shorter seq_len")
    if n_random:
        g = torch.Generator().manual_seed(int(seed))
        starts = torch.randint(len(parts["train"]) - T, (n_random,), generator=g)
        idx = starts[:, None] + torch.arange(T)[None]                      # (n, T)
        train = ArrayDataset(parts["train"][idx], parts["train"][idx + 1])
        how = f"{n_random} windows at random starts (seed {seed})"
    else:
        train = ArrayDataset(*windows(parts["train"], T, step))
        how = f"{len(train)} windows"
    val = ArrayDataset(*windows(parts["validation"], T, step))
    test = val if split == "nanogpt" else ArrayDataset(*windows(parts["test"], T, step))
    what = "the shipped excerpt" if source == "excerpt" else "the full text"
    cut = ("nanoGPT's split: first 90 % train, last 10 % validation (the test part is the "
           f"validation part; {len(val)} windows)" if split == "nanogpt" else
           f"first 90 % train, next 5 % validation ({len(val)} windows), last 5 % test "
           f"({len(test)})")
    return Splits(
        "tinyshakespeare-chars", train, val, test, "sequence", len(vocab), (T,),
        description=(f"Tiny Shakespeare ({what}, {len(text):,} characters, {len(vocab)} "
                     f"distinct), split in text order: {cut}; training: {how}; windows of "
                     f"{T} characters every {step}, targets = the next character"),
        meta={"vocab": vocab, "vocab_size": len(vocab), "source": source, "split": split})


register_dataset("tinyshakespeare-chars", tinyshakespeare_chars, source=TINYSHAKESPEARE,
                 embedded=True,
                 description="Tiny Shakespeare character LM: the shipped excerpt (default) or "
                 "the full text (source=full); 90 % train / 5 % validation / 5 % test, "
                 "in text order",
                 aliases=("shakespeare-chars", "char-lm", "tinyshakespeare"))

__all__ = ["decode", "encode", "text_vocab", "tinyshakespeare_chars", "windows"]
