"""How long from saving a paper file to the reload event an open page receives.

    .venv/bin/python bench/bench_serve.py                # seed, 1,000 and 9,877 papers
    .venv/bin/python bench/bench_serve.py --sizes 1000 --edits 9

For each size a scratch project is made (the real theme and taxonomy, papers
ingested from ../shared/corpus/), `digest serve` runs in a subprocess, a client
holds /__digest/events open, and each edit rewrites one paper's abstract and
waits for the `reload` event. Prints the median and the spread per size, and
the server's own rebuild time (the rest is the debounce wait and delivery).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import corpus  # noqa: E402
from generator.ingest.catalog import run_ingest  # noqa: E402
from generator.project import Project  # noqa: E402

SEED_DIGEST = REPO / "content" / "digests" / "2025-08-18.txt"
FULL_CORPUS = 9877
TARGETS_MS = {1000: 300, FULL_CORPUS: 1000}


def make_project(root: Path, size: int | None) -> Path:
    """A project with `size` corpus papers (None: the seed digest), ingested the way curators do."""
    corpus.make_project(root, 0 if size is None else size)
    shutil.copytree(REPO / "themes", root / "themes")
    if size is None:
        shutil.copy(SEED_DIGEST, root / "content" / "digests" / SEED_DIGEST.name)
    run_ingest(Project.at(root))
    return root


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ServerProcess:
    """`digest serve` in a subprocess; its output is read all along, so the pipe never fills."""

    def __init__(self, project: Path, port: int):
        environment = {**os.environ, "PYTHONPATH": str(REPO)}
        self.process = subprocess.Popen([sys.executable, "-m", "generator", "--project", str(project), "serve",
                                         "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True, env=environment)
        self.lines: list[str] = []
        self.serving = threading.Event()
        threading.Thread(target=self._read_output, daemon=True).start()
        while not self.serving.wait(0.1):
            if self.process.poll() is not None:
                raise RuntimeError(f"digest serve exited with {self.process.returncode}:\n" + "".join(self.lines))
        if any("Build failed" in line for line in self.lines):
            self.stop()
            raise RuntimeError("the first build failed:\n" + "".join(self.lines))

    def rebuild_milliseconds(self) -> list[float]:
        """The server's own time for each rebuild, from its `...: rebuilt N file(s) ... in X ms` lines."""
        return [float(match.group(1)) for line in list(self.lines)
                if (match := re.search(r": rebuilt .* in (\d+) ms", line))]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)

    def _read_output(self) -> None:
        assert self.process.stdout is not None  # started with stdout=PIPE
        for line in self.process.stdout:
            self.lines.append(line)
            if "Serving" in line:
                self.serving.set()


class EventClient:
    """Holds /__digest/events open and reads events as they arrive."""

    def __init__(self, port: int):
        self.connection = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.connection.sendall(f"GET /__digest/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        self.buffer = b""
        self.next_event()  # hello

    def next_event(self) -> tuple[str, dict]:
        """The next event's name and JSON data (keepalive comments are skipped)."""
        while b"event: " not in self.buffer or b"\n\n" not in self.buffer.split(b"event: ", 1)[1]:
            chunk = self.connection.recv(65536)
            if not chunk:
                raise ConnectionError("event stream closed")
            self.buffer += chunk
        _, after = self.buffer.split(b"event: ", 1)
        block, self.buffer = after.split(b"\n\n", 1)
        name, _, data = block.decode("utf-8").partition("\ndata: ")
        return name, json.loads(data or "{}")


def measure_edits(project: Path, port: int, edits: int) -> tuple[list[float], list[float]]:
    """Milliseconds from writing a paper file to the reload event, and to the search-index event, per edit.

    Each edit waits until the search index is written too, as a curator's next save
    comes seconds later; otherwise an edit would queue behind the previous index.
    """
    papers = sorted((project / "content" / "papers").glob("*.md"))
    client = EventClient(port)
    timings, index_timings = [], []
    for number in range(edits):
        paper = papers[(number * 7919) % len(papers)]  # spread over the alphabet
        text = paper.read_text(encoding="utf-8")
        edited = re.sub(r"\n---\n", f"\n---\nEdit {number}. ", text, count=1)
        started = time.perf_counter()
        paper.write_text(edited, encoding="utf-8")
        while (event := client.next_event())[0] != "reload":
            if event[0] == "build-error":
                raise RuntimeError(f"edit {number} of {paper.name} failed to build: {event[1]['errors']}")
        timings.append((time.perf_counter() - started) * 1000)
        while client.next_event()[0] != "search-index":
            pass
        index_timings.append((time.perf_counter() - started) * 1000)
        time.sleep(0.3)  # let the page settle, as between two saves
    return timings, index_timings


@dataclass
class Measurement:
    papers: int
    startup_seconds: float
    reload_ms: list[float]  # save -> reload event at the client
    index_ms: list[float]  # save -> search-index event (the index is written after the pages)
    rebuild_ms: list[float]  # the server's own rebuild time, part of reload_ms


def run(size: int | None, edits: int) -> Measurement:
    with tempfile.TemporaryDirectory(prefix="digest-bench-") as scratch:
        project = make_project(Path(scratch) / "project", size)
        paper_count = len(list((project / "content" / "papers").glob("*.md")))
        port = free_port()
        started = time.perf_counter()
        server = ServerProcess(project, port)
        startup = time.perf_counter() - started
        try:
            reload_ms, index_ms = measure_edits(project, port, edits)
            time.sleep(0.2)  # the server prints its rebuild line just after sending the event
            return Measurement(paper_count, startup, reload_ms, index_ms, server.rebuild_milliseconds())
        finally:
            server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="*", default=["seed", "1000", str(FULL_CORPUS)],
                        help="'seed' or a number of corpus papers")
    parser.add_argument("--edits", type=int, default=7)
    args = parser.parse_args()
    print(f"{'papers':>7} {'startup s':>9} {'median ms':>9} {'min ms':>7} {'max ms':>7} {'rebuild ms':>10} "
          f"{'index ms':>8}  target (median: save -> reload event; index: save -> search index written)")
    for size_name in args.sizes:
        size = None if size_name == "seed" else int(size_name)
        result = run(size, args.edits)
        median = statistics.median(result.reload_ms)
        rebuild = statistics.median(result.rebuild_ms) if result.rebuild_ms else float("nan")
        target = TARGETS_MS.get(size or 0)
        verdict = "" if target is None else f"< {target} ms: {'ok' if median < target else 'MISSED'}"
        print(f"{result.papers:>7} {result.startup_seconds:>9.1f} {median:>9.0f} {min(result.reload_ms):>7.0f} "
              f"{max(result.reload_ms):>7.0f} {rebuild:>10.0f} {statistics.median(result.index_ms):>8.0f}  {verdict}",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
