"""The zoo on the web: the server's pages, API and headers, path traversal, escaping of
catalog text, and the static build (a page per entry, every relative link resolves)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

import pytest

pytest.importorskip("starlette")
pytest.importorskip("jinja2")

from starlette.testclient import TestClient  # noqa: E402

from nnzoo.catalog import Catalog, load_catalog  # noqa: E402
from nnzoo.web import graph  # noqa: E402
from nnzoo.web.app import DEFAULT_HOST, SECURITY_HEADERS, create_app  # noqa: E402
from nnzoo.web.build import MANIFEST, build_site  # noqa: E402
from nnzoo.web.render import CSP  # noqa: E402
from nnzoo.web.site import SiteData, load_site  # noqa: E402

EVIL = "<script>alert(1)</script> & \"quotes\""
PAGES = ["/", "/browse", "/search?q=boltzmann", "/models/lstm", "/models/perceptron",
         "/models/gan", "/lineage", "/benchmarks", "/news", "/feed.xml", "/api/models",
         "/api/models/lstm", "/api/results", "/static/css/site.css", "/static/js/browse.js",
         "/static/search-index.js"]
TRAVERSALS = [
    "/../../etc/passwd", "/static/../../../etc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd",
    "/static/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/static/..%2f..%2fetc%2fpasswd",
    "/static/..%2fsite.py", "/static/%2e%2e/app.py", "/static/css/..%2f..%2fapp.py",
    "/static/%252e%252e%252fapp.py", "/static/..%252f..%252fetc%252fpasswd",
    "/static/..\\..\\app.py", "/static/%5c..%5capp.py", "/static//etc/passwd",
    "/static/css/%2fetc%2fpasswd", "/models/..%2f..%2fetc%2fpasswd", "/models/%2e%2e",
    "/models/lstm%00", "/api/models/..%2f..%2fetc%2fpasswd", "/static/plots/..%2f..%2fapp.py",
    "/..%2f..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/etc/passwd", "/etc/passwd",
]


@pytest.fixture(scope="module")
def site() -> SiteData:
    return load_site()


@pytest.fixture(scope="module")
def client(site: SiteData) -> TestClient:
    return TestClient(create_app(site))


@pytest.fixture(scope="module")
def built(site: SiteData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("web") / "site"
    build_site(out, site=site, quiet=True)
    return out


def evil_site(ident: str = "lstm") -> SiteData:
    """The published data with the summary (and name) of ``ident`` replaced by markup."""
    cat = load_catalog()
    entries = [dataclasses.replace(e, summary=EVIL, name=f"LSTM {EVIL}") if e.id == ident
               else e for e in cat]
    return load_site(catalog=Catalog(entries))


def raw_get(app: Any, raw_path: str) -> tuple[int, dict[str, str], bytes]:
    """Call the ASGI app with ``raw_path`` exactly as a server receives it (percent-escapes
    decoded once into ``path``, like uvicorn), bypassing any client-side normalisation."""
    path, _, query = raw_path.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": unquote(path),
             "raw_path": path.encode("latin-1"), "query_string": query.encode("latin-1"),
             "root_path": "", "headers": [(b"host", b"testserver")],
             "client": ("127.0.0.1", 1), "server": ("testserver", 80)}
    sent: list[dict[str, Any]] = []

    async def call() -> None:
        done = asyncio.Event()
        requested = False

        async def receive() -> dict[str, Any]:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await done.wait()  # the client stays connected until the response is complete
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                done.set()

        await asyncio.wait_for(app(scope, receive, send), timeout=30)

    asyncio.run(call())
    start = next(m for m in sent if m["type"] == "http.response.start")
    headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], headers, body


class Links(HTMLParser):
    """Every URL a page refers to: (tag, attribute, value), and the ids it defines."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []
        self.ids: set[str] = set()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if a.get("id"):
            self.ids.add(str(a["id"]))
        for key in ("href", "src", "action"):
            if a.get(key) is not None:
                self.urls.append((tag, key, str(a[key])))


def parse(text: str) -> Links:
    p = Links()
    p.feed(text)
    return p


