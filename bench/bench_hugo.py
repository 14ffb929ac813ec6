"""A cold `digest build` side by side with Hugo building the same page set.

    python bench/bench_hugo.py                       # 1,000 and 9,877 papers, 3 runs each
    python bench/bench_hugo.py 9877 --runs 5
    python bench/bench_hugo.py all --corpus 80k --runs 1
    python bench/bench_hugo.py 9877 --runs 0 --profile   # cProfile of one build, top 30 cumulative
    python bench/bench_hugo.py 9877 --pagefind           # also Hugo followed by Pagefind
    python bench/bench_hugo.py 1000 9877 --same-site     # also Hugo building the same site as ours

The Hugo site comes from ../shared/peers/make_peer_sites.py (one page per paper,
topic and day, the two indexes, a home page and a feed) for exactly the papers the
Paper Digest project ingested beforehand. Each timed command removes its tool's
output inside the timing, and the two tools alternate run by run so that drift
on a shared machine hits both:

    sh -c 'rm -rf site .cache && exec digest --project DIR build'
    sh -c 'rm -rf public && exec hugo --quiet'

`digest build` also makes the site's search index, which the Hugo site lacks: --pagefind
times a third command, the Hugo site with the search a Hugo user adds (Pagefind, which
indexes the built pages), alternating with the other two:

    sh -c 'rm -rf public && hugo --quiet && exec pagefind --site public'

The minimal peer's pages hold a fraction of ours (a paper page is its title, date, authors,
topics and abstract). --same-site also times the site a Hugo user would write to publish
what Paper Digest publishes: bench/hugo_site/, built from the ingested project's own paper
files and topics.yaml (bench/hugo_same_site.py says what it renders and what it leaves
out), with the same rule and in the same alternating loop:

    sh -c 'rm -rf public && exec hugo --quiet'                                   (hugo same site)
    sh -c 'rm -rf public && HUGO_PARAMS_RELATEDPAPERS=false exec hugo --quiet'   (... no related)

The second leaves out Hugo's related content (5 related papers a paper page, from shared
topics and authors), which is most of Hugo's time on this corpus: papers share few,
broad topics, so each page's lookup ranks thousands of candidates. Before timing, the
same site is built once and must print no warning or error. Each row then also gives
the bytes its command wrote, and a table compares both full sites' files and bytes per
page type (search index files left out).

Wall time, CPU time (user + system, the command's worker processes included)
and the peak memory of its largest process come from GNU time (bench/measure.py). Hugo, when missing,
is installed from Debian's packages (`apt-get install -y hugo`), and Pagefind from the npm
registry into bench/.tools/ (`npm install pagefind`), never in CI.
"""
from __future__ import annotations

import argparse
import compileall
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import ROOT, corpus_papers, make_project
from bench.hugo_same_site import compare, write_site
from bench.measure import Run, conditions, measured, shell

PEERS = ROOT.parent / "shared" / "peers" / "make_peer_sites.py"
DIGEST = ROOT / ".venv" / "bin" / "digest"
PEER_FIELDS = ("arxiv_id", "title", "abstract", "date", "authors", "url", "github")
TOOLS = ROOT / "bench" / ".tools"  # npm packages the benchmarks install (git ignores it)
PAGEFIND = "pagefind@1.6.0"


def ensure_hugo() -> str:
    """The hugo command, installed from Debian's packages when missing (never in CI)."""
    found = shutil.which("hugo")
    if found:
        return found
    if os.environ.get("CI"):
        raise SystemExit("hugo is not installed; this benchmark does not install it in CI")
    subprocess.run(["apt-get", "install", "-y", "hugo"], check=True, stdout=subprocess.DEVNULL)
    return shutil.which("hugo") or "hugo"


def ensure_pagefind() -> str:
    """The pagefind command, installed from the npm registry into TOOLS when missing (never in CI)."""
    installed = TOOLS / "node_modules" / ".bin" / "pagefind"
    found = shutil.which("pagefind") or (str(installed) if installed.exists() else None)
    if found:
        return found
    if os.environ.get("CI"):
        raise SystemExit("pagefind is not installed; this benchmark does not install it in CI")
    subprocess.run(["npm", "install", "--prefix", str(TOOLS), "--no-audit", "--no-fund", PAGEFIND],
                   check=True, stdout=subprocess.DEVNULL)
    return str(installed)


