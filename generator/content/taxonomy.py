"""The taxonomy (content/topics.yaml) and rule-based topic assignment.

Each topic lists phrases; TopicMatcher says how they score. A paper gets the
MAX_TOPICS best topics scoring at least MIN_SCORE; below that its single best
topic, then the best of its weak phrases' topics; else the fallback topic.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.content.frontmatter import SLUG
from generator.content.markdown import normalize_paragraphs
from generator.errors import SourceError, display_path, unknown_key
from generator.yamlio import YamlDocument, YamlError, YamlPath, load_yaml_file

TITLE_SCORE = 3
PHRASE_SCORE = 2  # a phrase of several words found in the abstract
MIN_SCORE = 2
MAX_TOPICS = 3
TOPIC_KEYS = {"slug", "name", "description", "keywords", "title_keywords", "weak_keywords"}
FILE_KEYS = {"fallback", "topics"}



@dataclass(frozen=True)
class Topic:
    slug: str
    name: str
    description: str
    keywords: tuple[str, ...] = ()  # phrases matched in title and abstract
    title_keywords: tuple[str, ...] = ()  # phrases matched in the title only
    weak_keywords: tuple[str, ...] = ()  # phrases that place a paper only when nothing else does
    line: int = 0  # where the topic starts in topics.yaml


def load_taxonomy(path: Path) -> tuple[list[Topic], list[SourceError]]:
    """The topics in file order, the fallback topic last; or every problem found."""
    shown = display_path(path)
    try:
        document = load_yaml_file(path)
    except FileNotFoundError:
        return [], [SourceError(shown, 0, "the taxonomy file is missing", "create it; see README, 'Topics'")]
    except YamlError as error:
        return [], [SourceError(shown, error.line, error.message, error.hint)]
    return _topics_from_document(document, shown)


def _topics_from_document(document: YamlDocument, shown: str) -> tuple[list[Topic], list[SourceError]]:
    data = document.data
    if not isinstance(data, dict) or not isinstance(data.get("topics"), list):
        return [], [SourceError(shown, document.line("topics"), "expected 'fallback:' and a 'topics:' list",
                                "see README, 'Topics'")]
    errors = [unknown_key(shown, document.line(key), key, sorted(FILE_KEYS)) for key in data if key not in FILE_KEYS]
    topics: list[Topic] = []
    slug_lines: dict[str, int] = {}
    for index, entry in enumerate(data["topics"]):
        topic, problems = _topic(entry, document, ("topics", index), shown)
        errors += problems
        if topic is None:
            continue
        line = document.line("topics", index, "slug")
        if topic.slug in slug_lines:
            errors.append(SourceError(shown, line, f"topic '{topic.slug}' is defined twice "
                                                   f"(first on line {slug_lines[topic.slug]})", "keep one"))
        else:
            slug_lines[topic.slug] = line
            topics.append(topic)
    fallback = data.get("fallback")
    if fallback not in [entry.get("slug") for entry in data["topics"] if isinstance(entry, dict)]:
        errors.append(SourceError(shown, document.line("fallback"), f"fallback topic '{fallback}' is not one of the topics",
                                  "set 'fallback:' to the slug of a topic defined below"))
    topics.sort(key=lambda topic: topic.slug == fallback)  # stable: file order, fallback last
    return (topics, []) if not errors else ([], errors)  # no partial taxonomy: papers would cascade "unknown topic"


def _topic(entry: Any, document: YamlDocument, place: YamlPath, shown: str) -> tuple[Topic | None, list[SourceError]]:
    """One entry of 'topics:'; each problem is reported at the line of the key or phrase concerned."""
    if not isinstance(entry, dict):
        return None, [SourceError(shown, document.line(*place), "each topic is a mapping with slug, name, "
                                  "description, keywords", "see README, 'Topics'")]
    errors = [unknown_key(shown, document.line(*place, key), key, sorted(TOPIC_KEYS), what="topic key")
              for key in entry if key not in TOPIC_KEYS]
    errors += [SourceError(shown, document.line(*place, *where), problem, "see README, 'Topics'")
               for where, problem in _topic_problems(entry)]
    if errors:
        return None, errors
    return Topic(entry["slug"], entry["name"], entry.get("description", ""),
                 tuple(p.lower() for p in entry.get("keywords") or []),
                 tuple(p.lower() for p in entry.get("title_keywords") or []),
                 tuple(p.lower() for p in entry.get("weak_keywords") or []), line=document.line(*place)), []


def _topic_problems(entry: dict[str, Any]) -> list[tuple[YamlPath, str]]:
    """(where in the topic, what is wrong) for each value of the wrong type."""
    problems: list[tuple[YamlPath, str]] = []
    slug = entry.get("slug")
    if not isinstance(slug, str) or not SLUG.match(slug):
        problems.append((("slug",), "topic slug must be lowercase ASCII words joined by '-'"))
    if not isinstance(entry.get("name"), str):
        problems.append((("name",), f"topic '{slug}' needs a name and a description (text)"))
    if not isinstance(entry.get("description", ""), str):
        problems.append((("description",), f"topic '{slug}' needs a name and a description (text)"))
    for key in ("keywords", "title_keywords", "weak_keywords"):
        phrases = entry.get(key) or []
        if not isinstance(phrases, list):
            problems.append(((key,), f"topic '{slug}': keywords must be lists of phrases"))
            continue
        problems += [((key, index), f"topic '{slug}': keywords must be lists of phrases")
                     for index, phrase in enumerate(phrases) if not isinstance(phrase, str) or not phrase.strip()]
        problems += [((key, index), f"topic '{slug}': {problem}") for index, phrase in enumerate(phrases)
                     if isinstance(phrase, str) and phrase.strip() and (problem := phrase_problem(phrase.lower()))]
    return problems


def phrase_problem(phrase: str) -> str:
    """What makes a phrase match something else than its writer meant, or nothing at all; "" when
    nothing does. See README, 'Topics': `words`, `word*`, `words if context|other context*`."""
    text, has_context, context = phrase.partition(CONTEXT_MARK)
    if not has_context and phrase.strip() != "if" and phrase.rstrip().endswith(" if"):
        return f"'{phrase}' ends with 'if': give the context words after it, as in 'diffusion if image|video'"
    parts = [text, *context.split("|")] if has_context else [text]
    if any(not part.strip() for part in parts):
        return f"'{phrase}' has an empty part: write words before 'if' and between each '|'"
    if any("*" in part.strip()[:-1] or part.strip() == "*" for part in parts):
        return f"'{phrase}': '*' may only end the phrase or a context word, as in 'tokeniz*'"
    return ""


class TopicMatcher:
    """Scores a paper's title and abstract against every topic's phrases.

    A phrase in the title scores TITLE_SCORE; in the abstract a phrase of several
    words ("gaussian splatting") scores PHRASE_SCORE and a single word 1, since one
    word alone is often ambiguous. A phrase written "diffusion if image|video" counts
    only where one of the words after "if" occurs too (title or abstract). A paper
    whose best topic scores below MIN_SCORE gets that topic anyway when no other
    topic scores as much, else the best of its weak_keywords topics, else the fallback.

    Each text's words are found once, and they look up the few phrases that can occur
    (see _PhraseIndex); only those phrases' patterns run.
    """

    def __init__(self, topics: list[Topic], fallback: str):
        self.fallback = fallback
        self.order = {topic.slug: index for index, topic in enumerate(topics)}
        self.title_phrases = _PhraseIndex(_phrases(topics, title_only=True))
        self.text_phrases = _PhraseIndex(_phrases(topics, title_only=False))
        self.weak_phrases = _PhraseIndex(_phrases(topics, weak=True))

    def assign(self, title: str, abstract: str) -> tuple[str, ...]:
        return tuple(topic for topic, _ in self.ranked(title, abstract)[:MAX_TOPICS]) or (self.fallback,)

    def ranked(self, title: str, abstract: str) -> list[tuple[str, int]]:
        """(topic, score) of the topics the paper gets, best first; [] means the fallback."""
        text = _Text(title, abstract)
        scores = self._scores(text)
        placed = [(topic, score) for topic, score in self._best_first(scores) if score >= MIN_SCORE]
        if placed:
            return placed
        ranked = self._best_first(scores)
        if ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):  # one word of evidence beats none,
            return ranked[:1]  # unless other topics have as much: then it decides nothing
        weak = self.weak_phrases.hits(text.both, text.both_words, text.both, text.both_words)
        return [(topic, 0) for topic, _ in self._best_first(weak)[:1]]

    def scores(self, title: str, abstract: str) -> dict[str, int]:
        """Topic -> score, for every topic with at least one phrase found."""
        return self._scores(_Text(title, abstract))

    def _scores(self, text: _Text) -> dict[str, int]:
        # Context words ("diffusion if image|video") may be in the title or the abstract.
        in_title = self.title_phrases.hits(text.title, text.title_words, text.both, text.both_words)
        scores = dict.fromkeys(in_title, TITLE_SCORE)
        in_abstract = self.text_phrases.hits(text.abstract, text.abstract_words, text.both, text.both_words)
        for topic, score in in_abstract.items():
            scores[topic] = scores.get(topic, 0) + score
        return scores

    def _best_first(self, scores: dict[str, int]) -> list[tuple[str, int]]:
        return sorted(scores.items(), key=lambda item: (-item[1], self.order[item[0]]))


WORD = re.compile(r"\w+")
CONTEXT_MARK = " if "
# The ASCII characters \w does not match, as spaces: see _words.
_ASCII_NOT_WORD = {code: " " for code in range(128) if not (chr(code).isalnum() or chr(code) == "_")}


class _Pattern:
    """Words or a phrase matched as whole words; a trailing '*' matches any word ending."""

    def __init__(self, phrase: str):
        self.wildcard = phrase.endswith("*")
        self.body = phrase[:-1] if self.wildcard else phrase
        words = WORD.findall(self.body)
        self.required = frozenset(words[:-1] if self.wildcard else words)
        self.word_count = len(self.body.split())

    def occurs_in(self, text: str, words: set[str] | frozenset[str]) -> bool:
        """Found as whole words: not inside a longer word, nor after a hyphen ("llm" in "multi-llm")."""
        if not self.required <= words:
            return False
        start = text.find(self.body)
        while start != -1:
            end = start + len(self.body)
            before_ok = start == 0 or not (text[start - 1].isalnum() or text[start - 1] in "_-")
            after_ok = self.wildcard or end == len(text) or not (text[end].isalnum() or text[end] == "_")
            if before_ok and after_ok:
                return True
            start = text.find(self.body, start + 1)
        return False


class _Phrase:
    """A phrase, the topics that list it, and the context words one of which must occur with it."""

    def __init__(self, phrase: str, owners: list[str]):
        text, _, context = phrase.partition(CONTEXT_MARK)
        self.pattern = _Pattern(text.strip())
        self.context = [_Pattern(word.strip()) for word in context.split("|") if word.strip()]
        self.owners = owners
        self.score = PHRASE_SCORE if self.pattern.word_count > 1 else 1  # in an abstract

    def matches(self, text: str, words: set[str], context: str, context_words: set[str]) -> bool:
        if not self.pattern.occurs_in(text, words):
            return False
        return not self.context or any(word.occurs_in(context, context_words) for word in self.context)


def _phrases(topics: list[Topic], title_only: bool = False, weak: bool = False) -> list[_Phrase]:
    """Every phrase once, with the topics that list it."""
    owners: dict[str, list[str]] = {}
    for topic in topics:
        if weak:
            listed = topic.weak_keywords
        else:
            listed = topic.keywords + topic.title_keywords if title_only else topic.keywords
        for phrase in listed:
            owners.setdefault(phrase, []).append(topic.slug)
    return [_Phrase(phrase, slugs) for phrase, slugs in owners.items()]


class _Text:
    """A paper's title and abstract, lowercased, with the set of words of each, found once. A phrase
    may run over a line break in the abstract (a curator's wrapped Markdown), not over a blank line."""

    def __init__(self, title: str, abstract: str):
        self.title, self.abstract = title.lower(), normalize_paragraphs(abstract).lower()
        self.both = f"{self.title}\n{self.abstract}"
        self.title_words = _words(self.title)
        self.abstract_words = _words(self.abstract)
        self.both_words = self.title_words | self.abstract_words  # no word spans the line break


def _words(text: str) -> set[str]:
    """The words WORD finds; for ASCII text (98% of abstracts) found by str.translate and split,
    about a third faster: the words of every paper are a seventh of assigning its topics."""
    if text.isascii():
        return set(text.translate(_ASCII_NOT_WORD).split())
    return set(WORD.findall(text))


class _PhraseIndex:
    """Phrases filed under one word each must contain, so a text's own words find the few that
    can occur. A phrase is filed under its longest required word (the rarest, as a rule)."""

    def __init__(self, phrases: list[_Phrase]):
        self.by_word: dict[str, list[_Phrase]] = {}
        self.always: list[_Phrase] = []  # a lone word with '*' ("tokeniz*") requires no whole word
        for phrase in phrases:
            required = sorted(phrase.pattern.required)
            if required:
                self.by_word.setdefault(max(required, key=len), []).append(phrase)
            else:
                self.always.append(phrase)

    def hits(self, text: str, words: set[str], context: str, context_words: set[str]) -> dict[str, int]:
        """Topic -> the summed scores of its distinct phrases found in the text."""
        counts: dict[str, int] = {}
        for phrase in self._candidates(words):
            # The word-set test first: it rules out most candidates at the cost of one set operation.
            if phrase.pattern.required <= words and phrase.matches(text, words, context, context_words):
                for topic in phrase.owners:
                    counts[topic] = counts.get(topic, 0) + phrase.score
        return counts

    def _candidates(self, words: set[str]) -> list[_Phrase]:
        """Each phrase at most once: it is filed under one word only."""
        found = [phrase for word in self.by_word.keys() & words for phrase in self.by_word[word]]
        return found + self.always


def fallback_slug(topics: list[Topic]) -> str:
    return topics[-1].slug


def only_in_fallback(topics: tuple[str, ...], fallback: str) -> bool:
    """Whether a paper's topics are the fallback topic alone: no rule, and no person, placed it."""
    return topics == (fallback,)


def fallback_notice(path: str, topics_line: int, fallback: str) -> SourceError:
    """The notice on a paper that is only in the fallback topic: no topic rule matched it, so readers
    find it under "Not yet sorted" alone (`digest check`, and ingest for the papers it creates)."""
    return SourceError(path, topics_line, f"only in the fallback topic '{fallback}'",
                       "set its topics by hand, or add keywords to content/topics.yaml and run `digest retopic`")


class TopicNames(dict[str, str]):
    """Topic slug -> name, knowing the fallback topic: it sorts nothing, so readers see no chip,
    category or tag of it, on pages, in feeds or in search results. Every name is still searched."""

    def __init__(self, topics: Iterable[Topic] = ()):
        ordered = list(topics)
        super().__init__((topic.slug, topic.name) for topic in ordered)
        self.fallback = fallback_slug(ordered) if ordered else ""

    def reader_slugs(self, slugs: Iterable[str]) -> tuple[str, ...]:
        """The topics of a paper a reader sees, in the paper's order."""
        return tuple(slug for slug in slugs if slug != self.fallback)

    def shown(self, slugs: Iterable[str]) -> list[list[str]]:
        """[slug, name] of each topic a reader sees, in the paper's order."""
        return [[slug, self.get(slug, slug)] for slug in self.reader_slugs(slugs)]
