"""Time a full ingest of corpus papers (digests -> paper files); prints the median of several runs.

    python bench/bench_ingest.py            # all 9,877 papers, 3 runs
    python bench/bench_ingest.py 1000 5     # 1,000 papers, 5 runs
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
from generator.ingest import run_ingest  # noqa: E402


def time_ingest(project: Path) -> tuple[float, int]:
    shutil.rmtree(project / "content" / "papers", ignore_errors=True)
    start = time.perf_counter()
    report = run_ingest(project / "content")
    return time.perf_counter() - start, report.created


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else None
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with tempfile.TemporaryDirectory() as scratch:
        project = make_project(Path(scratch) / "project", count)
        timings = [time_ingest(project) for _ in range(runs)]
        created = timings[0][1]
        start = time.perf_counter()
        report = run_ingest(project / "content")
        again = time.perf_counter() - start
    seconds = [t for t, _ in timings]
    print(f"ingest {created} papers: median {statistics.median(seconds):.2f} s "
          f"(runs: {', '.join(f'{s:.2f}' for s in seconds)}); "
          f"re-ingest with nothing new: {again:.2f} s, {len(report.written)} files written")


if __name__ == "__main__":
    main()
