"""Related papers on the real corpus: time, memory, the cost of one edit, and a quality check.

    python bench/bench_related.py                   # 1,000, 9,877 and 80,317 papers, 3 runs each
    python bench/bench_related.py 9877 --runs 5
    python bench/bench_related.py 9877 --examples 10  # also print related papers to read

Each size runs in a fresh process (so memory peaks do not mix). "cold" is a first
build (every paper tokenized); "one edit" recomputes after one abstract changed
(the last computation kept); "preview edit" is the same after a title edit the caller
names (an Edit), the preview's case, with the title edit of bench_preview.py ("Edited N "
before it: a new word shared by every edited paper); "cache+20" is a new process building
with a cache file that holds every paper's term counts but 20 new papers'. Peak memory is what tracemalloc saw
(Python objects and NumPy arrays) during the computation. Wall and CPU seconds
are medians; CPU time is steadier when other jobs share the machine.

Quality (--quality): how often a related paper shares a rule-assigned topic, an
author, or a featured week with the paper, against random pairs as the baseline.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import gzip
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import ROOT
from generator.build import related
from generator.content.markdown import escape_markdown
from generator.content.schema import Paper
from generator.content.taxonomy import TopicMatcher, fallback_slug, load_taxonomy

CORPORA = ROOT.parent / "shared" / "corpus"
SIZES = (1000, 9877, 80317)
NEW_PAPERS = 20


def corpus_rows(count: int) -> list[dict]:
    """The first `count` papers by date: the daily-papers corpus up to 9,877, the 80k one past that."""
    name = "hf-daily-papers.jsonl.gz" if count <= 9877 else "papers-80k.jsonl.gz"
    with gzip.open(CORPORA / name, "rt", encoding="utf-8") as stream:
        rows = [json.loads(line) for line in stream]
    rows.sort(key=lambda row: row["date"])
    return rows[:count]


def as_paper(row: dict) -> Paper:
    slug = "p" + row["arxiv_id"].replace(".", "-")
    return Paper(title=row["title"], slug=slug, body=escape_markdown(row["abstract"]),
                 featured=(dt.date.fromisoformat(row["date"]),), topics=("other",))


def measure(count: int, runs: int) -> dict:
    papers = [as_paper(row) for row in corpus_rows(count)]
    cold, cold_cpu, edit, edit_cpu, preview, preview_cpu = [], [], [], [], [], []
    for run in range(runs):
        _forget()
        wall, cpu = time.perf_counter(), time.process_time()
        related.related_papers(papers)
        cold.append(time.perf_counter() - wall)
        cold_cpu.append(time.process_time() - cpu)
        edited = list(papers)
        edited[run] = dataclasses.replace(papers[run], body=papers[run].body + " An edited sentence.")
        wall, cpu = time.perf_counter(), time.process_time()
        related.related_papers(edited)
        edit.append(time.perf_counter() - wall)
        edit_cpu.append(time.process_time() - cpu)
        row = (run + 1) * len(papers) // (runs + 1)
        retitled = dataclasses.replace(edited[row], title=f"Edited {run + 1} {edited[row].title}")
        wall, cpu = time.perf_counter(), time.process_time()
        related.related_papers([*edited[:row], retitled, *edited[row + 1:]], edit=(edited, {retitled.slug: retitled}))
        preview.append(time.perf_counter() - wall)
        preview_cpu.append(time.process_time() - cpu)
    _forget()
    warm, warm_cpu = warm_cache(papers)
    _forget()
    tracemalloc.start()  # a run of its own: tracing slows every allocation
    related.related_papers(papers)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"papers": count, "cold_s": statistics.median(cold), "cold_cpu_s": statistics.median(cold_cpu),
            "edit_s": statistics.median(edit), "edit_cpu_s": statistics.median(edit_cpu),
            "preview_s": statistics.median(preview), "preview_cpu_s": statistics.median(preview_cpu),
            "warm_s": warm, "warm_cpu_s": warm_cpu,
            "peak_mb": peak / 2**20}


def _forget() -> None:
    """As a new process: no last computation, no words seen."""
    related._last = None
    related._WORD_TERMS.clear()
    related._TERMS.clear()
    related._TERM_NUMBERS.clear()


def warm_cache(papers: list[Paper]) -> tuple[float, float]:
    """A build adding NEW_PAPERS papers to a site whose other papers' term counts are in the cache file."""
    with tempfile.TemporaryDirectory() as folder:
        cache = Path(folder) / "related.json"
        related.related_papers(papers[:-NEW_PAPERS], cache_file=cache)
        _forget()
        wall, cpu = time.perf_counter(), time.process_time()
        related.related_papers(papers, cache_file=cache)
        return time.perf_counter() - wall, time.process_time() - cpu


