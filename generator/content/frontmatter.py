"""YAML front matter: splitting it off and loading it safely with line numbers.

What the fields must hold is declared by `schema.Paper` and checked by validate.py.
"""
from __future__ import annotations

from typing import Any

from generator.content.schema import SLUG
from generator.content.yamlin import read_written
from generator.yamlio import YamlError, load_yaml

__all__ = ["SLUG", "FrontMatterError", "parse_front_matter"]  # SLUG: topic slugs follow the paper slug rule

# A paper file's front matter that cannot be read; its line counts from the top of the file.
FrontMatterError = YamlError


def parse_front_matter(text: str) -> tuple[dict[str, Any], dict[str, int], str, int]:
    """Text -> (fields, line of each key in the file, body, first body line); FrontMatterError otherwise."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise FrontMatterError(1, "the file does not start with front matter", "did you forget the opening '---' line?")
    try:
        end = next(index for index in range(1, len(lines)) if lines[index].rstrip() == "---")
    except StopIteration:
        raise FrontMatterError(1, "front matter is never closed", "add a '---' line after the last field") from None
    body = "\n".join(lines[end + 1:])
    written = read_written(lines[1:end], first_line=2)  # what yamlout wrote, read without the parser
    if written is not None:
        return *written, body, end + 2
    document = load_yaml("\n".join(lines[1:end]), first_line=2)
    fields = {} if document.data is None else document.data
    if not isinstance(fields, dict):
        raise FrontMatterError(2, "front matter must be a mapping of 'key: value' lines")
    return fields, document.key_lines(), body, end + 2
