"""Screenshots of the seed site for the README: home, a day, a paper and search, light and dark.

    .venv/bin/python scripts/screenshots.py             # writes docs/screenshots/*.png
    .venv/bin/python scripts/screenshots.py --out DIR

Builds content/ of this repository into a temporary folder, serves it on 127.0.0.1 and
takes 1200x720 PNGs with Debian's Chromium (/usr/bin/chromium) through Playwright.
Each PNG must stay under MAX_BYTES so the README stays light; a larger one is an error.
"""
from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from playwright.sync_api import Page, ViewportSize, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.build.builder import SiteBuilder  # noqa: E402 - after the path is set
from generator.build.urls import paper_url  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
VIEWPORT: ViewportSize = {"width": 1200, "height": 720}
MAX_BYTES = 200_000
SCHEMES: tuple[Literal["light", "dark"], ...] = ("light", "dark")
PAPER = "a-multi-dimensional-constraint-framework-for-evaluating-and"
SEARCH_QUERY = "mixture of experts"


def build_seed_site(folder: Path) -> Path:
    """content/ of this repository, built with the default theme; the site folder."""
    project = folder / "project"
    shutil.copytree(ROOT / "content", project / "content")
    result = SiteBuilder(project, project / "site").build()
    if result.errors:
        raise SystemExit("\n".join(map(str, result.errors)))
    return project / "site"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # keep the script's output short
        pass


@contextmanager
def served(site: Path) -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def latest_day(site: Path) -> str:
    return max(path.name for path in (site / "dates").iterdir() if path.is_dir())


def open_first_abstract(page: Page) -> None:
    page.locator(".abstract-toggle summary").first.click()


def show_search_results(page: Page) -> None:
    page.locator("#search-results li").first.wait_for()


def shots(site: Path) -> list[tuple[str, str, Callable[[Page], None] | None]]:
    """(file name, path, what to do before the picture) for each page shown in the README."""
    return [
        ("home", "/", None),
        ("day", f"/dates/{latest_day(site)}/", open_first_abstract),
        ("paper", paper_url(PAPER), None),
        ("search", f"/search/?q={SEARCH_QUERY.replace(' ', '+')}", show_search_results),
    ]


def take_screenshots(site: Path, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with served(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for scheme in SCHEMES:
            context = browser.new_context(viewport=VIEWPORT, color_scheme=scheme)
            for name, path, prepare in shots(site):
                page = context.new_page()
                page.goto(base + path, wait_until="networkidle")
                if prepare:
                    prepare(page)
                target = out / f"{name}-{scheme}.png"
                page.screenshot(path=str(target))
                written.append(target)
                page.close()
            context.close()
        browser.close()
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        written = take_screenshots(build_seed_site(Path(folder)), arguments.out)
    too_big = [path for path in written if path.stat().st_size > MAX_BYTES]
    for path in written:
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {path.stat().st_size:,} bytes")
    if too_big:
        print(f"larger than {MAX_BYTES:,} bytes: {', '.join(path.name for path in too_big)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
