"""The last build's index (postings.Index) kept between builds, in memory and in a file.

Tokenizing is most of a cold build, and all that the index holds of a paper (terms, field lengths,
fragment digest: documents.py) is a pure function of its texts, so a build looks each paper up by a
digest of them (documents.paper_key) in the last build's index: in memory (the dev server's last
build), else in the cache file; only the papers not found are made, and postings.updated turns
the last index into this build's.

The file is binary, read into numpy arrays without a Python object per posting: a first line
MAGIC, a JSON header line, then these sections (numbers are little-endian uint32):

    keys             KEY_BYTES per document
    fragment digests DIGEST_BYTES per document
    per field        per document its length; per term its number of postings; then all the
                     postings' documents and all their frequencies, in index order
    vocabulary       UTF-8, the terms in index order separated by "\n" (a term has no white space)

"version" in the header is a hash of the code that makes a paper's data, so any change to it makes
the whole file stale; a file that is not one this code wrote whole (missing, truncated, another
format or version, numbers out of range) is ignored and written again.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Generator, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np

from generator.build import quick_links, urls
from generator.build.search import documents, fragments, lunr_stemmer, terms
from generator.build.search.documents import FIELDS, KEY_BYTES, MAX_LENGTH, TERM_ID, NewDocuments
from generator.build.search.postings import FieldPostings, Index, empty_index, updated
from generator.cache import STALE_SHARE
from generator.content import markdown, math, taxonomy, tex_text
from generator.content.schema import Paper
from generator.content.taxonomy import TopicNames
from generator.files import write_file_atomic

MAGIC = b"paper-digest search index 2\n"
CHECK_EVERY = 500  # papers between two checkpoint calls: at most ~0.15 s of tokenizing
DIGEST_BYTES = 16  # a fragment's digest: the bytes whose hex cache.bytes_digest gives
_memo: Index | None = None  # the index of the last build in this process
_unindexed: NewDocuments | None = None  # papers made by a build stopped before its index was made


def forget() -> None:
    """Drops what is kept in memory, as a new process starts without it."""
    global _memo, _unindexed
    _memo = _unindexed = None


def version() -> str:
    """Changes whenever the data made of some paper could: the code of documents.made (the tokenizer,
    the shown text of a body, TeX as text in titles, the topics readers see, the fragment, the paper
    URL, the quick links), this file's format, and the stop word list."""
    digest = hashlib.sha256()
    for module in (terms, lunr_stemmer, documents, fragments, markdown, tex_text, math, taxonomy, urls, quick_links):
        digest.update(Path(module.__file__ or "").read_bytes())
    digest.update(Path(__file__).read_bytes())
    digest.update(" ".join(sorted(terms.STOP_WORDS)).encode("utf-8"))
    return digest.hexdigest()[:16]


class TermCache:
    """The index of one build: index() finds or makes its papers, keep() keeps it for the next build."""

    def __init__(self, path: Path | None = None):
        self._path = path
        self._file_read = False
        self._known = 0  # documents in the index found in memory or in the file
        self._differing = 0  # papers made, and documents of that index not in this build

    def index(self, papers: Sequence[Paper], topic_names: TopicNames, checkpoint: Callable[[], None],
              stoppable: bool = True) -> Generator[tuple[int, documents.Made], None, Index]:
        """The index of the papers, numbered in their order, returned once each paper made now has
        been yielded as it is made, with its number; checkpoint is called every CHECK_EVERY papers
        and between the steps (it may raise to stop, when stoppable)."""
        global _unindexed
        checkpoint()
        known = self._load()
        row_of = {key: row for row, key in enumerate(known.keys)}
        # Papers made by a build stopped before keep(), then those this one makes: none is lost when
        # this build may be stopped too. One that may not spends them as it indexes them.
        new = _unindexed or NewDocuments()
        _unindexed = new if stoppable else None
        made_row_of = {key: row for row, key in enumerate(new.keys)}
        rows = np.empty(len(papers), dtype=np.int64)  # updated()'s rows: known >= 0, made < 0
        for number, paper in enumerate(papers):
            if number % CHECK_EVERY == 0:
                checkpoint()
            key = documents.paper_key(paper, topic_names)
            row = row_of.pop(key, None)  # popped: a document is in the new index once
            if row is None:
                made_row = made_row_of.pop(key, None)
                if made_row is None:
                    made_row = len(new)
                    data = documents.made(paper, topic_names)
                    new.add(key, data)
                    yield number, data
                row = -made_row - 1
            rows[number] = row
        terms.forget_memos()  # they served this build's tokenizing
        self._known = len(known)
        self._differing = int((rows < 0).sum()) + len(row_of)
        return updated(known, rows, new, checkpoint, spend_new=not stoppable)

    def _load(self) -> Index:
        # With the memo filled by an earlier build in this process (the dev server), the few papers
        # missing from it are edits: made again, rather than reading the whole file for them.
        if _memo is not None:
            return _memo
        if self._path is None:
            return empty_index()
        self._file_read = True
        return _load(self._path) or empty_index()

    def keep(self, index: Index) -> None:
        """Keeps this build's index in memory, and writes it to the file when the file lacks its
        papers or holds others, by more than STALE_SHARE of the papers. A dev-server build, whose
        papers came from memory, writes nothing: the next process's few missing papers cost less
        than rewriting the whole file on every save (200 MB at 80,000 papers)."""
        global _memo, _unindexed
        _memo, _unindexed = index, None
        if self._path is None or (not self._file_read and self._path.exists()):
            return
        if self._known and self._differing <= STALE_SHARE * len(index):
            return
        try:
            write_file_atomic(self._path.parent, self._path.name, _encoded(index))
        except OSError:
            return  # a read-only .cache/: only a speed-up is lost


