"""The Atom feed of the zoo's dated changes (RFC 4287), for feed readers.

Built with :mod:`xml.etree.ElementTree`, so every title and summary is character data,
escaped by construction: a change titled ``<script>`` reads as that text, never as markup.
Characters XML 1.0 cannot hold (control characters) become U+FFFD.

The feed's id is its own URL; each entry's id and link are the news page's anchor of the
change (:attr:`nnzoo.catalog.Change.anchor`), and its ``updated`` is the change's date at
midnight UTC. The server and the static site name the news page differently (``news`` and
``news.html``), hence ``news_path``.
"""

from __future__ import annotations

import datetime
import re
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from nnzoo.catalog import Change
from nnzoo.core.errors import ConfigError

__all__ = ["ATOM_NS", "atom_feed"]

ATOM_NS = "http://www.w3.org/2005/Atom"
"""The Atom 1.0 namespace."""

FEED_TITLE = "nnzoo: what's new"
FEED_SUBTITLE = ("New models, benchmark rows and catalog entries of nnzoo, the Neural Network "
                 "Zoo, runnable.")

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: str) -> str:
    """``value`` with the characters XML 1.0 cannot hold replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", value)


def _stamp(day: datetime.date) -> str:
    """RFC 3339 timestamp of midnight UTC on ``day``."""
    return f"{day.isoformat()}T00:00:00Z"


def _child(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, attrs)
    if text is not None:
        node.text = _text(text)
    return node


def atom_feed(changes: Sequence[Change], base_url: str, *, news_path: str = "news.html",
              feed_path: str = "feed.xml") -> str:
    """Return the Atom 1.0 document of ``changes`` (one entry each, in the order given).

    :param changes: the changes, e.g. :func:`nnzoo.catalog.load_changes` (newest first);
        at least one, since a feed's ``updated`` is its newest change.
    :param base_url: the absolute URL the site is published under (``https://host/zoo/``,
        ``http://127.0.0.1:8000/``); a missing final ``/`` is added.
    :param news_path: the news page, relative to ``base_url``.
    :param feed_path: the feed itself, relative to ``base_url`` (its ``self`` link and id).
    :raises ConfigError: when ``base_url`` is not an absolute http(s) or file URL, or
        there is no change.
    """
    parts = urllib.parse.urlsplit(base_url)
    if parts.scheme not in ("http", "https", "file") or (
        parts.scheme != "file" and not parts.netloc
    ) or any(c.isspace() for c in base_url):
        raise ConfigError(f"base_url must be an absolute http(s) or file URL, got {base_url!r}")
    if not changes:
        raise ConfigError("an Atom feed needs at least one change (its updated time)")
    base = base_url if base_url.endswith("/") else base_url + "/"
    news = urllib.parse.urljoin(base, news_path)
    self_url = urllib.parse.urljoin(base, feed_path)

    feed = ET.Element("feed", {"xmlns": ATOM_NS})
    _child(feed, "id", self_url)
    _child(feed, "title", FEED_TITLE, type="text")
    _child(feed, "subtitle", FEED_SUBTITLE, type="text")
    _child(feed, "updated", _stamp(max(c.date for c in changes)))
    author = _child(feed, "author")
    _child(author, "name", "nnzoo")
    _child(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _child(feed, "link", rel="alternate", type="text/html", href=news)
    _child(feed, "generator", "nnzoo")
    for change in changes:
        entry = _child(feed, "entry")
        url = f"{news}#{urllib.parse.quote(change.anchor)}"
        _child(entry, "id", url)
        _child(entry, "title", change.title, type="text")
        _child(entry, "updated", _stamp(change.date))
        _child(entry, "link", rel="alternate", type="text/html", href=url)
        for ident in change.ids:
            _child(entry, "category", term=ident)
        _child(entry, "summary", change.summary, type="text")
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"
