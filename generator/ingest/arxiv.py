"""The arXiv API, politely: a title search for `digest enrich`. Builds never use the network.

arXiv's terms for its API ask for at most one request every three seconds and a
client that says who it is; a 503 means "slow down" and may carry Retry-After.
This client waits between requests, retries 503s, timeouts and dropped
connections with growing pauses, and turns everything else into ArxivError
with a sentence a curator can act on.
"""
from __future__ import annotations

import datetime as dt
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from xml.etree import ElementTree

from generator import __version__
from generator.content.identity import normalize_title

API_URL = "https://export.arxiv.org/api/query"
USER_AGENT = f"paper-digest/{__version__} (static site generator; digest enrich; one request per 3 s)"
MIN_INTERVAL = 3.0  # seconds between requests, as arXiv's API terms ask
RETRIES = 4
TIMEOUT = 30.0
ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
ABS_URL = re.compile(r"https?://arxiv\.org/abs/(.+?)(v\d+)?$")


class ArxivError(Exception):
    """The API could not be asked or did not answer usefully; the message says what to do."""


@dataclass(frozen=True)
class ArxivRecord:
    arxiv_id: str  # without version, e.g. "2508.11630"
    title: str  # whitespace collapsed
    authors: tuple[str, ...]
    published: dt.date  # the first version's date
    primary_category: str  # e.g. "cs.CL"; "" when the feed gives none


class ArxivClient:
    def __init__(self, api_url: str = API_URL, min_interval: float = MIN_INTERVAL, retries: int = RETRIES,
                 timeout: float = TIMEOUT, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic):
        self.api_url = api_url
        self.min_interval = min_interval
        self.retries = retries
        self.timeout = timeout
        self._sleep = sleep
        self._clock = clock
        self._last_request: float | None = None

    def find_by_title(self, title: str) -> ArxivRecord | None:
        """The paper whose normalized title equals this one, or None; a near miss is no match."""
        wanted = normalize_title(title)
        return next((record for record in self.search_title(title) if normalize_title(record.title) == wanted), None)

    def search_title(self, title: str) -> list[ArxivRecord]:
        words = re.sub(r"[^\w\s]+", " ", title).split()  # arXiv's query syntax has its own punctuation
        query = urllib.parse.urlencode({"search_query": f'ti:"{" ".join(words)}"', "start": 0, "max_results": 5})
        return parse_feed(self._get(f"{self.api_url}?{query}"))

    def _get(self, url: str) -> bytes:
        for attempt in range(self.retries + 1):
            self._wait_turn()
            try:
                return self._request(url)
            except _Retry as retry:
                if attempt == self.retries:
                    raise ArxivError(f"arXiv did not answer after {self.retries + 1} tries ({retry.reason}); "
                                     "run `digest enrich` again later: it continues where it stopped") from None
                self._sleep(retry.after if retry.after is not None else self.min_interval * 2 ** attempt)
        raise AssertionError("unreachable")

    def _wait_turn(self) -> None:
        now = self._clock()
        if self._last_request is not None and now - self._last_request < self.min_interval:
            self._sleep(self.min_interval - (now - self._last_request))
        self._last_request = self._clock()

    def _request(self, url: str) -> bytes:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return bytes(response.read())
        except urllib.error.HTTPError as error:
            if error.code in (429, 500, 502, 503, 504):
                raise _Retry(f"HTTP {error.code}", _retry_after(error.headers.get("Retry-After"))) from None
            raise ArxivError(f"arXiv answered HTTP {error.code} for {url}") from None
        except TimeoutError:
            raise _Retry("timed out", None) from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, (TimeoutError, ConnectionError)):
                raise _Retry(str(error.reason), None) from None
            raise ArxivError(f"cannot reach arXiv ({error.reason}); check the network connection, "
                             "then run `digest enrich` again") from None
        except ConnectionError as error:
            raise _Retry(str(error), None) from None


class _Retry(Exception):
    def __init__(self, reason: str, after: float | None):
        super().__init__(reason)
        self.reason, self.after = reason, after


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (the HTTP-date form is rare for APIs and treated as absent)."""
    try:
        return min(max(float(value or ""), 0.0), 600.0)
    except ValueError:
        return None


def parse_feed(data: bytes) -> list[ArxivRecord]:
    """The entries of an arXiv API Atom feed; an error entry or a broken feed is an ArxivError."""
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise ArxivError(f"arXiv sent a response that is not a valid Atom feed ({error})") from None
    if root.tag != f"{ATOM}feed":
        raise ArxivError("arXiv sent a response that is not an Atom feed")
    return [record for record in map(_record, root.iter(f"{ATOM}entry")) if record is not None]


def _record(entry: ElementTree.Element) -> ArxivRecord | None:
    entry_id = _text(entry, f"{ATOM}id")
    if "/api/errors" in entry_id:
        raise ArxivError(f"arXiv reported an error: {_text(entry, f'{ATOM}summary')}")
    match = ABS_URL.match(entry_id)
    published = _text(entry, f"{ATOM}published")[:10]
    if not match or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", published):
        return None  # not an article entry
    category = entry.find(f"{ARXIV}primary_category")
    return ArxivRecord(
        arxiv_id=match.group(1),
        title=" ".join(_text(entry, f"{ATOM}title").split()),
        authors=tuple(" ".join((author.findtext(f"{ATOM}name") or "").split())
                      for author in entry.findall(f"{ATOM}author")),
        published=dt.date.fromisoformat(published),
        primary_category=category.get("term", "") if category is not None else "",
    )


def _text(element: ElementTree.Element, tag: str) -> str:
    return (element.findtext(tag) or "").strip()
