"""A local stand-in for the arXiv API: scripted answers in the shapes arXiv documents."""
import http.server
import threading
from pathlib import Path

import pytest

FEEDS = Path(__file__).parent / "fixtures" / "arxiv"


class FakeArxiv:
    """Answers each request with the next scripted (status, headers, body); records what was asked."""

    def __init__(self, script: list[tuple[int, dict[str, str], bytes]]):
        self.script = list(script)
        self.requests: list[tuple[str, dict[str, str]]] = []
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake.requests.append((self.path, dict(self.headers)))
                status, headers, body = fake.script.pop(0) if fake.script else (500, {}, b"")
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/query"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def arxiv():
    servers = []

    def start(*script):
        server = FakeArxiv(list(script))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def feed(name: str) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "application/atom+xml"}, (FEEDS / name).read_bytes()
