"""Front matter read without the YAML parser (yamlin.py) gives what the parser gives, or declines."""
import datetime as dt
import random

import pytest

from generator.content.frontmatter import FrontMatterError, parse_front_matter
from generator.content.yamlin import read_written
from generator.content.yamlout import dump_fields
from generator.yamlio import YamlError, load_yaml
from tests.helpers import FIXTURES, ROOT
from tests.test_yamlout import ALPHABET, NASTY


def parsed(text: str) -> tuple[object, dict[str, int]]:
    document = load_yaml(text, first_line=2)
    return document.data, document.key_lines()


def read_fast(text: str) -> tuple[object, dict[str, int]] | None:
    return read_written(text.split("\n"), first_line=2)


def paper_fields(text: str, rng: random.Random) -> dict:
    """Every shape yamlout writes, around one awkward text."""
    return {"title": text, "slug": "a-paper", "featured": [dt.date(2025, 8, 18), dt.date(2025, 8, 19)],
            "topics": [text, "language-models"] if rng.random() < 0.5 else [],
            "links": [{"url": "https://a.example/x?y=1", "kind": "code"}, {"url": text, "kind": "project page"}],
            "arxiv_id": "2508.01234", "authors": [text, "A. Author", "Ö. Ünal"],
            "ranks": {dt.date(2025, 8, 18): 3, dt.date(2025, 8, 19): 10}, "published": dt.date(2024, 2, 29),
            "primary_category": "cs.CL", "sources": ["2025-08-18.txt", text]}


def test_what_yamlout_writes_is_read_fast_as_the_parser_reads_it():
    rng = random.Random(20251129)
    texts = NASTY + ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 12))) for _ in range(3000)]
    for text in texts:
        written = dump_fields(paper_fields(text, rng)).rstrip("\n")
        fast = read_fast(written)
        assert fast is not None, written
        assert fast == parsed(written), written


def test_every_paper_file_of_the_project_is_read_fast_as_the_parser_reads_it():
    files = sorted((ROOT / "content" / "papers").glob("*.md"))
    assert len(files) > 50
    for path in files:
        lines = path.read_text(encoding="utf-8").split("\n")
        front = lines[1:lines.index("---", 1)]
        assert read_written(front, first_line=2) == parsed("\n".join(front)), path


# Odd, but read by the parser as these lines say: the fast reader reads them the same.
ODD_BUT_PLAIN = ["title: 1e3", "featured: [2025-8-1]", "title: 3D Gaussians", "authors: [O'Brien, d'Alembert]", "topics: []", "ranks: {}",
                 "title: https://a.example/x?y=1&z=%20"]


@pytest.mark.parametrize("text", ODD_BUT_PLAIN)
def test_odd_lines_are_read_fast_as_the_parser_reads_them(text):
    assert read_fast(text) == parsed(text)


# Front matter that yamlout never writes: the fast reader declines, and the parser decides.
DECLINED = [
    "title: A title  # a comment",
    "title: C# in 2 Steps",
    "title: It's a URL: no",
    "# a comment\ntitle: A title",
    "title: A title\n\nslug: a",
    "yes: 1",
    "title: yes",
    "title: null",
    "title: ~",
    "title: 012",
    "title: -5",
    "featured: [2025-02-30]",
    "published: 2025-13-01",
    "topics: [a:b]",
    "topics: [a, b, ]",
    "topics: [a,b]",
    "topics: [[a]]",
    "topics: ['a']",
    "title:\tTabbed",
    "title: A title\r",
    "title: 'single quoted'",
    'title: "a\\nb"',
    'title: "unclosed',
    'title: "a" trailing',
    "title: |\n  block text",
    "title: &anchor A title\nslug: *anchor",
    "title: A title\n  continued on the next line",
    "title: A title\ntitle: Again",
    "links:",
    "links:\n  - {url: 'https://a.example', kind: code}",
    "links:\n- url: https://a.example\n  url: https://b.example",
    "links:\n- url: https://a.example\n  - kind: code",
    "ranks: {a: 1}",
    "ranks: {2025-08-18: 03}",
    "ranks: {2025-08-18: 1, 2025-08-18: 2}",
    "title:  two spaces",
    "title:A title",
    "Title: Capital key",
    "- a list",
    "title: A title\n...",
]


@pytest.mark.parametrize("text", DECLINED)
def test_anything_else_is_left_to_the_parser(text):
    assert read_fast(text) is None
    file_text = f"---\n{text}\n---\nBody.\n"
    try:
        expected = parsed(text)
    except YamlError as error:
        with pytest.raises(FrontMatterError) as raised:
            parse_front_matter(file_text)
        assert (raised.value.line, raised.value.message) == (error.line, error.message)
        return
    if isinstance(expected[0], dict):
        fields, key_lines, body, _, _ = parse_front_matter(file_text)
        assert (fields, key_lines, body) == (*expected, "Body.\n")


def test_a_number_too_long_for_python_is_the_parsers_error_with_its_line():
    """Python reads no whole number of more than 4,300 digits from text."""
    for text in ("github_stars: " + "9" * 5000, "ranks: {2025-08-18: " + "9" * 5000 + "}"):
        with pytest.raises(FrontMatterError) as raised:
            parse_front_matter(f"---\ntitle: T\n{text}\n---\nBody.\n")
        assert raised.value.line == 3 and "cannot be read as a number" in raised.value.message


def test_hand_written_golden_papers_still_parse(tmp_path):
    """The golden fixture writes links as flow mappings, which only the parser reads."""
    path = FIXTURES / "golden" / "content" / "papers" / "skippipe.md"
    fields, *_ = parse_front_matter(path.read_text(encoding="utf-8"))
    assert fields["links"] == [{"url": "https://github.com/gensyn-ai/skippipe", "kind": "code"}]
