"""``nnzoo site build OUT/``: the pages as a static site that works from ``file://``.

Every file is written atomically under ``OUT`` (and nowhere else). ``OUT`` must be absent,
empty or a previous build (it holds :data:`MANIFEST`, the list of files that build wrote);
a rebuild removes the files of the previous build that the new one no longer writes.
Anything else is refused unless ``force`` is given.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

from nnzoo.core.errors import UsageError
from nnzoo.core.io import atomic_write_bytes, atomic_write_text, to_jsonable
from nnzoo.core.progress import progress
from nnzoo.web.app import model_record, static_files
from nnzoo.web.render import Renderer, script_data, static_path
from nnzoo.web.site import SiteData, load_news, load_site

MANIFEST = ".nnzoo-site.json"
"""The file a build leaves in ``OUT``: what wrote it and every file it wrote."""


def _previous_files(out: Path) -> list[str] | None:
    """The files a previous build of ``out`` wrote, [] when ``out`` is absent or empty, or
    None when ``out`` holds something that is not a previous build."""
    if not out.exists():
        return []
    if not out.is_dir():
        raise UsageError(f"site build: {out} exists and is not a folder")
    if not any(out.iterdir()):
        return []
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if manifest.get("generator") != "nnzoo site build" or not isinstance(files, list):
        return None
    return [f for f in files if isinstance(f, str)]


def _inside(out: Path, rel: str) -> Path | None:
    """``out / rel`` when ``rel`` is a plain relative path that stays inside ``out``."""
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts or "\\" in rel or not pure.parts:
        return None
    return out / pure


def build_site(out: str | Path, *, force: bool = False, base_url: str | None = None,
               site: SiteData | None = None, quiet: bool = False) -> list[Path]:
    """Write the static site into ``out`` and return the files written.

    :param out: the output folder (created; see the module docstring for what it may hold).
    :param force: write into a non-empty folder that is not a previous build (its other
        files are left alone).
    :param base_url: the absolute URL the site will be published at, for the Atom feed's
        links (default: the ``file://`` URL of ``out``).
    :param site: the data to show (default :func:`load_site`).
    :param quiet: no progress bar.
    :raises UsageError: ``out`` is a file, or a non-empty folder that is no previous build
        and ``force`` is not given.
    """
    out = Path(out).resolve()
    previous = _previous_files(out)
    if previous is None and not force:
        raise UsageError(f"site build: {out} is not empty and holds no previous site build "
                         "(give an empty folder, or --force to write into it)")
    data = site or load_site()
    renderer = Renderer(data, "static")
    changes = load_news()
    written: dict[str, bytes] = {}

    def put(rel: str, content: str | bytes) -> None:
        written[rel] = content.encode("utf-8") if isinstance(content, str) else content

    put(static_path("home"), renderer.home(changes))
    put(static_path("browse"), renderer.browse())
    put(static_path("search"), renderer.search())
    put(static_path("lineage"), renderer.lineage())
    put(static_path("benchmarks"), renderer.benchmarks())
    put(static_path("news"), renderer.news(changes))
    for rel, path in static_files().items():
        put(f"static/{rel}", path.read_bytes())
    put("static/search-index.js", script_data("NNZOO_SEARCH", data.search_index()))
    for name, path in data.plots(data.rows):
        put(f"static/plots/{name}", path.read_bytes())
    for rel, path in data.gallery_files().items():
        put(f"static/{rel}", path.read_bytes())
    api = [model_record(data, i) for i in data.ids()]
    put(static_path("api_models"), json.dumps(to_jsonable(api), indent=1, sort_keys=True))
    put(static_path("api_results"), json.dumps(
        to_jsonable({"updated": data.updated, "results": data.rows}), indent=1, sort_keys=True))
    from nnzoo.web.feed import atom_feed

    put(static_path("feed"), atom_feed(changes, base_url or out.as_uri() + "/"))

    for rel, content in written.items():
        atomic_write_bytes(out / rel, content)
    pages = []
    for ident in progress(data.ids(), desc="model pages", unit="page", quiet=quiet):
        rel = static_path("model", id=ident)
        plots = sorted(n for n, _ in data.plots(data.model_rows(ident)))
        atomic_write_text(out / rel, renderer.model(ident, plots))
        pages.append(rel)
    names = sorted([*written, *pages])
    for rel in previous or []:
        stale = _inside(out, rel)
        if rel not in names and rel != MANIFEST and stale is not None and stale.is_file():
            stale.unlink()
    atomic_write_text(out / MANIFEST, json.dumps(
        {"generator": "nnzoo site build", "files": names}, indent=1))
    return [out / n for n in names]
