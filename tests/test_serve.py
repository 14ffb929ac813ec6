"""`digest serve` end to end: the real builder, watcher and server on a small project.

Each test edits files the way a curator would and checks what an open page
would see: a reload event on /__digest/events, the new page, or the errors.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from test_serve_support import (
    REPO,
    EventStream,
    digest_text,
    make_project,
    paper_file,
    raw_request,
    wait_for,
)

from generator.build import stamp
from generator.build.builder import build_site
from generator.build.record import RECORD_FILE
from generator.preview.session import PreviewSession
from generator.project import Project
from tests.helpers import related_shown, set_mtimes


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


@pytest.fixture
def session(project: Path):
    messages: list[str] = []
    session = PreviewSession(project, "127.0.0.1", 0, report=messages.append)
    session.start()
    session.messages = messages
    yield session
    session.stop()


@pytest.fixture
def events(session):
    stream = EventStream(session_port(session))
    name, _ = stream.next_event()
    assert name == "hello"
    yield stream
    stream.close()


def session_port(session: PreviewSession) -> int:
    return int(session.url.rstrip("/").rsplit(":", 1)[1])


def get(session: PreviewSession, target: str):
    return raw_request(session_port(session), target)


def test_serves_the_built_site_on_localhost(session):
    assert session.url.startswith("http://127.0.0.1:")
    page = get(session, "/papers/s/sparse-routing-for-tiny-models/")
    assert page.status == 200
    assert "Sparse Routing for Tiny Models" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "/__digest/reload.js" in page.text  # added when served ...
    written = session.site_dir / "papers" / "s" / "sparse-routing-for-tiny-models" / "index.html"
    assert "reload.js" not in written.read_text()  # ... never written


def test_paper_without_trailing_slash_redirects(session):
    response = get(session, "/papers/s/sparse-routing-for-tiny-models")
    assert response.status == 301
    assert response.headers["location"] == "/papers/s/sparse-routing-for-tiny-models/"


def test_missing_page_is_the_site_404(session):
    response = get(session, "/papers/n/never-written/")
    assert response.status == 404
    assert "/__digest/reload.js" in response.text
    assert _with_script_removed(response.body) == (session.site_dir / "404.html").read_bytes()


def _with_script_removed(body: bytes) -> bytes:
    return re.sub(rb'<script src="/__digest/reload.js[^"]*"[^>]*></script>', b"", body)


def test_editing_a_paper_rebuilds_its_page_and_reloads(session, events, project):
    path = paper_file(project, "sparse-routing-for-tiny-models")
    path.write_text(path.read_text().replace("simple to state", "delightfully simple to state"))
    name, _ = events.next_event()
    assert name == "reload"
    assert "delightfully simple to state" in get(session, "/papers/s/sparse-routing-for-tiny-models/").text


def test_the_log_names_a_saved_featured_day_still_to_come(session, events, project):
    """`2062` typed for `2026` heads the home page: the preview's log says so, as `digest build`
    does, for the file just saved."""
    path = paper_file(project, "sparse-routing-for-tiny-models")
    path.write_text(path.read_text().replace("featured: [2025-08-18]", "featured: [2025-08-18, 2062-08-18]"))
    assert events.next_event()[0] == "reload"
    expected = ("notice: content/papers/sparse-routing-for-tiny-models.md:4: featured on a day still to come "
                "(correct 2062-08-18 to the day the paper was listed)")
    deadline = time.monotonic() + 10
    while expected not in [display_relative(message, project) for message in session.messages]:
        assert time.monotonic() < deadline, session.messages
        time.sleep(0.05)
    assert "2062" in get(session, "/").text  # published all the same


def test_the_log_names_a_saved_paper_without_an_abstract(session, events, project):
    path = paper_file(project, "sparse-routing-for-tiny-models")
    text = path.read_text()
    path.write_text(text[:text.index("---", 3) + 4])  # the front matter alone
    assert events.next_event()[0] == "reload"
    expected = "notice: content/papers/sparse-routing-for-tiny-models.md:"
    assert wait_for(lambda: any(display_relative(message, project).startswith(expected) and "no abstract" in message
                                for message in session.messages)), session.messages


def display_relative(message: str, project: Path) -> str:
    """A log line with the project's folder left out of its paths, as from within the project."""
    return message.replace(f"{project.resolve()}/", "").replace(f"{project}/", "")


