"""Digests -> paper files. Everything is read and checked before anything is written.

A paper file, once written, belongs to the curators: a later ingest only adds
featured dates and source digests to it and never rewrites another field or the
abstract. That is the whole rule that protects hand edits; see README.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import os
import re
import stat
from collections import Counter
from collections.abc import Callable, Container, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from functools import partial
from pathlib import Path
from typing import NamedTuple

from anyascii import anyascii

from generator import workers
from generator.cache import Stamp, bytes_digest, file_stamp
from generator.content.identity import arxiv_key, identity_keys
from generator.content.markdown import escape_markdown, unescape_markdown
from generator.content.papers import (
    PaperFile,
    duplicate_papers,
    fields_from_paper,
    format_paper_file,
    load_paper_files,
    paper_file_now,
)
from generator.content.schema import Link, Paper
from generator.content.taxonomy import TopicMatcher, fallback_notice, fallback_slug, load_taxonomy, only_in_fallback
from generator.errors import BuildFailed, SourceError, capped_notice_lines, display_path
from generator.files import is_hidden_name, write_temporary_quickly
from generator.heap import gc_paused
from generator.ingest.apijson import parse_api_digest
from generator.ingest.draft import DraftPaper
from generator.ingest.ledger import Ledger
from generator.ingest.links import extract_links
from generator.ingest.pagecopy import decode, parse_digest
from generator.ingest.state import Days, IngestState, Inputs, NewState, Written, record_of_another_generator
from generator.project import Project
from generator.words import count_of

MAX_SLUG = 60
DIGEST_FORMATS = {".txt": parse_digest, ".json": parse_api_digest}  # by file ending
SIMILAR_ABSTRACT = 0.9  # a typo fixed by hand, not a different paper
CHUNK_WORDS = 4  # abstracts are indexed by runs of this many words; see Catalog._edit_candidates
SCAN_UP_TO = 16  # papers sharing a slug stem that are compared one by one; more are looked up by chunk
COMMON_CHUNK = 8  # a chunk in more abstracts than this of one stem ("in this paper we") finds none
SYNC_EACH_UP_TO = 64  # files flushed one by one as written; a larger batch gets one os.sync()
PREPARE_CHUNK = 500  # drafts a worker prepares at a time (see Catalog._prepared)
FORMAT_CHUNK = 500  # paper files a worker formats at a time (see Catalog._encoded)


@dataclass
class IngestReport:
    written: list[Path] = field(default_factory=list)  # paper files created or updated
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: bool = False  # no digest changed since the last ingest, so nothing was read
    # After an upgrade of ingest's code, the papers by file and the metadata a digest among their
    # sources holds and they lack: never read by the older ingest that read that digest, or
    # removed by a curator (lacking_metadata_notice).
    lacking: dict[Path, list[str]] = field(default_factory=dict)
    # Each paper file this ingest created that no topic rule matched (taxonomy.fallback_notice):
    # what a curator reading the new papers has to sort by hand.
    notices: list[SourceError] = field(default_factory=list)

    def summary(self) -> str:
        files = self.created + self.updated + self.unchanged
        return f"{count_of(files, 'paper file')}: {self.created:,} new, {self.updated:,} updated, {self.unchanged:,} unchanged"


class NewParts(NamedTuple):
    """The fields of a draft's paper, if it makes a new one, that take work to find."""

    topics: tuple[str, ...]  # the rules' topics
    body: str  # the abstract as Markdown
    links: tuple[Link, ...]
    body_keys: list[str]  # the identity keys of the paper as its file will read back


class Prepared(NamedTuple):
    """What a draft gives from the draft alone, so that any process can work it out (see workers.py)."""

    keys: list[str]  # identity_keys of the draft
    slug: str  # slugify(title) when the draft may make a new paper, else ""
    parts: NewParts | None  # likewise; else None


