"""URLs in abstracts -> typed links (code, project page, dataset, model, demo)."""
from __future__ import annotations

import re

from generator.content.addresses import web_address
from generator.content.schema import Link
from generator.content.tex_text import ADDRESS_ESCAPES, tex_address

# A URL runs to a space, a quote or bracket, or a backslash but for TeX's escapes (`\_` for _).
URL = re.compile(rf"https?://(?:[^\s<>\"'`{{}}|\\^]|\\[{ADDRESS_ESCAPES}])+", re.IGNORECASE)
TRAILING_PUNCTUATION = ".,;:!?'\"*"
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
            url = _trim(tex_address(part))
            if url not in seen and is_link_address(url):
                seen[url] = Link(url, link_kind(url))
    return tuple(seen.values())


def is_link_address(url: str) -> bool:
    """A URL a paper may link to: a web address, with no space in it, on a dotted host (not
    `http://localhost:8000/`). The abstract's URLs and the API's code and project links alike."""
    address = web_address(url)
    return address is not None and "." in (address.hostname or "") and not any(char.isspace() for char in url.strip())


def _trim(url: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets that end the sentence, not the URL."""
    while url:
        if url[-1] in TRAILING_PUNCTUATION or (url[-1] in ")]" and url.count("(" if url[-1] == ")" else "[") < url.count(url[-1])):
            url = url[:-1]
        else:
            return url
    return url


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
