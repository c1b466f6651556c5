"""The catalog: every architecture of the deep-learning genealogy and of the Neural Network Zoo.

The data lives in ``catalog.json`` next to this file (one object per architecture: id,
name, abbreviation, aliases, year and, where known, month of its paper, the paper, family,
categories, learning paradigm, lineage parents, reference implementations, whether it is on
the Asimov Institute's Neural Network Zoo chart, and a one-line summary). This module loads
and validates it and answers the questions the CLI asks: look a name up
(``get``/``resolve``, aliases and case-insensitive, closest-name suggestions on a typo),
search (glob or substring, family, category, framework), and walk the lineage
(``parents``/``children``/``ancestors``/``descendants``) or draw it as an indented text
tree, a Mermaid flowchart or a Graphviz digraph.

It imports only the standard library and :mod:`nnzoo.core.errors`, so ``nnzoo list`` and
``nnzoo info`` start without importing torch.

Decisions recorded here:

- The catalog is a DAG (a model may have several parents: ``bilstm`` has ``lstm`` and
  ``birnn``). ``lineage_text`` prints each node's subtree once; later occurrences of the same
  node show ``(see above)`` instead of repeating the subtree.
- A parent's paper never comes after its child's: the loader checks ``(year, month)``
  wherever both months are known, and requires both months when the two papers share a
  year. ``month`` (1-12) is the month of the arXiv identifier (the month arXiv first
  listed the paper) for arXiv papers of the entry's year, else the venue's month.
- Errors in ``catalog.json`` raise a plain :class:`ValueError` naming the bad entry: that is
  a packaging bug, not something a user typed. A name the user typed that is not known
  raises :class:`~nnzoo.core.errors.UnknownNameError` with the closest names.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from nnzoo.core.errors import UnknownNameError

__all__ = [
    "CATEGORIES",
    "FAMILIES",
    "PARADIGMS",
    "Catalog",
    "Entry",
    "Paper",
    "Reference",
    "load_catalog",
]

FAMILIES: frozenset[str] = frozenset(
    {
        "perceptron",
        "feedforward",
        "kernel",
        "energy-based",
        "markov",
        "autoencoder",
        "convolutional",
        "detection",
        "segmentation",
        "super-resolution",
        "generative-adversarial",
        "autoregressive",
        "latent-variable",
        "recurrent",
        "attention",
        "memory",
        "neural-programming",
        "reservoir",
        "competitive",
        "capsule",
        "reinforcement",
        "classic",
    }
)
"""The allowed values of :attr:`Entry.family`."""

CATEGORIES: frozenset[str] = frozenset(
    {
        "vision",
        "language",
        "sequence",
        "generative",
        "unsupervised",
        "reinforcement",
        "memory",
        "classic",
        "audio",
    }
)
"""The allowed values in :attr:`Entry.categories`."""

PARADIGMS: frozenset[str] = frozenset(
    {
        "supervised",
        "unsupervised",
        "self-supervised",
        "reinforcement",
        "generative",
        "semi-supervised",
    }
)
"""The allowed values of :attr:`Entry.paradigm`."""

_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ALIAS_RE = re.compile(r"^[a-z0-9][a-z0-9+._-]*$")
_GLOB_CHARS = frozenset("*?[")
_YEAR_MIN, _YEAR_MAX = 1800, 2030


@dataclass(frozen=True)
class Paper:
    """The paper that introduced an architecture (up to three first authors).

    ``venue`` names where it appeared (journal, volume, pages) when ``url`` is not the paper
    itself (a paper with no online copy); otherwise it is None.
    """

    title: str
    authors: tuple[str, ...]
    url: str
    venue: str | None = None


@dataclass(frozen=True)
class Reference:
    """A reference implementation people point to: repository URL and framework."""

    repo: str
    framework: str


@dataclass(frozen=True)
class Entry:
    """One architecture of the catalog."""

    id: str
    name: str
    abbreviation: str
    aliases: tuple[str, ...]
    year: int
    month: int | None
    paper: Paper
    family: str
    categories: tuple[str, ...]
    paradigm: str
    parents: tuple[str, ...]
    references: tuple[Reference, ...]
    zoo_chart: bool
    summary: str

    def to_dict(self) -> dict[str, Any]:
        """Return the entry as a JSON-ready dict, in the layout of ``catalog.json``."""
        when: dict[str, Any] = {"year": self.year}
        if self.month is not None:
            when["month"] = self.month
        paper: dict[str, Any] = {"title": self.paper.title, "authors": list(self.paper.authors),
                                 "url": self.paper.url}
        if self.paper.venue is not None:
            paper["venue"] = self.paper.venue
        return {
            "id": self.id,
            "name": self.name,
            "abbreviation": self.abbreviation,
            "aliases": list(self.aliases),
            **when,
            "paper": paper,
            "family": self.family,
            "categories": list(self.categories),
            "paradigm": self.paradigm,
            "parents": list(self.parents),
            "references": [{"repo": r.repo, "framework": r.framework} for r in self.references],
            "zoo_chart": self.zoo_chart,
            "summary": self.summary,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Entry:
        """Build and check one entry from its ``catalog.json`` object.

        :raises ValueError: naming the entry, on a missing key, wrong type or value outside
            the allowed sets.
        """
        ident = raw.get("id") if isinstance(raw, Mapping) else None
        where = f"catalog entry {ident!r}"
        if not isinstance(raw, Mapping):
            raise ValueError(f"catalog entry is not an object: {raw!r}")

        def need(key: str, kind: type | tuple[type, ...]) -> Any:
            if key not in raw:
                raise ValueError(f"{where}: missing key {key!r}")
            value = raw[key]
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise ValueError(f"{where}: {key!r} has the wrong type ({type(value).__name__})")
            return value

        def strings(key: str, value: Any) -> tuple[str, ...]:
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise ValueError(f"{where}: {key!r} must be a list of non-empty strings")
            if len(set(value)) != len(value):
                raise ValueError(f"{where}: {key!r} has duplicates")
            return tuple(value)

        ident = need("id", str)
        if not _ID_RE.match(ident):
            raise ValueError(f"{where}: id must match [a-z0-9]+(-[a-z0-9]+)*")
        name, abbreviation, summary = (
            need("name", str),
            need("abbreviation", str),
            need("summary", str),
        )
        if not name.strip() or not abbreviation.strip() or not summary.strip():
            raise ValueError(f"{where}: name, abbreviation and summary must not be empty")
        aliases = strings("aliases", need("aliases", list))
        for alias in aliases:
            if not _ALIAS_RE.match(alias):
                raise ValueError(f"{where}: alias {alias!r} must be lowercase [a-z0-9+._-]")
        year = need("year", int)
        if not _YEAR_MIN <= year <= _YEAR_MAX:
            raise ValueError(f"{where}: year {year} outside {_YEAR_MIN}..{_YEAR_MAX}")
        month = raw.get("month")
        if month is not None and (not isinstance(month, int) or isinstance(month, bool)
                                  or not 1 <= month <= 12):
            raise ValueError(f"{where}: month must be an integer from 1 to 12, got {month!r}")

        paper_raw = need("paper", dict)
        for key in ("title", "url"):
            if not isinstance(paper_raw.get(key), str) or not paper_raw[key].strip():
                raise ValueError(f"{where}: paper.{key} must be a non-empty string")
        authors = strings("paper.authors", paper_raw.get("authors"))
        if not 1 <= len(authors) <= 3:
            raise ValueError(f"{where}: paper.authors must list 1 to 3 names")
        if not paper_raw["url"].startswith("https://"):
            raise ValueError(f"{where}: paper.url must start with https://")
        venue = paper_raw.get("venue")
        if venue is not None and (not isinstance(venue, str) or not venue.strip()):
            raise ValueError(f"{where}: paper.venue must be a non-empty string when given")
        paper = Paper(title=paper_raw["title"], authors=authors, url=paper_raw["url"],
                      venue=venue)

        family = need("family", str)
        if family not in FAMILIES:
            raise ValueError(f"{where}: unknown family {family!r}")
        categories = strings("categories", need("categories", list))
        if not categories:
            raise ValueError(f"{where}: categories must not be empty")
        bad = sorted(set(categories) - CATEGORIES)
        if bad:
            raise ValueError(f"{where}: unknown categories {bad}")
        paradigm = need("paradigm", str)
        if paradigm not in PARADIGMS:
            raise ValueError(f"{where}: unknown paradigm {paradigm!r}")
        parents = strings("parents", need("parents", list))
        if ident in parents:
            raise ValueError(f"{where}: lists itself as a parent")

        references = []
        for ref in need("references", list):
            if (
                not isinstance(ref, Mapping)
                or not isinstance(ref.get("repo"), str)
                or not isinstance(ref.get("framework"), str)
                or not ref["framework"]
            ):
                raise ValueError(f"{where}: each reference needs 'repo' and 'framework' strings")
            if not ref["repo"].startswith("https://"):
                raise ValueError(f"{where}: reference repo must start with https://")
            references.append(Reference(repo=ref["repo"], framework=ref["framework"]))
        zoo_chart = need("zoo_chart", bool)
        return cls(
            id=ident,
            name=name,
            abbreviation=abbreviation,
            aliases=aliases,
            year=year,
            month=month,
            paper=paper,
            family=family,
            categories=categories,
            paradigm=paradigm,
            parents=parents,
            references=tuple(references),
            zoo_chart=zoo_chart,
            summary=summary,
        )


def _order(entry: Entry) -> tuple[int, str]:
    return (entry.year, entry.id)


class Catalog:
    """The architectures by id (in file order) with name lookup, search and lineage.

    :param entries: the entries; ids must be unique, aliases unique and distinct from
        every id, parents must exist and the parent graph must be acyclic.
    :raises ValueError: naming the bad entry when any of that does not hold.
    """

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries: dict[str, Entry] = {}
        for entry in entries:
            if entry.id in self.entries:
                raise ValueError(f"catalog entry {entry.id!r}: duplicate id")
            self.entries[entry.id] = entry
        self._index: dict[str, str] = {ident: ident for ident in self.entries}
        for entry in self.entries.values():
            for alias in entry.aliases:
                if alias in self._index:
                    other = self._index[alias]
                    raise ValueError(
                        f"catalog entry {entry.id!r}: alias {alias!r} clashes with "
                        f"{'id' if alias == other else 'an alias of'} {other!r}"
                    )
                self._index[alias] = entry.id
        self._children: dict[str, list[str]] = {ident: [] for ident in self.entries}
        for entry in self.entries.values():
            for parent in entry.parents:
                if parent not in self.entries:
                    raise ValueError(f"catalog entry {entry.id!r}: unknown parent {parent!r}")
                self._children[parent].append(entry.id)
        for kids in self._children.values():
            kids.sort(key=lambda i: _order(self.entries[i]))
        self._check_acyclic()
        self._check_chronology()

    def _check_chronology(self) -> None:
        """Raise :class:`ValueError` naming an entry whose parent's paper came after its own
        (at ``(year, month)`` precision where both months are known), or that shares its
        year with a parent while either month is missing."""
        for entry in self.entries.values():
            for pid in entry.parents:
                parent = self.entries[pid]
                where = f"catalog entry {entry.id!r}: parent {pid!r}"
                if parent.year > entry.year:
                    raise ValueError(f"{where} is from {parent.year}, after {entry.year}")
                if parent.year < entry.year:
                    continue
                if parent.month is None or entry.month is None:
                    raise ValueError(f"{where} shares the year {entry.year}; both need a "
                                     "month to show which came first")
                if parent.month > entry.month:
                    raise ValueError(f"{where} is from {parent.year}-{parent.month:02d}, "
                                     f"after {entry.year}-{entry.month:02d}")

    def _check_acyclic(self) -> None:
        """Raise :class:`ValueError` naming an entry on a cycle of the parent graph."""
        state: dict[str, int] = {}  # 1 = on the current path, 2 = done
        for start in self.entries:
            if start in state:
                continue
            stack: list[tuple[str, Iterator[str]]] = [(start, iter(self.entries[start].parents))]
            state[start] = 1
            while stack:
                node, parents = stack[-1]
                for parent in parents:
                    if state.get(parent) == 1:
                        raise ValueError(
                            f"catalog entry {node!r}: lineage cycle through parent {parent!r}"
                        )
                    if parent not in state:
                        state[parent] = 1
                        stack.append((parent, iter(self.entries[parent].parents)))
                        break
                else:
                    state[node] = 2
                    stack.pop()

    # ----------------------------------------------------------------- lookup
    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries.values())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.strip().lower() in self._index

    def names(self) -> list[str]:
        """Return every id and alias, sorted (what a user may type)."""
        return sorted(self._index)

    def resolve(self, name: str) -> str:
        """Return the canonical id for an id or alias (case-insensitive).

        :raises UnknownNameError: when the name is not known; the message suggests the
            closest ids and aliases.
        """
        key = name.strip().lower()
        try:
            return self._index[key]
        except KeyError:
            raise UnknownNameError("architecture", name, self._index) from None

    def get(self, name: str) -> Entry:
        """Return the entry for an id or alias (case-insensitive).

        :raises UnknownNameError: when the name is not known, suggesting the closest names.
        """
        return self.entries[self.resolve(name)]

    def search(
        self,
        pattern: str | None = None,
        *,
        family: str | None = None,
        category: str | None = None,
        framework: str | None = None,
        ids: set[str] | frozenset[str] | None = None,
    ) -> list[Entry]:
        """Return the entries matching every given filter, in catalog order.

        :param pattern: an :mod:`fnmatch` glob (``*boltzmann*``), case-insensitive, matched
            against the id, aliases, name and abbreviation; without glob characters it
            matches as a substring of any of them.
        :param family: exact family (case-insensitive), e.g. ``recurrent``.
        :param category: exact category (case-insensitive), e.g. ``vision``.
        :param framework: exact framework of at least one reference implementation
            (case-insensitive), e.g. ``pytorch``.
        :param ids: keep only these ids (for ``--implemented``).
        """
        pat = pattern.strip().lower() if pattern else None
        is_glob = pat is not None and any(c in _GLOB_CHARS for c in pat)
        fam = family.strip().lower() if family else None
        cat = category.strip().lower() if category else None
        fw = framework.strip().lower() if framework else None
        found = []
        for entry in self.entries.values():
            if ids is not None and entry.id not in ids:
                continue
            if fam is not None and entry.family != fam:
                continue
            if cat is not None and cat not in entry.categories:
                continue
            if fw is not None and not any(r.framework.lower() == fw for r in entry.references):
                continue
            if pat:
                fields = [entry.id, *entry.aliases, entry.name.lower(), entry.abbreviation.lower()]
                if is_glob:
                    hit = any(fnmatch.fnmatchcase(f, pat) for f in fields)
                else:
                    hit = any(pat in f for f in fields)
                if not hit:
                    continue
            found.append(entry)
        return found

    # ----------------------------------------------------------------- lineage
    def parents(self, name: str) -> list[Entry]:
        """Return the direct parents of an architecture, in the order the entry lists them."""
        return [self.entries[p] for p in self.get(name).parents]

    def children(self, name: str) -> list[Entry]:
        """Return the architectures that list this one as a parent, by year then id."""
        return [self.entries[c] for c in self._children[self.resolve(name)]]

    def ancestors(self, name: str) -> list[Entry]:
        """Return every transitive parent, ordered by year then id."""
        return self._closure(self.resolve(name), lambda i: self.entries[i].parents)

    def descendants(self, name: str) -> list[Entry]:
        """Return every transitive child, ordered by year then id."""
        return self._closure(self.resolve(name), lambda i: self._children[i])

    def roots(self) -> list[Entry]:
        """Return the entries without parents, ordered by year then id."""
        return sorted((e for e in self.entries.values() if not e.parents), key=_order)

    def _closure(self, start: str, step: Any) -> list[Entry]:
        seen: set[str] = set()
        todo = list(step(start))
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(step(node))
        return sorted((self.entries[i] for i in seen), key=_order)

    def subgraph_ids(self, root: str | None = None) -> list[str]:
        """Return the ids a lineage view shows, in catalog order.

        All ids without ``root``; with it, the root, its ancestors and its descendants.
        """
        if root is None:
            return list(self.entries)
        ident = self.resolve(root)
        keep = (
            {ident}
            | {e.id for e in self.ancestors(ident)}
            | {e.id for e in self.descendants(ident)}
        )
        return [i for i in self.entries if i in keep]

    def lineage_text(self, root: str | None = None) -> str:
        """Return the lineage as an indented ASCII tree.

        Without ``root``: the whole catalog, starting from the roots (entries without
        parents). With ``root``: the root's ancestors leading down to it, then its subtree.
        A node reached again through another parent shows ``(see above)``.
        """
        from nnzoo.catalog.lineage import render_text

        return render_text(self, root)

    def to_mermaid(self, root: str | None = None, highlight: Iterable[str] = frozenset()) -> str:
        """Return the lineage as a Mermaid ``graph TD`` flowchart.

        :param root: restrict to this architecture's ancestors and descendants.
        :param highlight: ids (or aliases) drawn with the ``highlight`` class, e.g. the
            implemented ones.
        """
        from nnzoo.catalog.lineage import render_mermaid

        return render_mermaid(self, root, highlight)

    def to_dot(self, root: str | None = None, highlight: Iterable[str] = frozenset()) -> str:
        """Return the lineage as a Graphviz ``digraph nnzoo``; highlighted nodes are filled.

        :param root: restrict to this architecture's ancestors and descendants.
        :param highlight: ids (or aliases) drawn filled.
        """
        from nnzoo.catalog.lineage import render_dot

        return render_dot(self, root, highlight)

    def to_list(self) -> list[dict[str, Any]]:
        """Return every entry as a JSON-ready dict, in catalog order."""
        return [e.to_dict() for e in self.entries.values()]


def parse_catalog(raw: Mapping[str, Any]) -> Catalog:
    """Build a :class:`Catalog` from the decoded ``catalog.json`` object.

    :raises ValueError: naming the bad entry when the data is malformed.
    """
    if not isinstance(raw, Mapping) or raw.get("version") != 1:
        raise ValueError('catalog.json: expected an object with "version": 1')
    entries = raw.get("entries")
    if not isinstance(entries, list):
        raise ValueError('catalog.json: "entries" must be a list')
    return Catalog(Entry.from_dict(item) for item in entries)


@functools.lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """Load, validate and cache the packaged ``catalog.json``.

    :raises ValueError: naming the bad entry when the packaged data is malformed (a
        packaging bug).
    """
    text = resources.files("nnzoo.catalog").joinpath("catalog.json").read_text(encoding="utf-8")
    return parse_catalog(json.loads(text))
