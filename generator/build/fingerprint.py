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
import hashlib
import io
import pickle
from collections.abc import Iterable, Mapping

from generator.content.schema import Paper
from generator.content.taxonomy import Topic

DIGEST_SIZE = 16
# Where a paper's file is and where its body starts: for error messages, never on a page.
SOURCE_LOCATION = frozenset({"path", "body_line"})
_SHOWN_FIELDS = tuple(field.name for field in dataclasses.fields(Paper) if field.name not in SOURCE_LOCATION)


class Fingerprints:
    """Digests of page contexts; one instance per build, since it remembers each Paper's digest
    (by identity, holding the Paper so that its id is not reused)."""

    def __init__(self) -> None:
        self._papers: dict[int, tuple[Paper, str]] = {}

    def of(self, context: Mapping) -> str:
        return _digest(self._dump(dict(context)))

    def of_pages(self, contexts: Iterable[tuple[str, Mapping]]) -> dict[str, str]:
        """path -> fingerprint for (path, context) pairs."""
        return {path: self.of(context) for path, context in contexts}

    def paper(self, paper: Paper) -> str:
        known = self._papers.get(id(paper))
        if known is None:
            shown = tuple(getattr(paper, name) for name in _SHOWN_FIELDS)
            known = self._papers[id(paper)] = paper, _digest(_plain_dump(shown))
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


def _plain_dump(value: object) -> bytes:
    """A paper's own values (text, dates, links: no Paper inside), pickled in C alone."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True
    pickler.dump(value)
    return buffer.getvalue()


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=DIGEST_SIZE).hexdigest()


def digest_bytes(data: bytes) -> str:
    """The digest of a file's bytes, for outputs that are not pages (static and search files)."""
    return _digest(data)
