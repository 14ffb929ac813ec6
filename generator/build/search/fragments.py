"""What a result shows, one small JSON file per paper: search/f/<folder>/<document number>.json
(search.fragment_path).

Keys are short because the files are many and each is compressed alone:
  t title, u URL path from the site root, d first featured day, a first authors (at most
  SHOWN_AUTHORS), n number of authors, p topic names, x the abstract as plain text (for the
  snippet around the matched words), l the paper's field lengths.
The field lengths are also in every posting of the paper, so search.js can tell a fragment of a
newer build from the one its shards describe, and ask the reader to reload.
Plain text only: search.js puts it in the page with DOM text nodes.
"""
from __future__ import annotations

import json

from generator.build import urls
from generator.content.markdown import curly_tex_quotes
from generator.content.math import math_text
from generator.content.schema import Paper

SHOWN_AUTHORS = 3


def fragment(paper: Paper, abstract: str, topic_names: list[str], lengths: list[int]) -> bytes:
    data = {
        "t": math_text(paper.title),  # shown as text: TeX as the characters it stands for
        "u": urls.paper_url(paper.slug).lstrip("/"),
        "d": paper.first_featured.isoformat(),
        "a": list(paper.authors[:SHOWN_AUTHORS]),
        "n": len(paper.authors),
        "p": topic_names,
        "x": curly_tex_quotes(abstract),
        "l": lengths,
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