def test_a_save_made_while_the_first_build_runs_is_built_right_after(project, monkeypatch):
    from generator.build import builder

    path = paper_file(project, "robots-that-fold-laundry")
    real_load_papers = builder.load_paper_files

    def load_papers_then_save_one(*args, **kwargs):
        loaded = real_load_papers(*args, **kwargs)  # the build has read the papers ...
        if "folded mid-build" not in path.read_text():  # ... when a curator saves one
            path.write_text(path.read_text().replace("simple to state", "folded mid-build, simple to state"))
        return loaded

    monkeypatch.setattr(builder, "load_paper_files", load_papers_then_save_one)
    session = PreviewSession(project, "127.0.0.1", 0, report=lambda message: None)
    session.start()
    try:
        # The first build read the file before the edit (the watcher was not running yet).
        assert wait_for(lambda: "folded mid-build" in get(session, "/papers/r/robots-that-fold-laundry/").text)
    finally:
        session.stop()


def test_a_digest_that_failed_to_ingest_is_reported_again_by_the_next_start(project):
    """The first build shows the other papers, but site/ is not stamped as made from every input:
    the next start builds again rather than take site/ over, and says what is wrong."""
    (project / "content" / "digests" / "2025-08-20.txt").write_text("Daily Papers\n\nAug 20\n\nA Title Without Its Abstract\n")
    set_mtimes(project, time.time() - 3600)
    for start in ("first", "second"):
        messages: list[str] = []
        session = PreviewSession(project, "127.0.0.1", 0, report=messages.append)
        session.start()
        session.stop()
        assert any("2025-08-20.txt:5: title 'A Title Without Its Abstract' has no abstract" in message
                   for message in messages), (start, messages)


def test_a_second_start_takes_over_an_up_to_date_site_and_still_rebuilds_edits(project):
    set_mtimes(project, time.time() - 3600)
    first = PreviewSession(project, "127.0.0.1", 0, report=lambda message: None)
    first.start()
    first.stop()
    written = {path: path.stat().st_mtime_ns for path in (project / "site").rglob("*") if path.is_file()}

    messages: list[str] = []
    second = PreviewSession(project, "127.0.0.1", 0, report=messages.append)
    second.start()
    try:
        assert {path: path.stat().st_mtime_ns for path in (project / "site").rglob("*") if path.is_file()} == written
        stream = EventStream(session_port(second))
        assert stream.next_event()[0] == "hello"
        path = paper_file(project, "sparse-routing-for-tiny-models")
        path.write_text(path.read_text().replace("simple to state", "taken over, then edited"))
        event = stream.next_event()
        assert event[0] == "reload", (event, messages)  # what went wrong, should it ever fail
        assert "taken over, then edited" in get(second, "/papers/s/sparse-routing-for-tiny-models/").text
        stream.close()
    finally:
        second.stop()


def test_the_search_index_follows_the_reload_and_reloads_search_pages_only(session, events, project):
    path = paper_file(project, "sparse-routing-for-tiny-models")
    path.write_text(path.read_text().replace("title: Sparse Routing for Tiny Models", "title: Sparse Routing for Wee Models"))
    assert events.next_event()[0] == "reload"  # pages first
    assert events.next_event()[0] == "search-index"  # then the index, which search pages reload for
    index = " ".join(path.read_text(encoding="utf-8") for path in (session.site_dir / "search").rglob("*.json"))
    assert "Sparse Routing for Wee Models" in index and "Sparse Routing for Tiny Models" not in index
    script = get(session, "/__digest/reload.js").text
    assert '"search-index"' in script and 'pathname.indexOf("/search/") === 0' in script


