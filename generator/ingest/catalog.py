"""Digests -> paper files. Everything is read and checked before anything is written.

A paper file, once written, belongs to the curators: a later ingest only adds
featured dates and source digests to it and never rewrites another field or the
abstract. That is the whole rule that protects hand edits; see README.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import stat
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from pathlib import Path

from anyascii import anyascii

from generator.cache import FileStampCache, Stamp, Stamps, file_stamp, trusted_stamps
from generator.content.markdown import escape_markdown, unescape_markdown
from generator.content.papers import (
    PaperFile,
    fields_from_paper,
    format_paper_file,
    load_paper_files,
)
from generator.content.schema import Link, Paper
from generator.content.taxonomy import TopicMatcher, fallback_slug, load_taxonomy
from generator.errors import BuildFailed, SourceError, display_path
from generator.files import write_temporary
from generator.ingest.apijson import parse_api_digest
from generator.ingest.draft import DraftPaper, normalize_title
from generator.ingest.ledger import Ledger
from generator.ingest.links import extract_links
from generator.ingest.pagecopy import decode, parse_digest
from generator.project import Project

MAX_SLUG = 60
STAMP_FILE = "ingest-stamp.json"  # in the project's cache folder
DIGEST_FORMATS = {".txt": parse_digest, ".json": parse_api_digest}  # by file ending
SIMILAR_ABSTRACT = 0.9  # a typo fixed by hand, not a different paper
CHUNK_WORDS = 4  # abstracts are indexed by runs of this many words; see Catalog._edit_candidates
SCAN_UP_TO = 16  # papers sharing a slug stem that are compared one by one; more are looked up by chunk
COMMON_CHUNK = 8  # a chunk in more abstracts than this of one stem ("in this paper we") finds none


@dataclass
class IngestReport:
    written: list[Path] = field(default_factory=list)  # paper files created or updated
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: bool = False  # nothing changed since the last ingest, so nothing was read


def digest_paths(project: Project) -> list[Path]:
    """Page copies (.txt) and API files (.json); hidden files such as editors' lock files are not digests."""
    return sorted(path for path in project.digests.glob("*")
                  if path.suffix in DIGEST_FORMATS and not path.name.startswith((".", "#")))


def read_digests(paths: list[Path]) -> tuple[list[DraftPaper], list[SourceError]]:
    drafts: list[DraftPaper] = []
    errors: list[SourceError] = []
    for path in paths:
        file_drafts, file_errors = read_digest(path)
        drafts.extend(replace(draft, digest=path.name) for draft in file_drafts)
        errors.extend(file_errors)
    return drafts, errors


def read_digest(path: Path) -> tuple[list[DraftPaper], list[SourceError]]:
    """One digest file in its format, or why it cannot be read (never a hang on a FIFO or a folder)."""
    shown = display_path(path)
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return [], [SourceError(shown, 0, "is not a regular file", "digests are .txt or .json files; move it away")]
        data = path.read_bytes()
    except OSError as error:
        return [], [SourceError(shown, 0, f"cannot be read ({error.strerror or error})",
                                "check that the file exists and that you may read it")]
    text, errors = decode(data, shown)
    if text is None:
        return [], errors
    return DIGEST_FORMATS[path.suffix](text, shown)


def run_ingest(project: Project, digest_paths_: list[Path] | None = None) -> IngestReport:
    """Ingest the given digests (default: all of content/digests/). Raises BuildFailed, writing nothing."""
    paths = digest_paths(project) if digest_paths_ is None else sorted(digest_paths_)
    stamp = IngestStamp(project, paths)
    if stamp.unchanged():
        return IngestReport(skipped=True)
    drafts, errors = read_digests(paths)
    topics, taxonomy_errors = load_taxonomy(project.taxonomy_file)
    # The paper files as they are before reading them: any changed before the write is left alone.
    read_stamps = {path: file_stamp(path) for path in project.papers.glob("*.md")}
    existing, paper_errors = load_paper_files(project)
    errors += taxonomy_errors + paper_errors
    if errors:
        raise BuildFailed(errors)
    catalog = Catalog(existing, TopicMatcher(topics, fallback_slug(topics)), Ledger.read(project.ingest_ledger))
    catalog.add_all(drafts)
    report = catalog.write(project, read_stamps)
    stamp.save()
    return report


