"""The real corpus as Paper objects for the search benchmarks, read in place from ../shared/corpus/.

Topics come from the project's taxonomy rules (content/topics.yaml), as ingest would set them;
bodies are escaped like ingest escapes digest text.
"""
from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from functools import lru_cache
from pathlib import Path

from generator.content.markdown import escape_markdown
from generator.content.schema import Paper
from generator.content.taxonomy import Topic, TopicMatcher, fallback_slug, load_taxonomy

ROOT = Path(__file__).resolve().parent.parent
CORPORA = {
    "hf": ROOT.parent / "shared" / "corpus" / "hf-daily-papers.jsonl.gz",  # 9,877 papers
    "80k": ROOT.parent / "shared" / "corpus" / "papers-80k.jsonl.gz",  # 80,317 papers
}


@lru_cache(maxsize=1)
def taxonomy() -> tuple[Topic, ...]:
    topics, errors = load_taxonomy(ROOT / "content" / "topics.yaml")
    if errors:
        raise SystemExit(f"content/topics.yaml: {errors[0]}")
    return tuple(topics)


def read_rows(count: int) -> list[dict]:
    """The first `count` papers by date: from the 9,877-paper corpus when it has enough, else the 80k one."""
    path = CORPORA["hf"] if count <= 9_877 else CORPORA["80k"]
    if not path.exists():
        raise SystemExit(f"corpus not found at {path}; benchmarks need ../shared/corpus/ beside the project")
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        rows = [json.loads(line) for line in stream]
    rows.sort(key=lambda row: (row["date"], row.get("arxiv_id", "")))
    return rows[:count]


def corpus_papers(count: int) -> list[Paper]:
    topics = list(taxonomy())
    matcher = TopicMatcher(topics, fallback_slug(topics))
    papers: list[Paper] = []
    slugs: set[str] = set()
    for row in read_rows(count):
        slug = unique_slug(row["title"], slugs)
        rule_topics = matcher.assign(row["title"], row["abstract"])
        papers.append(Paper(
            title=row["title"], slug=slug, body=escape_markdown(row["abstract"]),
            featured=(dt.date.fromisoformat(row["date"]),), topics=rule_topics, rule_topics=rule_topics,
            arxiv_id=row.get("arxiv_id", ""), authors=tuple(row.get("authors", ())),
        ))
    return papers


def unique_slug(title: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60].strip("-") or "paper"
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    taken.add(slug)
    return slug
