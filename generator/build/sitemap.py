"""sitemap.xml and robots.txt: entries are found by a pure function, then serialized."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from xml.sax.saxutils import escape

from generator.build import urls
from generator.build.site import Site
from generator.config import SiteConfig


def find_entries(site: Site, config: SiteConfig) -> tuple[tuple[str, dt.date | None], ...]:
    """(absolute URL, last modified day) for every HTML page worth indexing, sorted by URL."""
    latest = site.latest_day
    entries = [(urls.HOME_URL, latest), (urls.TOPICS_URL, latest), (urls.ARCHIVE_URL, latest)]
    entries += [(urls.paper_url(paper.slug), paper.last_featured) for paper in site.papers]
    for topic in site.topics:
        papers = site.papers_by_topic[topic.slug]
        newest = papers[0].last_featured if papers else None
        page_count = site.topic_page_count(topic.slug, config.topic_page_size)
        entries += [(urls.topic_url(topic.slug, number), newest) for number in range(1, page_count + 1)]
    entries += [(urls.day_url(day), day) for day in site.days]
    return tuple(sorted((config.base_url + url, day) for url, day in entries))


def sitemap_xml(context: Mapping) -> str:
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for url, day in context["entries"]:
        lastmod = f"<lastmod>{day.isoformat()}</lastmod>" if day else ""
        lines.append(f"  <url><loc>{escape(url)}</loc>{lastmod}</url>")
    return "\n".join(lines + ["</urlset>", ""])


def robots_txt(context: Mapping) -> str:
    return f"User-agent: *\nAllow: /\n\nSitemap: {context['base_url']}{urls.SITEMAP_URL}\n"
