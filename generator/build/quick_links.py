"""The links a paper's row offers: arXiv and its PDF, the code, the project page.

One definition for every row: list rows (the `quick_links` filter) and search results. A search
result's fragment carries the arXiv id and web_quick_links only, since search.js makes the arXiv
and PDF addresses from the id as arxiv_quick_links does (fewer bytes for each result fetched);
tests/test_search_rows.py keeps the two equal.
"""
from __future__ import annotations

from functools import lru_cache

from generator.build import urls
from generator.content.addresses import web_address
from generator.content.schema import Paper

# (link kind, label), in the order rows show them; a paper's first web link of each kind.
WEB_KINDS = (("code", "Code"), ("project page", "Project page"))


@lru_cache(maxsize=100_000)
def quick_links(paper: Paper) -> tuple[tuple[str, str], ...]:
    """(label, url) of the links a paper's row offers, in order."""
    return arxiv_quick_links(paper.arxiv_id) + web_quick_links(paper)


def arxiv_quick_links(arxiv_id: str) -> tuple[tuple[str, str], ...]:
    """The paper's arXiv page and its PDF; none without an arXiv id."""
    if not arxiv_id:
        return ()
    return ("arXiv", urls.arxiv_abs_url(arxiv_id)), ("PDF", urls.arxiv_pdf_url(arxiv_id))


def web_quick_links(paper: Paper) -> tuple[tuple[str, str], ...]:
    """The code and the project page, http(s) links only, whatever the content says."""
    found = []
    for kind, label in WEB_KINDS:
        url = next((link.url for link in paper.links if link.kind == kind and web_address(link.url)), None)
        if url:
            found.append((label, url))
    return tuple(found)
