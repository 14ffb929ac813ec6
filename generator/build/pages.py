"""Site -> pages: one context builder per page kind; the only place template context is made.

A page's context holds everything that varies from page to page, so it doubles
as the page's cache key: same context + same templates and config -> same bytes.
Contexts therefore hold immutable, comparable values (Papers, Topics, tuples).
"""
from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache, partial
from itertools import groupby
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote_plus

from generator.build import outputs, urls
from generator.build.related import Edit, related_papers
from generator.build.render import year_name
from generator.build.site import PERIOD_KINDS, Period, Site
from generator.config import SiteConfig
from generator.content.addresses import web_address
from generator.content.math import SPAN
from generator.content.schema import LINK_KINDS, Paper, exported_fields
from generator.content.taxonomy import Topic
from generator.content.tex_text import shown_text
from generator.jsonout import compact_json

# Which part of the site a page belongs to: ("paper", slug), ("topic", slug), ("day", date), or
# SITE_WIDE for the pages every change may reach (home, indexes, the site feed, papers.json...).
Region = tuple[str, object]
SITE_WIDE: Region = ("site", None)
# papers.json, the sitemap and their parts: made whole each time, so a part no longer made is gone.
LISTINGS: Region = ("listings", None)


@dataclass(frozen=True, slots=True)  # slots: 100 bytes less a page, 80,000 paper pages at a time
class Page:
    path: str  # site-relative output file, e.g. "papers/x/index.html"
    context: Mapping  # also the cache key, see the module docstring
    template: str = ""  # Jinja template name; "" when `produce` makes the bytes
    produce: Callable[[Mapping], Iterable[bytes]] | None = field(default=None, compare=False)  # the bytes, in parts
    region: Region = SITE_WIDE
    # More template variables, worked out from the context alone when the page is rendered:
    # what follows from the context need not be built, compared or fingerprinted with it.
    derive: Callable[[Mapping], Mapping] | None = field(default=None, compare=False)

    def template_variables(self) -> dict:
        return {**self.context, **self.derive(self.context)} if self.derive else dict(self.context)


class PageTable(Mapping[str, Page]):
    """The site's pages by path, as last rendered (the dev server's builder keeps them), and once
    asked, their paths by region: an edit looks for the pages no more among its regions' pages,
    where it scanned every page (10,901 at 9,877 papers: 100-150 ms after an idle pause on a
    2-core VM, each page coming back into the caches)."""

    def __init__(self, pages: Iterable[Page] = ()):
        self._pages = {page.path: page for page in pages}
        self._by_region: dict[Region, set[str]] | None = None  # made on first use: a build that builds once never asks

    def __getitem__(self, path: str) -> Page:
        return self._pages[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._pages)

    def __len__(self) -> int:
        return len(self._pages)

    def keep(self, pages: Iterable[Page]) -> None:
        for page in pages:
            self._pages[page.path] = page
            if self._by_region is not None:
                self._by_region.setdefault(page.region, set()).add(page.path)

    def forget(self, paths: Iterable[str]) -> None:
        for path in paths:
            page = self._pages.pop(path)
            if self._by_region is not None:
                self._by_region[page.region].discard(path)

    def in_regions(self, regions: Iterable[Region]) -> list[str]:
        """The paths of the pages of these regions."""
        if self._by_region is None:
            self._by_region = {}
            self.keep(list(self._pages.values()))
        return [path for region in regions for path in self._by_region.get(region, ())]


@dataclass(frozen=True)
class Scope:
    """The regions an edit can reach: its papers' own pages, their days and their topics (before
    and after the edit), and the papers whose related list shows one of them or changed."""

    papers: frozenset[str]
    days: frozenset[dt.date]
    topics: frozenset[str]

    def regions(self) -> frozenset[Region]:
        """The regions the scope holds, to test 80,000 pages by a set lookup. A day's week and month
        are the scope's too: their top lists show the day's papers."""
        periods = {Period.of(kind, day) for kind in PERIOD_KINDS for day in self.days}
        return frozenset([SITE_WIDE, *(("paper", slug) for slug in self.papers), *(("day", day) for day in self.days),
                          *(("topic", slug) for slug in self.topics), *((period.kind, period) for period in periods)])

    def __or__(self, other: Scope) -> Scope:
        return Scope(self.papers | other.papers, self.days | other.days, self.topics | other.topics)


