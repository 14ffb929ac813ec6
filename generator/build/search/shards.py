"""Postings -> term shards: the inverted index cut into files a browser fetches per query term.

Each shard holds a run of terms in sorted order with, for every field, the term's postings:
the documents (numbers, delta-coded), the term's frequency in each, and each document's field
length. That is all lunr.js's BM25 needs besides the document count and the average field
lengths, which the manifest holds; search.js computes the weights with lunr.js's formula, so
an edited paper changes only the shards of its own terms (and the manifest).

Shard boundaries are content-defined: once a shard has MIN_SHARD_CHARS, the next shard starts
at the first term whose hash says so (or at MAX_SHARD_CHARS), so a change in one shard does not
move the boundaries of the others; a shard's file name is a hash of its bytes.
"""
from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from json.encoder import encode_basestring
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from generator.build.search.postings import FieldPostings

MIN_SHARD_CHARS = 20_000  # estimated JSON characters; ~6 KB gzipped
MAX_SHARD_CHARS = 80_000  # one term's postings may still exceed it, alone in its shard
BOUNDARY_ODDS = 128  # after MIN_SHARD_CHARS, one term in BOUNDARY_ODDS ends a shard
GROUP_CHARS = 4_000_000  # estimated characters of the shards made at once: a checkpoint between two runs


@dataclass(frozen=True)
class Shard:
    key: str  # the shortest prefix of its first term that sorts after the previous shard's last term
    name: str  # the file is search/s/<name>.json: a hash of its bytes
    data: bytes


def js_order(term: str) -> bytes:
    """Sort key giving JavaScript's string order (UTF-16 code units), which search.js relies on."""
    return term.encode("utf-16-be", "surrogatepass")


def make_shards(sorted_terms: list[str], fields: Sequence[FieldPostings],
                checkpoint: Callable[[], None]) -> Iterator[Shard]:
    """The shards in term order (fields: each field's postings, terms ranked as in sorted_terms);
    shard i holds the terms from its key up to shard i+1's key. checkpoint is called between
    the steps (it may raise to stop).

    Made a run of shards at a time (GROUP_CHARS of text): the text of every term at once, and the
    decimal numbers it is cut from, took ~250 MB at 80,000 papers."""
    entry = "[" + ",".join(["{}"] * (len(fields) + 1)) + "]"
    numbers = _DecimalText(max((max(len(field.lengths), int(field.lengths.max(initial=0))) for field in fields), default=0))
    estimated = _estimated_chars(sorted_terms, fields)
    previous_last = ""
    first = True
    for group in _groups(_chunks(sorted_terms, estimated), estimated):
        offset, end = group[0][0], group[-1][1]
        field_json = []
        for field in fields:
            checkpoint()
            field_json.append(_field_json(_terms_of(field, offset, end), numbers))
        checkpoint()
        term_json = list(map(encode_basestring, sorted_terms[offset:end]))
        for start, stop in group:
            # The JSON text json.dumps would give each term's entry, made directly: most of it is numbers.
            entries = map(entry.format, term_json[start - offset:stop - offset],
                          *(texts[start - offset:stop - offset] for texts in field_json))
            data = ("[" + ",".join(entries) + "]").encode("utf-8")
            yield Shard("" if first else _separator(previous_last, sorted_terms[start]), content_name(data), data)
            previous_last, first = sorted_terms[stop - 1], False


def _groups(chunks: Iterable[tuple[int, int]], estimated_chars: list[int]) -> Iterator[list[tuple[int, int]]]:
    """Runs of consecutive shards, each of about GROUP_CHARS estimated characters or one shard."""
    group: list[tuple[int, int]] = []
    size = 0
    for start, stop in chunks:
        group.append((start, stop))
        size += sum(estimated_chars[start:stop])
        if size >= GROUP_CHARS:
            yield group
            group, size = [], 0
    if group:
        yield group


def _terms_of(field: FieldPostings, start: int, stop: int) -> FieldPostings:
    """The postings of the terms ranked start to stop (views, not copies), ranked from 0."""
    bounds = field.bounds[start:stop + 1]
    low, high = int(bounds[0]), int(bounds[-1])
    return replace(field, bounds=bounds - low, documents=field.documents[low:high], frequencies=field.frequencies[low:high])


