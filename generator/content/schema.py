"""The data that flows between stages: typed, immutable, no I/O.

`Paper` is the one declaration of a paper file's front matter. Each front matter
attribute carries a FieldSpec: required or not, what it means, how its YAML
value is checked, read and written back, and whether papers.json exports it.
Validation, reading and writing paper files, papers.json and the README's field
table are all derived from it, so a new field is one attribute here.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

from generator.content.addresses import web_address
from generator.content.markdown import is_safe_url, unescape_markdown

LINK_KINDS = ("code", "project page", "dataset", "model", "demo", "paper", "other")
# \Z, not $: "$" also matches before a final newline, which would let "slug\n" through.
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
ARXIV_CATEGORY = re.compile(r"[a-z-]+(?:\.[A-Za-z-]+)?\Z")
ARXIV_ID = re.compile(r"(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?\Z")
# Front matter values end up in XML, HTTP headers and file paths, so each is one line of
# printable text: no C0 control (tab included), DEL, C1 control, line or paragraph separator,
# the noncharacters U+FFFE/U+FFFF, or lone surrogate (which cannot even be written as UTF-8).
NOT_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff\ud800-\udfff]")
SPEC = "front_matter"  # the dataclass metadata key holding a field's FieldSpec, or None


@dataclass(frozen=True)
class Link:
    url: str  # http or https only; checked where links are read
    kind: str  # one of LINK_KINDS


@dataclass(frozen=True)
class FieldKind:
    """How one kind of front matter value is checked, read from YAML and written back to YAML."""

    check: Callable[[Any], str | None]  # what is wrong with a value as loaded from YAML, or None
    read: Callable[[Any], Any]  # a checked YAML value -> the Paper attribute
    write: Callable[[Any], Any]  # the Paper attribute -> the YAML value


@dataclass(frozen=True)
class FieldSpec:
    """One front matter field: the metadata of a Paper attribute."""

    kind: FieldKind
    description: str  # one line, for the README's field table and error hints
    required: bool = False
    exported: bool = True  # part of each paper's record in papers.json


@dataclass(frozen=True)
class SchemaField:
    """A front matter field as declared on a Paper class: its key, spec and default."""

    name: str
    spec: FieldSpec
    default: Any  # MISSING for a required field

    def is_written(self, value: Any) -> bool:
        """Required fields always; optional ones only when they hold more than their default."""
        return self.spec.required or value != self.default


def front_matter(kind: FieldKind, description: str, *, required: bool = False, exported: bool = True,
                 default: Any = MISSING) -> Any:
    """A Paper attribute that is a front matter field."""
    spec = FieldSpec(kind, description, required, exported)
    return field(default=default, metadata={SPEC: spec})


def not_front_matter(default: Any = MISSING) -> Any:
    """A Paper attribute that exists only in memory (the body, where the file is)."""
    return field(default=default, metadata={SPEC: None})


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "must be non-empty text"


def _slug(value: Any) -> str | None:
    if not isinstance(value, str) or not SLUG.fullmatch(value):
        return "must be lowercase ASCII words joined by '-'"
    return None


def _text_list(value: Any) -> str | None:
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        return "must be a list of text values, e.g. [a, b]"
    return None


def _topics(value: Any) -> str | None:
    return _text_list(value) or (None if value else "must name at least one topic")


def is_count(value: Any) -> bool:
    """A whole number, 0 or more (YAML's true is no number)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _count(value: Any) -> str | None:
    return None if is_count(value) else "must be a whole number, 0 or more"


def _dates(value: Any) -> str | None:
    if not isinstance(value, list) or not value:
        return "must be a non-empty list of dates, e.g. [2025-08-18]"
    for item in value:
        if not isinstance(item, dt.date) or isinstance(item, dt.datetime):
            return f"has '{item}', which is not a real date in the form YYYY-MM-DD"
    return None


def _links(value: Any) -> str | None:
    if not isinstance(value, list):
        return "must be a list of {url, kind} entries"
    for link in value:
        if not isinstance(link, dict) or not isinstance(link.get("url"), str) or set(link) - {"url", "kind"}:
            return f"has an entry that is not {{url, kind}}: {link!r}"
        if not link["url"].lower().startswith(("http://", "https://")) or not is_safe_url(link["url"]):
            return f"has '{link['url']}': only http and https links are published"
        if web_address(link["url"]) is None:
            return f"has '{link['url']}', which is not a web address with a valid host"
        if link.get("kind", "other") not in LINK_KINDS:
            return f"has kind '{link.get('kind')}'"
    return None


def _arxiv(value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be quoted text (unquoted, YAML reads 2508.01234 as a number and may drop a zero)"
    return None if ARXIV_ID.fullmatch(value) else f"'{value}' is not an arXiv identifier"


def _ranks(value: Any) -> str | None:
    if not isinstance(value, dict):
        return "must be a mapping of featured dates to places, e.g. {2025-08-18: 3}"
    for day, place in value.items():
        if _iso_date(day) is None:
            return f"has '{day}', which is not a real date in the form YYYY-MM-DD"
        if not isinstance(place, int) or isinstance(place, bool) or place < 1:
            return f"has '{place}' for {day}: a place is a whole number from 1"
    return None


def _iso_date(text: Any) -> dt.date | None:
    """A mapping key written as a date (YAML keeps keys as the text written)."""
    if isinstance(text, dt.date) and not isinstance(text, dt.datetime):
        return text
    try:
        return dt.date.fromisoformat(text) if isinstance(text, str) and len(text) == 10 else None
    except ValueError:
        return None


def _date(value: Any) -> str | None:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        return f"'{value}' is not a real date in the form YYYY-MM-DD"
    return None


def _category(value: Any) -> str | None:
    if not isinstance(value, str) or not ARXIV_CATEGORY.fullmatch(value):
        return f"{value!r} is not an arXiv category such as cs.CL"
    return None


def _same(value: Any) -> Any:
    return value


def _sorted_dates(dates: list[dt.date]) -> tuple[dt.date, ...]:
    return tuple(sorted(set(dates)))


def _read_ranks(ranks: dict[str, int]) -> tuple[tuple[dt.date, int], ...]:
    return tuple(sorted((_iso_date(day) or dt.date.min, place) for day, place in ranks.items()))


def _write_ranks(ranks: tuple[tuple[dt.date, int], ...]) -> dict[dt.date, int]:
    return dict(ranks)


def _read_links(links: list[dict[str, str]]) -> tuple[Link, ...]:
    return tuple(Link(link["url"], link.get("kind", "other")) for link in links)


def _write_links(links: tuple[Link, ...]) -> list[dict[str, str]]:
    return [{"url": link.url, "kind": link.kind} for link in links]


TEXT = FieldKind(_text, str.strip, _same)
SLUG_TEXT = FieldKind(_slug, _same, _same)
ARXIV_TEXT = FieldKind(_arxiv, _same, _same)
TEXT_LIST = FieldKind(_text_list, tuple, list)
TOPIC_LIST = FieldKind(_topics, tuple, list)
DATES = FieldKind(_dates, _sorted_dates, list)
LINKS = FieldKind(_links, _read_links, _write_links)
RANKS = FieldKind(_ranks, _read_ranks, _write_ranks)
DATE = FieldKind(_date, _same, _same)
CATEGORY = FieldKind(_category, _same, _same)
COUNT = FieldKind(_count, _same, _same)
_KINDS_TEXT = ", ".join(f"`{kind}`" for kind in LINK_KINDS[:-1]) + f" or `{LINK_KINDS[-1]}`"


@dataclass(frozen=True)
class Paper:
    """One paper as stored in content/papers/<slug>.md; front matter fields in the order files list them.

    That order puts the title first, so build Papers with keywords, not positions.
    """

    title: str = front_matter(TEXT, "the paper's title, plain text", required=True)
    slug: str = front_matter(
        SLUG_TEXT, "the file name without `.md`; the page is `/papers/<first character>/<slug>/` "
        "(`/papers/s/sparse-routing/`). ASCII (other scripts "
        "transliterated: μ becomes m), lowercase, at most 60 "
        "characters cut at a word, unique (a collision gets `-2`, `-3`…). It never changes once written, "
        "even when the title is corrected", required=True)
    # The abstract as the file's Markdown body (ingest escapes digest text so it reads literally).
    body: str = not_front_matter()
    featured: tuple[dt.date, ...] = front_matter(  # sorted, oldest first
        DATES, "list of dates (`YYYY-MM-DD`) the paper was featured", required=True)
    topics: tuple[str, ...] = front_matter(
        TOPIC_LIST, "list of topic slugs from `content/topics.yaml`, best first", required=True)
    rule_topics: tuple[str, ...] | None = front_matter(  # None: no rule chose them, a person did
        TEXT_LIST, "what the taxonomy rules chose. While `topics` equals it, `digest retopic` may update both; "
        "once a person changes `topics`, the paper's topics are theirs", exported=False, default=None)
    links: tuple[Link, ...] = front_matter(
        LINKS, "`{url, kind}` entries; URLs from the abstract without trailing punctuation; kind is "
        f"{_KINDS_TEXT}. Only `http`/`https` links are accepted", default=())
    arxiv_id: str = front_matter(ARXIV_TEXT, 'quoted, e.g. `"2508.01234"`', default="")
    authors: tuple[str, ...] = front_matter(TEXT_LIST, "list of names, in the paper's order", default=())
    organization: str = front_matter(
        TEXT, "the organization Hugging Face lists the paper under, e.g. `Salesforce AI Research` (from an API "
        "digest); lists and the paper's page show it", default="")
    ai_summary: str = front_matter(
        TEXT, "Hugging Face's one-sentence summary of the paper, written by a language model (from an API "
        "digest); lists and the paper's page show it, marked as such", default="")
    ranks: tuple[tuple[dt.date, int], ...] = front_matter(  # (day, place), sorted by day
        RANKS, "the paper's place on each featured day, e.g. `{2025-08-18: 3}` (1 is the top); day pages "
        "list papers by it. Edit it to reorder a day", default=())
    upvotes: int | None = front_matter(
        COUNT, "the paper's upvotes on Hugging Face as its first API digest gave them (the day's ranking "
        "follows them); lists and the paper's page show them", default=None)
    comments: int | None = front_matter(
        COUNT, "the comments in the paper's discussion on Hugging Face as its first API digest gave them; "
        "the paper's page shows them beside the link to that discussion", default=None)
    submitted_by: str = front_matter(
        TEXT, "who submitted the paper to Hugging Face's Daily Papers, by the name Hugging Face shows, as its "
        "first API digest gave it; the paper's page shows it", default="")
    github_stars: int | None = front_matter(
        COUNT, "the stars of the paper's code on GitHub as its first API digest gave them; the paper's page "
        "shows them beside the code link", default=None)
    published: dt.date | None = front_matter(
        DATE, "the day the first version appeared on arXiv (from an API digest's `publishedAt`, or `digest enrich`)",
        default=None)
    primary_category: str = front_matter(
        CATEGORY, "the primary arXiv category, e.g. `cs.CL` (`digest enrich` fills it)", default="")
    sources: tuple[str, ...] = front_matter(
        TEXT_LIST, "the digest files the paper came from", exported=False, default=())
    path: str = not_front_matter("")  # the file it was read from, for error messages
    body_line: int = not_front_matter(0)  # line where the body starts, for error messages

    def __hash__(self) -> int:
        # Equal papers have equal slugs, so this agrees with the generated __eq__ as hashing every
        # field does, at a quarter of the cost (0.6 µs against 2.4 µs): templates look papers up in
        # memos (a row's quick links, a related-papers line) 100,000 times at 9,877 papers.
        return hash(self.slug)

    @property
    def first_featured(self) -> dt.date:
        return self.featured[0]

    @property
    def last_featured(self) -> dt.date:
        return self.featured[-1]

    @property
    def topics_by_rules(self) -> bool:
        """Whether the paper's topics are still the taxonomy rules' choice (retopic may change them),
        not a person's."""
        return self.rule_topics is not None and self.topics == self.rule_topics

    @property
    def abstract(self) -> str:
        """The body as the plain text a digest gave: Markdown's escapes removed, line breaks kept.
        What the topic rules read, in ingest, `digest retopic` and `digest topics` alike."""
        return unescape_markdown(self.body)

    def rank_on(self, day: dt.date) -> int | None:
        """The paper's place on a featured day, when its digest or a curator gave one."""
        return next((place for ranked_day, place in self.ranks if ranked_day == day), None)


_DECLARED: dict[type[Paper], tuple[SchemaField, ...]] = {}  # worked out once per class: read for every paper


def front_matter_fields(paper_type: type[Paper]) -> tuple[SchemaField, ...]:
    """The front matter fields of a Paper class, in the order files list them."""
    if paper_type not in _DECLARED:
        _DECLARED[paper_type] = _declared_fields(paper_type)
    return _DECLARED[paper_type]


def _declared_fields(paper_type: type[Paper]) -> tuple[SchemaField, ...]:
    declared = []
    for attribute in fields(paper_type):
        if SPEC not in attribute.metadata:
            raise TypeError(f"{paper_type.__name__}.{attribute.name}: declare it with front_matter() "
                            "or not_front_matter()")
        spec = attribute.metadata[SPEC]
        if spec is not None:
            declared.append(SchemaField(attribute.name, spec, attribute.default))
    return tuple(declared)


def exported_fields(paper: Paper) -> dict[str, Any]:
    """The fields papers.json publishes, as JSON values."""
    return {schema_field.name: _json_value(schema_field.spec.kind.write(getattr(paper, schema_field.name)))
            for schema_field in front_matter_fields(type(paper)) if schema_field.spec.exported}


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(_json_value(key)): _json_value(item) for key, item in value.items()}
    return value


def markdown_table(paper_type: type[Paper] = Paper) -> str:
    """The README's table of front matter fields."""
    rows = ["| field | required | meaning |", "|---|---|---|"]
    rows += [f"| `{schema_field.name}` | {'yes' if schema_field.spec.required else 'no'} | "
             f"{schema_field.spec.description} |" for schema_field in front_matter_fields(paper_type)]
    return "\n".join(rows) + "\n"