def timed(command: str, folder: Path) -> Run:
    """One shell command run in `folder`, with its wall time, CPU time and peak memory."""
    return measured(shell(command), folder)


def hugo_site(papers: list[dict], scratch: Path) -> Path:
    """The same papers as a Hugo site, written by the peers' generator."""
    corpus = scratch / "corpus.jsonl"
    with corpus.open("w", encoding="utf-8") as stream:
        for paper in papers:
            stream.write(json.dumps({name: paper.get(name) or "" for name in PEER_FIELDS}) + "\n")
    subprocess.run([sys.executable, str(PEERS), "--corpus", str(corpus), "--n", str(len(papers)),
                    "--out", str(scratch / "peers")], check=True, stdout=subprocess.DEVNULL)
    return scratch / "peers" / "hugo"


def digest_project(corpus: str, count: int | None, scratch: Path) -> Path:
    """A project with the papers already ingested, as a person's before they build."""
    project = make_project(scratch / "project", count, corpus=corpus)
    subprocess.run([str(DIGEST), "--project", str(project), "ingest"], check=True, stdout=subprocess.DEVNULL)
    time.sleep(2.1)  # files younger than 2 s are never trusted to a stamp
    return project


def same_site(project: Path, hugo: str, folder: Path) -> Path:
    """The Hugo site that publishes what the project publishes (bench/hugo_site/), checked by one
    build that must print no warning or error."""
    site = write_site(project, folder)
    done = subprocess.run([hugo], cwd=site, capture_output=True, text=True)
    complaints = [line for line in (done.stdout + done.stderr).splitlines() if "WARN" in line or "ERROR" in line]
    if done.returncode or complaints:
        raise SystemExit(f"the Hugo same site does not build cleanly:\n{done.stdout}{done.stderr}")
    shutil.rmtree(site / "public")
    return site


def commands_for(project: Path, site: Path, hugo: str, pagefind: str | None,
                 same: tuple[Path, Path] | None) -> list[tuple[str, str, Path]]:
    """(name shown, shell command, folder it runs in) of each command timed."""
    commands = [("digest build", f"rm -rf site .cache && exec {DIGEST} --project {project} build", project),
                ("hugo", f"rm -rf public && exec {hugo} --quiet", site)]
    if pagefind:
        commands.append(("hugo + pagefind", f"rm -rf public && {hugo} --quiet && exec {pagefind} --site public", site))
    if same:
        commands += [("hugo same site", f"rm -rf public && exec {hugo} --quiet", same[0]),
                     ("... no related", f"rm -rf public && HUGO_PARAMS_RELATEDPAPERS=false exec {hugo} --quiet", same[1])]
    return commands


def alternate(commands: list[tuple[str, str, Path]], runs: int) -> dict[str, list[Run]]:
    """Each command's runs, by the name it is shown under: the commands take turns, run by run."""
    found: dict[str, list[Run]] = {name: [] for name, _, _ in commands}
    for _ in range(runs):
        for name, command, folder in commands:
            found[name].append(timed(command, folder))
    return found


def summary(runs: list[Run], against: list[Run] | None = None) -> str:
    wall = statistics.median(run.wall for run in runs)
    return (f"{wall:.2f} s wall, {statistics.median(run.cpu for run in runs):.2f} s CPU, "
            f"peak {max(run.peak_mb for run in runs):.0f} MB{ratio_to(against, runs) if against else ''}")


def ratio_to(ours: list[Run], theirs: list[Run]) -> str:
    """Our time over theirs, as the ratio of the medians and, with several runs, run by run: each
    of our runs over the run of theirs that came right after it, which a machine's drift over the
    benchmark (a busier host for a minute) touches less than it touches the medians."""
    medians = statistics.median(run.wall for run in ours) / statistics.median(run.wall for run in theirs)
    if len(ours) < 2:
        return f" (digest build: {medians:.2f}x)"
    paired = sorted(our.wall / their.wall for our, their in zip(ours, theirs))
    return (f" (digest build: {medians:.2f}x; run by run {statistics.median(paired):.2f}x, "
            f"{paired[0]:.2f}-{paired[-1]:.2f})")


