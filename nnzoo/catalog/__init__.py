"""The catalog: every architecture of the deep-learning genealogy and of the Neural Network Zoo.

The data lives in ``catalog.json`` next to this file (one object per architecture: id,
name, abbreviation, aliases, year and, where known, month of its paper, the paper, family,
categories, learning paradigm, lineage parents, reference implementations (each with its
framework and, where known, a dated stars snapshot and whether the web catalog features it),
whether it is on the Asimov Institute's Neural Network Zoo chart, and a one-line summary);
the zoo's dated changes, for the news page and the feed, are in ``changes.json``
(:mod:`nnzoo.catalog.changes`), and ``nnzoo catalog check`` validates a contributed entry
with the loader's own checks (:mod:`nnzoo.catalog.check`). This module loads
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
- Every check of the lineage graph is a line yielded by :func:`catalog_problems`: the
  loader raises the first, ``nnzoo catalog check`` prints them all.
- A stars snapshot's date may be a year or a year-month (ISO 8601 reduced precision) where
  the source gives no day: the counts the model-zoo sites published in 2018 carry ``2018``.
- Errors in ``catalog.json`` raise a plain :class:`ValueError` naming the bad entry: that is
  a packaging bug, not something a user typed. A name the user typed that is not known
  raises :class:`~nnzoo.core.errors.UnknownNameError` with the closest names.
"""

from __future__ import annotations

import datetime
import fnmatch
import functools
import json
import re
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from nnzoo.core.errors import UnknownNameError

__all__ = [
    "CATEGORIES",
    "FAMILIES",
    "Change",
    "PARADIGMS",
    "Catalog",
    "Entry",
    "Featured",
    "Paper",
    "Reference",
    "catalog_problems",
    "load_catalog",
    "load_changes",
    "parse_catalog",
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
    """A reference implementation people point to: repository URL and framework.

    ``stars`` is a snapshot of the repository's star count, taken on ``stars_date`` (an ISO
    8601 calendar date, or a year or year-month where the source gives no day) and read from
    ``stars_source``; the three are given together or not at all. ``featured`` marks the
    implementations the home page of the web catalog features.
    """

    repo: str
    framework: str
    stars: int | None = None
    stars_date: str | None = None
    stars_source: str | None = None
    featured: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return the reference as a JSON-ready dict, in the layout of ``catalog.json``."""
        out: dict[str, Any] = {"repo": self.repo, "framework": self.framework}
        if self.stars is not None:
            out.update(stars=self.stars, stars_date=self.stars_date,
                       stars_source=self.stars_source)
        if self.featured:
            out["featured"] = True
        return out

    @classmethod
    def from_dict(cls, raw: Any, where: str) -> Reference:
        """Build and check one reference of the entry ``where`` names.

        :raises ValueError: naming the entry, on a missing or malformed field.
        """
        if (
            not isinstance(raw, Mapping)
            or not isinstance(raw.get("repo"), str)
            or not isinstance(raw.get("framework"), str)
            or not raw["framework"]
        ):
            raise ValueError(f"{where}: each reference needs 'repo' and 'framework' strings")
        unknown = sorted(set(raw) - _REFERENCE_KEYS)
        if unknown:
            raise ValueError(f"{where}: reference {raw['repo']!r} has unknown keys {unknown}")
        _check_url(raw["repo"], f"{where}: reference repo")
        stars, date, source = raw.get("stars"), raw.get("stars_date"), raw.get("stars_source")
        if (stars is None) != (date is None) or (stars is None) != (source is None):
            raise ValueError(f"{where}: reference {raw['repo']!r} needs stars, stars_date and "
                             "stars_source together")
        if stars is not None:
            if not isinstance(stars, int) or isinstance(stars, bool) or stars < 0:
                raise ValueError(f"{where}: reference {raw['repo']!r}: stars must be an "
                                 f"integer >= 0, got {stars!r}")
            if not isinstance(date, str) or not _is_iso_date(date):
                raise ValueError(f"{where}: reference {raw['repo']!r}: stars_date must be an "
                                 f"ISO date (YYYY-MM-DD, YYYY-MM or YYYY), got {date!r}")
            if not isinstance(source, str) or not source.strip():
                raise ValueError(f"{where}: reference {raw['repo']!r}: stars_source must be a "
                                 "non-empty string")
        featured = raw.get("featured", False)
        if not isinstance(featured, bool):
            raise ValueError(f"{where}: reference {raw['repo']!r}: featured must be true or "
                             "false")
        return cls(repo=raw["repo"], framework=raw["framework"], stars=stars, stars_date=date,
                   stars_source=source, featured=featured)


_REFERENCE_KEYS = frozenset({"repo", "framework", "stars", "stars_date", "stars_source",
                             "featured"})
_ISO_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def _is_iso_date(text: str) -> bool:
    """Whether ``text`` is an ISO 8601 calendar date at day, month or year precision."""
    m = _ISO_DATE_RE.match(text)
    if m is None:
        return False
    year, month, day = (int(g) if g else None for g in m.groups())
    try:
        datetime.date(year or 1, month or 1, day or 1)
    except ValueError:
        return False
    return True


def _check_url(url: str, what: str) -> None:
    """Raise :class:`ValueError` unless ``url`` is an ``https://`` URL with a host."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https" or not parts.netloc or any(c.isspace() for c in url):
        raise ValueError(f"{what} must be an https:// URL with a host, got {url!r}")


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
            "references": [r.to_dict() for r in self.references],
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
        _check_url(paper_raw["url"], f"{where}: paper.url")
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

        references = tuple(Reference.from_dict(ref, where)
                           for ref in need("references", list))
        repos = [r.repo for r in references]
        if len(set(repos)) != len(repos):
            raise ValueError(f"{where}: a reference repo is listed twice")
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
            references=references,
            zoo_chart=zoo_chart,
            summary=summary,
        )


