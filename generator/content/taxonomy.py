"""The taxonomy (content/topics.yaml) and rule-based topic assignment.

Each topic lists phrases. A phrase found in the title scores TITLE_SCORE, one
found in the abstract scores 1 (each distinct phrase once). A paper gets the
MAX_TOPICS best topics scoring at least MIN_SCORE, else the fallback topic.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.content.frontmatter import SLUG
from generator.errors import SourceError, display_path

TITLE_SCORE = 3
MIN_SCORE = 2
MAX_TOPICS = 3
TOPIC_KEYS = {"slug", "name", "description", "keywords", "title_keywords"}
FILE_KEYS = {"fallback", "topics"}



@dataclass(frozen=True)
class Topic:
    slug: str
    name: str
    description: str
    keywords: tuple[str, ...] = ()  # phrases matched in title and abstract
    title_keywords: tuple[str, ...] = ()  # phrases matched in the title only
    line: int = 0  # where the topic starts in topics.yaml


def load_taxonomy(path: Path) -> tuple[list[Topic], list[SourceError]]:
    """The topics in file order, the fallback topic last; or every problem found."""
    shown = display_path(path)
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except FileNotFoundError:
        return [], [SourceError(shown, 0, "the taxonomy file is missing", "create it; see README, 'Topics'")]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        return [], [SourceError(shown, (mark.line + 1) if mark else 1, f"not valid YAML: {error.problem}",
                                "indent with spaces, not tabs")]
    except UnicodeDecodeError:
        return [], [SourceError(shown, 1, "not UTF-8 text", "save the file as UTF-8")]
    return _topics_from_node(node, shown)


def _topics_from_node(node: Any, shown: str) -> tuple[list[Topic], list[SourceError]]:
    data = yaml.SafeLoader("").construct_document(node) if node is not None else None
    if not isinstance(data, dict) or not isinstance(data.get("topics"), list):
        return [], [SourceError(shown, 1, "expected 'fallback:' and a 'topics:' list", "see README, 'Topics'")]
    errors = [SourceError(shown, 1, f"unknown key '{key}'", "known keys: fallback, topics")
              for key in data if key not in FILE_KEYS]
    topic_nodes = next(value for key, value in node.value if key.value == "topics").value
    topics: list[Topic] = []
    for entry, entry_node in zip(data["topics"], topic_nodes):
        line = entry_node.start_mark.line + 1
        topic, problem = _topic(entry, line)
        if problem:
            errors.append(SourceError(shown, line, problem, "see README, 'Topics'"))
        elif topic.slug in {known.slug for known in topics}:
            errors.append(SourceError(shown, line, f"topic '{topic.slug}' is defined twice", "keep one"))
        else:
            topics.append(topic)
    fallback = data.get("fallback")
    if fallback not in {topic.slug for topic in topics}:
        errors.append(SourceError(shown, 1, f"fallback topic '{fallback}' is not one of the topics",
                                  "set 'fallback:' to the slug of a topic defined below"))
    topics.sort(key=lambda topic: topic.slug == fallback)  # stable: file order, fallback last
    return topics, errors


def _topic(entry: Any, line: int) -> tuple[Topic | None, str]:
    if not isinstance(entry, dict):
        return None, "each topic is a mapping with slug, name, description, keywords"
    unknown = set(entry) - TOPIC_KEYS
    if unknown:
        return None, f"unknown key(s) {', '.join(sorted(map(str, unknown)))} in topic"
    if not isinstance(entry.get("slug"), str) or not SLUG.match(entry["slug"]):
        return None, "topic slug must be lowercase ASCII words joined by '-'"
    if not isinstance(entry.get("name"), str) or not isinstance(entry.get("description", ""), str):
        return None, f"topic '{entry['slug']}' needs a name and a description (text)"
    phrases = [entry.get("keywords") or [], entry.get("title_keywords") or []]
    if not all(isinstance(group, list) and all(isinstance(p, str) and p.strip() for p in group) for group in phrases):
        return None, f"topic '{entry['slug']}': keywords must be lists of phrases"
    return Topic(entry["slug"], entry["name"], entry.get("description", ""),
                 tuple(p.lower() for p in phrases[0]), tuple(p.lower() for p in phrases[1]), line=line), ""


class TopicMatcher:
    """Scores text against every topic's phrases.

    One big alternation regex costs ~0.4 ms per abstract; checking first which
    phrases can occur at all (all their words are in the text) and running
    only those phrases' patterns is several times faster on the corpus.
    """

    def __init__(self, topics: list[Topic], fallback: str):
        self.fallback = fallback
        self.order = {topic.slug: index for index, topic in enumerate(topics)}
        self.title_phrases = _phrases(topics, title_only=True)
        self.text_phrases = _phrases(topics, title_only=False)

    def assign(self, title: str, abstract: str) -> tuple[str, ...]:
        scores = {topic: TITLE_SCORE for topic in _hits(self.title_phrases, title.lower())}
        for topic, phrases in _hits(self.text_phrases, abstract.lower()).items():
            scores[topic] = scores.get(topic, 0) + phrases
        ranked = sorted((topic for topic, score in scores.items() if score >= MIN_SCORE),
                        key=lambda topic: (-scores[topic], self.order[topic]))
        return tuple(ranked[:MAX_TOPICS]) or (self.fallback,)


WORD = re.compile(r"\w+")


class _Phrase:
    """A phrase, the words that must all occur for it to match, and its exact pattern."""

    def __init__(self, phrase: str, owners: list[str]):
        wildcard = phrase.endswith("*")
        body = phrase[:-1] if wildcard else phrase
        words = WORD.findall(body)
        self.required = frozenset(words[:-1] if wildcard else words)
        self.owners = owners
        self.body = body
        self.wildcard = wildcard

    def occurs_in(self, text: str) -> bool:
        """Found as whole words: not inside a longer word, nor after a hyphen ("llm" in "multi-llm")."""
        start = text.find(self.body)
        while start != -1:
            end = start + len(self.body)
            before_ok = start == 0 or not (text[start - 1].isalnum() or text[start - 1] in "_-")
            after_ok = self.wildcard or end == len(text) or not (text[end].isalnum() or text[end] == "_")
            if before_ok and after_ok:
                return True
            start = text.find(self.body, start + 1)
        return False


def _phrases(topics: list[Topic], title_only: bool) -> list[_Phrase]:
    """Every phrase once, with the topics that list it; a phrase ending in '*' matches any word ending."""
    owners: dict[str, list[str]] = {}
    for topic in topics:
        for phrase in topic.keywords + topic.title_keywords if title_only else topic.keywords:
            owners.setdefault(phrase, []).append(topic.slug)
    return [_Phrase(phrase, slugs) for phrase, slugs in owners.items()]


def _hits(phrases: list[_Phrase], text: str) -> dict[str, int]:
    """Topic -> how many distinct phrases of it occur in the text."""
    words = set(WORD.findall(text))
    counts: dict[str, int] = {}
    for phrase in phrases:
        if phrase.required <= words and phrase.occurs_in(text):
            for topic in phrase.owners:
                counts[topic] = counts.get(topic, 0) + 1
    return counts


def fallback_slug(topics: list[Topic]) -> str:
    return topics[-1].slug
