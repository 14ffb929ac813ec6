"""How a preview session copes with a builder that crashes, and how it words such crashes."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Iterable
from pathlib import Path

import jinja2
import pytest
from test_serve_support import EventStream, raw_request, wait_for

from generator.build.builder import BuildResult
from generator.cache import Stamps
from generator.ingest.catalog import IngestReport
from generator.preview import session as session_module
from generator.preview.session import Builder, PreviewSession, describe_unexpected
from generator.project import Project


class CrashOnceBuilder:
    """A Builder that writes one page; its first rebuild crashes the way a bug in a stage would."""

    def __init__(self, project: Project):
        self.site_dir = project.site
        self.rebuilds: list[list[Path]] = []

    def build(self, parallel: bool | None = None) -> BuildResult:
        self.site_dir.mkdir(exist_ok=True)
        (self.site_dir / "index.html").write_text("<html><body>first</body></html>")
        return BuildResult(["index.html"], [], [], 0.0)

    def adopt(self, inputs: Stamps | None) -> None:
        return None  # never up to date: always built

    def warm_up(self) -> None:
        return None

    def rebuild(self, changed: Iterable[Path], defer_data: bool = False,
                shown: Collection[str] | None = None) -> BuildResult:
        self.rebuilds.append(list(changed))
        if len(self.rebuilds) == 1:
            raise RuntimeError("stage crashed")
        (self.site_dir / "index.html").write_text("<html><body>second</body></html>")
        return BuildResult(["index.html"], [], [], 0.0)

    def write_deferred_pages(self) -> BuildResult:
        return BuildResult([], [], [], 0.0)

    def write_deferred(self, should_stop: Callable[[], bool] | None = None) -> list[str]:
        return []

    def save_record(self) -> bool:
        return False

    def save_stamp(self, stamped: Stamps | None, is_noise: Callable[[str], bool]) -> bool:
        return False


def no_ingest(project: Project, digests: list[Path] | None) -> IngestReport:
    return IngestReport()


def test_a_crashing_rebuild_is_shown_and_the_next_change_recovers(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    builders: list[CrashOnceBuilder] = []

    def factory(project: Project) -> Builder:
        builders.append(CrashOnceBuilder(project))
        return builders[-1]

    session = PreviewSession(tmp_path, "127.0.0.1", 0, builder_factory=factory, ingest=no_ingest,
                             report=lambda message: None)
    session.start()
    try:
        port = int(session.url.rstrip("/").rsplit(":", 1)[1])
        events = EventStream(port)
        events.next_event()  # hello
        (tmp_path / "content" / "a.md").write_text("one")
        name, data = events.next_event()
        assert name == "build-error"
        assert "RuntimeError: stage crashed" in data["errors"][0]
        assert "first" in raw_request(port, "/").text

        (tmp_path / "content" / "b.md").write_text("two")
        assert events.next_event()[0] == "reload"
        assert "second" in raw_request(port, "/").text
        # the change whose rebuild crashed is built again with the next one
        assert set(builders[0].rebuilds[1]) == {tmp_path.resolve() / "content" / "a.md",
                                                tmp_path.resolve() / "content" / "b.md"}
        events.close()
    finally:
        session.stop()


def test_a_digest_linked_out_of_the_project_during_the_preview_is_shown_and_not_read(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "content" / "digests").mkdir(parents=True)
    (tmp_path / "secret.txt").write_text("Aug 18, 2025\n\nSECRET\n\nnot for the site\n")
    builders: list[CrashOnceBuilder] = []
    ingested: list[list[Path] | None] = []

    def factory(project: Project) -> Builder:
        builders.append(CrashOnceBuilder(project))
        return builders[-1]

    def ingest(project: Project, digests: list[Path] | None) -> IngestReport:
        ingested.append(digests)
        return IngestReport()

    session = PreviewSession(project, "127.0.0.1", 0, builder_factory=factory, ingest=ingest,
                             report=lambda message: None)
    session.start()
    try:
        events = EventStream(int(session.url.rstrip("/").rsplit(":", 1)[1]))
        events.next_event()  # hello
        ingested.clear()
        (project / "content" / "digests" / "2025-08-19.txt").symlink_to(tmp_path / "secret.txt")
        name, data = events.next_event()
        assert name == "build-error"
        assert "content/digests/2025-08-19.txt: is a symbolic link to " in data["errors"][0]
        assert ingested == [] and builders[-1].rebuilds == []
        events.close()
    finally:
        session.stop()


class TakenOverBuilder(CrashOnceBuilder):
    """A site/ taken over as up to date, with a file saved while the builder loaded its state."""

    def adopt(self, inputs: Stamps | None) -> BuildResult:
        return BuildResult([], [], [], 0.0)

    def warm_up(self) -> BuildResult:  # type: ignore[override]
        return BuildResult(["papers/a/index.html"], [], [], 0.0)


def taken_over_session(project: Path, builder_factory: Callable[[Project], Builder],
                       report: Callable[[str], None]) -> PreviewSession:
    """A session on a project with content/ and site/, which builder_factory's builders take over."""
    (project / "content").mkdir()
    (project / "site").mkdir()
    return PreviewSession(project, "127.0.0.1", 0, builder_factory=builder_factory, ingest=no_ingest, report=report)


