"""What the web pages show, gathered once from the catalog, the models, the recipes and the
published benchmark rows.

:class:`SiteData` is plain data (dicts and lists of strings and numbers) so that the same
object feeds the Jinja2 templates, the JSON API and the client-side search index.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnzoo.bench.runner import load_results, standing
from nnzoo.catalog import Catalog, Entry, load_catalog

STATUSES = ("benchmarked", "implemented", "catalog only")
"""An entry's status, from most to least: rows published, implemented, catalog only."""

_RESULTS = Path(__file__).resolve().parent.parent / "bench" / "results.json"
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]*")


def decade(year: int) -> str:
    """The decade of ``year`` as a label: ``1990s``."""
    return f"{year // 10 * 10}s"


def source_root() -> Path | None:
    """The source checkout holding ``docs/`` beside the package, or None in a wheel install."""
    root = Path(__file__).resolve().parent.parent.parent
    return root if (root / "docs").is_dir() and (root / "pyproject.toml").is_file() else None


def query_terms(query: str) -> list[str]:
    """The lower-cased words of a search query (every one must match)."""
    return [t for t in query.lower().split() if t]


@dataclass
class SiteData:
    """Everything the pages show.

    :param catalog: the catalog the pages describe.
    :param implemented: ids nnzoo implements.
    :param rows: the published benchmark rows.
    :param updated: when the rows were last merged (the results file's ``updated``).
    :param plots_root: the folder figure paths of the rows are relative to (a source
        checkout's root), or None when there is none (a wheel install: no plots shown).
    :param gallery: the recorded gallery (:func:`nnzoo.web.gallery.load_gallery`): per id,
        its record, its figures' paths and its text sample; {} when there is none.
    """

    catalog: Catalog
    implemented: frozenset[str]
    rows: list[dict[str, Any]]
    updated: str = ""
    plots_root: Path | None = None
    gallery: dict[str, dict[str, Any]] = field(default_factory=dict)
    _models: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ entries
    def ids(self) -> list[str]:
        """Every catalog id, in catalog order."""
        return list(self.catalog.entries)

    def status(self, ident: str) -> str:
        """``benchmarked``, ``implemented`` or ``catalog only``."""
        if any(r["model"] == ident for r in self.rows):
            return "benchmarked"
        return "implemented" if ident in self.implemented else "catalog only"

    def model(self, ident: str) -> dict[str, Any]:
        """The summary of one entry that lists, filters and the API use (cached)."""
        if ident not in self._models:
            self._models[ident] = self._summarise(self.catalog.entries[ident])
        return self._models[ident]

    def models(self) -> list[dict[str, Any]]:
        """:meth:`model` of every entry, in catalog order."""
        return [self.model(i) for i in self.ids()]

    def _summarise(self, e: Entry) -> dict[str, Any]:
        refs = [reference(r) for r in e.references]
        stars = [r["stars"] for r in refs if isinstance(r.get("stars"), int)]
        return {
            "id": e.id, "name": e.name, "abbreviation": e.abbreviation,
            "aliases": list(e.aliases), "year": e.year, "month": e.month,
            "decade": decade(e.year), "family": e.family, "categories": list(e.categories),
            "paradigm": e.paradigm, "parents": list(e.parents),
            "children": [c.id for c in self.catalog.children(e.id)],
            "frameworks": sorted({r["framework"] for r in refs}),
            "references": refs, "stars": max(stars) if stars else 0,
            "implemented": e.id in self.implemented, "status": self.status(e.id),
            "featured": any(r.get("featured") for r in refs),
            "summary": e.summary,
            "paper": {"title": e.paper.title, "authors": list(e.paper.authors),
                      "url": e.paper.url, "venue": e.paper.venue},
        }

    def facets(self) -> dict[str, list[str]]:
        """The values each browse filter offers, sorted."""
        ms = self.models()
        return {
            "category": sorted({c for m in ms for c in m["categories"]}),
            "family": sorted({m["family"] for m in ms}),
            "framework": sorted({f for m in ms for f in m["frameworks"]}),
            "paradigm": sorted({m["paradigm"] for m in ms}),
            "decade": sorted({m["decade"] for m in ms}),
        }

    def counts(self) -> dict[str, int]:
        """Entries, implemented models, benchmark rows, families, reference implementations."""
        ms = self.models()
        return {"entries": len(ms), "implemented": sum(m["implemented"] for m in ms),
                "benchmarked": sum(m["status"] == "benchmarked" for m in ms),
                "rows": len(self.rows), "families": len({m["family"] for m in ms}),
                "references": sum(len(m["references"]) for m in ms)}

    def featured(self, limit: int = 12) -> list[dict[str, Any]]:
        """The home page's featured implementations: entries the catalog flags as featured,
        then those with the most-starred reference implementation, then nnzoo's benchmarked
        models, up to ``limit``."""
        ms = self.models()
        ranked = sorted(ms, key=lambda m: (not m["featured"], -m["stars"],
                                           m["status"] != "benchmarked", m["year"], m["id"]))
        return [m for m in ranked if m["featured"] or m["stars"] or m["implemented"]][:limit]

    # ------------------------------------------------------------------ search
    def search_index(self) -> list[dict[str, Any]]:
        """One record per entry for the client-side search: id, name, year, status and
        ``text``, the lower-cased words it is found by (id, name, abbreviation, aliases,
        summary, paper title, and the names behind abbreviations the summary uses)."""
        abbrevs = {e.abbreviation: e.name for e in self.catalog}
        index = []
        for e in self.catalog:
            words = [e.id, e.name, e.abbreviation, *e.aliases, e.summary, e.paper.title]
            for w in _WORD.findall(e.summary):
                stem = w[:-1] if w.endswith("s") and w[:-1] in abbrevs else w
                if stem in abbrevs and stem != e.abbreviation:
                    words.append(abbrevs[stem])
            index.append({"id": e.id, "name": e.name, "year": e.year, "family": e.family,
                          "summary": e.summary, "status": self.status(e.id),
                          "key": " ".join([e.id, *e.aliases, e.name, e.abbreviation]).lower(),
                          "text": " ".join(words).lower()})
        return index

    def search(self, query: str) -> list[dict[str, Any]]:
        """Entries whose search text holds every word of ``query``: hits on the id, name,
        abbreviation or aliases first, then the rest, each by year. The static site's
        ``search.js`` implements the same rule over :meth:`search_index`."""
        terms = query_terms(query)
        if not terms:
            return []
        hits = [r for r in self.search_index() if all(t in r["text"] for t in terms)]
        hits.sort(key=lambda r: (not all(t in r["key"] for t in terms), r["year"], r["id"]))
        return [self.model(r["id"]) for r in hits]

    # ------------------------------------------------------------------ implemented
    def recipes(self, ident: str) -> list[dict[str, Any]]:
        """The recipes of an implemented model with the command that runs each."""
        if ident not in self.implemented:
            return []
        from nnzoo.recipes import recipes_for

        out = []
        for r in recipes_for(ident):
            command = f"nnzoo train {ident}" + ("" if r.default else f" --recipe {r.name}")
            out.append({"name": r.name, "dataset": r.dataset, "description": r.description,
                        "default": r.default, "command": command})
        return out

    def model_rows(self, ident: str) -> list[dict[str, Any]]:
        """The published benchmark rows of ``ident``."""
        return [r for r in self.rows if r["model"] == ident]

    def plots(self, rows: Iterable[dict[str, Any]]) -> list[tuple[str, Path]]:
        """The figures ``rows`` refer to that exist here: (file name, path)."""
        if self.plots_root is None:
            return []
        found = []
        docs = (self.plots_root / "docs").resolve()
        for r in rows:
            for v in r.get("extra", {}).values():
                if isinstance(v, str) and v.lower().endswith((".png", ".svg")):
                    path = (self.plots_root / v).resolve()
                    if path.is_file() and path.is_relative_to(docs):
                        found.append((path.name, path))
        return found

    def gallery_view(self, ident: str) -> dict[str, Any] | None:
        """What the page of implemented model ``ident`` shows of the recorded gallery: the
        record (recipe, command, date, test metric), ``figures`` (each with its ``path``
        under ``static/`` and its ``title``) and ``sample_text``; None when it has none."""
        rec = self.gallery.get(ident)
        if ident not in self.implemented or rec is None:
            return None
        from nnzoo.web.gallery import figure_title

        figures = [{"name": n, "path": f"gallery/{ident}/{n}", "title": figure_title(n)}
                   for n in sorted(rec["figure_paths"])]
        text = {k: str(rec.get(k) or "") for k in ("recipe", "command", "train_command",
                                                   "date", "metric")}
        metric = rec.get("test_metric")
        return {**text, "seed": rec.get("seed", ""), "figures": figures,
                "test_metric": metric if isinstance(metric, (int, float)) else None,
                "sample_text": rec.get("sample_text")}

    def gallery_files(self) -> dict[str, Path]:
        """Every file of the gallery the pages show, by its path under ``static/``
        (``gallery/<id>/<name>``): the only gallery files the server answers or a static
        build copies."""
        out: dict[str, Path] = {}
        for ident, rec in self.gallery.items():
            if ident in self.implemented:
                for name, path in rec["figure_paths"].items():
                    out[f"gallery/{ident}/{name}"] = path
        return out

    def docstring(self, ident: str) -> str:
        """The docstring of the module implementing ``ident`` ("" when not implemented)."""
        if ident not in self.implemented:
            return ""
        from nnzoo.models import get_spec

        module = sys.modules.get(get_spec(ident).cls.__module__)
        return (module.__doc__ or "") if module else ""

    def defaults(self, ident: str) -> dict[str, Any]:
        """The implemented model's class, estimator and hyperparameter defaults (or {})."""
        if ident not in self.implemented:
            return {}
        from nnzoo.models import card

        return card(ident).to_dict().get("implementation", {})


