"""The preview HTTP server: serves site/ with live reload, never anything outside it.

Standard library only (http.server). Every HTML response gets the reload client
script, and while the last rebuild failed, an overlay listing the errors;
site/ itself is never touched. Open pages listen on /__digest/events
(server-sent events) and reload when LiveReload publishes a new version.
"""
from __future__ import annotations

import gzip
import hashlib
import html
import json
import mimetypes
import os
import queue
import re
import select
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

from generator.build.theme import CACHE_FOREVER

RELOAD_SCRIPT_PATH = "/__digest/reload.js"
OVERLAY_STYLE_PATH = "/__digest/overlay.css"
EVENTS_PATH = "/__digest/events"
GIVE_UP_POLL_SECONDS = 0.005  # how often wait_for_reloads asks whether a newer save waits
RELOAD_SCRIPT = (Path(__file__).parent / "reload.js").read_bytes()
# Named by its bytes, so that a page's reload need not fetch it again (see cache_control).
RELOAD_SCRIPT_URL = f"{RELOAD_SCRIPT_PATH}?v={hashlib.sha256(RELOAD_SCRIPT).hexdigest()[:8]}"
NO_STORE = "no-store"  # a preview must always show the latest build
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")  # what a browser on this machine calls the preview
# The headers netlify.toml sends with every page (a test keeps the two equal), so that the
# preview breaks what production would break: an inline script, a style= attribute, a CDN.
# The reload script and the overlay's style are files of the preview's own origin, which 'self' allows.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "object-src 'none'; base-uri 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
OVERLAY_STYLE = (
    b"#digest-build-error{position:fixed;inset:auto 0 0 0;z-index:2147483647;max-height:60vh;overflow:auto;"
    b"margin:0;padding:1em 1.5em;background:#2b0b0b;color:#ffdede;font:14px/1.5 monospace;"
    b"border-top:4px solid #e5484d;white-space:pre-wrap}\n#digest-build-error ul{margin:.5em 0 0;padding-left:1.2em}\n"
)
HOLD_SECONDS = 5.0  # the longest a request waits for its page to be written (LiveReload.hold)
KEEPALIVE_SECONDS = 15.0  # an idle stream still writes now and then, so closed tabs are noticed
_CLOSED = None  # queued to an event stream to end it


