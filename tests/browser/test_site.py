"""What a user sees in a real browser, against ``nnzoo serve`` and the static site alike.

Each test takes ``site`` (parametrised ``server`` / ``static``) and ``guarded_page`` (a page
that fails the test on any request leaving the machine); see ``conftest.py``. The expected
answers come from the catalog and the recipes, not from the pages.
"""

from __future__ import annotations

import re
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest

from nnzoo.catalog import load_catalog

from .conftest import Site

if TYPE_CHECKING:  # Playwright may be absent: the conftest then skips these tests
    from playwright.sync_api import Page

FILTERS = ["filter-category", "filter-family", "filter-framework", "filter-paradigm",
           "filter-decade", "filter-implemented"]


def visible_ids(page: Page, list_selector: str) -> list[str]:
    """``data-id`` of the ``li.model-item`` of ``list_selector`` a user can see."""
    items = page.locator(f"{list_selector} li.model-item:visible")
    return [items.nth(i).get_attribute("data-id") or "" for i in range(items.count())]


def choose(page: Page, select: str, wanted: str) -> str:
    """Select the option of ``select`` whose value is ``wanted`` (or whose label starts with
    it, case-insensitive); return the option's value."""
    options = page.eval_on_selector_all(
        f"{select} option", "os => os.map(o => [o.value, o.textContent.trim()])")
    value = next((v for v, _ in options if v.lower() == wanted), None)
    if value is None:
        value = next((v for v, t in options if re.match(rf"{re.escape(wanted)}\b", t, re.I)),
                     None)
    assert value is not None, f"{select} has no option {wanted!r}: {options}"
    page.select_option(select, value)
    return value


def query_of(page: Page) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(page.url).query))


# -- search ------------------------------------------------------------------------------------

def test_searching_boltzmann_lists_the_boltzmann_machines(site: Site,
                                                          guarded_page: Page) -> None:
    page = guarded_page
    page.goto(site.url())
    page.fill("#search", "boltzmann")
    page.press("#search", "Enter")
    page.wait_for_url(lambda u: site.page_of(u) == "search")
    page.locator('#search-results li.model-item[data-id="rbm"]').wait_for(state="visible")
    found = visible_ids(page, "#search-results")
    assert {"bm", "rbm", "dbn"} <= set(found), found
    assert "lstm" not in found and "alexnet" not in found, found  # a search, not the list


# -- browse ------------------------------------------------------------------------------------

def test_the_pytorch_and_generative_filters_combine(site: Site, guarded_page: Page) -> None:
    cat = load_catalog()
    pytorch = {e.id for e in cat if any(r.framework == "pytorch" for r in e.references)}
    generative = {e.id for e in cat if "generative" in e.categories}
    page = guarded_page
    page.goto(site.url("browse"))
    everything = set(visible_ids(page, "#model-list"))
    assert everything == {e.id for e in cat}, "browse does not list every entry at first"

    framework = choose(page, "#filter-framework", "pytorch")
    page.wait_for_function("v => decodeURIComponent(location.search).includes(v)", arg=framework)
    only_pytorch = set(visible_ids(page, "#model-list"))
    category = choose(page, "#filter-category", "generative")
    page.wait_for_function("v => decodeURIComponent(location.search).includes(v)", arg=category)
    both = set(visible_ids(page, "#model-list"))
    assert both == pytorch & generative, \
        f"shown with both filters vs the catalog: {sorted(both ^ (pytorch & generative))}"
    assert both < only_pytorch == pytorch
    assert {framework, category} <= set(query_of(page).values()), page.url

    page.select_option("#filter-framework", "")  # the category alone
    only_generative = set(visible_ids(page, "#model-list"))
    assert only_generative == generative and both < only_generative


# -- a model page ------------------------------------------------------------------------------

def test_a_click_on_the_lineage_graph_goes_from_lstm_to_its_parent_rnn(
        site: Site, guarded_page: Page) -> None:
    cat = load_catalog()
    page = guarded_page
    page.goto(site.url("models/lstm"))
    graph = page.locator("svg#lineage-graph")
    rnn = graph.locator('a.node[data-id="rnn"]')
    children = [graph.locator(f'a.node[data-id="{c.id}"]') for c in cat.children("lstm")]
    rnn_box = rnn.bounding_box()
    assert rnn_box is not None, "the rnn node is not drawn"
    for child in children:  # the parent above, the children below
        box = child.bounding_box()
        assert box is not None and box["y"] > rnn_box["y"] + rnn_box["height"] / 2
    rnn.click()
    page.wait_for_url(lambda u: site.page_of(u) == "models/rnn")
    back = page.locator('svg#lineage-graph a.node[data-id="lstm"]')
    assert back.count() == 1, "the rnn page's graph does not show its child lstm"


def test_the_copy_button_puts_the_train_command_on_the_clipboard(
        site: Site, guarded_page: Page) -> None:
    from nnzoo.recipes import recipes_for

    names = [r.name for r in recipes_for("lstm")]
    page = guarded_page
    page.goto(site.url("models/lstm"))
    recipes = page.locator(".recipe")
    assert recipes.count() == len(names), f"{recipes.count()} recipe blocks for {names}"
    commands = [recipes.nth(i).locator("code.command").inner_text().strip()
                for i in range(recipes.count())]
    assert all(c.startswith("nnzoo train lstm") for c in commands), commands
    for name in names[1:]:  # every named recipe has its own command
        assert any(re.search(rf"--recipe[ =]{re.escape(name)}\b", c) for c in commands), name
    for i in (0, recipes.count() - 1):  # each button copies its own block's command
        page.evaluate("navigator.clipboard.writeText('')")
        recipes.nth(i).locator("button.copy").click()
        page.wait_for_function("() => navigator.clipboard.readText().then(t => t !== '')")
        assert page.evaluate("navigator.clipboard.readText()").strip() == commands[i]


