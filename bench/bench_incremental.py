"""A daily commit on a big site: `digest build` after adding one day's digest, with the build cache.

    python bench/bench_incremental.py                   # 9,877 papers (hf), 3 new days
    python bench/bench_incremental.py --corpus 80k --days 3
    python bench/bench_incremental.py --project DIR     # reuse a scratch project made before
    python bench/bench_incremental.py --deploy          # each day as a Netlify deploy (below)

The scratch project holds every paper of the corpus but its last `days` days, ingested
and built once (the cold build, timed too). Then each of the held-back days is added as
its own digest file and `digest build` runs as a new process, as on Netlify with the
cache kept (.cache/ and site/): its wall time, CPU time and peak memory are reported
per day with the files it wrote, then the median. Last, `digest build` with nothing
changed, three times: the no-change shortcut (the first comes right after the last new day's
build, whose ingest wrote paper files moments before the build read them).

With --deploy, each day is built as Netlify deploys it: in a fresh checkout whose every
content file has a new mtime (a clone), in the same folder every time, with .cache/ and
site/ copied from the last deploy (the digest-cache plugin) and the generator copied anew
and compiled (pip install gives its files new mtimes too); then one more deploy with no
content change (a commit to the README, say). The copying is not timed, nor is its writeback to disk (an
os.sync() before each timed build: 165,000 files copied and as many removed otherwise slow it).

Every build runs the generator as it was when the benchmark started (copied then): the
caches are keyed by the generator's code, so an edit to generator/ during a run would
otherwise make the next build a cold one.
"""
from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import ROOT, corpus_papers, write_digests
from bench.measure import conditions, measured


def installed_copy(source: Path, code: Path) -> None:
    """The generator package in `source` copied into `code` and compiled, as pip installs it."""
    shutil.rmtree(code, ignore_errors=True)
    shutil.copytree(source / "generator", code / "generator", copy_function=shutil.copyfile,
                    ignore=shutil.ignore_patterns("__pycache__"))
    compileall.compile_dir(code, quiet=1)


def timed_build(project: Path, code: Path) -> tuple[float, float, float, str]:
    """(wall s, CPU s, peak MB, what the command printed) of one `digest build`, with the generator
    installed in `code` (run from there: `-m` imports from the working folder first)."""
    run = measured([sys.executable, "-m", "generator", "--project", str(project), "build"], cwd=code)
    return run.wall, run.cpu, run.peak_mb, run.output


def deploy_checkout(last: Path, checkout: Path, source: Path, code: Path) -> None:
    """The next deploy's folder: the repository's content/ and themes/ stamped anew, .cache/ and
    site/ as the plugin restores them, and the generator of `source` installed anew in `code`."""
    shutil.rmtree(checkout, ignore_errors=True)
    shutil.copytree(last / "content", checkout / "content", copy_function=shutil.copyfile)
    shutil.copytree(last / "themes", checkout / "themes", copy_function=shutil.copyfile)  # in the repository too
    for kept in (".cache", "site"):
        shutil.copytree(last / kept, checkout / kept, symlinks=True)
    installed_copy(source, code)


def held_back_days(corpus: str, days: int) -> tuple[list[dict], list[list[dict]]]:
    """The papers before the last `days` days, and the papers of each of those days."""
    by_day: dict[str, list[dict]] = defaultdict(list)
    for paper in corpus_papers(corpus, None):
        by_day[paper["date"]].append(paper)
    ordered = sorted(by_day)
    kept = [paper for day in ordered[:-days] for paper in by_day[day]]
    return kept, [by_day[day] for day in ordered[-days:]]


def prepare(project: Path, papers: list[dict], code: Path) -> None:
    for name in ("topics.yaml", "site.yaml"):
        (project / "content").mkdir(parents=True, exist_ok=True)
        (project / "content" / name).write_bytes((ROOT / "content" / name).read_bytes())
    shutil.copytree(ROOT / "themes", project / "themes")  # as in the repository
    write_digests(papers, project / "content" / "digests")
    # Digests a curator saved, not moments before the build: a digest changed in the last two seconds
    # counts as changed at the next ingest, which then read all 592 again (the first deploy, 13.8-16.5 s).
    time.sleep(2.1)
    wall, cpu, peak, _ = timed_build(project, code)
    print(f"cold build (ingest included) of {len(papers):,} papers: {wall:.1f} s wall, {cpu:.1f} s CPU, "
          f"peak {peak:.0f} MB", flush=True)


def report(label: str, runs: list[tuple[float, float, float]]) -> None:
    """The medians, and every run's wall time: the first build after a change may differ from the rest."""
    each = ", ".join(f"{run[0]:.2f}" for run in runs)
    print(f"{label}: median {statistics.median(run[0] for run in runs):.2f} s wall ({each}), "
          f"{statistics.median(run[1] for run in runs):.2f} s CPU, peak {max(run[2] for run in runs):.0f} MB "
          f"({conditions()})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", choices=["hf", "80k"], default="hf")
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--project", type=Path, help="a scratch folder to keep (default: a temporary one)")
    parser.add_argument("--deploy", action="store_true", help="build each day as a Netlify deploy (see above)")
    args = parser.parse_args()
    kept, new_days = held_back_days(args.corpus, args.days)
    with tempfile.TemporaryDirectory() as scratch:
        project = args.project or Path(scratch) / "project"
        installed = Path(scratch) / "code"
        installed_copy(ROOT, installed)
        if not (project / "site").is_dir():
            prepare(project, kept, installed)
        time.sleep(2.1)  # files younger than 2 s are never trusted to a stamp
        runs = []
        code = installed
        for papers in new_days:
            if args.deploy:
                project, code = next_deploy(project, Path(scratch), installed)
            write_digests(papers, project / "content" / "digests")
            if args.deploy:
                os.sync()  # the copies' and removals' writeback is not timed either, as the copying is not
            time.sleep(2.1)
            wall, cpu, peak, output = timed_build(project, code)
            runs.append((wall, cpu, peak))
            print(f"  + {papers[0]['date']} ({len(papers)} papers): {wall:.2f} s wall, {cpu:.2f} s CPU, "
                  f"peak {peak:.0f} MB; {output}", flush=True)
        report(f"one new day on {len(kept):,} papers{' (deploys)' if args.deploy else ''}", runs)
        if args.deploy:  # a commit that changes no content (the README, say): every file stamped anew
            project, code = next_deploy(project, Path(scratch), installed)
            os.sync()
            time.sleep(2.1)
            report("a deploy with no content change", [timed_build(project, code)[:3]])
        time.sleep(2.1)
        report("no change", [timed_build(project, code)[:3] for _ in range(3)])


def next_deploy(last: Path, scratch: Path, source: Path) -> tuple[Path, Path]:
    """The next deploy's checkout and generator, where Netlify builds every deploy: one folder
    (its repository's) and one install of the generator, made anew. The checkout is made beside
    the last deploy from it, which then goes: only its .cache/ and site/ were kept (the scratch
    project the first deploy is made from stays)."""
    checkout, code, staged = scratch / "deploy", scratch / "deployed-code", scratch / "deploy-next"
    deploy_checkout(last, staged, source, code)
    if last == checkout:
        shutil.rmtree(last)
    staged.rename(checkout)
    return checkout, code


if __name__ == "__main__":
    main()
