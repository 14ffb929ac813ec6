"""YAML front matter: splitting it off, loading it safely with line numbers, checking its schema."""
from __future__ import annotations

import datetime as dt
import difflib
import re
from typing import Any

import yaml

from generator.content.markdown import is_safe_url
from generator.content.schema import LINK_KINDS
from generator.errors import SourceError

# The schema of a paper file, in the order fields are written. Each entry: (required, description).
FIELDS: dict[str, tuple[bool, str]] = {
    "title": (True, "the paper's title, plain text"),
    "slug": (True, "the file name without .md; the URL is /papers/<slug>/ and never changes"),
    "featured": (True, "list of dates (YYYY-MM-DD) the paper was featured"),
    "topics": (True, "list of topic slugs from content/topics.yaml"),
    "rule_topics": (False, "what the taxonomy rules chose; topics differing from it count as set by hand"),
    "links": (False, "list of {url, kind}; kind is one of " + ", ".join(LINK_KINDS)),
    "arxiv_id": (False, "arXiv identifier as a quoted string, e.g. \"2508.01234\""),
    "authors": (False, "list of author names"),
    "sources": (False, "digest files the paper was ingested from"),
}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ARXIV_ID = re.compile(r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$")


class FrontMatterError(Exception):
    def __init__(self, line: int, message: str, hint: str = ""):
        super().__init__(message)
        self.line, self.message, self.hint = line, message, hint


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A safe loader that rejects duplicate keys and remembers the line of each top-level key."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise FrontMatterError(line, f"duplicate key '{key}' (first on line {seen[key]})",
                                       "keep one of the two")
            seen[key] = line
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as error:
            raise FrontMatterError(node.start_mark.line + 1, f"'{node.value}' is not a real date ({error})",
                                   "write dates as YYYY-MM-DD") from None


_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _LineLoader.construct_yaml_timestamp)


def parse_front_matter(text: str) -> tuple[dict[str, Any], dict[str, int], str, int]:
    """Text -> (fields, line of each key in the file, body, first body line)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise FrontMatterError(1, "the file does not start with front matter", "did you forget the opening '---' line?")
    try:
        end = next(index for index in range(1, len(lines)) if lines[index].rstrip() == "---")
    except StopIteration:
        raise FrontMatterError(1, "front matter is never closed", "add a '---' line after the last field") from None
    fields, key_lines = _load_yaml("\n".join(lines[1:end]), first_line=2)
    return fields, key_lines, "\n".join(lines[end + 1:]), end + 2


def _load_yaml(source: str, first_line: int) -> tuple[dict[str, Any], dict[str, int]]:
    loader = _LineLoader(source)
    key_lines: dict[str, int] = {}
    try:
        node = loader.get_single_node()
        if isinstance(node, yaml.MappingNode):
            key_lines = {key.value: key.start_mark.line + first_line for key, _ in node.value}
        data = loader.construct_document(node) if node is not None else None
    except FrontMatterError as error:
        error.line += first_line - 1
        raise
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = (mark.line if mark else 0) + first_line
        hint = "indent with spaces, not tabs" if "\t" in source else "check quoting and indentation; quote values that contain ': '"
        raise FrontMatterError(line, f"front matter is not valid YAML: {error.problem or error}", hint) from None
    finally:
        loader.dispose()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FrontMatterError(first_line, "front matter must be a mapping of 'key: value' lines")
    return data, key_lines


def validate_fields(fields: dict[str, Any], key_lines: dict[str, int], path: str,
                    expected_slug: str | None = None) -> list[SourceError]:
    """Every schema problem of one paper's front matter."""
    errors: list[SourceError] = []

    def error(key: str, message: str, hint: str = "") -> None:
        errors.append(SourceError(path, key_lines.get(key, 1), message, hint))

    for key in fields:
        if key not in FIELDS:
            close = difflib.get_close_matches(str(key), FIELDS, n=1)
            error(key, f"unknown field '{key}'",
                  f"did you mean '{close[0]}'?" if close else "known fields: " + ", ".join(FIELDS))
    for key, (required, description) in FIELDS.items():
        if required and key not in fields:
            errors.append(SourceError(path, 1, f"missing required field '{key}'", description))
    for key, check in _CHECKS.items():
        if key in fields:
            problem = check(fields[key])
            if problem:
                error(key, f"field '{key}' {problem}", FIELDS[key][1])
    if expected_slug and isinstance(fields.get("slug"), str) and fields["slug"] != expected_slug:
        error("slug", f"slug '{fields['slug']}' does not match the file name '{expected_slug}.md'",
              "slugs never change once published: rename nothing, set the slug back")
    return errors


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "must be non-empty text"


def _slug(value: Any) -> str | None:
    if not isinstance(value, str) or not SLUG.match(value):
        return "must be lowercase ASCII words joined by '-'"
    return None


def _text_list(value: Any) -> str | None:
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        return "must be a list of text values, e.g. [a, b]"
    return None


def _topics(value: Any) -> str | None:
    problem = _text_list(value)
    if problem:
        return problem
    return "must name at least one topic" if not value else None


def _dates(value: Any) -> str | None:
    if not isinstance(value, list) or not value:
        return "must be a non-empty list of dates, e.g. [2025-08-18]"
    for item in value:
        if not isinstance(item, dt.date) or isinstance(item, dt.datetime):
            return f"has '{item}', which is not a real date in the form YYYY-MM-DD"
    return None


def _links(value: Any) -> str | None:
    if not isinstance(value, list):
        return "must be a list of {url, kind} entries"
    for link in value:
        if not isinstance(link, dict) or not isinstance(link.get("url"), str) or set(link) - {"url", "kind"}:
            return f"has an entry that is not {{url, kind}}: {link!r}"
        if not link["url"].lower().startswith(("http://", "https://")) or not is_safe_url(link["url"]):
            return f"has '{link['url']}': only http and https links are published"
        if link.get("kind", "other") not in LINK_KINDS:
            return f"has kind '{link.get('kind')}'"
    return None


def _arxiv(value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be quoted text (unquoted, YAML reads 2508.01234 as a number and may drop a zero)"
    return None if ARXIV_ID.match(value) else f"'{value}' is not an arXiv identifier"


_CHECKS = {
    "title": _text, "slug": _slug, "featured": _dates, "topics": _topics, "rule_topics": _text_list,
    "links": _links, "arxiv_id": _arxiv, "authors": _text_list, "sources": _text_list,
}
