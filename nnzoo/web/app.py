"""``nnzoo serve``: the pages and the JSON API from a Starlette application.

Every response carries the security headers of :data:`SECURITY_HEADERS`. Assets are
served from an allow-list of the files of the package's ``static/`` folder made at start-up
(plus the generated search index, the published figures and the files the recorded
gallery's manifest lists), so no URL, however encoded, reads any other file; model ids are
checked against the catalog.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nnzoo.web.render import CSP, Renderer, script_data
from nnzoo.web.site import SiteData, load_news, load_site

STATIC_DIR = Path(__file__).resolve().parent / "static"
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}
DEFAULT_HOST = "127.0.0.1"
"""``nnzoo serve`` binds the loopback interface unless ``--host`` names another."""


def static_files(root: Path = STATIC_DIR) -> dict[str, Path]:
    """Every file under ``root``: its URL path (posix, relative) -> its path."""
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}


class SecurityHeaders:
    """ASGI middleware adding :data:`SECURITY_HEADERS` to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.decode("latin-1").lower() not in SECURITY_HEADERS]
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(site: SiteData | None = None) -> Starlette:
    """The Starlette application of the site (``site`` defaults to :func:`load_site`)."""
    data = site or load_site()
    renderer = Renderer(data, "server")
    assets = static_files()
    plots = {name: path for name, path in data.plots(data.rows)}
    gallery = {rel.removeprefix("gallery/"): path for rel, path in data.gallery_files().items()}
    index_js = script_data("NNZOO_SEARCH", data.search_index())

    def not_found(what: str = "page") -> Response:
        return HTMLResponse(f"<!doctype html><title>Not found</title><p>No such {what}.</p>",
                            status_code=404)

    def html(text: str) -> HTMLResponse:
        return HTMLResponse(text)

    async def home(request: Request) -> Response:
        return html(renderer.home(load_news()))

    async def browse(request: Request) -> Response:
        return html(renderer.browse())

    async def search(request: Request) -> Response:
        return html(renderer.search(request.query_params.get("q", "")[:200]))

    async def lineage(request: Request) -> Response:
        return html(renderer.lineage())

    async def benchmarks(request: Request) -> Response:
        return html(renderer.benchmarks())

    async def news(request: Request) -> Response:
        return html(renderer.news(load_news()))

    def known(request: Request, prefix: str) -> tuple[str | None, Response | None]:
        """The path's ``id`` when it is a catalog id; else a redirect to the id an alias
        names, or a 404."""
        name = request.path_params["id"]
        if name in data.catalog.entries:
            return name, None
        if name in data.catalog:
            return None, RedirectResponse(f"{prefix}/{data.catalog.resolve(name)}",
                                          status_code=301)
        return None, not_found("architecture")

    async def model(request: Request) -> Response:
        ident, other = known(request, "/models")
        if ident is None:
            assert other is not None
            return other
        return html(renderer.model(ident, sorted(n for n, _ in data.plots(
            data.model_rows(ident)))))

    async def feed(request: Request) -> Response:
        from nnzoo.web.feed import atom_feed

        return Response(atom_feed(load_news(), str(request.base_url), news_path="news"),
                        media_type="application/atom+xml")

    async def api_models(request: Request) -> Response:
        return JSONResponse(data.models())

    async def api_model(request: Request) -> Response:
        ident, other = known(request, "/api/models")
        if ident is None:
            assert other is not None
            return other
        return JSONResponse(model_record(data, ident))

    async def api_results(request: Request) -> Response:
        return JSONResponse({"updated": data.updated, "results": data.rows})

    async def search_index(request: Request) -> Response:
        return Response(index_js, media_type="text/javascript")

    async def plot(request: Request) -> Response:
        path = plots.get(request.path_params["name"])
        return FileResponse(path) if path else not_found("figure")

    async def gallery_file(request: Request) -> Response:
        path = gallery.get(request.path_params["path"])
        return FileResponse(path) if path else not_found("figure")

    async def static(request: Request) -> Response:
        path = assets.get(request.path_params["path"])
        if path is None:
            return not_found("file")
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix == ".js":
            kind = "text/javascript"
        return FileResponse(path, media_type=kind)

    async def missing(request: Request, exc: Exception) -> Response:
        return not_found()

    routes = [
        Route("/", home), Route("/browse", browse), Route("/search", search),
        Route("/models/{id}", model), Route("/lineage", lineage),
        Route("/benchmarks", benchmarks), Route("/news", news), Route("/feed.xml", feed),
        Route("/api/models", api_models), Route("/api/models/{id}", api_model),
        Route("/api/results", api_results),
        Route("/static/search-index.js", search_index),
        Route("/static/plots/{name}", plot),
        Route("/static/gallery/{path:path}", gallery_file),
        Route("/static/{path:path}", static),
    ]
    app = Starlette(routes=routes, exception_handlers={404: missing, 405: missing})
    app.add_middleware(SecurityHeaders)
    return app


def model_record(site: SiteData, ident: str) -> dict[str, Any]:
    """What ``/api/models/{id}`` answers: the entry's summary, its implementation, recipes
    and benchmark rows."""
    return {**site.model(ident), "implementation": site.defaults(ident) or None,
            "recipes": site.recipes(ident), "results": site.model_rows(ident)}


def serve(host: str | None = None, port: int = 8000, gallery: str | None = None) -> None:
    """Run the site with uvicorn on ``host`` (default :data:`DEFAULT_HOST`) and ``port``,
    showing the recorded gallery of folder ``gallery`` (default: a source checkout's
    ``docs/gallery``)."""
    import uvicorn

    app = create_app(load_site(gallery=gallery) if gallery is not None else None)
    host = host or DEFAULT_HOST
    print(f"nnzoo: serving the zoo on http://{host}:{port}/ (Ctrl-C stops)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")

