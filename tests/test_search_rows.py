"""A search result offers the links a list row does: search.js makes them from the paper's
fragment, list rows from quick_links (generator/build/quick_links.py); the two must agree."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from search_support import TOPICS, make_paper, node_or_skip

from generator.build import search
from generator.build.quick_links import quick_links
from generator.content.schema import Link

SEARCH_JS = Path(__file__).resolve().parent.parent / "themes" / "default" / "static" / "search.js"
QUICK_LINKS_IN_NODE = """
const search = require(process.argv[1]);
const fragments = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(fragments.map(search.quickLinks)));
"""

PAPERS = [
    make_paper("Everything Linked", slug="everything", arxiv_id="2503.18073", links=(
        Link("https://example.org/data", "dataset"), Link("https://example.org/site", "project page"),
        Link("https://github.com/example/first", "code"), Link("https://github.com/example/second", "code"))),
    make_paper("An Old Identifier", slug="old-identifier", arxiv_id="hep-th/9901001"),
    make_paper("A Category In Capitals", slug="capitals", arxiv_id="math.GT/0309136v2"),
    make_paper("Code Without arXiv", slug="code-only", links=(Link("http://example.org/code", "code"),)),
    make_paper("Nothing Linked", slug="nothing"),
]


def links_in_search_js(fragments: list[dict]) -> list[list[list[str]]]:
    done = subprocess.run([node_or_skip(), "-e", QUICK_LINKS_IN_NODE, str(SEARCH_JS)], input=json.dumps(fragments),
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def fragment_of(files: dict[str, bytes], slug: str) -> dict:
    found = (json.loads(data) for path, data in files.items() if path.startswith("search/f/"))
    return next(fragment for fragment in found if fragment["u"].endswith(f"/{slug}/"))


@pytest.mark.parametrize("paper", PAPERS, ids=[paper.slug for paper in PAPERS])
def test_a_result_offers_the_quick_links_of_the_papers_list_row(paper):
    fragment = fragment_of(search.build_search_files([paper], TOPICS), paper.slug)
    [offered] = links_in_search_js([fragment])
    assert [tuple(link) for link in offered] == list(quick_links(paper))
