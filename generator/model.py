"""The data that flows between stages: typed, immutable, no I/O."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

LINK_KINDS = ("code", "project page", "dataset", "model", "demo", "paper", "other")


@dataclass(frozen=True)
class Link:
    url: str  # http or https only; checked where links are read
    kind: str  # one of LINK_KINDS


@dataclass(frozen=True)
class DraftPaper:
    """One paper as read from a digest, before it has a file of its own."""

    title: str
    abstract: str  # plain text, one paragraph, whitespace collapsed
    featured: dt.date
    digest: str  # digest file name, e.g. "2025-08-18.txt"
    line: int  # line of the title in the digest, 1-based


@dataclass(frozen=True)
class Paper:
    """One paper as stored in content/papers/<slug>.md."""

    slug: str  # stable once written: the paper's URL is /papers/<slug>/
    title: str
    abstract: str  # the Markdown body of the file (ingest escapes it to read as plain text)
    featured: tuple[dt.date, ...]  # sorted, oldest first, at least one
    topics: tuple[str, ...]  # topic slugs, in the order a reader should see them
    links: tuple[Link, ...] = ()
    arxiv_id: str = ""
    authors: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # digest file names the paper was ingested from
    rule_topics: tuple[str, ...] | None = None  # what the taxonomy chose; None: set by hand
    path: str = ""  # the file it was read from, for error messages
    body_line: int = 0  # line where the body starts, for error messages
    version: str = field(default="", compare=False)  # hash of the file's bytes

    @property
    def first_featured(self) -> dt.date:
        return self.featured[0]

    @property
    def last_featured(self) -> dt.date:
        return self.featured[-1]


@dataclass(frozen=True)
class Topic:
    slug: str
    name: str
    description: str
    keywords: tuple[str, ...] = ()  # phrases matched in title and abstract
    title_keywords: tuple[str, ...] = ()  # phrases matched in the title only
    weight: float = 1.0
    line: int = 0  # where the topic starts in topics.yaml
