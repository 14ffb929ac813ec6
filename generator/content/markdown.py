"""Markdown in and out: escaping digest text so it reads literally, and rendering bodies safely."""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

# Characters that start Markdown syntax anywhere in a line. '<' is escaped even
# though raw HTML is off, because '<https://…>' would still become an autolink.
INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<])")
ENTITY = re.compile(r"&(#?[A-Za-z0-9]+;)")
# Block syntax only counts at the start of a line: headings, quotes, lists, rules.
# ~ for "~~~", which opens a code fence. MULTILINE: every paragraph of an abstract starts lines.
LINE_START_SPECIAL = re.compile(r"^([#>+=|-]|~(?=~~))", re.MULTILINE)
ORDERED_LIST_START = re.compile(r"^(\d{1,9})([.)])", re.MULTILINE)

SAFE_SCHEMES = ("http:", "https:", "mailto:")
OTHER_ASCII_SPACES = "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"  # what str.split() splits at besides " "
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")  # a blank line, spaces on it or not
TEX_QUOTES = re.compile(r"``(?=\S)([^`<>\n]{1,400}?)(?<=\S)''")  # ``quoted'', never across a tag
BACKSLASH_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")  # what CommonMark lets a backslash escape
# What can make rendered text differ from the text with its escapes removed, looked for once the
# escapes are: inline markup, entities (ENTITY), a backslash line break, and a block's marker at a
# line's start (a heading's #, a quote's >, a list item's -, + or 1., a setext underline, a ~~~
# fence). escape_markdown leaves none of them, so an ingested body never has one; a curator's may.
# Characters are looked for with `in`, which scans ~5x faster than a regex's character class.
INLINE_SYNTAX = "`*_[]<"
BLOCK_MARKER = r" {0,3}(?:[#>+=-]|~~~|\d{1,9}[.)])"
BLOCK_MARKER_AT_START = re.compile(BLOCK_MARKER)
BLOCK_MARKER_AFTER_BREAK = re.compile(rf"[\r\n]{BLOCK_MARKER}")
# Tokens whose content is text the page shows; other inline tokens are markup (a link shows the
# text tokens between its link_open and link_close) or a line break.
SHOWN_INLINE = frozenset(["text", "code_inline"])
LINE_BREAKS = frozenset(["softbreak", "hardbreak"])
SHOWN_BLOCK = frozenset(["code_block", "fence"])
CONTROL_CHARACTER = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")  # a line break is one only as \n
TAG = re.compile(r"(<[^>]*>)")
TAG_NAME = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)")
VERBATIM = frozenset(["code", "pre"])  # elements whose text shows as written


def escape_markdown(text: str) -> str:
    """Plain text -> Markdown that renders back to exactly that text.

    Digest abstracts are plain text full of characters Markdown would act on:
    `$L_2$`, `x*y`, ``quotes'', `[1]`, `<think>`. Escaping keeps the file
    readable while guaranteeing the site shows what the digest said.
    """
    escaped = INLINE_SPECIAL.sub(r"\\\1", text)
    escaped = ENTITY.sub(r"\\&\1", escaped)
    escaped = LINE_START_SPECIAL.sub(r"\\\1", escaped)
    return ORDERED_LIST_START.sub(r"\1\\\2", escaped)


def unescape_markdown(text: str) -> str:
    """The plain text an escaped body stands for: CommonMark's backslash escapes removed."""
    return BACKSLASH_ESCAPE.sub(r"\1", text) if "\\" in text else text


def plain_text(markdown_text: str) -> str:
    """A body as one line of the plain text its page shows (meta descriptions, search snippets,
    papers.json): `*a*` is a, `[a](url)` a. Most bodies are escaped ingest output, where removing
    the escapes gives that text; only a body with other Markdown syntax is rendered. Rendering
    takes ~48 µs a body, the check and the escapes' removal ~3.6: the corpus's 80,317 abstracts,
    escaped as ingest writes them, in 3.9 s against 0.29 s; a build reads each several times."""
    if has_markdown_syntax(markdown_text):
        return rendered_text(markdown_text)
    one_line = markdown_text if is_one_line(markdown_text) else " ".join(markdown_text.split())
    return unescape_markdown(one_line)


def has_markdown_syntax(markdown_text: str) -> bool:
    """Whether the text holds Markdown that renders as more than its characters, escapes aside."""
    # Each escape as a letter, which is no syntax: dropped, `\\--- text` would read as a list item.
    unescaped = BACKSLASH_ESCAPE.sub("x", markdown_text) if "\\" in markdown_text else markdown_text
    return _has_inline_syntax(unescaped) or _has_block_marker(unescaped)


def _has_inline_syntax(unescaped: str) -> bool:
    return (any(char in unescaped for char in INLINE_SYNTAX) or "\\\n" in unescaped
            or ("&" in unescaped and ENTITY.search(unescaped) is not None))


def _has_block_marker(unescaped: str) -> bool:
    return BLOCK_MARKER_AT_START.match(unescaped) is not None or (
        ("\n" in unescaped or "\r" in unescaped) and BLOCK_MARKER_AFTER_BREAK.search(unescaped) is not None)


