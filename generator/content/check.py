"""`digest check`: every problem in content/, reported together."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from generator.build.site import check_topics
from generator.content.papers import (
    PaperFile,
    duplicate_papers,
    is_paper_file_name,
    load_paper_files,
    paper_file_now,
    parse_ahead,
)
from generator.content.schema import Paper
from generator.content.taxonomy import Topic, fallback_notice, fallback_slug, load_taxonomy, only_in_fallback
from generator.errors import SourceError, display_path
from generator.files import visible_entries
from generator.ingest.catalog import digest_errors_started, digest_paths, is_digest_name
from generator.project import Project


@dataclass
class CheckReport:
    errors: list[SourceError] = field(default_factory=list)
    notices: list[SourceError] = field(default_factory=list)  # worth a look, but not wrong
    papers: int = 0


def check_content(project: Project) -> CheckReport:
    report = CheckReport()
    # The digests and the paper files are read side by side (at 80,000 papers, 2.9 s against 3.6 s
    # one after the other): without a paper cache, the paper files parse on workers while this
    # process reads the digests; with one, the digests are read on workers while it loads the cache.
    parse_ahead(project)
    digest_errors = digest_errors_started(digest_paths(project))
    topics, taxonomy_errors = load_taxonomy(project.taxonomy_file)
    files, paper_errors = load_paper_files(project)
    report.errors += site_config_errors(project) + digest_errors() + taxonomy_errors + paper_errors
    report.errors += unknown_topics(files, topics, display_path(project.taxonomy_file)) + duplicate_papers(files)
    report.notices += fallback_papers(files, topics) + empty_abstracts(file.paper for file in files) + unlikely_dates(files, dt.date.today())
    report.notices += unread_files(project)
    report.papers = len(files)
    return report


def site_config_errors(project: Project) -> list[SourceError]:
    """What `digest build` refuses in content/site.yaml (its keys and values) and in the theme: a
    missing theme, and a template or static file that is a link out of its folder or unreadable."""
    from generator.build.theme import check_template_files, collect_static, find_theme  # the theme module owns them

    config, errors = project.load_config()
    if errors:
        return errors
    theme, errors = find_theme(project.root, config)
    return errors or check_template_files(theme) + collect_static(theme)[1]


def unknown_topics(files: list[PaperFile], topics: list[Topic], taxonomy: str) -> list[SourceError]:
    if not topics:
        return []  # the taxonomy itself is broken; that error is reported already
    return check_topics([file.paper for file in files], topics, taxonomy)


def fallback_papers(files: list[PaperFile], topics: list[Topic]) -> list[SourceError]:
    if not topics:
        return []
    fallback = fallback_slug(topics)
    return [fallback_notice(file.paper.path, file.key_lines.get("topics", 1), fallback)
            for file in files if only_in_fallback(file.paper.topics, fallback)]


def unread_files(project: Project) -> list[SourceError]:
    """What a curator may have saved where no command reads it: a folder among the paper files
    (`content/papers/2025/`), a paper file named otherwise than .md (`.MD`, `.markdown`, or the
    `.md.txt` an editor that hides extensions saves), a digest whose name ends otherwise than
    .txt or .json (`.TXT`)."""
    unread = visible_entries(project.papers, lambda entry: (entry.is_dir() and not entry.name.endswith(".md"))
                             or _named_almost_like_a_paper_file(entry.name))  # one listing of 80,000 names, not two
    notices = [SourceError(display_path(path), 0, "a folder: the paper files in it are not read",
                           "move them into content/papers/ itself") if path.is_dir() else
               SourceError(display_path(path), 0, "not read: paper files are named .md",
                           f"rename it to {path.name.split('.')[0]}.md") for path in unread]
    misnamed = visible_entries(project.digests, lambda entry: not is_digest_name(entry.name))
    notices += [SourceError(display_path(path), 0, "not read: digests are named .txt or .json",
                            "rename it, e.g. 2025-08-18.txt, or move it out of content/digests/") for path in misnamed]
    return notices


# Endings of a file meant as a paper file; any other (an editor's `.bak`, `~`) is left alone.
PAPER_FILE_LOOKALIKES = (".md", ".markdown", ".txt")


def _named_almost_like_a_paper_file(name: str) -> bool:
    return name.lower().endswith(PAPER_FILE_LOOKALIKES) and not is_paper_file_name(name)


def empty_abstracts(papers: Iterable[Paper]) -> list[SourceError]:
    """Papers whose page, list rows and search result show no abstract: a paper file added by hand
    with its abstract left out."""
    return [SourceError(paper.path, paper.body_line, "no abstract", "write the abstract below the '---' line")
            for paper in papers if not paper.body]


def shown_wrong(project: Project, papers: Iterable[Paper]) -> list[SourceError]:
    """check's notices about what these papers' own pages would show wrong, for `digest build` to
    print too, in the log of the build that publishes them: no abstract, and an unlikely `published`
    day, which the page's citation repeats. One pass over the papers (30-45 ms at 80,000); only the
    files with an unlikely `published` day are read again, for the line."""
    suspects = [paper for paper in papers if not paper.body or (paper.published and unlikely_published(paper))]
    files = (paper_file_now(project.papers / f"{paper.slug}.md") for paper in suspects if unlikely_published(paper))
    published = [unlikely_published_date(file) for file in files
                 if file and unlikely_published(file.paper)]
    return empty_abstracts(suspects) + published


# arXiv's first day. Papers are featured in digests of new papers, none older than arXiv: a
# featured or published date before this day is a typo.
ARXIV_FIRST_DAY = dt.date(1991, 8, 1)
BEFORE_ARXIV = f"a day before arXiv began ({ARXIV_FIRST_DAY.isoformat()})"
# Somewhere on Earth it is already tomorrow; and arXiv's day (`published`, in UTC) can be the day
# after a digest's.
ONE_DAY = dt.timedelta(days=1)
STILL_TO_COME = "a day still to come"


def unlikely_dates(files: list[PaperFile], today: dt.date) -> list[SourceError]:
    """Dates that are valid but most likely typos, `2062` or `0001` for `2025`. A featured day
    still to come heads the home page and the feeds until that day; one before arXiv began gets
    a day page in that year, and the Days calendar and topic counts reach back to it. A wrong
    `published` day shows on the paper's page and in its citation."""
    notices = []
    for file in files:
        paper = file.paper
        notices += unlikely_featured_days(file, today)
        if unlikely_published(paper):
            notices.append(unlikely_published_date(file))
        notices += places_on_other_days(file)
    return notices


