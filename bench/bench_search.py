"""Search benchmarks on the real corpus: index build, bytes and time per query in Chromium, recall.

    python bench/bench_search.py                    # 1,000, 9,877 and 80,317 papers
    python bench/bench_search.py 9877 --recall      # also known-item and keyword recall
    python bench/bench_search.py 1000 --queries 5   # fewer browser queries

Build: build_search_files on the papers (CPU and wall seconds), file count and gzipped size.
Browser: each query opens the search page in a fresh Chromium context (empty cache) served from
localhost; every search file the page fetches (lunr.js, search.js, manifest, shards, fragments,
vocabulary) is gzipped (level 6) and summed. "First result" is the time since navigation start at
which the first result is added to the page (a MutationObserver's clock). A next query is typed into the same page: its bytes are what it fetches more.
Recall (--recall): known-item queries are 3-4 words of one abstract (not in its title); keyword
queries are the taxonomy's multi-word phrases, relevant = papers whose title or abstract contain
the phrase; recall@10 = relevant papers in the top 10 / min(10, relevant papers). Ceiling: one
stock lunr.js index over title (boost 10) and whole abstract, all words first, then any.
"""
from __future__ import annotations

import argparse
import collections
import functools
import gzip
import http.server
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.search_corpus import ROOT, corpus_papers, taxonomy
from generator.build import search
from generator.build.search import terms
from generator.content.markdown import plain_text
from generator.content.schema import Paper

if TYPE_CHECKING:
    from playwright.sync_api import Page, Response

STATIC = ROOT / "themes" / "default" / "static"
CHROMIUM = "/usr/bin/chromium"
# The search page's elements (themes/default/templates/search.html) without the CSP meta, so that
# the benchmark can read performance.now(); the site's CSP is tested in tests/test_search_browser.py.
SEARCH_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Search</title></head><body>
<form class="search-form" action="/search/" method="get" role="search"><label for="search-input">Search</label>
<input id="search-input" name="q" type="search"><button type="submit">Search</button></form>
<p id="search-status" role="status" aria-live="polite"></p><ol id="search-results" class="paper-list"></ol>
<script src="/static/lunr-2.3.9.min.js" defer></script><script src="/static/search.js" defer></script>
</body></html>"""
READER_QUERIES = ["mixture of experts", "kv cache compression", "speculative decoding", "diffusion transformer",
                  "reinforcement learning from human feedback", "vision language model hallucination",
                  "retrieval augmented generation", "3d gaussian splatting", "qwen2.5", "gpt-4o",
                  "chain of thought reasoning", "long context", "text to video", "quantization", "lora"]
COMMON_QUERIES = ["model", "large language models"]  # the longest postings: the worst case


def build(papers: list[Paper]) -> tuple[dict[str, bytes], dict[str, Any]]:
    topics = list(taxonomy())
    cpu, wall = time.process_time(), time.perf_counter()
    files = search.build_search_files(papers, topics)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    kinds: dict[str, list[int]] = {}
    for path, data in files.items():
        kind = path.split("/")[1] if path.count("/") > 1 else "manifest"
        totals = kinds.setdefault(kind, [0, 0, 0])
        totals[0] += 1
        totals[1] += len(data)
        totals[2] += len(gzip.compress(data, 6))
    return files, {"build_cpu_s": cpu, "build_wall_s": wall, "files": len(files), "by_kind": kinds}


def write_site(folder: Path, files: dict[str, bytes]) -> None:
    for path, data in files.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    (folder / "search" / "index.html").write_text(SEARCH_PAGE, encoding="utf-8")
    (folder / "static").mkdir(exist_ok=True)
    for name in ("lunr-2.3.9.min.js", "search.js"):
        shutil.copy(STATIC / name, folder / "static" / name)
    (folder / "favicon.ico").write_bytes(b"")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def record_search_file(fetched: list[tuple[str, int]], response: Response) -> None:
    """Each search file the page fetched, with its gzipped size."""
    path = urlparse(response.url).path
    if is_search_file(path):
        fetched.append((path, len(gzip.compress(response.body(), 6))))


def is_search_file(path: str) -> bool:
    return (path.startswith("/search/") and path.endswith(".json")) or path.startswith("/static/")


def browser_runs(base: str, queries: list[str]) -> list[dict]:
    """Per query: first-query bytes and time to first result (cold), and the next query's bytes."""
    from playwright.sync_api import sync_playwright

    runs = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        for query, next_query in zip(queries, queries[1:] + queries[:1]):
            context = browser.new_context()
            page = context.new_page()
            page.add_init_script(FIRST_RESULT_CLOCK)
            fetched: list[tuple[str, int]] = []
            page.on("response", functools.partial(record_search_file, fetched))
            page.goto(f"{base}/search/?q={quote(query)}")
            wait_for_results(page, query)
            first_ms = page.evaluate("window.firstResultAt")
            first = list(fetched)
            page.fill("#search-input", next_query)
            page.press("#search-input", "Enter")
            wait_for_results(page, next_query)
            runs.append({"query": query, "first_bytes": sum(size for _, size in first), "first_ms": first_ms,
                         "first_files": len(first), "next_query": next_query,
                         "next_bytes": sum(size for _, size in fetched[len(first):]),
                         "status": page.text_content("#search-status")})
            context.close()
        browser.close()
    return runs


