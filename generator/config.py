"""The site config (content/site.yaml): typed, frozen, defaults in one place.

Every key is declared once in SiteConfig with its type, default and a docstring.
Unknown keys and values of the wrong type are errors that name the file and line;
all of them are reported together.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.content.addresses import web_address
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

    day_page_size: int = 100
    """Papers per day page, in the day's ranking; a longer day (an arXiv listing's) continues on
    /dates/<day>/page/2/ and on. Hugging Face's Daily Papers feature at most ~50 a day."""

    feed_size: int = 50
    """Latest papers in the site feed (/feed.xml) and in each topic feed."""

    home_days: int = 14
    """Recent days listed on the home page (the full archive is at /dates/)."""

    top_papers: int = 50
    """Papers on each week's and month's top list (/weeks/2025-W34/, /months/2025-08/)."""

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
    values, errors = _read_mapping(document, shown, project_root(path))
    return (SiteConfig(**values) if not errors else SiteConfig()), errors


def project_root(config_path: Path) -> Path:
    """The project folder of a content/site.yaml."""
    return config_path.parent.parent


def _read_mapping(document: YamlDocument, shown: str, root: Path) -> tuple[dict[str, Any], list[SourceError]]:
    values: dict[str, Any] = {}
    errors: list[SourceError] = []
    for key, value in document.data.items():
        line = document.line(key)
        if key not in FIELD_TYPES:
            errors.append(unknown_key(shown, line, key, list(FIELD_TYPES), what="site config key"))
            continue
        problem = _check_value(key, value) or _check_location(key, value, root)
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
    if key == "base_url":
        return _check_base_url(value)
    if key == "language" and not _LANGUAGE_TAG.fullmatch(value):
        hint = f"{value.replace('_', '-')!r}, " if _LANGUAGE_TAG.fullmatch(value.replace("_", "-")) else ""
        return f"'language' must be a language tag, such as {hint}'en', 'en-GB' or 'zh-Hans', not {value!r}"
    return ""


# A BCP 47 tag as browsers and screen readers read the lang attribute: a 2-3 letter language,
# then subtags of 1-8 letters or digits ("english" or "en_US" would be read as no language at all).
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")


# Any whitespace or control character: base_url is written into robots.txt, feeds and headers,
# where a line break would start a line of its own.
_UNSAFE_IN_URL = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")
PROJECT_FOLDER_KEYS = ("templates_dir", "static_dir")  # folders read from the project and published


def _check_base_url(value: str) -> str:
    if _UNSAFE_IN_URL.search(value):
        return f"'base_url' must be one address without spaces or line breaks, not {value!r}"
    if not value.startswith(("http://", "https://")):
        return f"'base_url' must start with http:// or https://, not {value!r}"
    address = web_address(value)
    if address is None:
        return f"'base_url' must name a host, such as https://example.org, not {value!r}"
    # Every page's address is base_url + a path: anything after the path would come before it.
    if "?" in value or "#" in value or "\\" in value or "@" in address.netloc:
        return (f"'base_url' must be the site's address with no user, query, fragment or backslash, "
                f"such as https://example.org/digest, not {value!r}")
    return ""


def _check_location(key: str, value: Any, root: Path) -> str:
    """Folders from site.yaml must stay inside the project: their files are published."""
    if key == "theme":
        return _check_theme_name(value)
    if key not in PROJECT_FOLDER_KEYS:
        return ""
    relative = Path(value)
    # The project folder itself or a hidden one (.git, .cache) would publish what is not meant for readers.
    if relative.is_absolute() or ".." in relative.parts or not relative.parts or relative.parts[0].startswith("."):
        return f"'{key}' must be a folder inside the project, such as {getattr(SiteConfig, key)!r}, not {value!r}"
    try:
        resolved, inside = (root / relative).resolve(), root.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return f"'{key}' names a folder that cannot be resolved: {value!r}"
    if inside not in resolved.parents:
        return f"'{key}' leads outside the project through a symbolic link: {value!r} is {resolved}"
    return ""


def _check_theme_name(value: str) -> str:
    if "/" in value or "\\" in value or value in (".", "..") or value.startswith("."):
        return f"'theme' must be the name of a folder under themes/, such as 'default', not {value!r}"
    return ""
