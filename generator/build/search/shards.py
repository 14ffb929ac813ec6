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
import json
import zlib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

MIN_SHARD_CHARS = 20_000  # estimated JSON characters; ~6 KB gzipped
MAX_SHARD_CHARS = 80_000  # one term's postings may still exceed it, alone in its shard
BOUNDARY_ODDS = 128  # after MIN_SHARD_CHARS, one term in BOUNDARY_ODDS ends a shard


# A posting packed in one int, one append per posting (the inversion is the slow part of the
# build): ((document << 20 | field length) << 20) | term frequency.
_BITS = 20
_MASK = (1 << _BITS) - 1

Postings = dict[str, list[list[int] | None]]  # term -> per field its packed postings (None: absent)


@dataclass(frozen=True)
class Shard:
    key: str  # the shortest prefix of its first term that sorts after the previous shard's last term
    name: str  # the file is search/s/<name>.json: a hash of its bytes
    data: bytes


def invert(field_counts: Sequence[Sequence[tuple[dict[str, int], int]]], field_count: int) -> Postings:
    """Documents' (term counts, length) per field -> term postings, documents in order."""
    per_field: list[dict[str, list[int]]] = [defaultdict(list) for _ in range(field_count)]
    for doc, fields in enumerate(field_counts):
        for lists, (counts, length) in zip(per_field, fields):
            if length > _MASK:
                raise ValueError(f"document {doc} has a field of {length} terms, more than {_MASK}")
            packed = (doc << _BITS | length) << _BITS
            for term, frequency in counts.items():
                lists[term].append(packed | frequency)
    postings: Postings = {}
    for field, lists in enumerate(per_field):
        for term, packed_postings in lists.items():
            postings.setdefault(term, [None] * field_count)[field] = packed_postings
    return postings


def encoded_field(packed: list[int]) -> list[object]:
    """[doc gaps, frequencies (0 when all are 1), field lengths]."""
    docs = [value >> 2 * _BITS for value in packed]
    gaps = [doc - previous for doc, previous in zip(docs, [0, *docs[:-1]])]
    frequencies = [value & _MASK for value in packed]
    lengths = [value >> _BITS & _MASK for value in packed]
    return [gaps, frequencies if max(frequencies) > 1 else 0, lengths]


def js_order(term: str) -> bytes:
    """Sort key giving JavaScript's string order (UTF-16 code units), which search.js relies on."""
    return term.encode("utf-16-be", "surrogatepass")


def make_shards(postings: Postings, sorted_terms: list[str]) -> list[Shard]:
    """The shards in term order (sorted_terms: the terms of postings by js_order); shard i holds
    the terms from its key up to shard i+1's key."""
    shards: list[Shard] = []
    previous_last = ""
    for chunk in _chunks(sorted_terms, postings):
        entries = [[term, *(encoded_field(packed) if packed else 0 for packed in postings[term])] for term in chunk]
        data = json.dumps(entries, ensure_ascii=False, separators=(",", ":")).encode("utf-8")  # C-encoded at once
        shards.append(Shard(_separator(previous_last, chunk[0]) if shards else "", content_name(data), data))
        previous_last = chunk[-1]
    return shards


def _separator(before: str, term: str) -> str:
    """The shortest prefix of term that sorts after `before` (term sorts after it)."""
    for length in range(1, len(term) + 1):
        if js_order(term[:length]) > js_order(before):
            return term[:length]
    return term


def _chunks(terms: list[str], postings: Postings) -> Iterator[list[str]]:
    chunk: list[str] = []
    size = 0
    for term in terms:
        if chunk and (size >= MAX_SHARD_CHARS or (size >= MIN_SHARD_CHARS and _ends_shard(term))):
            yield chunk
            chunk, size = [], 0
        chunk.append(term)
        size += _estimated_chars(term, postings[term])
    if chunk:
        yield chunk


def _estimated_chars(term: str, by_field: list[list[int] | None]) -> int:
    """About the length of the term's JSON entry, without making it: ~10 characters a posting."""
    return len(term) + 8 + sum(10 * len(packed) + 8 for packed in by_field if packed)


def _ends_shard(term: str) -> bool:
    return zlib.crc32(term.encode("utf-8")) % BOUNDARY_ODDS == 0


def content_name(data: bytes) -> str:
    """A name (the file's is <name>.json) that changes whenever the bytes do, so a reader never
    mixes two builds: 48 bits of SHA-256."""
    return hashlib.sha256(data).hexdigest()[:12]