def prepare(draft: DraftPaper, matcher: TopicMatcher, known_keys: Container[str]) -> Prepared:
    """known_keys: identity keys of papers known already. A draft with one of them features a
    known paper again, so the work of a new paper is skipped."""
    keys = identity_keys(draft.title, draft.abstract, draft.arxiv_id)
    if any(key in known_keys for key in keys):
        return Prepared(keys, "", None)
    return Prepared(keys, slugify(draft.title), new_parts(draft, keys, matcher))


def new_parts(draft: DraftPaper, keys: list[str], matcher: TopicMatcher) -> NewParts:
    """keys: the draft's identity keys."""
    body = escape_markdown(draft.abstract)
    # The body reads back as the draft's abstract (see identity.abstract_key) unless the digest itself
    # held backslash escapes: then its keys are worked out again, from the body.
    same_text = unescape_markdown(body) == unescape_markdown(draft.abstract)
    body_keys = keys if same_text else identity_keys(draft.title, body, draft.arxiv_id)
    return NewParts(matcher.assign(draft.title, draft.abstract), body, _links(draft), body_keys)


def digest_paths(project: Project) -> list[Path]:
    """Page copies (.txt) and API files (.json); hidden files such as editors' lock files are not
    digests. A folder that cannot be listed (permissions, a file of that name) raises OSError: taken
    for an empty one, it would make ingest forget every digest."""
    try:
        names = os.listdir(project.digests)
    except FileNotFoundError:
        return []
    return sorted(project.digests / name for name in names if is_digest_name(name))


def is_digest_name(name: str) -> bool:
    """A page copy (.txt) or an API file (.json); an editor's hidden file beside one is neither."""
    return Path(name).suffix in DIGEST_FORMATS and not is_hidden_name(name)


def read_digests(paths: list[Path], hashes: dict[Path, str] | None = None) -> tuple[list[DraftPaper], list[SourceError]]:
    """hashes, when given, gets the hash of each digest's bytes as read. The digests are read by
    the workers when there are many: a full ingest of 80,000 papers reads 592 digests, 112 MB,
    for 3.2 s on one core."""
    drafts: list[DraftPaper] = []
    errors: list[SourceError] = []
    read = workers.map_in_order(read_digest, paths, DIGEST_FILE_CHUNK, DIGESTS_PARALLEL_FROM)
    for path, (file_drafts, file_errors, digest) in zip(paths, read):
        drafts.extend(file_drafts)
        errors.extend(file_errors)
        if hashes is not None and digest is not None:
            hashes[path] = digest
    return drafts, errors


def digest_errors_started(paths: list[Path]) -> Callable[[], list[SourceError]]:
    """Each digest's errors (read_digests' errors, without their drafts), worked out from now on
    (workers.map_started); the returned function gives them all, in order."""
    errors_started = workers.map_started(_digest_errors, paths, DIGEST_FILE_CHUNK, DIGESTS_PARALLEL_FROM)
    return lambda: [error for errors in errors_started() for error in errors]


def _digest_errors(path: Path) -> list[SourceError]:
    return read_digest(path)[1]


DigestRead = tuple[list[DraftPaper], list[SourceError], str | None]  # read_digest's drafts, errors and hash

DIGESTS_PARALLEL_FROM = 100  # digest files (~1,700 papers); below it, starting the workers costs more
DIGEST_FILE_CHUNK = 8


def read_digest(path: Path) -> DigestRead:
    """One digest file in its format, or why it cannot be read (never a hang on a FIFO or a
    folder); with the hash of its bytes, when it could be read."""
    shown = display_path(path)
    parse = DIGEST_FORMATS.get(path.suffix)
    if parse is None:  # named on the command line: content/digests/ lists only these endings
        return [], [SourceError(shown, 0, "is not a digest",
                                "digests are page copies named .txt or API responses named .json")], None
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return [], [SourceError(shown, 0, "is not a regular file", "digests are .txt or .json files; move it away")], None
        data = path.read_bytes()
    except OSError as error:
        return [], [SourceError(shown, 0, f"cannot be read ({error.strerror or error})",
                                "check that the file exists and that you may read it")], None
    digest = bytes_digest(data)
    text, errors = decode(data, shown)
    if text is None:
        return [], errors, digest
    drafts, errors = parse(text, shown)
    return [replace(draft, digest=path.name) for draft in drafts], errors, digest


