"""Documents' terms -> the inverted index: per field, every posting in index order in numpy arrays.

Each posting (term, document, frequency) is packed in one int64 whose order is the index's: terms
in js_order, then documents ascending. One numpy sort of those ints replaces a dict of Python lists
(~0.5 µs and ~70 bytes a posting, against ~0.1 µs and 8 bytes).
"""
from __future__ import annotations

from array import array
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from generator.build.search.shards import js_order

FREQUENCY_BITS = 20
MAX_LENGTH = (1 << FREQUENCY_BITS) - 1  # a field's terms; a term's frequency is at most its field's length

FieldTerms = tuple[Collection[str], Iterable[int]]  # a field's distinct terms and their frequencies, in one order


@dataclass(frozen=True)
class FieldPostings:
    """One field's postings in index order, and the field's length in every document."""
    bounds: np.ndarray  # the term of rank r has the postings [bounds[r], bounds[r + 1])
    documents: np.ndarray
    frequencies: np.ndarray
    lengths: np.ndarray  # per document number


class _TermIds(dict[str, int]):
    """term -> its id: the number of terms seen before it."""

    def __missing__(self, term: str) -> int:
        self[term] = len(self)
        return len(self) - 1


class Inverter:
    """Takes documents in number order, then gives the sorted terms and each field's postings."""

    def __init__(self, field_count: int):
        self._ids = _TermIds()
        self._terms: list[list[int]] = [[] for _ in range(field_count)]  # term ids, a posting each
        self._frequencies = [array("i") for _ in range(field_count)]
        self._sizes = [array("i") for _ in range(field_count)]  # postings per document
        self._lengths = [array("i") for _ in range(field_count)]

    def add(self, document: Sequence[FieldTerms]) -> None:
        """The next document's fields, in the order of the fields."""
        for field, (terms, frequencies) in enumerate(document):
            self._terms[field].extend(map(self._ids.__getitem__, terms))
            counts = array("i", frequencies)
            self._frequencies[field].extend(counts)
            self._sizes[field].append(len(terms))
            self._lengths[field].append(_length(counts))

    def postings(self, checkpoint: Callable[[], None]) -> tuple[list[str], list[FieldPostings]]:
        """The terms sorted by js_order, and each field's postings; once, as it frees what add() kept.
        checkpoint is called between the steps (it may raise to stop)."""
        terms = list(self._ids)
        order = sorted(range(len(terms)), key=lambda term: js_order(terms[term]))
        rank = np.empty(len(terms), dtype=np.int64)
        rank[order] = np.arange(len(terms))
        fields = []
        for field in range(len(self._terms)):
            checkpoint()
            fields.append(self._field(field, rank))
        return [terms[term] for term in order], fields

    def _field(self, field: int, rank: np.ndarray) -> FieldPostings:
        lengths = np.frombuffer(self._lengths[field], dtype=np.int32)
        document_bits = max(len(lengths) - 1, 0).bit_length()
        if len(rank).bit_length() + document_bits + FREQUENCY_BITS > 63:
            raise ValueError(f"{len(rank)} terms in {len(lengths)} documents are more than a posting can address")
        documents = np.repeat(np.arange(len(lengths), dtype=np.int64), np.frombuffer(self._sizes[field], dtype=np.int32))
        packed = rank[np.array(self._terms[field], dtype=np.int64)] << document_bits | documents
        packed = packed << FREQUENCY_BITS | np.frombuffer(self._frequencies[field], dtype=np.int32)
        self._terms[field], self._frequencies[field] = [], array("i")
        packed.sort()
        bounds = np.searchsorted(packed >> (document_bits + FREQUENCY_BITS), np.arange(len(rank) + 1))
        document_mask = (1 << document_bits) - 1
        return FieldPostings(bounds, packed >> FREQUENCY_BITS & document_mask, packed & MAX_LENGTH, lengths)


def _length(frequencies: array) -> int:
    length: int = sum(frequencies)
    if length > MAX_LENGTH:
        raise ValueError(f"a field of {length} terms, more than {MAX_LENGTH}")
    return length
