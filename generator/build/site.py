"""Papers and topics -> Site: every grouping the pages need, computed once."""
from __future__ import annotations

import bisect
import calendar
import datetime as dt
import difflib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from types import MappingProxyType
from typing import ClassVar

from generator.build import urls
from generator.content.schema import Paper
from generator.content.taxonomy import Topic
from generator.errors import SourceError

NO_PAGES: Mapping[dt.date, int] = MappingProxyType({})  # Site.featured_pages of a paper on no long day


@dataclass(frozen=True)
class CalendarMonth:
    """One month of the archive as a calendar row: every day of the month, with its paper count."""
    year: int
    month: int
    days: tuple[tuple[dt.date, int], ...]  # every day of the month, oldest first; 0 for a day without papers
    is_gap: ClassVar[bool] = False

    @property
    def paper_count(self) -> int:
        return sum(count for _, count in self.days)


@dataclass(frozen=True)
class CalendarGap:
    """Months in a row without papers, as one line of the calendar: a pause in the digest reads
    at a glance, and a typo such as `featured: [9999-12-31]` costs a line, where a row per month
    made a 312 MB page."""
    oldest: dt.date  # the first day of the gap's oldest month
    newest: dt.date  # the first day of its newest month
    is_gap: ClassVar[bool] = True

    @property
    def year(self) -> int:
        """The year whose part of the calendar shows the gap: that of the month with papers after
        it, for a year without papers has no part (a gap up to December ends in such a year)."""
        return self.newest.year + (self.newest.month == 12)


@dataclass(frozen=True, order=True)
class Period:
    """A week (Monday to Sunday, as Hugging Face's weekly list) or a calendar month that has
    featured days: the span of a "top papers" page."""
    kind: str  # "week" or "month"
    start: dt.date  # a Monday, or a month's first day

    @property
    def end(self) -> dt.date:
        """Its last day."""
        if self.kind == "week":  # the week of 9999-12-31 (a typo's) ends on the last day there is
            return self.start + min(dt.timedelta(days=6), dt.date.max - self.start)
        return self.start.replace(day=calendar.monthrange(self.start.year, self.start.month)[1])

    @property
    def url(self) -> str:
        return urls.week_url(self.start) if self.kind == "week" else urls.month_url(self.start)

    @property
    def iso(self) -> str:
        """'2025-W34' or '2025-08': its name in its address, and its <time datetime>."""
        return urls.iso_week(self.start) if self.kind == "week" else urls.iso_month(self.start)

    @classmethod
    def of(cls, kind: str, day: dt.date) -> Period:
        """The week or the month a day is in."""
        if kind == "week":
            return cls(kind, day - dt.timedelta(days=day.weekday()))
        return cls(kind, day.replace(day=1))


PERIOD_KINDS = ("week", "month")


class PapersBySlug(Mapping[str, Paper]):
    """Papers by slug. A site's own dict is made on first use; a patched site's shares that dict,
    which is never changed, under the few papers changed since (None: removed), so a preview edit
    patches it in time proportional to the edit: copying the dict of 9,877 papers took 40-170 ms
    of an edit after an idle pause on a 2-core VM, every paper coming back into the caches.
    Past MAX_CHANGES changes, a patched site makes a dict of its own again."""

    MAX_CHANGES = 1000

    def __init__(self, papers: Sequence[Paper], shared: dict[str, Paper] | None = None,
                 changes: dict[str, Paper | None] | None = None):
        self._papers = papers  # the site's, for its own dict
        self._shared = shared
        self._changes = changes or {}

    def _dict(self) -> dict[str, Paper]:
        if self._shared is None:  # nothing shared (so no changes either): this site's own dict
            self._shared = {paper.slug: paper for paper in self._papers}
        return self._shared

    def __getitem__(self, slug: str) -> Paper:
        if slug in self._changes:
            changed = self._changes[slug]
            if changed is None:
                raise KeyError(slug)
            return changed
        return self._dict()[slug]

    def __iter__(self) -> Iterator[str]:
        shared = self._dict()
        yield from (slug for slug in shared if slug not in self._changes)
        yield from (slug for slug, paper in self._changes.items() if paper is not None)

    def __len__(self) -> int:
        return len(self._papers)

    def patched(self, papers: Sequence[Paper], removed: Iterable[Paper], added: Iterable[Paper]) -> PapersBySlug:
        """The papers by slug of the site whose papers are `papers`: these with `removed` taken
        out and `added` put in."""
        if self._shared is None:  # never asked for: the patched site makes its own when asked
            return PapersBySlug(papers)
        changes = dict(self._changes)
        changes.update((paper.slug, None) for paper in removed)
        changes.update((paper.slug, paper) for paper in added)
        if len(changes) > self.MAX_CHANGES:
            return PapersBySlug(papers)
        return PapersBySlug(papers, self._shared, changes)