NO_REGION = Scope(frozenset(), frozenset(), frozenset())  # the site-wide pages only


def all_pages(site: Site, config: SiteConfig, scope: Scope | None = None) -> list[Page]:
    """Every output of the site except static files and search files; with a scope, only the
    site-wide pages and those of the scope's regions (the dev server's rebuild after an edit)."""
    return html_pages(site, config, scope) + data_pages(site, config, scope)


def pages_but_papers_and_listings(site: Site, config: SiteConfig, scope: Scope | None = None) -> list[Page]:
    """all_pages without the papers' own pages, which a full build fingerprints from their parts
    (PAPER_PAGE_PARTS) and makes only when it renders them, nor the listings of every paper,
    which it makes apart (rendered after the pages, parallel.FullBuildJob)."""
    return html_pages(site, config, scope, paper_pages=False) + light_data_pages(site, config, scope)


def html_pages(site: Site, config: SiteConfig, scope: Scope | None = None, paper_pages: bool = True) -> list[Page]:
    """The pages readers open (and the dev server reloads first)."""
    pages = [home_page(site, config), topics_index_page(site), archive_page(site), search_page(), not_found_page(),
             reading_list_page()]
    if paper_pages:
        pages += _paper_pages(site, config, scope)
    for topic in site.topics:
        if scope is None or topic.slug in scope.topics:
            pages += topic_pages(topic, site, config)
    pages += [page for day in site.days if scope is None or day in scope.days for page in day_pages(day, site, config)]
    pages += period_pages(site, config, scope)
    return pages


def _paper_pages(site: Site, config: SiteConfig, scope: Scope | None) -> list[Page]:
    if scope is None:
        return [paper_page(paper, site, config.day_page_size) for paper in site.papers]
    by_slug = site.paper_by_slug()  # a few papers of 80,000: looked up, not searched for
    return [paper_page(by_slug[slug], site, config.day_page_size) for slug in sorted(scope.papers) if slug in by_slug]


def data_pages(site: Site, config: SiteConfig, scope: Scope | None = None) -> list[Page]:
    """Feeds, papers.json, sitemap.xml and robots.txt: for programs, so they can wait a moment."""
    return [*light_data_pages(site, config, scope), *listing_pages(site, config, scope)]


def light_data_pages(site: Site, config: SiteConfig, scope: Scope | None = None) -> list[Page]:
    """The feeds and robots.txt: milliseconds."""
    return [*feed_pages(site, config, scope), robots_page(config)]


def listing_pages(site: Site, config: SiteConfig, scope: Scope | None = None,
                  reuse: RecordReuse | None = None) -> list[Page]:
    """papers.json and sitemap.xml, which list every paper: made again in 0.6 s and 0.4 s at
    80,000 papers, so the dev server makes them last."""
    return [*papers_json_pages(site, reuse), *sitemap_pages(site, config)]


def home_page(site: Site, config: SiteConfig) -> Page:
    latest = site.latest_day
    recent_days = tuple((day, len(site.papers_by_day[day])) for day in reversed(site.days[-config.home_days:]))
    week = Period.of("week", latest) if latest else None
    week_papers = site.period_papers(week) if week else ()
    return Page("index.html", {
        "latest_day": latest,
        "latest_papers": site.papers_by_day[latest] if latest else (),
        "filter_topics": filter_topics(site, site.papers_by_day[latest] if latest else ()),
        "week_top": tuple(paper for paper, _ in week_papers[:HOME_WEEK_TOP]),
        "recent_days": recent_days,
        "topic_counts": topic_counts(site),
        "paper_count": len(site.papers),
    }, "home.html")


# The latest week's top papers the home page names, as Hugging Face's home offers its weekly list:
# a glance at what stood out, the week's page for the rest.
HOME_WEEK_TOP = 5


def topic_counts(site: Site) -> tuple[tuple[Topic, int], ...]:
    """Readers' topics with their paper counts; the fallback topic is no topic to browse."""
    return tuple((topic, len(site.papers_by_topic[topic.slug])) for topic in site.reader_topics)


