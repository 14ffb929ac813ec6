"""Folders, broken links, FIFOs and unreadable files among the inputs: a message, never a hang or a traceback."""
from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator.build.builder import build_site
from generator.content import papers as papers_module
from generator.content.check import check_content
from generator.errors import BuildFailed
from generator.project import Project
from tests.helpers import ROOT


def papers_dir(project: Path) -> Path:
    return project / "content" / "papers"


def test_an_emacs_lock_beside_an_open_paper_is_ignored(golden_project: Path) -> None:
    (papers_dir(golden_project) / ".#skippipe.md").symlink_to("curator@host.4242:1700000000")
    assert check_content(Project.at(golden_project)).errors == []
    build_site(golden_project)


def test_a_paper_saved_with_a_byte_order_mark_reads_as_without(golden_project: Path) -> None:
    """Windows Notepad marks UTF-8 files so; the file still starts with its '---' line."""
    paper = papers_dir(golden_project) / "skippipe.md"
    paper.write_bytes(b"\xef\xbb\xbf" + paper.read_bytes().replace(b"\n", b"\r\n"))
    assert check_content(Project.at(golden_project)).errors == []
    build_site(golden_project)
    assert "SkipPipe" in (golden_project / "site" / "papers" / "s" / "skippipe" / "index.html").read_text()


@pytest.mark.parametrize("make", ["folder", "broken link", "fifo"])
def test_an_entry_that_is_not_a_file_is_reported_by_name(golden_project: Path, make: str) -> None:
    odd = papers_dir(golden_project) / "odd.md"
    {"folder": odd.mkdir, "broken link": lambda: odd.symlink_to("nowhere.md"), "fifo": lambda: os.mkfifo(odd)}[make]()
    errors = [str(error) for error in check_content(Project.at(golden_project)).errors]
    assert [error for error in errors if "odd.md" in error] == [
        f"{papers_module.display_path(odd)}: not a regular file (a folder, a broken link or a FIFO) "
        "(replace it by a paper file or move it out of content/papers/)"]
    with pytest.raises(BuildFailed):
        build_site(golden_project)


def test_an_unreadable_paper_is_reported_by_name(golden_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read_bytes = Path.read_bytes

    def unreadable(path: Path) -> bytes:
        if path.parent.name == "papers":  # root may read any file: as a user without the right would
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", unreadable)
    errors = [str(error) for error in check_content(Project.at(golden_project)).errors]
    assert errors and all(error.endswith(": cannot read: Permission denied (check the file's permissions)")
                          for error in errors)


def test_the_command_line_reports_a_fifo_without_hanging(golden_project: Path) -> None:
    os.mkfifo(papers_dir(golden_project) / "pipe.md")
    result = subprocess.run([sys.executable, "-m", "generator", "--project", str(golden_project), "build"],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "pipe.md: not a regular file" in result.stderr


def test_check_names_files_saved_where_no_command_reads_them(golden_project: Path) -> None:
    (papers_dir(golden_project) / "2025").mkdir()
    (papers_dir(golden_project) / "2025" / "old-paper.md").write_text("---\ntitle: Old\n---\n")
    (papers_dir(golden_project) / "skippipe.md.bak").write_text("a backup")  # an editor's: left alone
    digests = golden_project / "content" / "digests"
    digests.mkdir(exist_ok=True)
    (digests / "2025-08-19.TXT").write_text("Aug 19\n\nA Title\n\nAn abstract.\n")
    result = subprocess.run([sys.executable, "-m", "generator", "--project", str(golden_project), "check"],
                            capture_output=True, text=True, cwd=golden_project)
    assert result.returncode == 0, result.stderr
    assert "notice: content/papers/2025: a folder: the paper files in it are not read" in result.stdout
    assert "notice: content/digests/2025-08-19.TXT: not read: digests are named .txt or .json" in result.stdout
    assert "skippipe.md.bak" not in result.stdout


def test_the_build_run_to_publish_a_file_no_command_reads_names_it(golden_project: Path) -> None:
    """A digest saved as .TXT changes no page: the build says why, where it said only that site/ was up to date."""
    build = [sys.executable, "-m", "generator", "--project", str(golden_project), "build"]
    assert subprocess.run(build, capture_output=True, text=True, cwd=golden_project).returncode == 0
    digests = golden_project / "content" / "digests"
    digests.mkdir(exist_ok=True)
    (digests / "2025-08-19.TXT").write_text("Aug 19\n\nA Title\n\nAn abstract.\n")
    (papers_dir(golden_project) / "new-paper.MD").write_text("---\ntitle: New\n---\n")
    result = subprocess.run(build, capture_output=True, text=True, cwd=golden_project)
    assert result.returncode == 0, result.stderr
    assert "notice: content/digests/2025-08-19.TXT: not read: digests are named .txt or .json" in result.stdout
    assert "notice: content/papers/new-paper.MD: not read: paper files are named .md (rename it to new-paper.md)" in result.stdout
    assert result.stdout.rstrip().endswith("build: site/ is up to date")


def test_check_names_paper_files_saved_with_another_ending(golden_project: Path) -> None:
    """A paper file saved as `.MD`, `.markdown` or `.md.txt` (an editor that hides extensions) is
    published by no command: check says so, where it said nothing."""
    for name in ("new-paper.MD", "other-paper.markdown", "third-paper.md.txt"):
        (papers_dir(golden_project) / name).write_text("---\ntitle: New\n---\n")
    (papers_dir(golden_project) / "skippipe.md~").write_text("a backup")  # an editor's: left alone
    result = subprocess.run([sys.executable, "-m", "generator", "--project", str(golden_project), "check"],
                            capture_output=True, text=True, cwd=golden_project)
    assert result.returncode == 0, result.stderr
    for name, rename in (("new-paper.MD", "new-paper"), ("other-paper.markdown", "other-paper"),
                         ("third-paper.md.txt", "third-paper")):
        assert f"notice: content/papers/{name}: not read: paper files are named .md (rename it to {rename}.md)" in result.stdout
    assert "skippipe.md~" not in result.stdout
