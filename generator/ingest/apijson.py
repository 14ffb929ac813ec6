"""A Daily Papers API response (`YYYY-MM-DD.json`) -> draft papers. Pure: no disk, no clock.

The file is the response saved as is. Real archives hold three shapes: a JSON list
of entries (most days), a JSON list of Python-repr strings of entries (read with
ast.literal_eval, never eval), and a `{"status": ..., "data": [...]}` wrapper
around either. Each entry has a `paper` with the arXiv id, title, summary and
authors; the file's order is the day's ranking. Thumbnails, avatars and media
URLs are never read: the site loads nothing from another host.
"""
from __future__ import annotations

import ast
import datetime as dt
import json
import re
from typing import Any

from generator.content.addresses import is_link_address
from generator.content.markdown import normalize_paragraphs
from generator.content.schema import ARXIV_ID, Link, is_count
from generator.errors import SourceError
from generator.ingest.draft import DraftPaper
from generator.ingest.links import extract_links

FILE_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})\.json")
# JSON may escape half a surrogate pair ("\\ud83d"), which no UTF-8 paper file can hold.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
NO_PAPERS = "the file lists no papers"  # what the API answers for a day without papers: []
MAX_ENTRY_REPR = 1_000_000  # a Python-repr entry larger than this is not a Daily Papers entry
LINK_FIELDS = (("githubRepo", "code"), ("projectPage", "project page"))
HINT = "save the response of https://huggingface.co/api/daily_papers?date=YYYY-MM-DD unchanged"


class EntryError(ValueError):
    """One entry is not a Daily Papers entry; the message says which field and why."""


def parse_api_digest(text: str, name: str) -> tuple[list[DraftPaper], list[SourceError]]:
    """The papers of one API file in the file's order, or every problem found in it."""
    day = _day_from_name(name)
    if day is None:
        named = FILE_DATE.search(name)
        problem = (f"the file name's date {named.group(0)[:-5]} is not a real date" if named
                   else "an API digest must be named after its day, YYYY-MM-DD.json")
        return [], [SourceError(name, 0, problem, "rename the file, e.g. 2025-08-18.json")]
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        return [], [SourceError(name, error.lineno, f"not valid JSON: {error.msg}", HINT)]
    except RecursionError:  # thousands of nested brackets: no API response
        return [], [SourceError(name, 1, "not a Daily Papers response: nested too deeply", HINT)]
    entries, problem = _entries(document, day)
    if problem:
        return [], [SourceError(name, 1, problem, HINT)]
    return _drafts(entries, text, name, day)


def _day_from_name(name: str) -> dt.date | None:
    match = FILE_DATE.search(name)
    if not match:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _entries(document: Any, day: dt.date) -> tuple[list[Any], str]:
    """The list of entries, or what is wrong with the file's shape."""
    if isinstance(document, dict):
        if document.get("date") not in (None, day.isoformat()):
            return [], f"the file says it is the day {document['date']!r} but is named {day.isoformat()}"
        if "data" not in document:
            return [], "expected a list of papers (or {\"data\": [...]}), found an object without 'data'"
        document = document["data"]
    if not isinstance(document, list):
        return [], "expected a list of papers (or {\"data\": [...]}), found " + type(document).__name__
    if not document:
        return [], NO_PAPERS
    return document, ""


def _drafts(entries: list[Any], text: str, name: str, day: dt.date) -> tuple[list[DraftPaper], list[SourceError]]:
    drafts: list[DraftPaper] = []
    errors: list[SourceError] = []
    lines = entry_lines(text, len(entries))
    for index, entry in enumerate(entries):
        line = lines[index] if index < len(lines) else 1
        try:
            drafts.append(draft_from_entry(entry, name, day, rank=index + 1, line=line))
        except EntryError as error:
            errors.append(SourceError(name, line, f"entry {index + 1}: {error}", HINT))
    return (drafts, []) if not errors else ([], errors)


def draft_from_entry(entry: Any, name: str, day: dt.date, rank: int, line: int) -> DraftPaper:
    if isinstance(entry, str):
        entry = _literal(entry)
    if not isinstance(entry, dict) or not isinstance(entry.get("paper"), dict):
        raise EntryError("has no 'paper' object")
    paper = entry["paper"]
    abstract = normalize_paragraphs(_text(paper, entry, "summary"))
    return DraftPaper(
        title=_title(_text(paper, entry, "title")),
        abstract=abstract,
        featured=day,
        digest=name,
        line=line,
        arxiv_id=_arxiv_id(paper.get("id")),
        authors=_authors(paper.get("authors")),
        links=_links(paper, abstract),
        rank=rank,
        published=_published(paper.get("publishedAt")),
        upvotes=_count(paper.get("upvotes")),
        organization=_shown_name(paper.get("organization") or entry.get("organization"), ORGANIZATION_NAMES),
        ai_summary=_one_line(paper.get("ai_summary")),
        github_stars=_count(paper.get("githubStars")),
        comments=_count(entry.get("numComments")),  # the entry's, not the paper's: the day's discussion
        submitted_by=_shown_name(entry.get("submittedBy") or paper.get("submittedOnDailyBy"), USER_NAMES),
    )


