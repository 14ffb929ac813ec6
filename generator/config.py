"""The site config (content/site.yaml): typed, frozen, defaults in one place.

Every key is declared once in SiteConfig with its type, default and a docstring.
Unknown keys and values of the wrong type are errors that name the file and line;
all of them are reported together.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import SourceError, display_path, unknown_key
from generator.yamlio import YamlDocument, YamlError, load_yaml_file


@dataclass(frozen=True)
class SiteConfig:
    title: str = "Paper Digest"
    """Site name: shown in the header, page titles and feeds."""

    description: str = "A curated digest of AI research papers."
    """One sentence about the site: home page, meta description and feed subtitle."""

    base_url: str = "http://localhost:8000"
    """Public address of the site (http or https, no trailing slash needed); used for
    absolute links in feeds, the sitemap, robots.txt and canonical links."""

    language: str = "en"
    """Language of the pages (the html lang attribute and the feeds' xml:lang)."""

    theme: str = "default"
    """Theme folder under themes/ whose templates/ and static/ render the site."""

    topic_page_size: int = 50
    """Papers per topic page; longer topics continue on /topics/<slug>/page/2/ and on."""

    feed_size: int = 50
    """Latest papers in the site feed (/feed.xml) and in each topic feed."""

    home_days: int = 14
    """Recent days listed on the home page (the full archive is at /dates/)."""

    templates_dir: str = "templates"
    """Project folder whose templates override the theme's, one file at a time."""

    static_dir: str = "static"
    """Project folder whose static files override or add to the theme's."""


def _field_types() -> dict[str, type]:
    # Annotations are strings under `from __future__ import annotations`.
    names = {"str": str, "int": int}
    return {field.name: names[str(field.type)] for field in dataclasses.fields(SiteConfig)}


FIELD_TYPES: dict[str, type] = _field_types()


def load_config(path: Path) -> tuple[SiteConfig, list[SourceError]]:
    """Read site.yaml; a missing file gives the defaults. Errors come with file:line."""
    if not path.exists():
        return SiteConfig(), []
    shown = display_path(path)
    try:
        document = load_yaml_file(path)
    except YamlError as error:
        return SiteConfig(), [SourceError(shown, error.line, error.message, error.hint)]
    except OSError as error:
        return SiteConfig(), [SourceError(shown, 0, f"cannot read site config: {error.strerror}")]
    if document.data is None:
        return SiteConfig(), []
    if not isinstance(document.data, dict):
        return SiteConfig(), [SourceError(shown, document.line(), "site config must be a mapping of keys to values")]
    values, errors = _read_mapping(document, shown)
    return (SiteConfig(**values) if not errors else SiteConfig()), errors


def _read_mapping(document: YamlDocument, shown: str) -> tuple[dict[str, Any], list[SourceError]]:
    values: dict[str, Any] = {}
    errors: list[SourceError] = []
    for key, value in document.data.items():
        line = document.line(key)
        if key not in FIELD_TYPES:
            errors.append(unknown_key(shown, line, key, list(FIELD_TYPES), what="site config key"))
            continue
        problem = _check_value(key, value)
        if problem:
            errors.append(SourceError(shown, line, problem))
        else:
            values[key] = value.rstrip("/") if key == "base_url" else value
    return values, errors


def _check_value(key: str, value: Any) -> str:
    """A message saying what is wrong with the value, or '' when it is fine."""
    expected = FIELD_TYPES[key]
    if expected is int:
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            return f"'{key}' must be a whole number of at least 1, not {value!r}"
        return ""
    if not isinstance(value, str) or not value.strip():
        return f"'{key}' must be a non-empty text, not {value!r}"
    if key == "base_url" and not value.startswith(("http://", "https://")):
        return f"'base_url' must start with http:// or https://, not {value!r}"
    return ""
