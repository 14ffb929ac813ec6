"""Papers for the search tests, made from real corpus titles and abstracts in tests/fixtures/."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from generator.content.schema import Paper
from generator.content.taxonomy import Topic

FIXTURES = Path(__file__).parent / "fixtures"
TOPICS = [
    Topic(slug="llm", name="Language Models", description=""),
    Topic(slug="agents", name="Agents & Tools", description=""),
    Topic(slug="other", name="Other", description=""),
]


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
