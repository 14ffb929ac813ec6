"""What a result shows, one small JSON file per paper: search/f/<folder>/<document number>.json
(search.fragment_path).

Keys are short because the files are many and each is compressed alone:
  t title, u URL path from the site root, d last featured day, a first authors (at most
  SHOWN_AUTHORS), n number of authors, p the topics readers see as [slug, name] (taxonomy.TopicNames.shown),
  x the abstract as plain text (for the snippet around the matched words and the whole abstract),
  l the paper's field lengths; and only when the paper has them: v upvotes, o organization,
  s the AI summary (as text), i arXiv id,
  k the other quick links as [label, url] (quick_links.web_quick_links).
A result row offers what a list row does (themes/default/templates/_macros.html paper_rows):
search.js makes the arXiv and PDF links from i, as quick_links.arxiv_quick_links does, and topic
addresses from the slugs, rather than each fragment carrying them.
The field lengths are also in every posting of the paper, so search.js can tell a fragment of a
newer build from the one its shards describe, and ask the reader to reload.
Plain text only: search.js puts it in the page with DOM text nodes.
"""
from __future__ import annotations

from generator.build import urls
from generator.build.quick_links import web_quick_links
from generator.content.markdown import curly_tex_quotes
from generator.content.math import math_text
from generator.content.schema import Paper
from generator.jsonout import compact_json

SHOWN_AUTHORS = 3


def fragment(paper: Paper, abstract: str, topics: list[list[str]], lengths: list[int]) -> bytes:
    """topics: TopicNames.shown of the paper's topics."""
    data: dict[str, object] = {
        "t": math_text(paper.title),  # shown as text: TeX as the characters it stands for
        "u": urls.paper_url(paper.slug).lstrip("/"),
        "d": paper.last_featured.isoformat(),  # as lists without a day of their own show it
        "a": list(paper.authors[:SHOWN_AUTHORS]),
        "n": len(paper.authors),
        "p": topics,
        "x": curly_tex_quotes(abstract),
        "l": lengths,
    }
    web_links = web_quick_links(paper)
    optional = (("v", paper.upvotes), ("o", paper.organization or None), ("s", math_text(paper.ai_summary) or None),
                ("i", paper.arxiv_id or None),
                ("k", [list(link) for link in web_links] or None))
    data.update((key, value) for key, value in optional if value is not None)
    return compact_json(data)
