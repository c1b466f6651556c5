"""Real-browser fixtures: Debian's Chromium driven by Playwright (pytest-playwright).

The site is built once per session with ``nnzoo site build`` into a temporary folder, and
``nnzoo serve`` runs on a free loopback port in a subprocess (started on first use, killed
at the end). Every test takes the ``site`` fixture, parametrised ``server`` / ``static``:
the same assertions run against the server and against the static files opened through
``file://`` URLs.

The browser is the system's Chromium (``NNZOO_CHROMIUM``, default ``/usr/bin/chromium``;
``make browser`` installs Debian's package), never Playwright's own download. Without it, or
without Playwright, every browser test is skipped with one reason.

Every page a test opens goes through :func:`guarded_page`: a request to any host but the
loopback (scheme other than ``file``/``data``/``blob``) is aborted and fails the test at
teardown, and console errors and uncaught page errors are recorded in ``page.problems``.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

import pytest

if TYPE_CHECKING:  # only for the annotations; the plugin may be absent
    from playwright.sync_api import Page, Request, Route

HERE = Path(__file__).resolve().parent
DEFAULT_CHROMIUM = "/usr/bin/chromium"
#: Hosts a page may talk to; anything else is a request leaving the machine.
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
LOCAL_SCHEMES = frozenset({"file", "data", "blob", "about"})


def chromium_path() -> str:
    """The Chromium binary the tests launch: ``$NNZOO_CHROMIUM`` or ``/usr/bin/chromium``."""
    return os.environ.get("NNZOO_CHROMIUM") or DEFAULT_CHROMIUM


def _missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if importlib.util.find_spec("playwright") is None or \
            importlib.util.find_spec("pytest_playwright") is None:
        return ("Playwright is not installed (pip install -e '.[dev]' installs playwright "
                "and pytest-playwright)")
    path = chromium_path()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        return (f"no Chromium at {path} (run `make browser`, which installs Debian's "
                "chromium, or point NNZOO_CHROMIUM at a Chromium binary)")
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test of this folder ``browser`` and run them last; skip them all, with one
    reason, when Playwright or Chromium is missing.

    Last, because Playwright's sync API keeps an asyncio event loop running in the main
    thread from its first use to the end of the session, and ``asyncio.run`` (Starlette's
    raw ASGI calls in ``tests/test_web.py``) refuses to start inside a running loop.
    """
    reason = _missing()
    ours = [item for item in items if HERE in item.path.parents]
    for item in ours:
        item.add_marker(pytest.mark.browser)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))
    mine = set(map(id, ours))
    items[:] = [item for item in items if id(item) not in mine] + ours


# -- pytest-playwright's knobs ---------------------------------------------------------------

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch the system Chromium (Playwright's browser download cannot work here)."""
    return {**browser_type_launch_args, "executable_path": chromium_path()}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """Clipboard access (the copy buttons), a desktop viewport and a fixed locale."""
    return {**browser_context_args, "permissions": ["clipboard-read", "clipboard-write"],
            "viewport": {"width": 1280, "height": 800}, "locale": "en-US"}


# -- the two sites ---------------------------------------------------------------------------

def _run_nnzoo(*args: str, cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "NNZOO_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "nnzoo.cli", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=cwd, env=env)


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The static site, written once per session by ``nnzoo site build``."""
    root = tmp_path_factory.mktemp("web")
    out = root / "site"
    r = _run_nnzoo("site", "build", str(out), cwd=root, timeout=300)
    assert r.returncode == 0, f"nnzoo site build failed ({r.returncode}):\n{r.stderr[-3000:]}"
    assert (out / "index.html").is_file(), "nnzoo site build wrote no index.html"
    return out


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path,
                   timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"nnzoo serve exited with {proc.returncode}:\n"
                                 f"{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except urllib.error.HTTPError as e:  # up, but failing: no point in waiting
            raise AssertionError(f"nnzoo serve answered {e.code} at {url}:\n"
                                 f"{log.read_text(errors='replace')[-3000:]}") from None
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"nnzoo serve did not answer {url} within {timeout:.0f} s:\n"
                         f"{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``nnzoo serve`` on a free loopback port, in a subprocess; its base URL."""
    root = tmp_path_factory.mktemp("serve")
    port = _free_port()
    log = root / "serve.log"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "NNZOO_OFFLINE": "1"}
    with log.open("wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "nnzoo.cli", "serve", "--port",
                                 str(port)], cwd=root, env=env, stdout=sink,
                                stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base + "/", proc, log)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@dataclass(frozen=True)
class Site:
    """One way of publishing the catalog, and the URL of each of its pages.

    :param kind: ``server`` (``nnzoo serve``) or ``static`` (``nnzoo site build``, read
        through ``file://``).
    :param base: the server's base URL, or the static site's folder as a ``file://`` URL.
    :param root: the static site's folder (None for the server).
    """

    kind: str
    base: str
    root: Path | None = None

    def url(self, page: str = "", **query: str) -> str:
        """The URL of ``page``, named as the server's path without its slash (``""`` the
        home page, ``"browse"``, ``"models/lstm"``, ``"feed.xml"``), with ``query``."""
        if self.kind == "server":
            path = "/" + page
        else:
            path = "/" + (page or "index") + ("" if "." in page.rsplit("/", 1)[-1] else ".html")
        return self.base + path + ("?" + urlencode(query) if query else "")

    def is_internal(self, url: str) -> bool:
        """Whether ``url`` points into this site (same server, or a file under the site)."""
        return url.startswith(self.base + "/") or url == self.base

    def page_of(self, url: str) -> str:
        """The inverse of :meth:`url`, without query or fragment: ``"models/rnn"``."""
        path = urlsplit(url).path
        rel = path[len(urlsplit(self.base).path):].lstrip("/")
        if self.kind == "static":
            rel = rel.removesuffix(".html")
            rel = "" if rel == "index" else rel
        return rel


@pytest.fixture(params=["server", "static"])
def site(request: pytest.FixtureRequest) -> Site:
    """The catalog site, once served by ``nnzoo serve`` and once as static files."""
    if request.param == "server":
        return Site("server", request.getfixturevalue("server_url"))
    root: Path = request.getfixturevalue("site_dir")
    return Site("static", root.as_uri(), root)


# -- a page that fails on requests leaving the machine and records console errors -----------

def is_local(url: str) -> bool:
    """Whether a request to ``url`` stays on this machine."""
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    return parts.scheme in ("http", "https", "ws", "wss") and \
        (parts.hostname or "") in LOCAL_HOSTS


@pytest.fixture
def guarded_page(page: Page) -> Iterator[Page]:
    """``page`` with every request routed: a non-local one is aborted and fails the test at
    teardown. ``page.problems`` (a list) collects console errors and uncaught exceptions."""
    outside: list[str] = []
    problems: list[str] = []

    def route(r: Route, req: Request) -> None:
        if is_local(req.url):
            r.continue_()
        else:
            outside.append(req.url)
            r.abort()

    page.context.route("**/*", route)
    page.on("console", lambda m: problems.append(f"console.{m.type}: {m.text} "
                                                 f"({m.location.get('url', '')})")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
    page.problems = problems  # type: ignore[attr-defined]
    yield page
    assert not outside, f"requests left the machine: {sorted(set(outside))}"

