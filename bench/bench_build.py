"""Build benchmarks on the real corpus: cold build, no-change rebuild, search payload, lunr.js load + query.

    python bench/bench_build.py                 # seed digest, 1,000 and 9,877 papers, 3 runs each
    python bench/bench_build.py 1000 --runs 5

Each size gets a scratch project whose papers were ingested beforehand; a "cold"
build starts with no site/ and no .cache/, exactly as on a fresh clone; a
"rebuild" runs `digest build` again with nothing changed. Both are timed as the
command a person runs (a new process each time), so start-up cost counts.
"""
from __future__ import annotations

import argparse
import gzip
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import ROOT, make_project
from generator.ingest.catalog import run_ingest
from generator.project import Project

SEED = ROOT / "content" / "digests" / "2025-08-18.txt"


def seed_project(folder: Path) -> Path:
    make_project(folder, 0)
    shutil.copy(SEED, folder / "content" / "digests" / SEED.name)
    return folder


def timed_build(project: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "generator", "--project", str(project), "build"],
                   check=True, capture_output=True, text=True)
    return time.perf_counter() - start


def cold_build(project: Path) -> float:
    """As on a fresh clone: no site/, no .cache/.

    They are moved aside, not deleted: on this machine's unjournaled ext4, files
    created right after 20,000 deletions each scan past the freed inodes, which
    measures the file system's bookkeeping instead of the build.
    """
    trash = project.parent / "moved-aside"
    for leftover in ("site", ".cache"):
        if (project / leftover).exists():
            (project / leftover).rename(trash / f"{leftover}-{time.monotonic_ns()}")
    return timed_build(project)


def search_payload(project: Path) -> dict:
    index = project / "site" / "search" / "index.json"
    data = index.read_bytes()
    node = subprocess.run(["node", str(ROOT / "bench" / "lunr_query.js"), str(index), "mixture of experts"],
                          check=True, capture_output=True, text=True)
    return {"raw_kb": len(data) / 1024, "gzip_kb": len(gzip.compress(data, 9)) / 1024, **json.loads(node.stdout)}


def bench(label: str, project: Path, runs: int) -> dict:
    run_ingest(Project.at(project))
    time.sleep(2.1)  # files younger than 2 s are never trusted to a stamp; a person's next build comes later
    papers = len(list((project / "content" / "papers").glob("*.md")))
    cold = [cold_build(project) for _ in range(runs)]
    rebuild = [timed_build(project) for _ in range(runs)]
    search = search_payload(project)
    pages = sum(1 for _ in (project / "site").rglob("*.html"))
    row = {"label": label, "papers": papers, "pages": pages, "cold_s": statistics.median(cold),
           "rebuild_s": statistics.median(rebuild), **search}
    print(f"{label:>6}: {papers} papers, {pages} pages | cold build {row['cold_s']:.2f} s | "
          f"no-change rebuild {row['rebuild_s']:.2f} s | search payload {row['raw_kb']:.0f} KB raw, "
          f"{row['gzip_kb']:.0f} KB gzip | lunr.js load {row['load_ms']:.0f} ms + first query "
          f"{row['query_ms']:.1f} ms ({row['results']} results)", flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", nargs="*", default=["seed", "1000", "all"])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / "moved-aside").mkdir()
        for size in args.sizes:
            folder = Path(scratch) / f"project-{size}"
            if size == "seed":
                project = seed_project(folder)
            else:
                project = make_project(folder, None if size == "all" else int(size))
            bench(size, project, args.runs)  # nothing deleted until the end: see cold_build


if __name__ == "__main__":
    main()
