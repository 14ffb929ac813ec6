"""The search payload read by lunr.js itself (Node): every paper is found by every word of its title."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from lunr import lunr as stock_lunr
from search_support import TOPICS, fixture_papers

from generator.build import search

CHECK_SCRIPT = Path(__file__).parent / "search_check.js"


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail("node is missing; CI must run the lunr.js tests", pytrace=False)
        print("skipping lunr.js tests: node is not installed")
        pytest.skip("node is not installed")
    return found


def run_check(node: str, payload_path: Path) -> tuple[int, dict]:
    done = subprocess.run([node, str(CHECK_SCRIPT), str(payload_path)], capture_output=True, text=True, timeout=120)
    assert done.stderr == ""
    return done.returncode, json.loads(done.stdout)


def write_payload(tmp_path: Path, papers) -> Path:
    path = tmp_path / "index.json"
    path.write_bytes(search.build_search_files(papers, TOPICS)["search/index.json"])
    return path


@pytest.mark.parametrize("fixture", ["search_papers.json", "search_titles_500.json"])
def test_lunr_js_finds_every_paper_by_every_title_word(node, tmp_path, fixture):
    papers = fixture_papers(fixture)
    returncode, report = run_check(node, write_payload(tmp_path, papers))
    assert report["missing"] == []
    assert report["papers"] == len(papers) and report["queries"] > 5 * len(papers)
    assert report["indexVersion"] == report["lunrVersion"] == "2.3.9"
    assert returncode == 0


def test_fixtures_catch_lunr_py_stemming(node, tmp_path):
    """An index made by lunr.py's own pipeline loses papers: the check above can fail."""
    papers = sorted(fixture_papers("search_titles_500.json"), key=lambda paper: (paper.first_featured, paper.slug))
    index = stock_lunr("ref", ["title"], [{"ref": str(n), "title": p.title} for n, p in enumerate(papers)])
    path = tmp_path / "stock.json"
    path.write_text(json.dumps({"docs": {"title": [p.title for p in papers]}, "index": index.serialize()}))
    returncode, report = run_check(node, path)
    lost_words = {miss["word"] for miss in report["missing"]}
    assert returncode == 1 and {"survey", "key"} <= lost_words


def test_index_terms_are_the_terms_lunr_js_makes(node, tmp_path):
    papers = fixture_papers() + fixture_papers("search_titles_500.json")
    texts = [paper.title for paper in papers] + [paper.body for paper in papers if paper.body]
    texts.append("Pass@k: x,y; 3:1 — naïve café 🤗Transformers yay(s) flyby’s \u00a0 TODAY'S")
    path = tmp_path / "texts.json"
    path.write_text(json.dumps(texts), encoding="utf-8")
    done = subprocess.run([node, str(CHECK_SCRIPT), "--terms", str(path)], capture_output=True, text=True,
                          timeout=120, check=True)
    lunr_js_terms = [[term for term in terms if term] for terms in json.loads(done.stdout)]
    assert [search.index_terms(text) for text in texts] == lunr_js_terms
