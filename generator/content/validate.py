"""Checking a paper's front matter against the schema declared by `schema.Paper`.

Unknown keys are errors, with a "did you mean": a misspelt `topcis:` must not
be silently ignored while the curator believes the topics were set.
"""
from __future__ import annotations

from typing import Any

from generator.content import schema
from generator.errors import SourceError, unknown_key

ONE_LINE_HINT = "delete it: front matter values are one line of plain text (they reach feeds, headers and URLs)"


def validate_fields(fields: dict[str, Any], key_lines: dict[str, int], path: str,
                    expected_slug: str | None = None, one_line: bool = False) -> list[SourceError]:
    """Every schema problem of one paper's front matter. one_line: the values are known to hold
    no character schema.NOT_ONE_LINE matches (frontmatter.FrontMatter.one_line)."""
    # Looked up on each call, so that a variant of Paper installed in `schema` is the one checked against.
    declared = {schema_field.name: schema_field for schema_field in schema.front_matter_fields(schema.Paper)}
    errors = unknown_fields(fields, declared, key_lines, path) + missing_fields(fields, declared, path)
    errors += [error for name, value in fields.items() if name in declared
               for error in value_problems(declared[name], value, key_lines.get(name, 1), path, one_line)]
    slug = fields.get("slug")
    if expected_slug and isinstance(slug, str) and slug != expected_slug:
        errors.append(SourceError(path, key_lines.get("slug", 1),
                                  f"slug '{slug}' does not match the file name '{expected_slug}.md'",
                                  "slugs never change once published: rename nothing, set the slug back"))
    return errors


def unknown_fields(fields: dict[str, Any], declared: dict[str, schema.SchemaField], key_lines: dict[str, int],
                   path: str) -> list[SourceError]:
    return [unknown_key(path, key_lines.get(str(key), 1), key, list(declared), what="field")
            for key in fields if key not in declared]


def missing_fields(fields: dict[str, Any], declared: dict[str, schema.SchemaField], path: str) -> list[SourceError]:
    return [SourceError(path, 1, f"missing required field '{name}'", schema_field.spec.description)
            for name, schema_field in declared.items() if schema_field.spec.required and name not in fields]


def value_problems(schema_field: schema.SchemaField, value: Any, line: int, path: str,
                   one_line: bool = False) -> list[SourceError]:
    """At most one problem per field: the first one is what the curator has to fix."""
    character = None if one_line else first_invisible_character(value)
    if character is not None:
        return [SourceError(path, line, f"field '{schema_field.name}' contains the character "
                                        f"U+{ord(character):04X}, a control character or line break", ONE_LINE_HINT)]
    problem = schema_field.spec.kind.check(value)
    if problem:
        return [SourceError(path, line, f"field '{schema_field.name}' {problem}", schema_field.spec.description)]
    return []


def first_invisible_character(value: Any) -> str | None:
    """The first character no one-line value may hold, in any text inside the value."""
    if isinstance(value, str):
        found = schema.NOT_ONE_LINE.search(value)
        return found.group(0) if found else None
    items = list(value.values()) if isinstance(value, dict) else value if isinstance(value, list) else []
    if all(isinstance(item, str) for item in items):  # most lists: one search, characters in the same order
        return first_invisible_character("".join(items))
    return next((character for item in items if (character := first_invisible_character(item)) is not None), None)
