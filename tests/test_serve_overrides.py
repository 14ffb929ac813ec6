"""The preview notices override folders created after it started, and suggests a port that is free."""
from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_serve_support import EventStream, make_project, raw_request

from generator.preview.server import LiveReload
from generator.preview.session import PreviewSession, ServeError, _bind, free_port_after

SLUG = "robots-that-fold-laundry"


@pytest.fixture
def session(tmp_path: Path) -> Iterator[PreviewSession]:
    session = PreviewSession(make_project(tmp_path / "project"), "127.0.0.1", 0, report=lambda message: None)
    session.start()
    yield session
    session.stop()


def port_of(session: PreviewSession) -> int:
    return int(session.url.rstrip("/").rsplit(":", 1)[1])


def overridden_paper(project: Path, marker: str) -> str:
    template = ((project / "themes" / "default" / "templates" / "paper.html").read_text()
                .replace("{{ paper.title | math_text }}", "{{ paper.title | math_text }} " + marker, 1))
    assert marker in template  # the theme's paper.html still has the line this replaces
    return template


def test_a_templates_folder_created_while_serving_is_built_and_watched(session: PreviewSession) -> None:
    project = session.project_dir
    events = EventStream(port_of(session))
    try:
        events.next_event()  # hello
        override = project / "templates"
        override.mkdir()
        (override / "paper.html").write_text(overridden_paper(project, "[late one]"))
        assert events.next_event_named({"reload", "build-error"})[0] == "reload"
        page = f"/papers/{SLUG[0]}/{SLUG}/"
        if "[late one]" not in raw_request(port_of(session), page).text:  # the folder's event came first
            assert events.next_event_named({"reload", "build-error"})[0] == "reload"
        assert "[late one]" in raw_request(port_of(session), page).text
        (override / "paper.html").write_text(overridden_paper(project, "[late two]"))
        assert events.next_event_named({"reload", "build-error"})[0] == "reload"
        assert "[late two]" in raw_request(port_of(session), page).text
    finally:
        events.close()


def test_the_build_writing_site_does_not_count_as_a_change(session: PreviewSession) -> None:
    assert not session._is_top_input_folder(session.project_dir / "site")
    assert session._is_top_input_folder(session.project_dir / "static")


def test_the_suggested_port_is_free(tmp_path: Path) -> None:
    with socket.socket() as first, socket.socket() as second:
        first.bind(("127.0.0.1", 0))
        first.listen()
        port = first.getsockname()[1]
        second.bind(("127.0.0.1", port + 1))  # the next port is taken too
        with pytest.raises(ServeError) as refused:
            _bind(("127.0.0.1", port), tmp_path, LiveReload())
        suggested = free_port_after("127.0.0.1", port)
        assert suggested is not None and suggested > port + 1
        assert f"digest serve --port {suggested}" in str(refused.value)
