"""Papers -> what the index needs of each: its field terms, field lengths and fragment's digest.

All of it is a pure function of a paper's texts (and of this package's code), so a paper is made
once, and then kept in the index that term_cache.py keeps between builds: a build with a warm
cache makes only its new papers. NewDocuments holds those in numpy-ready columns rather than a
Python object per term, for postings.py to add to the index. Of its fragment file the index keeps
only the digest: remade_fragment() makes the file again from the paper when it is written (a new
paper, or one whose number moved), which costs less than keeping 80,000 fragments (124 MB) in
memory and in the cache file. The build that made a paper keeps its fragment, up to a budget,
or past it writes the fragment as it is made (search.MadeFragments).
"""
from __future__ import annotations

import hashlib
from array import array
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from generator.build.search import terms
from generator.build.search.fragments import fragment
from generator.cache import bytes_digest
from generator.content.schema import Paper
from generator.content.taxonomy import TopicNames
from generator.content.tex_text import shown_text

# (field, boost), chosen by recall at 9,877 papers (bench/RESULTS.md): title and topic names twice,
# the rest once. A title boost of 10 found fewer papers by their topic phrases (recall@10 0.538
# against 0.553) and by remembered abstract words (success@10 0.988 against 0.996).
FIELDS = (("title", 2), ("abstract", 1), ("author", 1), ("topic", 2), ("arxiv", 1))
FREQUENCY_BITS = 20
MAX_LENGTH = (1 << FREQUENCY_BITS) - 1  # a field's terms; a term's frequency is at most its field's length
TERM_ID = np.dtype("<u4")  # term ids, frequencies and lengths, as stored (little-endian)
KEY_BYTES = 16


def field_texts(paper: Paper, topic_names: dict[str, str]) -> tuple[str, ...]:
    """The text of every field in FIELDS, in order; the organization is searched with the authors
    (`author:salesforce`), as rows show it beside them."""
    names = (topic_names.get(slug, slug) for slug in paper.topics)
    authors = (*paper.authors, paper.organization) if paper.organization else paper.authors
    return (paper.title, shown_text(paper.body), "\n".join(authors), "\n".join(names), paper.arxiv_id)


def paper_key(paper: Paper, topic_names: TopicNames) -> bytes:
    """A digest of everything made() reads of the paper: a paper with the same key has the same data.
    The parts' lengths come first, so that no two different papers give the same text."""
    links = [f"{link.kind} {link.url}" for link in paper.links]
    topics = [f"{slug} {topic_names.get(slug, slug)}" for slug in paper.topics]
    parts = (paper.title, paper.slug, paper.last_featured.isoformat(), paper.body, paper.arxiv_id,
             str(paper.upvotes), paper.organization, paper.ai_summary, topic_names.fallback, str(len(paper.authors)), *paper.authors,
             str(len(links)), *links, *topics)
    text = ",".join([str(len(part)) for part in parts]) + "\n" + "".join(parts)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=KEY_BYTES).digest()


@dataclass(frozen=True)
class Made:
    """One paper's data, made from its texts: each field's distinct terms and their frequencies."""
    fields: tuple[tuple[Collection[str], Collection[int]], ...]
    lengths: tuple[int, ...]
    fragment_digest: str  # cache.bytes_digest of its fragment file
    fragment: bytes  # the file itself, for the build that made it (search.MadeFragments)


def made(paper: Paper, topic_names: TopicNames) -> Made:
    """Tokenizes the paper (terms.py): most of a cold build."""
    texts = field_texts(paper, topic_names)
    *others, arxiv_id = texts
    fields: list[tuple[Collection[str], Collection[int]]] = [
        (counts.keys(), counts.values()) for counts, _ in map(terms.term_counts, others)]
    # An arXiv id is indexed only as a reader types it ("2405.15738"): its parts alone would be ten
    # thousand terms that no one looks up.
    arxiv_terms = terms.query_terms(arxiv_id)
    fields.append((arxiv_terms, [1] * len(arxiv_terms)))
    lengths = tuple(sum(frequencies) for _, frequencies in fields)
    if max(lengths) > MAX_LENGTH:
        raise ValueError(f"a field of {max(lengths)} terms, more than {MAX_LENGTH}")
    made_fragment = fragment(paper, texts[1], topic_names.shown(paper.topics), list(lengths))
    return Made(tuple(fields), lengths, bytes_digest(made_fragment), made_fragment)


