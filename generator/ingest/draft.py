"""A paper as read from a digest, before it has a file of its own."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from generator.content.schema import Link


@dataclass(frozen=True)
class DraftPaper:
    """One paper as read from a digest (a page copy or an API file), before it has a file of its own."""

    title: str  # one line, whitespace collapsed
    abstract: str  # plain text; paragraphs separated by a blank line, each with whitespace collapsed
    featured: dt.date
    digest: str  # digest file name, e.g. "2025-08-18.txt"
    line: int  # line of the title (page copy) or of the entry (API file) in the digest, 1-based
    arxiv_id: str = ""  # API files only
    authors: tuple[str, ...] = ()  # API files only: the names of non-hidden authors, in order
    links: tuple[Link, ...] = ()  # API files: code and project links; page copies: found in the abstract later
    rank: int = 0  # position on the day in its digest, 1-based; 0: unknown
    published: dt.date | None = None  # API files only: the day arXiv first published it
    upvotes: int | None = None  # API files only: the paper's upvotes on Hugging Face as saved
    organization: str = ""  # API files only: the organization Hugging Face lists the paper under
    ai_summary: str = ""  # API files only: Hugging Face's one-sentence, machine-written summary
    github_stars: int | None = None  # API files only: the stars of the paper's code on GitHub as saved
    comments: int | None = None  # API files only: the comments in the paper's Hugging Face discussion as saved
    submitted_by: str = ""  # API files only: who submitted the paper to Daily Papers
