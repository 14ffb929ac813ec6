"""generator/build/search: the split search index (manifest, shards, vocabulary, fragments)."""
from __future__ import annotations

import collections
import dataclasses
import hashlib
import json
import random
import re
from pathlib import Path

import pytest
from search_support import TOPICS, checkpoints_asked, corpus_papers_1000, fixture_papers, make_paper, stop_at

from generator.build import search
from generator.build.search import shards, terms
from generator.content.markdown import escape_markdown, plain_text
from generator.content.schema import Link

STATIC = Path(__file__).resolve().parent.parent / "themes" / "default" / "static"
VENDORED_LUNR = STATIC / "lunr-2.3.9.min.js"


def manifest_of(files: dict[str, bytes]) -> dict:
    return json.loads(files[search.MANIFEST_PATH])


def fragment_of(files: dict[str, bytes], title: str) -> dict:
    fragments = [json.loads(data) for path, data in files.items() if path.startswith("search/f/")]
    return next(fragment for fragment in fragments if fragment["t"] == title)


def decoded_postings(files: dict[str, bytes]) -> dict[str, list[dict[int, tuple[int, int]]]]:
    """term -> per field {document: (term frequency, field length)}, read back from the shards."""
    postings = {}
    for path, data in files.items():
        if not path.startswith("search/s/"):
            continue
        for term, *fields in json.loads(data):
            postings[term] = [_decoded_field(field) for field in fields]
    return postings


def _decoded_field(field) -> dict[int, tuple[int, int]]:
    if not field:
        return {}
    gaps, frequencies, lengths = field
    docs = [sum(gaps[: n + 1]) for n in range(len(gaps))]
    return {doc: ((frequencies or [1] * len(docs))[n], lengths[n]) for n, doc in enumerate(docs)}


def test_same_papers_in_any_order_give_identical_bytes():
    papers = fixture_papers()
    shuffled = papers[:]
    random.Random(7).shuffle(shuffled)
    assert search.build_search_files(papers, TOPICS) == search.build_search_files(shuffled, TOPICS)


def test_files_are_a_manifest_named_shards_a_vocabulary_and_a_fragment_per_paper():
    papers = fixture_papers()
    files = search.build_search_files(papers, TOPICS)
    manifest = manifest_of(files)
    assert manifest["documents"] == len(papers) and manifest["format"] == search.FORMAT
    assert [field for field, _ in manifest["fields"]] == ["title", "abstract", "author", "topic", "arxiv"]
    shard_paths = {f"search/s/{name}.json" for _, name in manifest["shards"]}
    fragment_paths = {search.fragment_path(number) for number in range(len(papers))}
    vocabulary_path = f"search/v/{manifest['vocabulary']}.json"
    assert set(files) == {search.MANIFEST_PATH, vocabulary_path} | shard_paths | fragment_paths
    for path in shard_paths | {vocabulary_path}:  # named by their bytes: a new build never reuses a name
        assert path.rsplit("/", 1)[1] == hashlib.sha256(files[path]).hexdigest()[:12] + ".json"


def test_postings_hold_every_term_count_and_field_length():
    papers = fixture_papers()
    files = search.build_search_files(papers, TOPICS)
    postings = decoded_postings(files)
    names = {topic.slug: topic.name for topic in TOPICS}
    ordered = sorted(papers, key=lambda paper: (paper.first_featured, paper.slug))
    expected = collections.defaultdict(lambda: [{} for _ in search.FIELDS])
    for doc, paper in enumerate(ordered):
        texts = search.field_texts(paper, names)
        made = [terms.index_terms(text) for text in texts[:-1]] + [terms.query_terms(texts[-1])]
        for field, field_terms in enumerate(made):
            for term, frequency in collections.Counter(field_terms).items():
                expected[term][field][doc] = (frequency, len(field_terms))
    assert postings == dict(expected)
    assert json.loads(files[f"search/v/{manifest_of(files)['vocabulary']}.json"]) == sorted(expected, key=shards.js_order)
    lengths = manifest_of(files)["fieldLengths"]
    assert lengths[0] == sum(len(terms.index_terms(paper.title)) for paper in papers)