def filter_topics(site: Site, papers: tuple[Paper, ...]) -> tuple[tuple[Topic, int], ...]:
    """The readers' topics of a list of papers, most papers first, for the topic filter."""
    counts = Counter(slug for paper in papers for slug in paper.topics if slug != site.fallback_slug)
    order = {topic.slug: position for position, topic in enumerate(site.topics)}
    ranked = sorted(counts, key=lambda slug: (-counts[slug], order[slug]))
    return tuple((site.topic_by_slug[slug], counts[slug]) for slug in ranked)


def topics_index_page(site: Site) -> Page:
    rows = tuple((topic, count, site.topic_year_counts(topic.slug)) for topic, count in topic_counts(site))
    return Page(urls.output_path(urls.TOPICS_URL), {"topic_rows": rows}, "topics.html")


def archive_page(site: Site) -> Page:
    return Page(urls.output_path(urls.ARCHIVE_URL), {"calendar": site.calendar()}, "dates.html")


def reading_list_page() -> Page:
    return Page(urls.output_path(urls.READING_LIST_URL), {}, "reading-list.html")


def search_page() -> Page:
    return Page(urls.output_path(urls.SEARCH_URL), {}, "search.html")


def not_found_page() -> Page:
    return Page("404.html", {}, "404.html")


def paper_page(paper: Paper, site: Site, day_page_size: int, path: str | None = None) -> Page:
    """path: paper_page_path(paper.slug) when made already (the string is kept once, not twice)."""
    return Page(path or paper_page_path(paper.slug), {
        "paper": paper,
        "topics": tuple(site.topic_by_slug[slug] for slug in paper.topics),
        "related": related_to(paper, site),
        "day_pages": site.featured_pages(paper, day_page_size),
    }, "paper.html", region=("paper", paper.slug), derive=_paper_page_details)


def _paper_page_details(context: Mapping) -> dict:
    return paper_details(context["paper"])


def paper_page_path(slug: str) -> str:
    return urls.output_path(urls.paper_url(slug))


# What a paper page's context is made of, all of it: the paper (its topics are its own field;
# the taxonomy's text is in the build record's key), its related papers and the pages of its days'
# lists that hold it. A full build fingerprints paper pages from these (Fingerprints.of_paper_page)
# without making 80,000 pages (a second), so a new entry in paper_page's context must come from
# them or be added here.
PAPER_PAGE_PARTS = frozenset(["paper", "topics", "related", "day_pages"])


PaperPageParts = tuple[str, Paper, tuple[str, ...], Mapping[dt.date, int]]  # see paper_page_parts


def paper_page_parts(site: Site, day_page_size: int) -> Iterator[PaperPageParts]:
    """(path, paper, its related papers' slugs, its days' pages) of every paper page, in the order
    of site.papers: PAPER_PAGE_PARTS, as paper_page makes them. Slugs: a build that renders a few
    hundred of 80,000 paper pages then makes no tuple of related papers for the others (0.9 s)."""
    _remember_related(site)
    related = _related_memo.slugs
    for paper in site.papers:
        yield (paper_page_path(paper.slug), paper, related.get(paper.slug, ()),
               site.featured_pages(paper, day_page_size))


def related_to(paper: Paper, site: Site) -> tuple[Paper, ...]:
    """The papers most similar to this one (generator/build/related.py), worked out once per Site."""
    _remember_related(site)
    found = _related_memo.papers.get(paper.slug)
    if found is None:  # made as pages ask: a dev-server rebuild asks for a few of 10,000
        by_slug = _related_memo.by_slug
        found = _related_memo.papers[paper.slug] = tuple(by_slug[other] for other in _related_memo.slugs.get(paper.slug, ()))
    return found


def related_slugs(site: Site, cache_file: Path | None = None, edit: Edit | None = None) -> dict[str, tuple[str, ...]]:
    """slug -> the slugs of its related papers, for every paper of the site. A build asks first,
    with the cache file of the papers' term counts (related.py); its pages then find them here.
    edit: how the site's papers differ from an earlier site's (a rebuild's; see related.py)."""
    _remember_related(site, cache_file, edit)
    return _related_memo.slugs


def _remember_related(site: Site, cache_file: Path | None = None, edit: Edit | None = None) -> None:
    if _related_memo.site is not site:
        take_related(site, related_papers(site.papers, cache_file=cache_file, edit=edit))


