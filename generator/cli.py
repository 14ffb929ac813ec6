"""`digest` command line: the only place that prints and picks exit codes.

Exit codes: 0 success, 1 problems in the content or the theme (each printed as
path:line: message), 2 wrong usage.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path

from generator.errors import BuildFailed, SourceError
from generator.project import Project

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
Command = Callable[[argparse.Namespace, Project], int]  # one per subcommand: cmd_*


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    project = Project.at(Path(args.project).resolve())
    if not project.content.is_dir():
        print(f"digest: no content/ folder in {project.root}; run this in a Paper Digest project "
              "or pass --project DIR", file=sys.stderr)
        return EXIT_USAGE
    os.chdir(project.root)  # error messages show paths relative to the project
    command: Command = args.command
    try:
        return command(args, project)
    except BuildFailed as failure:
        _print_errors(failure.errors)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="digest", description="Paper Digest: a static site of AI research papers.")
    parser.add_argument("--project", default=".", help="the project folder (default: the current one)")
    # Accepted after the command too (`digest build --project site-a`); SUPPRESS keeps the default above.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--project", default=argparse.SUPPRESS, help="the project folder (default: the current one)")
    commands = _Commands(parser.add_subparsers(required=True, metavar="COMMAND"), common)
    ingest = commands.add_parser("ingest", help="turn digests into paper files under content/papers/")
    ingest.add_argument("paths", nargs="*", type=Path, help="digest files (default: all of content/digests/)")
    ingest.set_defaults(command=cmd_ingest)
    build = commands.add_parser("build", help="ingest new digests, then render the site into site/")
    build.set_defaults(command=cmd_build)
    check = commands.add_parser("check", help="validate everything in content/ and list every problem")
    check.set_defaults(command=cmd_check)
    new = commands.add_parser("new", help="scaffold a paper file for a paper added by hand")
    new.add_argument("title")
    new.add_argument("--date", type=dt.date.fromisoformat, default=dt.date.today(),
                     help="featured date, YYYY-MM-DD (default: today)")
    new.set_defaults(command=cmd_new)
    retopic = commands.add_parser("retopic", help="re-apply content/topics.yaml to papers whose topics no person set")
    retopic.set_defaults(command=cmd_retopic)
    topics = commands.add_parser("topics", help="report papers per topic, papers in the fallback, and unsure placements")
    topics.set_defaults(command=cmd_topics)
    serve = commands.add_parser("serve", help="build, serve on 127.0.0.1, rebuild and reload on every save")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(command=cmd_serve)
    return parser


class _Commands:
    """add_subparsers' add_parser, with the options every command shares."""

    def __init__(self, subparsers: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser):
        self._subparsers, self._common = subparsers, common

    def add_parser(self, name: str, help: str) -> argparse.ArgumentParser:
        return self._subparsers.add_parser(name, parents=[self._common], help=help)


def cmd_ingest(args: argparse.Namespace, project: Project) -> int:
    from generator.ingest.catalog import run_ingest

    paths = [path.resolve() for path in args.paths] or None
    missing = [path for path in paths or () if not path.is_file()]
    if missing:
        print(f"digest: no such digest file: {missing[0]}", file=sys.stderr)
        return EXIT_USAGE
    report = run_ingest(project, paths)
    if report.skipped:
        print("ingest: no digest or paper file changed since the last ingest")
        return EXIT_OK
    print(f"ingest: {report.created} new, {report.updated} updated, {report.unchanged} unchanged paper files")
    return EXIT_OK


def cmd_build(args: argparse.Namespace, project: Project) -> int:
    from generator.build.builder import build_site
    from generator.content.check import check_content
    from generator.ingest.catalog import run_ingest

    try:
        run_ingest(project)
    except BuildFailed as failure:
        # Ingest stops at the digests; list every other problem too, so one run shows them all.
        found = failure.errors + check_content(project).errors
        raise BuildFailed(list(dict.fromkeys(found))) from None
    result = build_site(project)
    if not result.written:
        print("build: site/ is up to date (no input changed since the last build)")
        return EXIT_OK
    print(f"build: wrote {len(result.written)} files to site/ in {result.seconds:.2f} s")
    return EXIT_OK


def cmd_check(args: argparse.Namespace, project: Project) -> int:
    from generator.content.check import check_content

    report = check_content(project)
    for notice in report.notices:
        print(f"notice: {notice}")
    _print_errors(report.errors)
    print(f"check: {report.papers} papers, {len(report.errors)} errors, {len(report.notices)} notices")
    return EXIT_PROBLEMS if report.errors else EXIT_OK


def cmd_new(args: argparse.Namespace, project: Project) -> int:
    from generator.ingest.curate import new_paper

    path = new_paper(project, args.title, args.date)
    print(f"new: wrote {path.relative_to(project.root)}; add the abstract below the front matter")
    return EXIT_OK


def cmd_retopic(args: argparse.Namespace, project: Project) -> int:
    from generator.ingest.curate import retopic

    changed = retopic(project)
    print(f"retopic: {len(changed)} paper files changed")
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
    for error in errors:
        print(f"{error}", file=sys.stderr)
    if errors:
        print(f"digest: {len(errors)} problem(s); nothing was changed", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