def rendered_text(markdown_text: str) -> str:
    """The text markdown-it renders a body to, as one line: no markup, a link as its text."""
    shown: list[str] = []
    for token in _parser().parse(markdown_text):
        if token.children is not None:
            shown.extend(map(_inline_text, token.children))
        else:  # a block's edge parts words as a line break does
            shown.append(token.content if token.type in SHOWN_BLOCK else " ")
    return " ".join("".join(shown).split())


def _inline_text(token: Token) -> str:
    if token.type in SHOWN_INLINE:
        return token.content
    return " " if token.type in LINE_BREAKS else ""


def normalize_paragraphs(text: str) -> str:
    """Whitespace as a reader sees it: within a paragraph, line breaks and runs of spaces are one
    space; paragraphs stay parted by a blank line; none at either end. An arXiv abstract's hard
    wraps, or a curator's, are not breaks in its sentences."""
    if is_one_line(text):
        return text
    paragraphs = (" ".join(part.split()) for part in PARAGRAPH_BREAK.split(text))
    return "\n\n".join(paragraph for paragraph in paragraphs if paragraph)


def is_one_line(text: str) -> bool:
    """Whether `" ".join(text.split())` gives text back: ASCII, spaces single, none at either end.

    Splitting a 1,400-character abstract into words and joining them costs ~25 µs, and a build
    makes plain text of every body three times (descriptions, papers.json, search); most
    abstracts are one line already, which these scans in C tell in ~1 µs."""
    return (text.isascii() and not any(space in text for space in OTHER_ASCII_SPACES)
            and "  " not in text and not text.startswith(" ") and not text.endswith(" "))


def curly_tex_quotes(text: str) -> str:
    """TeX's quotation marks, ``like this'', as a reader expects them: “like this”. Abstracts taken
    from arXiv keep TeX's (937 of the 80,317 in the corpus). Text or HTML alike: a quotation
    never spans a tag."""
    return TEX_QUOTES.sub("\u201c\\1\u201d", text) if "``" in text else text


def is_safe_url(url: str) -> bool:
    """Only http(s), mailto and relative links; no javascript:, data:, vbscript:…"""
    candidate = re.sub(r"[\x00-\x20]", "", url).lower()
    scheme = re.match(r"^[a-z][a-z0-9+.-]*:", candidate)
    return scheme is None or scheme.group(0) in SAFE_SCHEMES


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # Imported here, on the first body with Markdown syntax: most builds have none (ingest escapes
    # what digests say, and plain bodies skip the parser), and the import took 12 ms of the
    # command's start, before the paper parsers fork.
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": False})
    parser.validateLink = is_safe_url  # type: ignore[method-assign]  # markdown-it's documented hook
    # An image would make the page load from wherever its URL points (a tracking pixel, say);
    # without the rule, `![alt](url)` reads as "!" and a plain link to the URL.
    parser.disable("image")
    return parser


def render_markdown(text: str) -> str:
    """Markdown -> HTML with raw HTML disabled, no images and only safe link schemes.

    Most bodies are escaped ingest output: paragraphs of text, with no Markdown but backslash
    escapes. Their HTML is made here, as markdown-it makes it (tests/test_markdown.py compares
    both on every abstract of the corpus): 4 µs a body instead of 60 (the 15,683 of the corpus's
    80,317 abstracts that hold an escape took 0.95 s of a build's main process)."""
    if _is_plain_paragraphs(text):
        return "".join(f"<p>{escape_html(unescape_markdown(paragraph))}</p>\n" for paragraph in text.split("\n\n"))
    return parsed_html(text)


def parsed_html(text: str) -> str:
    """markdown-it's HTML of the text, as render_markdown gives it."""
    return str(_parser().render(text))


def _is_plain_paragraphs(text: str) -> bool:
    """Paragraphs parted by one blank line, of lines with no whitespace at either end and no control
    character, holding no Markdown but backslash escapes: no line can start a block but a paragraph,
    and no character is more than text."""
    if not text or has_markdown_syntax(text) or CONTROL_CHARACTER.search(text):
        return False
    return is_one_line(text) or all(line and line.strip() == line for line in text.replace("\n\n", "\n").split("\n"))


def text_outside(html: str, needle: str, change: Callable[[str, str], str], kept: frozenset[str]) -> str:
    """HTML with `change(text, tag after it)` applied to each run of text between two tags that
    holds `needle` ("" after the last), except inside the elements named in `kept` (VERBATIM, say)."""
    parts = TAG.split(html)
    kept_depth = 0
    for index, part in enumerate(parts):
        if index % 2:  # a tag
            kept_depth = max(0, kept_depth + _depth_change(part, kept))
        elif kept_depth == 0 and needle in part:
            parts[index] = change(part, parts[index + 1] if index + 1 < len(parts) else "")
    return "".join(parts)


def _depth_change(tag: str, kept: frozenset[str]) -> int:
    """+1 for a tag that opens one of the kept elements, -1 for one that closes one, else 0."""
    found = TAG_NAME.match(tag)
    if found is None or found.group(2).lower() not in kept:
        return 0
    return -1 if found.group(1) else 1


def opens_element(tag: str) -> bool:
    """Whether a tag (as TAG finds one) opens an element: `<em>`, not `</p>` or `<br />`."""
    return TAG_NAME.match(tag) is not None and not tag.startswith("</") and not tag.endswith("/>")


def escape_html(text: str) -> str:
    """Text as markdown-it writes it into HTML (its escapeHtml): & < > and " as entities."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if '"' in text:
        text = text.replace('"', "&quot;")
    return text
