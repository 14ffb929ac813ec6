"""Papers for the search tests, made from real corpus titles and abstracts in tests/fixtures/."""
from __future__ import annotations

import datetime as dt
import gzip
import itertools
import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.build import search
from generator.content.markdown import escape_markdown
from generator.content.schema import Paper
from generator.content.taxonomy import Topic

FIXTURES = Path(__file__).parent / "fixtures"
TOPICS = [
    Topic(slug="llm", name="Language Models", description=""),
    Topic(slug="agents", name="Agents & Tools", description=""),
    Topic(slug="other", name="Other", description=""),
]


def checkpoints_asked(papers: list[Paper]) -> int:
    """How many times a build of these papers asks its should_stop."""
    asked = 0

    def count() -> bool:
        nonlocal asked
        asked += 1
        return False

    search.build_search_files(papers, TOPICS, should_stop=count)
    return asked


def stop_at(call: int) -> Callable[[], bool]:
    """A should_stop that says stop on its call-th call, and not before."""
    calls = itertools.count(1)
    return lambda: next(calls) == call


def slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:80]


def make_paper(title: str, abstract: str = "", day: str = "2025-08-18", **fields) -> Paper:
    fields.setdefault("topics", ("other",))
    featured = (dt.date.fromisoformat(day),)
    return Paper(slug=fields.pop("slug", slugify(title)), title=title, body=abstract, featured=featured, **fields)


def fixture_papers(name: str = "search_papers.json") -> list[Paper]:
    """The papers of a fixture file; topics alternate so results show topic names."""
    rows = json.loads((FIXTURES / name).read_text(encoding="utf-8"))["papers"]
    topic_cycle = (("llm",), ("agents", "llm"), ("other",))
    return [
        make_paper(row["title"], row.get("abstract", ""), row["date"], topics=topic_cycle[number % 3],
                   slug=f"{slugify(row['title'])}-{number}")
        for number, row in enumerate(rows)
    ]


def corpus_papers_1000() -> list[Paper]:
    """1,000 real papers (titles, whole abstracts, authors, arXiv ids) from the benchmark corpus."""
    with gzip.open(FIXTURES / "search_corpus_1000.json.gz", "rt", encoding="utf-8") as stream:
        rows = json.load(stream)["papers"]
    topic_cycle = (("llm",), ("agents", "llm"), ("other",))
    return [
        make_paper(row["title"], escape_markdown(row["abstract"]), row["date"], topics=topic_cycle[number % 3],
                   slug=f"{slugify(row['title'])[:60]}-{number}", authors=tuple(row.get("authors", ())),
                   arxiv_id=row.get("arxiv_id", ""))
        for number, row in enumerate(rows)
    ]


def write_site_search(folder: Path, papers: list[Paper], topics: list[Topic] = TOPICS) -> Path:
    """The search files of these papers written under folder; returns folder / "search"."""
    for path, data in search.build_search_files(papers, topics).items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return folder / "search"


def field_texts_in_order(papers: list[Paper], topics: list[Topic] = TOPICS) -> list[list[str]]:
    """Every paper's field texts, in document order: what search_check.js's monolithic index reads."""
    names = {topic.slug: topic.name for topic in topics}
    ordered = sorted(papers, key=lambda paper: (paper.first_featured, paper.slug))
    return [list(search.field_texts(paper, names)) for paper in ordered]


def node_or_skip() -> str:
    """The node binary; a skip without it, a failure in CI (which must run the lunr.js tests)."""
    found = shutil.which("node")
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail("node is missing; CI must run the lunr.js tests", pytrace=False)
        print("skipping lunr.js tests: node is not installed")
        pytest.skip("node is not installed")
    return found