# ----------------------------------------------------------------------------- server
@pytest.mark.parametrize("path", PAGES)
def test_every_page_answers_with_the_security_headers(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200, path
    for key, value in SECURITY_HEADERS.items():
        assert r.headers[key] == value
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


def test_content_types(client: TestClient) -> None:
    assert client.get("/").headers["content-type"].startswith("text/html")
    assert client.get("/feed.xml").headers["content-type"].startswith("application/atom+xml")
    assert client.get("/api/models").headers["content-type"] == "application/json"
    assert client.get("/static/js/copy.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/static/css/site.css").headers["content-type"].startswith("text/css")


@pytest.mark.parametrize("raw", TRAVERSALS)
def test_traversal_and_unknown_paths_give_404(client: TestClient, raw: str) -> None:
    status, headers, body = raw_get(client.app, raw)
    assert status == 404, raw
    assert headers["x-content-type-options"] == "nosniff"
    assert b"root:" not in body and b"import" not in body


def test_unknown_model_is_404_and_an_alias_redirects(client: TestClient) -> None:
    assert client.get("/models/no-such-net").status_code == 404
    assert client.get("/api/models/no-such-net").status_code == 404
    r = client.get("/models/ff", follow_redirects=False)
    assert r.status_code == 301 and r.headers["location"] == "/models/mlp"
    assert client.get("/api/models/kohonen", follow_redirects=False).headers["location"] == \
        "/api/models/som"
    assert client.post("/").status_code == 404


def test_api_shapes(client: TestClient, site: SiteData) -> None:
    models = client.get("/api/models").json()
    assert [m["id"] for m in models] == list(load_catalog().entries)
    lstm = next(m for m in models if m["id"] == "lstm")
    assert {"id", "name", "year", "family", "categories", "frameworks", "paradigm", "parents",
            "children", "references", "status", "implemented", "summary", "paper"} <= set(lstm)
    assert "rnn" in lstm["parents"] and lstm["implemented"] is True
    assert lstm["status"] == "benchmarked"
    one = client.get("/api/models/lstm").json()
    assert one["id"] == "lstm"
    assert {r["command"] for r in one["recipes"]} >= {"nnzoo train lstm"}
    assert all(r["model"] == "lstm" for r in one["results"]) and one["results"]
    assert one["implementation"]["class"].endswith("LSTM") or one["implementation"]["class"]
    wgan = client.get("/api/models/wgan").json()
    assert wgan["implemented"] is False and wgan["recipes"] == [] \
        and wgan["implementation"] is None
    results = client.get("/api/results").json()
    published = json.loads((Path(__file__).resolve().parents[1] / "nnzoo" / "bench"
                            / "results.json").read_text())
    assert len(results["results"]) == len(published["results"])
    assert results["updated"] == published["updated"]


def test_catalog_text_is_shown_as_text() -> None:
    client = TestClient(create_app(evil_site()))
    for path in ("/models/lstm", "/browse", "/search?q=alert", "/models/rnn", "/lineage"):
        text = client.get(path).text
        assert "<script>alert(1)" not in text, path
    page = client.get("/models/lstm").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quotes&#34;" in page
    assert "<script>alert" not in client.get("/static/search-index.js").text
    assert client.get("/api/models/lstm").json()["summary"] == EVIL


def test_a_query_is_escaped_on_the_search_page(client: TestClient) -> None:
    text = client.get("/search", params={"q": "<img src=x onerror=alert(1)>"}).text
    assert "<img src=x" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text


def test_no_inline_script_or_handler_anywhere(client: TestClient) -> None:
    for path in ("/", "/browse", "/search?q=rnn", "/models/lstm", "/lineage", "/benchmarks",
                 "/news"):
        for tag, attrs in parse(client.get(path).text).tags:
            assert not any(k.startswith("on") for k in attrs), (path, tag, attrs)
            assert "style" not in attrs, (path, tag)
            if tag == "script":
                assert attrs.get("src"), (path, "inline script")


# ----------------------------------------------------------------------------- content
def test_search_finds_names_aliases_abbreviations_summaries_and_titles(site: SiteData) -> None:
    def ids(q: str) -> list[str]:
        return [m["id"] for m in site.search(q)]

    assert {"bm", "rbm", "dbn"} <= set(ids("boltzmann"))  # dbn: "a stack of RBMs"
    assert ids("harmonium") == ["rbm"]                     # an alias
    assert "lstm" in ids("LSTM")                            # an abbreviation, any case
    assert "dbn" in ids("fast learning algorithm")          # words of the paper's title
    assert "perceptron" in ids("linearly separable")        # words of the summary
    assert ids("") == [] and ids("qqqzzz") == []
    first = ids("boltzmann")[:2]
    assert set(first) == {"bm", "rbm"}                     # name hits first


def test_the_search_index_is_the_server_rule(site: SiteData) -> None:
    index = site.search_index()
    assert [r["id"] for r in index] == site.ids()
    for q in ("boltzmann", "attention", "gan image", "lstm"):
        terms = q.split()
        expected = {r["id"] for r in index if all(t in r["text"] for t in terms)}
        assert expected == {m["id"] for m in site.search(q)}


def test_model_page_lineage_recipes_references_and_benchmarks(client: TestClient) -> None:
    page = parse(client.get("/models/lstm").text)
    nodes = {a["data-id"]: a for tag, a in page.tags
             if tag == "a" and (a.get("class") or "").startswith("node")}
    assert nodes["rnn"]["href"] == "/models/rnn"
    assert {"lineage-graph", "references", "benchmarks", "math", "plots"} <= page.ids
    text = client.get("/models/lstm").text
    assert '<code class="command">nnzoo train lstm</code>' in text
    assert text.count('<button class="copy"') == text.count('<code class="command">')
    layout = graph.entry_layout(load_catalog(), "lstm")
    me = next(n for n in layout.nodes if n.role == "self")
    assert all(n.y < me.y for n in layout.nodes if n.role == "parent")
    assert all(n.y > me.y for n in layout.nodes if n.role == "child")
    assert {n.id for n in layout.nodes if n.role == "parent"} == set(load_catalog().get(
        "lstm").parents)
    catalog_only = client.get("/models/wgan").text
    assert 'class="recipe"' not in catalog_only and 'id="references"' in catalog_only


def test_genealogy_has_every_entry_coloured_by_family() -> None:
    cat = load_catalog()
    layout = graph.genealogy_layout(cat)
    assert sorted(n.id for n in layout.nodes) == sorted(cat.entries)
    by_family: dict[str, set[str]] = {}
    for n in layout.nodes:
        by_family.setdefault(n.family, set()).add(n.colour)
    assert all(len(c) == 1 for c in by_family.values())
    assert len({c.pop() for c in by_family.values()}) == len(by_family)
    x = {n.id: n.x for n in layout.nodes}
    for e in cat:  # a later year is never left of an earlier one
        for p in e.parents:
            assert x[p] <= x[e.id] or cat.get(p).year == e.year
    assert len(layout.edges) == sum(len(e.parents) for e in cat)
    assert graph.genealogy_layout(cat) == layout  # deterministic


def test_browse_lists_every_entry_with_its_facets(client: TestClient, site: SiteData) -> None:
    page = parse(client.get("/browse").text)
    items = {a["data-id"]: a for tag, a in page.tags
             if tag == "li" and a.get("class") == "model-item"}
    assert list(items) == site.ids()
    assert "pytorch" in (items["lstm"]["data-frameworks"] or "").split()
    assert items["lstm"]["data-implemented"] == "true"
    assert items["wgan"]["data-implemented"] == "false"
    assert "generative" in (items["wgan"]["data-categories"] or "").split()
    for control in ("filter-category", "filter-family", "filter-framework", "filter-paradigm",
                    "filter-decade", "filter-implemented", "sort"):
        assert control in page.ids
        assert any(t == "label" and a.get("for") == control for t, a in page.tags), control


def test_benchmarks_table_sortable_with_ratio_bars(client: TestClient, site: SiteData) -> None:
    text = client.get("/benchmarks").text
    page = parse(text)
    assert "results" in page.ids
    assert sum(1 for t, a in page.tags if t == "th" and a.get("data-sort")) >= 5
    with_ratio = [r for r in site.rows if r["ratio"] is not None]
    assert text.count('class="ratio-bar"') == len(with_ratio) > 0


# ----------------------------------------------------------------------------- static site
def test_the_build_writes_a_page_per_entry(built: Path) -> None:
    ids = list(load_catalog().entries)
    assert sorted(p.stem for p in (built / "models").glob("*.html")) == sorted(ids)
    for name in ("index.html", "browse.html", "search.html", "lineage.html", "benchmarks.html",
                 "news.html", "feed.xml", "api/models.json", "api/results.json",
                 "static/search-index.js", "static/css/site.css", MANIFEST):
        assert (built / name).is_file(), name
    api = json.loads((built / "api" / "models.json").read_text())
    assert [m["id"] for m in api] == ids
    index = (built / "static" / "search-index.js").read_text()
    assert index.startswith("window.NNZOO_SEARCH = [")


def test_every_relative_link_of_the_build_resolves(built: Path) -> None:
    pages = sorted(built.rglob("*.html"))
    ids_of = {p: parse(p.read_text()).ids for p in pages}
    checked = 0
    for page in pages:
        html = page.read_text()
        assert 'http-equiv="Content-Security-Policy"' in html
        for tag, _attr, url in parse(html).urls:
            parts = urlsplit(url)
            if parts.scheme in ("http", "https"):
                assert tag == "a", (page, url)  # only links leave the site, never resources
                continue
            assert not parts.scheme and not parts.netloc, (page, url)
            assert not parts.path.startswith("/"), (page, url)
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            assert target.is_file(), (page.relative_to(built), url)
            assert target.is_relative_to(built.resolve())
            if parts.fragment and target.suffix == ".html":
                assert parts.fragment in ids_of[target], (page, url)
            checked += 1
    assert checked > 10 * len(pages)


def test_static_pages_load_no_data_at_view_time(built: Path) -> None:
    for name in ("static/js/search.js", "static/js/browse.js", "static/js/genealogy.js"):
        code = (built / name).read_text()
        assert "fetch(" not in code and "XMLHttpRequest" not in code and "innerHTML" not in code
    search = parse((built / "search.html").read_text())
    srcs = [a["src"] for t, a in search.tags if t == "script"]
    assert srcs == ["static/search-index.js", "static/js/search.js"]


def test_catalog_text_is_escaped_in_the_build(tmp_path: Path) -> None:
    out = tmp_path / "evil"
    build_site(out, site=evil_site(), quiet=True)
    for name in ("models/lstm.html", "browse.html", "models/rnn.html", "lineage.html"):
        text = (out / name).read_text()
        assert "<script>alert" not in text, name
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in (out / "models" / "lstm.html").read_text()
    assert "<script>" not in (out / "static" / "search-index.js").read_text()


def test_the_build_refuses_a_foreign_folder_and_writes_only_under_out(
        tmp_path: Path, site: SiteData, cli: Any) -> None:
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    code, out, err = cli("site", "build", str(foreign), "--quiet")
    assert code == 2 and err.count("\n") == 1 and "--force" in err
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]
    (tmp_path / "file").write_text("x")
    code, _, err = cli("site", "build", str(tmp_path / "file"))
    assert code == 2 and "not a folder" in err
    code, _, err = cli("site", "build", str(tmp_path / "x"), "--base-url", "javascript:x")
    assert code == 2 and "--base-url" in err

    fresh = tmp_path / "fresh"
    before = sorted(p.name for p in tmp_path.iterdir())
    build_site(fresh, site=site, quiet=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*before, "fresh"])
    (fresh / "models" / "old-entry.html").write_text("stale")
    manifest = json.loads((fresh / MANIFEST).read_text())
    manifest["files"] += ["models/old-entry.html", "../mine/notes.txt", "/etc/passwd"]
    (fresh / MANIFEST).write_text(json.dumps(manifest))
    build_site(fresh, site=site, quiet=True)  # a previous build: rebuilt, stale page gone
    assert not (fresh / "models" / "old-entry.html").exists()
    assert (foreign / "notes.txt").read_text() == "keep me"
    build_site(foreign, site=site, quiet=True, force=True)
    assert (foreign / "notes.txt").read_text() == "keep me" and (foreign / "index.html").is_file()


