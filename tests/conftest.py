"""Shared fixtures: a Chromium for browser tests and a static server for a built site."""
from __future__ import annotations

import contextlib
import functools
import http.server
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import BinaryIO

import pytest

pytest_plugins = ("tests.arxiv_support",)  # the `arxiv` fixture: a local stand-in for the arXiv API

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def playwright_driver():
    """Playwright, when Debian's Chromium is there to drive; skipped locally when missing, a failure in CI."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        print(f"skipping browser test: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def chromium_browser(playwright_driver):
    """Debian's Chromium driven by Playwright."""
    browser = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def chromium_keeping_pages(playwright_driver):
    """Chromium that keeps pages for Back and Forward, as browsers do for readers (Playwright
    turns that cache off by default): Back shows a page as it was left, without running its scripts."""
    browser = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                                ignore_default_args=["--disable-back-forward-cache"])
    yield browser
    browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With CI=true no test may skip: a skip there would hide the failure it stands for."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail") and os.environ.get("CI") == "true":
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where every test must run: {report.longrepr}"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    site_headers: Mapping[str, str] = {}  # sent with every answer, as a host sends its own

    def log_message(self, format: str, *args: object) -> None:  # keep test output readable
        pass

    def end_headers(self) -> None:
        for name, value in self.site_headers.items():
            self.send_header(name, value)
        super().end_headers()

    def copyfile(self, source: BinaryIO, outputfile: BinaryIO) -> None:
        # A browser that leaves a page mid-download (a test moving on) closes the connection.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            super().copyfile(source, outputfile)


@pytest.fixture
def static_server() -> Iterator[Callable[..., str]]:
    """static_server(site_dir, headers={}) serves that folder on 127.0.0.1, each answer with those
    headers, and returns its base URL."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def serve(site_dir: Path, headers: Mapping[str, str] = {}) -> str:
        with_headers = type("Handler", (_QuietHandler,), {"site_headers": dict(headers)})
        handler = functools.partial(with_headers, directory=str(site_dir))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


GOLDEN = Path(__file__).parent / "fixtures" / "golden"


@pytest.fixture
def golden_project(tmp_path: Path) -> Path:
    """A copy of the golden fixture project (content/ only; the theme is the default one)."""
    import shutil

    project = tmp_path / "project"
    shutil.copytree(GOLDEN / "content", project / "content")
    return project


@pytest.fixture
def workers_on(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Turns generator.workers' forked workers on for any size, on any machine, and returns the
    list of the parallel runs made (their item counts)."""
    from generator import workers

    runs: list[int] = []
    real = workers.results_in_order

    def counted(work, count, chunk_size):
        runs.append(count)
        return real(work, count, chunk_size)

    monkeypatch.setattr(workers, "PARALLEL_FROM", 1)
    monkeypatch.setattr(workers, "worker_count", lambda: 2)
    # Threads earlier tests left idle (a server's, a watcher's) are not this test's: only a thread
    # started during it counts, as in a `digest` process, whose commands start none before.
    leftovers = threading.active_count() - 1
    monkeypatch.setattr(workers, "threading", SimpleNamespace(active_count=lambda: threading.active_count() - leftovers))
    monkeypatch.setattr(workers, "results_in_order", counted)
    return runs
