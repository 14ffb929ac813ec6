"""`digest fetch`: one day of Hugging Face's Daily Papers API, saved as that day's digest.

What a curator would do with curl, made safe: the answer is saved unchanged as
content/digests/YYYY-MM-DD.json only once the parser ingest uses reads papers in it, and
never over a digest of that day that is there (a curator may have corrected it; delete it to
fetch the day again). A page copy of the same day may stay beside it: ingest merges the two.
Builds never use the network.
"""
from __future__ import annotations

import datetime as dt
import urllib.error
import urllib.request
from pathlib import Path

from generator import __version__
from generator.files import write_file_atomic
from generator.ingest.apijson import NO_PAPERS, parse_api_digest
from generator.project import Project

API_URL = "https://huggingface.co/api/daily_papers"
USER_AGENT = f"paper-digest/{__version__} (static site generator; digest fetch)"
TIMEOUT = 30.0
MAX_BYTES = 50_000_000  # a day's answer is ~200 KB; more is not a Daily Papers day


class FetchError(Exception):
    """The day could not be fetched or is not one to save; the message says what to do. Nothing was written."""


def fetch_digest(project: Project, day: dt.date, api_url: str = API_URL, timeout: float = TIMEOUT) -> tuple[Path, int]:
    """The day's digest file, written, and how many papers it lists."""
    name = f"{day.isoformat()}.json"
    target = project.digests / name
    if target.exists():
        raise FetchError(f"{name} is in content/digests/ already; to fetch the day again, delete it first")
    data = _download(f"{api_url}?date={day.isoformat()}", timeout)
    papers = _papers_in(data, name)
    project.digests.mkdir(parents=True, exist_ok=True)
    write_file_atomic(project.digests, name, data)
    return target, papers


def _download(url: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = bytes(response.read(MAX_BYTES + 1))
    except urllib.error.HTTPError as error:
        raise FetchError(f"Hugging Face answered HTTP {error.code} for {url}; try again later") from None
    except urllib.error.URLError as error:
        raise FetchError(f"cannot reach Hugging Face ({error.reason}); check the network connection") from None
    except (TimeoutError, ConnectionError) as error:
        raise FetchError(f"Hugging Face did not answer ({error or 'timed out'}); try again later") from None
    if len(data) > MAX_BYTES:
        raise FetchError(f"Hugging Face's answer for {url} is larger than a Daily Papers day can be")
    return data


def _papers_in(data: bytes, name: str) -> int:
    """How many papers ingest will read in the answer; FetchError when it would read none."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise FetchError("Hugging Face's answer is not UTF-8 text; nothing was saved") from None
    drafts, errors = parse_api_digest(text, name)
    if errors and errors[0].message == NO_PAPERS:  # a weekend, or a day not yet featured
        raise FetchError(f"Hugging Face lists no papers for {name.removesuffix('.json')} (yet); nothing was saved")
    if errors:
        raise FetchError(f"Hugging Face's answer is not a Daily Papers day ({errors[0].message}); nothing was saved")
    return len(drafts)