def test_a_file_saved_while_the_preview_loads_is_reported_as_such(tmp_path: Path) -> None:
    messages: list[str] = []
    session = taken_over_session(tmp_path, TakenOverBuilder, messages.append)
    session.start()
    try:
        wait_for_message(messages, "rebuilt")
    finally:
        session.stop()
    assert any(message.startswith("Files saved while the preview loaded the site: rebuilt 1 file,")
               for message in messages), messages


class SlowToLoadBuilder(TakenOverBuilder):
    """A taken-over site whose state loads until a file is saved, which its build then shows;
    rebuilds find nothing left to change."""

    def __init__(self, project: Project):
        super().__init__(project)
        self.told = threading.Event()  # set when the session said a save waits

    def warm_up(self) -> BuildResult:  # type: ignore[override]
        self.told.wait(10)
        return BuildResult(["papers/a/index.html"], [], [], 0.0)

    def rebuild(self, changed: Iterable[Path], defer_data: bool = False,
                shown: Collection[str] | None = None) -> BuildResult:
        self.rebuilds.append(list(changed))
        return BuildResult([], [], [], 0.0)


def test_a_save_while_the_preview_loads_is_told_at_once_then_shown_once(tmp_path: Path) -> None:
    messages: list[str] = []
    builders: list[SlowToLoadBuilder] = []

    def factory(project: Project) -> Builder:
        builders.append(SlowToLoadBuilder(project))
        return builders[-1]

    def report(message: str) -> None:
        messages.append(message)
        if "still loading" in message:
            builders[0].told.set()  # the load ends once the save was told to wait for it

    session = taken_over_session(tmp_path, factory, report)
    session.start()
    try:
        (tmp_path / "content" / "a.md").write_text("saved while loading")
        assert wait_for_message(messages, "content/a.md: the preview is still loading the site"), messages
        assert wait_for_message(messages, "content/a.md: rebuilt 1 file, removed 0")
        assert wait_for(lambda: len(builders[0].rebuilds) == 1)  # the save's own batch, after the load
        (tmp_path / "content" / "b.md").write_text("a save that changes nothing on the site")
        assert wait_for_message(messages, "content/b.md: nothing on the site changed")
    finally:
        session.stop()
    # The save the load's build showed is not reported again as changing nothing.
    assert not any("a.md: nothing" in message for message in messages), messages
    assert sum("still loading" in message for message in messages) == 1, messages


class QuietLoadBuilder(TakenOverBuilder):
    """A taken-over site whose state takes a moment to load, with nothing saved meanwhile."""

    def warm_up(self) -> None:  # type: ignore[override]
        time.sleep(0.2)


