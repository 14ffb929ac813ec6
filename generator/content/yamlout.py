"""Front matter out: the paper fields as YAML, written directly.

PyYAML's dumper spends most of its time in Python-level representers (1.6 s of
a 10 s ingest of 10,000 papers); its C dumper keeps those representers and
still takes 3-4 times as long as this module on the corpus's 9,877 papers.
Paper fields are a small fixed shape — text, dates, whole numbers, lists of those, a list
of {url, kind} and a {date: number} mapping — so they are written here: plain where PyYAML would read the
text back as the same string, double-quoted with escapes otherwise.
tests/test_yamlout.py checks real titles and random awkward text round-trip.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml

_RESOLVER = yaml.resolver.Resolver()
_RESOLVERS = _RESOLVER.yaml_implicit_resolvers  # first character -> the resolvers of texts starting with it
# Conservative plain scalars: start with a letter or digit, no ': ' or ' #', no trailing space or colon.
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _./+()'&?=%~:@!*-]*")
_FLOW_UNSAFE = re.compile(r"[,\[\]{}]")
# Everything YAML reads literally inside double quotes; the rest is escaped. U+2028 and U+2029
# are line breaks to YAML: written raw, they would fold and eat the spaces next to them.
_QUOTED_UNSAFE = re.compile("[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]|[\"\\\\]")


def dump_fields(fields: dict[str, Any]) -> str:
    """`key: value` lines in the order given; lists of mappings as block lists, other lists in flow style."""
    lines: list[str] = []
    for key, value in fields.items():
        if isinstance(value, list) and any(isinstance(item, dict) for item in value):
            lines.append(f"{key}:")
            lines += [_mapping_item(item) for item in value]
        elif isinstance(value, list):
            lines.append(f"{key}: [{', '.join(scalar(item, in_flow=True) for item in value)}]")
        elif isinstance(value, dict):
            pairs = (f"{scalar(name, in_flow=True)}: {scalar(item, in_flow=True)}" for name, item in value.items())
            lines.append(f"{key}: {{{', '.join(pairs)}}}")
        else:
            lines.append(f"{key}: {scalar(value)}")
    return "\n".join(lines) + "\n"


def _mapping_item(item: dict[str, Any]) -> str:
    entries = [f"{key}: {scalar(value)}" for key, value in item.items()]
    return "- " + "\n  ".join(entries)


def scalar(value: Any, in_flow: bool = False) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    if is_plain(text, in_flow):
        return text
    return '"' + _QUOTED_UNSAFE.sub(_escape, text) + '"'


def is_plain(text: str, in_flow: bool) -> bool:
    if not _PLAIN.fullmatch(text) or text.endswith((" ", ":")) or ": " in text or " #" in text:
        return False
    if in_flow and _FLOW_UNSAFE.search(text):
        return False
    # The same check PyYAML makes when reading: "yes", "null", "2025-08-18", "1e3" are not strings.
    # It looks only at the resolvers of the text's first character: most texts have none.
    if text[0] not in _RESOLVERS and None not in _RESOLVERS:
        return True
    return bool(_RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == "tag:yaml.org,2002:str")


def _escape(match: re.Match[str]) -> str:
    character: str = match.group(0)
    if character in '"\\':
        return "\\" + character
    code = ord(character)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