# -- every page kind -----------------------------------------------------------------------

PAGES = ["", "browse", "search", "models/lstm", "models/rbm", "models/alexnet", "lineage",
         "benchmarks", "news"]


def test_no_page_logs_a_console_error(site: Site, guarded_page: Page) -> None:
    page = guarded_page
    seen = {}
    for name in PAGES:
        url = site.url(name, q="boltzmann") if name == "search" else site.url(name)
        page.problems.clear()  # type: ignore[attr-defined]
        page.goto(url, wait_until="load")
        page.wait_for_timeout(100)  # let deferred scripts run and report
        seen[name or "home"] = list(page.problems)  # type: ignore[attr-defined]
    errors = [f"{name}: {problem}" for name, problems in seen.items() for problem in problems]
    assert not errors, "\n".join(errors)


def test_every_page_has_the_search_form_and_the_nav(site: Site, guarded_page: Page) -> None:
    page = guarded_page
    for name in PAGES:
        page.goto(site.url(name, q="lstm") if name == "search" else site.url(name))
        form = page.locator('form#search-form[role="search"]')
        assert form.locator('input#search[type="search"][name="q"]').count() == 1, name
        hrefs = page.eval_on_selector_all(
            "nav a[href]", "as => as.map(a => new URL(a.getAttribute('href'), "
            "document.baseURI).href)")
        targets = {site.page_of(h) for h in hrefs if site.is_internal(h)}
        assert {"", "browse", "lineage", "benchmarks", "news"} <= targets, (name, hrefs)


def _links(page: Page) -> list[str]:
    """Every link target and resource of the page, resolved as the browser resolves it
    (``a[href]`` of HTML and SVG, stylesheets, scripts, images)."""
    return page.evaluate("""() => {
        const out = [];
        for (const e of document.querySelectorAll('a[href], link[href]'))
            out.push(new URL(e.getAttribute('href'), document.baseURI).href);
        for (const e of document.querySelectorAll('script[src], img[src]'))
            out.push(new URL(e.getAttribute('src'), document.baseURI).href);
        return out;
    }""")


@pytest.mark.browser_context_args(bypass_csp=True)  # the route guard sees what CSP hides
def test_no_link_is_broken_and_nothing_leaves_the_machine(site: Site,
                                                          guarded_page: Page) -> None:
    """Crawl the whole site from the home page (every page reachable by a link, through
    the DOM the browser built): each internal target is a file of the build (static) or
    answers 200 (server); external links (paper, repositories) are only links, never
    requested (the page fixture fails on any request leaving the machine; the
    Content-Security-Policy is bypassed here so that a request it would block still counts).
    """
    page = guarded_page
    start = site.url()
    todo, visited, broken = deque([start]), {start}, []
    checked: dict[str, bool] = {}
    pages = 0
    while todo:
        url = todo.popleft()
        page.goto(url, wait_until="domcontentloaded")
        pages += 1
        for link in _links(page):
            target = link.split("#", 1)[0]
            if not site.is_internal(target):
                assert urlsplit(target).scheme in ("http", "https", "mailto", ""), target
                continue
            if target not in checked:
                checked[target] = _exists(site, page, target)
            if not checked[target]:
                broken.append(f"{site.page_of(url) or 'home'} -> {link}")
                continue
            page_url = target.split("?", 1)[0]
            if _is_page(site, page_url) and page_url not in visited:
                visited.add(page_url)
                todo.append(page_url)
    assert not broken, f"{len(broken)} broken links, e.g. {broken[:10]}"
    n_entries = len(load_catalog())
    assert pages > n_entries, f"only {pages} pages reached, the catalog has {n_entries}"


def _exists(site: Site, page: Page, url: str) -> bool:
    if site.kind == "static":
        return Path(unquote(urlsplit(url).path)).is_file()
    return page.request.get(url).status == 200


def _is_page(site: Site, url: str) -> bool:
    path = urlsplit(url).path
    if site.kind == "static":
        return path.endswith(".html")
    rel = site.page_of(url)
    return not rel.startswith(("static/", "api/")) and "." not in rel.rsplit("/", 1)[-1]


# -- keyboard ----------------------------------------------------------------------------------

def test_keyboard_navigation_reaches_search_and_every_filter(site: Site,
                                                              guarded_page: Page) -> None:
    page = guarded_page
    page.goto(site.url("browse"))
    for control in ["search", *FILTERS, "sort"]:  # each has a label
        labels = page.locator(f"#{control}").evaluate("e => e.labels ? e.labels.length : 0")
        assert labels >= 1, f"#{control} has no <label>"
    order: list[str] = []
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement ? document.activeElement.id : ''")
        if focused and focused not in order:
            order.append(focused)
        if all(c in order for c in ["search", *FILTERS, "sort"]):
            break
    missing = [c for c in ["search", *FILTERS, "sort"] if c not in order]
    assert not missing, f"Tab never reaches {missing}; focus went through {order}"
    assert order.index("search") < min(order.index(f) for f in FILTERS), order


@pytest.mark.parametrize("width,height", [(390, 844)])
def test_the_phone_layout_has_no_horizontal_scroll(site: Site, guarded_page: Page,
                                                   width: int, height: int) -> None:
    page = guarded_page
    page.set_viewport_size({"width": width, "height": height})
    for name in ["", "browse", "models/lstm", "benchmarks"]:
        page.goto(site.url(name))
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"{name or 'home'} is {overflow} px wide on a {width} px phone"