def unlikely_featured_days(file: PaperFile, today: dt.date) -> list[SourceError]:
    """A featured day still to come, and one before arXiv began: what the whole site shows (the
    home page and the feeds; the Days calendar and the topics' years), so the build says it too."""
    return [unlikely_featured_date(file, day, what) for day, what in unlikely_featured(file.paper, today)]


def unlikely_featured(paper: Paper, today: dt.date) -> list[tuple[dt.date, str]]:
    """The paper's featured days that are most likely typos, each with what is unlikely of it."""
    first_likely, last_likely = likely_featured_days(today)
    found = []
    if paper.last_featured > last_likely:
        found.append((paper.last_featured, STILL_TO_COME))
    if paper.first_featured < first_likely:
        found.append((paper.first_featured, BEFORE_ARXIV))
    return found


def likely_featured_days(today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and the last day a paper is likely featured on: arXiv's first day, and tomorrow."""
    return ARXIV_FIRST_DAY, today + ONE_DAY


def places_on_other_days(file: PaperFile) -> list[SourceError]:
    """A place (`ranks`) on a day the paper is not featured on: a typo in one of the two dates, or
    a day taken out of `featured` with its place left behind. No page shows it, and the paper's
    real day lists it after every placed paper."""
    featured = set(file.paper.featured)
    return [SourceError(file.paper.path, file.key_lines.get("ranks", 1),
                        f"a place on {day.isoformat()}, a day it is not featured on",
                        "correct the day in `ranks` or in `featured`, or delete the place")
            for day, _ in file.paper.ranks if day not in featured]


def featured_on_unlikely_days(project: Project, papers: Iterable[Paper], today: dt.date) -> list[SourceError]:
    """check's notices for these papers, each featured on a day still to come or before arXiv
    began, for `digest build` to print too, in the log of the build that publishes the day. Only
    these few files are read again, for their `featured` line."""
    files = (paper_file_now(project.papers / f"{paper.slug}.md") for paper in papers if unlikely_featured(paper, today))
    return [notice for file in files if file for notice in unlikely_featured_days(file, today)]


def unlikely_featured_date(file: PaperFile, day: dt.date, what: str) -> SourceError:
    return SourceError(file.paper.path, file.key_lines.get("featured", 1), f"featured on {what}",
                       f"correct {day.isoformat()} to the day the paper was listed")


def unlikely_published(paper: Paper) -> bool:
    """Whether the paper's `published` day is before arXiv began or after the day it was first featured."""
    return paper.published is not None and not ARXIV_FIRST_DAY <= paper.published <= paper.first_featured + ONE_DAY


def unlikely_published_date(file: PaperFile) -> SourceError:
    """A paper is on arXiv before a digest of new papers lists it, so a `published` day after the
    first featured one means that one of the two is wrong (file: one that unlikely_published finds)."""
    day = file.paper.published
    assert day is not None, "only an unlikely published day is reported"
    line = file.key_lines.get("published", 1)
    meaning = "the day its first version appeared on arXiv"
    if day < ARXIV_FIRST_DAY:
        return SourceError(file.paper.path, line, f"published on {BEFORE_ARXIV}", f"correct {day.isoformat()} to {meaning}")
    first = file.paper.first_featured.isoformat()
    return SourceError(file.paper.path, line, f"published on a day after it was first featured ({first})",
                       f"correct whichever date is wrong: `published` ({day.isoformat()}) is {meaning}")
