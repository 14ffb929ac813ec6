"""What a curator sees in `digest serve`: start-up, and a saved title edit on screen in Chromium.

    .venv/bin/python bench/bench_preview.py PROJECT [--edits 7]

PROJECT is a built project (e.g. one `bench/bench_incremental.py --project DIR` left), so
that site/ is up to date and the preview takes it over. Measured:
- start: from launching `digest serve` to the first page served (HTTP 200 for /); and again after
  the session, its edits undone while it ran, as a curator starts the preview again;
- edits: a paper's page is open in Chromium (/usr/bin/chromium, through Playwright); its
  file's title line is rewritten, and the time runs from the save to the page showing the new
  title (the new version fetched and put in place by reload.js, and the frame that paints it).
  Two clocks: Playwright seeing the title (its own polling adds tens of ms), and the paint by the
  page's wall clock against the save's (a page that reloads whole: its first contentful paint).
  One paper per edit, a different one each time; every edit is undone at the end. Each edit
  waits until the server has written the last one's search index and listings (--back-to-back
  does not: a save then may wait for the step under way). With --broken, another paper file is
  saved with YAML that does not parse first, and stays so while the edits are made: each edit is
  then shown with that file's error over the page.
"""
from __future__ import annotations

import argparse
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from generator.build.urls import paper_url  # noqa: E402 - after the path is set

DIGEST = ROOT / ".venv" / "bin" / "digest"
CHROMIUM = "/usr/bin/chromium"
TITLE_LINE = re.compile(r'^title: (.*)$', re.MULTILINE)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(project: Path, port: int, log: Path) -> tuple[subprocess.Popen, float]:
    """The preview (its output in `log`), and the seconds until it served its home page."""
    started = time.perf_counter()
    with log.open("w") as output:
        server = subprocess.Popen([str(DIGEST), "--project", str(project), "serve", "--port", str(port)],
                                  stdout=output, stderr=subprocess.STDOUT)
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as response:
                if response.status == 200:
                    return server, time.perf_counter() - started
        except OSError:
            if server.poll() is not None:
                raise SystemExit("digest serve stopped before serving") from None
            time.sleep(0.02)


def edit_seconds(page: Page, paper: Path, number: int) -> tuple[float, float]:
    """Retitle the paper, open on `page`; seconds from the save to the new title on screen as
    Playwright sees it (its polling included), and from the save to the new version's paint by
    the page's own clock: the frame after reload.js put the new body in place (its
    "digest-updated" mark), or the first contentful paint of a page that reloaded whole."""
    text = paper.read_text(encoding="utf-8")
    marker = f"Edited {number}"
    title = TITLE_LINE.search(text)
    assert title, f"no title line in {paper}"
    new_title = title.group(1).replace('"', "", 1) if title.group(1).startswith('"') else title.group(1)
    edited = text.replace(title.group(0), f'title: "{marker} {new_title.rstrip(chr(34))}"', 1)
    page.evaluate("performance.clearMarks('digest-updated'); window.benchEdit = 1")  # gone if the page reloads
    saved, saved_epoch = time.perf_counter(), time.time()
    paper.write_text(edited, encoding="utf-8")
    page.wait_for_function("marker => document.querySelector('h1')?.textContent.includes(marker)", arg=marker,
                           polling="raf", timeout=120_000)
    seen = time.perf_counter() - saved
    # Playwright may see the title in the DOM before the frame that paints it.
    in_place = page.evaluate("window.benchEdit === 1")
    painted_entry = IN_PLACE if in_place else RELOADED
    page.wait_for_function(f"{painted_entry}.length > 0", timeout=10_000)
    painted = page.evaluate(f"performance.timeOrigin + {painted_entry}[0].startTime") / 1000 - saved_epoch
    print(f"  edit {number}: {seen * 1000:.0f} ms seen, painted at {painted * 1000:.0f} ms "
          f"({'in place' if in_place else 'reloaded whole'})", flush=True)
    return seen, painted


# What the preview prints once an edit's search index and listings are written, and for a failed build.
DEFERRED_DONE = re.compile(r"after the change$", re.MULTILINE)
BUILD_FAILED = re.compile(r"^Build failed", re.MULTILINE)


