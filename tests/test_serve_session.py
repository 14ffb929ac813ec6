"""How a preview session copes with a builder that crashes, and how it words such crashes."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from test_serve_support import EventStream, raw_request

from generator.preview.session import PreviewSession, describe_unexpected


@dataclass
class Result:
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: list = field(default_factory=list)
    seconds: float = 0.0


class CrashOnceBuilder:
    """Writes one page; its first rebuild crashes the way a bug in a stage would."""

    def __init__(self, project_dir: Path, site_dir: Path):
        self.site_dir = site_dir
        self.rebuilds: list[list[Path]] = []

    def build(self) -> Result:
        self.site_dir.mkdir(exist_ok=True)
        (self.site_dir / "index.html").write_text("<html><body>first</body></html>")
        return Result(written=["index.html"])

    def rebuild(self, changed) -> Result:
        self.rebuilds.append(list(changed))
        if len(self.rebuilds) == 1:
            raise RuntimeError("stage crashed")
        (self.site_dir / "index.html").write_text("<html><body>second</body></html>")
        return Result(written=["index.html"])


def no_ingest(content_dir, digests):
    return Result()


def test_a_crashing_rebuild_is_shown_and_the_next_change_recovers(tmp_path):
    (tmp_path / "content").mkdir()
    builders: list[CrashOnceBuilder] = []

    def factory(project_dir, site_dir):
        builders.append(CrashOnceBuilder(project_dir, site_dir))
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


def test_unexpected_errors_point_at_the_template_line(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "page.html").write_text("<h1>ok</h1>\n<p>{{ 1 // 0 }}</p>\n")
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(templates), autoescape=True)
    try:
        environment.get_template("page.html").render()
    except ZeroDivisionError as error:
        message = describe_unexpected(error, [templates])
    assert message.endswith("page.html:2: ZeroDivisionError: integer division or modulo by zero")


def test_unexpected_errors_without_a_source_line_still_say_what_happened(tmp_path):
    message = describe_unexpected(ValueError("no such thing"), [tmp_path])
    assert message == "ValueError: no such thing"
