"""Papers' field terms (the tokenizing, most of a cold build) memoized, and optionally kept in a file.

A paper's terms depend only on its field texts and on the tokenizer's code, so they are looked up
by a hash of the texts: in memory (the dev server re-indexes unchanged papers), then in the cache
file, and only then made with terms.py.

The file is JSON, {"version": ..., "papers": {<hash of the field texts>: [[terms, repeated], ...]}},
one [terms, repeated] per field: its distinct terms separated by spaces (a term never holds white
space), the most frequent first, and the frequencies of those that occur more than once (the
others occur once). "version" is a hash of the tokenizer's code and of lunr's stop words, so a
change to either makes every entry stale; a file that cannot be read or parsed is ignored, and an
entry of the wrong shape is made again.
"""
from __future__ import annotations

import hashlib
import json
from array import array
from collections.abc import Iterable
from pathlib import Path

from generator.build.search import lunr_stemmer, terms
from generator.build.search.postings import MAX_LENGTH, FieldTerms
from generator.cache import STALE_SHARE
from generator.files import write_file_atomic

DocumentTerms = tuple[FieldTerms, ...]
_memo: dict[str, DocumentTerms] = {}


def version() -> str:
    """Changes whenever the terms of some text could: the tokenizer's code or the stop words."""
    digest = hashlib.sha256()
    for module in (terms, lunr_stemmer):
        digest.update(Path(module.__file__ or "").read_bytes())
    digest.update(Path(__file__).read_bytes())
    digest.update(" ".join(sorted(terms.STOP_WORDS)).encode("utf-8"))
    return digest.hexdigest()[:16]


class TermCache:
    """The terms of each paper of one build; load() and save() read and write the cache file."""

    def __init__(self, path: Path | None = None):
        self._path = path
        self._loaded: dict[str, object] | None = None  # the file, read once a paper is not in the memo
        # With the memo filled by an earlier build in this process (the dev server), the few papers
        # missing from it are edits: counted again, rather than reading the whole file for them.
        self._warm = bool(_memo)
        self._used: dict[str, DocumentTerms] = {}

    @property
    def _stored(self) -> dict[str, object]:
        if self._loaded is None:
            self._loaded = _load(self._path) if self._path else {}
        return self._loaded

    def document_terms(self, texts: tuple[str, ...]) -> DocumentTerms:
        """The terms of every field of a paper: terms.term_counts of each, the last (the arXiv id) whole."""
        key = hashlib.blake2b(json.dumps(texts).encode("utf-8"), digest_size=16).hexdigest()
        found = _memo.get(key) or (None if self._warm else _decoded(self._stored.get(key), len(texts)))
        if found is None:
            if not self._warm:
                self._stored.pop(key, None)  # of the wrong shape, if there: written again
            found = _memo[key] = _made(texts)
        self._used[key] = found
        return found

    def save(self) -> None:
        """Writes the terms of this build's papers, and only them, when the file lacks them or holds
        others, by more than STALE_SHARE of the papers. A dev-server edit, whose papers all came
        from the memo, writes nothing: the next build's few missing papers cost less than
        rewriting the whole file on every save (10 MB at 10,000 papers)."""
        if self._path is None or (self._loaded is None and self._path.exists()):
            return
        differing = len(self._used.keys() ^ self._stored.keys())
        if self._stored and differing <= STALE_SHARE * len(self._used):
            return
        papers = {key: self._stored[key] if key in self._stored else _encoded(found) for key, found in self._used.items()}
        data = json.dumps({"version": version(), "papers": papers}, ensure_ascii=False, separators=(",", ":"))
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            write_file_atomic(self._path.parent, self._path.name, data.encode("utf-8"))
        except OSError:
            return  # a read-only .cache/: only a speed-up is lost

    def forget_others(self) -> None:
        """Keeps in memory only this build's papers, so the memo never outgrows the site."""
        for key in _memo.keys() - self._used.keys():
            del _memo[key]


def _made(texts: tuple[str, ...]) -> DocumentTerms:
    *others, arxiv_id = texts
    made = [(counts.keys(), counts.values()) for counts, _ in map(terms.term_counts, others)]
    # An arXiv id is indexed only as a reader types it ("2405.15738"): its parts alone would be ten
    # thousand terms that no one looks up.
    arxiv_terms = terms.query_terms(arxiv_id)
    return (*made, (arxiv_terms, [1] * len(arxiv_terms)))


def _load(path: Path) -> dict[str, object]:
    try:
        stored = json.loads(path.read_bytes())
    except (OSError, ValueError):  # missing, unreadable, not UTF-8 or not JSON: made again
        return {}
    if not isinstance(stored, dict) or stored.get("version") != version() or not isinstance(stored.get("papers"), dict):
        return {}
    papers: dict[str, object] = stored["papers"]
    return papers


def _decoded(entry: object, field_count: int) -> DocumentTerms | None:
    """A file entry's terms, or None when it is not [[terms, repeated], ...] with one per field."""
    if not (isinstance(entry, list) and len(entry) == field_count):
        return None
    fields: list[FieldTerms] = []
    for field in entry:
        if not (isinstance(field, list) and len(field) == 2 and isinstance(field[0], str)):
            return None
        found = field[0].split()
        try:
            repeated = array("i", field[1])
        except (TypeError, OverflowError):
            return None
        if len(repeated) > len(found) or min(repeated, default=2) < 2 or sum(repeated) > MAX_LENGTH:
            return None
        repeated.extend([1] * (len(found) - len(repeated)))
        fields.append((found, repeated))
    return tuple(fields)


def _encoded(document: DocumentTerms) -> list[list[object]]:
    return [_encoded_field(*field) for field in document]


def _encoded_field(found: Iterable[str], frequencies: Iterable[int]) -> list[object]:
    counts = dict(zip(found, frequencies))
    ordered = sorted(counts, key=counts.__getitem__, reverse=True)
    repeated = [counts[term] for term in ordered if counts[term] > 1]
    return [" ".join(ordered), repeated]