def wait_for_lines(log: Path, pattern: re.Pattern[str], count: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while len(pattern.findall(log.read_text())) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def start_after_the_session(project: Path, port: int, log: Path, server: subprocess.Popen,
                            originals: dict[Path, str]) -> float:
    """The edits undone while the preview runs, as a curator's last saves are; the preview
    stopped once it built them and they are older than the two seconds a build stamp waits for;
    then started again: the seconds until it served its home page."""
    done = len(DEFERRED_DONE.findall(log.read_text()))
    restore(originals)
    wait_for_lines(log, DEFERRED_DONE, done + 1)
    time.sleep(2.5)
    server.terminate()
    server.wait()
    again, seconds = start_server(project, port, log.with_name("serve-again.log"))
    again.terminate()
    again.wait()
    return seconds


def restore(originals: dict[Path, str]) -> None:
    """Each paper file as it was, rewritten only where it differs: a rewrite alone would make the
    site's build stamp stale."""
    for paper, text in originals.items():
        if paper.read_text(encoding="utf-8") != text:
            paper.write_text(text, encoding="utf-8")


# The entries of the new version's paint: reload.js's mark in a page updated in place, the first
# contentful paint of a page that reloaded whole.
IN_PLACE = "performance.getEntriesByName('digest-updated')"
RELOADED = "performance.getEntriesByName('first-contentful-paint')"


def main() -> None:
    with tempfile.TemporaryDirectory() as logs:  # the servers' output, read as they run
        measure(parse_arguments(), Path(logs) / "serve.log")


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("project", type=Path)
    parser.add_argument("--edits", type=int, default=7)
    parser.add_argument("--pause", type=float, default=0.5,
                        help="seconds between opening a page and the edit")
    parser.add_argument("--back-to-back", action="store_true",
                        help="edit without waiting for the server to finish the last edit's search index and "
                             "listings (a newer save stops them, but waits for the step under way)")
    parser.add_argument("--broken", action="store_true",
                        help="make the edits while another paper file does not parse (undone at the end)")
    return parser.parse_args()


def measure(args: argparse.Namespace, log: Path) -> None:
    project = args.project.resolve()
    every_paper = sorted((project / "content" / "papers").glob("*.md"))
    papers = every_paper[::max(1, len(every_paper) // (args.edits + 1))][1:args.edits + 1]  # spread over the site
    broken = every_paper[0]  # not among those edited
    originals = {paper: paper.read_text(encoding="utf-8") for paper in [*papers, broken]}
    # Stopped by `timeout` or kill, the edits are undone too: left behind, an edited paper file
    # makes every later cold build of the project read all its digests again (ingest/state.py).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped: edits undone"))
    port = free_port()
    server, start = start_server(project, port, log)
    print(f"{len(every_paper):,} papers: preview start {start:.2f} s",
          flush=True)
    times = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM)
            page = browser.new_page()
            time.sleep(args.pause)  # the rebuild thread loads what it took over; an edit before waits for it
            if args.broken:  # once loaded: a full build, as one during the load is, would fail whole
                broken.write_text(originals[broken].replace("title: ", 'title: "unclosed\n', 1), encoding="utf-8")
                wait_for_lines(log, BUILD_FAILED, 1)
                print(f"{broken.name} saved with YAML that does not parse", flush=True)
            for number, paper in enumerate(papers, 1):
                page.goto(f"http://127.0.0.1:{port}{paper_url(paper.stem)}")
                time.sleep(args.pause)
                times.append(edit_seconds(page, paper, number))
                if not args.back_to_back:  # each edit from an idle server, as a curator's usually is
                    wait_for_lines(log, DEFERRED_DONE, number)
            browser.close()
        restart = start_after_the_session(project, port, log, server, originals)
        print(f"preview start after this session (its edits undone): {restart:.2f} s", flush=True)
    finally:
        restore(originals)
        server.terminate()
        server.wait()
    rebuilds = [float(found) for found in re.findall(r"rebuilt .* in (\d+) ms", log.read_text())]
    if rebuilds:
        print(f"the server's own rebuild (after its debounce): median {statistics.median(rebuilds):.0f} ms")
    for what, values in (("seen by Playwright", [seen for seen, _ in times]),
                         ("painted by the page", [painted for _, painted in times])):
        print(f"title edit on screen, {what}: median {statistics.median(values) * 1000:.0f} ms, "
              f"min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
