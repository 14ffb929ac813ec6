"""`digest topics`: where the taxonomy puts the papers, and which placements a person should look at.

A pure function gathers the report from the papers and the rules; `format_report`
turns it into the lines the command prints. Papers whose topics a person set are
counted but never listed as unsure: their topics are a decision, not a guess.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from generator import workers
from generator.content.papers import load_papers
from generator.content.schema import Paper
from generator.content.taxonomy import (
    MIN_SCORE,
    Topic,
    TopicMatcher,
    fallback_slug,
    load_taxonomy,
    only_in_fallback,
)
from generator.errors import BuildFailed
from generator.project import Project

UNSURE_MARGIN = 1  # the rules' best two topics scored within this of each other


@dataclass(frozen=True)
class UnsurePaper:
    paper: Paper
    ranked: tuple[tuple[str, int], ...]  # (topic, score) the rules found, best first
    reason: str


@dataclass(frozen=True)
class TopicReport:
    counts: tuple[tuple[Topic, int], ...]  # every topic, in taxonomy order, with its number of papers
    fallback: tuple[Paper, ...]  # papers in the fallback topic
    unsure: tuple[UnsurePaper, ...]  # rule-placed papers whose placement was a close or weak call


def project_topic_report(project: Project) -> list[str]:
    """The report's lines for a project; raises BuildFailed with every problem in the taxonomy or papers."""
    topics, errors = load_taxonomy(project.taxonomy_file)
    papers, paper_errors = load_papers(project)
    if errors or paper_errors:
        raise BuildFailed(errors + paper_errors)
    return format_report(topic_report(papers, topics, TopicMatcher(topics, fallback_slug(topics))))


def topic_report(papers: list[Paper], topics: list[Topic], matcher: TopicMatcher) -> TopicReport:
    counts = {topic.slug: 0 for topic in topics}
    for paper in papers:
        for slug in paper.topics:
            counts[slug] = counts.get(slug, 0) + 1
    by_path = sorted(papers, key=lambda paper: paper.path)
    # Scoring every paper again is most of the command (8.5 s of one core at 80,000 papers): on
    # forked workers, only the verdicts travel back.
    verdicts = workers.map_in_order(partial(unsure_verdict, matcher=matcher), by_path, VERDICT_CHUNK)
    return TopicReport(
        counts=tuple((topic, counts[topic.slug]) for topic in topics),
        fallback=tuple(paper for paper in by_path if only_in_fallback(paper.topics, matcher.fallback)),
        unsure=tuple(UnsurePaper(paper, *verdict) for paper, verdict in zip(by_path, verdicts) if verdict is not None),
    )


VERDICT_CHUNK = 2000  # papers per task of the workers: ~0.2 s of scoring


def unsure_verdict(paper: Paper, matcher: TopicMatcher) -> tuple[tuple[tuple[str, int], ...], str] | None:
    """The rules' scores for a paper, best first, and why their choice is a close or weak call;
    None when it is not (or a person chose)."""
    if not paper.topics_by_rules:
        return None
    scores = matcher.scores(paper.title, paper.abstract)
    ranked = tuple(sorted(scores.items(), key=lambda item: (-item[1], matcher.order[item[0]])))
    if ranked and ranked[0][1] < MIN_SCORE:
        return ranked, "placed by a single word"
    if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < UNSURE_MARGIN + 1:
        return ranked, "the best two topics scored within 1"
    return None


def format_report(report: TopicReport) -> list[str]:
    lines = ["Papers per topic:"]
    lines += [f"  {count:6}  {topic.slug}" for topic, count in report.counts]
    lines.append(f"In the fallback topic ({len(report.fallback)}): give each a topic by hand")
    lines += [f"  {paper.path}: {paper.title}" for paper in report.fallback]
    lines.append(f"Unsure ({len(report.unsure)}): check the first topic")
    for found in report.unsure:
        scores = ", ".join(f"{slug} {score}" for slug, score in found.ranked[:3])
        lines.append(f"  {found.paper.path}: {found.reason} ({scores}): {found.paper.title}")
    return lines
