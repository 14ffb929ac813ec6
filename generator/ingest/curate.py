"""Curator commands: scaffold a paper by hand (`digest new`), re-apply topic rules (`digest retopic`),
fill papers' missing metadata from their digests (`digest backfill`)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from functools import partial
from pathlib import Path

from generator import workers
from generator.cache import Stamp
from generator.content.identity import identity_keys
from generator.content.papers import (
    PaperFile,
    fields_from_paper,
    format_paper_file,
    load_paper_files,
    paper_listing,
    write_atomic,
)
from generator.content.schema import Paper
from generator.content.taxonomy import TopicMatcher, fallback_slug, load_taxonomy
from generator.errors import BuildFailed, SourceError
from generator.ingest.catalog import (
    Catalog,
    digest_paths,
    read_digests,
    slugify,
    with_missing_metadata,
    write_all_or_nothing,
)
from generator.ingest.draft import DraftPaper
from generator.project import Project


def _matcher(project: Project) -> TopicMatcher:
    topics, errors = load_taxonomy(project.taxonomy_file)
    if errors:
        raise BuildFailed(errors)
    return TopicMatcher(topics, fallback_slug(topics))


def new_paper(project: Project, title: str, featured: dt.date) -> Path:
    """Write content/papers/<slug>.md for a paper added by hand; refuse a paper that exists."""
    matcher = _matcher(project)
    files, errors = load_paper_files(project)
    if errors:
        raise BuildFailed(errors)
    catalog = Catalog(files, matcher)
    keys = identity_keys(title, "")  # none for a title of only punctuation or emoji, as in ingest
    if keys and keys[0] in catalog.by_key:
        existing = catalog.papers[catalog.by_key[keys[0]]]
        raise BuildFailed([SourceError(existing.path, 1, f"a paper titled '{title}' exists already",
                                       "edit that file instead")])
    slug = catalog.free_slug(slugify(title))
    topics = matcher.assign(title, "")
    paper = Paper(slug=slug, title=title, body="", featured=(featured,), topics=topics, rule_topics=topics)
    path = project.papers / f"{slug}.md"
    write_atomic(path, format_paper_file(fields_from_paper(paper), ""))
    return path


def retopic(project: Project) -> list[Path]:
    """Re-apply the taxonomy to papers whose topics are still the rules' choice; returns files
    changed, all written or none (write_all_or_nothing: a paper saved meanwhile is kept)."""
    matcher = _matcher(project)
    listing, _ = paper_listing(project)  # its errors come again with the load
    stamps = dict(listing)  # taken before the files are read, to tell a save made meanwhile
    files, errors = load_paper_files(project, stamps)
    if errors:
        raise BuildFailed(errors)
    ruled = [file for file in files if file.paper.topics_by_rules]
    # Scoring the papers is most of the command (4.7 s of one core at 80,000 papers): on the workers.
    assigned = workers.map_in_order(partial(_rule_topics, matcher=matcher), ruled, ASSIGN_CHUNK)
    changed = [replace(file.paper, topics=topics, rule_topics=topics)
               for file, topics in zip(ruled, assigned) if topics != file.paper.topics]
    return _write_papers(project, changed, stamps, "retopic")


def _write_papers(project: Project, papers: list[Paper], stamps: Mapping[str, Stamp], command: str) -> list[Path]:
    """The papers' files written, all or none, unless one was saved since its stamp was taken
    (write_all_or_nothing: the curator's save is kept); their paths."""
    paths = [project.papers / f"{paper.slug}.md" for paper in papers]
    texts = (format_paper_file(fields_from_paper(paper), paper.body).encode("utf-8") for paper in papers)
    write_all_or_nothing(paths, texts, {path: stamps.get(path.name) for path in paths}, command=command)
    return paths


ASSIGN_CHUNK = 2000  # papers per task of the workers: ~0.1 s of scoring


def _rule_topics(file: PaperFile, matcher: TopicMatcher) -> tuple[str, ...]:
    """A person chose no topic for the paper: the topics the rules give it now."""
    return matcher.assign(file.paper.title, file.paper.abstract)


def backfill(project: Project) -> list[Path]:
    """Each paper's missing metadata filled from the digests among its sources: what a newer ingest
    reads of a digest and the one that read it did not (comments and submitters came later than
    the rest). Ingest itself never does: a field missing from a paper whose digest was read is a
    curator's deletion, which this command, run on purpose, brings back too. A value a paper has
    stays, and no paper, day, place or source is added. The files changed, all written or none."""
    listing, _ = paper_listing(project)
    stamps = dict(listing)  # taken before the files are read, to tell a save made meanwhile
    files, errors = load_paper_files(project, stamps)
    drafts, digest_errors = read_digests(digest_paths(project))
    if errors or digest_errors:
        raise BuildFailed(errors + digest_errors)
    return _write_papers(project, _filled_from_own_digests(files, drafts), stamps, "backfill")


def _filled_from_own_digests(files: list[PaperFile], drafts: list[DraftPaper]) -> list[Paper]:
    """The papers that lack metadata a digest among their sources holds, with it filled in."""
    by_key: dict[str, Paper] = {}
    for paper_file in files:
        for key in paper_file.keys:
            by_key.setdefault(key, paper_file.paper)
    filled: dict[str, Paper] = {}
    for draft in drafts:  # matched by arXiv id, title or abstract, as ingest matches them
        found = next((by_key[key] for key in identity_keys(draft.title, draft.abstract, draft.arxiv_id)
                      if key in by_key), None)
        if found is not None and draft.digest in found.sources:
            filled[found.slug] = with_missing_metadata(filled.get(found.slug, found), draft)
    original = {paper_file.paper.slug: paper_file.paper for paper_file in files}
    return [paper for paper in filled.values() if paper != original[paper.slug]]
