"""The data that flows between stages: typed, immutable, no I/O."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

LINK_KINDS = ("code", "project page", "dataset", "model", "demo", "paper", "other")


@dataclass(frozen=True)
class Link:
    url: str  # http or https only; checked where links are read
    kind: str  # one of LINK_KINDS


@dataclass(frozen=True)
class Paper:
    """One paper as stored in content/papers/<slug>.md."""

    slug: str  # stable once written: the paper's URL is /papers/<slug>/
    title: str
    body: str  # the abstract as the file's Markdown body (ingest escapes digest text so it reads literally)
    featured: tuple[dt.date, ...]  # sorted, oldest first, at least one
    topics: tuple[str, ...]  # topic slugs, in the order a reader should see them
    links: tuple[Link, ...] = ()
    arxiv_id: str = ""
    authors: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # digest file names the paper was ingested from
    rule_topics: tuple[str, ...] | None = None  # what the taxonomy chose; None: set by hand
    path: str = ""  # the file it was read from, for error messages
    body_line: int = 0  # line where the body starts, for error messages

    @property
    def first_featured(self) -> dt.date:
        return self.featured[0]

    @property
    def last_featured(self) -> dt.date:
        return self.featured[-1]
