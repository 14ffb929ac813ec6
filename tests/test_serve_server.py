"""The preview HTTP server on a real socket: what it serves, what it refuses, live reload events."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from test_serve_support import EventStream, raw_request

from generator.preview.server import (
    LiveReload,
    PreviewServer,
    inject_live_reload,
    resolve_site_path,
    site_path,
)

SECRET = "TOP-SECRET-OUTSIDE-SITE"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "secret.txt").write_text(SECRET)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "index.html").write_text(f"<p>{SECRET}</p>")
    site = tmp_path / "site"
    (site / "papers" / "x").mkdir(parents=True)
    (site / "index.html").write_text("<!doctype html><html><body><h1>Home</h1></body></html>")
    (site / "papers" / "x" / "index.html").write_text("<html><body><h1>Paper X</h1></body></html>")
    (site / "404.html").write_text("<html><body><h1>No such page here</h1></body></html>")
    (site / "style.css").write_text("body { color: black }")
    (site / "evil.example").mkdir()
    (site / "evil.example" / "index.html").write_text("<html><body>local folder</body></html>")
    return site


@pytest.fixture
def server(site: Path):
    live = LiveReload()
    server = PreviewServer(("127.0.0.1", 0), site, live)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    live.close()
    server.shutdown()
    server.server_close()


def port_of(server: PreviewServer) -> int:
    return server.server_address[1]


def test_serves_pages_with_the_reload_script_and_no_caching(server):
    response = raw_request(port_of(server), "/")
    assert response.status == 200
    assert "<h1>Home</h1>" in response.text
    assert '<script src="/__digest/reload.js?v=' in response.text
    assert response.text.index("reload.js") < response.text.index("</body>")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert int(response.headers["content-length"]) == len(response.body)


def test_the_reload_script_is_not_written_into_the_site(server, site):
    assert "/__digest/reload.js" in raw_request(port_of(server), "/").text
    assert "reload.js" not in (site / "index.html").read_text()
    assert not (site / "__digest").exists()


def test_files_site_headers_mark_immutable_are_cached_as_on_netlify_and_the_rest_never(server, site):
    # A reload after an edit then fetches the page alone, not the theme's fingerprinted files.
    (site / "_headers").write_text("/style.css\n  Cache-Control: public, max-age=31536000, immutable\n")
    assert raw_request(port_of(server), "/style.css").headers["cache-control"] == "public, max-age=31536000, immutable"
    assert raw_request(port_of(server), "/").headers["cache-control"] == "no-store"
    (site / "_headers").write_text("/other.css\n  Cache-Control: public, max-age=31536000, immutable\n")
    assert raw_request(port_of(server), "/style.css").headers["cache-control"] == "no-store"  # a rebuild's new rules


def test_the_reload_script_is_cached_only_at_the_address_named_by_its_bytes(server):
    page = raw_request(port_of(server), "/").text
    address = page.split('<script src="', 1)[1].split('"', 1)[0]
    assert raw_request(port_of(server), address).headers["cache-control"] == "public, max-age=31536000, immutable"
    assert raw_request(port_of(server), "/__digest/reload.js").headers["cache-control"] == "no-store"


def test_non_html_files_are_served_unchanged(server):
    response = raw_request(port_of(server), "/style.css")
    assert response.status == 200
    assert response.body == b"body { color: black }"
    assert response.headers["content-type"] == "text/css; charset=utf-8"


def test_serves_the_reload_client(server):
    response = raw_request(port_of(server), "/__digest/reload.js")
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "EventSource" in response.text


def test_folder_without_slash_redirects_to_a_path_on_the_same_host(server):
    response = raw_request(port_of(server), "/papers/x?ref=feed")
    assert response.status == 301
    assert response.headers["location"] == "/papers/x/?ref=feed"
    assert "<h1>Paper X</h1>" in raw_request(port_of(server), "/papers/x/").text


@pytest.mark.parametrize("target", ["//evil.example", "///evil.example", "/.//evil.example", "//evil.example/."])
def test_redirects_never_leave_the_host(server, target):
    response = raw_request(port_of(server), target)
    assert response.status == 301
    assert response.headers["location"] == "/evil.example/"


def test_protocol_relative_path_is_just_a_missing_page(server):
    response = raw_request(port_of(server), "//evil.example.org/")
    assert response.status == 404
    assert "location" not in response.headers


def test_missing_page_answers_404_with_the_site_404_page(server):
    response = raw_request(port_of(server), "/papers/n/no-such-paper/")
    assert response.status == 404
    assert "No such page here" in response.text
    assert "/__digest/reload.js" in response.text


def test_head_sends_headers_only(server):
    response = raw_request(port_of(server), "/", method="HEAD")
    assert response.status == 200
    assert response.body == b""
    assert int(response.headers["content-length"]) > 0


TRAVERSALS = [
    "/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/..%2fsecret.txt", "/..%2Fsecret.txt",
    "/%2e%2e%2fsecret.txt", "/papers/../../secret.txt", "/papers/%2e%2e/%2e%2e/secret.txt",
    "/..%5csecret.txt", "/..\\secret.txt", "/%252e%252e/secret.txt", "/../outside/", "/%2e%2e/outside/index.html",
    "/secret.txt%00.html", "/%c0%ae%c0%ae/secret.txt",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_traversal_attempts_get_404_and_nothing_from_outside(server, target):
    response = raw_request(port_of(server), target)
    assert response.status in (400, 404)
    assert SECRET not in response.text


def test_symlinks_out_of_the_site_are_404(server, site):
    (site / "leak.txt").symlink_to(site.parent / "secret.txt")
    (site / "leakdir").symlink_to(site.parent / "outside")
    for target in ("/leak.txt", "/leakdir/", "/leakdir/index.html", "/leakdir"):
        response = raw_request(port_of(server), target)
        assert response.status == 404, target
        assert SECRET not in response.text


def test_symlinks_inside_the_site_are_served(server, site):
    (site / "latest").symlink_to(site / "papers" / "x")
    assert "<h1>Paper X</h1>" in raw_request(port_of(server), "/latest/").text


def test_absolute_form_request_is_refused(server):
    response = raw_request(port_of(server), "http://evil.example/secret.txt")
    assert response.status == 400


@pytest.mark.parametrize("name", ["evil.example:{port}", "127.0.0.1.evil.example:{port}", "localhost:{other}", ""])
def test_a_request_naming_another_host_is_refused(server, name):
    """A page elsewhere that points its own name at 127.0.0.1 (DNS rebinding) reads nothing."""
    port = port_of(server)
    response = raw_request(port, "/papers/x/", host_header=name.format(port=port, other=port + 1))
    assert response.status == 421 and b"Paper X" not in response.body


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost"])
def test_the_names_of_this_machine_are_served(server, name):
    response = raw_request(port_of(server), "/papers/x/", host_header=f"{name}:{port_of(server)}")
    assert response.status == 200 and b"Paper X" in response.body


def test_resolve_site_path_refuses_dot_dot_before_touching_the_disk(tmp_path):
    assert resolve_site_path(tmp_path, "/a/%2e%2e/b") is None
    assert resolve_site_path(tmp_path, "/a/./b") == (tmp_path / "a" / "b").resolve()


def test_event_stream_says_hello_then_reload(server):
    stream = EventStream(port_of(server))
    try:
        assert "content-type: text/event-stream" in stream.headers
        assert "cache-control: no-store" in stream.headers
        name, hello = stream.next_event()
        assert name == "hello"
        server.live.publish_reload()
        name, data = stream.next_event()
        assert name == "reload"
        assert data["version"] != hello["version"]
    finally:
        stream.close()


def test_a_page_learns_from_which_version_on_it_may_be_shown_in_place(server):
    """After a file pages show under the same address changed, a page served before must load whole;
    a page whose stream opens only after learns it from the hello."""
    server.live.publish_reload()
    server.live.publish_reload(whole=True)
    server.live.publish_reload()
    stream = EventStream(port_of(server))
    try:
        name, hello = stream.next_event()
        assert name == "hello"
        server_id, generation = hello["version"].split("-")
        assert hello["whole_from"] == f"{server_id}-{int(generation) - 1}"
    finally:
        stream.close()


def test_every_open_stream_gets_the_event(server):
    streams = [EventStream(port_of(server)) for _ in range(3)]
    try:
        for stream in streams:
            stream.next_event()  # hello
        server.live.publish_reload()
        assert [stream.next_event()[0] for stream in streams] == ["reload"] * 3
    finally:
        for stream in streams:
            stream.close()


def test_build_errors_show_on_every_page_until_a_good_build(server):
    server.live.publish_errors(["content/topics.yaml:3: mapping values are not allowed here"])
    for target in ("/", "/papers/x/", "/missing/"):
        page = raw_request(port_of(server), target).text
        assert 'id="digest-build-error"' in page
        assert "content/topics.yaml:3: mapping values are not allowed here" in page
    server.live.publish_reload()
    assert "digest-build-error" not in raw_request(port_of(server), "/").text


def test_errors_of_files_a_build_left_out_stay_on_its_later_events_until_a_build_without(server):
    """A build that left a broken file out reloads the pages with its errors; the pages and the
    search index written after the reload (publish_update, publish_search_index) keep showing them."""
    stream = EventStream(port_of(server))
    try:
        assert stream.next_event()[0] == "hello"
        left_out = ["content/papers/x.md:2: bad"]
        server.live.publish_reload(errors=left_out)
        server.live.publish_update()
        server.live.publish_search_index()
        assert [(name, data["errors"]) for name, data in (stream.next_event() for _ in range(3))] == [
            ("reload", left_out), ("reload", left_out), ("search-index", left_out)]
        assert "content/papers/x.md:2: bad" in raw_request(port_of(server), "/").text
        server.live.publish_reload()
        assert stream.next_event()[1]["errors"] == []
        assert "digest-build-error" not in raw_request(port_of(server), "/").text
    finally:
        stream.close()


def test_error_overlay_escapes_the_message():
    page = inject_live_reload(b"<body></body>", "v1", ("x.md:1: <script>alert(1)</script>",))
    assert b"<script>alert(1)" not in page
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_page_carries_the_version_it_was_served_at(server):
    version = server.live.version
    assert f'data-digest-version="{version}"' in raw_request(port_of(server), "/").text


def test_the_slow_work_after_a_reload_waits_for_the_open_pages_to_come_back_but_not_forever():
    live = LiveReload()
    live.subscribe()
    live.publish_reload()
    reconnect = threading.Timer(0.2, live.subscribe)  # the reloaded page opens its stream again
    reconnect.start()
    started = time.perf_counter()
    live.wait_for_reloads(5.0, give_up=lambda: False)
    assert 0.15 < time.perf_counter() - started < 4.0
    live.publish_reload()  # this time the page never comes back (closed tab)
    started = time.perf_counter()
    live.wait_for_reloads(0.3, give_up=lambda: False)
    assert time.perf_counter() - started >= 0.29


def test_a_newer_save_ends_the_wait_for_pages_that_never_come_back():
    live = LiveReload()
    live.subscribe()
    live.publish_reload()  # the page closed instead of reloading
    saved = threading.Event()
    threading.Timer(0.1, saved.set).start()  # the curator saves again
    started = time.perf_counter()
    live.wait_for_reloads(5.0, give_up=saved.is_set)
    assert 0.09 < time.perf_counter() - started < 1.0


def test_the_server_knows_which_pages_are_open_by_the_path_their_stream_names(server):
    paper, home = EventStream(port_of(server), page="/papers/x/"), EventStream(port_of(server), page="/")
    try:
        paper.next_event(), home.next_event()  # hello: both subscribed
        assert server.live.open_pages() == {"papers/x/index.html", "index.html"}
        other = EventStream(port_of(server))  # a client that names no page: every page counts as open
        other.next_event()
        assert server.live.open_pages() is None
        other.close()
    finally:
        paper.close(), home.close()


def test_site_path_names_a_folder_page_by_its_index_and_refuses_to_leave_the_site():
    assert site_path("/papers/x%20y/") == "papers/x y/index.html"
    assert site_path("/") == "index.html"
    assert site_path("/feed.xml") == "feed.xml"
    assert site_path("/papers/../../secret.txt") is None


def test_a_page_held_for_writing_is_served_once_written_not_before(server, site):
    server.live.hold(["papers/x/index.html"])
    answers = []
    request = threading.Thread(target=lambda: answers.append(raw_request(port_of(server), "/papers/x/").text))
    request.start()
    request.join(0.3)
    assert answers == []  # waiting for the rebuild to write it
    assert "Home" in raw_request(port_of(server), "/").text  # other pages are served meanwhile
    (site / "papers" / "x" / "index.html").write_text("<html><body><h1>Paper X, edited</h1></body></html>")
    server.live.release()
    request.join(5)
    assert "Paper X, edited" in answers[0]


def test_a_page_gone_from_the_browser_does_not_hold_up_the_work_after_a_reload(server):
    left = EventStream(port_of(server), page="/papers/x/")  # a page the reader went on from
    staying = EventStream(port_of(server), page="/")
    left.next_event(), staying.next_event()
    left.close()
    time.sleep(0.1)  # the connection's end reaches the server
    server.live.publish_reload()
    reloaded: list[EventStream] = []
    reload = threading.Timer(0.1, lambda: reloaded.append(EventStream(port_of(server), page="/")))  # the open page
    reload.start()
    started = time.perf_counter()
    server.live.wait_for_reloads(5.0, give_up=lambda: False)
    assert time.perf_counter() - started < 2.0
    reload.join()
    staying.close(), reloaded[0].close()