def profile(project: Path, scratch: Path) -> None:
    """One cold build under cProfile: the main process only (page-writing workers are forked)."""
    output = scratch / "build.prof"
    for leftover in ("site", ".cache"):
        shutil.rmtree(project / leftover, ignore_errors=True)
    # generator.cli.main, not `-m generator`: the command's run() ends with os._exit, before
    # cProfile could write its file. Arguments: the profile's file, then the command's.
    code = ("import cProfile, sys; from generator.cli import main; "
            "cProfile.runctx('main(sys.argv[2:])', globals(), locals(), sys.argv[1])")
    subprocess.run([sys.executable, "-c", code, str(output), "--project", str(project), "build"],
                   check=True, stdout=subprocess.DEVNULL)
    pstats.Stats(str(output)).sort_stats("cumulative").print_stats(30)  # the first ten are the CLI's wrappers


def written(output: Path, with_bytes: bool) -> str:
    """What a command left in its output folder: its pages, and with_bytes, the bytes of all its files."""
    pages = sum(1 for _ in output.rglob("*.html"))
    if not with_bytes:
        return f"pages: {pages}"
    size = sum(file.stat().st_size for file in output.rglob("*") if file.is_file())
    return f"pages: {pages}, {size / 1e6:.1f} MB"


def bench(corpus: str, size: str, runs: int, hugo: str, pagefind: str | None, want_profile: bool,
          want_same_site: bool) -> None:
    count = None if size == "all" else int(size)
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        site = hugo_site(corpus_papers(corpus, count), scratch)
        project = digest_project(corpus, count, scratch)
        same = None
        if want_same_site:  # two copies, so that each keeps what its last run wrote
            same = (same_site(project, hugo, scratch / "hugo-same-site"),
                    same_site(project, hugo, scratch / "hugo-same-site-no-related"))
        papers = sum(1 for _ in (project / "content" / "papers").glob("*.md"))
        if runs:
            commands = commands_for(project, site, hugo, pagefind, same)
            outputs = {name: cwd / ("site" if name == "digest build" else "public") for name, _, cwd in commands}
            found = alternate(commands, runs)
            digest_runs = found.pop("digest build")
            print(f"{papers} papers ({corpus}), {runs} runs, {conditions()}\n"
                  f"  {'digest build:':17s}{summary(digest_runs)} "
                  f"({written(outputs['digest build'], want_same_site)})", flush=True)
            for name, peer_runs in found.items():
                print(f"  {name + ':':17s}{summary(peer_runs, digest_runs)} "
                      f"({written(outputs[name], want_same_site)})", flush=True)
            if same:
                print("  bytes per page type, digest build and hugo same site:\n"
                      + compare(project / "site", same[0] / "public"), flush=True)
        if want_profile:
            profile(project, scratch)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", nargs="*", default=["1000", "9877"], help="paper counts, or all")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--corpus", choices=["hf", "80k"], default="hf")
    parser.add_argument("--profile", action="store_true", help="also profile one cold build per size")
    parser.add_argument("--pagefind", action="store_true", help="also time Hugo followed by Pagefind")
    parser.add_argument("--same-site", action="store_true",
                        help="also time Hugo building the same site as ours (bench/hugo_site/), with and without related papers")
    args = parser.parse_args()
    hugo = ensure_hugo()
    pagefind = ensure_pagefind() if args.pagefind else None
    # Compiled, as pip installs a package: the editable install leaves the project's modules to
    # each run to compile where PYTHONDONTWRITEBYTECODE is set (0.1 s a run).
    compileall.compile_dir(ROOT / "generator", quiet=1)
    for size in args.sizes:
        bench(args.corpus, size, args.runs, hugo, pagefind, args.profile, args.same_site)


if __name__ == "__main__":
    main()