def test_broken_yaml_shows_file_and_line_until_fixed(session, events, project):
    path = paper_file(project, "fast-sampling-of-diffusion-models")
    good = path.read_text()
    path.write_text(good.replace("title: ", 'title: "unclosed\n', 1))
    name, data = events.next_event()
    assert name == "build-error"
    where = "content/papers/fast-sampling-of-diffusion-models.md:"
    assert any(where in error for error in data["errors"])
    line = re.search(re.escape(where) + r"(\d+)", " ".join(data["errors"]))
    assert line and int(line.group(1)) >= 2

    page = get(session, "/papers/f/fast-sampling-of-diffusion-models/").text
    assert "Fast Sampling of Diffusion Models" in page  # the last good page is still served
    assert 'id="digest-build-error"' in page and where in page

    path.write_text(good.replace("simple to state", "simple to explain"))
    name, data = events.next_event()
    assert name == "reload"
    assert data["errors"] == []
    assert wait_for(lambda: "Build fixed; the open pages no longer show the errors." in session.messages)
    page = get(session, "/papers/f/fast-sampling-of-diffusion-models/").text
    assert "digest-build-error" not in page
    assert "simple to explain" in page


def save_another_paper(project: Path) -> None:
    """An edit of robots-that-fold-laundry.md ("easy to state"), saved while another file is broken."""
    path = paper_file(project, "robots-that-fold-laundry")
    path.write_text(path.read_text().replace("simple to state", "easy to state"))


def test_a_broken_paper_file_holds_back_no_other_save(session, events, project):
    """While one paper file does not parse, a save of another is shown: its pages reload with the
    broken file's error over them, and the broken paper keeps the page it last built."""
    broken = paper_file(project, "fast-sampling-of-diffusion-models")
    good = broken.read_text()
    broken.write_text(good.replace("title: ", 'title: "unclosed\n', 1))
    assert events.next_event()[0] == "build-error"

    save_another_paper(project)
    name, data = events.next_event()
    where = "content/papers/fast-sampling-of-diffusion-models.md:"
    assert name == "reload" and len(data["errors"]) == 1 and where in data["errors"][0], (name, data)
    page = get(session, "/papers/r/robots-that-fold-laundry/").text
    assert "easy to state" in page and 'id="digest-build-error"' in page and where in page
    assert "Fast Sampling of Diffusion Models" in get(session, "/papers/f/fast-sampling-of-diffusion-models/").text
    assert wait_for(lambda: any(message.startswith("1 error; the site shows those files as they last built")
                                for message in session.messages)), session.messages
    assert events.next_event_named({"search-index"})[1]["errors"] == data["errors"]  # still shown
    assert "easy to state" in " ".join(path.read_text() for path in (session.site_dir / "search").rglob("*.json"))

    broken.write_text(good.replace("simple to state", "simple to explain"))
    name, data = events.next_event()
    assert (name, data["errors"]) == ("reload", [])
    assert "simple to explain" in get(session, "/papers/f/fast-sampling-of-diffusion-models/").text
    assert "digest-build-error" not in get(session, "/papers/r/robots-that-fold-laundry/").text
    # The fix alone is rebuilt: the save built before is not read again with each later one.
    assert wait_for(lambda: any(": rebuilt" in message for message in session.messages[-3:]))
    rebuilt = [message for message in session.messages if ": rebuilt" in message]
    assert "robots-that-fold-laundry" not in rebuilt[-1], rebuilt


def test_a_broken_digest_holds_back_no_other_save(session, events, project):
    digest = project / "content" / "digests" / "2025-08-20.txt"
    digest.write_text("Daily Papers\n\nAug 20\n\nA Title Without Its Abstract\n")
    assert events.next_event()[0] == "build-error"
    save_another_paper(project)
    name, data = events.next_event()
    assert name == "reload" and any("2025-08-20.txt:5" in error for error in data["errors"]), (name, data)
    assert "easy to state" in get(session, "/papers/r/robots-that-fold-laundry/").text


def test_broken_template_shows_its_line_and_keeps_pages(session, events, project):
    template = project / "themes" / "default" / "templates" / "paper.html"
    good = template.read_text()
    lines = good.splitlines(keepends=True)
    broken_line = len(lines) // 2 + 1
    lines.insert(broken_line - 1, "{% if %}\n")
    template.write_text("".join(lines))
    name, data = events.next_event()
    assert name == "build-error"
    assert any(f"paper.html:{broken_line}" in error for error in data["errors"]), data["errors"]
    assert get(session, "/papers/r/robots-that-fold-laundry/").status == 200

    template.write_text(good)
    name, _ = events.next_event()
    assert name == "reload"
    assert "digest-build-error" not in get(session, "/papers/r/robots-that-fold-laundry/").text