def run_ingest(project: Project, digest_paths_: list[Path] | None = None) -> IngestReport:
    """Ingest the given digests (default: all of content/digests/). Raises BuildFailed, writing nothing.

    Only the digests that changed since the last ingest are read, with those holding their
    days or later ones, when that is sure to give the paper files reading them all gives
    (see state.py); nothing at all when nothing changed."""
    with gc_paused():  # see generator/heap.py: ingest too makes millions of objects and no cycles
        return _run_ingest(project, digest_paths(project) if digest_paths_ is None else sorted(digest_paths_))


def _run_ingest(project: Project, paths: list[Path]) -> IngestReport:
    inputs = Inputs.take(project, paths)  # before reading anything
    upgraded = record_of_another_generator(project.ingest_record)  # read before this ingest writes it anew
    previous, changed, loaded = last_ingest(project, inputs)
    known = previous.known_days(inputs) if previous is not None else {}
    hashes = previous.known_hashes(inputs) if previous is not None else {}
    if previous is not None and changed == []:  # forgets deleted digests
        NewState(project, inputs, known, hashes, Written(), previous.contents()).save()
        return IngestReport(skipped=True)
    drafts, errors = read_needed_digests(paths, previous, changed or [], inputs, hashes)
    topics, taxonomy_errors = load_taxonomy(project.taxonomy_file)
    existing, paper_errors = loaded or load_paper_files(project, inputs.papers)  # stamped before anything was read
    errors += taxonomy_errors + paper_errors + duplicate_papers(existing)
    if errors:
        raise BuildFailed(errors)
    catalog = Catalog(existing, TopicMatcher(topics, fallback_slug(topics)), Ledger.read(project.ingest_ledger))
    catalog.add_all(drafts)
    # The paper files as they were before reading them (by name): any changed before the write is left alone.
    report, written = catalog.write(project, inputs.papers)
    NewState(project, inputs, {**known, **days_of(drafts, paths)}, hashes, written).save()
    report.notices = unsorted_notices(catalog.unsorted(report.written), catalog.matcher.fallback)
    if upgraded:  # else what a paper lacks of its digests' metadata was a curator's removal
        report.lacking = {project.papers / f"{slug}.md": sorted(catalog.lacking[slug]) for slug in sorted(catalog.lacking)}
    return report


LoadedPapers = tuple[list[PaperFile], list[SourceError]]  # load_paper_files' result


def last_ingest(project: Project, inputs: Inputs) -> tuple[IngestState | None, list[Path] | None, LoadedPapers | None]:
    """What the last ingest recorded, and the digests new or changed since ((None, None): a full
    ingest, relying on nothing recorded). This machine's state, else the record committed with the
    content (state.py). Last, the paper files, when checking the record loaded them."""
    previous = IngestState.read(project)
    changed = previous.digests_changed(inputs, project) if previous is not None else None
    loaded = None
    if changed is None and (record := IngestState.read_record(project)) is not None:
        # The record knows the paper files by their bytes. Loaded first, a cold build's files are
        # parsed ahead by the workers, which hash them too; hashing 80,000 files here instead would
        # take seconds of this process.
        loaded = load_paper_files(project, inputs.papers)
        previous, changed = record, record.digests_changed(inputs, project)
    return (previous, changed, loaded) if changed is not None else (None, None, loaded)


def read_needed_digests(paths: list[Path], previous: IngestState | None, changed: list[Path],
                        inputs: Inputs, hashes: dict[Path, str]) -> tuple[list[DraftPaper], list[SourceError]]:
    """Every digest without a previous state; else the changed ones and the unchanged ones holding
    a day on or after their first day. Drafts come in the order of `paths`, as a full ingest has
    them: a day's places follow it. hashes: gets the hash of each digest's bytes as read."""
    if previous is None:
        return read_digests(paths, hashes)
    drafts, errors = read_digests(changed, hashes)
    if errors or not drafts:
        return drafts, errors
    first_day = min(draft.featured for draft in drafts)
    more, more_errors = read_digests(previous.digests_from(first_day, inputs, exclude=changed), hashes)
    position = {path.name: index for index, path in enumerate(paths)}
    return sorted(drafts + more, key=lambda draft: position[draft.digest]), errors + more_errors


