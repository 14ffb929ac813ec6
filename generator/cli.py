"""`digest` command line: the only place that prints and picks exit codes.

Exit codes: 0 success, 1 problems in the content or the theme (each printed as
path:line: message) or a file that cannot be read or written, 2 wrong usage,
3 a fault in the generator itself (reported in one line, never as a traceback),
130 interrupted.
"""
from __future__ import annotations

import argparse
import datetime as dt
import errno
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TextIO

from generator import __version__
from generator.errors import (
    MAX_NOTICES_PER_KIND,
    BuildFailed,
    SourceError,
    capped_error_lines,
    capped_notice_lines,
    display_path,
)
from generator.project import Project
from generator.words import count_of

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
Command = Callable[[argparse.Namespace, Project], int]  # one per subcommand: cmd_*
FAILURE_EXIT_CODES = """  1  problems in the content or the theme, each as path:line: message;
     a file that cannot be read or written; another digest command is running
  2  wrong usage
  3  a fault in the generator (please report it)"""
EXIT_CODES = f"exit codes:\n  0  success\n{FAILURE_EXIT_CODES}\n  130  interrupted (Ctrl-C)"
# `serve` runs until Ctrl-C, its one way to end: that is its success, not an interruption.
UNTIL_CTRL_C_EXIT_CODES = f"exit codes:\n  0  stopped with Ctrl-C\n{FAILURE_EXIT_CODES}"


def run() -> NoReturn:
    """The `digest` command: main(), then an exit that skips freeing the heap object by object.
    After a build at 80,000 papers, Python's own shutdown spent 2.4 s doing that; the system
    takes the memory back at once. Output is flushed first; every file, lock and worker
    process was closed before main returned."""
    sys.stdout = _OutputMayGoUnread(sys.stdout)
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


class _OutputMayGoUnread:
    """Standard output whose reader may leave early (`digest build | head -1`): the command goes on
    and ends as it would have, its last lines unread, instead of stopping at the first print after
    the pipe closed and reporting the broken pipe as a failure that left site/ as it was, once the
    new site was already in place."""

    def __init__(self, stream: TextIO):
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._discard_from_now_on()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._discard_from_now_on()

    def _discard_from_now_on(self) -> None:
        """What is written from now on, and what the stream still buffers, goes to the null device."""
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, self._stream.fileno())
        os.close(null)

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding...: the stream's own
        return getattr(self._stream, name)


def today_in_utc() -> dt.date:
    """The day `digest fetch` and `digest new` mean by "today", the same wherever the curator is:
    a paper added by hand on a California evening is featured on the day fetch saves."""
    return dt.datetime.now(dt.UTC).date()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    project = Project.at(Path(args.project).resolve())
    if not project.content.is_dir():
        print(f"digest: no content/ folder in {project.root}; run this in a Paper Digest project "
              "or pass --project DIR", file=sys.stderr)
        return EXIT_USAGE
    os.chdir(project.root)  # error messages show paths relative to the project
    try:
        return _run_reporting_failures(args, project)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def _run_reporting_failures(args: argparse.Namespace, project: Project) -> int:
    """The command, every failure turned into a message and an exit code, never a traceback."""
    from generator.lock import ProjectBusy

    try:
        if links_out := project.links_leading_out():
            raise BuildFailed(links_out)
        return _run_locked(args, project) if args.writes else args.command(args, project)
    except BuildFailed as failure:
        _print_errors(failure.errors)
        return EXIT_PROBLEMS
    except ProjectBusy as busy:
        print(f"digest: {busy}", file=sys.stderr)
        return EXIT_PROBLEMS
    except OSError as error:
        print(f"digest: {describe_os_error(error)}; {_NOTHING_CHANGED}", file=sys.stderr)
        return EXIT_PROBLEMS
    except Exception as error:  # a bug: one line the curator can pass on, not a traceback
        print(f"digest: {describe_bug(error)}", file=sys.stderr)
        return EXIT_BUG


def _run_locked(args: argparse.Namespace, project: Project) -> int:
    """One writing command at a time per project; what a killed run left is removed first."""
    from generator.lock import LockUnavailable, project_lock, remove_leftovers

    try:
        with project_lock(project) as last_run_was_killed:
            remove_leftovers(project, killed=last_run_was_killed)
            return int(args.command(args, project))
    except LockUnavailable as unavailable:  # a read-only .cache/: the command may still work
        print(f"digest: warning: {unavailable}; going on without the project lock", file=sys.stderr)
    return int(args.command(args, project))