def _encoded(index: Index) -> list[bytes | memoryview]:
    field_postings = [len(field.documents) for field in index.fields]
    vocabulary = "\n".join(index.vocabulary).encode("utf-8", "surrogatepass")
    header = {"version": version(), "documents": len(index), "fields": len(FIELDS), "terms": len(index.vocabulary),
              "vocabulary_bytes": len(vocabulary), "field_postings": field_postings}
    parts: list[bytes | memoryview] = [MAGIC, json.dumps(header).encode("utf-8") + b"\n", b"".join(index.keys),
                                       bytes.fromhex("".join(index.fragment_digests))]
    for field in index.fields:
        parts += [_stored(field.lengths), _stored(np.diff(field.bounds)), _stored(field.documents),
                  _stored(field.frequencies)]
    return [*parts, vocabulary]


def _stored(numbers: np.ndarray) -> memoryview:
    return np.ascontiguousarray(numbers, dtype=TERM_ID).data


def _load(path: Path) -> Index | None:
    """The file's index, or None when it is not one this code wrote whole."""
    try:
        with path.open("rb") as stream:
            return _read(stream, os.fstat(stream.fileno()).st_size)
    except (OSError, ValueError, KeyError, TypeError, UnicodeError):
        return None


def _read(stream: BinaryIO, file_size: int) -> Index | None:
    if stream.readline(len(MAGIC)) != MAGIC:
        return None
    header = json.loads(stream.readline(1000))
    count, term_count = header["documents"], header["terms"]
    vocabulary_bytes, field_postings = header["vocabulary_bytes"], header["field_postings"]
    if header["version"] != version() or header["fields"] != len(FIELDS) or len(field_postings) != len(FIELDS):
        return None
    if not all(isinstance(number, int) and number >= 0
               for number in (count, term_count, vocabulary_bytes, *field_postings)):
        return None
    numbers = count * len(FIELDS) + term_count * len(FIELDS) + 2 * sum(field_postings)
    expected = count * (KEY_BYTES + DIGEST_BYTES) + numbers * TERM_ID.itemsize + vocabulary_bytes
    if file_size - stream.tell() != expected:
        return None
    keys = _pieces(_exactly(stream, count * KEY_BYTES), KEY_BYTES)
    fragment_digests = [digest.hex() for digest in _pieces(_exactly(stream, count * DIGEST_BYTES), DIGEST_BYTES)]
    fields = [_field(stream, count, term_count, postings) for postings in field_postings]
    vocabulary = _exactly(stream, vocabulary_bytes).decode("utf-8", "surrogatepass").split("\n") if term_count else []
    if len(vocabulary) != term_count:
        return None
    if not all(_is_consistent(field, count) for field in fields):
        return None
    return Index(vocabulary, keys, fragment_digests, tuple(fields))


def _pieces(data: bytes, size: int) -> list[bytes]:
    return [data[start:start + size] for start in range(0, len(data), size)]


def _field(stream: BinaryIO, count: int, term_count: int, postings: int) -> FieldPostings:
    lengths = _numbers(stream, count)
    bounds = np.zeros(term_count + 1, dtype=np.int64)
    np.cumsum(_numbers(stream, term_count), out=bounds[1:])
    return FieldPostings(bounds, _numbers(stream, postings), _numbers(stream, postings), lengths)


def _is_consistent(field: FieldPostings, count: int) -> bool:
    """Whether the postings could be ones postings.updated gave: as many as the counts say, each
    term's documents ascending and in range, frequencies from 1 to MAX_LENGTH, as many terms in
    all as the documents' lengths say."""
    postings = len(field.documents)
    if field.bounds[-1] != postings or field.lengths.sum(dtype=np.int64) != field.frequencies.sum(dtype=np.int64):
        return False
    if not postings:
        return True
    ascending = np.diff(field.documents).view(np.int32) > 0  # differences of uint32s below 2**31
    term_starts = field.bounds[1:-1]
    ascending[term_starts[(term_starts > 0) & (term_starts < postings)] - 1] = True  # a term's first posting
    return bool(ascending.all() and field.documents.max() < count
                and field.frequencies.min() >= 1 and field.frequencies.max() <= MAX_LENGTH)


def _numbers(stream: BinaryIO, count: int) -> np.ndarray:
    return np.frombuffer(_exactly(stream, count * TERM_ID.itemsize), dtype=TERM_ID)


def _exactly(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise ValueError("the file is shorter than its header says")
    return data