def test_broken_taxonomy_then_paper_edit_then_fix_shows_the_edit(session, events, project):
    taxonomy = project / "content" / "topics.yaml"
    good = taxonomy.read_text()
    taxonomy.write_text(good.replace("topics:", "topics: [unclosed\n", 1))
    assert events.next_event()[0] == "build-error"

    save_another_paper(project)
    name, data = events.next_event()
    assert name == "build-error"  # the taxonomy is still broken
    assert any("topics.yaml" in error for error in data["errors"])

    taxonomy.write_text(good)
    assert events.next_event()[0] == "reload"
    assert "easy to state" in get(session, "/papers/r/robots-that-fold-laundry/").text


def test_a_dropped_digest_is_ingested_and_its_papers_served(session, events, project):
    digest = project / "content" / "digests" / "2025-08-19.txt"
    digest.write_text(digest_text("Aug 19", ["Counting Stars with Transformers", "Quiet Agents Plan Better"]))
    assert events.next_event(timeout=20)[0] == "reload"
    for slug, title in [("counting-stars-with-transformers", "Counting Stars with Transformers"),
                        ("quiet-agents-plan-better", "Quiet Agents Plan Better")]:
        assert paper_file(project, slug).is_file()
        page = get(session, f"/papers/{slug[0]}/{slug}/")
        assert page.status == 200 and title in page.text


def test_a_dropped_api_digest_is_ingested_and_its_papers_served(session, events, project):
    """The API's answer (`digest fetch`, or curl into content/digests/) is a digest as much as a page copy."""
    paper = {"id": "2508.12345", "title": "Counting Stars with Transformers", "summary": "We count stars.",
             "authors": [{"name": "A. Author"}], "publishedAt": "2025-08-18T17:59:49.000Z"}
    (project / "content" / "digests" / "2025-08-19.json").write_text(json.dumps([{"paper": paper}]))
    assert events.next_event(timeout=20)[0] == "reload"
    page = get(session, "/papers/c/counting-stars-with-transformers/")
    assert page.status == 200 and "Counting Stars with Transformers" in page.text


def test_a_dropped_digest_is_one_rebuild_told_in_one_line_and_its_search_index_follows(session, events, project):
    """Ingest's own writes (the new paper files, content/ingested.tsv, content/ingest-record.json)
    are not saves of the curator's: no second rebuild names them, and none stops the first one's
    search index."""
    digest = project / "content" / "digests" / "2025-08-19.txt"
    digest.write_text(digest_text("Aug 19", ["Counting Stars with Transformers"]))
    assert events.next_event_named({"search-index"}, timeout=20)[0] == "search-index"
    time.sleep(1)  # any rebuild of ingest's files would have come by now
    told = [message for message in session.messages if not message.startswith(("Building", "Built", "site/"))]
    assert "content/digests/2025-08-19.txt: rebuilt " in told[0], told
    assert "search index" in told[1], told
    # On a loaded machine the save's own events may come in two bursts, the second a rebuild of the
    # digest that changes nothing; never one of ingest's files.
    ingest_wrote = ("content/papers/", "ingested.tsv", "ingest-record.json")
    assert not any(name in message for message in told for name in ingest_wrote), told
    assert all("content/digests/2025-08-19.txt: nothing on the site changed" in message or message.startswith("  then ")
               for message in told[2:]), told


def test_a_broken_digest_shows_its_line(session, events, project):
    digest = project / "content" / "digests" / "2025-08-20.txt"
    digest.write_text("Daily Papers\n\nAug 20\n\nA Title Without Its Abstract\n")
    name, data = events.next_event()
    assert name == "build-error"
    assert any("2025-08-20.txt:5" in error for error in data["errors"]), data["errors"]
    digest.write_text(digest_text("Aug 20", ["A Title With Its Abstract"]))
    assert events.next_event()[0] == "reload"
    assert get(session, "/papers/a/a-title-with-its-abstract/").status == 200


def test_deleting_a_paper_removes_its_page(session, events, project):
    paper_file(project, "robots-that-fold-laundry").unlink()
    assert events.next_event()[0] == "reload"
    assert get(session, "/papers/r/robots-that-fold-laundry/").status == 404


