"""content/topics.yaml: every problem at the line of the key, topic or phrase concerned."""
from pathlib import Path

import pytest

from generator.content.taxonomy import Topic, load_taxonomy
from generator.errors import SourceError

GOOD = """\
fallback: other
topics:
  - slug: moe
    name: Mixture of experts
    description: Sparse experts.
    keywords: [mixture of experts, MoE]
    title_keywords: [router]
  - slug: other
    name: Other
    description: Everything else.
"""


def load(tmp_path: Path, text: str) -> tuple[list[Topic], list[SourceError]]:
    path = tmp_path / "topics.yaml"
    path.write_text(text, encoding="utf-8")
    return load_taxonomy(path)


def only_error(tmp_path: Path, text: str) -> SourceError:
    topics, errors = load(tmp_path, text)
    assert len(errors) == 1, errors
    assert topics == []  # never a partial taxonomy
    return errors[0]


def test_a_good_taxonomy_loads_in_file_order_with_the_fallback_last(tmp_path: Path) -> None:
    topics, errors = load(tmp_path, GOOD.replace("fallback: other", "fallback: moe"))
    assert errors == []
    assert [(topic.slug, topic.line) for topic in topics] == [("other", 8), ("moe", 3)]
    assert topics[1].keywords == ("mixture of experts", "moe") and topics[1].title_keywords == ("router",)


def test_an_unknown_top_level_key_is_reported_at_its_line_with_a_suggestion(tmp_path: Path) -> None:
    error = only_error(tmp_path, GOOD + "fallbak: other\n")
    assert (error.line, error.message, error.hint) == (11, "unknown key 'fallbak'", "did you mean 'fallback'?")


def test_an_unknown_key_in_a_topic_is_reported_at_its_own_line(tmp_path: Path) -> None:
    error = only_error(tmp_path, GOOD.replace("    title_keywords:", "    keyword: [x]\n    title_keywords:"))
    assert (error.line, error.message, error.hint) == (7, "unknown topic key 'keyword'", "did you mean 'keywords'?")


def test_an_unknown_key_far_from_any_lists_the_known_ones(tmp_path: Path) -> None:
    error = only_error(tmp_path, GOOD + "    colour: red\n")
    assert error.line == 11
    assert error.hint == "known keys: description, keywords, name, slug, title_keywords, weak_keywords"


@pytest.mark.parametrize("text, line, message", [
    (GOOD.replace("    title_keywords: [router]", "    keywords: [router]"), 7,
     "duplicate key 'keywords' (first on line 6)"),
    (GOOD + "fallback: moe\n", 11, "duplicate key 'fallback' (first on line 1)"),
])
def test_a_duplicate_key_names_both_lines(tmp_path: Path, text: str, line: int, message: str) -> None:
    error = only_error(tmp_path, text)
    assert (error.line, error.message) == (line, message)
    assert str(error).startswith(f"{tmp_path / 'topics.yaml'}:{line}: ")


def test_a_topic_defined_twice_names_both_lines(tmp_path: Path) -> None:
    error = only_error(tmp_path, GOOD + "  - slug: moe\n    name: Again\n")
    assert (error.line, error.message) == (11, "topic 'moe' is defined twice (first on line 3)")


@pytest.mark.parametrize("text, line, words", [
    (GOOD.replace("slug: moe", "slug: Mixture Of Experts"), 3, "topic slug must be"),
    (GOOD.replace("[mixture of experts, MoE]", "moe"), 6, "keywords must be lists of phrases"),
    (GOOD.replace("[mixture of experts, MoE]", "\n      - moe\n      - 42"), 8, "keywords must be lists"),
    (GOOD.replace("description: Sparse experts.", "description: [a, b]"), 5, "needs a name and a description"),
    (GOOD.replace("    name: Mixture of experts\n", ""), 3, "needs a name and a description"),  # the topic's line
    (GOOD + "  - just a phrase\n", 11, "each topic is a mapping"),
])
def test_a_value_of_the_wrong_type_is_reported_at_its_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    error = only_error(tmp_path, text)
    assert error.line == line and words in error.message, error


@pytest.mark.parametrize("phrase, words", [
    ("a if |", "has an empty part"),  # no context at all: it matched every paper with an 'a'
    ("quantum if", "ends with 'if': give the context words after it"),
    ("*quantum", "'*' may only end the phrase"),
    ("quantu**", "'*' may only end the phrase"),
    ("diffusion if *image", "'*' may only end the phrase"),
])
def test_a_phrase_that_cannot_match_as_meant_is_reported_at_its_line(tmp_path: Path, phrase: str, words: str) -> None:
    text = GOOD.replace("[mixture of experts, MoE]", f'\n      - mixture of experts\n      - "{phrase}"')
    error = only_error(tmp_path, text)
    assert error.line == 8 and words in error.message and f"'{phrase}'" in error.message, error


def test_an_empty_phrase_is_one_error(tmp_path: Path) -> None:
    error = only_error(tmp_path, GOOD.replace("[mixture of experts, MoE]", '[mixture of experts, ""]'))
    assert error.line == 6 and "keywords must be lists of phrases" in error.message


def test_context_words_and_trailing_wildcards_are_fine(tmp_path: Path) -> None:
    text = GOOD.replace("[mixture of experts, MoE]", '["diffusion if image*|video", "tokeniz*", gif, "verif*"]')
    assert load(tmp_path, text)[1] == []


def test_a_fallback_that_is_no_topic_is_reported_at_its_line(tmp_path: Path) -> None:
    error = only_error(tmp_path, "# the taxonomy\n" + GOOD.replace("fallback: other", "fallback: others"))
    assert (error.line, error.message) == (2, "fallback topic 'others' is not one of the topics")


def test_tab_indentation_names_the_line(tmp_path: Path) -> None:
    error = only_error(tmp_path, GOOD.replace("    name: Other", "\tname: Other"))
    assert error.line == 9 and error.hint == "indent with spaces, not tabs"


def test_a_key_that_is_not_text(tmp_path: Path) -> None:
    error = only_error(tmp_path, GOOD + "    1: one\n")
    assert error.line == 11 and "key '1' is read as a number" in error.message


def test_no_topics_list(tmp_path: Path) -> None:
    error = only_error(tmp_path, "fallback: other\ntopics: none\n")
    assert (error.line, error.message) == (2, "expected 'fallback:' and a 'topics:' list")


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    assert load_taxonomy(tmp_path / "topics.yaml")[1][0].message == "the taxonomy file is missing"
    (tmp_path / "topics.yaml").write_bytes(GOOD.encode() + b"    name: caf\xe9\n")
    _, errors = load_taxonomy(tmp_path / "topics.yaml")
    assert (errors[0].line, errors[0].message) == (11, "not UTF-8 text")


def test_a_slug_that_is_a_list_is_an_error_not_a_crash(tmp_path: Path) -> None:
    error = only_error(tmp_path, GOOD.replace("slug: moe", "slug: [moe]"))
    assert error.line == 3 and "topic slug must be" in error.message
