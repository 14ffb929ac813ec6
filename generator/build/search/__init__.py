"""Papers -> the search files: a manifest, term shards, a vocabulary and one fragment per paper.

The browser runs lunr.js 2.3.9 (vendored, unchanged) on a small lunr.Index that search.js
assembles per query from the manifest and the shards of the query's terms; its scores are
those of one lunr.js index over the same fields (tests/test_search_node.py checks that).

    search/index.json          the manifest: fields and boosts, document count, total field
                               lengths (for BM25's average), which shard starts at which term,
                               documents per first featured day (for "Newest first")
    search/s/<hash>.json       term shards (shards.py), named by their bytes
    search/v/<hash>.json       every term, sorted: fuzzy (~) and leading-wildcard queries only
    search/f/<folder>/<number>.json   what a result shows (fragments.py); FRAGMENTS_PER_FOLDER a folder

Terms come from terms.py, whose rules search.js mirrors for queries. What the index needs of each
paper (its terms, field lengths and fragment: documents.py) is a pure function of the paper's texts,
and tokenizing is most of a cold build, so build_search_files(papers, topics, cache_file=path)
keeps it in that file between builds (term_cache.py: keyed by a digest of the paper, made stale by
any change to the code that makes it; a corrupt file is ignored and written again). Without
cache_file it is kept in the process only. postings.py updates the last build's inverted index
with this build's papers, shards.py writes the shards.
"""
from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Generator, Iterable, Iterator
from pathlib import Path

import numpy as np

from generator.build.search import documents
from generator.build.search.documents import FIELDS
from generator.build.search.documents import field_texts as field_texts  # for the tests
from generator.build.search.postings import Index
from generator.build.search.shards import content_name, make_shards
from generator.build.search.term_cache import TermCache
from generator.content.schema import Paper
from generator.content.taxonomy import Topic, TopicNames
from generator.files import Output, Remade, output_bytes
from generator.heap import gc_paused
from generator.jsonout import compact_json, compact_json_with_floats

MANIFEST_PATH = "search/index.json"
INDEX_PATH = MANIFEST_PATH
FORMAT = 3  # bumped whenever search.js can no longer read the files
# Netlify refuses to deploy a folder of more than 54,000 entries, so fragments are in folders of
# this many: document d's is search/f/<d // FRAGMENTS_PER_FOLDER>/<d>.json (fragment_path).
FRAGMENTS_PER_FOLDER = 1000
# Bytes of fragment files a build keeps of those it made (MadeFragments): making them again was
# 1.5 % of a full build's CPU at 9,877 papers (16 MB of fragments).
FRAGMENT_BYTES_KEPT = 32 << 20
LUNR_VERSION = "2.3.9"
# lunr.js's BM25 parameters (lunr.Builder's defaults).
K1, B = 1.2, 0.75


class SearchCancelled(Exception):
    """should_stop said to stop: the dev server has a newer edit to show first."""


def build_search_files(papers: Iterable[Paper], topics: Iterable[Topic], cache_file: Path | None = None,
                       should_stop: Callable[[], bool] | None = None) -> dict[str, bytes]:
    """{site-relative path: bytes} of every search file; the same papers give the same bytes.
    cache_file, when given, keeps the papers' terms between builds (term_cache.py).
    should_stop is asked every few hundred papers and between the steps; True raises SearchCancelled."""
    return {path: output_bytes(data) for path, data in search_file_stream(papers, topics, cache_file, should_stop)}


def search_file_stream(papers: Iterable[Paper], topics: Iterable[Topic], cache_file: Path | None = None,
                       should_stop: Callable[[], bool] | None = None) -> Iterator[tuple[str, Output]]:
    """build_search_files' files as (path, bytes), made one after another: the shards need not all
    be in memory at once (100 MB at 80,000 papers), nor then also in a dict. The fragments come as
    Remade: their digests are known, and most builds need not make them again."""
    with gc_paused():  # millions of small objects, none of them cyclic
        yield from _search_files(papers, topics, TermCache(cache_file), should_stop)


