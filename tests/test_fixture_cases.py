"""The plain-text fixture files in tests/fixtures/cases/, one test per file (format: tests/cases.py)."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import yaml

from generator.content.markdown import escape_markdown, has_markdown_syntax, plain_text, render_markdown
from generator.content.papers import read_paper_file
from generator.content.taxonomy import TopicMatcher, fallback_slug, load_taxonomy
from generator.content.yamlout import dump_fields
from generator.ingest.links import extract_links
from generator.ingest.pagecopy import parse_digest
from tests.cases import CASES, parametrize, read_cases

FILE_NAME = re.compile(r"\s*\[file: ([^\]]+)\]$")


@parametrize("pagecopy.txt")
def test_pagecopy(case):
    text, expected = case.sections
    match = FILE_NAME.search(case.name)
    drafts, errors = parse_digest(text, match.group(1) if match else "2025-08-18.txt")
    shown = [line for draft in drafts for line in (f"{draft.featured} {draft.line}: {draft.title}", f"  {draft.abstract}")]
    shown += [f"error {error.line}: {error.message}" for error in errors]
    assert "\n".join(shown) == expected


class BlockText(HTMLParser):
    """The text a reader sees in rendered Markdown: each block's text, blocks separated by a blank line."""

    BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "pre", "blockquote", "hr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self.BLOCKS:
            self.current = []
            self.blocks.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS and self.current is not None:
            self.blocks[-1] = "".join(self.current)
            self.current = None

    def handle_data(self, data: str) -> None:
        if self.current is not None:
            self.current.append(data)


def shown_text(html: str) -> str:
    parser = BlockText()
    parser.feed(html)
    parser.close()
    return "\n\n".join(parser.blocks)


@parametrize("markdown.txt", sections=3)
def test_markdown_escaping(case):
    text, escaped, html = case.sections
    rendered = render_markdown(escape_markdown(text))
    assert shown_text(rendered) == text  # what a reader sees is what the digest said
    assert escape_markdown(text) == escaped
    assert rendered == html + "\n"
    # Plain text takes its fast path on escaped text, and it reads as the page does.
    assert not has_markdown_syntax(escaped) and plain_text(escaped) == " ".join(text.split())


@parametrize("links.txt")
def test_links(case):
    text, expected = case.sections
    assert "\n".join(f"{link.kind} {link.url}" for link in extract_links(text)) == expected


@pytest.fixture(scope="module")
def matcher() -> TopicMatcher:
    topics, errors = load_taxonomy(CASES / "topics.yaml")
    assert errors == []
    return TopicMatcher(topics, fallback_slug(topics))


@parametrize("topics.txt", sections=3)
def test_topic_rules(case, matcher):
    title, abstract, expected = case.sections
    assert " ".join(matcher.assign(title, abstract)) == expected


LIST_FIELDS = {"authors", "sources"}
REQUIRED = {"title": "A Title", "slug": "a-paper", "featured": "[2025-08-18]", "topics": "[other]"}


@parametrize("frontmatter.txt", sections=3)
def test_front_matter_round_trip(case, tmp_path):
    field, text, written = case.sections
    value = [text] if field in LIST_FIELDS else text
    assert dump_fields({field: value}) == written + "\n"
    assert yaml.safe_load(written) == {field: value}
    lines = [written if name == field else f"{name}: {default}" for name, default in REQUIRED.items()]
    path = tmp_path / "a-paper.md"
    path.write_text("---\n" + "\n".join(lines + ([written] if field not in REQUIRED else [])) + "\n---\nBody.\n",
                    encoding="utf-8")
    paper_file, errors = read_paper_file(path)
    assert errors == []
    read_back = getattr(paper_file.paper, field)
    assert (list(read_back) if field in LIST_FIELDS else read_back) == value


# --- the reader itself --------------------------------------------------------------------

def test_cases_know_their_lines_and_decode_code_points(tmp_path):
    path = tmp_path / "demo.txt"
    path.write_text("# a comment\n\nfirst\n.\na{U+0009}b\n\n.\nx\n.\n\nsecond\n.\n.\ny\nz\n.\n", encoding="utf-8")
    first, second = read_cases(path)
    assert (first.line, first.name, first.sections, first.section_lines) == (3, "first", ("a\tb\n", "x"), (5, 8))
    assert (second.line, second.sections) == (11, ("", "y\nz"))
    assert str(second) == "demo.txt:11 second"


@pytest.mark.parametrize("text, words", [
    ("name\nno dot\n.\n", "demo.txt:1: a case name must be followed"),
    ("name\n.\nonly one section\n.\n", "demo.txt:1: case 'name' needs 2 sections"),
    ("# nothing\n", "no cases"),
])
def test_a_malformed_case_file_names_its_line(tmp_path, text, words):
    path = tmp_path / "demo.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(words)):
        read_cases(path)
