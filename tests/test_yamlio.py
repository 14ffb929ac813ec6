"""The one YAML loader: data plus the line of every key and item; every problem a YamlError with its line."""
import datetime as dt
from pathlib import Path

import pytest
import yaml

from generator.content.frontmatter import FrontMatterError, parse_front_matter
from generator.errors import unknown_key
from generator.yamlio import YamlError, load_yaml, load_yaml_file

TOPICS = """\
fallback: other
topics:
  - slug: moe
    keywords: [mixture of experts, moe]
  - slug: other
    name: Other
    keywords:
      - a
      - b
"""


def test_lines_of_keys_and_items_at_any_depth() -> None:
    document = load_yaml(TOPICS)
    assert document.data["topics"][1]["keywords"] == ["a", "b"]
    assert document.line("fallback") == 1
    assert document.line("topics") == 2
    assert document.line("topics", 0) == 3
    assert document.line("topics", 1) == 5
    assert document.line("topics", 0, "keywords") == 4
    assert document.line("topics", 1, "keywords") == 7
    assert document.line("topics", 1, "keywords", 1) == 9


def test_a_missing_key_is_placed_at_its_nearest_parent() -> None:
    document = load_yaml(TOPICS)
    assert document.line("topics", 0, "name") == 3
    assert document.line("topics", 7) == 2
    assert document.line("nothing") == 1


def test_key_lines_of_a_mapping() -> None:
    document = load_yaml(TOPICS, first_line=10)
    assert document.key_lines() == {"fallback": 10, "topics": 11}
    assert document.key_lines("topics", 1) == {"slug": 14, "name": 15, "keywords": 16}


@pytest.mark.parametrize("text, line, first", [
    ("title: a\ntitle: b\n", 2, 1),
    ("topics:\n  - slug: a\n    keywords: [x]\n    name: A\n    keywords: [y]\n", 5, 3),
    ("links: [{url: a, kind: code, url: b}]\n", 1, 1),
    ("a:\n  b:\n    c: 1\n    'c': 2\n", 4, 3),
])
def test_duplicate_keys_are_rejected_at_any_depth_naming_both_lines(text: str, line: int, first: int) -> None:
    with pytest.raises(YamlError) as caught:
        load_yaml(text)
    assert caught.value.line == line
    assert f"(first on line {first})" in caught.value.message and "duplicate key '" in caught.value.message


def test_the_first_problem_in_the_file_is_the_one_reported() -> None:
    with pytest.raises(YamlError) as caught:
        load_yaml("a:\n  b: 1\n  b: 2\nc: 1\na: 3\n")
    assert (caught.value.line, caught.value.message) == (3, "duplicate key 'b' (first on line 2)")


@pytest.mark.parametrize("text, line, words", [
    ("title: T\n1: x\n", 2, "key '1' is read as a number"),
    ("title: T\nnull: x\n", 2, "key 'null' is read as null"),
    ("title: T\nyes: x\n", 2, "key 'yes' is read as true/false"),
    ("title: T\n1.5: x\n", 2, "key '1.5' is read as a number"),
    ("title: T\n[a]: b\n", 2, "a key is a list"),
    ("title: T\n? {a: 1}\n: b\n", 2, "a key is a mapping"),
    ("base: &base {a: 1}\nother:\n  <<: *base\n", 3, "key '<<' is read as a merge"),
])
def test_a_key_that_is_not_text_is_an_error_with_its_line(text: str, line: int, words: str) -> None:
    with pytest.raises(YamlError) as caught:
        load_yaml(text)
    assert caught.value.line == line and words in caught.value.message


def test_a_quoted_key_is_text() -> None:
    assert load_yaml('"1": x\n"yes": y\n').data == {"1": "x", "yes": "y"}


@pytest.mark.parametrize("text, line", [
    ("title: T\n\tslug: x\n", 2),
    ("topics:\n\t- a\n", 2),
    ("a:\n\tb: 1\nc: [unclosed\n", 2),
])
def test_tab_indentation_names_the_line_and_says_to_indent_with_spaces(text: str, line: int) -> None:
    with pytest.raises(YamlError) as caught:
        load_yaml(text)
    assert caught.value.line == line
    assert caught.value.hint == "indent with spaces, not tabs"


def test_a_syntax_error_without_tabs_has_the_quoting_hint_and_its_line() -> None:
    with pytest.raises(YamlError) as caught:
        load_yaml("title: T\nname: a: b\nslug: x\n", first_line=5)
    assert caught.value.line == 6 and caught.value.message.startswith("not valid YAML: ")
    assert "quote values" in caught.value.hint


def test_an_unclosed_list_at_the_end_of_the_text_points_at_a_line_of_the_text() -> None:
    with pytest.raises(YamlError) as caught:
        load_yaml("title: Ok\ndescription: [unclosed\n")
    assert caught.value.line == 2