def days_of(drafts: list[DraftPaper], paths: list[Path]) -> dict[Path, Days]:
    """The first and last day of each digest the drafts came from."""
    days: dict[str, Days] = {}
    for draft in drafts:
        first, last = days.get(draft.digest, (draft.featured, draft.featured))
        days[draft.digest] = min(first, draft.featured), max(last, draft.featured)
    return {path: days[path.name] for path in paths if path.name in days}


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


def may_be_similar(stored: list[str], words: list[str], in_words: Callable[[str], bool]) -> bool:
    """False when the stored abstract cannot be similar to `words`: counting the stored words that
    occur in `words` at all bounds quick_ratio, which bounds ratio, from above. Counted in C, it
    turns away most candidates that share a chunk or two (a few µs, where quick_ratio takes ~20).
    in_words: `words` as a set's __contains__."""
    total = len(stored) + len(words)
    return not total or 2.0 * sum(map(in_words, stored)) / total >= SIMILAR_ABSTRACT


def chunk_key(stem: str, chunk: list[str]) -> int:
    return hash((stem, *chunk))


def window_keys(stem: str, words: list[str]) -> Iterator[int]:
    """chunk_key of every run of CHUNK_WORDS words, from each word in turn: made and hashed in C."""
    return map(hash, zip(itertools.repeat(stem), *(words[offset:] for offset in range(CHUNK_WORDS))))


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
        self.touched: set[str] = set()  # slugs of the papers this ingest created or may have changed
        self.lacking: dict[str, set[str]] = {}  # slug -> metadata a digest among its sources holds (IngestReport)
        self.bodies: dict[str, str] = {}
        self.original: dict[str, Paper] = {}
        self.by_key: dict[str, str] = {}
        self.by_stem: dict[str, list[str]] = {}
        self.by_chunk: dict[int, str | list[str]] = {}  # (stem, chunk of an abstract) -> slugs
        self.short_abstracts: dict[str, list[str]] = {}  # stem -> slugs whose abstract has too few chunks
        self.chunked: set[str] = set()  # stems whose abstracts are indexed by chunk (see _edit_candidates)
        for paper_file in existing:
            self._index(paper_file.paper, paper_file.keys)
            self.original[paper_file.paper.slug] = paper_file.paper
        self.touched.clear()  # the papers as read: none touched yet

    def _index(self, paper: Paper, keys: list[str]) -> None:
        """keys: the paper's identity keys, as its file reads back."""
        self._set(paper)
        self.bodies[paper.slug] = paper.body
        self._index_stem(paper.slug)
        for key in keys:
            self.by_key.setdefault(key, paper.slug)

    def add_all(self, drafts: list[DraftPaper]) -> None:
        """Every draft, each day's API files first: a day's ranking is the API file's order, then
        the papers only a page copy of that day had, in the page's order."""
        next_place: dict[dt.date, int] = {}
        placed: set[tuple[dt.date, str]] = set()
        ordered = sorted(drafts, key=lambda draft: (draft.featured, not draft.digest.endswith(".json")))
        with contextlib.closing(self._prepared(ordered)) as prepared_drafts:  # closed: the workers stop on an error
            for draft, prepared in zip(ordered, prepared_drafts):
                slug = self.add(draft, prepared)
                if slug is not None and draft.rank and (draft.featured, slug) not in placed:
                    placed.add((draft.featured, slug))
                    next_place[draft.featured] = next_place.get(draft.featured, 0) + 1
                    self._place(slug, draft.featured, next_place[draft.featured])

    def _prepared(self, drafts: list[DraftPaper]) -> workers.InOrder[Prepared] | Generator[None, None, None]:
        """Each draft's Prepared, worked out on every core while this process adds the drafts
        before it; for a few drafts, None each: add works out what it needs."""
        if not workers.worth_forking(len(drafts)):
            return (None for _ in drafts)
        # The workers see the keys as they are when the pool starts (before the first draft is
        # added): a draft with one of them finds its paper by key whatever is added before it.
        work = partial(_prepare_range, drafts, self.matcher, self.by_key)
        return workers.results_in_order(work, len(drafts), PREPARE_CHUNK)

    def add(self, draft: DraftPaper, prepared: Prepared | None = None) -> str | None:
        """Finds or creates the draft's paper and returns its slug; None when a curator deleted the
        paper, or removed this day from it, after an earlier ingest placed it (see ledger.py).
        prepared: prepare(draft, ...) when worked out already."""
        if prepared is None:
            prepared = Prepared(identity_keys(draft.title, draft.abstract, draft.arxiv_id), "", None)
        keys = prepared.keys
        slug = next((self.by_key[key] for key in keys if key in self.by_key), None)
        new_slug = (prepared.slug or slugify(draft.title)) if slug is None else ""  # the slug it gets if it is new
        slug = slug or self._edited_match(draft, slug_stem(new_slug))
        if slug is None and self.ledger.slug_of(keys) is not None:
            return None
        if slug is None:
            slug = self._create(draft, new_slug, prepared.parts or new_parts(draft, keys, self.matcher))
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
            self._set(replace(paper, ranks=tuple(sorted({*paper.ranks, (day, place)}))))

    def _edited_match(self, draft: DraftPaper, stem: str) -> str | None:
        """A paper whose title and abstract a curator both touched: same first words (the stem of
        the draft's slug), nearly the same abstract."""
        if stem not in self.by_stem:  # most new papers: no paper begins with the same words
            return None
        words = draft.abstract.split()
        candidates = self._edit_candidates(stem, words)
        if not candidates:
            return None
        in_draft = set(words).__contains__
        matcher = None  # made for the first candidate that may be similar: most drafts have none
        for slug in candidates:
            stored = abstract_words(self.bodies[slug])
            if not may_be_similar(stored, words, in_draft):
                continue
            if matcher is None:  # word-level: as telling as characters for a typo fix, and a hundred times faster
                matcher = SequenceMatcher(None, [], words, autojunk=False)  # the draft's words are analysed once
            matcher.set_seq1(stored)
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
        if stem not in self.chunked:  # indexed when first needed: an ingest of one day needs few stems
            self.chunked.add(stem)
            for member in group:
                self._index_chunks(stem, member)
        shared: Counter[str] = Counter()
        # Most windows are in no other abstract of the stem: only those found come out of the lookup.
        for holders in filter(None, map(self.by_chunk.get, window_keys(stem, words))):
            if isinstance(holders, str):
                shared[holders] += 1
            elif len(holders) <= COMMON_CHUNK:
                shared.update(holders)
        return self.short_abstracts.get(stem, []) + [slug for slug, _ in shared.most_common()]

    def _index_stem(self, slug: str) -> None:
        """Files the slug under its stem, and its abstract's chunks once the stem's are indexed."""
        stem = slug_stem(slug)
        self.by_stem.setdefault(stem, []).append(slug)
        if stem in self.chunked:
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

    def _create(self, draft: DraftPaper, slug: str, parts: NewParts) -> str:
        """A new paper from the draft; slug: slugify(draft.title), parts: new_parts(draft, ...)."""
        paper = Paper(
            slug=self.free_slug(slug), title=draft.title, body=parts.body,
            featured=(draft.featured,), topics=parts.topics, rule_topics=parts.topics, links=parts.links,
            arxiv_id=draft.arxiv_id, authors=draft.authors, published=draft.published, upvotes=draft.upvotes,
            organization=draft.organization, ai_summary=draft.ai_summary, github_stars=draft.github_stars,
            comments=draft.comments, submitted_by=draft.submitted_by, sources=(draft.digest,),
        )
        self._index(paper, parts.body_keys)
        return paper.slug

    def _feature_again(self, paper: Paper, draft: DraftPaper) -> None:
        """Only ever adds: the day, the source, and, from a digest new to the paper, metadata the
        paper does not have yet. A digest already among its sources gave what it had when it was
        first read: a field missing now was removed by a curator, and stays removed."""
        featured = tuple(sorted(set(paper.featured) | {draft.featured}))
        if draft.digest in paper.sources:
            self._set(replace(paper, featured=featured))
            if missing := missing_metadata(paper, draft):
                self.lacking.setdefault(paper.slug, set()).update(missing)
            return
        self._set(replace(with_missing_metadata(paper, draft), featured=featured,
                          sources=tuple(sorted({*paper.sources, draft.digest}))))
        if draft.arxiv_id and not paper.arxiv_id:
            self.by_key.setdefault(arxiv_key(draft.arxiv_id), paper.slug)

    def _set(self, paper: Paper) -> None:
        self.papers[paper.slug] = paper
        self.touched.add(paper.slug)

    def free_slug(self, base: str) -> str:
        slug, number = base, 2
        while slug in self.papers:
            suffix = f"-{number}"
            slug = cut_at_word(base, MAX_SLUG - len(suffix)) + suffix
            number += 1
        return slug

    def write(self, project: Project, read_stamps: Mapping[str, Stamp]) -> tuple[IngestReport, Written]:
        """All changed paper files and the ledger, or none of them (see write_all_or_nothing).
        read_stamps: the paper files' stamps by file name, taken before they were read."""
        report = IngestReport()
        changed: list[str] = []
        for slug in sorted(self.touched):  # every other paper is as it was read
            before = self.original.get(slug)
            if before is not None and before == self.papers[slug]:
                continue
            changed.append(slug)
            report.created += before is None
            report.updated += before is not None
        report.unchanged = len(self.papers) - report.created - report.updated
        papers_dir = project.papers  # a property that joins paths: once, not per paper
        report.written = [papers_dir / f"{slug}.md" for slug in changed]
        expected = {path: read_stamps.get(path.name) for path in report.written}
        with contextlib.closing(self._encoded(changed)) as texts:  # made as they are written
            ledger = self.ledger.text()
            if _read_or_none(project.ingest_ledger) == ledger:
                return report, write_all_or_nothing(report.written, texts, expected)
            # The ledger last: renamed after every paper it lists.
            files = [*report.written, project.ingest_ledger]
            return report, write_all_or_nothing(files, itertools.chain(texts, [ledger.encode("utf-8")]), expected)

    def unsorted(self, written: list[Path]) -> list[Path]:
        """Those of the written paper files that this ingest created in the fallback topic alone."""
        return [path for path in written if path.stem not in self.original
                and only_in_fallback(self.papers[path.stem].topics, self.matcher.fallback)]

    def _encoded(self, slugs: list[str]) -> workers.Results[bytes]:
        """The papers' files in UTF-8, in order: formatted by the workers for many papers."""
        return workers.map_in_order(self._file_bytes, slugs, FORMAT_CHUNK)

    def _file_bytes(self, slug: str) -> bytes:
        return format_paper_file(fields_from_paper(self.papers[slug]), self.bodies[slug]).encode("utf-8")