def test_a_paper_copied_into_a_second_file_is_refused_as_digest_build_refuses_it(session, events, project):
    original = paper_file(project, "robots-that-fold-laundry")
    copy = original.with_name("robots-that-fold-laundry-again.md")
    copy.write_text(original.read_text().replace("slug: robots-that-fold-laundry", "slug: robots-that-fold-laundry-again"))
    name, data = events.next_event()
    assert name == "build-error"
    assert any("robots-that-fold-laundry" in error and "one paper in two files" in error for error in data["errors"])
    assert get(session, "/papers/r/robots-that-fold-laundry-again/").status == 404
    copy.unlink()
    name, data = events.next_event()
    assert name == "reload" and data["errors"] == []


def test_editor_noise_does_not_rebuild(session, events, project):
    papers = project / "content" / "papers"
    (papers / ".robots-that-fold-laundry.md.swp").write_bytes(b"swap")
    (papers / "4913").write_text("")
    (papers / "robots-that-fold-laundry.md~").write_text("backup")
    with pytest.raises(TimeoutError):
        events.next_event_named({"reload", "build-error"}, timeout=1.0)
    path = paper_file(project, "robots-that-fold-laundry")  # the positive control: a real save still reloads
    path.write_text(path.read_text().replace("simple to state", "simply stated"))
    assert events.next_event_named({"reload", "build-error"})[0] == "reload"
    assert "simply stated" in get(session, "/papers/r/robots-that-fold-laundry/").text


def test_a_project_template_override_is_watched(project):
    override = project / "templates"
    override.mkdir()
    template = override / "paper.html"
    template.write_text((project / "themes" / "default" / "templates" / "paper.html").read_text()
                        .replace("{{ paper.title | math_text }}", "{{ paper.title | math_text }} [override one]", 1))
    session = PreviewSession(project, "127.0.0.1", 0, report=lambda message: None)
    session.start()
    try:
        events = EventStream(session_port(session))
        events.next_event()  # hello
        assert "[override one]" in get(session, "/papers/r/robots-that-fold-laundry/").text
        template.write_text(template.read_text().replace("[override one]", "[override two]"))
        assert events.next_event()[0] == "reload"
        assert "[override two]" in get(session, "/papers/r/robots-that-fold-laundry/").text
        events.close()
    finally:
        session.stop()


def test_a_templates_folder_named_in_site_yaml_while_serving_is_watched_from_then_on(session, events, project):
    template = project / "layouts" / "paper.html"
    template.parent.mkdir()
    template.write_text((project / "themes" / "default" / "templates" / "paper.html").read_text()
                        .replace("{{ paper.title | math_text }}", "{{ paper.title | math_text }} [layout one]", 1))
    (project / "content" / "site.yaml").write_text("templates_dir: layouts\n")
    assert events.next_event()[0] == "reload"
    assert "[layout one]" in get(session, "/papers/r/robots-that-fold-laundry/").text
    template.write_text(template.read_text().replace("[layout one]", "[layout two]"))
    assert events.next_event_named({"reload", "build-error"})[0] == "reload"
    assert "[layout two]" in get(session, "/papers/r/robots-that-fold-laundry/").text


def paper_template_marked(project: Path, mark: str) -> str:
    return ((project / "themes" / "default" / "templates" / "paper.html").read_text()
            .replace("{{ paper.title | math_text }}", "{{ paper.title | math_text }} " + mark, 1))


def test_a_templates_folder_removed_and_made_again_is_watched_again(session, project):
    """A folder deleted while watched (a checkout of a branch without it, then back) ends its watch:
    made again, its files' saves must still show."""
    def shows(mark: str) -> bool:
        return mark in get(session, "/papers/r/robots-that-fold-laundry/").text

    override = project / "templates"
    override.mkdir()
    (override / "paper.html").write_text(paper_template_marked(project, "[first folder]"))
    assert wait_for(lambda: shows("[first folder]"))
    shutil.rmtree(override)
    assert wait_for(lambda: not shows("[first folder]"))
    time.sleep(1)  # a while later, as when switching back to a branch with the folder
    override.mkdir()
    (override / "paper.html").write_text(paper_template_marked(project, "[second folder]"))
    assert wait_for(lambda: shows("[second folder]"))
    (override / "paper.html").write_text(paper_template_marked(project, "[second folder, edited]"))
    assert wait_for(lambda: shows("[second folder, edited]"))