# Runs before the page's scripts: the time (since navigation start) the first result is added.
FIRST_RESULT_CLOCK = """
new MutationObserver(function (changes, observer) {
  if (document.querySelector("#search-results li")) { window.firstResultAt = performance.now(); observer.disconnect(); }
}).observe(document, {childList: true, subtree: true});
"""


def wait_for_results(page: Page, query: str) -> None:
    status = page.locator("#search-status", has_text=f"\u201c{query}\u201d")
    status.wait_for(timeout=120_000)


def words(text: str) -> list[str]:
    return re.findall(r"[a-z][a-z-]{3,}", text.lower())


def known_item_queries(papers: list[Paper], count: int, rng: random.Random, distinctive: bool) -> list[tuple[str, int]]:
    """(3-4 words of one abstract, not in its title nor stop words; the paper's number). distinctive:
    the 3-4 rarest words (fewest papers) of a 20-word stretch, as a reader remembers a paper by what
    sets it apart; else 3-4 words of a 6-word stretch, whatever they are."""
    stop = terms.STOP_WORDS
    abstracts = [[word for word in words(plain_text(paper.body)) if word not in stop] for paper in papers]
    papers_with = collections.Counter(word for abstract in abstracts for word in set(abstract))
    queries = []
    for number in rng.sample(range(len(papers)), count):
        title = set(words(papers[number].title))
        abstract = list(dict.fromkeys(word for word in abstracts[number] if word not in title))
        if len(abstract) < 8:
            continue
        size = rng.choice((3, 4))
        if distinctive:
            start = rng.randrange(max(1, len(abstract) - 20))
            stretch = abstract[start:start + 20]
            rarest = sorted(stretch, key=lambda word: papers_with[word])[:size]
            chosen = [word for word in stretch if word in rarest]
        else:
            start = rng.randrange(len(abstract) - 6)
            chosen = abstract[start:start + 6][:size]
        queries.append((" ".join(chosen), number))
    return queries


def keyword_queries(papers: list[Paper]) -> list[tuple[str, set[int]]]:
    """The taxonomy's multi-word phrases with the papers whose title or abstract contain them."""
    texts = [f"{paper.title} {plain_text(paper.body)}".lower() for paper in papers]
    phrases = sorted({phrase for topic in taxonomy() for phrase in topic.keywords
                      if " " in phrase and "*" not in phrase})
    queries = []
    for phrase in phrases:
        pattern = re.compile(r"(?<![\w-])" + re.escape(phrase) + r"(?![\w-])")
        relevant = {number for number, text in enumerate(texts) if pattern.search(text)}
        if len(relevant) >= 5:
            queries.append((phrase, relevant))
    return queries


def node_top(mode: str, source: Path, queries: list[str], scratch: Path) -> list[list[int]]:
    path = scratch / f"queries-{mode}.json"
    path.write_text(json.dumps(queries), encoding="utf-8")
    done = subprocess.run(["node", "--max-old-space-size=8192", str(ROOT / "bench" / "lunr_query.js"), mode,
                           str(source), str(path)], capture_output=True, text=True, check=True)
    top: list[list[int]] = json.loads(done.stdout)["top"]
    return top


