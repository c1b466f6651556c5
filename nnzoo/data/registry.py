"""The dataset registry: every dataset nnzoo can load, by the id people type.

This module holds only the mechanism: each module of ``nnzoo.data`` registers the datasets it
loads with :func:`register_dataset` at import time, and importing :mod:`nnzoo.data` imports
every such module (so a new dataset is one new file).

``load_dataset("digits")``, ``load_dataset("mnist", val_size=10000)``,
``load_dataset("copy", seq_len=20, seed=1)``: keyword arguments go to the dataset's loader,
and a wrong one is a :class:`ConfigError` that lists the ones it takes.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from nnzoo.core.errors import ConfigError, UnknownNameError
from nnzoo.data.base import Splits
from nnzoo.data.sources import Source


@dataclass(frozen=True)
class DatasetInfo:
    """A registered dataset.

    :param name: the id (lowercase, hyphenated).
    :param loader: returns the :class:`Splits`; takes the dataset's keyword arguments.
    :param source: where its files come from, or None for embedded/generated data.
    :param embedded: True when it needs no download (scikit-learn bundled or generated).
    :param description: one line for ``nnzoo data list``.
    """

    name: str
    loader: Callable[..., Splits]
    source: Source | None
    embedded: bool
    description: str


#: Every registered dataset by id, in the order of registration (``nnzoo data list``'s order).
DATASETS: dict[str, DatasetInfo] = {}

#: Other names of the registered datasets: ``{alias: id}``.
ALIASES: dict[str, str] = {}


def register_dataset(name: str, loader: Callable[..., Splits], *, source: Source | None = None,
                     description: str, aliases: tuple[str, ...] = (),
                     embedded: bool | None = None) -> None:
    """Add dataset ``name`` (lowercase, hyphenated) to the registry.

    :param loader: returns the :class:`Splits`; its keyword arguments are the dataset's options.
    :param source: where its files come from (None: embedded or generated, no download).
    :param description: one line for ``nnzoo data list``.
    :param aliases: other names that resolve to it.
    :param embedded: loads with nothing on disk; by default, when there is no ``source``.
        ``False`` with no ``source``: files the user supplies (no canonical download).
    """
    if name in DATASETS or name in ALIASES:
        raise ValueError(f"dataset {name!r} registered twice")
    DATASETS[name] = DatasetInfo(name, loader, source,
                                 source is None if embedded is None else embedded, description)
    for a in aliases:
        if a in DATASETS or a in ALIASES:
            raise ValueError(f"dataset alias {a!r} registered twice")
        ALIASES[a] = name


#: Folders of the data root that nnzoo fetches and verifies but no loader reads yet:
#: ``{folder name: (source, description)}``.
FILES_ONLY: dict[str, tuple[Source, str]] = {}


def register_files(source: Source, description: str) -> None:
    """Add a data-root folder that ``nnzoo data list/fetch/verify`` cover although no model
    loads it yet (its loader comes with the first model that reads it)."""
    if source.name in FILES_ONLY or source.name in DATASETS:
        raise ValueError(f"data folder {source.name!r} registered twice")
    FILES_ONLY[source.name] = (source, description)


def _key(name: str) -> str:
    if not isinstance(name, str):
        raise UnknownNameError("dataset", repr(name), DATASETS)
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    key = ALIASES.get(key, key)
    if key not in DATASETS:
        raise UnknownNameError("dataset", name, DATASETS)
    return key


def get_info(name: str) -> DatasetInfo:
    """The :class:`DatasetInfo` of ``name`` (aliases and ``_`` for ``-`` accepted)."""
    return DATASETS[_key(name)]


def get_source(name: str) -> Source | None:
    """Where the files of dataset ``name`` come from; None for embedded datasets."""
    return get_info(name).source


def list_datasets() -> list[str]:
    """The ids of every registered dataset, sorted."""
    return sorted(DATASETS)


def _parameters(loader: Callable[..., Any]) -> list[str]:
    sig = inspect.signature(loader)
    return [
        p.name
        for p in sig.parameters.values()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]


def _user_spec(name: str) -> tuple[str, str] | None:
    from nnzoo.data.user import parse_spec

    return parse_spec(name)


def loader_of(name: str) -> tuple[str, Callable[..., Splits]]:
    """``(display name, loader)`` of a registered id or of a ``KIND:PATH`` name (the user's
    files, :mod:`nnzoo.data.user`); a user loader is bound to its path."""
    spec = _user_spec(name)
    if spec is not None:
        from nnzoo.data.user import KINDS

        kind, path = spec
        return f"{kind}:{path}", partial(KINDS[kind], path)
    info = get_info(name)
    return info.name, info.loader


def canonical_name(name: str) -> str:
    """The name to store in a run's config: the registered id as given, or ``KIND:PATH``
    with the path made absolute (so ``--resume`` and ``nnzoo eval`` find the files from any
    folder)."""
    from pathlib import Path

    spec = _user_spec(name)
    if spec is None:
        return name
    return f"{spec[0]}:{Path(spec[1]).expanduser().resolve()}"


def dataset_parameters(name: str) -> dict[str, Any]:
    """The arguments the loader of ``name`` takes, with their type hints (``str`` when
    unknown): what ``--set KEY=VALUE`` can give the dataset."""
    import typing

    _, loader = loader_of(name)
    fn = getattr(loader, "func", loader)
    try:
        hints = typing.get_type_hints(fn)
    except Exception:  # a loader with unresolvable annotations: take strings
        hints = {}
    bound = set(getattr(loader, "keywords", {}) or {})
    return {p: hints.get(p, str) for p in _parameters(loader) if p not in bound}


def load_dataset(name: str, **kwargs: Any) -> Splits:
    """Load dataset ``name`` as :class:`Splits`; ``kwargs`` go to its loader.

    ``name`` is a registered id, or ``KIND:PATH`` for the user's own files (``conll:DIR``,
    ``sentences:DIR``, ``csv:FILE``, ``imagefolder:DIR``; see :mod:`nnzoo.data.user`).

    :raises UnknownNameError: for an unknown id (with the closest names).
    :raises ConfigError: for an argument the loader does not take.
    :raises DataMissingError: when a downloadable dataset is missing and cannot be fetched.
    """
    shown, loader = loader_of(name)
    known = list(dataset_parameters(name))
    unknown = [k for k in kwargs if k not in known]
    if unknown:
        takes = ", ".join(known) if known else "no arguments"
        raise ConfigError(
            f"dataset {shown!r} does not take {', '.join(map(repr, unknown))}; "
            f"it takes: {takes}"
        )
    return loader(**kwargs)
