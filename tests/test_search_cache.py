"""build_search_files(..., cache_file=): the last build's index kept between builds (search/term_cache.py)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import tracemalloc
import weakref
from pathlib import Path

import numpy as np
import pytest
from search_support import TOPICS, checkpoints_asked, corpus_papers_1000, make_paper, stop_at

from generator.build import search
from generator.build.search import documents, postings, shards, term_cache, terms
from generator.build.search.documents import FIELDS, KEY_BYTES
from generator.build.sitefiles import write_changed
from generator.build.staging import StagedSite
from generator.cache import bytes_digest
from generator.content.schema import Link
from generator.content.taxonomy import TopicNames
from generator.files import Remade


@pytest.fixture
def papers():
    return corpus_papers_1000()[:200]


@pytest.fixture(autouse=True)
def new_process():
    """Each build starts with nothing in memory, as a new `digest build` would."""
    term_cache.forget()
    yield
    term_cache.forget()


def cold_build(papers, topics=TOPICS) -> dict[str, bytes]:
    term_cache.forget()
    files = search.build_search_files(papers, topics)
    term_cache.forget()
    return files


def test_a_warm_cache_gives_the_bytes_of_a_cold_build(papers, tmp_path: Path):
    cache = tmp_path / ".cache" / "search-index.bin"
    cold = cold_build(papers)
    assert search.build_search_files(papers, TOPICS, cache_file=cache) == cold
    assert len(term_cache._load(cache)) == len(papers)
    term_cache.forget()
    written = cache.stat().st_mtime_ns
    assert search.build_search_files(papers, TOPICS, cache_file=cache) == cold
    assert cache.stat().st_mtime_ns == written  # nothing new: not written again


def test_terms_come_from_the_cache_file(papers, tmp_path: Path, monkeypatch):
    cache = tmp_path / "terms.json"
    search.build_search_files(papers, TOPICS, cache_file=cache)
    term_cache.forget()
    monkeypatch.setattr(documents, "made", lambda paper, names: pytest.fail("tokenized a cached paper"))
    search.build_search_files(papers, TOPICS, cache_file=cache)


def test_a_changed_paper_is_tokenized_again(papers, tmp_path: Path):
    cache = tmp_path / "terms.json"
    search.build_search_files(papers, TOPICS, cache_file=cache)
    edited = list(papers)
    edited[5] = dataclasses.replace(papers[5], body=papers[5].body + " Zeppelinophobia")
    term_cache.forget()
    warm = search.build_search_files(edited, TOPICS, cache_file=cache)
    assert warm == cold_build(edited)
    assert "zeppelinophobia" in json.loads(warm[f"search/v/{json.loads(warm[search.MANIFEST_PATH])['vocabulary']}.json"])


def test_appended_papers_keep_the_fragments_of_the_others(papers, tmp_path: Path):
    cache = tmp_path / "terms.json"
    ordered = sorted(papers, key=lambda paper: (paper.first_featured, paper.slug))
    before = search.build_search_files(ordered[:-20], TOPICS, cache_file=cache)
    term_cache.forget()
    after = search.build_search_files(ordered, TOPICS, cache_file=cache)
    assert {path: data for path, data in after.items() if path in before and path.startswith("search/f/")} == {
        path: data for path, data in before.items() if path.startswith("search/f/")}


def _earlier(paper, days: int):
    return dataclasses.replace(paper, featured=(paper.first_featured - dt.timedelta(days=days),))


ROW_FACTS = {  # what a result row shows and search does not index: its terms stay
    "upvotes": lambda number: {"upvotes": number},
    "organization": lambda number: {"organization": f"Lab {number}"},
    "AI summary": lambda number: {"ai_summary": f"Summary {number}."},
    "code link": lambda number: {"links": (Link(f"https://github.com/example/{number}", "code"),)},
}


EDITS = {
    "new day": lambda papers: [*papers, make_paper("Zeta Prime Routing", "A brand new sparse router.", "2031-01-02")],
    "removed": lambda papers: papers[:40] + papers[45:120] + papers[121:],
    "inserted before others": lambda papers: [make_paper("Early Bird", "Qwen2.5 wakes up.", "2001-01-01"), *papers],
    "moved earlier": lambda papers: [_earlier(paper, 400) if number % 17 == 0 else paper
                                     for number, paper in enumerate(papers)],
    "topic renamed": lambda papers: papers,
    "the same": lambda papers: papers,
    "none left": lambda papers: [],
}


@pytest.mark.parametrize("kept", ["in memory", "in the file"])
@pytest.mark.parametrize("edit", list(EDITS))
def test_an_updated_index_gives_the_bytes_of_a_cold_build(papers, tmp_path: Path, edit, kept):
    cache = tmp_path / "terms.json"
    search.build_search_files(papers, TOPICS, cache_file=cache)
    if kept == "in the file":
        term_cache.forget()
    topics = [dataclasses.replace(topic, name=topic.name + " & Co") if topic.slug == "llm" else topic
              for topic in TOPICS] if edit == "topic renamed" else TOPICS
    changed = EDITS[edit](papers)
    assert search.build_search_files(changed, topics, cache_file=cache) == cold_build(changed, topics)


def test_terms_beyond_the_basic_plane_sort_as_javascript_sorts_them(papers, tmp_path: Path):
    # U+FA0E sorts after U+20000 in Python (code points) but before it in JavaScript (UTF-16 units).
    cache = tmp_path / "terms.json"
    odd = [make_paper("\ufa0e compat ideograph", "x", "2030-01-01"), make_paper("\U00020000 ideograph", "y", "2030-01-01")]
    search.build_search_files(papers + odd[:1], TOPICS, cache_file=cache)
    term_cache.forget()
    files = search.build_search_files(papers + odd, TOPICS, cache_file=cache)
    assert files == cold_build(papers + odd)
    words = json.loads(files[f"search/v/{json.loads(files[search.MANIFEST_PATH])['vocabulary']}.json"])
    assert words == sorted(words, key=shards.js_order) and words.index("\U00020000") < words.index("\ufa0e")


def test_a_stopped_build_keeps_the_papers_it_made(papers, monkeypatch):
    made = []
    real_made = documents.made
    monkeypatch.setattr(documents, "made", lambda paper, names: made.append(paper.slug) or real_made(paper, names))
    papers_read = 1 + -(-len(papers) // term_cache.CHECK_EVERY)  # the checks before and while reading papers
    calls = iter(range(1, 1000))
    with pytest.raises(search.SearchCancelled):
        search.build_search_files(papers, TOPICS, should_stop=lambda: next(calls) > papers_read)
    assert len(made) == len(papers)
    files = search.build_search_files(papers[10:], TOPICS)
    assert len(made) == len(papers)  # none made again
    assert files == cold_build(papers[10:])


def test_documents_taken_in_another_order_are_sorted_again(papers):
    # Papers keep their relative order from build to build, so the old postings stay sorted; were
    # they to move, updated() sorts them again.
    names = TopicNames(TOPICS)
    new = documents.NewDocuments()
    for paper in papers:
        new.add(documents.paper_key(paper, names), documents.made(paper, names))
    forward = postings.updated(postings.empty_index(), -np.arange(len(papers)) - 1, new, lambda: None)
    backward = np.arange(len(papers))[::-1].copy()
    reordered = postings.updated(forward, backward, documents.NewDocuments(), lambda: None)
    made_backward = postings.updated(postings.empty_index(), -backward - 1, new, lambda: None)
    assert reordered.vocabulary == made_backward.vocabulary and reordered.keys == made_backward.keys
    assert reordered.fragment_digests == made_backward.fragment_digests
    for field, expected in zip(reordered.fields, made_backward.fields):
        for name in ("bounds", "documents", "frequencies", "lengths"):
            assert np.array_equal(getattr(field, name), getattr(expected, name)), name


def _sections(data: bytes) -> dict[str, int]:
    """Where each section of a cache file starts."""
    header_end = data.index(b"\n", len(term_cache.MAGIC)) + 1
    header = json.loads(data[len(term_cache.MAGIC):header_end])
    count, terms = header["documents"], header["terms"]
    starts = {"keys": header_end, "fragment digests": header_end + count * KEY_BYTES}
    position = starts["fragment digests"] + term_cache.DIGEST_BYTES * count
    for number, field_postings in enumerate(header["field_postings"]):
        sizes = (("lengths", count), ("counts", terms), ("documents", field_postings), ("frequencies", field_postings))
        for name, size in sizes:
            starts[f"{name} {number}"] = position
            position += 4 * size
    return starts


def _second_posting_of_a_common_term(data: bytes) -> int:
    """Where the second document of the first abstract term with two documents or more is."""
    sections = _sections(data)
    counts, skipped = sections["counts 1"], 0
    while (count := int.from_bytes(data[counts:counts + 4], "little")) < 2:
        counts, skipped = counts + 4, skipped + count
    return sections["documents 1"] + 4 * (skipped + 1)


def _with_number(data: bytes, at: int, number: int) -> bytes:
    return data[:at] + number.to_bytes(4, "little") + data[at + 4:]


CORRUPTIONS = {
    "empty": lambda data: b"",
    "not JSON": lambda data: b"{not json",
    "not UTF-8": lambda data: b"\xff\xfe",
    "JSON list": lambda data: b"[]",
    "the JSON format of before": lambda data: json.dumps(
        {"version": "0123456789abcdef", "papers": {"ab" * 16: [["word other", [2]]] * len(FIELDS)}}).encode(),
    "a header of another version": lambda data: data.replace(term_cache.version().encode(), b"0" * 16, 1),
    "a header of other sizes": lambda data: data.replace(b'"documents": ', b'"documents": 1', 1),
    "truncated": lambda data: data[:len(data) // 2],
    "one byte longer": lambda data: data + b"x",
    "a document out of range": lambda data: _with_number(data, _sections(data)["documents 1"], 10 ** 6),
    "documents out of order": lambda data: _with_number(data, _second_posting_of_a_common_term(data), 0),
    "a frequency of 0": lambda data: _with_number(data, _sections(data)["frequencies 1"], 0),
    "a field length off": lambda data: _with_number(data, _sections(data)["lengths 0"], 99),
    "term counts off": lambda data: _with_number(data, _sections(data)["counts 0"], 10 ** 6),
}


@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_a_corrupt_or_old_cache_file_is_ignored_and_made_again(papers, tmp_path: Path, corruption, monkeypatch):
    cache = tmp_path / "terms.json"
    cold = cold_build(papers)
    search.build_search_files(papers, TOPICS, cache_file=cache)
    cache.write_bytes(CORRUPTIONS[corruption](cache.read_bytes()))
    term_cache.forget()
    assert term_cache._load(cache) is None
    assert search.build_search_files(papers, TOPICS, cache_file=cache) == cold
    term_cache.forget()
    monkeypatch.setattr(documents, "made", lambda paper, names: pytest.fail("the cache file was not made again"))
    assert search.build_search_files(papers, TOPICS, cache_file=cache) == cold


def test_the_file_is_rewritten_only_when_more_than_one_percent_of_papers_differ(papers, tmp_path: Path, monkeypatch):
    cache = tmp_path / "terms.json"
    search.build_search_files(papers, TOPICS, cache_file=cache)
    written = cache.stat().st_mtime_ns
    one_edit = list(papers)
    one_edit[5] = dataclasses.replace(papers[5], body=papers[5].body + " Zeppelinophobia")
    # A dev-server edit: every other paper is in memory, so the file is neither read nor written.
    monkeypatch.setattr(term_cache, "_load", lambda path: pytest.fail("read the cache file for one edit"))
    search.build_search_files(one_edit, TOPICS, cache_file=cache)
    monkeypatch.undo()
    assert cache.stat().st_mtime_ns == written
    term_cache.forget()  # a new process, with 3 of 200 papers (1.5%) new
    three_edits = [dataclasses.replace(paper, body=paper.body + " Zeppelinophobia") if number < 3 else paper
                   for number, paper in enumerate(papers)]
    search.build_search_files(three_edits, TOPICS, cache_file=cache)
    assert cache.stat().st_mtime_ns != written


ODD_BODIES = [
    make_paper("Spaced  Out", "An abstract\nover two lines,  with  doubled spaces.", "2030-02-01"),
    make_paper("Escaped Stars", r"Uses \*literal\* stars and a \_ mark.", "2030-02-01"),
    make_paper("Ünïcode Title", "Ça marche: naïve café résumé ✓.", "2030-02-02", authors=("Zoë Ø", "A. B.")),
]


@pytest.mark.parametrize("kept", ["made now", "in the file"])
def test_a_fragment_made_again_is_the_one_its_digest_was_taken_of(papers, tmp_path: Path, kept):
    cache = tmp_path / "search-index.bin"
    if kept == "in the file":
        search.build_search_files(papers + ODD_BODIES, TOPICS, cache_file=cache)
        term_cache.forget()
    fragments = [(path, data) for path, data in search.search_file_stream(papers + ODD_BODIES, TOPICS, cache)
                 if path.startswith("search/f/")]
    assert len(fragments) == len(papers) + len(ODD_BODIES)
    for path, data in fragments:
        assert bytes_digest(data.make()) == data.digest, path
    shown = {fragment["t"]: fragment for fragment in (json.loads(data.make()) for _, data in fragments[-3:])}
    assert shown["Spaced  Out"]["x"] == "An abstract over two lines, with doubled spaces."
    assert shown["Escaped Stars"]["x"] == "Uses *literal* stars and a _ mark."
    assert shown["Ünïcode Title"]["a"] == ["Zoë Ø", "A. B."]


@pytest.mark.parametrize("fact", ROW_FACTS)
@pytest.mark.parametrize("kept", ["in memory", "in the file"])
def test_new_upvotes_organization_or_links_give_their_fragments_new_digests(papers, tmp_path: Path, kept, fact):
    """A result row shows them, and a build writes a fragment again only when its digest changed."""
    cache = tmp_path / "search-index.bin"
    search.build_search_files(papers, TOPICS, cache_file=cache)
    if kept == "in the file":
        term_cache.forget()
    changed = [dataclasses.replace(paper, **ROW_FACTS[fact](number)) if number % 9 == 0 else paper
               for number, paper in enumerate(papers)]
    digests = {path: data.digest for path, data in search.search_file_stream(changed, TOPICS, cache)
               if path.startswith("search/f/") and isinstance(data, Remade)}
    assert digests == {path: bytes_digest(data) for path, data in cold_build(changed).items()
                       if path.startswith("search/f/")}


def test_a_build_makes_only_the_fragments_its_record_lacks(papers, tmp_path: Path, monkeypatch):
    # A new day's papers come after the others: the others' fragments keep their numbers and bytes.
    cache = tmp_path / "search-index.bin"
    ordered = sorted(papers, key=lambda paper: (paper.first_featured, paper.slug))
    staged = StagedSite(tmp_path / "site")
    known, _ = write_changed(search.search_file_stream(ordered[:-3], TOPICS, cache), staged, None)
    term_cache.forget()
    made = []
    real = documents.fragment
    monkeypatch.setattr(documents, "fragment", lambda paper, *rest: made.append(paper.slug) or real(paper, *rest))
    digests, written = write_changed(search.search_file_stream(ordered, TOPICS, cache), StagedSite(tmp_path / "site"), known)
    assert sorted(made) == sorted(paper.slug for paper in ordered[-3:])  # each made once: kept from tokenizing
    assert [path for path in written if path.startswith("search/f/")] == sorted(
        search.fragment_path(number) for number in range(len(ordered) - 3, len(ordered)))
    assert digests == {path: bytes_digest(data) for path, data in cold_build(ordered).items()}


@pytest.mark.parametrize("stoppable", [False, True])
def test_fragments_are_written_as_made_or_beyond_the_kept_bytes_made_again_the_same(papers, monkeypatch, stoppable):
    """Both keep the fragments they made up to FRAGMENT_BYTES_KEPT; past it, a command-line build,
    which cannot be stopped, writes each as it is made, and a dev-server build makes it again."""
    ordered = sorted(papers, key=lambda paper: (paper.first_featured, paper.slug))
    expected = cold_build(ordered)
    term_cache.forget()
    first_two = sum(len(expected[search.fragment_path(number)]) for number in range(2))
    monkeypatch.setattr(search, "FRAGMENT_BYTES_KEPT", first_two)
    made = []
    real = documents.fragment
    monkeypatch.setattr(documents, "fragment", lambda paper, *rest: made.append(paper.slug) or real(paper, *rest))
    files = search.build_search_files(ordered, TOPICS, should_stop=(lambda: False) if stoppable else None)
    assert files == expected
    made_again = [paper.slug for paper in ordered[2:]] if stoppable else []
    assert sorted(made) == sorted([paper.slug for paper in ordered] + made_again)


def test_a_build_stopped_while_indexing_then_given_a_new_paper_gives_a_cold_builds_bytes(papers):
    # A stop after the documents were made keeps them (some of their columns already numpy arrays):
    # the next build adds its new paper to them.
    new_paper = make_paper("Zeta Prime Routing", "A brand new sparse router.", "2031-01-02")
    expected = cold_build([*papers, new_paper])
    asked = checkpoints_asked(papers)
    papers_read = 1 + -(-len(papers) // term_cache.CHECK_EVERY)
    for call in range(papers_read + 1, asked + 1):
        term_cache.forget()
        with pytest.raises(search.SearchCancelled):
            search.build_search_files(papers, TOPICS, should_stop=stop_at(call))
        assert search.build_search_files([*papers, new_paper], TOPICS) == expected, call


def test_a_build_lets_its_tokenizing_memos_go(papers):
    # A million entries at 80,000 papers, held while the index is made and by the dev server after.
    search.build_search_files(papers, TOPICS)
    assert not terms._token_terms_cache and not terms._stem_cache and not terms._group_forms_cache


def test_a_build_that_cannot_be_stopped_lets_its_new_columns_go_before_the_index_is_unpacked(papers, monkeypatch):
    # At 80,000 papers the abstracts' columns are 70 MB, which the search process held beside the
    # index's own arrays at its peak. A build that may be stopped keeps them (the test above).
    taken = []
    real_take_field = documents.NewDocuments.take_field

    def take_field(self, number):
        field = real_take_field(self, number)
        taken.extend(weakref.ref(column) for column in (field.terms, field.frequencies))
        return field

    alive_when_unpacked = []
    real_unpacked = postings._unpacked

    def unpacked(*args):
        alive_when_unpacked.append(sum(column() is not None for column in taken))
        return real_unpacked(*args)

    monkeypatch.setattr(documents.NewDocuments, "take_field", take_field)
    monkeypatch.setattr(postings, "_unpacked", unpacked)
    files = search.build_search_files(papers, TOPICS)
    assert taken and alive_when_unpacked == [0] * len(FIELDS)
    term_cache.forget()
    assert files == search.build_search_files(papers, TOPICS, should_stop=lambda: False)  # keeps them, same bytes


def test_an_update_that_leaves_documents_out_copies_their_postings_once():
    # A day that features papers again, or an edit in the preview, leaves their old documents out of
    # the last build's index. At 80,000 papers the abstracts hold 9 million postings (8 bytes each,
    # packed): leaving them out of each column before packing them took 325 MiB at updated()'s peak.
    terms_count, documents_count, per_term = 50_000, 20_000, 40
    step = documents_count // per_term
    documents_of_each = np.tile(np.arange(0, documents_count, step, dtype=documents.TERM_ID), terms_count)
    postings_count = len(documents_of_each)
    abstracts = postings.FieldPostings(np.arange(0, postings_count + 1, per_term, dtype=np.int64), documents_of_each,
                                       np.ones(postings_count, dtype=documents.TERM_ID),
                                       np.zeros(documents_count, dtype=documents.TERM_ID))
    nothing = postings.FieldPostings(np.zeros(terms_count + 1, dtype=np.int64), np.zeros(0, dtype=documents.TERM_ID),
                                     np.zeros(0, dtype=documents.TERM_ID), np.zeros(documents_count, dtype=documents.TERM_ID))
    fields = tuple(abstracts if name == "abstract" else nothing for name, _ in FIELDS)
    index = postings.Index([f"t{number:06d}" for number in range(terms_count)], [bytes(KEY_BYTES)] * documents_count,
                           ["0" * 32] * documents_count, fields)
    rows = np.arange(1, documents_count, dtype=np.int64)  # document 0 left out, the others one place earlier
    tracemalloc.start()
    try:
        updated = postings.updated(index, rows, documents.NewDocuments(), lambda: None)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    kept = updated.fields[FIELDS.index(("abstract", 1))]
    assert len(kept.documents) == postings_count - terms_count and kept.documents.max() == documents_of_each.max() - 1
    assert peak < 28 * postings_count  # packed once: 21 bytes a posting; each column filtered first: 37
