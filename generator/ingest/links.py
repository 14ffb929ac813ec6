"""URLs in abstracts -> typed links (code, project page, dataset, model, demo)."""
from __future__ import annotations

import re

from generator.content.addresses import is_link_address, web_address, without_trailing_punctuation
from generator.content.schema import Link
from generator.content.tex_text import ADDRESS_ESCAPES, tex_address

# A URL runs to a space, a quote or bracket, or a backslash but for TeX's escapes (`\_` for _).
URL = re.compile(rf"https?://(?:[^\s<>\"'`{{}}|\\^]|\\[{ADDRESS_ESCAPES}])+", re.IGNORECASE)
CODE_HOSTS = {"github.com", "gitlab.com", "bitbucket.org", "gitee.com", "codeberg.org", "sourceforge.net"}
PAPER_HOSTS = {"arxiv.org", "openreview.net", "aclanthology.org", "doi.org"}


def extract_links(text: str) -> tuple[Link, ...]:
    """Every distinct http(s) URL in the text, in order of appearance."""
    if "://" not in text:  # most abstracts: a scan in C instead of the pattern's
        return ()
    seen: dict[str, Link] = {}
    for match in URL.finditer(text):
        # "[url](url)", a Markdown link written out in an abstract, is two URLs, not one.
        for part in match.group(0).split("]("):
            url = without_trailing_punctuation(tex_address(part))
            if url not in seen and is_link_address(url):
                seen[url] = Link(url, link_kind(url))
    return tuple(seen.values())


def link_kind(url: str) -> str:
    parts = web_address(url)
    if parts is None:
        return "other"
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.strip("/").split("/")
    if host in CODE_HOSTS:
        return "code"
    if host == "huggingface.co" or host == "hf.co":
        return {"datasets": "dataset", "spaces": "demo", "papers": "paper"}.get(path[0], "model" if len(path) >= 2 else "other")
    if host in PAPER_HOSTS:
        return "paper"
    if host.endswith("kaggle.com") and path[0] == "datasets":
        return "dataset"
    return "project page"