def take_related(site: Site, slugs: dict[str, tuple[str, ...]]) -> None:
    """The site's related lists as related_papers gave them, worked out here or in another process
    (a build's, parallel.related_ahead): its pages then find them here."""
    _related_memo.site, _related_memo.by_slug, _related_memo.slugs, _related_memo.papers = site, site.paper_by_slug(), slugs, {}


@dataclass
class _RelatedMemo:
    """The related papers of the last Site seen: every paper page of one build asks for them."""

    site: Site | None = None
    by_slug: Mapping[str, Paper] = field(default_factory=dict)
    slugs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    papers: dict[str, tuple[Paper, ...]] = field(default_factory=dict)  # filled as pages ask


_related_memo = _RelatedMemo()


def paper_details(paper: Paper) -> dict:
    """What a paper page derives from the paper alone; kept, so a rebuild skips unchanged papers,
    unless this process renders each page once (it would never be asked again)."""
    return _kept_paper_details(paper) if _rendering_again else _paper_details(paper)


def _paper_details(paper: Paper) -> dict:
    pdf_url = urls.arxiv_pdf_url(paper.arxiv_id) if paper.arxiv_id else ""
    # Every digest is a day of Hugging Face's Daily Papers: a paper from one has its page there.
    hugging_face = urls.hugging_face_url(paper.arxiv_id) if paper.arxiv_id and paper.sources else ""
    return {"link_groups": link_groups(paper), "arxiv_url": arxiv_url(paper), "pdf_url": pdf_url,
            "hugging_face_url": hugging_face, "bibtex": bibtex(paper)}


_kept_paper_details = lru_cache(maxsize=100_000)(_paper_details)


def is_web_url(url: str) -> bool:
    """Only http and https links reach a page, whatever the content says."""
    return web_address(url) is not None


def link_groups(paper: Paper) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The paper's links as (kind, urls) in the order of LINK_KINDS, web links only."""
    groups = []
    for kind in LINK_KINDS:
        found = tuple(link.url for link in paper.links if link.kind == kind and is_web_url(link.url))
        if found:
            groups.append((kind, found))
    unknown = tuple(link.url for link in paper.links if link.kind not in LINK_KINDS and is_web_url(link.url))
    return tuple(groups) + ((("other", unknown),) if unknown else ())


def arxiv_url(paper: Paper) -> str:
    if paper.arxiv_id:
        return urls.arxiv_abs_url(paper.arxiv_id)
    return f"https://arxiv.org/search/?query={quote_plus(paper.title)}&searchtype=title"


# In a title's text (outside its $…$ formulas): a TeX command or escaped character as written
# (`\textsc{AIEV}`, `54.6\%`), else a character LaTeX reads as a command where the title means
# it as text: "Roadmap & User Guide" stopped the citing document's build, and "90% of Speakers"
# lost the rest of its title.
LATEX_TEXT_TOKEN = re.compile(r"\\(?:[A-Za-z]+|[^A-Za-z])|[&%#_$^~\\{}]")
LATEX_AS_TEXT = {"&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_", "$": r"\$", "^": r"\textasciicircum{}",
                 "~": r"\textasciitilde{}", "\\": r"\textbackslash{}", "{": r"\textbraceleft{}",
                 "}": r"\textbraceright{}"}


def bibtex_value(text: str) -> str:
    """The value as it is when its braces pair, which is all BibTeX asks; else every character
    LaTeX reads as a command written as the character itself, braces too, so the entry pairs."""
    return "".join(LATEX_AS_TEXT.get(char, char) for char in text) if not braces_balance(text) else text


def bibtex_text(text: str) -> str:
    r"""A title or names as LaTeX should show them, the TeX in them as TeX (the `$…$` formulas,
    `\textsc{…}`, `\%`), as the paper's page reads them. BibTeX pairs every brace, escaped or
    not, so TeX whose braces do not pair is shown as plain characters instead."""
    if not braces_balance(text):
        return bibtex_value(text)
    pieces, end = [], 0
    for formula in SPAN.finditer(text):
        pieces += [_latex_text(text[end:formula.start()]), formula.group()]
        end = formula.end()
    return "".join([*pieces, _latex_text(text[end:])])


def _latex_text(part: str) -> str:
    def token(match: re.Match[str]) -> str:
        found = match.group()
        return found if len(found) > 1 or found in "{}" else LATEX_AS_TEXT[found]
    return LATEX_TEXT_TOKEN.sub(token, part)


