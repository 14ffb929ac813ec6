"""The data behind the machine-read outputs: Atom feeds, sitemap.xml and robots.txt.

Each function here is pure and returns frozen values; the theme's templates
(feed.xml, sitemap.xml, sitemap-index.xml, robots.txt) turn them into text, so a theme can change
any of these files without touching code. The values double as the pages'
cache keys (see pages.py).

Feed times come from the papers' featured dates and places, never from the clock, so two
builds of the same content give the same bytes.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from generator.build import urls
from generator.build.quick_links import quick_links
from generator.build.site import PERIOD_KINDS, Site
from generator.config import SiteConfig
from generator.content.schema import Paper
from generator.content.taxonomy import Topic

# An empty feed still needs an <updated>; the epoch keeps it deterministic.
EMPTY_FEED_UPDATED = dt.date(1970, 1, 1)
# A day's papers are stamped between 11:00 and 12:00 UTC, the same date from UTC-11 to UTC+11;
# midnight showed a day's papers on the day before to every reader west of Greenwich.
FEED_NOON = dt.time(12)
FEED_HOUR = dt.timedelta(hours=1)  # a place a second, from noon back; later places share 11:00:01
# What a feed reader may say of a source link before it is opened: arXiv's PDF is a PDF, the
# other quick links (arXiv's page, the code, the project page) are web pages.
SOURCE_LINK_TYPES = {"PDF": "application/pdf"}
# sitemaps.org: a sitemap lists at most 50,000 URLs (and 50 MB: 50,000 of ours take ~8 MB); crawlers
# refuse a longer one. A site of 80,000 papers has 84,000 pages.
SITEMAP_LIMIT = 50_000


@dataclass(frozen=True)
class Feed:
    title: str
    subtitle: str
    feed_url: str  # absolute
    page_url: str  # absolute: the HTML page the feed follows
    language: str
    base_url: str  # papers' absolute URLs are base_url + paper_url(slug)
    updated: dt.date  # the latest featured day of its papers
    papers: tuple[Paper, ...]  # newest first


@dataclass(frozen=True)
class SitemapEntry:
    url: str  # absolute
    last_modified: dt.date | None  # None: a page with no paper yet, e.g. an empty topic


@dataclass(frozen=True)
class SitemapPart:
    """A part of a sitemap too long for one file, as the index at sitemap.xml lists it."""
    url: str  # absolute
    last_modified: dt.date | None  # the latest of its pages'


def site_feed(config: SiteConfig, papers: tuple[Paper, ...]) -> Feed:
    return Feed(config.title, config.description, config.base_url + urls.FEED_URL,
                config.base_url + urls.HOME_URL, config.language, config.base_url, latest_day(papers), papers)


def topic_feed(config: SiteConfig, topic: Topic, papers: tuple[Paper, ...]) -> Feed:
    return Feed(f"{topic.name} — {config.title}", topic.description,
                config.base_url + urls.topic_feed_url(topic.slug), config.base_url + urls.topic_url(topic.slug),
                config.language, config.base_url, latest_day(papers), papers)


def feed_time(paper: Paper, day: dt.date) -> str:
    """The paper's Atom/JSON Feed time for one of its days: noon UTC, a second earlier per place
    below the first, so feed readers, which sort by time, keep the day's order. A paper without a
    place that day comes after every placed one, at 11:00."""
    place = paper.rank_on(day)
    before_noon = FEED_HOUR if place is None else min(dt.timedelta(seconds=place - 1), FEED_HOUR - dt.timedelta(seconds=1))
    return (dt.datetime.combine(day, FEED_NOON) - before_noon).isoformat() + "Z"


def feed_updated(feed: Feed) -> str:
    """The feed's own time: its latest day at noon, never before its newest entry."""
    return f"{feed.updated.isoformat()}T{FEED_NOON.isoformat()}Z"


def source_links(paper: Paper) -> tuple[tuple[str, str, str], ...]:
    """(title, url, media type) of the paper's own sources, which a feed entry links to beside its
    page here: the links its rows offer (quick_links.py), so http(s) addresses only."""
    return tuple((label, url, SOURCE_LINK_TYPES.get(label, "text/html")) for label, url in quick_links(paper))


def latest_day(papers: tuple[Paper, ...]) -> dt.date:
    return max((paper.last_featured for paper in papers), default=EMPTY_FEED_UPDATED)


def find_entries(site: Site, config: SiteConfig) -> tuple[SitemapEntry, ...]:
    """Every HTML page worth indexing (not the search page), sorted by URL."""
    latest = site.latest_day
    entries = [(urls.HOME_URL, latest), (urls.TOPICS_URL, latest), (urls.ARCHIVE_URL, latest)]
    entries += [(urls.paper_url(paper.slug), paper.last_featured) for paper in site.papers]
    for topic in site.topics:
        pagination = site.topic_pagination(topic.slug, config.topic_page_size)
        entries += [(urls.topic_url(topic.slug, number), papers[0].last_featured if papers else None)
                    for number, papers in enumerate(pagination)]
    entries += [(urls.day_url(day, number), day) for day in site.days
                for number in range(1, len(site.day_pagination(day, config.day_page_size)) + 1)]
    entries += [(period.url, site.period_days(period)[-1]) for kind in PERIOD_KINDS for period in site.periods(kind)]
    found = (SitemapEntry(config.base_url + url, day) for url, day in entries)
    return tuple(sorted(found, key=lambda entry: entry.url))


def sitemap_parts(entries: tuple[SitemapEntry, ...]) -> list[tuple[SitemapEntry, ...]]:
    """The entries of each part, in order, when they are more than one sitemap may list."""
    return [entries[start:start + SITEMAP_LIMIT] for start in range(0, len(entries), SITEMAP_LIMIT)]


def sitemap_part(number: int, entries: tuple[SitemapEntry, ...], config: SiteConfig) -> SitemapPart:
    last_modified = max((entry.last_modified for entry in entries if entry.last_modified), default=None)
    return SitemapPart(config.base_url + urls.sitemap_part_url(number), last_modified)


def sitemap_url(config: SiteConfig) -> str:
    """The sitemap's absolute address, which robots.txt points crawlers to."""
    return config.base_url + urls.SITEMAP_URL
