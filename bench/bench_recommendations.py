"""The reading list's "Papers like the ones you saved": bytes fetched and time to show the list.

    .venv/bin/python bench/bench_recommendations.py            # content/ as committed, and 9,877 papers
    .venv/bin/python bench/bench_recommendations.py 1000 --trials 9

For each size, a scratch project is built: a copy of the committed content/ ("content"), or N
papers of the corpus as API digests, so that pages carry authors, upvotes and links as real ones
do. For 10 and 20 saved papers, drawn at random (seeded) from the site's papers, a trial:
- sums the gzipped size (level 6, a server's usual) of the saved papers' pages, what the
  suggestions download;
- opens /reading-list/ with those papers saved in a fresh Chromium context (an empty cache),
  clicks "Suggest papers" and times, by the page's clock, the click to the first frame painted
  after the list is in place. Pages are served gzipped by a local server, once as they come and
  once through Chromium's network emulation at a mobile link (150 ms round trip, 1.6 Mbit/s
  down, DevTools' "Slow 4G").
Prints medians over the trials, and the bytes Chromium reports it received, as a check.
"""
from __future__ import annotations

import argparse
import gzip
import http.server
import mimetypes
import random
import shutil
import statistics
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import Browser, Request, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_build import timed_build
from bench.corpus import ROOT, make_project
from generator.build.urls import output_path, paper_url

CHROMIUM = "/usr/bin/chromium"
LIST_KEY = "paper-digest:reading-list"
SLOW_4G = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 750_000 / 8}
SAVED_COUNTS = (10, 20)

# Click, wait until the button is enabled again (the list and its status are in place), then
# for the frame that paints them.
TIME_SUGGESTIONS = """async () => {
  const button = document.querySelector(".show-recommendations");
  const start = performance.now();
  const done = new Promise(resolve => new MutationObserver(() => { if (!button.disabled) { resolve(); } })
    .observe(button, { attributes: true }));
  button.click();
  await done;
  await new Promise(resolve => requestAnimationFrame(() => setTimeout(resolve)));
  return { ms: performance.now() - start, shown: document.querySelectorAll(".recommended-list > li").length };
}"""


def gzip_handler(site: Path) -> type[http.server.BaseHTTPRequestHandler]:
    """Serves site/ gzipped, as a static host does for browsers that accept it."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = site / output_path(self.path.split("?")[0])
            if not path.is_file():
                self.send_error(404)
                return
            body = gzip.compress(path.read_bytes(), 6)
            self.send_response(200)
            self.send_header("Content-Type", mimetypes.guess_type(path.name)[0] or "text/html")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def serve(site: Path) -> str:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), gzip_handler(site))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def saved_entries(site: Path, count: int, seed: int) -> list[dict]:
    slugs = sorted(path.parent.name for path in site.glob("papers/*/*/index.html"))
    return [{"slug": slug, "title": slug, "url": paper_url(slug)} for slug in random.Random(seed).sample(slugs, count)]


def gzipped_bytes(site: Path, entries: list[dict]) -> int:
    return sum(len(gzip.compress((site / output_path(entry["url"])).read_bytes(), 6)) for entry in entries)


def timed_suggestions(browser: Browser, base: str, entries: list[dict], network: dict | None) -> dict:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/")
    page.evaluate("([key, entries]) => localStorage.setItem(key, JSON.stringify(entries))", [LIST_KEY, entries])
    page.goto(f"{base}/reading-list/")
    received: list[int] = []

    def count_paper_page(request: Request) -> None:
        if "/papers/" in request.url:
            received.append(request.sizes()["responseBodySize"])

    page.on("requestfinished", count_paper_page)
    if network:
        page.context.new_cdp_session(page).send("Network.emulateNetworkConditions", network)
    result = page.evaluate(TIME_SUGGESTIONS)
    context.close()
    return {**result, "received": sum(received)}


def bench(label: str, site: Path, browser: Browser, trials: int) -> None:
    base = serve(site)
    papers = len(list(site.glob("papers/*/*/index.html")))
    for count in SAVED_COUNTS:
        runs = [saved_entries(site, count, seed) for seed in range(trials)]
        sizes = [gzipped_bytes(site, entries) for entries in runs]
        local = [timed_suggestions(browser, base, entries, None) for entries in runs]
        slow = [timed_suggestions(browser, base, entries, SLOW_4G) for entries in runs]
        print(f"{label:>6} ({papers} papers), {count} saved: {statistics.median(sizes) / 1024:.1f} KB gzipped "
              f"(range {min(sizes) / 1024:.1f}-{max(sizes) / 1024:.1f}; Chromium received "
              f"{statistics.median(run['received'] for run in local) / 1024:.1f} KB) | shown in "
              f"{statistics.median(run['ms'] for run in local):.0f} ms locally, "
              f"{statistics.median(run['ms'] for run in slow):.0f} ms on Slow 4G | "
              f"{statistics.median(run['shown'] for run in local):.0f} suggestions", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", nargs="*", default=["content", "all"])
    parser.add_argument("--trials", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for size in args.sizes:
            folder = Path(scratch) / f"project-{size}"
            if size == "content":
                shutil.copytree(ROOT / "content", folder / "content")
                project = folder
            else:
                project = make_project(folder, None if size == "all" else int(size), api=True)
            timed_build(project)
            bench(size, project / "site", browser, args.trials)
        browser.close()


if __name__ == "__main__":
    main()
