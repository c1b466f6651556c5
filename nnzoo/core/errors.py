"""Errors that nnzoo reports to people, and the closest-name suggestions they carry.

Every error a user can cause (a typo in a model id, a tensor of the wrong shape, a missing
dataset, a damaged checkpoint) is a :class:`NnzooError`. The CLI prints it as one line and
exits with :attr:`NnzooError.exit_code` (2); anything else is a bug and keeps its traceback
behind ``--debug``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class NnzooError(Exception):
    """Base class of every error caused by input: one clear sentence, exit code 2."""

    exit_code = 2


class UsageError(NnzooError):
    """A command, option or identifier that does not exist or does not fit."""


class UnknownNameError(UsageError, KeyError):
    """A name (model id, recipe, dataset, hyperparameter) that is not known.

    The message names what kind of thing was looked up and suggests the closest names.
    """

    def __init__(self, kind: str, name: str, known: Iterable[str]) -> None:
        self.kind, self.name = kind, name
        self.known = sorted(set(known))
        close = closest(name, self.known)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        if not close and len(self.known) <= 12:
            hint = f"; known: {', '.join(self.known)}"
        super().__init__(f"unknown {kind} {name!r}{hint}")

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])


class ConfigError(UsageError):
    """A hyperparameter or option value of the wrong type or outside its range."""


class InputError(NnzooError, ValueError):
    """Data of the wrong shape, dtype or range, or non-finite values."""


class NotFittedError(NnzooError, RuntimeError):
    """A model asked to predict, transform or sample before it was fitted."""


class DataMissingError(NnzooError, FileNotFoundError):
    """A dataset that is neither in the data root nor downloadable now."""


class CheckpointError(NnzooError):
    """A checkpoint that is missing, corrupt, truncated or of another model."""


def closest(name: str, known: Iterable[str], n: int = 3) -> list[str]:
    """Return up to ``n`` names from ``known`` that look most like ``name``.

    Substring matches come first (``boltz`` finds ``rbm``'s alias ``boltzmann``), then
    :func:`difflib.get_close_matches` by similarity ratio.
    """
    known = list(dict.fromkeys(known))
    low = name.lower()
    subs = [k for k in known if low and (low in k.lower() or k.lower() in low)]
    subs.sort(key=lambda k: (abs(len(k) - len(name)), k))
    near = difflib.get_close_matches(low, known, n=n, cutoff=0.6)
    return list(dict.fromkeys(subs[:n] + near))[:n]