def braces_balance(text: str) -> bool:
    """Whether every brace pairs, as BibTeX counts them (a backslash before one changes nothing)."""
    depth = 0
    for char in text:
        depth += (char == "{") - (char == "}")
        if depth < 0:
            return False
    return depth == 0


def bibtex(paper: Paper) -> str:
    """A BibTeX entry to copy."""
    fields = [("title", "{" + bibtex_text(paper.title) + "}")]
    if paper.authors:
        fields.append(("author", bibtex_text(" and ".join(paper.authors))))
    fields.append(("year", year_name((paper.published or paper.first_featured).year)))
    if paper.arxiv_id:  # without one, a search address is no citation target: no url at all
        fields += [("eprint", bibtex_value(paper.arxiv_id)), ("archivePrefix", "arXiv")]
        fields += [("primaryClass", bibtex_value(paper.primary_category))] if paper.primary_category else []
        fields.append(("url", bibtex_value(arxiv_url(paper))))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{paper.slug},\n{body}\n}}"


def topic_pages(topic: Topic, site: Site, config: SiteConfig) -> list[Page]:
    """The front page, then the archive pages (site.topic_pagination). An archive page's context
    holds nothing that grows with the topic (no paper count), so it stays as it is until its own
    papers change or a new archive page comes within its window (the four pages before it)."""
    pagination = site.topic_pagination(topic.slug, config.topic_page_size)
    archived = len(pagination) - 1
    pages = []
    for number, shown in enumerate(pagination):
        context = {
            "topic": topic,
            "is_fallback": topic.slug == site.fallback_slug,
            "papers": shown,
            "page_number": number,
            "newer": None if number == 0 else (number + 1 if number < archived else 0),
            "older": (archived if number == 0 else number - 1) or None,
            "page_links": archive_window(number, archived) if archived else (),
            "day_pages": heading_day_pages(shown, site, config.day_page_size),
        }
        if number == 0:
            context["paper_count"] = len(site.papers_by_topic[topic.slug])
        pages.append(Page(urls.output_path(urls.topic_url(topic.slug, number)), context, "topic.html",
                          region=("topic", topic.slug), derive=_topic_page_groups))
    return pages


def _topic_page_groups(context: Mapping) -> dict:
    # Worked out only for the pages rendered: an edit makes the contexts of every page of its topics.
    return {"day_groups": day_groups(context["papers"])}


def day_groups(papers: tuple[Paper, ...]) -> tuple[tuple[dt.date, tuple[Paper, ...]], ...]:
    """Newest-first papers under their latest featured day, so each date is shown once."""
    return tuple((day, tuple(group)) for day, group in groupby(papers, key=lambda paper: paper.last_featured))


def heading_day_pages(papers: tuple[Paper, ...], site: Site, page_size: int) -> dict[dt.date, int]:
    """Where a topic page's day headings (day_groups) lead on a long day: the page of the day that
    lists the group's first paper, the first of that day's pages to hold any of the group, when it
    is not page 1 (day_groups and the day's pages share the day's ranking). Only the long days
    are looked for, each by bisection: at 80,248 papers, going through every paper of the 2,896
    topic pages took 105-140 ms of each full build or deploy, bisecting 55-67 ms."""
    pages: dict[dt.date, int] = {}
    if not papers:
        return pages
    for day in site.long_days(papers[-1].last_featured, papers[0].last_featured, page_size):
        first = bisect.bisect_left(papers, -day.toordinal(), key=_newest_day_first)
        if first == len(papers) or papers[first].last_featured != day:
            continue  # none of the topic's papers on this page is of that day
        if (page := site.day_page(day, papers[first].slug, page_size)) > 1:
            pages[day] = page
    return pages


def _newest_day_first(paper: Paper) -> int:
    """The first part of site.newest_first_key, by which a topic's papers are sorted."""
    return -paper.last_featured.toordinal()


def archive_window(current: int, archived: int, radius: int = 2) -> tuple[int | None, ...]:
    """Pages to link, newest first: 0 (the front page), archive page 1, and `radius` pages around
    the current one, the front page counting as the one after the newest archive page; None
    marks a gap. A gap that would hide a single page shows that page instead."""
    front = archived + 1
    place = current or front
    shown = sorted({1, front} | set(range(max(1, place - radius), min(front, place + radius) + 1)), reverse=True)
    window: list[int | None] = []
    for above, number in zip([None, *shown], shown):
        if above is not None and above - number == 2:
            window.append(number + 1)
        elif above is not None and above - number > 2:
            window.append(None)
        window.append(0 if number == front else number)
    return tuple(window)


