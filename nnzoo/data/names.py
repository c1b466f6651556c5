"""Words one per line as character sequences, with makemore's split: dataset ``names``.

The source is makemore's ``names.txt`` (Karpathy, 2022: 32,033 lower-case US first names;
:data:`~nnzoo.data.archives.NAMES`, read from ``<data root>/names/names.txt``), a generated
list of pronounceable made-up names (the offline default), or the user's own word list.

- Words: the file's lines, stripped, empty lines dropped (as makemore's ``create_datasets``
  does). Every character must be a lower-case ASCII letter (:data:`LETTERS`: the 26
  characters of ``names.txt``); any other is one :class:`InputError` naming the line.
- Encoding (makemore's): token 0 is the start/end marker, letter ``c`` is
  ``1 + LETTERS.index(c)``; ``meta["vocab"]`` is ``"\\n" + LETTERS``, so decoding shows the end
  marker as a newline and ``nnzoo sample`` prints one name a line, each drawn from the start
  marker alone (``meta["end"]`` = 0 names the marker). A word ``w`` of ``n``
  letters becomes, with ``T = L + 1`` (``L``: the longest word of the whole list),

  ``X = [0, w_1, ..., w_n, 0, ..., 0]`` and ``y = [w_1, ..., w_n, 0, -1, ..., -1]``:

  the model reads the start marker and the letters and predicts each next letter, then the
  end marker; the targets ``-1`` are padding that the loss ignores (``ignore_index=-1``).
- Split (makemore's, reproduced): ``t = min(1000, int(0.1 * N))`` test words; the order is
  ``torch.randperm(N)`` from a generator seeded 3407 (makemore's default ``--seed``, set
  before it permutes); the last ``t`` words of that order are the test part, the others
  makemore's training part. nnzoo carves its validation part from the end of that training
  part (the last ``val_size`` words, default ``t``), so ``train + val`` is exactly makemore's
  training part, in its order, and ``test`` exactly its test part. Validation is for choices
  (makemore has none); the test loss is the reported figure.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import torch

from nnzoo.core.errors import ConfigError, InputError
from nnzoo.data.archives import NAMES
from nnzoo.data.base import ArrayDataset, Splits
from nnzoo.data.generated import _generator, _int
from nnzoo.data.registry import register_dataset
from nnzoo.data.sources import ensure

#: The letters a word may hold, in token order (token ``1 + i``).
LETTERS = "abcdefghijklmnopqrstuvwxyz"
#: Token 0, the start and end marker, shown as a newline.
END = "\n"
#: ``meta["vocab"]``: index = token id.
VOCAB = END + LETTERS
#: makemore's default ``--seed``, set (``torch.manual_seed``) before its permutation.
MAKEMORE_SEED = 3407
#: makemore's largest test part.
MAX_TEST = 1000

_ONSETS = ("b", "br", "c", "ch", "d", "f", "g", "gr", "h", "j", "k", "l", "m", "n", "p", "r",
           "s", "sh", "st", "t", "th", "v", "w", "z", "")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ea", "ie", "y")
_ENDINGS = ("", "", "a", "ie", "n", "l", "s", "lyn", "ette", "o", "on", "ah")


def generated_words(n: int = 2000, seed: int = 0) -> list[str]:
    """``n`` made-up names (with repeats, like real names): 1-3 syllables of an onset and a
    vowel from small tables, then an ending; drawn from a generator seeded ``seed``."""
    n, g = _int("n", n, 10), _generator(seed)

    def pick(table: tuple[str, ...]) -> str:
        return table[int(torch.randint(len(table), (1,), generator=g))]

    words = []
    for _ in range(n):
        k = 1 + int(torch.randint(3, (1,), generator=g))
        words.append("".join(pick(_ONSETS) + pick(_VOWELS) for _ in range(k)) + pick(_ENDINGS))
    return words


def read_words(path: str | Path) -> list[str]:
    """The words of a file one per line (stripped, blank lines dropped), each checked.

    :raises InputError: when the file is missing or has no words, or a word holds a
        character outside :data:`LETTERS`.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"word list {p} does not exist (expected a text file, one word a line)")
    lines = p.read_text(encoding="utf-8", errors="replace").splitlines()
    words = [w.strip() for w in lines]
    for i, w in enumerate(words):
        bad = sorted(set(w) - set(LETTERS))
        if bad:
            raise InputError(f"{p}, line {i + 1}: the word {w!r} has {''.join(bad)!r}, outside "
                             f"the vocabulary (lower-case letters a-z)")
    words = [w for w in words if w]
    if not words:
        raise InputError(f"word list {p} has no words (expected one word a line)")
    return words