def test_the_shipped_theme_is_watched_when_the_project_has_none(project):
    shutil.rmtree(project / "themes")
    session = PreviewSession(project, "127.0.0.1", 0)
    assert REPO / "themes" / "default" / "templates" in session.watched_folders()
    assert project / "content" in session.watched_folders()


# --- the command itself, in a subprocess: ports, Ctrl-C ---------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_digest(project: Path, *args: str, sigint_ignored: bool = False) -> subprocess.Popen:
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    # A shell script starting a program in the background hands it SIGINT ignored.
    ignore = (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if sigint_ignored else None
    return subprocess.Popen([sys.executable, "-m", "generator", "--project", str(project), "serve", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment,
                            preexec_fn=ignore)  # noqa: PLW1509 - the test's process has no threads that matter here


def test_busy_port_names_the_port_and_the_way_out(project):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = run_digest(project, "--port", str(port))
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode != 0
    assert f"Port {port}" in stdout + stderr and "--port" in stdout + stderr
    assert "Traceback" not in stdout + stderr


@pytest.mark.parametrize("sigint_ignored", [False, True], ids=["from a terminal", "started in the background"])
def test_ctrl_c_stops_cleanly(project, sigint_ignored):
    port = free_port()
    process = run_digest(project, "--port", str(port), sigint_ignored=sigint_ignored)
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "Serving" in line:
                break
        assert f"http://127.0.0.1:{port}/" in "".join(lines)
        assert raw_request(port, "/").status == 200
        events = EventStream(port)  # an open page must not keep the server alive
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=20)
        events.close()
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert "Traceback" not in stdout + stderr and "KeyboardInterrupt" not in stderr
    with pytest.raises(OSError):
        raw_request(port, "/")


def test_the_open_page_reloads_first_and_the_pages_the_edit_reaches_are_never_served_old(session, project):
    """The reload script names its page: that page is written before the reload event, the rest of
    what the edit reaches after it; a page asked for in between is served once it is written."""
    port = session_port(session)
    stream = EventStream(port, page="/papers/s/sparse-routing-for-tiny-models/")
    try:
        assert stream.next_event()[0] == "hello"
        path = paper_file(project, "sparse-routing-for-tiny-models")
        path.write_text(path.read_text().replace("Sparse Routing for Tiny Models", "Sparse Routing, Shown First", 1))
        assert stream.next_event()[0] == "reload"
        # The session publishes the reload first and reports it after: the report may come a moment later.
        assert wait_for(lambda: any(": rebuilt " in message for message in session.messages))
        rebuilt = next(message for message in session.messages if ": rebuilt " in message)
        assert "rebuilt 1 file," in rebuilt  # the open page alone
        assert "Sparse Routing, Shown First" in get(session, "/papers/s/sparse-routing-for-tiny-models/").text
        # This page never reloads, so the rest waits for it a second (RELOAD_GRACE_SECONDS): the
        # day page, asked for now, is held until it is written.
        assert "Sparse Routing, Shown First" in get(session, "/dates/2025-08-18/").text
        assert wait_for(lambda: any("more files (other pages" in message for message in session.messages))
    finally:
        stream.close()


def test_an_open_page_reloads_again_once_its_related_papers_follow_the_edit(session, project):
    """The open page reloads with the edit before the related papers are worked out again; when its
    own related list changes then, it reloads once more."""
    slug = "robots-that-fold-laundry"
    stream = EventStream(session_port(session), page=f"/papers/{slug[0]}/{slug}/")
    try:
        assert stream.next_event()[0] == "hello"
        assert related_shown(get(session, f"/papers/{slug[0]}/{slug}/").text) == []
        path = paper_file(project, slug)
        path.write_text(path.read_text().replace("Robots That Fold Laundry", "Robots That Fold Laundry by Fast Diffusion Sampling", 1))
        assert stream.next_event_named({"reload"})[0] == "reload"
        assert stream.next_event_named({"reload"})[0] == "reload"
        page = get(session, f"/papers/{slug[0]}/{slug}/").text
        assert "by Fast Diffusion Sampling" in page and related_shown(page) == ["fast-sampling-of-diffusion-models"]
    finally:
        stream.close()


def test_an_edit_no_open_page_shows_is_reported_as_such_then_its_pages_are_written(session, project):
    """With no page open, every page the edit reaches is written after the first report: that report
    says why it wrote nothing, rather than "rebuilt 0 files", which read as if the save did nothing."""
    path = paper_file(project, "sparse-routing-for-tiny-models")
    path.write_text(path.read_text().replace("Sparse Routing for Tiny Models", "Sparse Routing, Unwatched", 1))
    assert wait_for(lambda: any("more files (other pages" in message for message in session.messages))
    first = next(message for message in session.messages if path.name in message)
    then = next(message for message in session.messages if "more files (other pages" in message)
    assert path.name in first and ": no page open in a browser shows it (" in first, session.messages
    assert int(then.split()[1]) > 2  # the paper's page, its day and topic pages, the search index...
    assert "Sparse Routing, Unwatched" in get(session, "/papers/s/sparse-routing-for-tiny-models/").text


def test_a_page_that_listens_only_after_an_edit_still_learns_of_it(session, project, monkeypatch):
    """The reload script listens once its page has painted: an edit built before that (no page open
    as far as the server knows, so no page written before the reload) must still give a new
    version at once, which the page's hello compares with the one it was served at."""
    from generator.build.builder import SiteBuilder

    listening = threading.Event()
    write_pages = SiteBuilder.write_deferred_pages
    monkeypatch.setattr(SiteBuilder, "write_deferred_pages", lambda self: listening.wait(10) and write_pages(self))
    slug = "sparse-routing-for-tiny-models"
    served = re.search(r'data-digest-version="([^"]+)"', get(session, f"/papers/{slug[0]}/{slug}/").text).group(1)
    path = paper_file(project, slug)
    path.write_text(path.read_text().replace("Sparse Routing for Tiny Models", "Sparse Routing, Seen Late", 1))
    assert wait_for(lambda: any(": no page open in a browser shows it" in message for message in session.messages))
    stream = EventStream(session_port(session), page=f"/papers/{slug[0]}/{slug}/")  # the page listens now
    try:
        name, hello = stream.next_event()
        listening.set()
        assert name == "hello" and hello["version"] != served  # so the page reloads
        assert "Sparse Routing, Seen Late" in get(session, f"/papers/{slug[0]}/{slug}/").text
    finally:
        listening.set()
        stream.close()


def preview_one_edit(project: Path, new_text: str, before_stop: Callable[[Path], object] = lambda path: None) -> None:
    """A preview that shows one edit of a paper ("simple to state" -> new_text) and writes the
    rest of what it reaches; before_stop(paper file), then stopped."""
    messages: list[str] = []
    preview = PreviewSession(project, "127.0.0.1", 0, report=messages.append)
    preview.start()
    try:
        stream = EventStream(session_port(preview))
        assert stream.next_event()[0] == "hello"
        path = paper_file(project, "sparse-routing-for-tiny-models")
        path.write_text(path.read_text().replace("simple to state", new_text))
        assert stream.next_event()[0] == "reload"
        assert wait_for(lambda: any("more files" in message for message in messages))
        before_stop(path)
        stream.close()
    finally:
        preview.stop()


def test_a_preview_stopped_after_an_edit_leaves_digest_build_nothing_to_render(project):
    # Its edit rewrote pages of site/, so the last build's record went; stopping writes one of the
    # site as the preview left it, and the next `digest build` renders nothing again.
    preview_one_edit(project, "stopped, then built")
    assert (project / ".cache" / RECORD_FILE).exists()
    assert build_site(project).written == []
    assert "stopped, then built" in (project / "site" / "papers" / "s" / "sparse-routing-for-tiny-models" / "index.html").read_text()


def test_a_preview_stopped_after_building_its_edits_is_taken_over_by_the_next_start(project):
    # Its edit let go of the build stamp as it rewrote site/; stopping stamps site/ again, since it
    # was made from the files as they are: the next start takes it over rather than load and check
    # every paper (11 s at 80,000 papers), and `digest build` has nothing to do.
    settled = time.time() - 3600
    set_mtimes(project, settled)
    # The edit as if saved a minute later, long before the stop.
    preview_one_edit(project, "stopped, then taken over", lambda path: os.utime(path, (settled + 60, settled + 60)))
    assert stamp.site_is_current(Project.at(project))  # what the next start and `digest build` check first
    assert "stopped, then taken over" in (project / "site" / "papers" / "s" / "sparse-routing-for-tiny-models" / "index.html").read_text()
