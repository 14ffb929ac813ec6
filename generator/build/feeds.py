"""Atom feeds: the site's latest papers and one feed per topic.

Entry times come from the papers' featured dates, never from the clock, so two
builds of the same content give the same bytes.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from generator.build import urls
from generator.build.render import abstract_html
from generator.config import SiteConfig
from generator.content.schema import Paper
from generator.content.taxonomy import Topic


@dataclass(frozen=True)
class Feed:
    title: str
    subtitle: str
    feed_url: str  # absolute
    page_url: str  # absolute: the HTML page the feed follows
    language: str
    base_url: str
    papers: tuple[Paper, ...]  # newest first


def site_feed(config: SiteConfig, papers: tuple[Paper, ...]) -> Feed:
    return Feed(config.title, config.description, config.base_url + urls.FEED_URL,
                config.base_url + urls.HOME_URL, config.language, config.base_url, papers)


def topic_feed(config: SiteConfig, topic: Topic, papers: tuple[Paper, ...]) -> Feed:
    return Feed(f"{topic.name} — {config.title}", topic.description,
                config.base_url + urls.topic_feed_url(topic.slug), config.base_url + urls.topic_url(topic.slug),
                config.language, config.base_url, papers)


def timestamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def atom_page(context: Mapping) -> str:
    return atom_xml(context["feed"])


def atom_xml(feed: Feed) -> str:
    # An empty feed still needs an <updated>; the epoch keeps it deterministic.
    updated = max((paper.last_featured for paper in feed.papers), default=dt.date(1970, 1, 1))
    head = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(feed.language)}>',
        f"  <title>{escape(feed.title)}</title>",
        f"  <subtitle>{escape(feed.subtitle)}</subtitle>",
        f"  <id>{escape(feed.feed_url)}</id>",
        f'  <link rel="self" type="application/atom+xml" href={quoteattr(feed.feed_url)}/>',
        f'  <link rel="alternate" type="text/html" href={quoteattr(feed.page_url)}/>',
        f"  <updated>{timestamp(updated)}</updated>",
        f"  <author><name>{escape(feed.title)}</name></author>",
    ]
    entries = [entry_xml(paper, feed.base_url) for paper in feed.papers]
    return "\n".join(head + entries + ["</feed>", ""])


def entry_xml(paper: Paper, base_url: str) -> str:
    url = base_url + urls.paper_url(paper.slug)
    lines = [
        "  <entry>",
        f"    <title>{escape(paper.title)}</title>",
        f'    <link rel="alternate" type="text/html" href={quoteattr(url)}/>',
        f"    <id>{escape(url)}</id>",
        f"    <published>{timestamp(paper.first_featured)}</published>",
        f"    <updated>{timestamp(paper.last_featured)}</updated>",
    ]
    lines += [f"    <author><name>{escape(author)}</name></author>" for author in paper.authors]
    lines += [f"    <category term={quoteattr(slug)}/>" for slug in paper.topics]
    lines.append(f'    <content type="html">{escape(abstract_html(paper.body))}</content>')
    lines.append("  </entry>")
    return "\n".join(lines)
