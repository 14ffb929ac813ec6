"""Time ingest on the corpus: a full ingest, and re-ingests with nothing new. Prints medians.

    python bench/bench_ingest.py            # all 9,877 papers, 3 runs
    python bench/bench_ingest.py 1000 5     # 1,000 papers, 5 runs
    python bench/bench_ingest.py 9877 3 api # the same papers saved as API responses (.json)
"""
from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import make_project  # noqa: E402
from generator.ingest.catalog import run_ingest  # noqa: E402
from generator.project import Project  # noqa: E402


def move_aside(path: Path, trash: Path) -> None:
    """Not deleted: see bench_build.cold_build on this machine's file system."""
    if path.exists():
        path.rename(trash / f"{path.name}-{time.monotonic_ns()}")


def timed(action) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else None
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    api = len(sys.argv) > 3 and sys.argv[3] == "api"
    with tempfile.TemporaryDirectory() as scratch:
        trash = Path(scratch) / "moved-aside"
        trash.mkdir()
        project = make_project(Path(scratch) / "project", count, api)
        content = project / "content"
        full = []
        for _ in range(runs):
            move_aside(content / "papers", trash)
            move_aside(project / ".cache", trash)
            seconds, report = timed(lambda: run_ingest(Project.at(project)))
            full.append(seconds)
        created = report.created
        fresh_clone = []
        for _ in range(runs):  # as on a fresh clone: every file read, nothing cached
            move_aside(project / ".cache", trash)
            seconds, report = timed(lambda: run_ingest(Project.at(project)))
            fresh_clone.append(seconds)
        time.sleep(2.1)  # files younger than 2 s are never trusted to the cache
        run_ingest(Project.at(project))  # writes the stamp
        stamped, report = timed(lambda: run_ingest(Project.at(project)))
        shutil.rmtree(trash, ignore_errors=True)
    print(f"ingest {created} papers from {'API files' if api else 'page copies'}: median {statistics.median(full):.2f} s "
          f"(runs: {', '.join(f'{s:.2f}' for s in full)})")
    print(f"re-ingest, nothing new, no cache (fresh clone): median {statistics.median(fresh_clone):.2f} s")
    print(f"re-ingest, nothing new, stamp from the last ingest: {stamped:.3f} s (skipped: {report.skipped})")


if __name__ == "__main__":
    main()
