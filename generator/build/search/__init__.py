"""Papers -> the search files: a manifest, term shards, a vocabulary and one fragment per paper.

The browser runs lunr.js 2.3.9 (vendored, unchanged) on a small lunr.Index that search.js
assembles per query from the manifest and the shards of the query's terms; its scores are
those of one lunr.js index over the same fields (tests/test_search_node.py checks that).

    search/index.json          the manifest: fields and boosts, document count, total field
                               lengths (for BM25's average), which shard starts at which term
    search/s/<hash>.json       term shards (shards.py), named by their bytes
    search/v/<hash>.json       every term, sorted: fuzzy (~) and leading-wildcard queries only
    search/f/<number>.json     what a result shows (fragments.py)

Terms come from terms.py, whose rules search.js mirrors for queries. Tokenizing is most of a cold
build, so build_search_files(papers, topics, cache_file=path) keeps each paper's terms in that JSON
file between builds (term_cache.py: keyed by a hash of the paper's field texts, made stale by any
change to the tokenizer's code; a corrupt file is ignored and written again). Without cache_file
they are memoized in the process only. postings.py inverts the terms, shards.py writes the shards.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

from generator.build.search.fragments import fragment
from generator.build.search.postings import Inverter
from generator.build.search.shards import content_name, make_shards
from generator.build.search.term_cache import TermCache
from generator.content.markdown import plain_text
from generator.content.schema import Paper
from generator.content.taxonomy import Topic
from generator.heap import gc_paused

MANIFEST_PATH = "search/index.json"
INDEX_PATH = MANIFEST_PATH
FORMAT = 1  # bumped whenever search.js can no longer read the files
LUNR_VERSION = "2.3.9"
# (field, boost), chosen by recall at 9,877 papers (bench/RESULTS.md): title and topic names twice,
# the rest once. A title boost of 10 found fewer papers by their topic phrases (recall@10 0.538
# against 0.553) and by remembered abstract words (success@10 0.988 against 0.996).
FIELDS = (("title", 2), ("abstract", 1), ("author", 1), ("topic", 2), ("arxiv", 1))
# lunr.js's BM25 parameters (lunr.Builder's defaults).
K1, B = 1.2, 0.75


class SearchCancelled(Exception):
    """should_stop said to stop: the dev server has a newer edit to show first."""


def build_search_files(papers: Iterable[Paper], topics: Iterable[Topic], cache_file: Path | None = None,
                       should_stop: Callable[[], bool] | None = None) -> dict[str, bytes]:
    """{site-relative path: bytes} of every search file; the same papers give the same bytes.
    cache_file, when given, keeps the papers' terms between builds (term_cache.py). should_stop
    is asked every few hundred papers and between the steps; True raises SearchCancelled."""
    with gc_paused():  # millions of small objects, none of them cyclic
        return _search_files(papers, topics, TermCache(cache_file), should_stop or _never)


def _never() -> bool:
    return False


CHECK_EVERY = 500  # papers between two should_stop calls: a few milliseconds of work


def _search_files(papers: Iterable[Paper], topics: Iterable[Topic], cache: TermCache,
                  should_stop: Callable[[], bool]) -> dict[str, bytes]:
    def checkpoint() -> None:  # no step between two of them is longer than ~0.3 s at 80,000 papers
        if should_stop():
            raise SearchCancelled

    topic_names = {topic.slug: topic.name for topic in topics}
    # Papers are numbered by first featured day, so a new day's papers take new numbers and the
    # fragments of the others keep theirs.
    ordered = sorted(papers, key=lambda paper: (paper.first_featured, paper.slug))
    texts = []
    inverter = Inverter(len(FIELDS))
    for number, paper in enumerate(ordered):
        if number % CHECK_EVERY == 0:
            checkpoint()
        texts.append(field_texts(paper, topic_names))
        inverter.add(cache.document_terms(texts[-1]))
    cache.save()
    cache.forget_others()
    sorted_terms, postings = inverter.postings(checkpoint)
    shards = make_shards(sorted_terms, postings, checkpoint)
    vocabulary = _json(sorted_terms)
    files = {f"search/s/{shard.name}.json": shard.data for shard in shards}
    files[f"search/v/{content_name(vocabulary)}.json"] = vocabulary
    lengths = zip(*(field.lengths.tolist() for field in postings))
    for number, (paper, fields, field_lengths) in enumerate(zip(ordered, texts, lengths)):
        if number % CHECK_EVERY == 0:
            checkpoint()
        names = [topic_names.get(slug, slug) for slug in paper.topics]
        files[f"search/f/{number}.json"] = fragment(paper, fields[1], names, list(field_lengths))
    files[MANIFEST_PATH] = _json({
        "format": FORMAT,
        "lunr": LUNR_VERSION,
        "fields": [list(field) for field in FIELDS],
        "k1": K1,
        "b": B,
        "documents": len(ordered),
        "fieldLengths": [int(field.lengths.sum()) for field in postings],
        "shards": [[shard.key, shard.name] for shard in shards],
        "vocabulary": content_name(vocabulary),
    })
    return files


def field_texts(paper: Paper, topic_names: dict[str, str]) -> tuple[str, ...]:
    """The text of every field in FIELDS, in order."""
    names = (topic_names.get(slug, slug) for slug in paper.topics)
    return (paper.title, plain_text(paper.body), "\n".join(paper.authors), "\n".join(names), paper.arxiv_id)


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
