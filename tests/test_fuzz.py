"""Random titles and abstracts made of the characters real papers hold, through every pure stage and
one whole `digest build`: nothing crashes, and the site shows each title and abstract as written.

Fixed seed and bounded sizes, so a run is the same everywhere and takes a few seconds. What "as
written" means: the digest format collapses each run of whitespace to one space (README, "The
digest format"; Python's str.split decides what is whitespace, so NBSP, U+2028 and U+2029 count),
and nothing else may change. On pages, a `$…$` span the math module turns into MathML is one
formula; every character outside formulas must be the input's.
"""
from __future__ import annotations

import json
import random
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
import yaml

from generator.content.markdown import curly_tex_quotes, escape_markdown, render_markdown
from generator.content.math import math_html, math_text
from generator.content.papers import read_paper_file
from generator.content.tex_text import tex_plain
from generator.ingest.pagecopy import parse_digest
from tests.helpers import digest_cli, make_project

SEED = 20250818
NBSP, LINE_SEPARATOR, PARAGRAPH_SEPARATOR = "\u00a0", "\u2028", "\u2029"
WORDS = ["model", "experts", "routing", "sparse", "token", "survey", "agents", "diffusion", "scale", "of", "the"]
# Characters and fragments real titles and abstracts hold, Markdown's and HTML's special ones first.
TRAPS = [
    "$L_2$", "$\\textit{Trans-LoRA}$", "\\alpha", "a\\", "<think>", "</think>", "a<b", "b>c", "R&D", "&amp;", "&#123;",
    "x*y", "*bold*", "**", "__init__", "_x", "`code`", "``quotes''", "`", "[1]", "[IDK]", "]", "[", "![img](x.png)",
    "[link](https://x.org)", "<https://a.b>", "https://github.com/a_b/c.", "(www.x.org/p_(q))", "https://q.io/a?b=1&c=2",
    "http://x.y/$a$", "#", "##", "1.", "12)", "-", "+", ">", "|", "=", "---",
    "e\u0301", "n\u0303", "\u0308", "大模型", "中文", "日本語", "🤗", "🚀", "👩\u200d💻", "🇺🇳", "שלום", "مرحبا", "naïve",
]
LINE_STARTS = ["#", "# ", "## ", "1.", "1. ", "12. ", "3) ", "- ", "+ ", "> ", "* ", "`", "<", "[", "\\", "&"]
SEPARATORS = [" "] * 12 + [NBSP, LINE_SEPARATOR, PARAGRAPH_SEPARATOR, "  ", " \t"]


def fragment(rng: random.Random) -> str:
    return rng.choice(TRAPS) if rng.random() < 0.45 else rng.choice(WORDS)


def text_of(rng: random.Random, words: int) -> str:
    parts = [fragment(rng)]
    for _ in range(words - 1):
        parts += [rng.choice(SEPARATORS), fragment(rng)]
    return "".join(parts)


def random_paper(rng: random.Random, number: int) -> tuple[str, list[str]]:
    """A title line and the abstract's hard-wrapped lines; `Case<number>` keeps each paper distinct."""
    start = rng.choice(LINE_STARTS) if rng.random() < 0.5 else ""
    title = f"{start}Case{number} {text_of(rng, rng.randint(1, 8))}"
    lines = [f"{rng.choice(LINE_STARTS) if rng.random() < 0.3 else ''}{text_of(rng, rng.randint(1, 10))}"
             for _ in range(rng.randint(1, 4))]
    lines[0] = f"{start}case{number} {lines[0]}"
    return title, lines


def as_written(text: str) -> str:
    return " ".join(text.split())


def digest_of(papers: list[tuple[str, list[str]]]) -> str:
    return "Daily Papers\n\nAug 18\n\n" + "".join(f"{title}\n\n" + "\n".join(lines) + "\n\n" for title, lines in papers)


FORMULA = "\u27e8formula\u27e9"  # how these tests write one MathML element of a page


class PaperPage(HTMLParser):
    """The text of a paper page's <h1> and of its abstract section (without the section's heading),
    each MathML element as FORMULA."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = {"title": [], "abstract": []}
        self.open: list[str] = []  # per open element: "title", "abstract", "heading", "math" or ""

    def handle_starttag(self, tag: str, attrs) -> None:
        classes = (dict(attrs).get("class") or "").split()
        where = self.open[-1] if self.open else ""
        if tag == "math" and where in self.text:
            self.text[where].append(FORMULA)
            where = "math"
        elif tag == "h1" and not self.text["title"] and where == "":
            where = "title"
        elif tag == "section" and "abstract" in classes:
            where = "abstract"
        elif tag == "h2" and where == "abstract":
            where = "heading"
        self.open.append(where)

    def handle_endtag(self, tag: str) -> None:
        if self.open:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        where = self.open[-1] if self.open else ""
        if where in self.text:
            self.text[where].append(data)


def shown(page_html: str) -> tuple[str, str]:
    parser = PaperPage()
    parser.feed(page_html)
    parser.close()
    return "".join(parser.text["title"]), as_written("".join(parser.text["abstract"]))


def with_formulas(text: str) -> str:
    """The text as a page shows it: the math module's MathML formulas as FORMULA, the rest as it is."""
    title, _ = shown(f"<h1>{math_html(text)}</h1>")
    return title


class TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def rendered_text(markdown_body: str) -> str:
    """What a reader sees of a body: the text of its HTML, whitespace as the page shows it."""
    parser = TextOnly()
    parser.feed(render_markdown(markdown_body))
    parser.close()
    return as_written("".join(parser.text))


def test_the_parser_gives_back_every_title_and_abstract():
    rng = random.Random(SEED)
    for _ in range(150):
        papers = [random_paper(rng, number) for number in range(rng.randint(1, 6))]
        drafts, errors = parse_digest(digest_of(papers), "2025-08-18.txt")
        assert errors == []
        assert [(draft.title, draft.abstract) for draft in drafts] == [
            (as_written(title), as_written(" ".join(lines))) for title, lines in papers]


def test_escaped_abstracts_render_as_the_text_they_were():
    rng = random.Random(SEED + 1)
    for number in range(1500):
        text = as_written(" ".join(random_paper(rng, number)[1]))
        assert rendered_text(escape_markdown(text)) == text, text


def test_a_built_site_shows_every_title_and_abstract_as_written(tmp_path):
    rng = random.Random(SEED + 2)
    papers = [random_paper(rng, number) for number in range(40)]
    project = make_project(tmp_path)
    (project / "content" / "digests" / "2025-08-18.txt").write_text(digest_of(papers), encoding="utf-8")
    result = digest_cli(project, "build")
    assert result.returncode == 0, result.stderr
    expected = {as_written(title): as_written(" ".join(lines)) for title, lines in papers}

    files = sorted((project / "content" / "papers").glob("*.md"))
    assert len(files) == len(papers)
    for path in files:
        text = path.read_text(encoding="utf-8")
        front = yaml.safe_load(text.split("---\n")[1])  # the front matter, read by any YAML reader
        assert front["title"] in expected and front["slug"] == path.stem, path.name
        paper_file, errors = read_paper_file(path)
        assert errors == [], errors
        paper = paper_file.paper  # the project's own reader agrees with any YAML reader
        assert (paper.title, list(paper.featured), list(paper.topics)) == (
            front["title"], front["featured"], front["topics"])
        assert [(link.url, link.kind) for link in paper.links] == [
            (link["url"], link["kind"]) for link in front.get("links", [])]
        assert rendered_text(paper.body) == expected[front["title"]], path.name
        page = (project / "site" / "papers" / path.stem[0] / path.stem / "index.html").read_text(encoding="utf-8")
        # As written, but for TeX's quotation marks, which read as “these”, and its text markup
        # (`a\\ b`, `\\%`), which reads as what it stands for.
        abstract = with_formulas(tex_plain(curly_tex_quotes(expected[front["title"]])))
        assert shown(page) == (with_formulas(front["title"]), abstract), path.name

    site = project / "site"
    linked = sum(page.read_text(encoding="utf-8").count(' rel="nofollow">') for page in (site / "papers").rglob("*.html"))
    assert linked > 0  # addresses in abstracts are links, and their text still reads as written
    feed_titles = [entry.findtext("{http://www.w3.org/2005/Atom}title") for entry in
                   ET.parse(site / "feed.xml").getroot().iter("{http://www.w3.org/2005/Atom}entry")]
    export_titles = [paper["title"] for paper in json.loads((site / "papers.json").read_text(encoding="utf-8"))["papers"]]
    assert sorted(export_titles) == sorted(expected)  # TeX stays TeX in the data
    assert sorted(feed_titles) == sorted(math_text(title) for title in expected)  # a feed's title is text


@pytest.mark.parametrize("title", ["Case1 plain", "# Case2 \\alpha <think> 🤗 שלום e\u0301"])
def test_the_page_reader_finds_title_and_abstract(title):
    """The test's own HTML reader on a page shaped like paper.html (its positive control)."""
    page = (f"<article class=\"paper\"><header><h1>{title.replace('<', '&lt;')}</h1></header><section "
            "class=\"abstract\"><h2>Abstract</h2><p>An &lt;b&gt; <math><mi>L</mi></math> abstract</p></section>"
            "<h2>Links</h2></article>")
    assert shown(page) == (title, f"An <b> {FORMULA} abstract")
    assert with_formulas("Bounds in $L_2$ cost $5") == f"Bounds in {FORMULA} cost $5"
