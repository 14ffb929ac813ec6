"""Digest text -> draft papers. Pure: no disk, no clock.

A digest is a copy of the "Daily Papers" page: some page boilerplate, then one
or more date lines, each followed by papers written as a title paragraph and an
abstract paragraph. Paragraphs are separated by blank lines; an abstract may be
hard-wrapped over several lines.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

from generator.errors import SourceError, undecodable_line
from generator.ingest.draft import DraftPaper

BOILERPLATE = {
    "new",
    "get trending papers in your email inbox!",
    "subscribe",
    "daily papers",
    "byak and the research community",
}
MAX_TITLE_CHARS = 300
MAX_ABSTRACT_CHARS = 20_000
# Only where a day's titles and abstracts do not alternate: a one-line paragraph shorter
# than this where an abstract should be is more likely the next title.
MIN_ABSTRACT_CHARS = 100

MONTHS = {
    name: number
    for number, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
         ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
         ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")],
        start=1,
    )
    for name in names
}
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
MONTH_DAY = re.compile(r"^([A-Za-z]{3,9})\.? (\d{1,2})(?:(?:st|nd|rd|th))?(?:,? (\d{4}))?$")
FILE_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@dataclass(frozen=True)
class Paragraph:
    line: int  # first line, 1-based
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.lines).split())


def decode(data: bytes, name: str) -> tuple[str | None, list[SourceError]]:
    """UTF-8 (with or without BOM) -> text; otherwise an error at the bad byte's line."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as error:
        line = undecodable_line(data, error)
        return None, [SourceError(
            name, line, f"not UTF-8 text (byte 0x{data[error.start]:02x} cannot be decoded)",
            "save the digest as UTF-8; copying the page from the browser into a plain-text editor does that")]


def split_paragraphs(text: str) -> list[Paragraph]:
    """Blank-line separated paragraphs; CRLF, CR, trailing spaces and a BOM are all fine."""
    text = text.lstrip("\ufeff")
    paragraphs: list[Paragraph] = []
    current: list[str] = []
    start = 0
    for number, raw in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        line = raw.strip()
        if line:
            if not current:
                start = number
            current.append(line)
        elif current:
            paragraphs.append(Paragraph(start, tuple(current)))
            current = []
    if current:
        paragraphs.append(Paragraph(start, tuple(current)))
    return paragraphs


NamedDay = tuple[int, int]  # (year, month) of the file's name: YYYY-MM-DD.txt


def day_from_name(name: str) -> NamedDay | None:
    """The year and month of the day the file is named after; None without one, and for a name
    that is no real day: in `2025-18-08.txt` (day and month swapped) month 18 would put 'Aug 18'
    in 2026, and in `2025-00-19.txt` in 2024."""
    match = FILE_DATE.search(name)
    if not match:
        return None
    try:
        named = dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None
    return named.year, named.month


def year_near(named: NamedDay | None, month: int) -> int | None:
    """The year of a date line without one: the file's, or the one before or after when that puts
    the month within half a year of the file's ('Dec 31' in 2026-01-01.txt is 2025-12-31)."""
    if named is None:
        return None
    year, named_month = named
    if month - named_month > 6:
        return year - 1
    if named_month - month > 6:
        return year + 1
    return year


def parse_date_line(line: str, named: NamedDay | None) -> dt.date | str | None:
    """A date, an error message (a date line we cannot complete), or None (not a date line).
    named: the day in the file's name, for a date line without a year."""
    iso = ISO_DATE.match(line)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
        return _make_date(year, month, day)
    match = MONTH_DAY.match(line)
    if not match or match.group(1).lower() not in MONTHS:
        return None
    month, day = MONTHS[match.group(1).lower()], int(match.group(2))
    written_year = int(match.group(3)) if match.group(3) else year_near(named, month)
    return "NO_YEAR" if written_year is None else _make_date(written_year, month, day)


def _make_date(year: int, month: int, day: int) -> dt.date | str:
    try:
        return dt.date(year, month, day)
    except ValueError as error:
        return f"not a real date ({error})"