_NOTHING_CHANGED = "content/ and site/ were left as they were"
_OS_ERROR_HINTS = {
    errno.ENOSPC: "the disk is full; free some space and run the command again",
    errno.EDQUOT: "the disk quota is used up; free some space and run the command again",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied; check the owner and permissions of the folder",
    errno.EPERM: "operation not permitted; check the owner and permissions of the folder",
    errno.ENOTDIR: "a file has the name of a folder the command needs; move the file away",
}


def describe_os_error(error: OSError) -> str:
    """`path: what happened (what to do)`, naming the file the system refused."""
    where = display_path(os.fsdecode(error.filename)) if error.filename else "a file"
    what = _OS_ERROR_HINTS.get(error.errno or 0) or (error.strerror or str(error))
    return f"{where}: {what}"


def describe_bug(error: Exception) -> str:
    where = _file_being_processed(error)
    place = f" while processing {where}" if where else ""
    return (f"unexpected error{place}: {type(error).__name__}: {error}. "
            "This is a fault in the generator; please report it, with this line, to the project's maintainers")


def _file_being_processed(error: BaseException) -> str:
    """The innermost `path` a frame of the traceback was working on, when there is one."""
    frames = traceback.walk_tb(error.__traceback__)
    for frame, _ in reversed(list(frames)):
        path = frame.f_locals.get("path")
        if isinstance(path, (str, Path)) and str(path):
            return display_path(path)
    return ""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="digest", description="Paper Digest: a static site of AI research papers.",
                                     epilog=EXIT_CODES, formatter_class=_HelpFormatter)
    parser.add_argument("--version", action="version", version=f"digest {__version__}")
    parser.add_argument("--project", default=".", help="the project folder")
    # Accepted after the command too (`digest build --project site-a`); SUPPRESS keeps the default above.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--project", default=argparse.SUPPRESS, help="the project folder (default: the current one)")
    commands = _Commands(parser.add_subparsers(required=True, metavar="COMMAND"), common)
    fetch = commands.add(cmd_fetch, "fetch", "save a day of Hugging Face's Daily Papers API as that day's digest "
                         "in content/digests/ (needs the network)", "digest fetch 2025-08-18", writes=True)
    fetch.add_argument("day", nargs="?", type=iso_date, default=today_in_utc(),
                       help="the day, YYYY-MM-DD (default: today in UTC)")
    ingest = commands.add(cmd_ingest, "ingest", "turn digests into paper files under content/papers/",
                          "digest ingest content/digests/2025-08-18.txt", writes=True)
    ingest.add_argument("paths", nargs="*", type=Path, help="digest files (default: all of content/digests/)")
    build = commands.add(cmd_build, "build", "ingest new digests, then render the site into site/", "digest build",
                         writes=True)
    build.add_argument("--clean", action="store_true",
                       help="render every page again, ignoring what the last build recorded in .cache/")
    check = commands.add(cmd_check, "check", "validate everything in content/ and list every problem", "digest check")
    check.add_argument("--all", action="store_true",
                       help=f"list every notice, not only the first {MAX_NOTICES_PER_KIND} of each kind")
    new = commands.add(cmd_new, "new", "scaffold a paper file for a paper added by hand",
                       'digest new "Title of the paper" --date 2025-08-18', writes=True)
    new.add_argument("title", type=paper_title, help="the paper's title, in quotes")
    new.add_argument("--date", type=iso_date, default=today_in_utc(),
                     help="featured date, YYYY-MM-DD (default: today in UTC)")
    commands.add(cmd_retopic, "retopic", "re-apply content/topics.yaml to papers whose topics no person set",
                 "digest retopic", writes=True)
    commands.add(cmd_backfill, "backfill", "fill metadata papers lack (comments, submitter, ...) from the "
                 "digests they came from, after an upgrade that reads more of them", "digest backfill", writes=True)
    enrich = commands.add(cmd_enrich, "enrich", "fill arXiv id, authors, first-version date and category from the "
                          "arXiv API for papers without an arXiv id (exact titles only; needs the network)",
                          "digest enrich --dry-run", writes=True)
    enrich.add_argument("--dry-run", action="store_true", help="list what would change and write nothing")
    commands.add(cmd_topics, "topics", "report papers per topic, papers in the fallback, and unsure placements",
                 "digest topics")
    serve = commands.add(cmd_serve, "serve", "build, serve on 127.0.0.1, rebuild and reload on every save",
                         "digest serve --port 8001", writes=True, until_ctrl_c=True)
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    serve.add_argument("--port", type=port_number, default=8000, help="the port to listen on, 1-65535")
    return parser