def recall(papers: list[Paper], site: Path, scratch: Path) -> dict:
    ordered = sorted(papers, key=lambda paper: (paper.first_featured, paper.slug))
    sets = {
        "known_item": known_item_queries(ordered, 500, random.Random(9877), distinctive=True),
        "known_item_random_words": known_item_queries(ordered, 500, random.Random(9877), distinctive=False),
    }
    keywords = keyword_queries(ordered)
    docs = scratch / "docs.json"
    docs.write_text(json.dumps([[paper.title, plain_text(paper.body)] for paper in ordered]), encoding="utf-8")
    report: dict[str, Any] = {"queries": {name: len(queries) for name, queries in sets.items()},
                              "keyword_queries": len(keywords), "examples": [query for query, _ in sets["known_item"][:5]]}
    all_queries = [query for queries in sets.values() for query, _ in queries] + [query for query, _ in keywords]
    for label, mode, source in (("split", "split", site / "search"), ("stock_lunr", "stock", docs)):
        top = iter(node_top(mode, source, all_queries, scratch))
        scores: dict[str, float] = {}
        for name, queries in sets.items():
            ranks = [found.index(target) + 1 if target in found else None  # queries first: zip stops on them
                     for (_, target), found in zip(queries, top)]
            scores[f"{name}_success_at_10"] = sum(rank is not None for rank in ranks) / len(ranks)
            scores[f"{name}_mrr"] = sum(1 / rank for rank in ranks if rank) / len(ranks)
        keyword_top = [next(top) for _ in keywords]
        scores["keyword_recall_at_10"] = statistics.mean(
            len(set(found) & relevant) / min(10, len(relevant)) for found, (_, relevant) in zip(keyword_top, keywords))
        scores["keyword_mrr"] = statistics.mean(
            next((1 / (n + 1) for n, doc in enumerate(found) if doc in relevant), 0)
            for found, (_, relevant) in zip(keyword_top, keywords))
        report[label] = scores
    return report


def bench(size: int, query_count: int, with_recall: bool, scratch: Path) -> dict:
    started = time.perf_counter()
    papers = corpus_papers(size)
    print(f"{size}: {len(papers)} papers read in {time.perf_counter() - started:.1f} s", flush=True)
    files, row = build(papers)
    row["papers"] = len(papers)
    print(f"  build: {row['build_cpu_s']:.2f} s CPU, {row['build_wall_s']:.2f} s wall, {row['files']} files, "
          + ", ".join(f"{kind} {n} files {raw / 1024:.0f} KB raw {gz / 1024:.0f} KB gz"
                      for kind, (n, raw, gz) in row["by_kind"].items()), flush=True)
    site = scratch / f"site-{size}"
    write_site(site, files)
    del files
    if query_count:
        browser_report(row, site, query_count)
    if with_recall:
        row["recall"] = recall(papers, site, scratch)
        print(f"  recall: {json.dumps(row['recall'])}", flush=True)
    shutil.rmtree(site)
    return row


def browser_report(row: dict[str, Any], site: Path, query_count: int) -> None:
    server, base = serve(site)
    try:
        runs = browser_runs(base, READER_QUERIES[:query_count] + COMMON_QUERIES)
    finally:
        server.shutdown()
        server.server_close()
    row["runs"] = runs
    reader = [run for run in runs if run["query"] not in COMMON_QUERIES] or runs
    row["first_kb_median"] = statistics.median(run["first_bytes"] for run in reader) / 1024
    row["first_kb_max"] = max(run["first_bytes"] for run in reader) / 1024
    row["first_ms_median"] = statistics.median(run["first_ms"] for run in reader if run["first_ms"] is not None)
    row["next_kb_median"] = statistics.median(run["next_bytes"] for run in reader) / 1024
    row["worst_common_kb"] = max(run["first_bytes"] for run in runs if run["query"] in COMMON_QUERIES) / 1024
    print(f"  first query: median {row['first_kb_median']:.0f} KB (max {row['first_kb_max']:.0f} KB) gzipped, "
          f"first result {row['first_ms_median']:.0f} ms; next query median {row['next_kb_median']:.0f} KB; "
          f"worst common-word query {row['worst_common_kb']:.0f} KB", flush=True)
    for run in runs:
        print(f"    {run['query']!r}: {run['first_bytes'] / 1024:.0f} KB in {run['first_files']} files, "
              f"{run['first_ms'] or 0:.0f} ms; then {run['next_query']!r}: {run['next_bytes'] / 1024:.0f} KB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 9877, 80317])
    parser.add_argument("--queries", type=int, default=len(READER_QUERIES), help="reader queries in Chromium; 0: none")
    parser.add_argument("--recall", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        rows = [bench(size, args.queries, args.recall, Path(scratch)) for size in args.sizes]
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
