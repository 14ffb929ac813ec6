"""JSON out, as the build writes its data files: compact, UTF-8, no ASCII escapes.

orjson gives the bytes of json.dumps(value, ensure_ascii=False, separators=(",", ":")) for
text, whole numbers, lists and mappings with text keys, eight times faster: the search
fragments and papers.json records of 9,877 papers took 227 ms of the search process, and take
28 ms (bench/RESULTS.md). What orjson refuses (a whole number past 64 bits, a lone surrogate)
goes to the standard library, which writes or rejects it as it always did. Values holding
floats are not written here: orjson writes 1e-05 as 0.00001.

orjson's bytes keep the buffer it wrote them in, 4 KB at least and often ten times their
length: a build keeps 32 MB of search fragments, and the dev server every papers.json record,
so each is copied to its own length (0.1 µs) before it is handed out.
"""
from __future__ import annotations

import json
from typing import Any

import orjson


def compact_json(value: Any, sort_keys: bool = False) -> bytes:
    try:
        return memoryview(orjson.dumps(value, option=orjson.OPT_SORT_KEYS if sort_keys else None)).tobytes()
    except TypeError:  # orjson.JSONEncodeError: see the module's docstring
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys).encode("utf-8")