class IngestStamp:
    """Skips an ingest when no digest, paper file or the taxonomy changed since the last one.

    `digest build` ingests first on every run; on 10,000 papers this makes the
    no-change case cost a few thousand stat calls instead of parsing everything.
    """

    def __init__(self, project: Project, digests: list[Path]):
        self.cache = FileStampCache(project.cache_dir / STAMP_FILE, kind="ingest inputs")
        self.papers_dir = project.papers
        # The sources as this ingest is about to read them: one changed while it runs then
        # differs from the saved stamp, and the next ingest reads it again.
        self.sources = trusted_stamps([*digests, project.taxonomy_file])

    def _stamps(self) -> Stamps | None:
        """The sources and the paper files as they are now; None while one changed moments ago."""
        papers = trusted_stamps(self.papers_dir.glob("*.md"))
        if self.sources is None or papers is None:
            return None
        return {**self.sources, **papers}

    def unchanged(self) -> bool:
        stamps = self._stamps()
        return stamps is not None and self.cache.matches(stamps)

    def save(self) -> None:
        """After the ingest wrote its paper files, which the stamp includes as they are now."""
        stamps = self._stamps()
        if stamps is not None:
            self.cache.record(stamps)
            self.cache.save()


def abstract_key(text: str) -> str:
    """Identity of an abstract, whether given as digest text or as an escaped Markdown body."""
    plain = unescape_markdown(text)
    return hashlib.sha1(" ".join(plain.casefold().split()).encode()).hexdigest()


def slugify(title: str) -> str:
    """A new paper's slug, transliterated rather than stripped to ASCII.

    "$μ$LO" keeps its μ ("m-lo-…") and "大模型 Survey" its first word ("damoxing-survey").
    """
    slug = "-".join(re.sub(r"[^a-z0-9]+", " ", anyascii(title).lower()).split())
    return cut_at_word(slug, MAX_SLUG) or "paper-" + hashlib.sha1(title.encode()).hexdigest()[:8]


def slug_stem(slug: str) -> str:
    return "-".join(slug.split("-")[:3])


def abstract_words(body: str) -> list[str]:
    """A paper file's abstract as the words a digest would give."""
    return unescape_markdown(body).split()


def is_similar(matcher: SequenceMatcher[str]) -> bool:
    """The cheap upper bounds first: lengths, then words in common regardless of order."""
    return (matcher.real_quick_ratio() >= SIMILAR_ABSTRACT and matcher.quick_ratio() >= SIMILAR_ABSTRACT
            and matcher.ratio() >= SIMILAR_ABSTRACT)


def chunk_key(stem: str, chunk: list[str]) -> int:
    return hash((stem, *chunk))