def day_pages(day: dt.date, site: Site, config: SiteConfig) -> list[Page]:
    """The day's papers, config.day_page_size a page (site.day_pagination): at 80,000 papers an
    arXiv listing's day held 730, a 2 MB page."""
    earlier, later = site.neighbour_days(day)
    pagination = site.day_pagination(day, config.day_page_size)
    pages = []
    for number, shown in enumerate(pagination, start=1):
        pages.append(Page(urls.output_path(urls.day_url(day, number)), {
            "day": day,
            "papers": shown,
            "paper_count": len(site.papers_by_day[day]),
            "page_number": number,
            "page_count": len(pagination),
            "first_place": (number - 1) * config.day_page_size + 1,
            "filter_topics": filter_topics(site, shown),
            "earlier_day": earlier,
            "later_day": later,
        }, "day.html", region=("day", day)))
    return pages


def period_pages(site: Site, config: SiteConfig, scope: Scope | None = None) -> list[Page]:
    """Each week's and each month's top papers."""
    regions = scope.regions() if scope else None
    pages = []
    for kind in PERIOD_KINDS:
        periods = site.periods(kind)
        for earlier, period, later in zip((None, *periods), periods, (*periods[1:], None)):
            if regions is None or (kind, period) in regions:
                pages.append(period_page(period, earlier, later, site, config))
    return pages


def period_page(period: Period, earlier: Period | None, later: Period | None, site: Site, config: SiteConfig) -> Page:
    every = site.period_papers(period)
    ranked = every[:config.top_papers]
    return Page(urls.output_path(period.url), {
        "period": period,
        "papers": tuple(paper for paper, _ in ranked),
        "paper_days": tuple(day for _, day in ranked),
        "paper_day_pages": tuple(site.day_page(day, paper.slug, config.day_page_size) for paper, day in ranked),
        "day_counts": tuple((day, len(site.papers_by_day[day])) for day in site.period_days(period)),
        "paper_count": len(every),
        "earlier": earlier,
        "later": later,
    }, "period.html", region=(period.kind, period))


def feed_pages(site: Site, config: SiteConfig, scope: Scope | None = None) -> list[Page]:
    latest = site.papers[:config.feed_size]
    site_feed = outputs.site_feed(config, latest)
    pages = [Page(urls.output_path(urls.FEED_URL), {"feed": site_feed}, "feed.xml"),
             Page(urls.output_path(urls.JSON_FEED_URL), {"feed": site_feed}, "feed.json")]
    for topic in site.topics:
        if scope is None or topic.slug in scope.topics:
            papers = site.papers_by_topic[topic.slug][:config.feed_size]
            feed = outputs.topic_feed(config, topic, papers)
            pages.append(Page(urls.output_path(urls.topic_feed_url(topic.slug)), {"feed": feed}, "feed.xml",
                              region=("topic", topic.slug)))
    return pages


# Static hosts refuse a large file (Cloudflare Pages past 25 MiB, Netlify past ~26 MB, GitHub Pages
# past 100 MB), and the records of 80,000 papers take 170 MB: past this many papers, papers.json is an
# index of parts, ~2 KB a record, so ~8 MB a part.
PAPERS_PER_FILE = 4_000


def papers_json_pages(site: Site, reuse: RecordReuse | None = None) -> list[Page]:
    """papers.json, every paper's record; past PAPERS_PER_FILE papers, papers-1.json, papers-2.json, …
    hold the records (in papers.json's order) and papers.json lists them."""
    if len(site.papers) <= PAPERS_PER_FILE:
        return _keeping_records_of([papers_json_page("papers.json", site.papers, reuse)])
    ordered = listed_in_order(site.papers)
    pages, index = [], []
    for number, start in enumerate(range(0, len(ordered), PAPERS_PER_FILE), 1):
        papers = tuple(ordered[start:start + PAPERS_PER_FILE])
        path = urls.output_path(urls.papers_part_url(number))
        pages.append(papers_json_page(path, papers, reuse.part(path, start, len(papers)) if reuse else None))
        index.append({"url": urls.papers_part_url(number), "papers": len(papers)})
    listed = Page("papers.json", {"parts": tuple(index)}, produce=papers_json_index, region=LISTINGS)
    return [*_keeping_records_of(pages), listed]


