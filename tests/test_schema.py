"""The paper schema is declared once, on `schema.Paper`; everything else is derived from it."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.build import pages
from generator.cache import file_stamp
from generator.content import schema
from generator.content.frontmatter import parse_front_matter
from generator.content.papers import (
    fields_from_paper,
    format_paper_file,
    paper_from_fields,
    read_paper_file,
)
from generator.content.schema import ARXIV_ID, SLUG, TEXT, Link, Paper, front_matter
from generator.content.taxonomy import Topic, TopicMatcher
from generator.content.validate import ONE_LINE_HINT, validate_fields
from generator.ingest.catalog import Catalog
from generator.ingest.draft import DraftPaper
from generator.project import Project
from tests.helpers import ROOT

EVERY_FIELD_SET = Paper(
    title="Sparse Routing: μ-Experts at 大 Scale", slug="sparse-routing", body="An abstract with \\*stars\\*.",
    featured=(dt.date(2025, 8, 18), dt.date(2025, 8, 19)), topics=("mixture-of-experts", "other"),
    rule_topics=("other",), links=(Link("https://github.com/a/b", "code"), Link("https://a.example/", "other")),
    arxiv_id="2508.01234", authors=("Ada Lovelace", "Émile Borel"), organization="Analytical Engines Ltd",
    ai_summary="Experts routed sparsely at scale.",
    ranks=((dt.date(2025, 8, 18), 3), (dt.date(2025, 8, 19), 12)), upvotes=20, comments=8, submitted_by="Ada L.", github_stars=1234, published=dt.date(2025, 8, 15),
    primary_category="cs.LG", sources=("2025-08-18.txt",),
)


def valid_fields(**changes: object) -> dict:
    return {**fields_from_paper(EVERY_FIELD_SET), **changes}


def test_readme_field_table_is_the_one_made_from_the_schema():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("| field | required | meaning |")
    table = readme[start:readme.index("\n\n", start) + 1]
    assert table == schema.markdown_table()


def test_every_field_round_trips_through_a_paper_file(tmp_path: Path):
    unset = [field.name for field in schema.front_matter_fields(Paper)
             if getattr(EVERY_FIELD_SET, field.name) == field.default]
    assert unset == [], "give every field a value here, so that its round trip is tested"
    path = tmp_path / "sparse-routing.md"
    path.write_text(format_paper_file(fields_from_paper(EVERY_FIELD_SET), EVERY_FIELD_SET.body), encoding="utf-8")
    paper_file, errors = read_paper_file(path)
    assert errors == []
    assert paper_file is not None
    read = paper_file.paper
    assert read == dataclasses.replace(EVERY_FIELD_SET, path=read.path, body_line=read.body_line)
    assert path.read_text(encoding="utf-8").split("\n")[read.body_line - 1] == EVERY_FIELD_SET.body


def test_files_list_fields_in_declared_order_and_leave_defaults_out():
    text = format_paper_file(fields_from_paper(Paper("T", "t", "", (dt.date(2025, 8, 18),), ("x",))), "")
    assert text == "---\ntitle: T\nslug: t\nfeatured: [2025-08-18]\ntopics: [x]\n---\n\n"
    keys = re.findall(r"^(\w+):", format_paper_file(fields_from_paper(EVERY_FIELD_SET), ""), flags=re.MULTILINE)
    assert keys == [field.name for field in schema.front_matter_fields(Paper)]


def test_papers_json_exports_the_declared_fields():
    record = pages.paper_record(EVERY_FIELD_SET)
    assert sorted(record) == ["abstract", "ai_summary", "arxiv_id", "authors", "comments", "featured", "github_stars", "links", "organization", "primary_category",
                              "published", "ranks", "slug", "submitted_by", "title", "topics", "upvotes", "url"]
    assert record["ranks"] == {"2025-08-18": 3, "2025-08-19": 12} and record["published"] == "2025-08-15"
    assert record["featured"] == ["2025-08-18", "2025-08-19"] and record["abstract"] == "An abstract with *stars*."


def test_papers_json_has_the_abstract_as_the_text_its_page_shows():
    """A curator's Markdown and an arXiv abstract's TeX text markup read as on the page; math stays TeX."""
    paper = dataclasses.replace(EVERY_FIELD_SET, body="A **54.6\\%** gain from \\emph{see [our code](https://x.example)}, $x^2$.")
    assert pages.paper_record(paper)["abstract"] == "A 54.6% gain from see our code, $x^2$."


@pytest.mark.parametrize("key, hint", [("topcis", "did you mean 'topics'?"),
                                       ("colour", "known fields: title, slug, featured, topics, rule_topics")])
def test_an_unknown_field_is_an_error_with_a_did_you_mean(key: str, hint: str):
    errors = validate_fields(valid_fields(**{key: ["x"]}), {key: 7}, "p.md")
    assert [(error.line, error.message) for error in errors] == [(7, f"unknown field '{key}'")]
    assert errors[0].hint.startswith(hint)


def test_a_missing_required_field_names_what_it_means():
    fields = valid_fields()
    del fields["featured"]
    (error,) = validate_fields(fields, {}, "p.md")
    assert error.message == "missing required field 'featured'" and "YYYY-MM-DD" in error.hint


@pytest.mark.parametrize("value", [-1, 2.5, True, "20"])
def test_upvotes_must_be_a_whole_number(value):
    (error,) = validate_fields(valid_fields(upvotes=value), {"upvotes": 9}, "p.md")
    assert (error.line, error.message) == (9, "field 'upvotes' must be a whole number, 0 or more")


def test_the_slug_must_be_the_file_name():
    (error,) = validate_fields(valid_fields(), {"slug": 3}, "p.md", expected_slug="other-name")
    assert error.line == 3 and "does not match the file name 'other-name.md'" in error.message


def test_a_paper_attribute_must_say_whether_it_is_front_matter():
    @dataclasses.dataclass(frozen=True)
    class Undeclared(Paper):
        venue: str = ""

    with pytest.raises(TypeError, match=r"Undeclared\.venue"):
        schema.front_matter_fields(Undeclared)


# A variant of the schema with one more optional field, declared in one place only. At module
# level so that the paper cache can store it.
@dataclasses.dataclass(frozen=True)
class PaperWithVenue(Paper):
    venue: str = front_matter(TEXT, "where the paper was published", default="")


def test_a_field_declared_once_survives_ingest_and_reaches_papers_json(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(schema, "Paper", PaperWithVenue)
    project = Project.at(tmp_path)
    project.papers.mkdir(parents=True)
    path = project.papers / "sparse-routing.md"
    path.write_text("---\ntitle: Sparse Routing\nslug: sparse-routing\nfeatured: [2025-08-18]\ntopics: [other]\n"
                    "venue: NeurIPS 2025\n---\nExperts route tokens.\n", encoding="utf-8")
    paper_file, errors = read_paper_file(path)
    assert errors == [] and paper_file is not None
    assert isinstance(paper_file.paper, PaperWithVenue) and paper_file.paper.venue == "NeurIPS 2025"

    catalog = Catalog([paper_file], TopicMatcher([Topic("other", "Other", "")], "other"))
    catalog.add(DraftPaper("Sparse Routing", "Experts route tokens.", dt.date(2025, 8, 19), "2025-08-19.txt", 3))
    catalog.write(project, {path.name: file_stamp(path)})
    text = path.read_text(encoding="utf-8")
    assert "featured: [2025-08-18, 2025-08-19]\n" in text and "venue: NeurIPS 2025\n---\n" in text

    reread, errors = read_paper_file(path)
    assert errors == [] and reread is not None
    record = json.loads(b"".join(pages.papers_json({"papers": [reread.paper]})))["papers"][0]
    assert record["venue"] == "NeurIPS 2025" and record["featured"] == ["2025-08-18", "2025-08-19"]


NOT_ONE_LINE = ["\n", "\r", "\t", "\x00", "\x1b", "\x7f", "\x85", "\x9f", "\u2028", "\u2029", "\ufffe", "\uffff",
                "\ud800", "\udfff"]
PLACES: dict[str, Callable[[str], dict[str, object]]] = {
    "title": lambda bad: {"title": f"Sparse{bad}Routing"},
    "slug": lambda bad: {"slug": f"sparse-routing{bad}"},
    "arxiv_id": lambda bad: {"arxiv_id": f"2508.01234{bad}"},
    "authors": lambda bad: {"authors": ["Ada Lovelace", f"Émile{bad}Borel"]},
    "topics": lambda bad: {"topics": [f"other{bad}"]},
    "links": lambda bad: {"links": [{"url": f"https://github.com/a/b{bad}", "kind": "code"}]},
}


@pytest.mark.parametrize("bad", NOT_ONE_LINE, ids=[f"U+{ord(bad):04X}" for bad in NOT_ONE_LINE])
@pytest.mark.parametrize("key", PLACES)
def test_values_with_control_characters_or_line_breaks_are_rejected(key: str, bad: str):
    errors = validate_fields(valid_fields(**PLACES[key](bad)), {key: 5}, "content/papers/p.md")
    assert [(error.line, error.message, error.hint) for error in errors] == [
        (5, f"field '{key}' contains the character U+{ord(bad):04X}, a control character or line break",
         ONE_LINE_HINT)]


def test_a_line_break_in_a_title_is_reported_at_its_line_in_the_file(tmp_path: Path):
    path = tmp_path / "sparse-routing.md"
    fields = {**valid_fields(), "title": "Sparse\nRouting"}
    path.write_text(format_paper_file(fields, "x"), encoding="utf-8")
    assert '"Sparse\\x0aRouting"' in path.read_text(encoding="utf-8")  # escaped: the YAML itself is fine
    paper_file, errors = read_paper_file(path)
    assert paper_file is None
    assert [(error.line, error.hint) for error in errors] == [(2, ONE_LINE_HINT)]


@pytest.mark.parametrize("bad", NOT_ONE_LINE, ids=[f"U+{ord(bad):04X}" for bad in NOT_ONE_LINE])
@pytest.mark.parametrize("key", PLACES)
def test_an_escaped_control_character_in_a_file_is_reported_at_its_field(tmp_path: Path, key: str, bad: str):
    """Escaped as ingest writes it, the YAML is fine and the value is not: the field is named at its line."""
    path = tmp_path / "sparse-routing.md"
    text = format_paper_file(valid_fields(**PLACES[key](bad)), "x")
    path.write_text(text, encoding="utf-8")
    line = 1 + text.split("\n").index(next(line for line in text.split("\n") if line.startswith(f"{key}:")))
    paper_file, errors = read_paper_file(path)
    assert paper_file is None
    assert (errors[0].line, errors[0].message) == (
        line, f"field '{key}' contains the character U+{ord(bad):04X}, a control character or line break")


def test_printable_unicode_is_one_line_text():
    title = "D^{2}MoE — μ-Experts: 大模型 with e\u0301 and \u00a0 and 😀 & <think>"
    assert validate_fields(valid_fields(title=title, authors=["José\u0301 Ñ", "李明"]), {}, "p.md") == []


@pytest.mark.parametrize("pattern, good", [(SLUG, "sparse-routing"), (ARXIV_ID, "2508.01234"),
                                           (ARXIV_ID, "hep-th/9901001v2")])
def test_identifier_patterns_match_whole_values_only(pattern: re.Pattern, good: str):
    assert pattern.match(good) and pattern.fullmatch(good)
    for bad in (good + "\n", good + " ", " " + good, good + "\n" + good):
        assert not pattern.match(bad) and not pattern.fullmatch(bad)


def test_paper_from_fields_reads_what_the_file_says():
    fields, key_lines, body, body_line, _ = parse_front_matter(
        "---\ntitle: '  Padded  '\nslug: p\nfeatured: [2025-08-19, 2025-08-18, 2025-08-19]\ntopics: [b, a]\n"
        "rule_topics: []\n---\nBody\n")
    assert validate_fields(fields, key_lines, "p.md") == []
    paper = paper_from_fields(fields, body, "p.md", body_line)
    assert (paper.title, paper.featured, paper.topics, paper.rule_topics, paper.links, paper.arxiv_id) == \
        ("Padded", (dt.date(2025, 8, 18), dt.date(2025, 8, 19)), ("b", "a"), (), (), "")
    assert "rule_topics: []" in format_paper_file(fields_from_paper(paper), paper.body)  # set, though empty



def test_a_paper_edited_under_the_same_slug_is_a_new_key_in_a_memo():
    """Templates memoize fragments by paper (a related-papers line, a row's quick links): a title
    corrected in the preview must miss the memo, and the same paper read again must hit it."""
    read_again = dataclasses.replace(EVERY_FIELD_SET)
    corrected = dataclasses.replace(EVERY_FIELD_SET, title="Sparse Routing, corrected")
    memo = {EVERY_FIELD_SET: "line"}
    assert memo.get(read_again) == "line"
    assert memo.get(corrected) is None
    assert len({EVERY_FIELD_SET, read_again, corrected}) == 2
