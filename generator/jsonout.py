"""JSON out, as the build writes it: compact, in one of three forms, each declared once here.

compact_json: UTF-8 without escapes, for the data files (search fragments, papers.json's
records, the build record). orjson gives the bytes of json.dumps(value, ensure_ascii=False,
separators=(",", ":")) for text, whole numbers, lists and mappings with text keys, eight times
faster: the search fragments and papers.json records of 9,877 papers took 227 ms of the search
process, and take 28 ms (bench/RESULTS.md). What orjson refuses (a whole number past 64 bits, a
lone surrogate) goes to the standard library, which writes or rejects it as it always did.
compact_json_with_floats: those same bytes from json itself, for values holding floats, which
orjson writes otherwise (1e-05 as 0.00001).
ascii_json: json's text with every other character escaped, for text kept in memory: CPython
stores a whole text at two or four bytes a character once one of its characters needs it.

orjson's bytes keep the buffer it wrote them in, 4 KB at least and often ten times their
length: a build keeps 32 MB of search fragments, and the dev server every papers.json record,
so each is copied to its own length (0.1 µs) before it is handed out, unless it is written
at once and let go (compact_json_written_once). orjson also keeps a UTF-8
copy of each non-ASCII text it writes, for as long as the text lives. It is imported on first
use: a build imports this module before its paper parsers fork, and orjson's import (uuid's
with it) would add to that stretch, when one core works alone (cli.cmd_build).
"""
from __future__ import annotations

import functools
import json
from types import ModuleType
from typing import Any

_ASCII_JSON = json.JSONEncoder(separators=(",", ":"))


def compact_json(value: Any, sort_keys: bool = False) -> bytes:
    return memoryview(compact_json_written_once(value, sort_keys)).tobytes()


def compact_json_written_once(value: Any, sort_keys: bool = False) -> bytes:
    """compact_json's bytes in the buffer orjson wrote them in, uncopied: for a file written at
    once and let go. The copy of the build record (15 MB at 80,000 papers), made as a build ends,
    added as much to its peak."""
    orjson = _orjson()
    try:
        written: bytes = orjson.dumps(value, option=orjson.OPT_SORT_KEYS if sort_keys else None)
        return written
    except TypeError:  # orjson.JSONEncodeError: see the module's docstring
        return compact_json_with_floats(value, sort_keys)


def compact_json_with_floats(value: Any, sort_keys: bool = False) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys).encode("utf-8")


def ascii_json(value: Any) -> str:
    return _ASCII_JSON.encode(value)


@functools.cache
def _orjson() -> ModuleType:
    import orjson
    return orjson