def _keeping_records_of(pages: list[Page]) -> list[Page]:
    """The pages that hold records; those kept for any other file (a part the site no longer
    has: up to PAPERS_PER_FILE records, ~8 MB) are let go."""
    for name in _record_texts.keys() - {page.path for page in pages}:
        del _record_texts[name]
    return pages


def papers_json_page(path: str, papers: tuple[Paper, ...], reuse: RecordReuse | None = None) -> Page:
    return Page(path, {"papers": papers}, produce=partial(papers_json, reuse=reuse, name=path), region=LISTINGS)


def papers_json_index(context: Mapping) -> Iterator[bytes]:
    """papers.json when the records are in parts: each part's URL and number of papers."""
    yield json.dumps({"parts": list(context["parts"])}, ensure_ascii=False).encode() + b"\n"


PAPERS_JSON_START, PAPERS_JSON_END = b'{"papers": [\n', b"\n]}\n"


def papers_json(context: Mapping, reuse: RecordReuse | None = None, name: str = "papers.json") -> Iterator[bytes]:
    """Every paper's metadata for reuse: sorted by slug, stable key order, one paper a line.

    Made as UTF-8 bytes, record by record, and written as it is made: the whole file (150 MB at
    80,000 papers) is never one object, and one str of it took four bytes a character as soon as
    an abstract held an emoji (a 700 MB peak in the page worker). reuse: the last build's file,
    whose records are copied where the paper is the same. name: the file's path, whose records a
    process that renders it again keeps."""
    known: dict[int, tuple[Paper, bytes]] = _record_texts.get(name, {})
    kept: dict[int, tuple[Paper, bytes]] = {}
    with EarlierRecords(reuse) as earlier:
        yield PAPERS_JSON_START
        for number, paper in enumerate(listed_in_order(context["papers"])):
            entry = known.get(id(paper))
            text = entry[1] if entry is not None and entry[0] is paper else earlier.record(number, paper.slug)
            if text is None:
                text = paper_record_json(paper)
            if _rendering_again:
                kept[id(paper)] = paper, text
            yield b",\n" + text if number else text
        yield PAPERS_JSON_END
    _record_texts[name] = kept  # papers gone since the last call are let go


def listed_in_order(papers: Iterable[Paper]) -> list[Paper]:
    """The papers in papers.json's order: by slug."""
    return sorted(papers, key=_slug)


RECORD_KEY_BYTES = 8


def record_keys(papers: Iterable[Paper], paper_digest: Callable[[Paper], str]) -> bytes:
    """The key of each paper's record in papers.json, in the file's order: a hash of its slug and
    of its digest (fingerprint.Fingerprints.paper), so equal keys mean equal records."""
    return b"".join(hashlib.blake2b(f"{paper.slug}\n{paper_digest(paper)}".encode(), digest_size=RECORD_KEY_BYTES).digest()
                    for paper in listed_in_order(papers))


@dataclass(frozen=True)
class RecordReuse:
    """What lets papers.json copy records from the last build's file rather than make them again
    (2 s at 80,000 papers, once most of a new day's search process): that file, the keys of its
    records (record_keys) as the build record keeps them, and the keys of the papers now."""

    earlier_file: Path
    earlier_keys: bytes
    keys: bytes

    def part(self, path: str, start: int, count: int) -> RecordReuse:
        """The same for the part of papers.json at `path` (under site/) holding the records from the
        `start`th: parts are cut every PAPERS_PER_FILE records, so the last build's part of that
        name held the records from the same place in its file order."""
        window = slice(start * RECORD_KEY_BYTES, (start + count) * RECORD_KEY_BYTES)
        earlier_window = slice(start * RECORD_KEY_BYTES, (start + PAPERS_PER_FILE) * RECORD_KEY_BYTES)
        return RecordReuse(self.earlier_file.parent / path, self.earlier_keys[earlier_window], self.keys[window])