class _HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Epilogs as written (examples, exit codes), and each option's default after its help, where
    it says something: not for a flag (off unless given), an argument without one (`ingest`'s paths),
    or a help that names its default itself (`fetch`'s day: "today in UTC")."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default in (None, False) or "default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


class _Commands:
    """add_subparsers' add_parser, with the options and the help layout every command shares."""

    def __init__(self, subparsers: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser):
        self._subparsers, self._common = subparsers, common

    def add(self, command: Command, name: str, help: str, example: str, writes: bool = False,
            until_ctrl_c: bool = False) -> argparse.ArgumentParser:
        """A subcommand; writes: it changes the project, so it takes the project lock; until_ctrl_c:
        it runs until stopped (`serve`)."""
        epilog = f"example:\n  {example}\n\n{UNTIL_CTRL_C_EXIT_CODES if until_ctrl_c else EXIT_CODES}"
        parser = self._subparsers.add_parser(name, parents=[self._common], help=help, description=help[0].upper() + help[1:] + ".",
                                             epilog=epilog, formatter_class=_HelpFormatter)
        parser.set_defaults(command=command, writes=writes)
        return parser


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: expected YYYY-MM-DD, e.g. 2025-08-18") from None


def paper_title(text: str) -> str:
    """A title `digest check` will accept: some text, on one line, without control characters."""
    title = text.strip()
    if not title:
        raise argparse.ArgumentTypeError("the title is empty: give the paper's title in quotes")
    if any(ord(character) < 32 or 127 <= ord(character) < 160 for character in title):
        raise argparse.ArgumentTypeError("the title must be one line of text, without control characters")
    return title


def port_number(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: expected a number from 1 to 65535")
    return port


def cmd_ingest(args: argparse.Namespace, project: Project) -> int:
    from generator.ingest.catalog import notice_lines, run_ingest

    paths = [path.resolve() for path in args.paths] or None
    missing = [path for path in paths or () if not path.is_file()]
    if missing:
        print(f"digest: no such digest file: {missing[0]}", file=sys.stderr)
        return EXIT_USAGE
    # Papers name the digest they came from, and ingest and a fresh clone read content/digests/:
    # a digest from elsewhere would leave papers that no checkout can read again.
    elsewhere = [path for path in args.paths if path.absolute().parent.resolve() != project.digests.resolve()]
    if elsewhere:
        print(f"digest: {elsewhere[0]} is not in {display_path(project.digests)}/; save it there first "
              "(digests are committed with the site), then ingest it", file=sys.stderr)
        return EXIT_USAGE
    report = run_ingest(project, paths)
    if report.skipped:
        print("ingest: no digest or paper file changed since the last ingest")
        return EXIT_OK
    for line in notice_lines(report):
        print(line)
    print(f"ingest: {report.summary()}")
    return EXIT_OK


def cmd_fetch(args: argparse.Namespace, project: Project) -> int:
    from generator.ingest.fetch import FetchError, fetch_digest

    try:
        path, papers = fetch_digest(project, args.day)
    except FetchError as error:
        print(f"digest: fetch: {error}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"fetch: wrote {display_path(path)} ({count_of(papers, 'paper')}); `digest build` ingests it")
    return EXIT_OK


def cmd_build(args: argparse.Namespace, project: Project) -> int:
    from generator.build import stamp

    # Ingest's inputs (digests, taxonomy, paper files) are in the build's: when these did not
    # change since the last build, neither ingest nor the build has anything to do, and the
    # answer comes before importing either (a tenth of a second of NumPy, SciPy and Jinja).
    if not args.clean and stamp.site_is_current(project):
        print("build: site/ is up to date")
        return EXIT_OK
    from generator.content.papers import PaperCache, parse_ahead
    from generator.heap import gc_paused

    parse_ahead(project)  # a cold build's papers are parsed on the workers while this process imports the rest
    from generator.build.builder import build_site
    from generator.content.check import check_content, unread_files
    from generator.ingest.catalog import notice_lines, run_ingest

    # One command, whose objects live until it ends: the collector would walk the millions that ingest
    # leaves, each time it is turned on between the steps (2 s of the main process at 80,000 papers).
    with PaperCache.saved_once(), gc_paused():
        try:
            ingested = run_ingest(project)
        except BuildFailed as failure:
            # Ingest stops at the digests; list every other problem too, so one run shows them all.
            found = failure.errors + check_content(project).errors
            raise BuildFailed(list(dict.fromkeys(found))) from None
        result = build_site(project, clean=args.clean)
    for line in notice_lines(ingested):
        print(line)
    if ingested.written:  # what of the build is new content, and what comes of saving again
        print(f"ingest: {ingested.summary()}")
    # A file saved where no command reads it (a digest named .TXT) changes no page: said here, the
    # build run to publish it does not just find the site up to date.
    for line in capped_notice_lines(result.notices + unread_files(project), MAX_NOTICES_PER_KIND):
        print(f"notice: {line}")
    if not result.written and not result.removed:
        print("build: site/ is up to date")
        return EXIT_OK
    print(f"build: wrote {count_of(len(result.written), 'file')} to site/ and {result.removals()} in {result.seconds:.2f} s")
    return EXIT_OK


def cmd_check(args: argparse.Namespace, project: Project) -> int:
    from generator.content.check import check_content

    report = check_content(project)
    for line in capped_notice_lines(report.notices, len(report.notices) if args.all else MAX_NOTICES_PER_KIND):
        print(f"notice: {line}")
    _print_errors(report.errors)
    print(f"check: {count_of(report.papers, 'paper')}, {count_of(len(report.errors), 'error')}, "
          f"{count_of(len(report.notices), 'notice')}")
    return EXIT_PROBLEMS if report.errors else EXIT_OK


def cmd_new(args: argparse.Namespace, project: Project) -> int:
    from generator.ingest.curate import new_paper

    path = new_paper(project, args.title, args.date)
    print(f"new: wrote {path.relative_to(project.root)}; add the abstract below the front matter")
    return EXIT_OK


def cmd_retopic(args: argparse.Namespace, project: Project) -> int:
    from generator.ingest.curate import retopic

    changed = retopic(project)
    print(f"retopic: {count_of(len(changed), 'paper file')} changed")
    return EXIT_OK


def cmd_backfill(args: argparse.Namespace, project: Project) -> int:
    from generator.ingest.curate import backfill

    changed = backfill(project)
    print(f"backfill: {count_of(len(changed), 'paper file')} changed")
    return EXIT_OK


def cmd_enrich(args: argparse.Namespace, project: Project) -> int:
    from generator.ingest.arxiv import ArxivClient, ArxivError
    from generator.ingest.enrich import progress_line, run_enrich

    def progress(done: int, total: int, elapsed: float) -> None:
        if sys.stderr.isatty():
            print(f"\renrich: {progress_line(done, total, elapsed)}   ", end="", file=sys.stderr, flush=True)

    try:
        report = run_enrich(project, ArxivClient(), dry_run=args.dry_run, progress=progress)
    except ArxivError as error:
        print(f"\ndigest: {error}", file=sys.stderr)
        return EXIT_PROBLEMS
    verb = "would fill" if args.dry_run else "filled"
    for path, changes in report.filled:
        print(f"enrich: {verb} {', '.join(changes)} in {display_path(path)}")
    print(f"enrich: {count_of(len(report.filled), 'paper')} {verb}, {len(report.not_found)} without an exact match on arXiv, "
          f"{report.skipped} skipped (no match in an earlier run)")
    return EXIT_OK


def cmd_topics(args: argparse.Namespace, project: Project) -> int:
    from generator.content.topic_report import project_topic_report

    for line in project_topic_report(project):
        print(line)
    return EXIT_OK


def cmd_serve(args: argparse.Namespace, project: Project) -> int:
    from generator.preview.session import serve

    return serve(project, args.host, args.port)


def _print_errors(errors: list[SourceError]) -> None:
    for line in capped_error_lines(errors):
        print(line, file=sys.stderr)
    if errors:
        print(f"digest: {count_of(len(errors), 'problem')}; nothing was changed", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