def test_a_date_key_is_kept_as_written_for_day_to_value_mappings() -> None:
    document = load_yaml("ranks: {2025-08-18: 3, 2025-08-19: 1}\n")
    assert document.data == {"ranks": {"2025-08-18": 3, "2025-08-19": 1}}
    with pytest.raises(YamlError, match="duplicate key '2025-08-18'"):
        load_yaml("ranks: {2025-08-18: 3, 2025-08-18: 1}\n")


def test_dates_are_read_and_impossible_ones_are_errors() -> None:
    assert load_yaml("featured: [2025-08-18]\n").data == {"featured": [dt.date(2025, 8, 18)]}
    with pytest.raises(YamlError) as caught:
        load_yaml("title: T\nfeatured:\n  - 2025-08-18\n  - 2025-02-30\n", first_line=2)
    assert caught.value.line == 5 and "'2025-02-30' is not a real date" in caught.value.message
    assert caught.value.hint == "write dates as YYYY-MM-DD"


@pytest.mark.parametrize("text, line", [
    ("a: b\nc: \x07\n", 2),  # a control character
    ("a: !!int abc\n", 1),
    ("a: 1\nb: !!bool maybe\n", 2),
    ("a: !!timestamp someday\n", 1),
    ("a: " + "9" * 5000 + "\n", 1),  # more digits than Python converts
    ("a: !unknown x\n", 1),
    ("a: !!python/object/apply:os.system ['true']\n", 1),  # safe: no Python objects
    ("a: 1\n---\nb: 2\n", 2),
    ("a: !!map [x]\n", 1),
    ("a: " + "[" * 1000 + "]" * 1000 + "\n", 1),
])
def test_nothing_but_a_yaml_error_ever_comes_out(text: str, line: int) -> None:
    with pytest.raises(YamlError) as caught:
        load_yaml(text)
    assert caught.value.line == line and caught.value.message


def test_aliases_are_walked_once_however_often_they_repeat() -> None:
    laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{name}: &{name} [{', '.join([f'*{previous}'] * 10)}]\n" for previous, name in zip("abcd", "bcde"))
    document = load_yaml(laughs)  # walking every repetition would visit 10^5 items
    assert document.data["e"][9][9][9][9] == ["x"] * 10
    assert len(document.lines) < 100


def test_an_alias_may_contain_itself() -> None:
    loop = load_yaml("a: &a [*a]\n").data
    assert loop["a"][0] is loop["a"]


def test_empty_text_and_a_lone_value() -> None:
    assert load_yaml("").data is None
    assert load_yaml("# only a comment\n").data is None
    assert load_yaml("plain").data == "plain"


def test_the_c_loader_is_used_when_pyyaml_has_it() -> None:
    from generator.yamlio import _LineLoader

    assert issubclass(_LineLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def test_a_file_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_bytes(b"title: a\ndescription: caf\xe9\n")
    with pytest.raises(YamlError) as caught:
        load_yaml_file(path)
    assert (caught.value.line, caught.value.message) == (2, "not UTF-8 text")


PAPER = "---\ntitle: T\nslug: s\nfeatured: [2025-08-18]\ntopics: [moe]\n{extra}---\nThe abstract.\n"


def test_front_matter_gives_fields_and_file_lines_of_its_keys() -> None:
    fields, key_lines, body, body_line, _ = parse_front_matter(PAPER.format(extra="links:\n- url: https://a.example\n"))
    assert fields["links"] == [{"url": "https://a.example"}]
    assert key_lines == {"title": 2, "slug": 3, "featured": 4, "topics": 5, "links": 6}
    assert (body, body_line) == ("The abstract.\n", 9)


@pytest.mark.parametrize("extra, line, words", [
    ("title: U\n", 6, "duplicate key 'title' (first on line 2)"),
    ("links:\n- url: https://a.example\n  kind: code\n  kind: demo\n", 9, "duplicate key 'kind' (first on line 8)"),
    ("1: x\n", 6, "key '1' is read as a number"),
    ("authors:\n\t- A\n", 7, "not valid YAML"),
    ("sources: [2025-02-30]\n", 6, "not a real date"),
])
def test_front_matter_problems_name_the_file_line(extra: str, line: int, words: str) -> None:
    with pytest.raises(FrontMatterError) as caught:
        parse_front_matter(PAPER.format(extra=extra))
    assert caught.value.line == line and words in caught.value.message


def test_front_matter_that_is_not_a_mapping() -> None:
    with pytest.raises(FrontMatterError) as caught:
        parse_front_matter("---\n- a\n---\n")
    assert caught.value.line == 2 and "mapping" in caught.value.message


def test_unknown_key_suggests_the_closest_known_name_else_lists_them() -> None:
    error = unknown_key("content/site.yaml", 4, "titel", ["title", "description"], what="site config key")
    assert str(error) == "content/site.yaml:4: unknown site config key 'titel' (did you mean 'title'?)"
    error = unknown_key("p.md", 7, "zzz", ["title", "slug"], what="field")
    assert (error.message, error.hint) == ("unknown field 'zzz'", "known fields: title, slug")
