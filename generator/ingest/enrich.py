"""`digest enrich`: arXiv metadata for papers that have none, found by their exact title.

For each paper without an arXiv id, the arXiv API is asked for the title; only a
paper whose normalized title is equal counts. Its id, authors, first-version date
and primary category fill the fields the paper does not have (a curator's values
always stay). Each paper file is written as soon as its answer comes, and titles
arXiv does not know are remembered in the cache folder, so an interrupted run
loses nothing and the next one continues where it stopped.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.content.identity import normalize_title
from generator.content.papers import (
    PaperFile,
    fields_from_paper,
    format_paper_file,
    load_paper_files,
    read_paper_file,
    write_atomic,
)
from generator.content.schema import Paper
from generator.errors import BuildFailed, SourceError
from generator.files import write_file_atomic
from generator.ingest.arxiv import ArxivClient, ArxivRecord
from generator.project import Project

NOT_FOUND_FILE = "enrich-not-found.json"  # in the project's cache folder


@dataclass
class EnrichReport:
    looked_up: int = 0
    filled: list[tuple[Path, dict[str, Any]]] = field(default_factory=list)  # file, fields set
    not_found: list[str] = field(default_factory=list)  # titles arXiv has no exact match for
    skipped: int = 0  # looked up in an earlier run without a match


def run_enrich(project: Project, client: ArxivClient, dry_run: bool = False,
               progress: Callable[[int, int, float], None] | None = None) -> EnrichReport:
    """Looks up every paper without an arXiv id; raises ArxivError when arXiv cannot be asked
    (what was found until then is written already)."""
    files, errors = load_paper_files(project)
    if errors:
        raise BuildFailed(errors)
    memory = NotFoundMemory(project.cache_dir / NOT_FOUND_FILE)
    wanted = [paper_file for paper_file in files if not paper_file.paper.arxiv_id]
    report = EnrichReport()
    started = time.monotonic()
    for done, paper_file in enumerate(wanted):
        if progress:
            progress(done, len(wanted), time.monotonic() - started)
        if memory.knows(paper_file.paper.title):
            report.skipped += 1
            continue
        report.looked_up += 1
        record = client.find_by_title(paper_file.paper.title)
        if record is None:
            report.not_found.append(paper_file.paper.title)
            if not dry_run:
                memory.remember(paper_file.paper.title)
            continue
        changes = filled_fields(paper_file.paper, record)
        if changes:
            path = project.papers / f"{paper_file.paper.slug}.md"
            report.filled.append((path, changes))
            if not dry_run:
                write_enriched(path, paper_file, changes)
    return report


def filled_fields(paper: Paper, record: ArxivRecord) -> dict[str, Any]:
    """The fields the record can fill: only those the paper does not have yet."""
    candidates: dict[str, Any] = {
        "arxiv_id": record.arxiv_id, "authors": record.authors, "published": record.published,
        "primary_category": record.primary_category,
    }
    return {name: value for name, value in candidates.items()
            if value and not getattr(paper, name)}


def write_enriched(path: Path, paper_file: PaperFile, changes: dict[str, Any]) -> None:
    """Writes the paper with the new fields, unless its file changed since it was read."""
    current, _ = read_paper_file(path)
    if current is None or fields_from_paper(current.paper) != fields_from_paper(paper_file.paper) or current.body != paper_file.body:
        raise BuildFailed([SourceError(str(path), 0, "changed while `digest enrich` ran, so it was left as it is",
                                       "run `digest enrich` again; it continues where it stopped")])
    paper = dataclasses.replace(paper_file.paper, **changes)
    write_atomic(path, format_paper_file(fields_from_paper(paper), paper.body))


class NotFoundMemory:
    """Titles arXiv had no exact match for, kept between runs (delete the file to ask again)."""

    def __init__(self, path: Path):
        self.path = path
        try:
            titles = json.loads(path.read_text(encoding="utf-8"))
            self.titles = set(titles) if isinstance(titles, list) and all(isinstance(t, str) for t in titles) else set()
        except (OSError, ValueError):
            self.titles = set()

    def knows(self, title: str) -> bool:
        return normalize_title(title) in self.titles

    def remember(self, title: str) -> None:
        self.titles.add(normalize_title(title))
        data = json.dumps(sorted(self.titles), ensure_ascii=False, indent=0).encode()
        with contextlib.suppress(OSError):  # the memory only saves asking again next time
            write_file_atomic(self.path.parent, self.path.name, data)


def progress_line(done: int, total: int, elapsed: float) -> str:
    """'[12/340] 3%, about 16 min left': the time left from the pace so far (3 s a request at most)."""
    if total == 0:
        return ""
    left = (elapsed / done) * (total - done) if done else 3.0 * total
    return f"[{done}/{total}] {100 * done // total}%, about {_duration(left)} left"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
