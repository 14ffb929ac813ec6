"""Paper files <-> Paper objects: front matter parsing, validation and writing.

A paper file is `content/papers/<slug>.md`: YAML front matter between `---`
lines, then the abstract as a Markdown body. Every problem is reported as a
SourceError with the file and line, never as a traceback.
"""
from __future__ import annotations

import pickle
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from generator.content.frontmatter import (
    FIELDS,
    FrontMatterError,
    parse_front_matter,
    validate_fields,
)
from generator.content.schema import Link, Paper
from generator.content.yamlout import dump_fields
from generator.errors import SourceError, display_path
from generator.files import is_racy, write_file_atomic

PAPERS_DIR = "papers"
CACHE_FILE = ".cache/papers.pickle"  # at the project root, ignored by git
CACHE_VERSION = 3  # bump when Paper or PaperFile change shape


@dataclass(frozen=True)
class PaperFile:
    """A paper file as read: the Paper and where each front matter key is, for error messages."""

    paper: Paper
    key_lines: dict[str, int]

    @property
    def body(self) -> str:
        return self.paper.body


def read_paper_file(path: Path) -> tuple[PaperFile | None, list[SourceError]]:
    shown = display_path(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return None, [SourceError(shown, line, "not UTF-8 text", "save the file as UTF-8")]
    try:
        fields, key_lines, body, body_line = parse_front_matter(text)
    except FrontMatterError as error:
        return None, [SourceError(shown, error.line, error.message, error.hint)]
    errors = validate_fields(fields, key_lines, shown, expected_slug=path.stem)
    if errors:
        return None, errors
    paper = paper_from_fields(fields, body, shown, body_line)
    return PaperFile(paper, key_lines), []


def paper_from_fields(fields: dict[str, Any], body: str, path: str, body_line: int) -> Paper:
    rule_topics = fields.get("rule_topics")
    return Paper(
        slug=fields["slug"],
        title=fields["title"].strip(),
        body=body.strip(),
        featured=tuple(sorted(set(fields["featured"]))),
        topics=tuple(fields["topics"]),
        links=tuple(Link(link["url"], link.get("kind", "other")) for link in fields.get("links") or ()),
        arxiv_id=str(fields.get("arxiv_id") or ""),
        authors=tuple(fields.get("authors") or ()),
        sources=tuple(fields.get("sources") or ()),
        rule_topics=tuple(rule_topics) if rule_topics is not None else None,
        path=path,
        body_line=body_line,
    )


def paper_paths(content_dir: Path) -> list[Path]:
    return sorted((content_dir / PAPERS_DIR).glob("*.md"))


def load_paper_files(content_dir: Path) -> tuple[list[PaperFile], list[SourceError]]:
    """Every paper file, parsed; unchanged files come from the cache of the previous run."""
    cache = PaperCache(content_dir.parent / CACHE_FILE)
    files: list[PaperFile] = []
    errors: list[SourceError] = []
    for path in paper_paths(content_dir):
        paper_file = cache.get(path)
        if paper_file is None:
            paper_file, file_errors = read_paper_file(path)
            errors.extend(file_errors)
            if paper_file:
                cache.put(path, paper_file)
        if paper_file:
            files.append(paper_file)
    cache.save()
    return files, errors




class PaperCache:
    """Parsed paper files keyed by (size, mtime): parsing YAML is most of the time of loading 10,000 papers.

    Only files that parsed cleanly are kept, so every error is found again on every run.
    """

    _memory: dict[Path, dict] = {}  # the same process (ingest, then build) reads the file once

    def __init__(self, path: Path):
        self.path = path
        self.entries = self._memory.get(path)
        if self.entries is None:
            self.entries = self._read()
        self.dirty = False

    def _read(self) -> dict:
        try:
            with self.path.open("rb") as stream:
                version, entries = pickle.load(stream)
            return entries if version == CACHE_VERSION else {}
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
            return {}  # no cache, or one from another version: parse everything

    def get(self, path: Path) -> PaperFile | None:
        entry = self.entries.get(path.name)
        if entry is None:
            return None
        stat = path.stat()
        if entry[0] != (stat.st_size, stat.st_mtime_ns):
            return None
        paper_file = entry[1]
        shown = display_path(path)
        if paper_file.paper.path != shown:
            paper_file = PaperFile(replace(paper_file.paper, path=shown), paper_file.key_lines)
        return paper_file

    def put(self, path: Path, paper_file: PaperFile) -> None:
        stat = path.stat()
        if is_racy(stat.st_mtime_ns):
            return
        self.entries[path.name] = ((stat.st_size, stat.st_mtime_ns), paper_file)
        self.dirty = True

    def save(self) -> None:
        self._memory[self.path] = self.entries
        if not self.dirty:
            return
        try:
            data = pickle.dumps((CACHE_VERSION, self.entries), protocol=pickle.HIGHEST_PROTOCOL)
            write_file_atomic(self.path.parent, self.path.name, data)
        except OSError:
            pass  # a read-only checkout still builds, only slower


def load_papers(content_dir: Path) -> tuple[list[Paper], list[SourceError]]:
    """Every paper under content/papers/, sorted by slug, with every problem found."""
    files, errors = load_paper_files(content_dir)
    return [paper_file.paper for paper_file in files], errors


def fields_from_paper(paper: Paper) -> dict[str, Any]:
    """Front matter for a paper, in the documented field order, empty optionals left out."""
    fields: dict[str, Any] = {
        "title": paper.title,
        "slug": paper.slug,
        "featured": list(paper.featured),
        "topics": list(paper.topics),
    }
    if paper.rule_topics is not None:
        fields["rule_topics"] = list(paper.rule_topics)
    if paper.links:
        fields["links"] = [{"url": link.url, "kind": link.kind} for link in paper.links]
    if paper.arxiv_id:
        fields["arxiv_id"] = paper.arxiv_id
    if paper.authors:
        fields["authors"] = list(paper.authors)
    if paper.sources:
        fields["sources"] = list(paper.sources)
    return fields


def format_paper_file(fields: dict[str, Any], body: str) -> str:
    ordered = {key: fields[key] for key in FIELDS if key in fields}
    return f"---\n{dump_fields(ordered)}---\n{body.strip()}\n"


def write_atomic(path: Path, text: str) -> None:
    """A paper file written through a temporary file and a rename, so a crash never leaves half a file."""
    write_file_atomic(path.parent, path.name, text.encode("utf-8"))
