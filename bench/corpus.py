"""The real corpus as benchmark input: N papers written as digest files into a scratch project.

The corpus stays in ../shared/corpus/ (read-only, never copied into the project);
digests are written in the page shape of content/digests/2025-08-18.txt.
"""
from __future__ import annotations

import gzip
import json
import shutil
import textwrap
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "hf-daily-papers.jsonl.gz"
CORPUS_80K = ROOT.parent / "shared" / "corpus" / "papers-80k.jsonl.gz"
BOILERPLATE = ["new", "Get trending papers in your email inbox!", "Subscribe", "Daily Papers",
               "byAK and the research community"]


def read_corpus(limit: int | None = None, corpus: Path = CORPUS) -> list[dict]:
    """The first `limit` papers of a corpus in date order (all of it by default)."""
    if not corpus.exists():
        raise SystemExit(f"corpus not found at {corpus}; benchmarks need ../shared/corpus/ beside the project")
    with gzip.open(corpus, "rt", encoding="utf-8") as stream:
        papers = [json.loads(line) for line in stream]
    papers.sort(key=lambda paper: paper["date"])
    return papers[:limit]


def shared_prefix_papers(count: int) -> list[dict]:
    """`count` distinct papers whose titles share their first words: "Part N: <a real title>".

    Abstracts are the 80k corpus's; past its end, each is the second half of one real
    abstract followed by the first half of another, so that no two papers are one.
    """
    real = read_corpus(corpus=CORPUS_80K)
    papers = []
    for index in range(count):
        paper = real[index % len(real)]
        part = index // len(real)
        abstract = paper["abstract"]
        if part:
            other = real[(index + 7919 * part) % len(real)]["abstract"].split()
            words = abstract.split()
            abstract = " ".join(words[len(words) // 2:] + other[: len(other) // 2])
        papers.append({**paper, "title": f"Part {part + 1}: {paper['title']}", "abstract": abstract})
    return papers


def corpus_papers(name: str, count: int | None) -> list[dict]:
    """By name: "hf" (9,877 Daily Papers), "80k" (80,317 papers) or "shared-prefix" (synthetic)."""
    if name == "shared-prefix":
        return shared_prefix_papers(count or 100_000)
    return read_corpus(count, CORPUS_80K if name == "80k" else CORPUS)


def digest_text(day: str, papers: list[dict]) -> str:
    month_day = f"{_MONTHS[int(day[5:7]) - 1]} {int(day[8:10])}"
    lines = [*BOILERPLATE, month_day]
    for paper in papers:
        # Hard-wrap like a copy from a narrow window: the parser must join the lines again.
        lines += [paper["title"], "\n".join(textwrap.wrap(paper["abstract"], 100, break_on_hyphens=False,
                                                           break_long_words=False))]
    return "\n\n".join(lines) + "\n"


_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def api_text(papers: list[dict]) -> str:
    """The day as the Daily Papers API answers it (the fields ingest reads, arXiv's title wrap included)."""
    entries = [{"paper": {"id": paper["arxiv_id"], "title": paper["title"],
                          "summary": "\n".join(textwrap.wrap(paper["abstract"], 80)),
                          "authors": [{"_id": str(index), "name": name, "hidden": False}
                                      for index, name in enumerate(paper["authors"])],
                          "upvotes": 1, **({"githubRepo": paper["github"]} if paper.get("github") else {})},
                "title": paper["title"]} for paper in papers]
    return json.dumps(entries, ensure_ascii=False, indent=2)


def write_digests(papers: list[dict], digests_dir: Path, api: bool = False) -> int:
    """One digest a day: page copies (.txt), or API responses (.json) when `api`."""
    by_day: dict[str, list[dict]] = defaultdict(list)
    for paper in papers:
        by_day[paper["date"]].append(paper)
    digests_dir.mkdir(parents=True, exist_ok=True)
    for day, day_papers in sorted(by_day.items()):
        if api:
            (digests_dir / f"{day}.json").write_text(api_text(day_papers), encoding="utf-8")
        else:
            (digests_dir / f"{day}.txt").write_text(digest_text(day, day_papers), encoding="utf-8")
    return len(by_day)


def make_project(folder: Path, count: int | None, api: bool = False, corpus: str = "hf") -> Path:
    """A fresh project with the real taxonomy, site config and theme, and `count` papers of a corpus as digests."""
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "content").mkdir(parents=True)
    for name in ("topics.yaml", "site.yaml"):
        if (ROOT / "content" / name).exists():
            shutil.copy(ROOT / "content" / name, folder / "content" / name)
    write_digests(corpus_papers(corpus, count), folder / "content" / "digests", api)
    return folder