def remade_fragment(paper: Paper, topic_names: TopicNames, lengths: list[int]) -> bytes:
    """The fragment file made() took the digest of, made again; lengths: the paper's field lengths."""
    return fragment(paper, shown_text(paper.body), topic_names.shown(paper.topics), lengths)


@dataclass(frozen=True)
class NewField:
    """One field of the documents made in a build: each document's terms (ids into the
    NewDocuments' vocabulary) with their frequencies, document after document."""
    counts: np.ndarray  # int64: terms per document
    terms: np.ndarray  # TERM_ID
    frequencies: np.ndarray  # TERM_ID
    lengths: np.ndarray  # TERM_ID: per document, the sum of its frequencies


class _TermIds(dict[str, int]):
    """term -> its id, its position in vocabulary, where a new term is appended (a lookup in C)."""

    def __init__(self, vocabulary: list[str]):
        super().__init__()
        self._vocabulary = vocabulary

    def __missing__(self, term: str) -> int:
        number = self[term] = len(self._vocabulary)
        self._vocabulary.append(term)
        return number


# A field's columns in NewField's order (counts, terms, frequencies, lengths): array typecode, numpy type.
COLUMN_TYPES: tuple[tuple[str, np.dtype], ...] = (("q", np.dtype(np.int64)), ("I", TERM_ID), ("I", TERM_ID), ("I", TERM_ID))
Column = array | np.ndarray  # an array while documents are added, a numpy array once field() read it


class NewDocuments:
    """Documents made, in the order they were made: numbered from 0, their terms numbered in vocabulary."""

    def __init__(self) -> None:
        self.vocabulary: list[str] = []
        self._ids = _TermIds(self.vocabulary)
        self.keys: list[bytes] = []
        self.fragment_digests: list[str] = []
        self._fields: list[list[Column]] = [_empty_columns() for _ in FIELDS]

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, key: bytes, data: Made) -> None:
        for field, (found, frequencies) in enumerate(data.fields):
            counts, terms, frequency_column, lengths = self._growing(field)
            terms.extend(map(self._ids.__getitem__, found))
            frequency_column.extend(frequencies)
            counts.append(len(found))
            lengths.append(data.lengths[field])
        self.keys.append(key)
        self.fragment_digests.append(data.fragment_digest)

    def field(self, number: int) -> NewField:
        """The field's columns as numpy arrays, which this object keeps instead of its arrays: one
        copy of the abstracts' (70 MB at 80,000 papers) while the index is made, not two."""
        columns, numeric = self._fields[number], []
        for position, (_, dtype) in enumerate(COLUMN_TYPES):  # each array goes once its copy is made
            columns[position] = converted = _numeric(columns[position], dtype)
            numeric.append(converted)
        return NewField(*numeric)

    def take_field(self, number: int) -> NewField:
        """field(), which this object then lets go: for an index that cannot be stopped before it is
        made, so that each field's columns go once they are in the index (70 MB of the abstracts' at
        80,000 papers, while the index's own arrays are made). The documents are then spent."""
        taken = self.field(number)
        self._fields[number] = _empty_columns()
        return taken

    def _growing(self, number: int) -> list[array]:
        """The field's columns as arrays, to add to: made arrays again after field() (a build stopped
        while making its index keeps its documents for the next one)."""
        growing = [_growable(column, code) for column, (code, _) in zip(self._fields[number], COLUMN_TYPES)]
        self._fields[number] = list(growing)
        return growing


def _empty_columns() -> list[Column]:
    """A field's columns before any document is added, in COLUMN_TYPES' order."""
    return [array(code) for code, _ in COLUMN_TYPES]


def _numeric(column: Column, dtype: np.dtype) -> np.ndarray:
    return column if isinstance(column, np.ndarray) else np.array(column, dtype=dtype)


def _growable(column: Column, code: str) -> array:
    return column if isinstance(column, array) else array(code, column.tobytes())