@dataclass(frozen=True)
class Site:
    papers: tuple[Paper, ...]  # newest first: last featured date, then title
    topics: tuple[Topic, ...]  # taxonomy order
    topic_by_slug: dict[str, Topic]
    papers_by_topic: dict[str, tuple[Paper, ...]]  # newest first; every topic has an entry
    papers_by_day: dict[dt.date, tuple[Paper, ...]]  # in the day's ranking (see day_order)
    days: tuple[dt.date, ...]  # days with papers, oldest first
    # topic slug -> topic_year_counts, filled as asked; patch_site keeps the untouched topics'.
    _year_counts: dict[str, tuple[tuple[int, int], ...]] = field(default_factory=dict, compare=False, repr=False)
    _by_slug: PapersBySlug | None = field(default=None, compare=False, repr=False)  # see paper_by_slug
    # day -> each paper's place in its list (slug -> 0, 1, ...), made as asked for a day that takes
    # more than one page; patch_site keeps the untouched days'.
    _day_places: dict[dt.date, dict[str, int]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self._by_slug is None:
            object.__setattr__(self, "_by_slug", PapersBySlug(self.papers))  # frozen: set once, here

    def paper_by_slug(self) -> PapersBySlug:
        """Every paper by its slug; made on first use, and patched by patch_site (not made again)."""
        assert self._by_slug is not None, "set by __post_init__"
        return self._by_slug

    @property
    def latest_day(self) -> dt.date | None:
        return self.days[-1] if self.days else None

    @property
    def fallback_slug(self) -> str:
        """The topic of papers no rule matched; the taxonomy loader puts it last."""
        return self.topics[-1].slug if self.topics else ""

    @property
    def reader_topics(self) -> tuple[Topic, ...]:
        """The topics shown to readers: every topic but the fallback, which sorts nothing."""
        return tuple(topic for topic in self.topics if topic.slug != self.fallback_slug)

    def topic_year_counts(self, slug: str) -> tuple[tuple[int, int], ...]:
        """(year, papers first featured that year) for one topic, newest year first."""
        counts = self._year_counts.get(slug)
        if counts is None:
            years = Counter(paper.first_featured.year for paper in self.papers_by_topic[slug])
            counts = self._year_counts[slug] = tuple(sorted(years.items(), reverse=True))
        return counts

    def topic_pagination(self, slug: str, page_size: int) -> tuple[tuple[Paper, ...], ...]:
        """A topic's papers cut into its pages: [0] the front page, the newest (page_size up to
        twice as many, or all of a small topic); [k] archive page k, page_size papers each, page 1
        the oldest. Counted from the oldest, a page keeps its papers as new ones come: a new day
        changes the front page (and once every page_size papers adds an archive page), where
        pages counted from the newest would all shift (2,236 of 2,925 pages at 80,000 papers)."""
        papers = self.papers_by_topic[slug]
        archived = max(len(papers) // page_size - 1, 0)
        pages = [papers[:len(papers) - archived * page_size]]
        for number in range(1, archived + 1):
            stop = len(papers) - (number - 1) * page_size
            pages.append(papers[stop - page_size:stop])
        return tuple(pages)

    def day_pagination(self, day: dt.date, page_size: int) -> tuple[tuple[Paper, ...], ...]:
        """A day's papers cut into its pages, page_size each in the day's ranking: [0] is page 1.
        A day is a closed set, so its pages count from its top paper (a topic's count from its
        oldest, since new ones keep coming)."""
        papers = self.papers_by_day[day]
        return tuple(papers[start:start + page_size] for start in range(0, len(papers), page_size)) or ((),)

    def day_page(self, day: dt.date, slug: str, page_size: int) -> int:
        """The page of the day's list (day_pagination) that holds the paper: 1 on a day of page_size
        papers or fewer, as every Daily Papers day is (at 80,304 papers an arXiv listing's day runs to
        eight pages)."""
        papers = self.papers_by_day[day]
        if len(papers) <= page_size:
            return 1
        places = self._day_places.get(day)
        if places is None:
            places = self._day_places[day] = {paper.slug: place for place, paper in enumerate(papers)}
        return places[slug] // page_size + 1

    def long_days(self, oldest: dt.date, newest: dt.date, page_size: int) -> Iterator[dt.date]:
        """The days from oldest to newest whose list runs past one page, oldest first."""
        return (day for day in self.days_between(oldest, newest) if len(self.papers_by_day[day]) > page_size)

    def days_between(self, oldest: dt.date, newest: dt.date) -> tuple[dt.date, ...]:
        """The featured days from oldest to newest, both included, oldest first."""
        return self.days[bisect.bisect_left(self.days, oldest):bisect.bisect_right(self.days, newest)]

    def featured_pages(self, paper: Paper, page_size: int) -> Mapping[dt.date, int]:
        """The paper's days whose list holds it past their first page, and that page (day_page)."""
        pages = {}
        for day in paper.featured:
            if len(self.papers_by_day[day]) > page_size and (page := self.day_page(day, paper.slug, page_size)) > 1:
                pages[day] = page
        return pages or NO_PAGES  # one empty mapping for the papers of short days: most papers

    def neighbour_days(self, day: dt.date) -> tuple[dt.date | None, dt.date | None]:
        """The featured days just before and after `day`."""
        index = self.days.index(day)
        earlier = self.days[index - 1] if index > 0 else None
        later = self.days[index + 1] if index + 1 < len(self.days) else None
        return earlier, later

    def periods(self, kind: str) -> tuple[Period, ...]:
        """The weeks or months that have featured days, oldest first."""
        return tuple(sorted({Period.of(kind, day) for day in self.days}))

    def period_days(self, period: Period) -> tuple[dt.date, ...]:
        """Its featured days, oldest first."""
        return self.days_between(period.start, period.end)

    def period_papers(self, period: Period) -> tuple[tuple[Paper, dt.date], ...]:
        """Every paper featured in the period, each with its first day in it, top first: the most
        upvoted on Hugging Face (from API digests), then by place on their day (as the day's page
        numbers it), so that without upvotes every day's first paper comes before any day's
        second; then the newer day."""
        first_day: dict[str, tuple[Paper, dt.date, int]] = {}
        for day in self.period_days(period):
            for place, paper in enumerate(self.papers_by_day[day]):
                first_day.setdefault(paper.slug, (paper, day, place))
        return tuple((paper, day) for paper, day, _ in sorted(first_day.values(), key=_top_key))

    def calendar(self) -> tuple[tuple[int, tuple[CalendarMonth | CalendarGap, ...]], ...]:
        """The months with papers, each with every one of its days, and between them the months
        without as one gap each; grouped by year, newest first."""
        months = sorted({_month_index(day) for day in self.days}, reverse=True)
        rows: list[CalendarMonth | CalendarGap] = []
        for newer, month in zip([None, *months], months):
            if newer is not None and newer - month > 1:
                rows.append(CalendarGap(_month_start(month + 1), _month_start(newer - 1)))
            rows.append(self._calendar_month(_month_start(month)))
        return tuple((year, tuple(group)) for year, group in groupby(rows, key=lambda row: row.year))

    def _calendar_month(self, first: dt.date) -> CalendarMonth:
        length = calendar.monthrange(first.year, first.month)[1]
        dates = (first.replace(day=number) for number in range(1, length + 1))
        return CalendarMonth(first.year, first.month, tuple((day, len(self.papers_by_day.get(day, ()))) for day in dates))


def _top_key(entry: tuple[Paper, dt.date, int]) -> tuple[bool, int, int, int]:
    paper, day, place = entry
    upvotes = paper.upvotes
    return (upvotes is None, -(upvotes or 0), place, -day.toordinal())


def _month_index(day: dt.date) -> int:
    """Months counted from year 0: consecutive months differ by one."""
    return day.year * 12 + day.month - 1


def _month_start(index: int) -> dt.date:
    year, month_zero_based = divmod(index, 12)
    return dt.date(year, month_zero_based + 1, 1)


def newest_first_key(paper: Paper) -> tuple:
    """Newest day first; within a day, by the paper's place that day, as the day's page lists it
    (a feed cut at 50 papers keeps a busy day's top ones), then by title. Sorting by the negated
    ordinal keeps one ascending sort (stable, deterministic)."""
    ranks = paper.ranks  # sorted by day, each day a featured one: a place on the last day comes last
    place = ranks[-1][1] if ranks and ranks[-1][0] == paper.last_featured else UNRANKED
    return (-paper.last_featured.toordinal(), place, paper.title.casefold(), paper.slug)


def day_order(day: dt.date) -> Callable[[Paper], tuple[int, str, str]]:
    """A day lists its papers by their place that day (from the digest, or set by a curator),
    then the papers without one by title."""
    def key(paper: Paper) -> tuple[int, str, str]:
        return (paper.rank_on(day) or UNRANKED, paper.title.casefold(), paper.slug)
    return key


UNRANKED = 1_000_000  # after every ranked paper


def assemble_site(papers: list[Paper], topics: list[Topic]) -> Site:
    """Group papers by topic and by day; pure, no checks (see check_topics)."""
    ordered = tuple(sorted(papers, key=newest_first_key))
    by_topic: dict[str, list[Paper]] = {topic.slug: [] for topic in topics}
    by_day: dict[dt.date, list[Paper]] = defaultdict(list)
    for paper in ordered:
        for slug in paper.topics:
            by_topic.setdefault(slug, []).append(paper)
        for day in paper.featured:
            by_day[day].append(paper)
    return Site(
        papers=ordered,
        topics=tuple(topics),
        topic_by_slug={topic.slug: topic for topic in topics},
        papers_by_topic={slug: tuple(group) for slug, group in by_topic.items()},
        papers_by_day={day: tuple(sorted(group, key=day_order(day))) for day, group in by_day.items()},
        days=tuple(sorted(by_day)),
    )


def patch_site(site: Site, removed: Iterable[Paper], added: Iterable[Paper]) -> Site:
    """The site with `removed` papers (as they are in it) taken out and `added` ones put in:
    what assemble_site gives for the resulting papers, in time proportional to the edit rather
    than to the site (the dev server's rebuild; 0.7 s of each at 80,000 papers)."""
    removed, added = list(removed), list(added)
    in_topic = {slug: ([paper for paper in removed if slug in paper.topics],
                       [paper for paper in added if slug in paper.topics])
                for slug in {slug for paper in removed + added for slug in paper.topics}}  # slug -> (taken, put)
    by_topic = dict(site.papers_by_topic)
    for slug, (taken, put) in in_topic.items():
        by_topic[slug] = _patched(by_topic.get(slug, ()), taken, put, newest_first_key)
        if not by_topic[slug] and slug not in site.topic_by_slug:
            del by_topic[slug]  # assemble_site makes an entry for a topic of the taxonomy only
    by_day = dict(site.papers_by_day)
    for day in {day for paper in removed + added for day in paper.featured}:
        by_day[day] = _patched(by_day.get(day, ()), [paper for paper in removed if day in paper.featured],
                               [paper for paper in added if day in paper.featured], day_order(day))
        if not by_day[day]:
            del by_day[day]
    year_counts = {slug: _year_counts_after(counts, *in_topic.get(slug, ([], [])))
                   for slug, counts in site._year_counts.items() if slug in by_topic}
    papers = _patched(site.papers, removed, added, newest_first_key)
    return Site(
        papers=papers,
        topics=site.topics,
        topic_by_slug=site.topic_by_slug,
        papers_by_topic=by_topic,
        papers_by_day=by_day,
        days=site.days if by_day.keys() == site.papers_by_day.keys() else tuple(sorted(by_day)),
        _year_counts=year_counts,
        _by_slug=site.paper_by_slug().patched(papers, removed, added),
        _day_places={day: places for day, places in site._day_places.items() if by_day.get(day) is site.papers_by_day[day]},
    )


def _year_counts_after(counts: tuple[tuple[int, int], ...], removed: list[Paper],
                       added: list[Paper]) -> tuple[tuple[int, int], ...]:
    """A topic's (year, papers) counts with these papers taken out and put in."""
    if not removed and not added:
        return counts
    years = Counter(dict(counts))
    years.subtract(paper.first_featured.year for paper in removed)
    years.update(paper.first_featured.year for paper in added)
    return tuple(sorted(((year, count) for year, count in years.items() if count > 0), reverse=True))


def _patched(papers: tuple[Paper, ...], removed: list[Paper], added: list[Paper],
             key: Callable[[Paper], tuple]) -> tuple[Paper, ...]:
    """Papers sorted by key (a key no two papers share), with removed taken out and added put in."""
    patched = list(papers)
    for paper in removed:
        index = bisect.bisect_left(patched, key(paper), key=key)
        if index < len(patched) and patched[index] is paper:
            del patched[index]
        else:  # not where its key says: not in the list as given, which a caller should not do
            patched.remove(paper)
    for paper in added:
        bisect.insort(patched, paper, key=key)
    return tuple(patched)


def check_topics(papers: list[Paper], topics: list[Topic], taxonomy_path: str) -> list[SourceError]:
    """Every topic a paper names must exist in the taxonomy."""
    known = {topic.slug for topic in topics}
    errors = []
    for paper in papers:
        for slug in paper.topics:
            if slug not in known:
                errors.append(SourceError(
                    paper.path, _topics_line(paper.path), f"unknown topic '{slug}'",
                    _closest_topic(slug, known) + f"use one of the slugs in {taxonomy_path} or add the topic there",
                ))
    return errors


def _closest_topic(slug: str, known: set[str]) -> str:
    """"did you mean 'x'? " for a likely typo; empty when no topic is close."""
    close = difflib.get_close_matches(slug, sorted(known), n=1)
    return f"did you mean '{close[0]}'? " if close else ""


def _topics_line(path: str) -> int:
    """The front matter line that lists the topics; read only when reporting an error."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return 0
    return next((number for number, line in enumerate(lines, 1) if line.startswith("topics:")), 0)
