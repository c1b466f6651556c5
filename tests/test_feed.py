"""The Atom feed of the dated changes: feedparser reads it without complaint, its entries are
the changes, and catalog text stays text."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET

import feedparser
import pytest

from nnzoo.catalog import Change, load_changes
from nnzoo.core.errors import ConfigError
from nnzoo.web.feed import ATOM_NS, atom_feed

BASE = "http://127.0.0.1:8765/"


def test_feed_parses_and_matches_the_changes() -> None:
    changes = load_changes()
    text = atom_feed(changes, BASE, news_path="news")
    parsed = feedparser.parse(text)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.id == BASE + "feed.xml"
    assert parsed.feed.title == "nnzoo: what's new"
    assert parsed.feed.author == "nnzoo"
    assert parsed.feed.updated == f"{changes[0].date.isoformat()}T00:00:00Z"
    links = {link.rel: link.href for link in parsed.feed.links}
    assert links == {"self": BASE + "feed.xml", "alternate": BASE + "news"}
    assert len(parsed.entries) == len(changes)
    for entry, change in zip(parsed.entries, changes):
        assert entry.title == change.title
        assert entry.summary == change.summary
        assert entry.link == f"{BASE}news#{change.anchor}" == entry.id
        assert entry.updated_parsed[:3] == change.date.timetuple()[:3]
        assert [t.term for t in entry.tags] == list(change.ids)
    assert len({e.id for e in parsed.entries}) == len(changes)


def test_every_required_atom_element_is_there() -> None:
    """RFC 4287 section 4.1: a feed has id, title, updated and an author (or every entry
    has one); each entry has id, title, updated, and a link or content."""
    root = ET.fromstring(atom_feed(load_changes()[:3], "https://example.org/zoo"))
    ns = {"a": ATOM_NS}
    assert root.tag == f"{{{ATOM_NS}}}feed"
    for tag in ("id", "title", "updated", "author/a:name"):
        assert root.find(f"a:{tag}", ns) is not None, tag
    assert root.find("a:id", ns).text == "https://example.org/zoo/feed.xml"
    entries = root.findall("a:entry", ns)
    assert len(entries) == 3
    for entry in entries:
        for tag in ("id", "title", "updated", "link", "summary"):
            assert entry.find(f"a:{tag}", ns) is not None, tag
        assert entry.find("a:link", ns).get("href").startswith(
            "https://example.org/zoo/news.html#")


def test_markup_in_a_title_round_trips_as_text() -> None:
    title = '<script>alert("x")</script> & <b>bold</b>'
    summary = "a < b && c > d; ]]> end"
    change = Change(datetime.date(2024, 5, 6), title, ("lstm",), summary)
    text = atom_feed([change], BASE)
    assert "<script>" not in text and "<b>" not in text
    assert "&lt;script&gt;" in text and "&amp;" in text
    parsed = feedparser.parse(text)
    assert parsed.bozo == 0
    assert parsed.entries[0].title == title
    assert parsed.entries[0].summary == summary


def test_characters_xml_cannot_hold_are_replaced() -> None:
    change = Change(datetime.date(2024, 5, 6), "bell\x07 and nul\x00", ("lstm",), "ok")
    parsed = feedparser.parse(atom_feed([change], BASE))
    assert parsed.bozo == 0
    assert parsed.entries[0].title == "bell\ufffd and nul\ufffd"


@pytest.mark.parametrize("base", ["127.0.0.1:8000", "/relative/", "ftp://host/", "", "http://"])
def test_bad_base_url(base: str) -> None:
    with pytest.raises(ConfigError, match="base_url"):
        atom_feed(load_changes(), base)


def test_no_changes() -> None:
    with pytest.raises(ConfigError, match="at least one change"):
        atom_feed([], BASE)
