"""`digest serve` compresses what a static host would: the search files above all."""
from __future__ import annotations

import gzip
import http.client
import threading

import pytest
from search_support import fixture_papers, write_site_search

from generator.preview.server import LiveReload, PreviewServer, accepts_gzip


@pytest.fixture
def site(tmp_path):
    write_site_search(tmp_path, fixture_papers())
    (tmp_path / "index.html").write_text("<html><body>" + "<p>Home</p>" * 200 + "</body></html>")
    (tmp_path / "tiny.css").write_text("a{}")
    (tmp_path / "image.png").write_bytes(b"\x89PNG" + bytes(4000))
    return tmp_path


@pytest.fixture
def port(site):
    live = LiveReload()
    server = PreviewServer(("127.0.0.1", 0), site, live)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    live.close()
    server.shutdown()
    server.server_close()


def fetch(port: int, path: str, accept_encoding: str | None, method: str = "GET"):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(method, path, headers={"Accept-Encoding": accept_encoding} if accept_encoding else {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def test_search_files_are_gzipped_for_a_browser_that_accepts_it(port, site):
    for path in ("/search/f/0/0.json", "/index.html"):
        response, body = fetch(port, path, "gzip, deflate, br")
        assert response.getheader("Content-Encoding") == "gzip", path
        assert response.getheader("Vary") == "Accept-Encoding"
        assert int(response.getheader("Content-Length")) == len(body)
        if path != "/index.html":  # pages also get the live-reload script
            assert gzip.decompress(body) == (site / path.lstrip("/")).read_bytes()
    shard = next((site / "search" / "s").iterdir())
    response, body = fetch(port, f"/search/s/{shard.name}", "gzip")
    assert gzip.decompress(body) == shard.read_bytes() and len(body) < shard.stat().st_size / 2


def test_identity_without_accept_encoding_or_when_gzip_is_refused(port, site):
    for accept in (None, "identity", "gzip;q=0, br"):
        response, body = fetch(port, "/search/f/0/0.json", accept)
        assert response.getheader("Content-Encoding") is None
        assert body == (site / "search" / "f" / "0" / "0.json").read_bytes()


def test_tiny_files_and_images_are_sent_as_they_are(port):
    for path in ("/tiny.css", "/image.png"):
        response, _ = fetch(port, path, "gzip")
        assert response.getheader("Content-Encoding") is None, path


def test_head_announces_the_gzipped_length(port):
    head, body = fetch(port, "/search/f/0/0.json", "gzip", method="HEAD")
    _, full = fetch(port, "/search/f/0/0.json", "gzip")
    assert body == b"" and head.getheader("Content-Encoding") == "gzip"
    assert int(head.getheader("Content-Length")) == len(full)


@pytest.mark.parametrize(("header", "accepted"), [
    ("gzip", True), ("br;q=1.0, gzip;q=0.8", True), ("*", True), ("x-gzip", True),
    ("gzip;q=0", False), ("GZIP; q=0.000", False), ("deflate, br", False), ("", False), (None, False),
])
def test_accept_encoding_header(header, accepted):
    assert accepts_gzip(header) is accepted