def has_enough_chunks(word_count: int) -> bool:
    """More disjoint chunks than the 2/9 of the words that a 0.9 word-level ratio lets an edit touch."""
    return 9 * (word_count // CHUNK_WORDS) > 2 * word_count


def cut_at_word(slug: str, limit: int) -> str:
    """At most `limit` characters, ending at a whole word unless the first word alone is longer."""
    if len(slug) <= limit:
        return slug
    cut = slug[: limit + 1].rsplit("-", 1)[0]
    return cut if len(cut) <= limit else slug[:limit]


class Catalog:
    """The papers known so far, findable by title, abstract and arXiv id, with pending changes."""

    def __init__(self, existing: list[PaperFile], matcher: TopicMatcher, ledger: Ledger | None = None):
        self.matcher = matcher
        self.ledger = ledger or Ledger()  # what earlier ingests placed: a curator's deletions stick
        self.papers: dict[str, Paper] = {}
        self.bodies: dict[str, str] = {}
        self.original: dict[str, Paper] = {}
        self.by_key: dict[str, str] = {}
        self.by_stem: dict[str, list[str]] = {}
        self.by_chunk: dict[int, str | list[str]] = {}  # (stem, chunk of an abstract) -> slugs
        self.short_abstracts: dict[str, list[str]] = {}  # stem -> slugs whose abstract has too few chunks
        for paper_file in existing:
            self._index(paper_file.paper, paper_file.body)
            self.original[paper_file.paper.slug] = paper_file.paper

    def _index(self, paper: Paper, body: str) -> None:
        self.papers[paper.slug] = paper
        self.bodies[paper.slug] = body
        self._index_stem(paper.slug)
        for key in self.keys(paper.title, body, paper.arxiv_id):
            self.by_key.setdefault(key, paper.slug)

    @staticmethod
    def keys(title: str, abstract: str, arxiv_id: str = "") -> list[str]:
        """What identifies a paper, strongest first: its arXiv id, its title, its abstract."""
        keys = ["arxiv:" + arxiv_id.split("v")[0]] if arxiv_id else []
        if normalize_title(title):  # a title of only punctuation or emoji identifies nothing
            keys.append("title:" + normalize_title(title))
        if abstract.strip():
            keys.append("abstract:" + abstract_key(abstract))
        return keys

    def add_all(self, drafts: list[DraftPaper]) -> None:
        """Every draft, each day's API files first: a day's ranking is the API file's order, then
        the papers only a page copy of that day had, in the page's order."""
        next_place: dict[dt.date, int] = {}
        placed: set[tuple[dt.date, str]] = set()
        for draft in sorted(drafts, key=lambda draft: (draft.featured, not draft.digest.endswith(".json"))):
            slug = self.add(draft)
            if slug is not None and draft.rank and (draft.featured, slug) not in placed:
                placed.add((draft.featured, slug))
                next_place[draft.featured] = next_place.get(draft.featured, 0) + 1
                self._place(slug, draft.featured, next_place[draft.featured])

    def add(self, draft: DraftPaper) -> str | None:
        """Finds or creates the draft's paper and returns its slug; None when a curator deleted the
        paper, or removed this day from it, after an earlier ingest placed it (see ledger.py)."""
        keys = self.keys(draft.title, draft.abstract, draft.arxiv_id)
        slug = next((self.by_key[key] for key in keys if key in self.by_key), None)
        slug = slug or self._edited_match(draft)
        if slug is None and self.ledger.slug_of(keys) is not None:
            return None
        if slug is None:
            slug = self._create(draft)
        elif self.ledger.was_placed(draft.featured, slug) and draft.featured not in self.papers[slug].featured:
            return None
        else:
            self._feature_again(self.papers[slug], draft)
        self.ledger.add(draft.featured, slug, keys[0])
        return slug

    def _place(self, slug: str, day: dt.date, place: int) -> None:
        """A place on a day is written once: a place already in the file (a curator's) stays."""
        paper = self.papers[slug]
        if paper.rank_on(day) is None:
            self.papers[slug] = replace(paper, ranks=tuple(sorted({*paper.ranks, (day, place)})))

    def _edited_match(self, draft: DraftPaper) -> str | None:
        """A paper whose title and abstract a curator both touched: same first words, nearly the same abstract."""
        words = draft.abstract.split()
        candidates = self._edit_candidates(slug_stem(slugify(draft.title)), words)
        if not candidates:
            return None
        # Word-level: as telling as characters for a typo fix, and a hundred times faster.
        matcher = SequenceMatcher(None, [], words, autojunk=False)  # the draft's words are analysed once
        for slug in candidates:
            matcher.set_seq1(abstract_words(self.bodies[slug]))
            if is_similar(matcher):
                return slug
        return None

    def _edit_candidates(self, stem: str, words: list[str]) -> list[str]:
        """The papers of the stem that may have `words` as a slightly edited abstract.

        A few are all compared. Past that, a paper is a candidate when one of its abstract's
        chunks (disjoint runs of CHUNK_WORDS words) occurs in `words`, most shared chunks
        first. No edited paper is missed: a ratio of at least 0.9 leaves at most 2/9 of the
        stored words touched (removed, or with words inserted before them), so an abstract
        with more chunks than that keeps one whole; shorter abstracts are always compared.
        """
        group = self.by_stem.get(stem, [])
        if len(group) <= SCAN_UP_TO:
            return group
        shared: Counter[str] = Counter()
        for start in range(len(words) - CHUNK_WORDS + 1):
            holders = self._chunk_holders(chunk_key(stem, words[start:start + CHUNK_WORDS]))
            if len(holders) <= COMMON_CHUNK:
                shared.update(holders)
        return self.short_abstracts.get(stem, []) + [slug for slug, _ in shared.most_common()]

    def _index_stem(self, slug: str) -> None:
        """Files the slug under its stem; a stem past SCAN_UP_TO papers gets its abstracts' chunks indexed."""
        stem = slug_stem(slug)
        group = self.by_stem.setdefault(stem, [])
        group.append(slug)
        if len(group) == SCAN_UP_TO + 1:
            for member in group:
                self._index_chunks(stem, member)
        elif len(group) > SCAN_UP_TO:
            self._index_chunks(stem, slug)

    def _index_chunks(self, stem: str, slug: str) -> None:
        words = abstract_words(self.bodies[slug])
        if not has_enough_chunks(len(words)):
            self.short_abstracts.setdefault(stem, []).append(slug)
            return
        for start in range(0, len(words) - CHUNK_WORDS + 1, CHUNK_WORDS):
            key = chunk_key(stem, words[start:start + CHUNK_WORDS])
            holders = self._chunk_holders(key)
            if len(holders) <= COMMON_CHUNK:  # one past the limit marks the chunk common
                self.by_chunk[key] = [*holders, slug] if holders else slug

    def _chunk_holders(self, key: int) -> list[str]:
        """Most chunks belong to one paper, stored as a bare slug to save memory."""
        holders = self.by_chunk.get(key, [])
        return [holders] if isinstance(holders, str) else holders

    def _create(self, draft: DraftPaper) -> str:
        topics = self.matcher.assign(draft.title, draft.abstract)
        paper = Paper(
            slug=self.free_slug(slugify(draft.title)), title=draft.title, body=escape_markdown(draft.abstract),
            featured=(draft.featured,), topics=topics, rule_topics=topics, links=_links(draft),
            arxiv_id=draft.arxiv_id, authors=draft.authors, sources=(draft.digest,),
        )
        self._index(paper, paper.body)
        return paper.slug

    def _feature_again(self, paper: Paper, draft: DraftPaper) -> None:
        """Only ever adds: the day, the source, and metadata the paper does not have yet."""
        featured = tuple(sorted(set(paper.featured) | {draft.featured}))
        sources = paper.sources if draft.digest in paper.sources else tuple(sorted({*paper.sources, draft.digest}))
        self.papers[paper.slug] = replace(
            paper, featured=featured, sources=sources, arxiv_id=paper.arxiv_id or draft.arxiv_id,
            authors=paper.authors or draft.authors, links=paper.links or draft.links)
        if draft.arxiv_id and not paper.arxiv_id:
            self.by_key.setdefault("arxiv:" + draft.arxiv_id, paper.slug)

    def free_slug(self, base: str) -> str:
        slug, number = base, 2
        while slug in self.papers:
            suffix = f"-{number}"
            slug = cut_at_word(base, MAX_SLUG - len(suffix)) + suffix
            number += 1
        return slug

    def write(self, project: Project, read_stamps: dict[Path, Stamp | None]) -> IngestReport:
        """All changed paper files and the ledger, or none of them (see write_all_or_nothing)."""
        papers_dir = project.papers
        report = IngestReport()
        pending: dict[Path, str] = {}
        for slug, paper in sorted(self.papers.items()):
            before = self.original.get(slug)
            if before is not None and before == paper:
                report.unchanged += 1
                continue
            pending[papers_dir / f"{slug}.md"] = format_paper_file(fields_from_paper(paper), self.bodies[slug])
            report.created += before is None
            report.updated += before is not None
        report.written = list(pending)
        ledger = self.ledger.text()
        if _read_or_none(project.ingest_ledger) != ledger:
            pending[project.ingest_ledger] = ledger
        expected = {path: read_stamps.get(path) for path in pending if path != project.ingest_ledger}
        write_all_or_nothing(pending, expected)
        return report


def write_all_or_nothing(files: dict[Path, str], expected: dict[Path, Stamp | None]) -> None:
    """Every file to a temporary name first; then, if none of the targets changed since ingest
    read them (a curator saving a paper meanwhile), all renamed into place. Otherwise, or when
    the disk fills up, the temporary files go and content/ stays exactly as it was."""
    temporaries: dict[Path, Path] = {}  # filled by the writer threads (dict assignment is atomic)

    def write_one(path: Path) -> None:
        temporaries[path] = write_temporary(path, files[path].encode("utf-8"))

    try:
        # Creating files is system-call bound (the GIL is released): a few threads overlap the waits.
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(write_one, files))
        changed = [path for path, stamp in expected.items() if file_stamp(path) != stamp]
        if changed:
            raise BuildFailed([SourceError(display_path(path), 0, "changed while ingest ran, so ingest wrote nothing",
                                           "run the command again; your change is kept") for path in changed])
        for path, temporary in temporaries.items():
            os.replace(temporary, path)
    finally:
        for temporary in temporaries.values():
            temporary.unlink(missing_ok=True)


def _read_or_none(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def _links(draft: DraftPaper) -> tuple[Link, ...]:
    """The links an API file gave, then those in the abstract, each URL once."""
    found = {link.url: link for link in extract_links(draft.abstract)}
    given = {link.url: link for link in draft.links}
    return tuple({**given, **{url: link for url, link in found.items() if url not in given}}.values())