def test_shards_cover_the_terms_in_order_from_their_keys():
    files = search.build_search_files(corpus_papers_1000()[:300], TOPICS)
    keys = [key for key, _ in manifest_of(files)["shards"]]
    assert len(keys) > 3 and keys[0] == ""
    for number, (key, name) in enumerate(manifest_of(files)["shards"]):
        shard_terms = [entry[0] for entry in json.loads(files[f"search/s/{name}.json"])]
        assert shard_terms == sorted(shard_terms, key=shards.js_order)
        assert shards.js_order(key) <= shards.js_order(shard_terms[0])
        if number + 1 < len(keys):
            assert shards.js_order(shard_terms[-1]) < shards.js_order(keys[number + 1])


def test_shards_made_a_few_at_a_time_are_the_shards_made_all_at_once(monkeypatch: pytest.MonkeyPatch):
    papers = corpus_papers_1000()[:300]
    monkeypatch.setattr(shards, "GROUP_CHARS", 10**12)  # one run: every term's text at once
    at_once = search.build_search_files(papers, TOPICS)
    monkeypatch.setattr(shards, "GROUP_CHARS", 1)  # a run per shard
    assert len(manifest_of(at_once)["shards"]) > 3
    assert search.build_search_files(papers, TOPICS) == at_once


def changed_files(papers, number, body) -> set[str]:
    """The search files that differ once papers[number] has this abstract."""
    before = search.build_search_files(papers, TOPICS)
    edited = [*papers[:number], dataclasses.replace(papers[number], body=body), *papers[number + 1:]]
    after = search.build_search_files(edited, TOPICS)
    return {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}


def test_a_word_replaced_rewrites_the_manifest_its_fragment_and_two_shards():
    papers = corpus_papers_1000()[:400]
    paper = papers[100]
    word = next(word for word in paper.body.split() if word.isalpha() and word.islower() and len(word) > 6)
    changed = changed_files(papers, 100, paper.body.replace(f" {word} ", " zyxwvut ", 1))
    fragments = {path for path in changed if path.startswith("search/f/")}
    assert fragments == {search.fragment_path(_number(papers, paper))} and search.MANIFEST_PATH in changed
    assert 2 <= len({path for path in changed if path.startswith("search/s/")}) <= 4  # old and new names


def test_a_longer_abstract_rewrites_only_shards_with_the_papers_terms():
    papers = corpus_papers_1000()[:400]
    files = search.build_search_files(papers, TOPICS)
    changed = changed_files(papers, 100, papers[100].body + " One more sentence.")
    own_terms = set(terms.index_terms(plain_text(papers[100].body)))
    for path in changed & {path for path in files if path.startswith("search/s/")}:
        assert own_terms & {entry[0] for entry in json.loads(files[path])}, path


def _number(papers, paper) -> int:
    ordered = sorted(papers, key=lambda item: (item.first_featured, item.slug))
    return [item.slug for item in ordered].index(paper.slug)


def test_fragment_has_what_a_result_shows():
    paper = make_paper(
        "Sparse Mixture-of-Experts Today", "We study *routing*\\: experts \\[1\\] " + "word " * 60,
        topics=("agents", "llm"), slug="sparse-moe-today", authors=("Ann A", "Bo B", "Cy C", "Di D"),
    )
    later = paper.first_featured.replace(month=9)
    paper = dataclasses.replace(paper, featured=(paper.first_featured, later))
    files = search.build_search_files([paper], TOPICS)
    fragment = fragment_of(files, "Sparse Mixture-of-Experts Today")
    assert fragment["u"] == "papers/s/sparse-moe-today/"
    assert fragment["d"] == "2025-09-18"  # the last day it was featured, as topic and home rows show and save it
    assert fragment["p"] == [["agents", "Agents & Tools"], ["llm", "Language Models"]]  # in the paper's order
    assert fragment["a"] == ["Ann A", "Bo B", "Cy C"] and fragment["n"] == 4
    assert fragment["x"].startswith("We study routing: experts [1] word")  # as the page shows it, whole abstract
    assert fragment["x"].count("word") == 60
    # title; study rout expert 1 + 60 "word"; ann bo b cy c di d ("a" is a stop word); 4 topic words; no id
    assert fragment["l"] == [len(terms.index_terms(paper.title)), 4 + 60, 7, 4, 0]
    assert not {"v", "i", "k"} & set(fragment)  # no upvotes, arXiv id or links: no key