@dataclass(frozen=True)
class Featured:
    """A featured reference implementation and the ids of the entries it implements."""

    reference: Reference
    ids: tuple[str, ...]


def _order(entry: Entry) -> tuple[int, str]:
    return (entry.year, entry.id)


def catalog_problems(entries: Iterable[Entry]) -> Iterator[str]:
    """Yield one line per problem of the lineage graph that ``entries`` form together.

    The checks :class:`Catalog` makes on load (and ``nnzoo catalog check`` reports all of):
    ids unique, aliases unique and distinct from every id, parents exist, no lineage cycle,
    and a parent's paper never after its child's, at ``(year, month)`` precision where both
    months are known; a parent and child of the same year both need a month. Each line
    starts with ``catalog entry '<id>'``.
    """
    byid: dict[str, Entry] = {}
    for entry in entries:
        if entry.id in byid:
            yield f"catalog entry {entry.id!r}: duplicate id"
        else:
            byid[entry.id] = entry
    index: dict[str, str] = {ident: ident for ident in byid}
    for entry in byid.values():
        for alias in entry.aliases:
            if alias in index:
                other = index[alias]
                yield (f"catalog entry {entry.id!r}: alias {alias!r} clashes with "
                       f"{'id' if alias == other else 'an alias of'} {other!r}")
            else:
                index[alias] = entry.id
    for entry in byid.values():
        for pid in entry.parents:
            if pid not in byid:
                yield f"catalog entry {entry.id!r}: unknown parent {pid!r}"
    yield from _cycle_problems(byid)
    yield from _chronology_problems(byid)


def _chronology_problems(byid: Mapping[str, Entry]) -> Iterator[str]:
    """Yield a line for each parent whose paper came after its child's (see
    :func:`catalog_problems`); unknown parents are skipped (reported elsewhere)."""
    for entry in byid.values():
        for pid in entry.parents:
            parent = byid.get(pid)
            if parent is None:
                continue
            where = f"catalog entry {entry.id!r}: parent {pid!r}"
            if parent.year > entry.year:
                yield f"{where} is from {parent.year}, after {entry.year}"
            elif parent.year < entry.year:
                continue
            elif parent.month is None or entry.month is None:
                yield (f"{where} shares the year {entry.year}; both need a month to show "
                       "which came first")
            elif parent.month > entry.month:
                yield (f"{where} is from {parent.year}-{parent.month:02d}, after "
                       f"{entry.year}-{entry.month:02d}")


def _cycle_problems(byid: Mapping[str, Entry]) -> Iterator[str]:
    """Yield a line naming an entry on a cycle of the parent graph (the first found from
    each start); unknown parents are skipped."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start in byid:
        if start in state:
            continue
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(byid[start].parents))]
        state[start] = 1
        while stack:
            node, parents = stack[-1]
            for parent in parents:
                if parent not in byid:
                    continue
                if state.get(parent) == 1:
                    yield f"catalog entry {node!r}: lineage cycle through parent {parent!r}"
                    continue
                if parent not in state:
                    state[parent] = 1
                    stack.append((parent, iter(byid[parent].parents)))
                    break
            else:
                state[node] = 2
                stack.pop()


class Catalog:
    """The architectures by id (in file order) with name lookup, search and lineage.

    :param entries: the entries; ids must be unique, aliases unique and distinct from
        every id, parents must exist and the parent graph must be acyclic.
    :raises ValueError: naming the bad entry when any of that does not hold.
    """

    def __init__(self, entries: Iterable[Entry]) -> None:
        listed = list(entries)
        for problem in catalog_problems(listed):
            raise ValueError(problem)
        self.entries: dict[str, Entry] = {entry.id: entry for entry in listed}
        self._index: dict[str, str] = {ident: ident for ident in self.entries}
        for entry in self.entries.values():
            for alias in entry.aliases:
                self._index[alias] = entry.id
        self._children: dict[str, list[str]] = {ident: [] for ident in self.entries}
        for entry in self.entries.values():
            for parent in entry.parents:
                self._children[parent].append(entry.id)
        for kids in self._children.values():
            kids.sort(key=lambda i: _order(self.entries[i]))

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

    def featured(self) -> list[Featured]:
        """Return the featured implementations, most stars first (then by repo).

        A repository featured on several entries (``pytorch-CycleGAN-and-pix2pix`` serves
        ``pix2pix`` and ``cyclegan``) appears once, with every id in catalog order.
        """
        found: dict[str, tuple[Reference, list[str]]] = {}
        for entry in self.entries.values():
            for ref in entry.references:
                if ref.featured:
                    found.setdefault(ref.repo, (ref, []))[1].append(entry.id)
        out = [Featured(reference=ref, ids=tuple(ids)) for ref, ids in found.values()]
        return sorted(out, key=lambda f: (-(f.reference.stars or 0), f.reference.repo))

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


# After Catalog and load_catalog exist: the changes module builds on them.
from nnzoo.catalog.changes import Change, load_changes  # noqa: E402
