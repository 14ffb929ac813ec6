"""Front matter written by Paper Digest reads back as exactly the values written."""
import datetime as dt
import json
import random

import pytest
import yaml

from generator.content.yamlout import dump_fields
from tests.helpers import FIXTURES

NASTY = ["yes", "No", "null", "~", "2025-08-18", "1e3", "0x1F", ".inf", "a: b", "a #b", "- x", "[x]", "x, y",
         "Tab\there", "new\nline", 'quote"s', "back\\slash", "trailing ", "colon:", "é ü 中文 😀", "\u2028sep",
         "\x85nel", "\ufeffbom", "'single'", "%percent", "@at", "`tick`", "{brace}", "*star", "&amp", "!bang",
         "|pipe", ">gt", "?q", "=eq", "", " leading", "D^{2}MoE", "$L_2$ <think> & co", "a \u2028 b", "x \u2029y",
         "\u2028 ", " \x85 ", "e\u0301 \u2029"]
# What titles and author names are made of, with every character YAML treats specially close together:
# quotes, escapes, comments, the three Unicode line breaks, combining marks and CJK.
ALPHABET = [*"$\\<&\"':# -aZ0,[]{}", "\u2028", "\u2029", "\x85", "\u0301", "\u0308", "\u5927", "\u6a21", "\u00e9"]
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the loader paper files are read with


@pytest.mark.parametrize("text", NASTY)
def test_awkward_text_round_trips(text):
    fields = {"title": text, "authors": [text, "A. Author"], "links": [{"url": "https://a.example/x", "kind": "code"}]}
    assert yaml.safe_load(dump_fields(fields)) == fields


def test_real_titles_round_trip_and_stay_readable():
    titles = [paper["title"] for paper in json.loads((FIXTURES / "search_titles_500.json").read_text())["papers"]]
    for title in titles:
        fields = {"title": title, "featured": [dt.date(2025, 8, 18)], "topics": ["a", "b"], "sources": ["x.txt"]}
        assert yaml.safe_load(dump_fields(fields)) == fields
    text = dump_fields({"title": "Plain Words Stay Plain", "featured": [dt.date(2025, 8, 18)], "topics": ["moe"]})
    assert text == "title: Plain Words Stay Plain\nfeatured: [2025-08-18]\ntopics: [moe]\n"


def test_random_text_round_trips():
    rng = random.Random(20250818)
    for _ in range(20_000):  # about 0.7 s
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 12)))
        fields = {"title": text, "authors": [text, "A. Author"]}
        assert yaml.load(dump_fields(fields), Loader=_LOADER) == fields, repr(text)