def test_a_fragment_has_the_upvotes_arxiv_id_and_links_a_row_offers_and_no_fallback_topic():
    links = (Link("https://example.org/data", "dataset"), Link("https://github.com/a/b", "code"),
             Link("https://a.example/", "project page"))
    paper = make_paper("Rows Alike", "An abstract.", topics=("llm", "other"), arxiv_id="hep-th/9901001",
                       upvotes=0, links=links, organization="Salesforce AI Research", ai_summary="It routes $x^2$.")
    fragment = fragment_of(search.build_search_files([paper], TOPICS), "Rows Alike")
    assert fragment["v"] == 0 and fragment["i"] == "hep-th/9901001" and fragment["o"] == "Salesforce AI Research"
    assert "salesforc" in decoded_postings(search.build_search_files([paper], TOPICS))  # author:salesforce finds it
    assert fragment["s"] == "It routes x²."
    assert fragment["k"] == [["Code", "https://github.com/a/b"], ["Project page", "https://a.example/"]]
    assert fragment["p"] == [["llm", "Language Models"]]  # "other", the fallback, sorts nothing


def test_an_abstracts_tex_markup_is_searched_and_shown_as_the_text_it_stands_for():
    body = escape_markdown("A 54.6\\% gain for \\textbf{Pok\\'emon} agents~\\cite{key}.")
    files = search.build_search_files([make_paper("TeX Abstract", body)], TOPICS)
    assert fragment_of(files, "TeX Abstract")["x"] == "A 54.6% gain for Pokémon agents."
    indexed = decoded_postings(files)
    assert "pokemon" in indexed and not {"textbf", "cite", "key", "emon"} & set(indexed)  # accents folded, as queries are


def test_markup_in_a_title_is_stored_as_the_text_it_is():
    title = "<img src=x onerror=alert(1)> & <b>bold</b>"
    fragment = fragment_of(search.build_search_files([make_paper(title, "<script>alert(1)</script>")], TOPICS), title)
    assert fragment["t"] == title  # not escaped, not stripped: search.js makes text nodes
    assert fragment["x"] == "<script>alert(1)</script>"


def test_manifest_names_the_vendored_lunr_js_version():
    header = VENDORED_LUNR.read_text(encoding="utf-8")[:300]
    version = re.search(r"bright - (\d+\.\d+\.\d+)", header).group(1)
    assert manifest_of(search.build_search_files([make_paper("A paper")], TOPICS))["lunr"] == version == "2.3.9"


def test_vendored_lunr_matches_the_recorded_sha256():
    recorded = re.search(r"sha256: `([0-9a-f]{64})`", (STATIC / "VENDORED.md").read_text()).group(1)
    assert hashlib.sha256(VENDORED_LUNR.read_bytes()).hexdigest() == recorded


def test_index_has_lunr_js_stems_where_lunr_py_differs():
    found = set(decoded_postings(search.build_search_files(fixture_papers(), TOPICS)))
    # lunr.js keeps these; lunr.py's stemmer would have written survei, kei, displai, deploi, replai.
    assert {"survey", "key", "display", "deploy", "replay"} <= found
    assert not {"survei", "kei", "displai", "deploi", "replai"} & found


def test_stemmer_port_follows_lunr_js_rules():
    # Expected values from lunr.js 2.3.9's lunr.stemmer (test_search_terms.py checks every word).
    cases = {"survey": "survey", "surveys": "survey", "try": "tri", "lay": "lay", "relational": "relat",
             "generalization": "gener", "yield": "yield", "happy": "happi", "hopping": "hop", "mixture": "mixtur"}
    assert {word: terms.js_stem(word) for word in cases} == cases


