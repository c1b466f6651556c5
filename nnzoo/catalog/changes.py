"""The zoo's dated changes: what is new, for the news page and the Atom feed.

The data lives in ``changes.json`` next to this module: ``{"version": 1, "changes": [...]}``,
each change ``{date, title, ids, summary, source}``. ``date`` is an ISO date computed from the
project's git history, never typed by hand: ``source`` says where it comes from, and a test
recomputes every date from it in a source checkout. The three kinds of source:

- ``{"added": PATH}``: the commit that first added the file (``git log --follow
  --diff-filter=A``), e.g. a model's module;
- ``{"commit": HASH}``: that commit, e.g. the one that merged a set of benchmark rows;
- ``{"first": TEXT, "path": PATH}``: the oldest commit whose diff of ``PATH`` adds or removes
  ``TEXT`` (``git log -S``), e.g. a catalog entry's id line.

Like the catalog, malformed packaged data raises a plain :class:`ValueError` naming the bad
change: a packaging bug, not something a user typed.
"""

from __future__ import annotations

import datetime
import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from nnzoo.catalog import Catalog, load_catalog

__all__ = ["Change", "load_changes", "parse_changes"]

_SOURCE_KEYS = ({"added"}, {"commit"}, {"first", "path"})


@dataclass(frozen=True)
class Change:
    """One dated change of the zoo: a model implemented, benchmark rows, catalog entries.

    :param date: the day of the commit it comes from.
    :param title: a one-line headline (plain text).
    :param ids: the catalog ids it concerns (at least one, each in the catalog).
    :param summary: a few sentences (plain text).
    """

    date: datetime.date
    title: str
    ids: tuple[str, ...]
    summary: str

    @property
    def anchor(self) -> str:
        """A fragment id for this change on the news page: the date and the title's words
        (``2026-11-24-support-vector-machine``), unique among the packaged changes."""
        words = re.findall(r"[a-z0-9]+", self.title.lower())
        return f"{self.date.isoformat()}-{'-'.join(words)[:60].rstrip('-')}"


def _change(raw: Any, position: int, catalog: Catalog) -> Change:
    where = f"change #{position}"
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where}: expected an object, got {type(raw).__name__}")
    if isinstance(raw.get("title"), str) and raw["title"].strip():
        where = f"change #{position} ({raw['title']!r})"
    unknown = sorted(set(raw) - {"date", "title", "ids", "summary", "source"})
    if unknown:
        raise ValueError(f"{where}: unknown keys {unknown}")
    for key in ("date", "title", "summary"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise ValueError(f"{where}: {key!r} must be a non-empty string")
    try:
        date = datetime.date.fromisoformat(raw["date"])
    except ValueError:
        raise ValueError(f"{where}: date must be YYYY-MM-DD, got {raw['date']!r}") from None
    if len(raw["date"]) != 10:
        raise ValueError(f"{where}: date must be YYYY-MM-DD, got {raw['date']!r}")
    ids = raw.get("ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise ValueError(f"{where}: 'ids' must be a non-empty list of catalog ids")
    missing = [i for i in ids if i not in catalog.entries]
    if missing:
        raise ValueError(f"{where}: ids not in the catalog: {missing}")
    if len(set(ids)) != len(ids):
        raise ValueError(f"{where}: 'ids' has duplicates")
    source = raw.get("source")
    if not isinstance(source, Mapping) or set(source) not in _SOURCE_KEYS or not all(
        isinstance(v, str) and v for v in source.values()
    ):
        raise ValueError(f"{where}: 'source' must be {{added: PATH}}, {{commit: HASH}} or "
                         "{first: TEXT, path: PATH}")
    return Change(date=date, title=raw["title"], ids=tuple(ids), summary=raw["summary"])


def parse_changes(raw: Any, catalog: Catalog | None = None) -> list[Change]:
    """Build the changes from the decoded ``changes.json``, newest first (ties keep file order).

    :param catalog: the catalog the ids must be in (default: the packaged one).
    :raises ValueError: naming the bad change when the data is malformed.
    """
    if not isinstance(raw, Mapping) or raw.get("version") != 1:
        raise ValueError('changes.json: expected an object with "version": 1')
    items = raw.get("changes")
    if not isinstance(items, list):
        raise ValueError('changes.json: "changes" must be a list')
    cat = load_catalog() if catalog is None else catalog
    changes = [_change(item, n, cat) for n, item in enumerate(items, 1)]
    return sorted(changes, key=lambda c: c.date, reverse=True)


@functools.lru_cache(maxsize=1)
def _packaged() -> tuple[Change, ...]:
    text = resources.files("nnzoo.catalog").joinpath("changes.json").read_text(encoding="utf-8")
    return tuple(parse_changes(json.loads(text)))


def load_changes() -> list[Change]:
    """Return the packaged changes, validated, newest first.

    :raises ValueError: naming the bad change when the packaged data is malformed.
    """
    return list(_packaged())
