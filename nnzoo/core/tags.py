"""The conventions of tokenised text and tagged sequences that the data
(:mod:`nnzoo.data.conll`, :mod:`nnzoo.data.sentences`) and the text models
(:mod:`nnzoo.models.text`) share: the padding and unknown words, the padding tag, the tag
sets, the character alphabet and the BIO tag helpers.

Word ids: every vocabulary starts with :data:`PAD_TOKEN` (id :data:`PAD`, the padding at the
end of a sentence) and :data:`UNK_TOKEN` (id :data:`UNK`, a word outside the vocabulary).

Layout of the taggers' tensors: ``x`` (B, T, 1 + C) int64, ``x[..., 0]`` the word id (0
padding, 1 unknown) and ``x[..., 1:]`` the character ids of that word (0 padding, 1 unknown,
``2 + ALPHABET.index(c)``); ``y`` (B, T) the tag ids, :data:`PAD_TAG` at padded steps.

BIO tags: ``O`` (outside), ``B-X`` (the first token of an entity of type X) and ``I-X`` (a
following token of it). The type is everything after the first ``-`` (``B-creative-work`` is
of type ``creative-work``).
"""

from __future__ import annotations

import string
from collections.abc import Sequence

from nnzoo.core.errors import ConfigError, InputError

#: Word ids of the padding token and of the unknown word.
PAD, UNK = 0, 1
#: The words of ids PAD and UNK, the first two of every vocabulary.
PAD_TOKEN, UNK_TOKEN = "<pad>", "<unk>"
#: Tag id at padded steps of targets and predictions (the cross-entropy ignore index).
PAD_TAG = -100
#: The character alphabet of the taggers: printable ASCII without whitespace; char id = 2 +
#: index (0 is padding, 1 an unknown character).
ALPHABET = string.ascii_letters + string.digits + string.punctuation
#: Tags of the toy NER task (the default of the taggers' configs).
TOY_TAGS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG")
#: Entity types of WNUT-17, and its tag set (ids in this order).
WNUT17_TYPES = ("corporation", "creative-work", "group", "location", "person", "product")
WNUT17_TAGS = ("O", *(f"{p}-{t}" for t in WNUT17_TYPES for p in ("B", "I")))


def split_tag(tag: str) -> tuple[str, str]:
    """``"B-creative-work"`` -> ``("B", "creative-work")``; ``"O"`` -> ``("O", "")``."""
    prefix, _, typ = tag.partition("-")
    return prefix, typ


def check_bio(tags: Sequence[str]) -> None:
    """Check that every tag of a data set's tag set is a BIO tag (``O``, ``B-X`` or ``I-X``).

    :raises InputError: naming the first tag that is not BIO.
    """
    for t in tags:
        prefix, typ = split_tag(t)
        if t != "O" and (prefix not in ("B", "I") or not typ):
            raise InputError(f"tag {t!r} is not a BIO tag ('O', 'B-X' or 'I-X')")


def check_bio_tags(tags: Sequence[str], what: str = "tags") -> list[str]:
    """Check a model's BIO tag set: ``O`` and ``B-X`` / ``I-X`` pairs, no duplicates; return
    the entity types in order of first appearance.

    :raises ConfigError: naming the offending tag.
    """
    tags = list(tags)
    if len(set(tags)) != len(tags):
        raise ConfigError(f"{what} must be distinct, got {tags}")
    if "O" not in tags:
        raise ConfigError(f"{what} must contain the outside tag 'O', got {tags}")
    types: list[str] = []
    for t in tags:
        if t == "O":
            continue
        prefix, typ = split_tag(t)
        if prefix not in ("B", "I") or not typ:
            raise ConfigError(f"{what} must be BIO tags ('O', 'B-X', 'I-X'), got {t!r}")
        if typ not in types:
            types.append(typ)
    for typ in types:
        if f"B-{typ}" not in tags or f"I-{typ}" not in tags:
            raise ConfigError(f"{what} must hold both B-{typ} and I-{typ}, got {tags}")
    return types


__all__ = ["ALPHABET", "PAD", "PAD_TAG", "PAD_TOKEN", "TOY_TAGS", "UNK", "UNK_TOKEN",
           "WNUT17_TAGS", "WNUT17_TYPES", "check_bio", "check_bio_tags", "split_tag"]