def _prepare_range(drafts: list[DraftPaper], matcher: TopicMatcher, known_keys: Container[str],
                   start: int, stop: int) -> list[Prepared]:
    return [prepare(draft, matcher, known_keys) for draft in drafts[start:stop]]


def write_all_or_nothing(files: list[Path], texts: Iterable[bytes], expected: dict[Path, Stamp | None],
                         command: str = "ingest") -> Written:
    """Every file (with the text of the same place in `texts`) to a temporary name first; then,
    if none of the targets changed since the command read them (a curator saving a paper
    meanwhile), all renamed into place, in the given order. Otherwise, or when the disk fills up,
    the temporary files go and content/ stays exactly as it was."""
    temporaries: dict[Path, Path] = {}
    written = Written()
    sync_each = len(files) <= SYNC_EACH_UP_TO
    for folder in {path.parent for path in files}:
        folder.mkdir(parents=True, exist_ok=True)
    try:
        # Written here, as each text comes: for many files the workers make the texts, and
        # the writer thread this replaced saved nothing measurable when formatting here (all
        # 9,877 or 80,000 papers, either way: within the noise of file creation).
        for path, data in zip(files, texts, strict=True):
            temporaries[path], stamp = write_temporary_quickly(path, data, sync=sync_each)
            written.add(path, stamp, data)
        changed = [path for path, stamp in expected.items() if file_stamp(path) != stamp]
        if changed:
            raise BuildFailed([SourceError(display_path(path), 0, f"changed while {command} ran, so {command} wrote nothing",
                                           "run the command again; your change is kept") for path in changed])
        # Durable before visible: without it a power cut soon after could leave a renamed file
        # empty (ext4 writes data back later than the rename). An fsync is a journal commit per
        # file, so a large batch gets one os.sync() instead (it flushes everyone's pending writes:
        # 0.2-0.8 s on this machine after 80,000 files, while other work was writing too).
        if not sync_each:
            os.sync()
        for path in files:
            os.replace(temporaries[path], path)
            del temporaries[path]
    finally:
        for temporary in temporaries.values():
            temporary.unlink(missing_ok=True)
    return written


