"""The data files' JSON (jsonout.py): json.dumps's very bytes, each in memory of its own length."""
import json
import random
import tracemalloc

import pytest

from generator.jsonout import compact_json

CHARACTERS = "aZ09 \"\\/\x00\x07\n\t\x7f\x85\u00e9\u2028\u2029\ufeff\uffff\u4e2d\U0001f680<>&'"


def random_value(rng: random.Random, depth: int = 0) -> object:
    kind = rng.randrange(6 if depth < 3 else 3)
    if kind == 0:
        return "".join(rng.choice(CHARACTERS) for _ in range(rng.randrange(12)))
    if kind == 1:
        return rng.choice([0, -1, 7, 2**63 - 1, -2**63, 2**64, 10**30])
    if kind == 2:
        return rng.choice([None, True, False])
    if kind == 3:
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {str(random_value(rng, 3)): random_value(rng, depth + 1) for _ in range(rng.randrange(4))}


@pytest.mark.parametrize("sort_keys", [False, True])
def test_the_bytes_are_those_json_writes(sort_keys: bool):
    rng = random.Random(20261201)
    for _ in range(3000):
        value = random_value(rng)
        expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys).encode("utf-8")
        assert compact_json(value, sort_keys=sort_keys) == expected, value


def test_what_json_refuses_is_refused():
    with pytest.raises(UnicodeEncodeError):
        compact_json(["a lone surrogate \ud800"])


def test_kept_bytes_take_memory_of_their_own_length():
    """A build keeps 32 MB of search fragments: at ten times their length they would be 320."""
    value = {"t": "A title", "x": "An abstract. " * 90, "l": [12, 160, 3, 2, 1]}
    compact_json(value)
    tracemalloc.start()
    try:
        kept = [compact_json(value) for _ in range(1000)]
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert held < 1.5 * sum(map(len, kept))
