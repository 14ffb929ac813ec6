"""Curator commands: scaffold a paper by hand (`digest new`), re-apply topic rules (`digest retopic`)."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from generator.content.identity import identity_keys
from generator.content.markdown import unescape_markdown
from generator.content.papers import (
    fields_from_paper,
    format_paper_file,
    load_paper_files,
    write_atomic,
)
from generator.content.schema import Paper
from generator.content.taxonomy import TopicMatcher, fallback_slug, load_taxonomy
from generator.errors import BuildFailed, SourceError
from generator.ingest.catalog import Catalog, slugify
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
    key = identity_keys(title, "")[0]
    if key in catalog.by_key:
        existing = catalog.papers[catalog.by_key[key]]
        raise BuildFailed([SourceError(existing.path, 1, f"a paper titled '{title}' exists already",
                                       "edit that file instead")])
    slug = catalog.free_slug(slugify(title))
    topics = matcher.assign(title, "")
    paper = Paper(slug=slug, title=title, body="", featured=(featured,), topics=topics, rule_topics=topics)
    path = project.papers / f"{slug}.md"
    write_atomic(path, format_paper_file(fields_from_paper(paper), ""))
    return path


def retopic(project: Project) -> list[Path]:
    """Re-apply the taxonomy to papers whose topics are still the rules' choice; returns files changed."""
    matcher = _matcher(project)
    files, errors = load_paper_files(project)
    if errors:
        raise BuildFailed(errors)
    changed: list[Path] = []
    for file in files:
        paper = file.paper
        if paper.rule_topics is None or paper.topics != paper.rule_topics:
            continue  # a person chose these topics
        topics = matcher.assign(paper.title, unescape_markdown(file.body))
        if topics != paper.topics:
            path = project.papers / f"{paper.slug}.md"
            updated = replace(paper, topics=topics, rule_topics=topics)
            write_atomic(path, format_paper_file(fields_from_paper(updated), file.body))
            changed.append(path)
    return changed
