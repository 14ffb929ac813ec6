"""A paper as read from a digest, before it has a file of its own: what every digest format produces."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class DraftPaper:
    """One paper as read from a digest, before it has a file of its own."""

    title: str
    abstract: str  # plain text, one paragraph, whitespace collapsed
    featured: dt.date
    digest: str  # digest file name, e.g. "2025-08-18.txt"
    line: int  # line of the title in the digest, 1-based