def reference(ref: Any) -> dict[str, Any]:
    """A reference implementation as a dict: repo, framework and, where the catalog holds
    them, the stars snapshot (stars, stars_date, stars_source) and ``featured``."""
    out: dict[str, Any] = {"repo": ref.repo, "framework": ref.framework}
    for key in ("stars", "stars_date", "stars_source", "featured"):
        value = getattr(ref, key, None)
        if value:
            out[key] = value
    return out


def row_view(r: dict[str, Any]) -> dict[str, Any]:
    """A benchmark row with what the tables show: standing against the peer, time ratio."""
    ratio = r.get("time_ratio")
    if not isinstance(ratio, (int, float)) and r.get("nnzoo_time_s") and r.get("peer_time_s"):
        ratio = r["nnzoo_time_s"] / r["peer_time_s"]
    return {**r, "standing": standing(r),
            "ratio": float(ratio) if isinstance(ratio, (int, float)) else None}


def default_gallery() -> Path | None:
    """``docs/gallery`` of a source checkout when it holds a recorded gallery, else None."""
    root = source_root()
    folder = root / "docs" / "gallery" if root else None
    return folder if folder is not None and (folder / "gallery.json").is_file() else None


def load_site(results: Path | None = None, catalog: Catalog | None = None,
              gallery: str | Path | None = None) -> SiteData:
    """Gather the site's data: the packaged catalog, the implemented models, the published
    benchmark rows (or those of ``results``, a results.json) and the recorded gallery
    (``gallery``, a folder written by ``nnzoo site gallery``; default
    :func:`default_gallery`, or none).

    :raises InputError: ``gallery`` is given and holds no readable ``gallery.json``.
    """
    from nnzoo.models import implemented_ids
    from nnzoo.web.gallery import load_gallery

    data = load_results(results or _RESULTS)
    folder = Path(gallery) if gallery is not None else default_gallery()
    return SiteData(catalog=catalog or load_catalog(), implemented=frozenset(implemented_ids()),
                    rows=[row_view(r) for r in data["results"]],
                    updated=str(data.get("updated", "")), plots_root=source_root(),
                    gallery=load_gallery(folder) if folder is not None else {})


def load_news() -> list[Any]:
    """The catalog's dated changes, newest first (:func:`nnzoo.catalog.load_changes`)."""
    from nnzoo.catalog import load_changes

    return list(load_changes())

