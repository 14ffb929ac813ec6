"""Time ingest on the corpus: a full ingest, and re-ingests with nothing new. Prints medians.

    python bench/bench_ingest.py            # all 9,877 papers, 3 runs
    python bench/bench_ingest.py 1000 5     # 1,000 papers, 5 runs
    python bench/bench_ingest.py 9877 3 api # the same papers saved as API responses (.json)
    python bench/bench_ingest.py all 1 --corpus 80k               # the 80,317-paper corpus
    python bench/bench_ingest.py 100000 1 --corpus shared-prefix  # titles "Part N: <a real title>"

A full ingest is timed as the command a person runs (`digest ingest`, a new
process), with its CPU time and peak memory (the child's getrusage); the
re-ingests run in this process. Last, one new day (20 papers: 15 new, 5 featured
again) is added to the ingested project and `digest ingest` timed again: it reads
only that digest (see generator/ingest/state.py). The files of the full ingest are
identified by one sha256 (content_identity): a change to ingest must leave it as it was.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import corpus_papers, digest_text, make_project
from bench.measure import conditions, measured
from generator.content.papers import PaperCache
from generator.ingest.catalog import IngestReport, run_ingest
from generator.project import Project


def move_aside(path: Path, trash: Path) -> None:
    """Not deleted: see bench_build.cold_build on this machine's file system."""
    if path.exists():
        path.rename(trash / f"{path.name}-{time.monotonic_ns()}")


def timed(action: Callable[[], IngestReport]) -> tuple[float, IngestReport]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def ingest_command(project: Path) -> tuple[float, float, float]:
    """`digest ingest` in a new process: wall seconds, CPU seconds and peak memory in MB."""
    run = measured([sys.executable, "-m", "generator", "--project", str(project), "ingest"])
    return run.wall, run.cpu, run.peak_mb


def content_identity(project: Path) -> str:
    """sha256 over each paper file's name and bytes, in name order, then the ledger's."""
    digest = hashlib.sha256()
    content = project / "content"
    for path in [*sorted((content / "papers").iterdir(), key=lambda path: path.name), content / "ingested.tsv"]:
        digest.update(path.name.encode("utf-8"))
        digest.update(path.read_bytes())
    return digest.hexdigest()


def add_new_day(project: Path, corpus: str, count: int | None) -> None:
    """The day after the last digest: 15 papers the site lacks (real ones with a new title and
    their abstract's halves from two papers) and 5 it has, featured again."""
    papers = corpus_papers(corpus, count)
    fresh = [{**paper, "title": paper["title"] + ": A Second Look",
              "abstract": " ".join(other["abstract"].split()[40:] + paper["abstract"].split()[:40])}
             for paper, other in zip(papers[:15], papers[-15:])]
    digests = project / "content" / "digests"
    last = max(dt.date.fromisoformat(path.stem) for path in digests.iterdir())
    day = (last + dt.timedelta(days=1)).isoformat()
    path = digests / f"{day}.txt"
    path.write_text(digest_text(day, fresh + papers[-5:]), encoding="utf-8")
    an_hour_ago = time.time() - 3600
    os.utime(path, (an_hour_ago, an_hour_ago))  # as a digest saved a while ago: trusted to the state


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("count", nargs="?", default="all", help="papers to ingest, or all")
    parser.add_argument("runs", nargs="?", type=int, default=3)
    parser.add_argument("format", nargs="?", choices=["page", "api"], default="page")
    parser.add_argument("--corpus", choices=["hf", "80k", "shared-prefix"], default="hf")
    return parser.parse_args()


def main() -> None:
    args = arguments()
    count = None if args.count == "all" else int(args.count)
    runs, api = args.runs, args.format == "api"
    with tempfile.TemporaryDirectory() as scratch:
        trash = Path(scratch) / "moved-aside"
        trash.mkdir()
        project = make_project(Path(scratch) / "project", count, api, args.corpus)
        content = project / "content"
        full, cpu, peak = [], [], []
        for _ in range(runs):
            move_aside(content / "papers", trash)
            # With the papers: else the ledger says a curator deleted them all, and none is written.
            move_aside(content / "ingested.tsv", trash)
            move_aside(content / "ingest-record.json", trash)
            move_aside(project / ".cache", trash)
            seconds, cpu_seconds, peak_mb = ingest_command(project)
            full.append(seconds)
            cpu.append(cpu_seconds)
            peak.append(peak_mb)
        created = sum(1 for _ in (content / "papers").glob("*.md"))
        identity = content_identity(project)
        fresh_clone, with_record = [], []
        record = (content / "ingest-record.json").read_bytes()
        time.sleep(2.1)  # files younger than 2 s are never trusted to the cache: the record's check would hash each
        for _ in range(runs):  # as on a fresh clone: nothing cached, with and without the committed record
            move_aside(project / ".cache", trash)
            PaperCache._open.clear()  # nor in this process's memory: every paper file is parsed
            seconds, _report = timed(lambda: run_ingest(Project.at(project)))
            with_record.append(seconds)
            move_aside(project / ".cache", trash)
            move_aside(content / "ingest-record.json", trash)
            PaperCache._open.clear()
            seconds, _report = timed(lambda: run_ingest(Project.at(project)))
            fresh_clone.append(seconds)
            (content / "ingest-record.json").write_bytes(record)
        time.sleep(2.1)  # files younger than 2 s are never trusted to the cache
        run_ingest(Project.at(project))  # writes the stamp
        stamped, report = timed(lambda: run_ingest(Project.at(project)))
        add_new_day(project, args.corpus, count)
        new_day = ingest_command(project)
        shutil.rmtree(trash, ignore_errors=True)
    print(f"ingest {created} papers ({args.corpus}) from {'API files' if api else 'page copies'}: "
          f"median {statistics.median(full):.2f} s wall, {statistics.median(cpu):.2f} s CPU, "
          f"peak {max(peak):.0f} MB (runs: {', '.join(f'{s:.2f}' for s in full)}; "
          f"{conditions()})")
    print(f"files written: sha256 {identity}")
    print(f"re-ingest, nothing new, no cache (fresh clone), no record: median {statistics.median(fresh_clone):.2f} s")
    print(f"re-ingest, nothing new, no cache (fresh clone), with content/ingest-record.json: "
          f"median {statistics.median(with_record):.2f} s")
    print(f"re-ingest, nothing new, stamp from the last ingest: {stamped:.3f} s (skipped: {report.skipped})")
    print(f"ingest of one new day (20 papers): {new_day[0]:.2f} s wall, {new_day[1]:.2f} s CPU, "
          f"peak {new_day[2]:.0f} MB")


if __name__ == "__main__":
    main()