def _published(value: Any) -> dt.date | None:
    """The day of the API's `publishedAt` (arXiv's first version, '2025-08-15T17:59:51.000Z');
    None when missing or not a timestamp: optional metadata, `digest enrich` can fill it."""
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _count(value: Any) -> int | None:
    """A count the API gives (upvotes, comments, GitHub stars); None when missing or not one."""
    return value if is_count(value) else None


def _one_line(value: Any) -> str:
    """Optional text as one line, whitespace collapsed; "" when missing, not text or holding a
    control character."""
    if not isinstance(value, str):
        return ""
    line = " ".join(value.split())
    return "" if CONTROL.search(line) else line


ORGANIZATION_NAMES = ("fullname", "name")  # "Salesforce AI Research", where its address is "Salesforce"
USER_NAMES = ("fullname", "name", "user")  # "Yi-Fan Zhang", where the address is "yifanzhang114"


def _shown_name(value: Any, keys: tuple[str, ...]) -> str:
    """The name Hugging Face shows for an organization or a user: the first of its keys that is
    one line of text; "" when the entry names none (older days' files)."""
    if not isinstance(value, dict):
        return ""
    return next((name for key in keys if (name := _one_line(value.get(key)))), "")


def _literal(entry: str) -> Any:
    """A Python-repr entry, read as a literal only: no name, call or attribute is ever evaluated."""
    if len(entry) > MAX_ENTRY_REPR:
        raise EntryError("is a string too long to be a Daily Papers entry")
    try:
        return ast.literal_eval(entry)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise EntryError("is a string that is not a Python literal of an entry") from None


def _text(paper: dict[str, Any], entry: dict[str, Any], key: str) -> str:
    value = paper.get(key, entry.get(key))
    if not isinstance(value, str) or not value.strip():
        raise EntryError(f"paper '{key}' is missing or empty")
    if CONTROL.search(value):
        raise EntryError(f"paper '{key}' contains a control character")
    return value


def _title(raw: str) -> str:
    """arXiv wraps long titles as '...Sparse\\n  Autoencoders': one line, single spaces."""
    return " ".join(raw.split())


def _arxiv_id(value: Any) -> str:
    if not isinstance(value, str) or not ARXIV_ID.fullmatch(value):
        raise EntryError(f"paper 'id' {value!r} is not an arXiv identifier such as '2508.11630'")
    return value


def _authors(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise EntryError("paper 'authors' is not a list")
    names = []
    for author in value:
        if not isinstance(author, dict) or not isinstance(author.get("name"), str):
            raise EntryError("an author has no 'name'")
        name = _one_line(author["name"])
        if name and not author.get("hidden"):
            names.append(name)
    return tuple(names)


def _links(paper: dict[str, Any], abstract: str) -> tuple[Link, ...]:
    """The code and project links the API gives (web links only), then the abstract's own."""
    links: dict[str, Link] = {}
    for key, kind in LINK_FIELDS:
        url = paper.get(key)
        if isinstance(url, str) and is_link_address(url):
            links.setdefault(url.strip(), Link(url.strip(), kind))
    for link in extract_links(abstract):
        links.setdefault(link.url, link)
    return tuple(links.values())


def entry_lines(text: str, count: int) -> list[int]:
    """The line each top-level entry starts on (for messages); [] when the layout is not a plain list."""
    start = _array_start(text)
    if start is None:
        return []
    decoder = json.JSONDecoder()
    lines, position = [], start + 1
    for _ in range(count):
        position = _skip_separators(text, position)
        lines.append(text.count("\n", 0, position) + 1)
        try:
            _, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError:
            break
    return lines


def _array_start(text: str) -> int | None:
    stripped = text.lstrip()
    if stripped.startswith("["):
        return len(text) - len(stripped)
    data = re.search(r'"data"\s*:\s*\[', text)
    return data.end() - 1 if data else None


def _skip_separators(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n,":
        position += 1
    return position