def quality(count: int, examples: int) -> None:
    rows = corpus_rows(count)
    papers = [as_paper(row) for row in rows]
    by_slug = {paper.slug: (paper, row) for paper, row in zip(papers, rows)}
    topics, _ = load_taxonomy(ROOT / "content" / "topics.yaml")
    matcher = TopicMatcher(topics, fallback_slug(topics))
    rule_topics = {paper.slug: set(matcher.assign(paper.title, row["abstract"])) for paper, row in zip(papers, rows)}
    result = related.related_papers(papers)
    pairs = [(slug, other) for slug, others in result.items() for other in others]
    rng = random.Random(7)
    slugs = sorted(by_slug)
    baseline = [(first, second) for first, second in (rng.sample(slugs, 2) for _ in range(len(pairs)))]

    def rates(chosen: list[tuple[str, str]]) -> tuple[float, float, float]:
        topic = sum(bool(rule_topics[a] & rule_topics[b] - {"other"}) for a, b in chosen)
        author = sum(bool(set(by_slug[a][1]["authors"]) & set(by_slug[b][1]["authors"])) for a, b in chosen)
        week = sum(abs(by_slug[a][0].first_featured - by_slug[b][0].first_featured).days <= 7 for a, b in chosen)
        return topic / len(chosen), author / len(chosen), week / len(chosen)

    empty = sum(not others for others in result.values())
    print(f"quality at {count:,} papers: {len(pairs):,} related pairs; {empty} papers with none")
    for name, chosen in (("related", pairs), ("random", baseline)):
        topic, author, week = rates(chosen)
        print(f"  {name:8} share a rule topic {topic:6.1%}   share an author {author:6.1%}   featured within 7 days {week:6.1%}")
    for slug in rng.sample(slugs, examples):
        print(f"\n{by_slug[slug][0].title}")
        for other in result[slug]:
            print(f"    -> {by_slug[other][0].title}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", type=int, default=list(SIZES))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quality", type=int, metavar="N", help="check quality on the first N papers instead")
    parser.add_argument("--examples", type=int, default=0, help="with --quality: related papers of N random papers")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # a child measuring one size
    args = parser.parse_args()
    if args.quality:
        quality(args.quality, args.examples)
    elif args.one:
        print(json.dumps(measure(args.sizes[0], args.runs)))
    else:
        print(f"{'papers':>8} {'cold s':>8} {'cpu s':>7} {'one edit s':>11} {'cpu s':>7} {'preview edit s':>15} "
              f"{'cpu s':>7} {'cache+20 s':>11} {'cpu s':>7} {'peak MB':>8}")
        for size in args.sizes:
            child = subprocess.run([sys.executable, __file__, str(size), "--runs", str(args.runs), "--one"],
                                   check=True, capture_output=True, text=True)
            row = json.loads(child.stdout)
            print(f"{row['papers']:>8,} {row['cold_s']:>8.2f} {row['cold_cpu_s']:>7.2f} {row['edit_s']:>11.2f} "
                  f"{row['edit_cpu_s']:>7.2f} {row['preview_s']:>15.3f} {row['preview_cpu_s']:>7.3f} "
                  f"{row['warm_s']:>11.2f} {row['warm_cpu_s']:>7.2f} {row['peak_mb']:>8.0f}")


if __name__ == "__main__":
    main()
