"""``nnzoo catalog check``: validate a contributed catalog entry before it is proposed.

A file holds one entry (an object with an ``id``), a list of entries, or a whole catalog
(``{"version": 1, "entries": [...]}``). Every entry goes through the loader's own checks,
:meth:`nnzoo.catalog.Entry.from_dict` (fields, types, id and alias format, allowed
families, categories and paradigms, https URLs, star snapshots) and
:func:`nnzoo.catalog.catalog_problems` (unique ids and aliases, parents exist, no cycle,
parents precede children to the month): one code path, so a file that passes here loads.

Contributed entries are checked together with the packaged catalog (their ids must be new,
their parents may be in the catalog or in the file); a whole catalog file is checked on its
own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnzoo.catalog import Catalog, Entry, catalog_problems, load_catalog
from nnzoo.core.errors import UsageError

__all__ = ["CheckReport", "check_data", "check_file"]


@dataclass(frozen=True)
class CheckReport:
    """What :func:`check_data` found.

    :param problems: one line per problem (empty when the file is fine).
    :param ids: the ids of the entries the file holds, in file order.
    :param whole: whether the file was a whole catalog (checked on its own).
    """

    problems: tuple[str, ...]
    ids: tuple[str, ...]
    whole: bool

    @property
    def ok(self) -> bool:
        """Whether no problem was found."""
        return not self.problems


def check_data(raw: Any, catalog: Catalog | None = None) -> CheckReport:
    """Check decoded JSON holding one entry, a list of entries or a whole catalog.

    :param raw: the decoded file.
    :param catalog: what contributed entries are checked against (default: the packaged
        catalog); not used for a whole catalog file.
    """
    whole = isinstance(raw, Mapping) and "entries" in raw
    if whole:
        if raw.get("version") != 1:
            return CheckReport(('a whole catalog needs "version": 1',), (), True)
        items = raw["entries"]
        if not isinstance(items, list):
            return CheckReport(('"entries" must be a list',), (), True)
    elif isinstance(raw, list):
        items = raw
    elif isinstance(raw, Mapping):
        items = [raw]
    else:
        return CheckReport(("expected an entry object, a list of entries or a catalog "
                            f"object, got {type(raw).__name__}",), (), False)
    if not items:
        return CheckReport(("the file holds no entry",), (), whole)

    problems: list[str] = []
    parsed: list[Entry] = []
    failed: set[str] = set()
    ids: list[str] = []
    for n, item in enumerate(items, 1):
        ident = item.get("id") if isinstance(item, Mapping) else None
        if isinstance(ident, str):
            ids.append(ident)
        try:
            parsed.append(Entry.from_dict(item))
        except ValueError as e:
            problems.append(f"entry #{n}: {e}")
            if isinstance(ident, str):
                failed.add(ident)
    known: list[Entry] = [] if whole else list((catalog or load_catalog()).entries.values())
    for problem in catalog_problems(known + parsed):
        # An entry that failed above is reported once, not again as a missing parent.
        if not any(problem.endswith(f"unknown parent {i!r}") for i in failed):
            problems.append(problem)
    return CheckReport(tuple(problems), tuple(ids), whole)


def check_file(path: str | Path, catalog: Catalog | None = None) -> CheckReport:
    """Read a JSON file and :func:`check_data` it; a file that is not JSON is one problem.

    :raises UsageError: when the file cannot be read.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"no such file: {p}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read {p} as UTF-8 text: {e}") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        return CheckReport((f"not valid JSON: {e}",), (), False)
    return check_data(raw, catalog)
