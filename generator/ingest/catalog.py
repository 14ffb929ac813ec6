"""Digests -> paper files. Everything is read and checked before anything is written.

A paper file, once written, belongs to the curators: a later ingest only adds
featured dates and source digests to it and never rewrites another field or the
abstract. That is the whole rule that protects hand edits; see README.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from pathlib import Path

from generator.content.markdown import escape_markdown, unescape_markdown
from generator.content.papers import (
    PaperFile,
    fields_from_paper,
    format_paper_file,
    load_paper_files,
    write_atomic,
)
from generator.content.schema import Paper
from generator.content.taxonomy import TopicMatcher, fallback_slug, load_taxonomy
from generator.errors import BuildFailed, SourceError, display_path
from generator.files import is_racy, write_file_atomic
from generator.ingest.draft import DraftPaper
from generator.ingest.links import extract_links
from generator.ingest.pagecopy import decode, parse_digest

DIGESTS_DIR = "digests"
TAXONOMY_FILE = "topics.yaml"
MAX_SLUG = 60
STAMP_FILE = ".cache/ingest.stamp"
SIMILAR_ABSTRACT = 0.9  # a typo fixed by hand, not a different paper


@dataclass
class IngestReport:
    written: list[Path] = field(default_factory=list)  # paper files created or updated
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: bool = False  # nothing changed since the last ingest, so nothing was read


def digest_paths(content_dir: Path) -> list[Path]:
    return sorted((content_dir / DIGESTS_DIR).glob("*.txt"))


def read_digests(paths: list[Path]) -> tuple[list[DraftPaper], list[SourceError]]:
    drafts: list[DraftPaper] = []
    errors: list[SourceError] = []
    for path in paths:
        text, decode_errors = decode(path.read_bytes(), display_path(path))
        errors.extend(decode_errors)
        if text is not None:
            file_drafts, file_errors = parse_digest(text, display_path(path))
            drafts.extend(replace(draft, digest=path.name) for draft in file_drafts)
            errors.extend(file_errors)
    return drafts, errors


def run_ingest(content_dir: Path, digest_paths_: list[Path] | None = None) -> IngestReport:
    """Ingest the given digests (default: all of content/digests/). Raises BuildFailed, writing nothing."""
    paths = digest_paths(content_dir) if digest_paths_ is None else sorted(digest_paths_)
    stamp = IngestStamp(content_dir, paths)
    if stamp.unchanged():
        return IngestReport(skipped=True)
    drafts, errors = read_digests(paths)
    topics, taxonomy_errors = load_taxonomy(content_dir / TAXONOMY_FILE)
    existing, paper_errors = load_paper_files(content_dir)
    errors += taxonomy_errors + paper_errors
    if errors:
        raise BuildFailed(errors)
    catalog = Catalog(existing, TopicMatcher(topics, fallback_slug(topics)))
    for draft in drafts:
        catalog.add(draft)
    report = catalog.write(content_dir / "papers")
    stamp.save()
    return report


class IngestStamp:
    """Skips an ingest when no digest, paper file or the taxonomy changed since the last one.

    `digest build` ingests first on every run; on 10,000 papers this makes the
    no-change case cost a few thousand stat calls instead of parsing everything.
    """

    def __init__(self, content_dir: Path, digests: list[Path]):
        self.path = content_dir.parent / STAMP_FILE
        self.papers_dir = content_dir / "papers"
        # The sources as this ingest is about to read them: one changed while it runs then
        # differs from the saved stamp, and the next ingest reads it again.
        self.sources = _file_entries([*digests, content_dir / TAXONOMY_FILE])

    def _stamp(self) -> str | None:
        papers = _file_entries(sorted(self.papers_dir.glob("*.md")))
        if self.sources is None or papers is None:
            return None
        return hashlib.sha1("\n".join(self.sources + papers).encode()).hexdigest()

    def unchanged(self) -> bool:
        try:
            return self._stamp() == self.path.read_text(encoding="utf-8")
        except OSError:
            return False

    def save(self) -> None:
        """After the ingest wrote its paper files, which the stamp includes as they are now."""
        stamp = self._stamp()
        if stamp is None:
            return
        try:
            write_file_atomic(self.path.parent, self.path.name, stamp.encode())
        except OSError:
            pass  # only a speed-up


def _file_entries(paths: list[Path]) -> list[str] | None:
    """name:size:mtime of each file that exists; None while one changed moments ago (is_racy)."""
    entries = []
    for path in paths:
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        if is_racy(stat.st_mtime_ns):
            return None
        entries.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return entries


def normalize_title(title: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", unicodedata.normalize("NFKC", title).casefold()).split())


def abstract_key(text: str) -> str:
    """Identity of an abstract, whether given as digest text or as an escaped Markdown body."""
    plain = unescape_markdown(text)
    return hashlib.sha1(" ".join(plain.casefold().split()).encode()).hexdigest()


def slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = "-".join(re.sub(r"[^a-z0-9]+", " ", ascii_title.lower()).split())
    return cut_at_word(slug, MAX_SLUG) or "paper-" + hashlib.sha1(title.encode()).hexdigest()[:8]


def slug_stem(slug: str) -> str:
    return "-".join(slug.split("-")[:3])


def cut_at_word(slug: str, limit: int) -> str:
    """At most `limit` characters, ending at a whole word unless the first word alone is longer."""
    if len(slug) <= limit:
        return slug
    cut = slug[: limit + 1].rsplit("-", 1)[0]
    return cut if len(cut) <= limit else slug[:limit]


class Catalog:
    """The papers known so far, findable by title, abstract and arXiv id, with pending changes."""

    def __init__(self, existing: list[PaperFile], matcher: TopicMatcher):
        self.matcher = matcher
        self.papers: dict[str, Paper] = {}
        self.bodies: dict[str, str] = {}
        self.original: dict[str, Paper] = {}
        self.by_key: dict[str, str] = {}
        self.by_stem: dict[str, list[str]] = {}
        for paper_file in existing:
            self._index(paper_file.paper, paper_file.body)
            self.original[paper_file.paper.slug] = paper_file.paper

    def _index(self, paper: Paper, body: str) -> None:
        self.papers[paper.slug] = paper
        self.bodies[paper.slug] = body
        self.by_stem.setdefault(slug_stem(paper.slug), []).append(paper.slug)
        for key in self.keys(paper.title, body, paper.arxiv_id):
            self.by_key.setdefault(key, paper.slug)

    @staticmethod
    def keys(title: str, abstract: str, arxiv_id: str = "") -> list[str]:
        keys = ["title:" + normalize_title(title)]
        if abstract.strip():
            keys.append("abstract:" + abstract_key(abstract))
        return keys + (["arxiv:" + arxiv_id] if arxiv_id else [])

    def add(self, draft: DraftPaper) -> None:
        slug = next((self.by_key[key] for key in self.keys(draft.title, draft.abstract) if key in self.by_key), None)
        slug = slug or self._edited_match(draft)
        if slug is None:
            self._create(draft)
        else:
            self._feature_again(self.papers[slug], draft)

    def _edited_match(self, draft: DraftPaper) -> str | None:
        """A paper whose title and abstract a curator both touched: same first words, nearly the same abstract."""
        for slug in self.by_stem.get(slug_stem(slugify(draft.title)), ()):
            # Word-level: as telling as characters for a typo fix, and a hundred times faster.
            matcher = SequenceMatcher(None, unescape_markdown(self.bodies[slug]).split(), draft.abstract.split(),
                                      autojunk=False)
            if matcher.quick_ratio() >= SIMILAR_ABSTRACT and matcher.ratio() >= SIMILAR_ABSTRACT:
                return slug
        return None

    def _create(self, draft: DraftPaper) -> None:
        topics = self.matcher.assign(draft.title, draft.abstract)
        paper = Paper(
            slug=self.free_slug(slugify(draft.title)), title=draft.title, body=escape_markdown(draft.abstract),
            featured=(draft.featured,), topics=topics, rule_topics=topics,
            links=extract_links(draft.abstract), sources=(draft.digest,),
        )
        self._index(paper, paper.body)

    def _feature_again(self, paper: Paper, draft: DraftPaper) -> None:
        featured = tuple(sorted(set(paper.featured) | {draft.featured}))
        sources = paper.sources if draft.digest in paper.sources else tuple(sorted({*paper.sources, draft.digest}))
        self.papers[paper.slug] = replace(paper, featured=featured, sources=sources)

    def free_slug(self, base: str) -> str:
        slug, number = base, 2
        while slug in self.papers:
            suffix = f"-{number}"
            slug = cut_at_word(base, MAX_SLUG - len(suffix)) + suffix
            number += 1
        return slug

    def write(self, papers_dir: Path) -> IngestReport:
        report = IngestReport()
        pending: dict[Path, str] = {}
        for slug, paper in sorted(self.papers.items()):
            before = self.original.get(slug)
            if before is not None and (before.featured, before.sources) == (paper.featured, paper.sources):
                report.unchanged += 1
                continue
            pending[papers_dir / f"{slug}.md"] = format_paper_file(self._fields(paper, before), self.bodies[slug])
            report.created += before is None
            report.updated += before is not None
        # Creating files is system-call bound (the GIL is released): a few threads overlap the waits.
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(write_atomic, pending, pending.values()))
        report.written = list(pending)
        return report

    def _fields(self, paper: Paper, before: Paper | None) -> dict:
        """New papers get every field; known ones keep what is in their file and gain dates and sources."""
        fields = fields_from_paper(paper)
        if before is None:
            return fields
        kept = fields_from_paper(before)
        kept.update(featured=fields["featured"], sources=fields["sources"])
        return kept