def parse_digest(text: str, name: str) -> tuple[list[DraftPaper], list[SourceError]]:
    """The papers of one digest, or every problem found in it."""
    paragraphs = split_paragraphs(text)
    if not paragraphs:
        return [], [SourceError(name, 1, "the digest is empty",
                                "paste the Daily Papers page: a date line such as 'Aug 18', then title and abstract paragraphs")]
    parser = _DigestParser(name, day_from_name(name))
    for paragraph in paragraphs:
        parser.feed(paragraph)
    return parser.finish()


class _DigestParser:
    """Walks paragraphs: boilerplate, then (date line, (title, abstract)*)*.

    A day's paragraphs are collected and paired when the next date line or the end
    comes: within a day titles and abstracts alternate, so an even number of
    paragraphs whose every other one can be a title is a day of whole papers, even
    when an abstract is one short sentence. Only a day where that cannot hold is
    searched for the title whose abstract is missing.
    """

    def __init__(self, name: str, named: NamedDay | None):
        self.name = name
        self.named = named  # the day in the file's name
        self.date: dt.date | None = None
        self.day: list[Paragraph] = []  # the current day's paragraphs, not yet paired
        self.drafts: list[DraftPaper] = []
        self.day_sizes: Counter[dt.date] = Counter()  # drafts so far per day: the next one's rank
        self.errors: list[SourceError] = []

    def error(self, line: int, message: str, hint: str = "") -> None:
        self.errors.append(SourceError(self.name, line, message, hint))

    def feed(self, paragraph: Paragraph) -> None:
        first = paragraph.lines[0]
        if len(first) > MAX_ABSTRACT_CHARS:
            self.error(paragraph.line, f"line is {len(first):,} characters long; no title or abstract is that long",
                       "is this file a copy of the Daily Papers page? remove the line or split it")
            return
        if len(paragraph.lines) == 1 and self._take_date(paragraph):
            return
        if self.date is None:
            self._take_boilerplate(paragraph)
        else:
            self.day.append(paragraph)

    def _take_date(self, paragraph: Paragraph) -> bool:
        date = parse_date_line(paragraph.lines[0], self.named)
        if date is None:
            return False
        self._drop_page_boilerplate()
        self._finish_day()
        if date == "NO_YEAR":
            self.error(paragraph.line, f"date line '{paragraph.lines[0]}' has no year and {self._name_without_day()}",
                       "name the file YYYY-MM-DD.txt or write the date in full, e.g. 'August 18, 2025'")
        elif isinstance(date, str):
            self.error(paragraph.line, f"date line '{paragraph.lines[0]}' is {date}", "correct the date")
        else:
            self.date = date
            return True
        self.date = dt.date.min  # keep parsing so later errors are reported too
        return True

    def _name_without_day(self) -> str:
        named = FILE_DATE.search(self.name)
        return f"the file name's date {named.group(0)} is not a real date" if named else "the file name has none"

    def _take_boilerplate(self, paragraph: Paragraph) -> None:
        for offset, line in enumerate(paragraph.lines):
            if line.lower() not in BOILERPLATE:
                self.error(paragraph.line + offset, f"expected a date line before the first paper, found '{_clip(line)}'",
                           "add a line such as 'Aug 18' or '2025-08-18' above the first title")
                return

    def _drop_page_boilerplate(self) -> None:
        """A second copy of the page pasted below the first (a file may hold several days) puts the
        page's boilerplate right above its date line: it is skipped there as at the top, where it
        would otherwise pair into papers titled 'Daily Papers', or leave 'Subscribe' a title
        without an abstract."""
        while self.day and _is_boilerplate(self.day[-1]):
            self.day.pop()

    def _finish_day(self) -> None:
        paragraphs, self.day = self.day, []
        if len(paragraphs) % 2 == 0 and all(_can_be_title(title) for title in paragraphs[0::2]):
            for title, abstract in zip(paragraphs[0::2], paragraphs[1::2]):
                self._add(title, abstract)
        else:
            self._find_missing_abstract(paragraphs)

    def _find_missing_abstract(self, paragraphs: list[Paragraph]) -> None:
        """Pairs a day whose titles and abstracts do not alternate, reporting where they stop.

        Of all readings of the day (each paragraph a title with its abstract, a title
        without one, or text that cannot be a title), the one with the fewest problems
        wins; among those, the one whose titles and abstracts look most like titles and
        abstracts (see _pair_cost).
        """
        best: list[tuple[float, list[tuple[str, int]]]] = [(0.0, [])] * (len(paragraphs) + 1)
        for start in range(len(paragraphs) - 1, -1, -1):
            best[start] = min(self._readings(paragraphs, start, best), key=lambda reading: reading[0])
        for kind, index in best[0][1]:
            if kind == "pair":
                self._add(paragraphs[index], paragraphs[index + 1])
            elif kind == "lone":
                self._missing_abstract(paragraphs[index])
            else:
                self._not_a_title(paragraphs[index])

    @staticmethod
    def _readings(paragraphs: list[Paragraph], start: int,
                  best: list[tuple[float, list[tuple[str, int]]]]) -> list[tuple[float, list[tuple[str, int]]]]:
        paragraph = paragraphs[start]
        if not _can_be_title(paragraph):
            cost, rest = best[start + 1]
            return [(cost + 1, [("text", start), *rest])]
        cost, rest = best[start + 1]
        readings = [(cost + 1 + _title_cost(paragraph), [("lone", start), *rest])]
        if start + 1 < len(paragraphs):
            cost, rest = best[start + 2]
            readings.append((cost + _pair_cost(paragraph, paragraphs[start + 1]), [("pair", start), *rest]))
        return readings

    def _add(self, title: Paragraph, abstract: Paragraph) -> None:
        if len(abstract.text) > MAX_ABSTRACT_CHARS:
            self.error(abstract.line, f"abstract is {len(abstract.text):,} characters; the limit is {MAX_ABSTRACT_CHARS:,}",
                       "is a blank line missing between two papers?")
            return
        assert self.date is not None
        self.day_sizes[self.date] += 1
        self.drafts.append(DraftPaper(title.text, abstract.text, self.date, self.name, title.line,
                                      rank=self.day_sizes[self.date]))

    def _not_a_title(self, paragraph: Paragraph) -> None:
        self.error(paragraph.line, f"expected a paper title (one line, at most {MAX_TITLE_CHARS} characters), "
                   f"found {len(paragraph.lines)} line(s) of text: '{_clip(paragraph.text)}'",
                   "is a title missing above this abstract, or a blank line missing after the title?")

    def _missing_abstract(self, title: Paragraph) -> None:
        self.error(title.line, f"title '{_clip(title.text)}' has no abstract",
                   "add the abstract as the paragraph after the title, separated by a blank line")

    def finish(self) -> tuple[list[DraftPaper], list[SourceError]]:
        self._finish_day()
        if not self.drafts and not self.errors:
            self.error(1, "no papers found",
                       "a digest needs a date line such as 'Aug 18', then title and abstract paragraphs")
        return (self.drafts, []) if not self.errors else ([], self.errors)


def _is_boilerplate(paragraph: Paragraph) -> bool:
    return all(line.lower() in BOILERPLATE for line in paragraph.lines)


def _can_be_title(paragraph: Paragraph) -> bool:
    return len(paragraph.lines) == 1 and len(paragraph.lines[0]) <= MAX_TITLE_CHARS


def _title_cost(title: Paragraph) -> float:
    """Titles rarely end with a full stop; sentences do."""
    return 0.05 if title.text.endswith(".") else 0.0


def _pair_cost(title: Paragraph, abstract: Paragraph) -> float:
    """How unlike a title and its abstract the two look: a short one-line abstract, or one that
    does not end like a sentence, is more likely the next title."""
    short = len(abstract.lines) == 1 and len(abstract.text) < MIN_ABSTRACT_CHARS
    unfinished = not abstract.text.endswith((".", "!", "?", ")", '"', "'"))
    return _title_cost(title) + 0.1 * short + 0.05 * unfinished


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
