"""Web addresses: what counts as one, wherever content gives a URL to publish.

Light on purpose (the standard library only): the site config imports it, and reading the
config must not import the Markdown parser.
"""
from __future__ import annotations

from urllib.parse import SplitResult, urlsplit


def web_address(url: str) -> SplitResult | None:
    """The parts of an http(s) address with a host; None for anything else, including what
    Python's URL parser refuses: `https://[anonymized]`, a placeholder of abstracts under review,
    or a port out of range."""
    try:
        parts = urlsplit(url.strip())
        _ = parts.port  # parsed on first use: raises ValueError when out of range
    except ValueError:
        return None
    return parts if parts.scheme in ("http", "https") and parts.hostname else None