def test_a_long_load_says_when_it_ends(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session_module, "LOADED_NOTICE_SECONDS", 0.1)  # 2 s in use: 20 s at 80,000 papers
    messages: list[str] = []
    session = taken_over_session(tmp_path, QuietLoadBuilder, messages.append)
    session.start()
    try:
        assert wait_for_message(messages, "Loaded the site for quick rebuilds in 0."), messages
    finally:
        session.stop()


class StuckLoadBuilder(TakenOverBuilder):
    """A taken-over site whose state loads until released."""

    def __init__(self, project: Project):
        super().__init__(project)
        self.loading, self.release, self.loaded = threading.Event(), threading.Event(), threading.Event()

    def warm_up(self) -> None:  # type: ignore[override]
        self.loading.set()
        self.release.wait(30)
        self.loaded.set()


def test_stopping_while_the_site_loads_does_not_wait_for_the_load(tmp_path: Path) -> None:
    builders: list[StuckLoadBuilder] = []

    def factory(project: Project) -> Builder:
        builders.append(StuckLoadBuilder(project))
        return builders[-1]

    session = taken_over_session(tmp_path, factory, lambda message: None)
    session.start()
    try:
        assert builders[0].loading.wait(10)
        started = time.monotonic()
        session.stop()
        assert time.monotonic() - started < 3.0  # ~0.1 s: not the 5 s it waited for the load
    finally:
        builders[0].release.set()
    assert builders[0].loaded.wait(10)


def test_the_site_is_served_before_the_files_saved_during_the_first_build_are_listed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Listing every source file again takes 0.6 s at 80,000 papers: serving does not wait for it."""
    listing, release = threading.Event(), threading.Event()

    def slow_catch_up(self: PreviewSession) -> None:
        listing.set()
        release.wait(10)

    monkeypatch.setattr(PreviewSession, "_catch_up", slow_catch_up)
    (tmp_path / "content").mkdir()
    session = PreviewSession(tmp_path, "127.0.0.1", 0, builder_factory=CrashOnceBuilder, ingest=no_ingest,
                             report=lambda message: None)
    starting = threading.Thread(target=session.start)
    starting.start()
    try:
        starting.join(5)
        assert not starting.is_alive() and listing.wait(5)  # started while the listing is under way
        port = int(session.url.rstrip("/").rsplit(":", 1)[1])
        assert "first" in raw_request(port, "/").text
    finally:
        release.set()
        starting.join(5)
        session.stop()


def wait_for_message(messages: list[str], text: str, timeout: float = 10) -> bool:
    return wait_for(lambda: any(text in message for message in messages), timeout)




def test_unexpected_errors_point_at_the_template_line(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "page.html").write_text("<h1>ok</h1>\n<p>{{ 1 // 0 }}</p>\n")
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(templates), autoescape=True)
    with pytest.raises(ZeroDivisionError) as raised:
        environment.get_template("page.html").render()
    message = describe_unexpected(raised.value, [templates])
    assert message.endswith("page.html:2: ZeroDivisionError: integer division or modulo by zero")


def test_unexpected_errors_without_a_source_line_still_say_what_happened(tmp_path):
    message = describe_unexpected(ValueError("no such thing"), [tmp_path])
    assert message == "ValueError: no such thing"


def test_the_preview_names_the_new_papers_of_a_saved_day_that_no_topic_rule_matched(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A curator reads a new day in the preview: its log names the papers left in "Not yet sorted"."""
    from tests.helpers import make_project
    from tests.test_ingest import FALLBACK_NOTICE, UNSORTED_DAY

    project = make_project(tmp_path)
    (project / "content" / "digests" / "2025-08-19.txt").write_text(UNSORTED_DAY, encoding="utf-8")
    monkeypatch.chdir(project)  # as the command is, for paths relative to the project
    report = session_module._run_ingest(Project.at(project), None)
    assert report.created == 2
    assert capsys.readouterr().out.splitlines() == [FALLBACK_NOTICE]
