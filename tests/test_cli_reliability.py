"""The command line under bad input and a hostile machine: a message and an exit code, never a traceback."""
from __future__ import annotations

import errno
import gc
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from generator import __version__, cli
from generator.build import staging
from generator.errors import SourceError, capped_error_lines
from generator.lock import project_lock
from generator.project import Project
from tests.helpers import ROOT, snapshot


def digest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", "--project", str(project), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def run_main(project: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    here = os.getcwd()
    try:
        code = cli.main(["--project", str(project), *args])
    finally:
        os.chdir(here)  # main() moves into the project; later tests expect the repository
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@contextmanager
def immutable(path: Path) -> Iterator[None]:
    """A folder nobody may write to, not even root (who ignores permission bits)."""
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_version() -> None:
    result = subprocess.run([sys.executable, "-m", "generator", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert (result.returncode, result.stdout.strip()) == (0, f"digest {__version__}")


@pytest.mark.parametrize("command", ["ingest", "build", "check", "new", "retopic", "topics", "serve"])
def test_every_command_has_a_description_an_example_and_the_exit_codes(command: str) -> None:
    with pytest.raises(SystemExit):
        cli._parser().parse_args([command, "--help"])
    help_text = cli._parser()._subparsers._group_actions[0].choices[command].format_help()  # type: ignore[union-attr]
    assert "example:\n  digest " in help_text and "exit codes:" in help_text and "3  a fault" in help_text
    # Ctrl-C ends `serve` as it should end, with 0; it interrupts any other command, with 130.
    ends_with_ctrl_c = command == "serve"
    assert ("0  stopped with Ctrl-C" in help_text) == ends_with_ctrl_c
    assert ("130  interrupted (Ctrl-C)" in help_text) != ends_with_ctrl_c


@pytest.mark.parametrize("port", ["99999", "-1", "0", "http"])
def test_a_port_out_of_range_is_wrong_usage(golden_project: Path, port: str) -> None:
    result = digest(golden_project, "serve", "--port", port)
    assert result.returncode == 2 and "expected a number from 1 to 65535" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("title", ["", "   ", "two\nlines"])
def test_new_refuses_an_empty_or_broken_title(golden_project: Path, title: str) -> None:
    before = snapshot(golden_project)
    result = digest(golden_project, "new", title)
    assert result.returncode == 2 and "argument title: the title" in result.stderr
    assert snapshot(golden_project) == before


def test_new_explains_the_date_format(golden_project: Path) -> None:
    result = digest(golden_project, "new", "A title", "--date", "18/08/2025")
    assert result.returncode == 2 and "expected YYYY-MM-DD" in result.stderr and "fromisoformat" not in result.stderr


def test_check_reports_the_site_config_errors_build_reports(golden_project: Path) -> None:
    (golden_project / "content" / "site.yaml").write_text("title: T\nstatic_dir: /etc\nthme: x\n")
    check, build = digest(golden_project, "check"), digest(golden_project, "build")
    assert check.returncode == build.returncode == 1
    for line in ("content/site.yaml:2: 'static_dir' must be a folder inside the project",
                 "content/site.yaml:3: unknown site config key 'thme'"):
        assert line in check.stderr and line in build.stderr


def test_a_topic_typo_gets_did_you_mean(golden_project: Path) -> None:
    paper = golden_project / "content" / "papers" / "skippipe.md"
    paper.write_text(paper.read_text().replace("topics: [language-models]", "topics: [language-model]"))
    result = digest(golden_project, "check")
    assert "unknown topic 'language-model' (did you mean 'language-models'?" in result.stderr


def test_printed_errors_are_capped_per_file_and_in_total() -> None:
    errors = [SourceError("a.txt", line, "bad") for line in range(1, 1001)]
    errors += [SourceError(f"f{number}.md", 1, "bad") for number in range(300)]
    lines = capped_error_lines(errors, per_file=20, total=200)
    assert lines[:20] == [f"a.txt:{line}: bad" for line in range(1, 21)]
    assert "… and 980 more in a.txt" in lines
    assert "… and 120 more problems in other files" in lines
    assert len(lines) == 202


def test_a_second_writer_is_refused_with_the_holders_pid(golden_project: Path) -> None:
    with project_lock(Project.at(golden_project)):
        result = digest(golden_project, "build")
        check = digest(golden_project, "check")  # reading needs no lock
    assert result.returncode == 1
    assert f"another digest command (pid {os.getpid()}) is using this project; wait for it or stop it" in result.stderr
    assert check.returncode == 0
    assert not (golden_project / "site").exists()


def test_a_lock_left_by_a_killed_command_does_not_block(golden_project: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\n"
                               "from generator.lock import project_lock\nfrom generator.project import Project\n"
                               f"with project_lock(Project.at({str(golden_project)!r})):\n"
                               "    print('locked', flush=True); time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    holder.kill()
    holder.wait()
    assert digest(golden_project, "build").returncode == 0


def test_leftovers_of_a_killed_build_are_removed_by_the_next(golden_project: Path) -> None:
    (golden_project / ".site-build-abc123" / "papers").mkdir(parents=True)
    (golden_project / ".site-old-def456" / "site").mkdir(parents=True)
    (golden_project / "content" / "papers" / ".skippipe.md.x1y2.tmp").write_text("half a file")
    (golden_project / ".cache").mkdir()
    (golden_project / ".cache" / "lock").write_text("4242\n")  # the killed run's pid, never emptied
    assert digest(golden_project, "build").returncode == 0
    leftovers = [path.name for path in golden_project.rglob("*") if ".site-" in path.name or path.suffix == ".tmp"]
    assert leftovers == []


def test_leftovers_of_a_killed_run_are_removed_after_cache_was_deleted_too(golden_project: Path) -> None:
    """Deleting .cache/ is what a curator tries when something seems stuck; it holds the lock,
    whose pid told the next run that the last one was killed."""
    (golden_project / "content" / "papers" / ".skippipe.md.x1y2.tmp").write_text("half a file")
    assert not (golden_project / ".cache").exists()
    assert digest(golden_project, "build").returncode == 0
    assert not (golden_project / "content" / "papers" / ".skippipe.md.x1y2.tmp").exists()


def test_what_an_interrupted_command_left_in_content_is_removed_by_the_next(golden_project: Path) -> None:
    """Ctrl-C may come while a writer removes its own temporary files."""
    project = Project.at(golden_project)
    try:
        with project_lock(project):
            (project.papers / ".skippipe.md.4242.tmp").write_text("half a file")
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    assert digest(golden_project, "build").returncode == 0
    assert not (project.papers / ".skippipe.md.4242.tmp").exists()


def test_a_cache_write_a_failed_build_cut_short_is_removed_by_the_next_command(golden_project: Path) -> None:
    (golden_project / ".cache").mkdir()
    (golden_project / ".cache" / "lock").write_text("")  # the last run ended normally: it was not killed
    # What a forked worker leaves when its build fails elsewhere and stops it mid-write.
    (golden_project / ".cache" / ".related-terms.bin.x1y2.tmp").write_bytes(b"half a cache")
    assert digest(golden_project, "build").returncode == 0
    assert [path.name for path in (golden_project / ".cache").iterdir() if path.suffix == ".tmp"] == []


def test_a_site_caught_between_two_renames_is_put_back(golden_project: Path) -> None:
    assert digest(golden_project, "build").returncode == 0
    built = snapshot(golden_project / "site")
    (golden_project / ".site-old-abc").mkdir()
    (golden_project / "site").rename(golden_project / ".site-old-abc" / "site")
    (golden_project / ".site-build-def").mkdir()
    assert digest(golden_project, "check").returncode == 0  # reading commands leave it alone
    assert not (golden_project / "site").exists()
    assert digest(golden_project, "ingest").returncode == 0  # a writing command that does not build
    assert snapshot(golden_project / "site") == built
    assert not list(golden_project.glob(".site-*"))


def test_a_full_disk_names_the_path_and_changes_nothing(golden_project: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert run_main(golden_project, "build", capsys=capsys)[0] == 0
    before = snapshot(golden_project / "site")
    (golden_project / "content" / "site.yaml").write_text("title: Changed\n")

    def disk_full(self: staging.StagedSite, relative: str, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(self.folder / relative))

    monkeypatch.setattr(staging.StagedSite, "write", disk_full)
    code, printed = run_main(golden_project, "build", capsys=capsys)
    assert code == 1 and "the disk is full" in printed and ".site-build-" in printed
    assert "Traceback" not in printed
    assert snapshot(golden_project / "site") == before
    assert not list(golden_project.glob(".site-*"))


def test_a_bug_is_one_line_with_the_file_and_exit_code_3(golden_project: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    from generator.content import papers

    real = papers.parse_paper_file

    def broken(path: Path, data: bytes, *shown: str) -> object:
        real(path, data, *shown)
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(papers, "parse_paper_file", broken)
    code, printed = run_main(golden_project, "check", capsys=capsys)
    assert code == 3 and "Traceback" not in printed
    [line] = printed.strip().splitlines()
    assert line.startswith("digest: unexpected error while processing content/papers/")
    assert "ZeroDivisionError: division by zero" in line and "please report it" in line


def test_a_fault_in_a_forked_worker_is_one_line_and_changes_nothing(golden_project: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from generator.build import parallel

    assert run_main(golden_project, "build", capsys=capsys)[0] == 0
    before = snapshot(golden_project / "site")
    paper = golden_project / "content" / "papers" / "skippipe.md"
    paper.write_text(re.sub(r"(?m)^title: .*$", "title: Edited", paper.read_text(encoding="utf-8")), encoding="utf-8")

    def broken(papers: object, cache_file: object = None) -> object:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(parallel, "related_papers", broken)  # the build works them out in a forked process
    code, printed = run_main(golden_project, "build", capsys=capsys)
    assert code == 3 and "Traceback" not in printed, printed
    [line] = printed.strip().splitlines()
    assert "the related papers worker failed: ZeroDivisionError: division by zero" in line
    assert "test_cli_reliability.py:" in line and "please report it" in line
    assert snapshot(golden_project / "site") == before


@pytest.mark.parametrize("command", ["ingest", "build"])
def test_a_command_whose_reader_leaves_early_ends_as_it_would_have(golden_project: Path, command: str) -> None:
    """`digest build | head -1`: the pipe closes before the last line, and the command still succeeds."""
    process = subprocess.Popen([sys.executable, "-m", "generator", "--project", str(golden_project), command],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the command prints anything
    errors = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0 and errors == ""
    assert (golden_project / "content" / "ingest-record.json").exists()
    assert (golden_project / "site" / "index.html").exists() is (command == "build")


def test_a_read_only_project_gets_a_message_and_keeps_its_site(golden_project: Path) -> None:
    assert digest(golden_project, "build").returncode == 0
    before = snapshot(golden_project / "site")
    (golden_project / "content" / "site.yaml").write_text("title: Changed\n")
    with immutable(golden_project):
        result = digest(golden_project, "build")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "operation not permitted" in result.stderr
    assert snapshot(golden_project / "site") == before


def test_an_unwritable_cache_only_warns(golden_project: Path) -> None:
    (golden_project / ".cache").mkdir()
    with immutable(golden_project / ".cache"):
        first, second = digest(golden_project, "build"), digest(golden_project, "build")
    assert first.returncode == second.returncode == 0
    assert first.stderr.count("warning") == 1 and "Traceback" not in first.stderr
    assert (golden_project / "site" / "index.html").is_file()


def test_a_build_keeps_the_collector_off_from_ingest_to_its_end(golden_project: Path, monkeypatch, capsys):
    """Turned on between the steps, the collector walked the millions of objects ingest leaves
    (2 s of the main process at 80,000 papers); one command's objects live until it ends."""
    from generator.build import builder

    collecting = []
    real_build_site = builder.build_site
    monkeypatch.setattr(builder, "build_site", lambda *args, **kwargs: collecting.append(gc.isenabled())
                        or real_build_site(*args, **kwargs))
    code, _ = run_main(golden_project, "build", "--clean", capsys=capsys)
    assert code == 0 and collecting == [False]
    assert gc.isenabled()


def test_new_and_fetch_mean_the_same_day_by_today_in_any_time_zone(golden_project: Path) -> None:
    """A paper added by hand is featured on the day `digest fetch` saves (UTC), wherever the
    curator is: at any hour one of these two zones is on another date than UTC."""
    import datetime as dt

    days = {dt.datetime.now(dt.UTC).date()}
    for number, zone in enumerate(["Etc/GMT-14", "Etc/GMT+12"]):
        result = subprocess.run([sys.executable, "-m", "generator", "--project", str(golden_project), "new", f"Paper {number}"],
                                capture_output=True, text=True, cwd=ROOT, timeout=120, env={**os.environ, "TZ": zone})
        assert result.returncode == 0, result.stderr
        text = (golden_project / "content" / "papers" / f"paper-{number}.md").read_text(encoding="utf-8")
        days.add(dt.datetime.now(dt.UTC).date())  # a run across midnight may take either day
        assert re.search(r"^featured: \[(\S+)\]$", text, re.MULTILINE).group(1) in {day.isoformat() for day in days}
    fetch_help = digest(golden_project, "fetch", "--help").stdout
    new_help = digest(golden_project, "new", "--help").stdout
    assert "today in UTC" in fetch_help and "today in UTC" in new_help
