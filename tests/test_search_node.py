"""The split index searched by lunr.js 2.3.9 and search.js in Node: the scores of one lunr.js
index over the same papers, and every paper found by every word of its title."""
from __future__ import annotations

import json
import random
import re
import subprocess
from pathlib import Path

import pytest
from search_support import (
    TOPICS,
    corpus_papers_1000,
    field_texts_in_order,
    fixture_papers,
    node_or_skip,
    write_site_search,
)

from generator.build import search
from generator.build.search import terms
from generator.content.markdown import plain_text

CHECK_SCRIPT = Path(__file__).parent / "search_check.js"


@pytest.fixture(scope="module")
def node() -> str:
    return node_or_skip()


@pytest.fixture(scope="module")
def corpus():
    return corpus_papers_1000()


def run_check(node: str, *args) -> tuple[int, dict]:
    done = subprocess.run([node, str(CHECK_SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=600,
                          check=False)  # the exit status is part of what the tests check
    assert done.stderr == ""
    return done.returncode, json.loads(done.stdout)


def compare(node: str, tmp_path: Path, papers, queries: list[str]) -> tuple[int, dict]:
    directory = write_site_search(tmp_path, papers)
    (tmp_path / "docs.json").write_text(json.dumps(field_texts_in_order(papers)), encoding="utf-8")
    (tmp_path / "queries.json").write_text(json.dumps(queries), encoding="utf-8")
    return run_check(node, "compare", directory, tmp_path / "docs.json", tmp_path / "queries.json")


def plain_words(text: str) -> list[str]:
    return [word for word in re.findall(r"[A-Za-z]{4,}", text) if terms.query_terms(word)]


def equivalence_queries(papers) -> list[str]:
    """Plain words, required and prohibited words, fields, wildcards, fuzzy terms, boosts, ids."""
    rng = random.Random(20261128)
    sample = rng.sample(papers, 120)
    words = [plain_words(plain_text(paper.body)) for paper in sample]
    title_words = [plain_words(paper.title) or ["model"] for paper in sample]
    surnames = [paper.authors[0].split()[-1] for paper in sample if paper.authors]
    odd_forms = [word.strip("():,.?!") for paper in papers for word in paper.title.split()
                 if re.search(r"[A-Za-z]\d|\d\.\d|[a-z]'s\b|\w/\w|\w-\d", word)]
    queries = [rng.choice(found) for found in words[:50]]
    queries += [" ".join(rng.sample(found, 3)) for found in words[50:80]]
    queries += [f"+{rng.choice(a)} {rng.choice(b)}" for a, b in zip(words[:15], words[15:30])]
    queries += [f"+{rng.choice(a)} -{rng.choice(b)}" for a, b in zip(words[30:45], words[45:60])]
    queries += [f"-{rng.choice(found)}" for found in words[60:65]]
    queries += [f"title:{rng.choice(found)}" for found in title_words[:15]]
    queries += [f"abstract:{rng.choice(found)} {rng.choice(found)}" for found in words[65:75]]
    queries += [f"author:{surname}" for surname in surnames[:10]]
    queries += ["topic:agents", "topic:language +model", "topic:other -agents"]
    queries += [f"{rng.choice(found)[:4]}*" for found in words[75:90]]
    queries += [f"*{rng.choice(found)[-4:]}" for found in words[90:93]]
    queries += [f"{rng.choice(found)[:2]}*{rng.choice(found)[-2:]}" for found in words[93:96]]
    queries += [f"{rng.choice(found)}~1" for found in words[96:104]]
    queries += [f"{rng.choice(a)}^5 {rng.choice(b)}" for a, b in zip(words[104:112], words[112:120])]
    queries += [paper.arxiv_id for paper in sample[:10]]
    queries += rng.sample(odd_forms, 15)
    return queries


def test_split_index_scores_are_those_of_one_lunr_js_index(node, tmp_path, corpus):
    queries = equivalence_queries(corpus)
    assert len(queries) >= 200
    returncode, report = compare(node, tmp_path, corpus, queries)
    assert report["mismatches"] == [] and report["errors"] == []
    assert report["compared"] == len(queries) and report["withResults"] >= 0.9 * len(queries)
    assert returncode == 0


def test_the_comparison_catches_a_wrong_weight(node, tmp_path, monkeypatch):
    """A split index whose title boost differs from the one the manifest claims is caught."""
    papers = fixture_papers("search_titles_500.json")[:200]
    original = search.FIELDS
    monkeypatch.setattr(search, "FIELDS", (("title", 9), *original[1:]))
    directory = write_site_search(tmp_path, papers)
    manifest = json.loads((directory / "index.json").read_text())
    manifest["fields"][0][1] = 10  # the browser scores with 10, the monolithic index with 10; shards unchanged
    (directory / "index.json").write_text(json.dumps(manifest))
    monkeypatch.setattr(search, "FIELDS", original)
    altered = tmp_path / "altered"
    write_site_search(altered, papers)
    (altered / "search" / "index.json").write_text(json.dumps({**manifest, "fieldLengths": [1, 1, 1, 1, 1]}))
    (tmp_path / "docs.json").write_text(json.dumps(field_texts_in_order(papers)), encoding="utf-8")
    (tmp_path / "queries.json").write_text(json.dumps(["survey", "model", "agents"]), encoding="utf-8")
    returncode, report = run_check(node, "compare", altered / "search", tmp_path / "docs.json", tmp_path / "queries.json")
    assert returncode == 1 and report["mismatches"]


def title_lookups(papers) -> list[dict]:
    """Every word of every title as a reader types it, without hyphens and apostrophes ("gpt4o"),
    and each of its letter-and-digit runs but the "s" of "LLM's"; with the document to find."""
    ordered = sorted(papers, key=lambda paper: (paper.first_featured, paper.slug))
    lookups = []
    for doc, paper in enumerate(ordered):
        for word in paper.title.split():
            word = re.sub(r"^\W+|\W+$", "", word)
            runs = [run for run in re.findall(r"[^\W_]+", word) if len(run) > 1 or not re.search("['’]", word)]
            forms = {word, re.sub(r"[-'’]", "", word), *runs}
            lookups += [{"query": form, "doc": doc} for form in sorted(forms) if terms.query_terms(form)]
    return lookups


@pytest.mark.parametrize("fixture", ["search_papers.json", "search_titles_500.json", "corpus"])
def test_every_paper_is_found_by_every_word_of_its_title(node, tmp_path, fixture, corpus):
    papers = corpus if fixture == "corpus" else fixture_papers(fixture)
    lookups = title_lookups(papers)
    (tmp_path / "lookups.json").write_text(json.dumps(lookups), encoding="utf-8")
    returncode, report = run_check(node, "find", write_site_search(tmp_path, papers), tmp_path / "lookups.json")
    assert report["missing"] == []
    assert report["lookups"] == len(lookups) > 5 * len(papers)
    assert report["manifestLunr"] == report["lunrVersion"] == "2.3.9"
    assert returncode == 0


def test_version_and_punctuation_words_find_their_papers(node, tmp_path):
    titles = ["Qwen2.5-VL Technical Report", "GPT-4o System Card", "Why LLM's Hallucinate",
              "RWKV/Transformer Hybrids", "Llama3 Herd", "The LLaMA-3.1 Recipe", "$\\pi_0$: A Policy",
              "SAM 2: Segment Anything", "Qwen 2.5 Math", "GPT 4o Audio", "The A 100 Cluster", "Llama 3.1 Safety"]
    papers = [search_support_paper(title, number) for number, title in enumerate(titles)]
    queries = [("qwen2", 0), ("qwen2.5", 0), ("qwen", 0), ("gpt4o", 1), ("gpt-4o", 1), ("llm", 2), ("llm's", 2),
               ("rwkv", 3), ("transformer", 3), ("llama 3", 4), ("llama3", 4), ("llama3.1", 5), ("llama-3.1", 5),
               ("pi0", 6),
               # a word cut where a letter meets a digit finds the papers writing its pieces apart
               ("sam2", 7), ("qwen2.5", 8), ("gpt4o", 9), ("a100", 10), ("llama3.1", 11), ("llama3", 5)]
    ordered = sorted(papers, key=lambda paper: (paper.first_featured, paper.slug))
    lookups = [{"query": query, "doc": ordered.index(papers[number])} for query, number in queries]
    (tmp_path / "lookups.json").write_text(json.dumps(lookups), encoding="utf-8")
    returncode, report = run_check(node, "find", write_site_search(tmp_path, papers), tmp_path / "lookups.json")
    assert report["missing"] == [] and returncode == 0


def search_support_paper(title: str, number: int):
    from search_support import make_paper

    return make_paper(title, "An abstract.", slug=f"paper-{number}", topics=(TOPICS[0].slug,))


def test_any_of_the_words_cuts_a_letter_digit_word_as_all_of_them_does(node, tmp_path):
    """No paper has both words, so papers with any of them show: "llama3" finds "Llama 3" there too."""
    titles = ["The Llama 3 Herd", "Zebrafish Larvae Tracking", "Llama3 Adapters"]
    papers = [search_support_paper(title, number) for number, title in enumerate(titles)]
    ordered = sorted(papers, key=lambda paper: (paper.first_featured, paper.slug))
    lookups = [{"query": "llama3 zebrafish", "doc": ordered.index(paper)} for paper in papers]
    (tmp_path / "lookups.json").write_text(json.dumps(lookups), encoding="utf-8")
    returncode, report = run_check(node, "find", write_site_search(tmp_path, papers), tmp_path / "lookups.json")
    assert report["missing"] == [] and returncode == 0
