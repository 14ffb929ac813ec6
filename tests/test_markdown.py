"""Rendering paper bodies safely: which link schemes survive, and raw HTML never does.

Escaping plain text case by case: tests/fixtures/cases/markdown.txt.
"""
import random

import pytest

from generator.content import markdown
from generator.content.markdown import escape_markdown, is_safe_url, normalize_paragraphs, plain_text, render_markdown


@pytest.mark.parametrize("url", [
    "https://github.com/a/b", "http://x.org", "mailto:a@b.org", "HTTPS://X.ORG", "/papers/x/", "#top", "page.html",
])
def test_web_mail_and_relative_links_are_safe(url):
    assert is_safe_url(url)


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)", "java\nscript:alert(1)",
    " javascript:alert(1)", "\x01javascript:alert(1)", "data:text/html,<b>x</b>", "vbscript:msgbox(1)",
    "file:///etc/passwd", "ftp://x.org/",
])
def test_other_schemes_are_refused_even_when_disguised(url):
    assert not is_safe_url(url)


def test_a_body_renders_no_raw_html_and_no_script_link():
    html = render_markdown("A [web link](https://x.org), a [script](javascript:alert(1)) and <b>bold</b>.")
    assert '<a href="https://x.org">web link</a>' in html
    assert "[script](javascript:alert(1))" in html and 'href="javascript' not in html  # left as text
    assert "<b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html


def test_plain_text_is_one_line_without_escapes():
    assert plain_text("We study \\*routing\\*\\: experts\n\\[1\\]   and \\<b\\>") == "We study *routing*: experts [1] and <b>"


@pytest.mark.parametrize("text", [
    "", " ", "one line already", " leading", "trailing ", "double  space", "tab\there", "line\nbreak",
    "form\x0cfeed", "file\x1cseparator", "no-break\xa0space", "ideographic\u3000space", "line\u2028separator",
    "non-ASCII é but single spaces", "\\*escaped\\* only",
])
def test_plain_text_of_a_body_already_on_one_line_is_the_same_as_of_any_other(text):
    assert plain_text(text) == plain_text("\n" + text) == " ".join(text.split()).replace("\\*", "*")


@pytest.mark.parametrize("body, shown", [
    ("We study *sparse* **routing** with `top-k` gates.", "We study sparse routing with top-k gates."),
    ("Code at [our repo](https://github.com/a/b) and <https://c.example/x>.", "Code at our repo and https://c.example/x."),
    ("R&amp;D on &lt;think&gt; tokens", "R&D on <think> tokens"),
    ("# Summary\n\n- one\n- two\n\n> quoted\nline\\\nbreak", "Summary one two quoted line break"),
    ("A [script](javascript:alert(1)) and <b>tag</b> stay text", "A [script](javascript:alert(1)) and <b>tag</b> stay text"),
    ("\\*escaped\\* and *not*", "*escaped* and not"),
    ("\\emph{see [y](https://z.example)}", "\\emph{see y}"),  # TeX is tex_text.py's
])
def test_plain_text_of_a_curators_markdown_is_the_text_its_page_shows(body, shown):
    """A meta description, papers.json or a search snippet shows no Markdown syntax."""
    assert plain_text(body) == shown


def test_every_corpus_abstract_renders_as_markdown_it_renders_it():
    """render_markdown makes plain paragraphs itself; a page must show what markdown-it would."""
    from search_support import corpus_papers_1000

    bodies = [paper.body for paper in corpus_papers_1000()]
    bodies += [body.replace(". ", ".\n", 2) for body in bodies[:300]]  # hard-wrapped by a curator
    bodies += ["\n\n".join(bodies[number:number + 3]) for number in range(0, 300, 3)]  # several paragraphs
    assert sum(map(markdown._is_plain_paragraphs, bodies)) > 1200  # made here, not by markdown-it
    assert [render_markdown(body) for body in bodies] == [markdown.parsed_html(body) for body in bodies]


def test_text_that_looks_plain_renders_as_markdown_it_renders_it():
    """Random text of the characters that make Markdown more than text, as written, as ingest
    escapes it and as ingest lays out its paragraphs."""
    pieces = ["a", " ", "  ", "\n", "\n\n", "\\", "*", "_", "&", "<", ">", '"', "#", "-", "1", ".", ")", "\t", "\r",
              "`", "[", "]", "!", "~", "=", "+", "\x00", "é", "\xa0", "amp;", "#35;", "\\\n", "    ", "\u2028", "\x0c"]
    generator = random.Random(11)
    checked = 0
    for _ in range(20_000):
        text = "".join(generator.choice(pieces) for _ in range(generator.randint(1, 12)))
        for candidate in (text, escape_markdown(text), normalize_paragraphs(escape_markdown(text))):
            if markdown._is_plain_paragraphs(candidate):
                checked += 1
                assert render_markdown(candidate) == markdown.parsed_html(candidate), repr(candidate)
    assert checked > 10_000


def test_html_is_escaped_as_markdown_it_escapes_it():
    from markdown_it.common.utils import escapeHtml

    text = "".join(map(chr, range(32, 127))) + " é <b> &amp; \"quoted\" 'single'"
    assert markdown.escape_html(text) == escapeHtml(text)
