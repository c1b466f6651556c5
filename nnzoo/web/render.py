"""One set of Jinja2 templates, rendered two ways: for the server (absolute URLs) and for
the static site (links relative to the page, ``.html`` files that work from ``file://``).

:class:`Renderer` turns a page name and its arguments into HTML; :func:`Renderer.link` is
the one place URLs are made, so both ways share every template unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Literal

import jinja2
from markupsafe import Markup

from nnzoo.web import graph
from nnzoo.web.site import STATUSES, SiteData

Mode = Literal["server", "static"]

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
"""The Content-Security-Policy the server sends as a header."""
CSP_META = CSP.replace("; frame-ancestors 'none'", "")
"""The same policy for a ``<meta http-equiv>`` of the static pages: browsers ignore
``frame-ancestors`` there (and log an error about it), so it is left out."""

_SERVER = {
    "home": "/", "browse": "/browse", "search": "/search", "model": "/models/{id}",
    "lineage": "/lineage", "benchmarks": "/benchmarks", "news": "/news", "feed": "/feed.xml",
    "api_models": "/api/models", "api_model": "/api/models/{id}", "api_results": "/api/results",
    "static": "/static/{path}",
}
_STATIC = {
    "home": "index.html", "browse": "browse.html", "search": "search.html",
    "model": "models/{id}.html", "lineage": "lineage.html", "benchmarks": "benchmarks.html",
    "news": "news.html", "feed": "feed.xml", "api_models": "api/models.json",
    "api_model": "api/models.json", "api_results": "api/results.json",
    "static": "static/{path}",
}
PAGES = ("home", "browse", "search", "lineage", "benchmarks", "news")
"""The pages that are not per entry."""


def static_path(page: str, **params: str) -> str:
    """The file of ``page`` in a static build, relative to its root."""
    return _STATIC[page].format(**params)


def environment() -> jinja2.Environment:
    """The Jinja2 environment over the package's templates, autoescaping every template."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("nnzoo.web", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters["num"] = _num
    env.filters["thousands"] = lambda v: f"{v:,}" if isinstance(v, int) else v
    env.filters["http_url"] = http_url
    return env


def http_url(url: Any) -> str:
    """``url`` when it is an http(s) URL, else ``#`` (catalog text never becomes a script
    link)."""
    text = str(url).strip()
    return text if text.lower().startswith(("https://", "http://")) else "#"


def _num(v: Any, pct: bool = False) -> str:
    """A figure of a benchmark table: a percentage to 0.01, else 4 significant digits."""
    if v is None:
        return "-"
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return f"{100 * v:.2f} %" if pct else f"{v:.4g}"
    return str(v)


def ratio_bar(ratio: float | None, width: float = 120.0) -> dict[str, float] | None:
    """Geometry of a time-ratio bar on a log2 scale centred on 1 (clamped at 1/16 and 16):
    ``x`` and ``w`` of the bar within ``width``, ``faster`` (1.0 when nnzoo is faster)."""
    import math

    if ratio is None or ratio <= 0:
        return None
    half = width / 2
    pos = max(-4.0, min(4.0, math.log2(ratio))) / 4 * half
    return {"x": half + min(pos, 0.0), "w": max(abs(pos), 1.0), "mid": half,
            "faster": 1.0 if ratio < 1 else 0.0}


def script_data(name: str, value: Any) -> str:
    """A JavaScript file that sets ``window[name]`` to ``value`` (JSON, ``<`` escaped)."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")
    return f"window.{name} = {text};\n"


class Renderer:
    """Renders the pages of ``site`` for the server or the static site.

    :param site: the site's data.
    :param mode: ``server`` (absolute URLs) or ``static`` (relative links, ``.html`` files).
    :param docstring: renders a model module's docstring to safe HTML (the ``#math``
        section); by default :func:`nnzoo.web.docstring.render_docstring`.
    """

    def __init__(self, site: SiteData, mode: Mode,
                 docstring: Callable[[str], Markup] | None = None) -> None:
        self.site, self.mode = site, mode
        self.env = environment()
        self._docstring = docstring
        self._genealogy: graph.Layout | None = None

    def link(self, here: str, page: str, **params: str) -> str:
        """The URL of ``page`` as written on the page ``here`` (a static path in static
        mode: the link is relative to it)."""
        if self.mode == "server":
            return _SERVER[page].format(**params)
        depth = here.count("/")
        return "../" * depth + _STATIC[page].format(**params)

    def render_docstring(self, text: str) -> Markup:
        """The docstring as safe HTML (see :mod:`nnzoo.web.docstring`)."""
        if self._docstring is None:
            from nnzoo.web.docstring import render_docstring

            self._docstring = render_docstring
        return self._docstring(text)

    def page(self, name: str, here: str, **context: Any) -> str:
        """Render template ``{name}.html`` as the page at static path ``here``."""
        site = self.site

        def link(page: str, **params: str) -> str:
            return self.link(here, page, **params)

        template = self.env.get_template(f"{name}.html")
        return template.render(
            link=link, page_name=name, mode=self.mode, csp=CSP_META, site=site,
            counts=site.counts(), statuses=STATUSES, ratio_bar=ratio_bar, **context)

    # ------------------------------------------------------------------ pages
    def home(self, changes: list[Any]) -> str:
        return self.page("home", static_path("home"), featured=self.site.featured(),
                         changes=changes[:6])

    def browse(self) -> str:
        return self.page("browse", static_path("browse"), models=self.site.models(),
                         facets=self.site.facets())

    def search(self, query: str = "") -> str:
        return self.page("search", static_path("search"), query=query,
                         results=self.site.search(query) if self.mode == "server" else [])

    def lineage(self) -> str:
        if self._genealogy is None:
            self._genealogy = graph.genealogy_layout(self.site.catalog)
        text = {r["id"]: r["text"] for r in self.site.search_index()}
        return self.page("lineage", static_path("lineage"), layout=self._genealogy,
                         search_text=text)

    def benchmarks(self) -> str:
        return self.page("benchmarks", static_path("benchmarks"), rows=self.site.rows)

    def news(self, changes: list[Any]) -> str:
        return self.page("news", static_path("news"), changes=changes)

    def model(self, ident: str, plots: list[str]) -> str:
        """The page of one entry; ``plots`` are the file names of its benchmark rows'
        figures under ``static/plots/``; its recorded gallery comes from
        :meth:`SiteData.gallery_view`."""
        site = self.site
        doc = site.docstring(ident)
        return self.page(
            "model", static_path("model", id=ident), m=site.model(ident),
            layout=graph.entry_layout(site.catalog, ident), recipes=site.recipes(ident),
            rows=site.model_rows(ident), plots=plots, implementation=site.defaults(ident),
            gallery=site.gallery_view(ident),
            math=self.render_docstring(doc) if doc else None,
            parents=[site.model(p) for p in site.model(ident)["parents"]],
            children=[site.model(c) for c in site.model(ident)["children"]])
