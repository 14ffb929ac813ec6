"""A page's fingerprint: a digest of its context that is the same in every process and run.

A context (pages.py) holds everything that varies from page to page, so two builds whose
page has the same fingerprint, with the same templates and config, give the same bytes.
That lets a build started in a new process, even on another machine (Netlify), render only
the pages whose fingerprint changed since the last one (pagecache.py).

The context is serialized with pickle, only ever dumped and hashed, never loaded (a
cache file holds the digests alone). Fast mode turns off pickle's memo, so the bytes
depend on the values only, not on which equal values happen to be one object. Papers,
which most contexts hold and many share (a topic page lists 50), are pickled once per
build and stand in every context as their digest; topics stand as their slug, since the
taxonomy's text is part of the cache's key.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import pickle
from collections.abc import Iterable, Mapping

from generator.cache import bytes_digest, values_digest
from generator.content.schema import Paper
from generator.content.taxonomy import Topic

# Where a paper's file is and where its body starts: for error messages, never on a page.
SOURCE_LOCATION = frozenset({"path", "body_line"})
_SHOWN_FIELDS = tuple(field.name for field in dataclasses.fields(Paper) if field.name not in SOURCE_LOCATION)


class Fingerprints:
    """Digests of page contexts; one instance per build, since it remembers each Paper's digest
    (by identity, holding the Paper so that its id is not reused)."""

    def __init__(self, file_digests: Mapping[str, str] | None = None) -> None:
        """file_digests: slug -> digest of the bytes of the file the paper was parsed from, where
        known (papers.PaperCache.paper_digests): the same bytes give the same paper, so it stands
        for the paper's fields without pickling them (a second at 80,000 papers)."""
        self._papers: dict[int, tuple[Paper, str]] = {}
        self._file_digests = file_digests or {}

    def of(self, context: Mapping) -> str:
        return bytes_digest(self._dump(dict(context)))

    def of_pages(self, contexts: Iterable[tuple[str, Mapping]]) -> dict[str, str]:
        """path -> fingerprint for (path, context) pairs."""
        return {path: self.of(context) for path, context in contexts}

    def of_paper_page(self, paper: Paper, related: Iterable[str], by_slug: Mapping[str, Paper],
                      day_pages: Mapping[dt.date, int]) -> str:
        """A paper page's fingerprint from what its context is made of (pages.PAPER_PAGE_PARTS),
        without the context: 0.6 s for 80,000 paper pages, where making and pickling their
        contexts took 1.5 s. related: the slugs of its related papers, found in by_slug;
        day_pages: Site.featured_pages."""
        related_digests = (self._by_slug(slug, by_slug) for slug in related)
        pages = [f"{day.isoformat()} page {page}" for day, page in sorted(day_pages.items())]
        return bytes_digest("\n".join(["paper page", self.paper(paper), *related_digests, *pages]).encode())

    def _by_slug(self, slug: str, by_slug: Mapping[str, Paper]) -> str:
        """self.paper(by_slug[slug]), without looking the paper up when its file's digest is known."""
        digest = self._file_digests.get(slug)
        return digest if digest is not None else self.paper(by_slug[slug])

    def paper(self, paper: Paper) -> str:
        known = self._papers.get(id(paper))
        if known is None:
            digest = self._file_digests.get(paper.slug)
            if digest is None:
                shown = tuple(getattr(paper, name) for name in _SHOWN_FIELDS)
                digest = "fields:" + values_digest(shown)  # no Paper inside: pickled in C alone
            known = self._papers[id(paper)] = paper, digest
        return known[1]

    def _dump(self, value: object) -> bytes:
        buffer = io.BytesIO()
        pickler = _ContextPickler(buffer, self)
        pickler.fast = True  # no memo: equal values give equal bytes, shared or not
        pickler.dump(value)
        return buffer.getvalue()


class _ContextPickler(pickle.Pickler):
    def __init__(self, buffer: io.BytesIO, fingerprints: Fingerprints):
        super().__init__(buffer, protocol=5)
        self._fingerprints = fingerprints

    def persistent_id(self, obj: object) -> str | None:
        if type(obj) is Paper:
            return self._fingerprints.paper(obj)
        if type(obj) is Topic:
            return f"topic:{obj.slug}"
        return None