class LiveReload:
    """What open pages need to know: the site version, the current build errors, and their streams."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._streams: dict[queue.Queue, tuple[str | None, socket.socket | None]] = {}  # -> its page, connection
        self._server_id = uuid.uuid4().hex[:8]  # a restarted server is a new version for open pages
        self._generation = 0
        # A page served before this generation shows a file that changed under the same address
        # (an image in static/): shown in place, it would keep its old copy (publish_reload's whole).
        self._whole_from = 0
        self._errors: tuple[str, ...] = ()
        self._reloading = 0  # pages told to reload by the last reload event that did not reconnect yet
        self._reconnected = threading.Condition(self._lock)
        self._unwritten: frozenset[str] = frozenset()  # site paths a rebuild left to write (hold)
        self._written = threading.Condition(self._lock)

    @property
    def version(self) -> str:
        with self._lock:
            return f"{self._server_id}-{self._generation}"

    @property
    def errors(self) -> tuple[str, ...]:
        with self._lock:
            return self._errors

    def state(self) -> tuple[str, tuple[str, ...]]:
        """The version and the errors read together, so a page never pairs one build's errors with another's version."""
        with self._lock:
            return f"{self._server_id}-{self._generation}", self._errors

    def subscribe(self, page: str | None = None, connection: socket.socket | None = None) -> queue.Queue:
        """page: the site path of the page the stream belongs to (None: not known, a client other than
        the reload script); connection: the stream's, to tell at a reload whether it is still open."""
        stream: queue.Queue = queue.Queue()
        with self._lock:
            self._streams[stream] = (page, connection)
            self._reloading = max(self._reloading - 1, 0)  # a reloaded page opens its stream again
            self._reconnected.notify_all()
        return stream

    def wait_for_reloads(self, timeout: float, give_up: Callable[[], bool]) -> None:
        """Until the pages the last reload event went to have loaded again (each opens a new
        stream), `timeout` seconds, or give_up() (a newer save waits): the dev server's slower
        work waits, so that it does not compete with serving them. A page that closed instead
        of reloading never reconnects, and the wait lasted the whole timeout even when the next
        save came meanwhile (0.2-1 s of each edit in bench_preview at 80,000 papers)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._reloading and not give_up() and (left := deadline - time.monotonic()) > 0:
                self._reconnected.wait(min(left, GIVE_UP_POLL_SECONDS))

    def unsubscribe(self, stream: queue.Queue) -> None:
        with self._lock:
            self._streams.pop(stream, None)

    def open_pages(self) -> frozenset[str] | None:
        """The site paths of the pages open now; None when a stream's page is not known."""
        with self._lock:
            pages = [page for page, _ in self._streams.values()]
        return None if None in pages else frozenset(page for page in pages if page is not None)

    def hold(self, paths: Iterable[str]) -> None:
        """Until release(): a request for one of these site files waits (wait_until_written), so that
        no page is served older than the build it was left by (see SiteBuilder.rebuild's shown)."""
        with self._lock:
            self._unwritten = frozenset(paths)

    def release(self) -> None:
        with self._lock:
            self._unwritten = frozenset()
            self._written.notify_all()

    def wait_until_written(self, path: str, timeout: float = HOLD_SECONDS) -> None:
        with self._lock:
            self._written.wait_for(lambda: path not in self._unwritten, timeout)

    def publish_reload(self, whole: bool = False, errors: Iterable[str] = ()) -> None:
        """The site changed (or a failed build was fixed): every open page reloads. Only the pages
        whose connection is still open count as reloading: a page navigated away from leaves its
        stream behind until the next write to it fails. whole: a file pages show under the same
        address changed (an image in static/; the theme's stylesheets and scripts are named by
        their bytes): a browser keeps a page's images by address, so the pages served before
        load again whole rather than in place. errors: those of the files the build left out, whose
        pages it did not change; the pages show them."""
        with self._lock:
            self._reloading = sum(1 for _, connection in self._streams.values() if connection is None or _is_open(connection))
        self._publish("reload", errors=tuple(errors), whole=whole)

    def publish_update(self) -> None:
        """More of the same build was written after the reload (pages' related lists): open pages
        reload, with the build's errors still shown."""
        self.publish_reload(errors=self.errors)

    def publish_search_index(self) -> None:
        """The search index was rewritten after the pages: only search pages reload."""
        self._publish("search-index", errors=self.errors)

    def publish_errors(self, errors: list[str]) -> None:
        """The last rebuild failed: open pages show the errors, pages stay as they were."""
        self._publish("build-error", errors=tuple(errors))

    def event_for_new_stream(self) -> str:
        with self._lock:
            return format_event("hello", self._event_data())

    def close(self) -> None:
        with self._lock:
            streams, self._streams = list(self._streams), {}
        for stream in streams:
            stream.put(_CLOSED)

    def _publish(self, name: str, errors: tuple[str, ...], whole: bool = False) -> None:
        with self._lock:
            self._generation += 1
            self._errors = errors
            if whole:
                self._whole_from = self._generation
            message = format_event(name, self._event_data())
            streams = list(self._streams)
        for stream in streams:
            stream.put(message)

    def _event_data(self) -> dict:
        """What every event tells a page (under the lock): the version, the errors, and from which
        version on a page may be shown in place (reload.js)."""
        return {"version": f"{self._server_id}-{self._generation}", "errors": list(self._errors),
                "whole_from": f"{self._server_id}-{self._whole_from}"}