def _search_files(papers: Iterable[Paper], topics: Iterable[Topic], cache: TermCache,
                  should_stop: Callable[[], bool] | None) -> Iterator[tuple[str, Output]]:
    def checkpoint() -> None:  # no step between two of them is longer than ~0.3 s at 80,000 papers
        if should_stop is not None and should_stop():
            raise SearchCancelled

    topic_names = TopicNames(topics)
    # Papers are numbered by first featured day, so a new day's papers take new numbers and the
    # fragments of the others keep theirs.
    ordered = sorted(papers, key=lambda paper: (paper.first_featured, paper.slug))
    stoppable = should_stop is not None
    made = MadeFragments(written_now=not stoppable)
    index = yield from made.files(cache.index(ordered, topic_names, checkpoint, stoppable=stoppable))
    cache.keep(index)
    shard_names = []
    for shard in make_shards(index.vocabulary, index.fields, checkpoint):
        yield f"search/s/{shard.name}.json", shard.data
        shard_names.append([shard.key, shard.name])
    vocabulary = compact_json(index.vocabulary)
    yield f"search/v/{content_name(vocabulary)}.json", vocabulary
    yield from _fragments(ordered, topic_names, index, made)
    yield MANIFEST_PATH, compact_json_with_floats({  # k1 and b
        "format": FORMAT,
        "lunr": LUNR_VERSION,
        "fields": [list(field) for field in FIELDS],
        "k1": K1,
        "b": B,
        "documents": len(ordered),
        "fragmentsPerFolder": FRAGMENTS_PER_FOLDER,
        "fieldLengths": [int(field.lengths.sum(dtype=np.int64)) for field in index.fields],
        "shards": shard_names,
        "vocabulary": content_name(vocabulary),
        "dayCounts": day_counts(ordered),
    })


def day_counts(ordered: list[Paper]) -> list[int]:
    """How many documents each first featured day numbers, oldest day first: with the documents
    numbered by that day, what search.js needs to list results newest first (each day's best
    match first) without fetching their fragments: 580 numbers at 9,877 papers, 656 bytes of the
    manifest gzipped; 592 at 80,304 papers, 956 bytes."""
    return [len(list(papers)) for _, papers in itertools.groupby(ordered, key=lambda paper: paper.first_featured)]


class MadeFragments:
    """The fragment files of the papers an index is making: kept, up to FRAGMENT_BYTES_KEPT, to be
    written after the shards. Past it, a build that cannot be stopped (the command line's) writes
    each as it is made, where making it again took 1.6 s at 80,000 papers (124 MB of fragments);
    one that may be stopped (the dev server's) writes its search files only once the index is
    whole, and makes those again. Kept, they are written in a stretch of their own, as before:
    written as made, a 9,877-paper build seemed 0.3 s of CPU slower in alternating runs, a
    difference that vanished with the runs' order swapped (bench/RESULTS.md)."""

    def __init__(self, written_now: bool):
        self.written_now = written_now
        self.written: set[int] = set()  # document numbers
        self.kept: dict[str, bytes] = {}  # by digest
        self._kept_bytes = 0

    def files(self, indexing: Generator[tuple[int, documents.Made], None, Index]
              ) -> Generator[tuple[str, Output], None, Index]:
        """Runs the indexing: the fragment files written now, as they are made; the index."""
        while True:
            try:
                number, data = next(indexing)
            except StopIteration as done:
                index: Index = done.value
                return index
            if self._kept_bytes + len(data.fragment) <= FRAGMENT_BYTES_KEPT:
                self.kept[data.fragment_digest] = data.fragment
                self._kept_bytes += len(data.fragment)
            elif self.written_now:
                self.written.add(number)
                yield fragment_path(number), Remade(data.fragment_digest, functools.partial(bytes, data.fragment))


def _fragments(ordered: list[Paper], topic_names: TopicNames, index: Index,
               made: MadeFragments) -> Iterator[tuple[str, Remade]]:
    """Document d's fragment file, fragment_path(d): its paper's (index numbers them in order),
    unless it was written as it was made."""
    lengths = np.column_stack([field.lengths for field in index.fields]).tolist()  # per document
    for number, (paper, digest) in enumerate(zip(ordered, index.fragment_digests)):
        if number in made.written:
            continue
        kept = made.kept.pop(digest, None)
        if kept is None:
            make = functools.partial(documents.remade_fragment, paper, topic_names, lengths[number])
        else:
            make = functools.partial(bytes, kept)  # bytes(b) is b itself: no copy
        yield fragment_path(number), Remade(digest, make)


def fragment_path(number: int) -> str:
    """The site-relative path of document `number`'s fragment (search.js's Store.fragment)."""
    return f"search/f/{number // FRAGMENTS_PER_FOLDER}/{number}.json"
