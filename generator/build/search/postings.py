"""The inverted index: per field, every posting in index order in numpy arrays, updated build to build.

A posting is (term, document, frequency); the index order is terms in js_order, then documents
ascending. A build starts from the last build's index (term_cache.py keeps it) and updates it with
its papers: documents still there are renumbered, but keep their relative order (papers are
numbered by first featured day), and new terms fall between the old ones without reordering them,
so the old postings stay sorted as they are. Only the new papers' postings are sorted: each packed
in one int64 whose order is the index's, one numpy sort of those ints (~0.1 µs a posting) merged
into the old ones. A cold build is the update of an empty index.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from generator.build.search.documents import FIELDS, FREQUENCY_BITS, MAX_LENGTH, TERM_ID, NewDocuments, NewField
from generator.build.search.shards import js_order

# Postings sorted at once, between two checkpoints: ~0.15 s. More (the abstracts of a cold build:
# 9 million at 80,000 papers) are sorted in pieces, then merged by one stable sort of the runs.
SORT_PIECE = 2_000_000
PACK_PIECE = 10_000  # new documents whose postings are packed at a time (a million postings or so)
Item = TypeVar("Item")


@dataclass(frozen=True)
class FieldPostings:
    """One field's postings in index order, and the field's length in every document."""
    bounds: np.ndarray  # int64: the term of rank r has the postings [bounds[r], bounds[r + 1])
    documents: np.ndarray  # TERM_ID: document numbers, ascending within each term
    frequencies: np.ndarray  # TERM_ID, at least 1
    lengths: np.ndarray  # TERM_ID per document number: the sum of its frequencies


@dataclass(frozen=True)
class Index:
    """A build's inverted index, and each document's key and fragment digest: what term_cache.py keeps."""
    vocabulary: list[str]  # every term some document has, in js_order: a term's rank is its position
    keys: list[bytes]  # per document number: documents.paper_key of its paper
    fragment_digests: list[str]  # per document number: the digest of its fragment file
    fields: tuple[FieldPostings, ...]  # one per FIELDS

    def __len__(self) -> int:
        return len(self.keys)


def empty_index() -> Index:
    nothing = np.zeros(0, dtype=TERM_ID)
    return Index([], [], [], (FieldPostings(np.zeros(1, dtype=np.int64), nothing, nothing, nothing),) * len(FIELDS))


def updated(index: Index, rows: np.ndarray, new: NewDocuments, checkpoint: Callable[[], None],
            spend_new: bool = False) -> Index:
    """The index of a build's documents: document d is the index's document rows[d] or, where rows[d]
    is negative, new's document -rows[d] - 1 (documents of either not in rows are left out).
    checkpoint is called between the steps (it may raise to stop). spend_new: new lets each field's
    columns go as it is indexed (NewDocuments.take_field), for a caller that has no use for them after."""
    checkpoint()
    plan = _Plan.make(index, rows, new)
    fields = []
    for number, field in enumerate(index.fields):
        checkpoint()
        fields.append(_updated_field(field, new.take_field(number) if spend_new else new.field(number), plan, checkpoint))
    return Index(plan.vocabulary, plan.per_document(index.keys, new.keys),
                 plan.per_document(index.fragment_digests, new.fragment_digests), tuple(fields))


@dataclass(frozen=True)
class _Plan:
    """How the documents and terms of the old index and of the new documents are numbered in the
    updated index."""
    rows: np.ndarray  # as updated() takes it
    known: np.ndarray  # the documents from the old index
    made: np.ndarray  # the documents from the new ones
    number_of_row: np.ndarray  # int32 per old document: its number now, or -1 when it is left out
    number_of_new: np.ndarray  # the same per new document
    vocabulary: list[str]
    rank_of_term: np.ndarray  # int64 per old term: its rank now, or -1 when no document has it any more
    rank_of_new_term: np.ndarray  # the same per term of the new documents' vocabulary
    in_order: bool  # the old postings, renumbered, are still in index order
    unchanged: bool  # every old document is kept with its number: the new ones come after them

    @classmethod
    def make(cls, index: Index, rows: np.ndarray, new: NewDocuments) -> _Plan:
        known, made = np.flatnonzero(rows >= 0), np.flatnonzero(rows < 0)
        number_of_row = np.full(len(index), -1, dtype=np.int32)  # a posting's document: half int64's memory
        number_of_row[rows[known]] = known
        number_of_new = np.full(len(new), -1, dtype=np.int64)
        number_of_new[-rows[made] - 1] = made
        vocabulary, rank_of_term, rank_of_new_term = _merged_vocabulary(
            index.vocabulary, _used_terms(index, number_of_row), new.vocabulary, _used_new_terms(new, number_of_new))
        kept_ranks = rank_of_term[rank_of_term >= 0]
        in_order = bool((np.diff(rows[known]) > 0).all() and (np.diff(kept_ranks) > 0).all())
        unchanged = len(known) == len(index) and bool((rows[:len(index)] == np.arange(len(index))).all())
        return cls(rows, known, made, number_of_row, number_of_new, vocabulary, rank_of_term, rank_of_new_term,
                   in_order, unchanged)

    def per_document(self, old: list[Item], new: list[Item]) -> list[Item]:
        return [old[row] if row >= 0 else new[-row - 1] for row in self.rows.tolist()]

    def lengths(self, old: np.ndarray, new: np.ndarray) -> np.ndarray:
        """Per document, its field length: from the old index's lengths or the new documents'."""
        if self.unchanged and not len(self.made):
            return old
        lengths = np.empty(len(self.rows), dtype=TERM_ID)
        lengths[self.known] = old[self.rows[self.known]]
        lengths[self.made] = new[-self.rows[self.made] - 1]
        return lengths


def _used_terms(index: Index, number_of_row: np.ndarray) -> np.ndarray:
    """Per term of the old index, whether a document kept has it."""
    used = np.zeros(len(index.vocabulary), dtype=bool)
    all_kept = bool((number_of_row >= 0).all())
    for field in index.fields:
        if all_kept:
            used |= np.diff(field.bounds) > 0
        else:
            kept = number_of_row[field.documents] >= 0
            used[np.repeat(np.arange(len(index.vocabulary)), np.diff(field.bounds))[kept]] = True
    return used


def _used_new_terms(new: NewDocuments, number_of_new: np.ndarray) -> np.ndarray:
    """Per term of the new documents' vocabulary, whether a document kept has it."""
    if (number_of_new >= 0).all():  # as usual: every term came from one of them
        return np.ones(len(new.vocabulary), dtype=bool)
    used = np.zeros(len(new.vocabulary), dtype=bool)
    for number in range(len(FIELDS)):
        field = new.field(number)
        used[field.terms[np.repeat(number_of_new, field.counts) >= 0]] = True
    return used