def _is_open(connection: socket.socket) -> bool:
    """Whether the browser still holds this event stream's connection: it sends nothing on it after
    the request, so readable means closed."""
    try:
        readable, _, _ = select.select([connection], [], [], 0)
        return not readable or connection.recv(1, socket.MSG_PEEK) != b""  # readable: recv does not block
    except (OSError, ValueError):  # ValueError: already closed on this side
        return False


def format_event(name: str, data: dict) -> str:
    return f"event: {name}\ndata: {json.dumps(data, sort_keys=True)}\n\n"


def resolve_site_path(site_dir: Path, url_path: str) -> Path | None:
    """The file or folder a URL path names inside site_dir; None if it would leave it.

    `..` is refused rather than normalised, after percent-decoding, and the real
    path (symlinks followed) must still be inside the real site folder.
    """
    parts = _url_parts(url_path)
    if parts is None:
        return None
    root = Path(os.path.realpath(site_dir))
    target = Path(os.path.realpath(root.joinpath(*parts)))
    if target != root and root not in target.parents:
        return None
    return target


def site_path(url_path: str) -> str | None:
    """The site file a URL path names ("/papers/x/" -> "papers/x/index.html"), without looking at
    the disk; None for a path that would leave the site."""
    parts = _url_parts(url_path)
    if parts is None:
        return None
    return "/".join([*parts, "index.html"] if url_path.endswith("/") or not parts else parts)


def _url_parts(url_path: str) -> list[str] | None:
    """A URL path's segments, percent-decoded; None when one is `..` or holds a NUL or a backslash."""
    try:
        decoded = unquote(url_path, errors="strict")
    except UnicodeDecodeError:
        return None
    if "\x00" in decoded or "\\" in decoded:
        return None
    parts = [part for part in decoded.split("/") if part not in ("", ".")]
    return None if ".." in parts else parts


def canonical_folder_url(url_path: str, query: str) -> str:
    """Path-only Location for a folder asked without its trailing slash.

    Built from the cleaned path segments, so it always starts with exactly one
    slash: `//evil.example` can never become a redirect to another host.
    """
    parts = [part for part in url_path.split("/") if part not in ("", ".")]
    location = "/" + "/".join(parts) + "/"
    return f"{location}?{query}" if query else location


def inject_live_reload(page: bytes, version: str, errors: tuple[str, ...]) -> bytes:
    """Adds the reload client (and the error overlay, if any) just before </body>."""
    snippet = error_overlay(errors) + (
        f'<script src="{RELOAD_SCRIPT_URL}" data-digest-version="{html.escape(version)}"></script>'
    )
    encoded = snippet.encode("utf-8")
    closing = [match.start() for match in re.finditer(rb"</body\s*>", page, flags=re.IGNORECASE)]
    if not closing:
        return page + encoded
    return page[: closing[-1]] + encoded + page[closing[-1]:]


def error_overlay(errors: tuple[str, ...]) -> str:
    if not errors:
        return ""
    items = "".join(f"<li>{html.escape(error)}</li>" for error in errors)
    return (  # styled by a stylesheet: the Content-Security-Policy refuses style= attributes
        f'<link rel="stylesheet" href="{OVERLAY_STYLE_PATH}"><div id="digest-build-error" role="alert">'
        "<strong>Not built: the site shows these files as they last built. Fix the file and save to retry.</strong>"
        f"<ul>{items}</ul></div>"
    )


def cache_rules(headers_file: str) -> dict[str, str]:
    """URL path -> Cache-Control, from a Netlify `_headers` file (a path, then its indented
    `Name: value` lines); only exact paths, which is all the build writes (theme.immutable_headers)."""
    rules: dict[str, str] = {}
    path = ""
    for line in headers_file.splitlines():
        if line and not line[0].isspace():
            path = line.strip()
            continue
        name, _, value = line.strip().partition(":")
        if path.startswith("/") and "*" not in path and name.strip().lower() == "cache-control" and value.strip():
            rules[path] = value.strip()
    return rules