def with_missing_metadata(paper: Paper, draft: DraftPaper) -> Paper:
    """The paper with each piece of a digest's metadata it lacks taken from the draft: a value it
    has, a curator's or an earlier digest's, stays."""
    names = missing_metadata(paper, draft)
    return replace(paper, **{name: getattr(draft, name) for name in names}) if names else paper


def notice_lines(report: IngestReport) -> list[str]:
    """The notices the commands that ingest print: papers lacking metadata, new papers left unsorted."""
    lacking = lacking_metadata_notice(report)
    return ([f"notice: {lacking}"] if lacking else []) + [f"notice: {line}" for line in capped_notice_lines(report.notices)]


def unsorted_notices(paths: list[Path], fallback: str) -> list[SourceError]:
    """check's fallback notice for each of these new paper files, at its `topics:` line: each file is
    read back for it (a day's few; ~0.1 ms a file)."""
    files = (paper_file_now(path) for path in paths)
    return [fallback_notice(file.paper.path, file.key_lines.get("topics", 1), fallback) for file in files if file]


def lacking_metadata_notice(report: IngestReport) -> str | None:
    """One line on the papers that lack metadata their own digests hold, for the commands that ingest
    to print: the first ingest after an upgrade of its code reads every digest again and finds them
    (once: it writes the ingest record anew), and only `digest backfill`, run on purpose, fills them."""
    if not report.lacking:
        return None
    papers = len(report.lacking)
    fields = Counter(name for names in report.lacking.values() for name in names)
    examples = ", ".join(display_path(path) for path in list(report.lacking)[:2]) + (", …" if papers > 2 else "")
    one = papers == 1
    return (f"{papers:,} {'paper' if one else 'papers'} ({examples}) {'lacks' if one else 'lack'} metadata "
            f"{'a digest it came from holds' if one else 'digests they came from hold'}: "
            f"{', '.join(f'{name} ({count:,})' for name, count in sorted(fields.items()))}. An older ingest did not "
            "read it, or a curator removed it; `digest backfill` fills it in (review `git diff content/papers` "
            "before committing)")


def missing_metadata(paper: Paper, draft: DraftPaper) -> list[str]:
    """The fields of a digest's metadata the draft holds and the paper lacks."""
    return [name for name in METADATA_FIELDS
            if _lacks(getattr(paper, name)) and not _lacks(getattr(draft, name))]


# What a digest may say of a paper besides its title, abstract, day and rank; a paper and a draft
# hold the same empty value when they lack one ("", (), or None for a count, where 0 is a value).
METADATA_FIELDS = ("arxiv_id", "authors", "links", "published", "upvotes", "organization", "ai_summary",
                   "github_stars", "comments", "submitted_by")


def _lacks(value: object) -> bool:
    return value is None or value == "" or value == ()


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