def encode_words(words: list[str], length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and targets of each word (module docstring), both int64 ``(len(words), length)``.

    :raises InputError: for a word longer than ``length - 1`` or a character outside
        :data:`LETTERS`.
    """
    X = torch.zeros(len(words), length, dtype=torch.long)
    y = torch.full((len(words), length), -1, dtype=torch.long)
    for i, w in enumerate(words):
        if len(w) > length - 1:
            raise InputError(f"the word {w!r} has {len(w)} letters; at most {length - 1} fit")
        ids = [LETTERS.find(c) + 1 for c in w]
        if 0 in ids:
            raise InputError(f"the word {w!r} has a character outside the vocabulary "
                             "(lower-case letters a-z)")
        X[i, 1:1 + len(w)] = torch.tensor(ids, dtype=torch.long)
        y[i, :len(w)] = torch.tensor(ids, dtype=torch.long)
        y[i, len(w)] = 0                                     # the end marker is predicted
    return X, y


def makemore_split(n_words: int) -> tuple[list[int], list[int]]:
    """makemore's split of ``n_words`` words: (training indices, test indices), in its order.

    ``t = min(1000, int(0.1 N))``; ``rp = randperm(N)`` after seeding 3407; training ``rp[:-t]``,
    test ``rp[-t:]``. A private generator: the global random state is left alone.
    """
    t = min(MAX_TEST, int(0.1 * n_words))
    if t < 1:
        raise InputError(f"a word list needs at least 10 words for a test part, got {n_words}")
    rp = torch.randperm(n_words, generator=torch.Generator().manual_seed(MAKEMORE_SEED)).tolist()
    return rp[:-t], rp[-t:]


def names(source: Literal["generated", "full", "file"] = "generated", path: str | None = None,
          val_size: int | None = None, n: int = 2000, seed: int = 0) -> Splits:
    """Words as character sequences with makemore's split; see the module docstring.

    :param source: ``generated`` (offline: :func:`generated_words`), ``full`` (makemore's
        ``names.txt`` from the data root) or ``file`` (the word list at ``path``).
    :param path: the word list for ``source="file"``.
    :param val_size: validation words carved from the end of makemore's training part
        (default: as many as the test part).
    :param n: words to generate (``generated`` only).
    :param seed: seed of the generated words (``generated`` only; the split's seed is
        makemore's 3407 always).
    """
    if source == "generated":
        words, origin = generated_words(n, seed), f"{n} generated names (seed {seed})"
    elif source == "full":
        words = read_words(ensure(NAMES) / "names.txt")
        origin = "makemore's names.txt"
    elif source == "file":
        if path is None:
            raise ConfigError("source='file' needs path=<a word list, one word a line>")
        words, origin = read_words(path), f"the word list {path}"
    else:
        raise ConfigError(f"source must be 'generated', 'full' or 'file', got {source!r}")
    if path is not None and source != "file":
        raise ConfigError(f"path is read only with source='file', got source={source!r}")
    train_idx, test_idx = makemore_split(len(words))
    v = len(test_idx) if val_size is None else _int("val_size", val_size, 1)
    if v >= len(train_idx):
        raise ConfigError(f"val_size must leave training words: it is {v} of makemore's "
                          f"{len(train_idx)} training words")
    parts = {"train": [words[i] for i in train_idx[:-v]],
             "val": [words[i] for i in train_idx[-v:]],
             "test": [words[i] for i in test_idx]}
    T = max(len(w) for w in words) + 1
    data = {k: ArrayDataset(*encode_words(ws, T)) for k, ws in parts.items()}
    sizes = ", ".join(f"{len(ws)} {k}" for k, ws in parts.items())
    return Splits(
        "names", data["train"], data["val"], data["test"], "sequence", len(VOCAB), (T,),
        description=f"{origin}: {sizes} (makemore's split, seed {MAKEMORE_SEED}; validation "
                    f"from the end of its training part); one word a row, {T} steps, "
                    "token 0 = start/end, padded targets -1",
        meta={"vocab": VOCAB, "vocab_size": len(VOCAB), "words": parts, "pad": -1,
              "end": VOCAB.index(END), "max_word_length": T - 1})


__all__ = ["END", "LETTERS", "MAKEMORE_SEED", "VOCAB", "encode_words", "generated_words",
           "makemore_split", "names", "read_words"]


register_dataset("names", names, source=NAMES, embedded=True,
                 description="words one per line as characters, makemore's split: generated "
                             "names (offline) or makemore's names.txt (source=full)")
