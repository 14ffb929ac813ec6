"""For the preview server tests: a small project, raw HTTP requests, a server-sent events reader.

Raw sockets, because http.client and browsers normalise `..` in paths and the
tests must send exactly what an attacker would.
"""
from __future__ import annotations

import json
import shutil
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from generator.ingest.catalog import run_ingest
from generator.project import Project


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def raw_request(port: int, target: str, method: str = "GET", host: str = "127.0.0.1",
                host_header: str | None = None) -> RawResponse:
    """Sends `METHOD target HTTP/1.1` byte for byte and reads the whole response. host_header:
    the Host the request names, when not the address it is sent to."""
    with socket.create_connection((host, port), timeout=10) as connection:
        named = f"{host}:{port}" if host_header is None else host_header
        request = f"{method} {target} HTTP/1.1\r\nHost: {named}\r\nConnection: close\r\n\r\n"
        connection.sendall(request.encode("latin-1"))
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return RawResponse(int(status_line.split()[1]), headers, body)


class EventStream:
    """One open /__digest/events connection, read event by event."""

    def __init__(self, port: int, host: str = "127.0.0.1", page: str | None = None):
        """page: the URL path of the page the stream belongs to, as the reload script sends it."""
        self.socket = socket.create_connection((host, port), timeout=10)
        query = f"?page={quote(page)}" if page is not None else ""
        self.socket.sendall(f"GET /__digest/events{query} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
        self.buffer = b""
        head = self._read_until(b"\r\n\r\n", deadline=time.monotonic() + 10)
        self.headers = head.decode("latin-1").lower()

    def next_event(self, timeout: float = 10.0) -> tuple[str, dict]:
        """The next named event and its JSON data; comments (keepalives) and retry lines are skipped."""
        deadline = time.monotonic() + timeout
        while True:
            block = self._read_until(b"\n\n", deadline).decode("utf-8")
            lines = [line for line in block.splitlines() if ": " in line and not line.startswith(":")]
            fields = dict(line.split(": ", 1) for line in lines)
            if "event" in fields:
                return fields["event"], json.loads(fields.get("data", "{}"))

    def next_event_named(self, names: set[str], timeout: float = 10.0) -> tuple[str, dict]:
        deadline = time.monotonic() + timeout
        while True:
            name, data = self.next_event(max(0.01, deadline - time.monotonic()))
            if name in names:
                return name, data

    def close(self) -> None:
        self.socket.close()

    def _read_until(self, separator: bytes, deadline: float) -> bytes:
        while separator not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {separator!r} from the event stream in time")
            self.socket.settimeout(remaining)
            chunk = self.socket.recv(65536)
            if not chunk:
                raise ConnectionError("event stream closed")
            self.buffer += chunk
        block, _, self.buffer = self.buffer.partition(separator)
        return block


def wait_for(condition: Callable[[], bool], timeout: float = 10.0, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


REPO = Path(__file__).resolve().parent.parent
ABSTRACT = ("We study {topic} with a method that is simple to state and to reproduce. Experiments on three "
            "benchmarks show that it matches far larger systems while using a fraction of their compute.")


def digest_text(date_line: str, titles: list[str]) -> str:
    papers = "".join(f"{title}\n\n{ABSTRACT.format(topic=title.lower())}\n\n" for title in titles)
    return f"Daily Papers\n\n{date_line}\n\n{papers}"


def make_project(root: Path) -> Path:
    """A project with the real theme and taxonomy and three papers, ingested from a digest."""
    content = root / "content"
    (content / "digests").mkdir(parents=True)
    shutil.copy(REPO / "content" / "topics.yaml", content / "topics.yaml")
    shutil.copytree(REPO / "themes", root / "themes")
    titles = ["Sparse Routing for Tiny Models", "Fast Sampling of Diffusion Models", "Robots That Fold Laundry"]
    (content / "digests" / "2025-08-18.txt").write_text(digest_text("Aug 18", titles))
    run_ingest(Project.at(root))
    return root


def paper_file(project: Path, slug: str) -> Path:
    return project / "content" / "papers" / f"{slug}.md"