class EarlierRecords:
    """The records of the last build's papers.json, read in order as the papers come: a record is
    copied only under its paper's key, and only if it is one whole line naming its slug, so
    records moved or cut short in a file changed since are made again (one edited in place
    stays, as a page edited by hand in site/ does until its context changes)."""

    def __init__(self, reuse: RecordReuse | None):
        self._reuse = reuse
        self._keys = b""  # the papers' keys now (RecordReuse.keys), once the earlier file is open
        self._line_of: dict[bytes, int] = {}
        self._file: BinaryIO | None = None
        self._next = 0  # the number of the record the file is at

    def __enter__(self) -> EarlierRecords:
        if self._reuse is not None and self._reuse.earlier_keys:
            keys, self._keys = self._reuse.earlier_keys, self._reuse.keys
            self._line_of = {keys[start:start + RECORD_KEY_BYTES]: number
                             for number, start in enumerate(range(0, len(keys), RECORD_KEY_BYTES))}
            try:
                self._file = open(self._reuse.earlier_file, "rb")  # closed by __exit__
                if self._file.readline() != PAPERS_JSON_START:
                    self._file.close()
                    self._file = None
            except OSError:
                self._file = None
        return self

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            self._file.close()

    def record(self, number: int, slug: str) -> bytes | None:
        """The earlier record of the `number`th paper now, if the earlier file holds it."""
        if self._file is None:
            return None
        start = number * RECORD_KEY_BYTES
        line = self._line_of.get(self._keys[start:start + RECORD_KEY_BYTES])
        if line is None or line < self._next:
            return None
        try:
            for _ in range(line - self._next):
                self._file.readline()
            text = self._file.readline()
        except OSError:
            self._file = None
            return None
        self._next = line + 1
        text = text.removesuffix(b"\n").removesuffix(b",")
        whole = text.startswith(b"{") and text.endswith(b"}") and f'"slug":"{slug}"'.encode() in text
        return text if whole else None


# Each paper's record as the last papers.json had it, by the paper object's identity, for a
# process that renders papers.json again (the dev server): an lru_cache keyed by the Paper hashed
# every field of all 80,000 papers again for each edit (0.16 s of 0.77 s).
_record_texts: dict[str, dict[int, tuple[Paper, bytes]]] = {}  # by file: papers.json or one of its parts
_rendering_again = True  # this process may render the pages again: what it made is worth keeping


@contextlib.contextmanager
def rendering_each_page_once(once: bool = True) -> Iterator[None]:
    """For a process, while it renders each page once (a full build's, when once): papers.json's
    records and the paper pages' details are not kept for a next time that never comes (at
    80,000 papers, 150 MB in the process that makes papers.json and ~60 MB in every other)."""
    global _rendering_again
    before = _rendering_again
    _rendering_again = before and not once
    try:
        yield
    finally:
        _rendering_again = before


def _slug(paper: Paper) -> str:
    return paper.slug


def paper_record_json(paper: Paper) -> bytes:
    return compact_json(paper_record(paper), sort_keys=True)


def paper_record(paper: Paper) -> dict:
    """The fields the schema exports, plus the page's URL and the abstract as the plain text its
    page shows (TeX's `\\textbf{x}` and Markdown's `**x**` are x; `$…$` math stays TeX)."""
    record = exported_fields(paper)
    record["links"] = [link for link in record["links"] if is_web_url(link["url"])]
    return {**record, "url": urls.paper_url(paper.slug), "abstract": shown_text(paper.body)}


def sitemap_pages(site: Site, config: SiteConfig) -> list[Page]:
    """sitemap.xml listing every page; past outputs.SITEMAP_LIMIT pages, sitemap-1.xml, sitemap-2.xml, …
    and sitemap.xml an index of them."""
    entries = outputs.find_entries(site, config)
    if len(entries) <= outputs.SITEMAP_LIMIT:
        return [Page("sitemap.xml", {"entries": entries}, "sitemap.xml", region=LISTINGS)]
    parts = list(enumerate(outputs.sitemap_parts(entries), 1))
    index = tuple(outputs.sitemap_part(number, part, config) for number, part in parts)
    return [*(Page(urls.output_path(urls.sitemap_part_url(number)), {"entries": part}, "sitemap.xml", region=LISTINGS)
              for number, part in parts),
            Page("sitemap.xml", {"sitemaps": index}, "sitemap-index.xml", region=LISTINGS)]


def robots_page(config: SiteConfig) -> Page:
    return Page("robots.txt", {"sitemap_url": outputs.sitemap_url(config)}, "robots.txt")
