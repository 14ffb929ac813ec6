"""generator/search.py: the search payload the build writes to search/index.json."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import re
from pathlib import Path

from lunr import lunr as stock_lunr
from search_support import TOPICS, fixture_papers, make_paper

from generator.build import search

STATIC = Path(__file__).resolve().parent.parent / "themes" / "default" / "static"
VENDORED_LUNR = STATIC / "lunr-2.3.9.min.js"


def payload(papers, topics=TOPICS) -> dict:
    files = search.build_search_files(papers, topics)
    assert list(files) == ["search/index.json"]
    return json.loads(files["search/index.json"])


def doc(built: dict, title: str) -> dict:
    position = built["docs"]["title"].index(title)
    return {column: values[position] for column, values in built["docs"].items()}


def test_same_papers_in_any_order_give_identical_bytes():
    papers = fixture_papers()
    shuffled = papers[:]
    random.Random(7).shuffle(shuffled)
    assert search.build_search_files(papers, TOPICS) == search.build_search_files(shuffled, TOPICS)


def test_doc_store_has_what_a_result_shows():
    paper = make_paper(
        "Sparse Mixture-of-Experts Today", "We study *routing*\\: experts \\[1\\] " + "word " * 60,
        topics=("agents", "llm"), slug="sparse-moe-today",
    )
    later = dt.date(2025, 9, 1)
    paper = paper.__class__(**{**paper.__dict__, "featured": (paper.first_featured, later)})
    entry = doc(payload([paper]), "Sparse Mixture-of-Experts Today")
    assert entry["url"] == "/papers/sparse-moe-today/"
    assert entry["day"] == "2025-08-18"  # the first day it was featured
    assert entry["topics"] == ["Agents & Tools", "Language Models"]  # names, in the paper's order
    assert entry["snippet"].startswith("We study *routing*: experts [1] word")  # escapes removed
    assert len(entry["snippet"]) <= search.SNIPPET_CHARS and entry["snippet"].endswith("…")


def test_short_abstract_is_the_whole_snippet():
    entry = doc(payload([make_paper("Tiny", "One   line\nabstract.")]), "Tiny")
    assert entry["snippet"] == "One line abstract."


def test_markup_in_a_title_is_stored_as_the_text_it_is():
    title = "<img src=x onerror=alert(1)> & <b>bold</b>"
    entry = doc(payload([make_paper(title, "<script>alert(1)</script>")]), title)
    assert entry["title"] == title  # not escaped twice, not stripped: search.js sets textContent
    assert entry["snippet"] == "<script>alert(1)</script>"


def test_index_version_is_the_vendored_lunr_js_version():
    header = VENDORED_LUNR.read_text(encoding="utf-8")[:300]
    version = re.search(r"bright - (\d+\.\d+\.\d+)", header).group(1)
    assert payload([make_paper("A paper")])["index"]["version"] == version == "2.3.9"
    assert "2.3.9" in VENDORED_LUNR.name


def test_vendored_lunr_matches_the_recorded_sha256():
    recorded = re.search(r"sha256: `([0-9a-f]{64})`", (STATIC / "VENDORED.md").read_text()).group(1)
    assert hashlib.sha256(VENDORED_LUNR.read_bytes()).hexdigest() == recorded


def test_index_has_lunr_js_stems_where_lunr_py_differs():
    terms = {term for term, _ in payload(fixture_papers())["index"]["invertedIndex"]}
    # lunr.js keeps these; lunr.py's stemmer would have written survei, kei, displai, deploi, replai.
    assert {"survey", "key", "display", "deploy", "replay"} <= terms
    assert not {"survei", "kei", "displai", "deploi", "replai"} & terms


def test_stemmer_port_follows_lunr_js_rules():
    # Expected values from lunr.js 2.3.9's lunr.stemmer (tests/test_search_node.py checks all words).
    cases = {"survey": "survey", "surveys": "survey", "try": "tri", "lay": "lay", "relational": "relat",
             "generalization": "gener", "yield": "yield", "happy": "happi", "hopping": "hop", "mixture": "mixtur"}
    assert {word: search.js_stem(word) for word in cases} == cases


def test_tokens_are_split_and_trimmed_like_lunr_js():
    assert search.index_terms("PanopticSplatting: End-to-End\u2009(3D) of the café") == [
        "panopticsplat", "end", "end", "3d", "caf"]  # thin space splits; JS trims "é" (\W in JS)


def test_pretokenized_builder_builds_what_lunr_py_builds():
    papers = fixture_papers()
    ours = search.serialized_index(sorted(papers, key=lambda paper: (paper.first_featured, paper.slug)))
    documents = [{"ref": str(position), **search.indexed_fields(paper)}
                 for position, paper in enumerate(sorted(papers, key=lambda p: (p.first_featured, p.slug)))]
    builder = search.Builder()  # stock lunr.py, fed the same terms, no pipeline
    builder.search_pipeline.add(search.lunr_stemmer_label)
    stock = stock_lunr("ref", [{"field_name": name, "boost": boost} for name, boost in search.INDEXED_FIELDS],
                       documents, builder=builder).serialize()
    assert ours["invertedIndex"] == json.loads(json.dumps(stock["invertedIndex"]))
    assert ours["pipeline"] == stock["pipeline"] == ["stemmer"]
    stock_vectors = dict(stock["fieldVectors"])
    for ref, vector in ours["fieldVectors"]:
        assert vector[0::2] == stock_vectors[ref][0::2]
        assert all(abs(a - b) <= 0.051 for a, b in zip(vector[1::2], stock_vectors[ref][1::2]))
