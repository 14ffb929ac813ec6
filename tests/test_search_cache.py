"""build_search_files(..., cache_file=): papers' terms kept between builds (search/term_cache.py)."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from search_support import TOPICS, corpus_papers_1000

from generator.build import search
from generator.build.search import term_cache


@pytest.fixture
def papers():
    return corpus_papers_1000()[:200]


@pytest.fixture(autouse=True)
def new_process():
    """Each build starts with an empty memo, as a new `digest build` would."""
    term_cache._memo.clear()
    yield
    term_cache._memo.clear()


def test_a_warm_cache_gives_the_bytes_of_a_cold_build(papers, tmp_path: Path):
    cache = tmp_path / ".cache" / "search-terms.json"
    cold = search.build_search_files(papers, TOPICS)
    term_cache._memo.clear()
    assert search.build_search_files(papers, TOPICS, cache_file=cache) == cold
    stored = json.loads(cache.read_bytes())
    assert stored["version"] == term_cache.version() and len(stored["papers"]) == len(papers)
    term_cache._memo.clear()
    written = cache.stat().st_mtime_ns
    assert search.build_search_files(papers, TOPICS, cache_file=cache) == cold
    assert cache.stat().st_mtime_ns == written  # nothing new: not written again


def test_terms_come_from_the_cache_file(papers, tmp_path: Path, monkeypatch):
    cache = tmp_path / "terms.json"
    search.build_search_files(papers, TOPICS, cache_file=cache)
    term_cache._memo.clear()
    monkeypatch.setattr(term_cache, "_made", lambda texts: pytest.fail("tokenized a cached paper"))
    search.build_search_files(papers, TOPICS, cache_file=cache)


def test_a_changed_paper_is_tokenized_again(papers, tmp_path: Path):
    cache = tmp_path / "terms.json"
    search.build_search_files(papers, TOPICS, cache_file=cache)
    edited = list(papers)
    edited[5] = dataclasses.replace(papers[5], body=papers[5].body + " Zeppelinophobia")
    term_cache._memo.clear()
    warm = search.build_search_files(edited, TOPICS, cache_file=cache)
    term_cache._memo.clear()
    assert warm == search.build_search_files(edited, TOPICS)
    assert "zeppelinophobia" in json.loads(warm[f"search/v/{json.loads(warm[search.MANIFEST_PATH])['vocabulary']}.json"])
    assert len(json.loads(cache.read_bytes())["papers"]) == len(papers)  # the old entry is dropped


def test_appended_papers_keep_the_fragments_of_the_others(papers, tmp_path: Path):
    cache = tmp_path / "terms.json"
    ordered = sorted(papers, key=lambda paper: (paper.first_featured, paper.slug))
    before = search.build_search_files(ordered[:-20], TOPICS, cache_file=cache)
    term_cache._memo.clear()
    after = search.build_search_files(ordered, TOPICS, cache_file=cache)
    assert {path: data for path, data in after.items() if path in before and path.startswith("search/f/")} == {
        path: data for path, data in before.items() if path.startswith("search/f/")}


@pytest.mark.parametrize("content", [b"", b"{not json", b"\xff\xfe", b"[]", b'{"version": "old", "papers": {}}',
                                     "wrong shapes"])
def test_a_corrupt_cache_file_is_ignored_and_made_again(papers, tmp_path: Path, content, monkeypatch):
    cache = tmp_path / "terms.json"
    cold = search.build_search_files(papers, TOPICS)
    if content == "wrong shapes":
        search.build_search_files(papers, TOPICS, cache_file=cache)
        stored = json.loads(cache.read_bytes())
        broken = [[], [["a b", [1]]] * 5, [["a", "x"]] * 5, [["a", [2, 2]]] * 5, [["a", [2 ** 40]]] * 5, 7]
        stored["papers"] = {key: broken[number % len(broken)] for number, key in enumerate(stored["papers"])}
        content = json.dumps(stored).encode()
    cache.write_bytes(content)
    term_cache._memo.clear()
    assert search.build_search_files(papers, TOPICS, cache_file=cache) == cold
    term_cache._memo.clear()
    monkeypatch.setattr(term_cache, "_made", lambda texts: pytest.fail("the cache file was not made again"))
    assert search.build_search_files(papers, TOPICS, cache_file=cache) == cold


def test_the_file_is_rewritten_only_when_more_than_one_percent_of_papers_differ(papers, tmp_path: Path, monkeypatch):
    cache = tmp_path / "terms.json"
    search.build_search_files(papers, TOPICS, cache_file=cache)
    written = cache.stat().st_mtime_ns
    one_edit = list(papers)
    one_edit[5] = dataclasses.replace(papers[5], body=papers[5].body + " Zeppelinophobia")
    # A dev-server edit: every other paper is in the memo, so the file is neither read nor written.
    monkeypatch.setattr(term_cache, "_load", lambda path: pytest.fail("read the cache file for one edit"))
    search.build_search_files(one_edit, TOPICS, cache_file=cache)
    monkeypatch.undo()
    assert cache.stat().st_mtime_ns == written
    term_cache._memo.clear()  # a new process, with 3 of 200 papers (1.5%) new
    three_edits = [dataclasses.replace(paper, body=paper.body + " Zeppelinophobia") if number < 3 else paper
                   for number, paper in enumerate(papers)]
    search.build_search_files(three_edits, TOPICS, cache_file=cache)
    assert cache.stat().st_mtime_ns != written
