"""The preview sends the security headers the published site gets from netlify.toml."""
from __future__ import annotations

import threading
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_serve_support import raw_request

from generator.preview.server import OVERLAY_STYLE_PATH, SECURITY_HEADERS, LiveReload, PreviewServer

NETLIFY = Path(__file__).resolve().parent.parent / "netlify.toml"


def netlify_headers() -> dict[str, str]:
    config = tomllib.loads(NETLIFY.read_text(encoding="utf-8"))
    [every_page] = [rule for rule in config["headers"] if rule["for"] == "/*"]
    return dict(every_page["values"])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PreviewServer]:
    (tmp_path / "index.html").write_text("<!doctype html><html><body><h1>Home</h1></body></html>")
    live = LiveReload()
    server = PreviewServer(("127.0.0.1", 0), tmp_path, live)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    live.close()
    server.shutdown()
    server.server_close()


def test_the_preview_headers_are_netlifys() -> None:
    assert netlify_headers() == SECURITY_HEADERS


@pytest.mark.parametrize("target", ["/", "/missing/", "/__digest/reload.js", OVERLAY_STYLE_PATH])
def test_every_response_carries_the_security_headers(server: PreviewServer, target: str) -> None:
    response = raw_request(server.server_address[1], target)
    expected = {name.lower(): value for name, value in netlify_headers().items()}
    assert {name: response.headers.get(name) for name in expected} == expected


def test_the_error_overlay_has_no_inline_style(server: PreviewServer) -> None:
    server.live.publish_errors(["content/site.yaml:3: bad"])
    page = raw_request(server.server_address[1], "/").text
    assert "digest-build-error" in page and "style=" not in page
    stylesheet = raw_request(server.server_address[1], OVERLAY_STYLE_PATH)
    assert stylesheet.status == 200 and b"#digest-build-error" in stylesheet.body
