"""Front matter written by Paper Digest reads back as exactly the values written."""
import datetime as dt
import json

import pytest
import yaml

from generator.content.yamlout import dump_fields
from tests.helpers import FIXTURES

NASTY = ["yes", "No", "null", "~", "2025-08-18", "1e3", "0x1F", ".inf", "a: b", "a #b", "- x", "[x]", "x, y",
         "Tab\there", "new\nline", 'quote"s', "back\\slash", "trailing ", "colon:", "é ü 中文 😀", "\u2028sep",
         "\x85nel", "\ufeffbom", "'single'", "%percent", "@at", "`tick`", "{brace}", "*star", "&amp", "!bang",
         "|pipe", ">gt", "?q", "=eq", "", " leading", "D^{2}MoE", "$L_2$ <think> & co"]


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
