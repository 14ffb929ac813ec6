"""Papers -> the search files: a manifest, term shards, a vocabulary and one fragment per paper.

The browser runs lunr.js 2.3.9 (vendored, unchanged) on a small lunr.Index that search.js
assembles per query from the manifest and the shards of the query's terms; its scores are
those of one lunr.js index over the same fields (tests/test_search_node.py checks that).

    search/index.json          the manifest: fields and boosts, document count, total field
                               lengths (for BM25's average), which shard starts at which term
    search/s/<hash>.json       term shards (shards.py), named by their bytes
    search/v/<hash>.json       every term, sorted: fuzzy (~) and leading-wildcard queries only
    search/f/<number>.json     what a result shows (fragments.py)

Terms come from terms.py, whose rules search.js mirrors for queries.
"""
from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Iterable, Iterator

from generator.build.search import terms
from generator.build.search.fragments import fragment
from generator.build.search.shards import content_name, invert, js_order, make_shards
from generator.content.markdown import plain_text
from generator.content.schema import Paper
from generator.content.taxonomy import Topic

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

FieldCounts = tuple[tuple[dict[str, int], int], ...]  # per field: ({term: frequency}, length)
_counts_memo: dict[tuple[str, ...], FieldCounts] = {}


def build_search_files(papers: Iterable[Paper], topics: Iterable[Topic]) -> dict[str, bytes]:
    """{site-relative path: bytes} of every search file; the same papers give the same bytes."""
    with _no_garbage_collection():  # millions of small lists and ints, none of them cyclic
        return _search_files(papers, topics)


@contextlib.contextmanager
def _no_garbage_collection() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _search_files(papers: Iterable[Paper], topics: Iterable[Topic]) -> dict[str, bytes]:
    topic_names = {topic.slug: topic.name for topic in topics}
    ordered = sorted(papers, key=lambda paper: (paper.first_featured, paper.slug))
    texts = [field_texts(paper, topic_names) for paper in ordered]
    counts = [field_counts(fields) for fields in texts]
    postings = invert(counts, len(FIELDS))
    sorted_terms = sorted(postings, key=js_order)
    shards = make_shards(postings, sorted_terms)
    vocabulary = _json(sorted_terms)
    files = {f"search/s/{shard.name}.json": shard.data for shard in shards}
    files[f"search/v/{content_name(vocabulary)}.json"] = vocabulary
    for number, (paper, fields, field_count) in enumerate(zip(ordered, texts, counts)):
        names = [topic_names.get(slug, slug) for slug in paper.topics]
        files[f"search/f/{number}.json"] = fragment(paper, fields[1], names, [length for _, length in field_count])
    files[MANIFEST_PATH] = _json({
        "format": FORMAT,
        "lunr": LUNR_VERSION,
        "fields": [list(field) for field in FIELDS],
        "k1": K1,
        "b": B,
        "documents": len(ordered),
        "fieldLengths": [sum(field_count[field][1] for field_count in counts) for field in range(len(FIELDS))],
        "shards": [[shard.key, shard.name] for shard in shards],
        "vocabulary": content_name(vocabulary),
    })
    return files


def field_texts(paper: Paper, topic_names: dict[str, str]) -> tuple[str, ...]:
    """The text of every field in FIELDS, in order."""
    names = (topic_names.get(slug, slug) for slug in paper.topics)
    return (paper.title, plain_text(paper.body), "\n".join(paper.authors), "\n".join(names), paper.arxiv_id)


def field_counts(texts: tuple[str, ...]) -> FieldCounts:
    """terms.term_counts of each field (the last, the arXiv id, whole); memoized, since the dev server re-indexes unchanged papers."""
    counts = _counts_memo.get(texts)
    if counts is None:
        if len(_counts_memo) >= terms.MEMO_LIMIT:
            _counts_memo.clear()
        *others, arxiv_id = texts
        counts = _counts_memo[texts] = (*map(terms.term_counts, others), _query_form_counts(arxiv_id))
    return counts


def _query_form_counts(text: str) -> tuple[dict[str, int], int]:
    """An arXiv id is indexed only as a reader types it ("2405.15738"): its parts alone would be
    ten thousand terms that no one looks up."""
    found = terms.query_terms(text)
    return dict.fromkeys(found, 1), len(found)


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