def _merged_vocabulary(old: list[str], old_used: np.ndarray, new: list[str],
                       new_used: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The terms used, old and new, in js_order; the rank of each old term and of each new one
    (-1: not used)."""
    candidates, new_candidates = old, np.zeros(0, dtype=np.int64)
    if new:
        position = {term: number for number, term in enumerate(old)}
        candidates = old + [term for term in new if term not in position]
        position.update((term, number) for number, term in enumerate(candidates[len(old):], start=len(old)))
        new_candidates = np.fromiter(map(position.__getitem__, new), dtype=np.int64, count=len(new))
    in_use = np.zeros(len(candidates), dtype=bool)
    in_use[:len(old)] = old_used
    in_use[new_candidates[new_used]] = True
    used_candidates = np.flatnonzero(in_use)
    words = candidates if len(used_candidates) == len(candidates) else [candidates[n] for n in used_candidates.tolist()]
    order = _js_sorted(words)
    rank = np.full(len(candidates), -1, dtype=np.int64)
    rank[used_candidates[order]] = np.arange(len(order))
    new_ranks = rank[new_candidates]
    new_ranks[~new_used] = -1
    return [words[n] for n in order], rank[:len(old)], new_ranks


def _js_sorted(words: list[str]) -> list[int]:
    """The positions of words in js_order. Python orders strings by code points, JavaScript by UTF-16
    code units: the same order unless a character lies beyond U+FFFF, which is rare. An old index's
    terms come sorted, which Python's sort merely checks."""
    joined = "".join(words)
    if len(joined.encode("utf-16-le", "surrogatepass")) == 2 * len(joined):
        return sorted(range(len(words)), key=words.__getitem__)
    return sorted(range(len(words)), key=lambda number: js_order(words[number]))


def _updated_field(old: FieldPostings, made: NewField, plan: _Plan, checkpoint: Callable[[], None]) -> FieldPostings:
    lengths = plan.lengths(old.lengths, made.lengths)
    term_count = len(plan.vocabulary)
    document_bits = max(len(lengths) - 1, 0).bit_length()
    if term_count.bit_length() + document_bits + FREQUENCY_BITS > 63:
        raise ValueError(f"{term_count} terms in {len(lengths)} documents are more than a posting can address")
    added = _packed_new(made, plan, document_bits)
    del made  # the last reference when its documents were spent: its columns go before the index's are made
    _sort(added, checkpoint)
    if plan.unchanged and plan.in_order:  # the same papers, or a new day's after them: the old stay as they are
        old_bounds = _reranked(old, plan.rank_of_term, term_count)
        return _appended(old, old_bounds, _unpacked(added, term_count, document_bits, lengths))
    packed = _packed(np.repeat(plan.rank_of_term, np.diff(old.bounds)), plan.number_of_row[old.documents],
                     old.frequencies, document_bits)
    if not plan.in_order:
        _sort(packed, checkpoint)
    packed = np.insert(packed, np.searchsorted(packed, added), added)  # both sorted: a merge
    return _unpacked(packed, term_count, document_bits, lengths)


def _reranked(old: FieldPostings, rank_of_term: np.ndarray, term_count: int) -> np.ndarray:
    """The bounds of the old postings once their terms have their new ranks (in the same order)."""
    counts = np.zeros(term_count, dtype=np.int64)
    present = np.flatnonzero(np.diff(old.bounds))
    counts[rank_of_term[present]] = np.diff(old.bounds)[present]
    return _starts(counts)


def _appended(old: FieldPostings, old_bounds: np.ndarray, added: FieldPostings) -> FieldPostings:
    """The old postings (bounds: old_bounds), then after each term's those added, of documents
    numbered after all old ones."""
    if not len(old.documents):
        return added
    if not len(added.documents):
        return FieldPostings(old_bounds, old.documents, old.frequencies, added.lengths)
    at = np.repeat(old_bounds[1:], np.diff(added.bounds))  # per posting added, where its term's old ones end
    return FieldPostings(old_bounds + added.bounds, np.insert(old.documents, at, added.documents),
                         np.insert(old.frequencies, at, added.frequencies), added.lengths)


def _packed(terms: np.ndarray, documents: np.ndarray, frequencies: np.ndarray, document_bits: int) -> np.ndarray:
    """Each posting as one int64 that sorts in index order, made in place (they are many): in terms'
    array when it is an int64 one. Postings whose document is -1 (left out) are left out, once
    packed: one copy of the packed postings, where leaving them out first copied all three columns
    (a 9-million-posting field at 80,000 papers: 180 MB, beside the columns themselves)."""
    packed = terms.astype(np.int64, copy=False)
    packed <<= document_bits
    packed |= documents  # a -1 sets every bit: such postings are dropped below
    packed <<= FREQUENCY_BITS
    packed |= frequencies
    kept = documents >= 0
    return packed if kept.all() else packed[kept]


def _packed_new(made: NewField, plan: _Plan, document_bits: int) -> np.ndarray:
    """_packed of the new documents' postings, made PACK_PIECE documents at a time into one array:
    beside the documents' own columns, no temporary is as large as it (at 80,000 papers the
    abstracts' ranks and document numbers were 100 MB more at the peak of the search process)."""
    ends = np.cumsum(made.counts)
    packed = np.empty(int(made.counts[plan.number_of_new >= 0].sum()), dtype=np.int64)
    filled = 0
    for first in range(0, len(made.counts), PACK_PIECE):
        last = min(first + PACK_PIECE, len(made.counts))
        postings = slice(int(ends[first] - made.counts[first]), int(ends[last - 1]))
        # Document numbers (-1: left out) fit in int32: repeated as such, half the memory of int64.
        piece = _packed(plan.rank_of_new_term[made.terms[postings]],
                        np.repeat(plan.number_of_new[first:last].astype(np.int32), made.counts[first:last]),
                        made.frequencies[postings], document_bits)
        packed[filled:filled + len(piece)] = piece
        filled += len(piece)
    return packed


def _unpacked(packed: np.ndarray, term_count: int, document_bits: int, lengths: np.ndarray) -> FieldPostings:
    """The postings of _packed, sorted (packed is overwritten)."""
    bounds = np.searchsorted(packed, np.arange(term_count + 1, dtype=np.int64) << (document_bits + FREQUENCY_BITS))
    frequencies = packed.astype(TERM_ID)  # the low 32 bits: no int64 temporary (70 MB at 80,000 papers)
    frequencies &= MAX_LENGTH
    packed >>= FREQUENCY_BITS
    packed &= (1 << document_bits) - 1
    return FieldPostings(bounds, packed.astype(TERM_ID), frequencies, lengths)


def _sort(packed: np.ndarray, checkpoint: Callable[[], None]) -> None:
    """Sorts in place, SORT_PIECE at a time."""
    if len(packed) <= SORT_PIECE:
        packed.sort()
        return
    for start in range(0, len(packed), SORT_PIECE):
        packed[start:start + SORT_PIECE].sort()
        checkpoint()
    packed.sort(kind="stable")  # timsort: merges the sorted runs, ~0.1 s


def _starts(counts: np.ndarray) -> np.ndarray:
    starts = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    return starts