def _field_json(field: FieldPostings, numbers: _DecimalText) -> list[str]:
    """Per term, the JSON of its postings in the field: [doc gaps, frequencies (0 when all are 1),
    field lengths], or 0 when the term is not in the field."""
    counts = np.diff(field.bounds)
    present = np.flatnonzero(counts)
    texts = ["0"] * len(counts)
    if not len(present):
        return texts
    starts, sizes = field.bounds[present], counts[present]
    frequency_lists = _frequency_lists(field.frequencies, starts, sizes, numbers)
    gaps = np.diff(field.documents, prepend=0)  # wrong from one term to the next (uint32 wraps), then:
    gaps[starts] = field.documents[starts]
    gap_lists = numbers.runs(gaps, sizes)
    del gaps
    length_lists = numbers.runs(field.lengths[field.documents], sizes)
    for term, gap_list, frequency_list, length_list in zip(present.tolist(), gap_lists, frequency_lists, length_lists):
        texts[term] = f"[[{gap_list}],{frequency_list},[{length_list}]]"
    return texts


def _frequency_lists(frequencies: np.ndarray, starts: np.ndarray, sizes: np.ndarray, numbers: _DecimalText) -> list[str]:
    """Per term of the field, the JSON of its frequencies, or 0 when they are all 1."""
    repeated = np.maximum.reduceat(frequencies, starts) > 1
    lists = ["0"] * len(starts)
    for term, numbers_text in zip(np.flatnonzero(repeated).tolist(),
                                  numbers.runs(frequencies[np.repeat(repeated, sizes)], sizes[repeated])):
        lists[term] = f"[{numbers_text}]"
    return lists


class _DecimalText:
    """Numbers from 0 to largest as text, for millions of them at once: numpy picks each number's
    text from a table, rather than Python making a string per number."""

    PIECE = 1_000_000  # numbers written at once: ~10 MB of scratch arrays

    def __init__(self, largest: int):
        texts = [f"{number}," for number in range(largest + 1)]
        self._widths = np.fromiter(map(len, texts), dtype=np.uint8, count=len(texts))
        self._table = np.array(texts, dtype=f"S{len(texts[-1])}")  # padded with NUL bytes

    def runs(self, values: np.ndarray, sizes: np.ndarray) -> Iterator[str]:
        """values cut in runs of `sizes` numbers: each run's numbers separated by commas."""
        text = "".join(self._text(values[start:start + self.PIECE]) for start in range(0, len(values), self.PIECE))
        if not len(sizes):
            return iter(())
        run_starts = np.zeros(len(sizes), dtype=np.int64)
        np.cumsum(sizes[:-1], out=run_starts[1:])
        ends = np.cumsum(np.add.reduceat(self._widths[values], run_starts, dtype=np.int64))
        begins = np.zeros(len(ends), dtype=np.int64)
        begins[1:] = ends[:-1]
        ends -= 1  # the comma after the run's last number
        return map(text.__getitem__, map(slice, begins.tolist(), ends.tolist()))

    def _text(self, values: np.ndarray) -> str:
        """Each value's decimal digits and a comma."""
        padded = self._table[values].view(np.uint8)
        text: str = padded[padded != 0].tobytes().decode("ascii")
        return text


def _estimated_chars(sorted_terms: list[str], fields: Sequence[FieldPostings]) -> list[int]:
    """About the length of each term's JSON entry, without making it: ~10 characters a posting."""
    estimate = np.fromiter(map(len, sorted_terms), dtype=np.int64, count=len(sorted_terms)) + 8
    for field in fields:
        postings = np.diff(field.bounds)
        estimate += np.where(postings > 0, 10 * postings + 8, 0)
    chars: list[int] = estimate.tolist()
    return chars


def _separator(before: str, term: str) -> str:
    """The shortest prefix of term that sorts after `before` (term sorts after it)."""
    for length in range(1, len(term) + 1):
        if js_order(term[:length]) > js_order(before):
            return term[:length]
    return term


def _chunks(terms: list[str], estimated_chars: list[int]) -> Iterator[tuple[int, int]]:
    """(start, stop) of each shard's terms."""
    start = size = 0
    for number, term in enumerate(terms):
        if number > start and (size >= MAX_SHARD_CHARS or (size >= MIN_SHARD_CHARS and _ends_shard(term))):
            yield start, number
            start, size = number, 0
        size += estimated_chars[number]
    if terms:
        yield start, len(terms)


def _ends_shard(term: str) -> bool:
    return zlib.crc32(term.encode("utf-8")) % BOUNDARY_ODDS == 0


def content_name(data: bytes) -> str:
    """A name (the file's is <name>.json) that changes whenever the bytes do, so a reader never
    mixes two builds: 48 bits of SHA-256."""
    return hashlib.sha256(data).hexdigest()[:12]
