"""YAML front matter: splitting it off and loading it safely with line numbers.

What the fields must hold is declared by `schema.Paper` and checked by validate.py.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from generator.content.schema import SLUG
from generator.content.yamlin import read_written
from generator.yamlio import YamlError, load_yaml

__all__ = ["SLUG", "FrontMatterError", "parse_front_matter"]  # SLUG: topic slugs follow the paper slug rule

# A paper file's front matter that cannot be read; its line counts from the top of the file.
FrontMatterError = YamlError


class FrontMatter(NamedTuple):
    """A paper file split and its front matter read."""

    fields: dict[str, Any]
    key_lines: dict[str, int]  # the file line of each key
    body: str
    body_line: int  # the file line the body starts on
    # Whether the values are known to hold no character schema.NOT_ONE_LINE matches, so that
    # validation need not search them (a tenth of the time to parse a paper file): read_written
    # read them, which reads none raw, and no line has a backslash, so no escape stands for one.
    one_line: bool


def parse_front_matter(text: str) -> FrontMatter:
    """A paper file's text split and read; FrontMatterError when it cannot be."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise FrontMatterError(1, "the file does not start with front matter", "did you forget the opening '---' line?")
    try:
        end = next(index for index in range(1, len(lines)) if lines[index].rstrip() == "---")
    except StopIteration:
        raise FrontMatterError(1, "front matter is never closed", "add a '---' line after the last field") from None
    body = "\n".join(lines[end + 1:])
    front = lines[1:end]
    written = read_written(front, first_line=2)  # what yamlout wrote, read without the parser
    if written is not None:
        return FrontMatter(*written, body, end + 2, one_line=not any("\\" in line for line in front))
    document = load_yaml("\n".join(front), first_line=2)
    fields = {} if document.data is None else document.data
    if not isinstance(fields, dict):
        raise FrontMatterError(2, "front matter must be a mapping of 'key: value' lines")
    return FrontMatter(fields, document.key_lines(), body, end + 2, one_line=False)