def test_site_build_cli_counts_the_pages(tmp_path: Path, cli: Any) -> None:
    code, out, _ = cli("site", "build", str(tmp_path / "s"), "--quiet")
    assert code == 0
    n = len(load_catalog())
    assert f"({n} model pages)" in out


# ----------------------------------------------------------------------------- serve
def test_serve_binds_loopback_unless_host_is_given(monkeypatch: pytest.MonkeyPatch,
                                                   cli: Any) -> None:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    assert cli("serve")[0] == 0
    assert calls[-1]["host"] == DEFAULT_HOST == "127.0.0.1" and calls[-1]["port"] == 8000
    assert cli("serve", "--host", "0.0.0.0", "--port", "8123")[0] == 0
    assert calls[-1]["host"] == "0.0.0.0" and calls[-1]["port"] == 8123
    code, _, err = cli("serve", "--port", "70000")
    assert code == 2 and "--port" in err and len(calls) == 2


def test_csp_is_restrictive() -> None:
    directives = dict(d.strip().split(" ", 1) for d in CSP.split(";"))
    assert directives["default-src"] == "'self'" and directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in CSP and not re.search(r"https?:", CSP)


def test_family_colours_are_distinct_and_readable_under_white_text() -> None:
    families = sorted({e.family for e in load_catalog()})
    colours = graph.family_colours(families)
    assert len(set(colours.values())) == len(families)
    for colour in colours.values():
        rgb = tuple(int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        luminance = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
        assert 1.05 / (luminance + 0.05) >= 4.5, colour


def test_feed_entries_link_to_the_news_items(client: TestClient, built: Path) -> None:
    feedparser = pytest.importorskip("feedparser")
    news = parse(client.get("/news").text).ids
    feed = feedparser.parse(client.get("/feed.xml").text)
    assert feed.bozo == 0 and feed.entries
    for entry in feed.entries:
        url = urlsplit(entry.link)
        assert url.path == "/news" and url.fragment in news, entry.link
    static = feedparser.parse((built / "feed.xml").read_text())
    news = parse((built / "news.html").read_text()).ids
    assert static.bozo == 0 and len(static.entries) == len(feed.entries)
    root = ElementTree.fromstring((built / "feed.xml").read_bytes())
    links = [e.get("href", "") for e in root.iter("{http://www.w3.org/2005/Atom}link")
             if e.get("rel") == "alternate"]
    assert links[0] == (built / "news.html").resolve().as_uri()  # the feed's own page
    for link in links[1:]:  # then one per entry
        url = urlsplit(link)
        assert url.scheme == "file" and Path(unquote(url.path)) == (built / "news.html").resolve()
        assert url.fragment in news
    assert len(links) == len(static.entries) + 1


def test_figures_a_row_refers_to_are_copied_and_shown(tmp_path: Path, site: SiteData) -> None:
    root = tmp_path / "checkout"
    (root / "docs" / "plots").mkdir(parents=True)
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
    (root / "docs" / "plots" / "lstm-curve.png").write_bytes(png)
    (root / "secret.png").write_bytes(b"not a published figure")
    rows = [dict(r, extra={**r.get("extra", {}), "curve": "docs/plots/lstm-curve.png",
                           "outside": "secret.png", "gone": "docs/plots/missing.png"})
            if r["model"] == "lstm" else r for r in site.rows]
    data = dataclasses.replace(site, rows=rows, plots_root=root, _models={})
    out = tmp_path / "site"
    build_site(out, site=data, quiet=True)
    assert (out / "static" / "plots" / "lstm-curve.png").read_bytes() == png
    assert sorted(p.name for p in (out / "static" / "plots").iterdir()) == ["lstm-curve.png"]
    page = parse((out / "models" / "lstm.html").read_text())
    assert ("img", "src", "../static/plots/lstm-curve.png") in page.urls
    client = TestClient(create_app(data))
    assert client.get("/static/plots/lstm-curve.png").content == png
    assert client.get("/static/plots/secret.png").status_code == 404
    assert 'src="/static/plots/lstm-curve.png"' in client.get("/models/lstm").text
    assert dataclasses.replace(site, plots_root=None).plots(rows) == []  # a wheel: none
