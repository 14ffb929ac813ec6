"""content/site.yaml: defaults, types, unknown keys; every error with file:line."""
from pathlib import Path

import pytest

from generator.config import SiteConfig, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file_gives_the_defaults(tmp_path):
    assert load_config(tmp_path / "site.yaml") == (SiteConfig(), [])


def test_values_are_read_and_base_url_loses_its_trailing_slash(tmp_path):
    config, errors = load_config(write(tmp_path, "title: My Digest\nbase_url: https://x.org/\nfeed_size: 7\n"))
    assert errors == []
    assert (config.title, config.base_url, config.feed_size) == ("My Digest", "https://x.org", 7)


def test_unknown_keys_and_wrong_types_are_all_reported_with_lines(tmp_path):
    path = write(tmp_path, "title: Ok\ntitel: typo\nfeed_size: ten\ntopic_page_size: true\nbase_url: ftp://x\n")
    _, errors = load_config(path)
    assert [(error.line, error.message.split(" ")[0]) for error in errors] == [
        (2, "unknown"), (3, "'feed_size'"), (4, "'topic_page_size'"), (5, "'base_url'")]
    assert (errors[0].message, errors[0].hint) == ("unknown site config key 'titel'", "did you mean 'title'?")
    assert str(errors[1]).startswith(f"{path}:3: ")


def test_an_unknown_key_like_no_other_lists_the_known_keys(tmp_path: Path) -> None:
    _, errors = load_config(write(tmp_path, "title: Ok\n\ncolour: red\n"))
    assert errors[0].line == 3 and errors[0].hint.startswith("known keys: title, description, base_url")


def test_a_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "title: A\nfeed_size: 5\ntitle: B\n")
    config, errors = load_config(path)
    assert [str(error) for error in errors] == [
        f"{path}:3: duplicate key 'title' (first on line 1) (keep one of the two)"]
    assert config == SiteConfig()


def test_a_wrong_type_on_a_later_line_is_reported_at_its_key(tmp_path: Path) -> None:
    _, errors = load_config(write(tmp_path, "title: Ok\n# the feed\nfeed_size:\n  - 10\n  - 20\n"))
    assert [(error.line, error.message.split(" ")[0]) for error in errors] == [(3, "'feed_size'")]


def test_a_key_that_is_not_text_is_an_error_with_its_line(tmp_path: Path) -> None:
    _, errors = load_config(write(tmp_path, "title: Ok\n1: one\n"))
    assert errors[0].line == 2 and "key '1' is read as a number" in errors[0].message


def test_tab_indentation_is_reported_at_its_line(tmp_path: Path) -> None:
    _, errors = load_config(write(tmp_path, "title: Ok\ndescription: >\n\tindented with a tab\n"))
    assert errors[0].line == 3 and errors[0].hint == "indent with spaces, not tabs"


def test_a_file_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_bytes(b"title: caf\xe9\n")
    _, errors = load_config(path)
    assert (errors[0].line, errors[0].message) == (1, "not UTF-8 text")


@pytest.mark.parametrize(("value", "words"), [
    ("english", "'language' must be a language tag, such as 'en', 'en-GB' or 'zh-Hans', not 'english'"),
    ("en_US", "such as 'en-US', 'en', 'en-GB'"),
    ("en GB", "not 'en GB'"),
])
def test_a_language_that_is_no_language_tag_is_an_error_with_its_line(tmp_path, value, words):
    _, errors = load_config(write(tmp_path, f"title: Ok\nlanguage: {value}\n"))
    assert [error.line for error in errors] == [2] and words in errors[0].message


@pytest.mark.parametrize("value", ["en", "de", "en-GB", "zh-Hans", "zh-Hant-TW", "es-419", "fil"])
def test_language_tags_are_taken_as_written(tmp_path, value):
    config, errors = load_config(write(tmp_path, f"language: {value}\n"))
    assert errors == [] and config.language == value


def test_a_page_size_must_be_positive(tmp_path):
    _, errors = load_config(write(tmp_path, "topic_page_size: 0\n"))
    assert errors and "at least 1" in errors[0].message


def test_broken_yaml_names_the_line(tmp_path):
    _, errors = load_config(write(tmp_path, "title: Ok\ndescription: [unclosed\n"))
    assert len(errors) == 1 and errors[0].line == 2 and "not valid YAML" in errors[0].message


def test_a_list_instead_of_a_mapping_is_an_error(tmp_path):
    _, errors = load_config(write(tmp_path, "- title\n"))
    assert errors and errors[0].line == 1


def test_every_field_is_documented():
    import inspect

    source = inspect.getsource(SiteConfig)
    for name in SiteConfig.__dataclass_fields__:
        declaration = source.index(f"    {name}:")
        assert '"""' in source[declaration:].split("\n")[1], f"{name} has no docstring"