class PreviewServer(ThreadingHTTPServer):
    """Threaded server with daemon threads, so open event streams never block shutdown."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], site_dir: Path, live: LiveReload):
        self.site_dir = site_dir
        self.live = live
        self._cache_rules: tuple[tuple[int, int], dict[str, str]] = ((-1, -1), {})
        if ":" in address[0]:  # an IPv6 host such as ::1
            self.address_family = socket.AF_INET6
        super().__init__(address, PreviewRequestHandler)

    def serve_forever(self, poll_interval: float = 0.1) -> None:
        super().serve_forever(poll_interval)  # a short poll: Ctrl-C stops the preview without a pause

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the browser went away mid-response (a reload, a closed tab): nothing to report
        super().handle_error(request, client_address)

    def cache_control(self, url_path: str) -> str:
        """The Cache-Control that site/_headers gives this file (the fingerprinted theme files'
        cache-forever, as on Netlify), else no-store: a reload then fetches the page alone,
        not its stylesheet and scripts again (the edit shows sooner)."""
        headers = self.site_dir / "_headers"
        try:
            info = headers.stat()
            stamp = (info.st_size, info.st_mtime_ns)
            if stamp != self._cache_rules[0]:
                self._cache_rules = (stamp, cache_rules(headers.read_text(encoding="utf-8", errors="replace")))
        except OSError:
            return NO_STORE
        return self._cache_rules[1].get(url_path, NO_STORE)

    def accepts_host(self, host_header: str | None) -> bool:
        """Whether a request's Host names this server. Listening on the loopback address only,
        the preview answers only to the names of this machine: a web page elsewhere can point a
        name of its own at 127.0.0.1 (DNS rebinding) and read the preview as its own origin. One
        told to listen on another address (`--host`) is meant to be reached by any name."""
        host, port = self.server_address[:2]
        if not (isinstance(host, str) and (host.startswith("127.") or host == "::1")):
            return True
        return host_header in {f"{name}:{port}" for name in LOOPBACK_NAMES}

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        assert isinstance(host, str)  # bytes only for AF_UNIX, which the preview never binds
        return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


class PreviewRequestHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    server_version = "PaperDigestPreview"

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def log_message(self, format: str, *args: object) -> None:
        pass  # a request log would bury the rebuild messages the curator is watching for

    def _respond(self, send_body: bool) -> None:
        if not self.path.startswith("/"):
            self._send(HTTPStatus.BAD_REQUEST, b"bad request\n", "text/plain; charset=utf-8", send_body)
            return
        if not self.server.accepts_host(self.headers.get("Host")):
            self._send(HTTPStatus.MISDIRECTED_REQUEST, b"this preview answers only to 127.0.0.1 and localhost\n",
                       "text/plain; charset=utf-8", send_body)
            return
        url_path, _, query = self.path.partition("#")[0].partition("?")
        if url_path == EVENTS_PATH and send_body:
            self._stream_events(query)
        elif url_path == EVENTS_PATH:
            self._send(HTTPStatus.OK, b"", "text/event-stream", send_body)
        elif url_path == RELOAD_SCRIPT_PATH:
            cache = CACHE_FOREVER if f"{url_path}?{query}" == RELOAD_SCRIPT_URL else NO_STORE
            self._send(HTTPStatus.OK, RELOAD_SCRIPT, "text/javascript; charset=utf-8", send_body, cache)
        elif url_path == OVERLAY_STYLE_PATH:
            self._send(HTTPStatus.OK, OVERLAY_STYLE, "text/css; charset=utf-8", send_body)
        else:
            self._serve_site_file(url_path, query, send_body)

    def _serve_site_file(self, url_path: str, query: str, send_body: bool) -> None:
        target = resolve_site_path(self.server.site_dir, url_path)
        if target is not None and target.is_dir():
            if not url_path.endswith("/"):
                self._redirect(canonical_folder_url(url_path, query))
                return
            target = target / "index.html"
        if target is None or not target.is_file():
            self._send_not_found(send_body)
            return
        if (path := site_path(url_path)) is not None:
            self.server.live.wait_until_written(path)
        try:
            body = target.read_bytes()
        except OSError:  # removed or swapped by a rebuild between the check and the read
            self._send_not_found(send_body)
            return
        self._send(HTTPStatus.OK, body, guess_type(target), send_body, self.server.cache_control(url_path))

    def _send_not_found(self, send_body: bool) -> None:
        page = resolve_site_path(self.server.site_dir, "/404.html")
        try:
            body = page.read_bytes() if page is not None else b""
        except OSError:
            body = b""
        body = body or b"<!doctype html><title>Not found</title><h1>Not found</h1>"
        self._send(HTTPStatus.NOT_FOUND, body, "text/html; charset=utf-8", send_body)

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.send_header("Cache-Control", NO_STORE)
        self._send_security_headers()
        self.end_headers()

    def _send(self, status: HTTPStatus, body: bytes, content_type: str, send_body: bool,
              cache: str = NO_STORE) -> None:
        if content_type.startswith("text/html"):
            body = inject_live_reload(body, *self.server.live.state())
        compressible = is_compressible(content_type)
        if compressible and len(body) >= GZIP_MIN_BYTES and accepts_gzip(self.headers.get("Accept-Encoding")):
            body = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
        else:
            compressible = False
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if compressible:
            self.send_header("Content-Encoding", "gzip")
        if is_compressible(content_type):
            self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", cache)
        self._send_security_headers()
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _send_security_headers(self) -> None:
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)

    def _stream_events(self, query: str) -> None:
        live = self.server.live
        page = parse_qs(query).get("page")
        stream = live.subscribe(site_path(page[0]) if page else None, self.connection)
        try:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", NO_STORE)
            self.end_headers()
            self._write_event("retry: 500\n\n" + live.event_for_new_stream())
            while (message := _next_message(stream)) is not _CLOSED:
                self._write_event(message)
        except OSError:
            pass  # the page was closed or reloaded
        finally:
            live.unsubscribe(stream)
            self.close_connection = True

    def _write_event(self, message: str) -> None:
        self.wfile.write(message.encode("utf-8"))
        self.wfile.flush()


# Responses are gzipped when the browser accepts it, as a static host would, so the preview's
# page weights (the search index above all) are those readers get.
GZIP_MIN_BYTES = 1024  # smaller bodies gain less than gzip's ~20-byte frame
GZIP_LEVEL = 5  # most of level 9's gain (within 1-2%) at a third of the time
_COMPRESSIBLE = ("text/", "application/json", "application/xml", "application/manifest+json", "image/svg+xml")


def is_compressible(content_type: str) -> bool:
    return content_type.startswith(_COMPRESSIBLE) and not content_type.startswith("text/event-stream")


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an Accept-Encoding header allows gzip: listed (or "*") without q=0."""
    for item in (accept_encoding or "").split(","):
        coding, *parameters = (part.strip().lower() for part in item.split(";"))
        if coding in ("gzip", "x-gzip", "*"):
            return not any(re.fullmatch(r"q=0(\.0*)?", parameter) for parameter in parameters)
    return False


def _next_message(stream: queue.Queue[str | None]) -> str | None:
    try:
        message: str | None = stream.get(timeout=KEEPALIVE_SECONDS)
        return message
    except queue.Empty:
        return ": keepalive\n\n"


# The types a site has, fixed here: mimetypes alone depends on the machine's /etc/mime.types.
CONTENT_TYPES = {
    ".html": "text/html", ".css": "text/css", ".js": "text/javascript", ".json": "application/json",
    ".xml": "application/xml", ".txt": "text/plain", ".svg": "image/svg+xml", ".png": "image/png",
    ".ico": "image/x-icon", ".webmanifest": "application/manifest+json", ".woff2": "font/woff2",
}


def guess_type(path: Path) -> str:
    content_type = CONTENT_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
    content_type = content_type or "application/octet-stream"
    if content_type.startswith("text/") or content_type in ("application/json", "application/xml"):
        return f"{content_type}; charset=utf-8"
    return content_type
