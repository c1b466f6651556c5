"""Screenshots of the web catalog for the README: ``python tools/screenshots.py OUT_DIR``.

Builds the static site (``nnzoo site build``) into a temporary folder, opens the home page,
the ``lstm`` model page, the genealogy and the benchmarks page in headless Chromium
(``$NNZOO_CHROMIUM``, default ``/usr/bin/chromium``; ``make browser`` installs it) at a
desktop (1280x800) and a phone (390x844) viewport, and writes one PNG per page and width
into OUT_DIR (``home-desktop.png``, ``home-phone.png``, ...): the viewport only, not the
whole page, so every image has the size of a screen. Nothing else is written outside the
temporary folder, which is removed at the end. ``make screenshots`` runs it into
``docs/screenshots``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

PAGES = {"home": "index.html", "model-lstm": "models/lstm.html",
         "genealogy": "lineage.html", "benchmarks": "benchmarks.html"}
VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}


def build_site(out: Path) -> None:
    """``nnzoo site build OUT`` in a fresh process; exit with its message on failure."""
    r = subprocess.run([sys.executable, "-m", "nnzoo.cli", "site", "build", str(out)],
                       capture_output=True, text=True, env={**os.environ, "NNZOO_OFFLINE": "1"})
    if r.returncode:
        sys.exit(f"screenshots: nnzoo site build failed: {r.stderr.strip()}")


def shoot(site: Path, out_dir: Path, chromium: str) -> list[Path]:
    """Every page of :data:`PAGES` at every width of :data:`VIEWPORTS`; the PNGs written."""
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True)
        try:
            for width_name, (width, height) in VIEWPORTS.items():
                context = browser.new_context(viewport={"width": width, "height": height},
                                              device_scale_factor=1, locale="en-US",
                                              reduced_motion="reduce")
                # the site is offline by design: refuse anything that is not a local file
                context.route("**/*", lambda route: route.continue_()
                              if route.request.url.startswith(("file:", "data:"))
                              else route.abort())
                page = context.new_page()
                for name, rel in PAGES.items():
                    page.goto((site / rel).as_uri(), wait_until="load")
                    page.wait_for_timeout(300)  # let the graphs' scripts settle
                    path = out_dir / f"{name}-{width_name}.png"
                    page.screenshot(path=str(path), animations="disabled")
                    written.append(path)
                context.close()
        finally:
            browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, build the site, write the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="folder the PNGs are written to")
    args = parser.parse_args(argv)
    chromium = os.environ.get("NNZOO_CHROMIUM") or "/usr/bin/chromium"
    if not os.access(chromium, os.X_OK):
        sys.exit(f"screenshots: no Chromium at {chromium} (run `make browser`)")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nnzoo-site-") as tmp:
        site = Path(tmp) / "site"
        build_site(site)
        for path in shoot(site, args.out_dir, chromium):
            print(f"{path} ({path.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
