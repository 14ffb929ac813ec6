"""One tokenizer, two implementations: terms.py (build) and search.js (browser) must agree."""
from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from search_support import corpus_papers_1000, fixture_papers

from generator.build.search import terms
from generator.content.markdown import plain_text

CHECK_SCRIPT = str(Path(__file__).parent / "search_check.js")
TRICKY = [
    "Qwen2.5-VL Qwen2-VL-7B qwen2.5 QWEN-2.5", "GPT-4o GPT4o gpt-4o-mini", "LLM's LLMs' models’ don't",
    "RWKV/Transformer (MoE) [CLS] {x} <think>", "Llama-3.1-8B Llama3 LLaMA 3 llama-3", "$\\pi_0$ $O(n^2)$ \\mathcal{L}",
    "naïve café ﬁne ＡＩ Ⅻ ², x²", "İstanbul ΣΑΣ ß ǅ", "e.g. i.e. U.S. 3.14.15 v1.2.3-beta a.b.c.d.e.f",
    "state-of-the-art mixture-of-experts", "pass@k: x,y; 3:1 — 10–20 ‐hyphen‑ non‑breaking",
    "🤗Transformers 𝐁𝐨𝐥𝐝 𝟏𝟐𝟑 ｆｕｌｌ", "arXiv:2405.15738v2 https://github.com/a-b/c_d.py",
    "中文标题 日本語 한국어 العربية हिन्दी", "yay(s) flyby’s  TODAY'S\u00a0x\u2009y\u200bz", "", "   ", "'s -s _a_ ..a.. a--b",
]


def run_terms(node: str, tmp_path, texts: list[str]) -> list[dict]:
    path = tmp_path / "texts.json"
    path.write_text(json.dumps(texts), encoding="utf-8")
    done = subprocess.run([node, CHECK_SCRIPT, "terms", str(path)], capture_output=True, text=True,
                          timeout=300, check=True)
    return json.loads(done.stdout)


def corpus_texts() -> list[str]:
    texts = []
    for paper in fixture_papers() + fixture_papers("search_titles_500.json") + corpus_papers_1000():
        texts += [paper.title, plain_text(paper.body), "\n".join(paper.authors), paper.arxiv_id]
    return texts


def test_tricky_words_give_the_same_terms_in_python_and_javascript(node, tmp_path):
    expected = [{"index": terms.index_terms(text), "query": terms.query_terms(text)} for text in TRICKY]
    assert run_terms(node, tmp_path, TRICKY) == expected


def test_corpus_text_gives_the_same_terms_in_python_and_javascript(node, tmp_path):
    texts = corpus_texts()
    assert len(texts) > 6000
    from_js = run_terms(node, tmp_path, texts)
    mismatches = [(text[:80], got) for text, got in zip(texts, from_js)
                  if got != {"index": terms.index_terms(text), "query": terms.query_terms(text)}]
    assert mismatches == []


def test_javascript_classes_of_characters_are_pythons(node, tmp_path):
    """Letters and digits, decimal digits and marks: the same for every character Python's Unicode
    database knows (JavaScript's may know newer ones)."""
    script = """
      const classes = {alnum: /[\\p{L}\\p{N}]/u, decimal: /\\p{Nd}/u, mark: /\\p{M}/u,
                       letterish: /[\\p{L}\\p{Nl}\\p{No}]/u};
      const found = Object.fromEntries(Object.keys(classes).map((name) => [name, []]));
      for (let cp = 0; cp < 0x110000; cp++) {
        if (cp >= 0xd800 && cp < 0xe000) continue;
        const c = String.fromCodePoint(cp);
        for (const name in classes) if (classes[name].test(c)) found[name].push(cp);
      }
      process.stdout.write(JSON.stringify(found));
    """
    done = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=120, check=True)
    in_js = {name: set(points) for name, points in json.loads(done.stdout).items()}
    patterns = {"alnum": re.compile(r"[^\W_]"), "decimal": re.compile(r"\d"),
                "letterish": re.compile(r"[^\W\d_]")}
    assigned = [chr(cp) for cp in range(sys.maxunicode + 1)
                if not 0xD800 <= cp < 0xE000 and unicodedata.category(chr(cp)) != "Cn"]
    for name, pattern in patterns.items():
        assert {ord(c) for c in assigned if pattern.match(c)} == {ord(c) for c in assigned if ord(c) in in_js[name]}, name
    marks = {ord(c) for c in assigned if unicodedata.category(c).startswith("M")}
    assert marks == {ord(c) for c in assigned if ord(c) in in_js["mark"]}


@pytest.fixture(scope="module")
def node() -> str:
    from search_support import node_or_skip

    return node_or_skip()


def test_memos_full_of_tokens_are_emptied_and_the_terms_stay_the_same(monkeypatch):
    # A build's memos hold at most MEMO_LIMIT tokens (at 80,000 papers there are 500,000, 140 MB):
    # past it they start again, and a token split again gives the terms it gave before.
    texts = [plain_text(paper.body) for paper in corpus_papers_1000()[:200]]
    terms.forget_memos()
    unbounded = [terms.term_counts(text) for text in texts]
    terms.forget_memos()
    monkeypatch.setattr(terms, "MEMO_LIMIT", 300)
    bounded = []
    for text in texts:
        bounded.append(terms.term_counts(text))
        assert len(terms._token_terms_cache) <= 300 and len(terms._stem_cache) <= 300
    terms.forget_memos()
    assert bounded == unbounded


def test_a_group_of_hyphenated_words_has_the_forms_of_any_group():
    """Letters joined by hyphens take a shortcut (most groups of two runs or more): the same forms."""
    assert terms.word_forms("state-of-the-art-ish") == [
        "state", "of", "the", "art", "ish", "stateof", "stateofthe", "stateoftheart", "ofthe", "oftheart",
        "oftheartish", "theart", "theartish", "artish", "stateoftheartish"]
    rng = random.Random(20261201)
    for _ in range(20000):
        group = "-".join("".join(rng.choice("abcdeiy") for _ in range(rng.randint(1, 5))) for _ in range(rng.randint(1, 7)))
        assert terms.word_forms(group) == terms._any_group_forms(group), group
