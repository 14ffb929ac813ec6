"""The URL scheme: the one place that knows what every URL of the site looks like.

Templates get these functions as globals, so a change of URL scheme is a change here only.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import quote

HOME_URL = "/"
TOPICS_URL = "/topics/"
ARCHIVE_URL = "/dates/"
SEARCH_URL = "/search/"
FEED_URL = "/feed.xml"
JSON_FEED_URL = "/feed.json"
SITEMAP_URL = "/sitemap.xml"
READING_LIST_URL = "/reading-list/"


def paper_url(slug: str) -> str:
    """/papers/<first character>/<slug>/. Netlify refuses to deploy a folder of more than 54,000
    entries, and one folder of every paper would pass that at 54,000 papers; the first character
    keeps the address readable from the slug alone (at 80,304 papers the largest, 'a', holds 7,682)."""
    return f"/papers/{slug[0]}/{slug}/"


def topic_url(slug: str, page: int = 0) -> str:
    """The topic's front page (page 0), or archive page `page` (1 is the oldest; site.topic_pagination)."""
    return f"/topics/{slug}/" if page == 0 else f"/topics/{slug}/page/{page}/"


def topic_feed_url(slug: str) -> str:
    return f"/topics/{slug}/feed.xml"


def day_url(day: dt.date, page: int = 1) -> str:
    """The day's papers, or page `page` of them (site.day_pagination)."""
    return f"/dates/{day.isoformat()}/" if page == 1 else f"/dates/{day.isoformat()}/page/{page}/"


def week_url(day: dt.date) -> str:
    """The top papers of the week (Monday to Sunday) a day is in, named by its ISO week as
    huggingface.co/papers/week/2025-W34 names it: /weeks/2025-W34/."""
    return f"/weeks/{iso_week(day)}/"


def month_url(day: dt.date) -> str:
    """The top papers of the month a day is in: /months/2025-08/."""
    return f"/months/{iso_month(day)}/"


def iso_week(day: dt.date) -> str:
    """'2025-W34': the ISO week a day is in (2024-12-30 is in 2025-W01), as HTML's <time> writes a week."""
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def iso_month(day: dt.date) -> str:
    """'2025-08': the month a day is in, as HTML's <time> writes a month."""
    return f"{day.year:04d}-{day.month:02d}"


def papers_part_url(number: int) -> str:
    """Part `number` (from 1) of papers.json's records, when they are too many for one file."""
    return f"/papers-{number}.json"


def sitemap_part_url(number: int) -> str:
    """Part `number` (from 1) of a sitemap too long for one file; sitemap.xml then lists the parts."""
    return f"/sitemap-{number}.xml"


def arxiv_abs_url(arxiv_id: str) -> str:
    """The paper's abstract page on arXiv."""
    return f"https://arxiv.org/abs/{quote(arxiv_id, safe='/.')}"


def arxiv_pdf_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/pdf/{quote(arxiv_id, safe='/.')}"


def hugging_face_url(arxiv_id: str) -> str:
    """The paper's page on Hugging Face, with its discussion."""
    return f"https://huggingface.co/papers/{quote(arxiv_id, safe='/.')}"


def output_path(url: str) -> str:
    """The file under site/ that serves a URL: '/papers/x/xy/' -> 'papers/x/xy/index.html'."""
    path = url.lstrip("/")
    return f"{path}index.html" if path == "" or path.endswith("/") else path
