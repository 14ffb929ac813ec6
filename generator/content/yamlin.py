"""Front matter in: the lines yamlout.py writes, read back without the YAML parser.

PyYAML's C loader still builds every value in Python: 95 µs for a paper's few lines,
half of what parsing a paper file costs, and the largest part of a cold load. Almost
every paper file holds only what yamlout.py wrote, a handful of line shapes whose
reading is fixed: `key: value` with a plain or double-quoted text, a whole number or a
date; flow lists of those; a `{date: number}` mapping; a block list of mappings
(`links`). read_written() reads exactly those shapes and gives up (None) on anything
else: a comment, a tab, a single quote, an escape yamlout never writes, a plain text
that YAML would not read as that text, a repeated key. The YAML parser then reads the
text and reports its problems, so the result is always the one load_yaml gives
(tests/test_yamlin.py compares the two).
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

from generator.content.yamlout import is_plain

# A double-quoted text: the characters yamlout leaves raw, and the escapes it writes.
_QUOTED = re.compile(r'"((?:[\x20-\x21\x23-\x5b\x5d-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd'
                     r'\U00010000-\U0010ffff]|\\["\\]|\\x[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4})*)"')
_ESCAPE = re.compile(r'\\(["\\]|x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4})')
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NUMBER = re.compile(r"0|[1-9][0-9]{0,17}")  # longer ones are the parser's: Python reads at most 4,300 digits
# Where a flow collection's items are cut: each item is a quoted text or runs to the next
# ", " or the closing bracket.
_FLOW_ITEM = re.compile(r'"(?:[^"\\]|\\.)*"|[^",\[\]{}]+')
_KEY = re.compile(r"([a-z][a-z0-9_]*):(?: (?=\S)|$)")  # a value, or a block list next
_ITEM_KEY = re.compile(r"(?:- |  )([a-z][a-z0-9_]*): ")


class _NotWritten(Exception):
    """The text holds something yamlout does not write: the YAML parser reads it instead."""


def read_written(lines: list[str], first_line: int) -> tuple[dict[str, Any], dict[str, int]] | None:
    """The front matter `lines` as load_yaml reads them: (fields, the line of each key), the
    first of them being file line `first_line`; None unless every line is of a shape
    yamlout writes, read as YAML reads it."""
    try:
        return _read(lines, first_line)
    except _NotWritten:
        return None


def _read(lines: list[str], first_line: int) -> tuple[dict[str, Any], dict[str, int]]:
    fields: dict[str, Any] = {}
    key_lines: dict[str, int] = {}
    number = 0
    while number < len(lines):
        line = lines[number]
        key, value_text = _key_and_rest(_KEY, line)
        if key in fields:
            raise _NotWritten  # the parser reports the repeated key
        key_lines[key] = first_line + number
        if value_text:
            fields[key] = _value(value_text)
            number += 1
        else:  # a block list of mappings follows: yamlout writes links so
            fields[key], number = _mapping_items(lines, number + 1)
    return fields, key_lines


def _key_and_rest(pattern: re.Pattern[str], line: str) -> tuple[str, str]:
    found = pattern.match(line)
    if found is None or not _is_text_key(found.group(1)):
        raise _NotWritten
    return found.group(1), line[found.end():]


@functools.lru_cache(maxsize=256)  # a dozen keys, on every paper
def _is_text_key(key: str) -> bool:
    return is_plain(key, in_flow=False)  # `yes:` is no text key


def _mapping_items(lines: list[str], number: int) -> tuple[list[dict[str, Any]], int]:
    """The `- key: value` items starting at line `number`, each continued by `  key: value`
    lines; and the number of the line after them."""
    items: list[dict[str, Any]] = []
    while number < len(lines) and lines[number].startswith(("- ", "  ")):
        if lines[number].startswith("- "):
            items.append({})
        elif not items:
            raise _NotWritten
        key, value_text = _key_and_rest(_ITEM_KEY, lines[number])
        if key in items[-1]:
            raise _NotWritten
        items[-1][key] = _scalar(value_text, in_flow=False)
        number += 1
    if not items:
        raise _NotWritten  # `key:` alone is null, which yamlout never writes
    return items, number


def _value(text: str) -> Any:
    if text.startswith("["):
        return [_flow_scalar(item) for item in _flow_items(text, "[]")]
    if text.startswith("{"):
        return _date_mapping(text)
    return _scalar(text, in_flow=False)


def _flow_items(text: str, brackets: str) -> list[str]:
    """The items of `[a, b]` or `{a: 1, b: 2}` as written, separated by ", " exactly."""
    if not text.endswith(brackets[1]):
        raise _NotWritten
    inner = text[1:-1]
    if '"' not in inner:  # most lists: each item is checked for stray brackets and commas after
        return inner.split(", ") if inner else []
    items: list[str] = []
    position = 0
    while position < len(inner):
        found = _FLOW_ITEM.match(inner, position)
        if found is None:
            raise _NotWritten
        items.append(found.group())
        position = found.end()
        if position < len(inner):
            if not inner.startswith(", ", position):
                raise _NotWritten
            position += 2
            if position == len(inner):
                raise _NotWritten  # a trailing ", "
    return items


def _date_mapping(text: str) -> dict[str, int]:
    """`{2025-08-18: 3, ...}`: keys kept as written, as load_yaml keeps a date key."""
    mapping: dict[str, int] = {}
    for item in _flow_items(text, "{}"):
        key, _, value = item.partition(": ")
        if not _DATE.fullmatch(key) or key in mapping or not _NUMBER.fullmatch(value):
            raise _NotWritten
        mapping[key] = int(value)
    return mapping


@functools.lru_cache(maxsize=8192)  # topics, days and digest names recur from paper to paper
def _flow_scalar(text: str) -> Any:
    return _scalar(text, in_flow=True)


def _scalar(text: str, in_flow: bool) -> Any:
    if text.startswith('"'):
        found = _QUOTED.fullmatch(text)
        if found is None:
            raise _NotWritten
        return _ESCAPE.sub(_unescaped, found.group(1))
    if _NUMBER.fullmatch(text):
        return int(text)
    if _DATE.fullmatch(text):
        try:
            return dt.date(int(text[:4]), int(text[5:7]), int(text[8:]))
        except ValueError:
            raise _NotWritten from None  # the parser says which date is impossible
    if in_flow and ":" in text:
        raise _NotWritten  # `a:b` in a flow list is read differently by YAML versions
    if not is_plain(text, in_flow):
        raise _NotWritten
    return text


def _unescaped(match: re.Match[str]) -> str:
    escape = match.group(1)
    return escape if len(escape) == 1 else chr(int(escape[1:], 16))