@pytest.mark.parametrize(("text", "indexed", "queried"), [
    ("Qwen2.5-VL", {"qwen2.5", "qwen2", "qwen", "vl", "qwen2.5vl"}, ["qwen2.5", "vl"]),
    ("GPT-4o", {"gpt4o", "gpt", "4o"}, ["gpt", "4o"]),
    ("GPT4o", {"gpt4o", "gpt", "4o"}, ["gpt4o"]),
    ("LLM's", {"llm"}, ["llm"]),
    ("RWKV/Transformer", {"rwkv", "transform"}, ["rwkv", "transform"]),
    ("Llama3", {"llama3", "llama", "3"}, ["llama3"]),
    ("$\\pi_0$", {"pi0", "pi", "0"}, ["pi0"]),
    ("naïve café", {"naiv", "cafe"}, ["naiv", "cafe"]),
    ("2405.15738", {"2405.15738"}, ["2405.15738"]),
    ("Mixture-of-Experts", {"mixtur", "expert", "mixtureofexpert"}, ["mixtur", "expert"]),
])
def test_tokenizer_indexes_the_forms_readers_type(text, indexed, queried):
    assert indexed <= set(terms.index_terms(text))
    assert terms.query_terms(text) == queried
    assert set(terms.query_terms(text)) <= set(terms.index_terms(text))


def test_a_group_counts_each_form_once():
    assert terms.index_terms("LLM's LLMs") == ["llm", "llm"]  # llm + llms (stemmed to llm) once per word


def test_term_counts_count_index_terms():
    for text in ("Qwen2.5 and Qwen2.5-VL, GPT-4o/GPT-4o-mini: the LLM's 3.1 run", "a a a b", ""):
        counts, length = terms.term_counts(text)
        assert counts == collections.Counter(terms.index_terms(text)) and length == len(terms.index_terms(text))


def test_the_preview_rewrites_only_the_search_files_an_edit_touches(golden_project):
    """Through the builder: after an edit, the deferred search write changes the manifest, the
    paper's fragment, the shards with its changed terms and the word list (a new word), and
    removes the files they replace."""
    from generator.build.builder import SiteBuilder

    builder = SiteBuilder(golden_project)
    assert builder.build().errors == []
    site = golden_project / "site"
    before = {path.relative_to(site).as_posix() for path in (site / "search").rglob("*.json")}
    paper = golden_project / "content" / "papers" / "corpusbrain.md"
    paper.write_text(paper.read_text().replace("honest.", "truthful."))
    assert builder.rebuild([paper], defer_data=True).errors == []
    deferred = set(builder.write_deferred())
    assert "papers.json" in deferred  # a data file: written after the reload, with the search files
    changed = {path for path in deferred if path.startswith("search/")}
    after = {path.relative_to(site).as_posix() for path in (site / "search").rglob("*.json")}
    shards_changed = {path for path in changed if path.startswith("search/s/")}
    vocabulary = {path for path in changed if path.startswith("search/v/")}  # a new word: a new word list
    assert changed - shards_changed - vocabulary == {"search/index.json", search.fragment_path(_golden_number(golden_project))}
    assert shards_changed | vocabulary == (before - after) | (after - before)
    assert 2 <= len(shards_changed) <= 4 and len(vocabulary) == 2


def _golden_number(project) -> int:
    fragments = (project / "site" / "search" / "f").glob("*/*.json")
    return next(int(path.stem) for path in fragments if json.loads(path.read_text())["u"] == "papers/c/corpusbrain/")


def test_a_newer_edit_stops_the_index_at_every_step_and_nothing_half_made_comes_out():
    # The dev server asks between every step, so a save waits for at most one step (~0.3 s at 80k).
    papers = fixture_papers()
    asked = checkpoints_asked(papers)
    steps = 1 + 2 * len(search.FIELDS) + 1  # papers read, each field's postings and its JSON, fragments
    assert asked >= steps
    for call in range(1, asked + 1):
        with pytest.raises(search.SearchCancelled):
            search.build_search_files(papers, TOPICS, should_stop=stop_at(call))


def test_the_manifest_counts_the_documents_of_each_first_featured_day_oldest_first():
    """search.js lists results newest first from these counts alone: documents are numbered by day."""
    papers = [make_paper(f"Paper {number}", day=day) for number, day in
              enumerate(["2025-08-19", "2025-08-18", "2025-08-20", "2025-08-18", "2025-08-20", "2025-08-20"])]
    manifest = manifest_of(search.build_search_files(papers, TOPICS))
    assert manifest["dayCounts"] == [2, 1, 3]
    assert sum(manifest_of(search.build_search_files(fixture_papers(), TOPICS))["dayCounts"]) == len(fixture_papers())
