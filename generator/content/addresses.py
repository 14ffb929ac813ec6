"""Web addresses: what counts as one, wherever content gives a URL to publish.

Light on purpose (the standard library, and markdown.py's helpers for HTML text, which import no
parser): the site config imports it, and reading the config must not import the Markdown parser.
"""
from __future__ import annotations

import html
import re
from urllib.parse import SplitResult, urlsplit

from generator.content.markdown import VERBATIM, escape_html, opens_element, text_outside


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


def is_link_address(url: str) -> bool:
    """A URL a paper may link to: a web address, with no space in it, on a dotted host (not
    `http://localhost:8000/`). The abstract's URLs and the API's code and project links alike."""
    address = web_address(url)
    return address is not None and "." in (address.hostname or "") and len(url.split()) == 1  # no space within


def without_trailing_punctuation(url: str) -> str:
    """The URL without what ends the sentence around it: a full stop, a comma, a closing bracket
    opened before it (`(see https://x.org/a_(b))`). Brackets are counted once: counting them
    again for each one dropped took 0.15 s for a run of 20,000."""
    opened = {close: url.count(opening) for close, opening in CLOSING_BRACKETS.items()}
    closed = {close: url.count(close) for close in CLOSING_BRACKETS}
    end = len(url)
    while end:
        last = url[end - 1]
        if last in CLOSING_BRACKETS and opened[last] < closed[last]:
            closed[last] -= 1
        elif last not in TRAILING_PUNCTUATION:
            break
        end -= 1
    return url[:end]


# A web address in a rendered abstract's text (escaped HTML), as GFM's extended autolinks find one:
# a scheme (or www.), a host with a dot, then anything up to a space or a character a written
# address does not hold. `{`, `}` and `\` end one because TeX wraps addresses in arguments
# (`\url{…}`); `$` because a formula may follow one. `&amp;` is the one entity an address holds
# (`?a=1&b=2`). Lowercase schemes only, as written: IGNORECASE made the search 3x slower, and so
# does the alternative `www.`, so it is searched for only in text that holds one (138 of the
# 80,317 corpus abstracts).
ADDRESS_AFTER_START = r"[\w-]+(?:\.[\w-]+)+(?::\d{1,5})?(?:[/?#](?:[^\s<>\"'&\\{}$`|^]+|&amp;)*+)?"
SCHEME_ADDRESS = re.compile(r"https?://" + ADDRESS_AFTER_START)
SCHEME_OR_WWW_ADDRESS = re.compile(r"(?:https?://|www\.)" + ADDRESS_AFTER_START)
TRAILING_PUNCTUATION = ".,;:!?'\"*"  # ends a sentence, not the URL before it
CLOSING_BRACKETS = {")": "(", "]": "["}
NOT_LINKED_INSIDE = VERBATIM | {"a", "math"}  # a link in a link is invalid HTML


def linked_addresses(html: str) -> str:
    """HTML whose text links each web address it spells out, as arXiv's abstract pages do: a
    fifth of real abstracts end with "code is available at https://…". Text inside a link, code
    or math stays as it is."""
    if "://" not in html and "www." not in html:
        return html
    if html.count("<") == html.count("<p>") + html.count("</p>"):  # paragraphs of text, as most are
        return _linked_text(html, "")
    return text_outside(html, "", _linked_text, NOT_LINKED_INSIDE)


def _linked_text(text: str, tag_after: str) -> str:
    """The text with its addresses linked; not one that runs on into an element after it
    (`\\url{https://x.org/*a*}` shows `https://x.org/<em>a</em>`): it would link a part of it."""
    def link(found: re.Match[str]) -> str:
        runs_on = found.end() == len(text) and opens_element(tag_after)
        return found.group(0) if runs_on else _address_link(found)

    if "www." in text:
        return SCHEME_OR_WWW_ADDRESS.sub(link, text)
    return SCHEME_ADDRESS.sub(link, text) if "://" in text else text


def _address_link(found: re.Match[str]) -> str:
    written = found.group(0)
    if written.startswith("www.") and _within_a_word(found):  # `xwww.a.org`, `me@www.a.org`
        return written
    unescaped = html.unescape(written) if "&" in written else written
    shown = without_trailing_punctuation(unescaped)
    url = shown if "://" in shown else f"http://{shown}"
    if not is_link_address(url):
        return written
    after = unescaped[len(shown):]
    return f'<a href="{escape_html(url)}" rel="nofollow">{escape_html(shown)}</a>{escape_html(after)}'


def _within_a_word(found: re.Match[str]) -> bool:
    before = found.string[found.start() - 1:found.start()]
    return before != "" and (before.isalnum() or before in "_.@/-")
