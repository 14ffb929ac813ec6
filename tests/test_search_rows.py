"""A search result offers the links a list row does: search.js makes them from the paper's
fragment, list rows from quick_links (generator/build/quick_links.py); the two must agree."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from search_support import TOPICS, make_paper, node_or_skip

from generator.build import search
from generator.build.quick_links import quick_links
from generator.build.render import abstract_html, long_date
from generator.content.markdown import escape_markdown
from generator.content.papers import parse_paper_file
from generator.content.schema import Link
from generator.content.tex_text import shown_text

ROOT = Path(__file__).resolve().parent.parent
SEARCH_JS = ROOT / "themes" / "default" / "static" / "search.js"
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


ADDRESSES_IN_NODE = """
const search = require(process.argv[1]);
const texts = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(texts.map(text => search.addressParts(text)
  .filter(part => typeof part !== "string").map(part => [part.shown, part.href]))));
"""
ADDRESS_CASES = [
    "Code and data are available in https://github.com/Junjie-Ye/MulDimIF.",
    "(see https://x.example/a_(b)), then http://y.example:8080/p?q=1&r=2; done",
    "Models at www.example.org/models, not www. and me@www.example.org or xwww.example.org",
    'released athttps://github.com/InternLM/OREAL! "https://q.example/p" and <https://z.example>',
    "http://localhost:8000, https://[anonymized], https://a.example:99999/x, ftp://f.example/a",
    "Broken by a listing: https://github. com/a/b, and https://ünïcode.example/päth]. [https://b.example/x]",
]


class Anchors(HTMLParser):
    """(text, href) of each link in some HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[list[str]] = []
        self._href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href") or ""
            self.found.append(["", self._href])

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self.found[-1][0] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._href = None


def paper_body(path: Path) -> str:
    parsed, errors = parse_paper_file(path, path.read_bytes())
    assert parsed is not None and not errors
    return parsed.paper.body


def test_a_results_abstract_links_the_addresses_a_list_row_links():
    """search.js links the addresses of a result's abstract (its plain text) as the build links them
    in a list row's abstract: the same text, the same address, on every abstract of the seed day."""
    bodies = [escape_markdown(case) for case in ADDRESS_CASES]
    bodies += [paper_body(path) for path in sorted((ROOT / "content" / "papers").glob("*.md"))]
    texts = [shown_text(body) for body in bodies]
    done = subprocess.run([node_or_skip(), "-e", ADDRESSES_IN_NODE, str(SEARCH_JS)], input=json.dumps(texts),
                          capture_output=True, text=True, timeout=60, check=True)
    linked_in_rows = []
    for body in bodies:
        anchors = Anchors()
        anchors.feed(abstract_html(body))
        linked_in_rows.append(anchors.found)
    assert json.loads(done.stdout) == linked_in_rows
    assert sum(map(len, linked_in_rows)) >= 40  # the seed day's 33 abstracts with an address among them


DATES_IN_NODE = """
const search = require(process.argv[1]);
process.stdout.write(JSON.stringify(JSON.parse(require("fs").readFileSync(0, "utf8")).map(search.longDate)));
"""


def test_a_results_day_is_written_as_pages_write_it():
    """search.js writes a result's day itself (pages have render.long_date write theirs): each
    month, a leap day, and a year before 1000 as a typo in a paper file gives it."""
    days = [dt.date(2025, month, 1) for month in range(1, 13)]
    days += [dt.date(2024, 2, 29), dt.date(2025, 8, 18), dt.date(1, 2, 1), dt.date(999, 12, 31), dt.date(2062, 8, 9)]
    done = subprocess.run([node_or_skip(), "-e", DATES_IN_NODE, str(SEARCH_JS)],
                          input=json.dumps([day.isoformat() for day in days]),
                          capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(done.stdout) == [long_date(day) for day in days]
