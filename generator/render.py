"""The theme: Jinja templates and static files, project overrides first; pages -> bytes.

A template or static file in the project (`templates/`, `static/`, or the folders
named in site.yaml) wins over the theme's file of the same name. CSS and JS get
a content hash in their file name so they can be cached forever.
"""
from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import re
import traceback
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath

import jinja2

from generator import site as urls
from generator.config import SiteConfig
from generator.errors import BuildFailed, SourceError, display_path
from generator.markdown import plain_text, render_markdown
from generator.model import Topic

THEMES_DIR = Path(__file__).resolve().parent.parent / "themes"
FINGERPRINTED = (".css", ".js")
# Other code and docs refer to these by name; lunr's name already carries its version.
STABLE_NAMES = ("lunr-*.js", "search.js")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
PAGE_TEMPLATES = ("home.html", "paper.html", "topic.html", "topics.html", "day.html", "dates.html",
                  "search.html", "404.html")


# One paragraph of lines that start with a letter and hold no character Markdown acts on
# (no escapes, emphasis, code, links, entities, raw-HTML brackets, tabs or other control
# characters) and no whitespace at either end: most abstracts. Such text can start no
# block other than a paragraph, so its HTML is the escaped text in <p>, exactly as
# markdown-it renders it, at a fraction of the cost.
PLAIN_LINE = r"[^\W\d_][^`*_\[\]<>!&~\\\x00-\x1f\x7f]*(?<!\s)"
PLAIN_PARAGRAPH = re.compile(rf"{PLAIN_LINE}(?:\n{PLAIN_LINE})*")


@lru_cache(maxsize=None)
def abstract_html(markdown_text: str) -> str:
    """A paper body as safe HTML; cached because feeds show the same papers again."""
    if PLAIN_PARAGRAPH.fullmatch(markdown_text):
        return f"<p>{markdown_text.replace(chr(34), '&quot;')}</p>\n"
    return render_markdown(markdown_text)


def long_date(day: dt.date) -> str:
    """'August 18, 2025': the same in every locale, so builds do not depend on the machine."""
    return f"{month_name(day.month)} {day.day}, {day.year}"


def month_name(month: int) -> str:
    return MONTHS[month - 1]


@dataclass(frozen=True)
class Theme:
    template_dirs: tuple[Path, ...]  # searched in order: project overrides first
    static_dirs: tuple[Path, ...]  # later folders are overridden by earlier ones


def find_theme(project_dir: Path, config: SiteConfig) -> tuple[Theme, list[SourceError]]:
    """The project's own theme folder if it has one, else the theme shipped with the generator."""
    candidates = [project_dir / "themes" / config.theme, THEMES_DIR / config.theme]
    theme_dir = next((path for path in candidates if (path / "templates").is_dir()), None)
    if theme_dir is None:
        error = SourceError(display_path(project_dir / "content" / "site.yaml"), 0,
                            f"theme '{config.theme}' not found", f"expected a folder {candidates[0]}/templates")
        return Theme((), ()), [error]
    overrides = project_dir / config.templates_dir, project_dir / config.static_dir
    return Theme(
        template_dirs=tuple(path for path in (overrides[0], theme_dir / "templates") if path.is_dir()),
        static_dirs=tuple(path for path in (overrides[1], theme_dir / "static") if path.is_dir()),
    ), []


def collect_static(theme: Theme) -> dict[str, bytes]:
    """Static files by path relative to static/, the first folder that has a name winning."""
    files: dict[str, bytes] = {}
    for folder in theme.static_dirs:
        for path in sorted(folder.rglob("*")):
            name = path.relative_to(folder).as_posix()
            if path.is_file() and name not in files and not path.name.startswith("."):
                files[name] = path.read_bytes()
    return dict(sorted(files.items()))


def asset_names(static_files: dict[str, bytes]) -> dict[str, str]:
    """Static name -> site-relative output path, e.g. 'style.css' -> 'static/style.3f2a1b9c.css'."""
    names = {}
    for name, data in static_files.items():
        path = PurePosixPath(name)
        keep = path.suffix not in FINGERPRINTED or any(fnmatch.fnmatch(path.name, pattern) for pattern in STABLE_NAMES)
        digest = hashlib.sha256(data).hexdigest()[:8]
        output = name if keep else str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))
        names[name] = f"static/{output}"
    return names


def immutable_headers(assets: dict[str, str]) -> bytes:
    """A Netlify `_headers` file that marks exactly the fingerprinted files as cacheable forever.

    Listing the files by name (rather than a wildcard in netlify.toml) keeps files whose
    name does not change with their content, such as search.js, out of the rule.
    """
    lines = []
    for name, output in sorted(assets.items()):
        if output != f"static/{name}":
            lines += [f"/{output}", "  Cache-Control: public, max-age=31536000, immutable"]
    return ("\n".join(lines) + "\n").encode() if lines else b""


class Renderer:
    """One Jinja environment for the whole build; renders Pages to bytes."""

    def __init__(self, theme: Theme, config: SiteConfig, assets: dict[str, str], topics: list[Topic]):
        self.theme = theme
        self.topic_names = {topic.slug: topic.name for topic in topics}
        self.assets = assets
        self.environment = jinja2.Environment(
            loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(folder) for folder in theme.template_dirs]),
            autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
            auto_reload=False, keep_trailing_newline=True,
        )
        self.environment.globals.update(
            config=config, asset=self.asset_url, abstract_html=abstract_html, abstract_text=plain_text, paper_url=urls.paper_url,
            topic_url=urls.topic_url, topic_feed_url=urls.topic_feed_url, day_url=urls.day_url,
            home_url=urls.HOME_URL, topics_url=urls.TOPICS_URL, archive_url=urls.ARCHIVE_URL,
            topic_name=self.topic_names.__getitem__, search_url=urls.SEARCH_URL, feed_url=urls.FEED_URL, long_date=long_date, month_name=month_name,
        )

    def asset_url(self, name: str) -> str:
        if name not in self.assets:
            raise LookupError(f"no static file '{name}' in the theme or the project")
        return "/" + self.assets[name]

    def check_templates(self) -> list[SourceError]:
        """Compile every page template now, so syntax errors stop the build before it writes."""
        errors = []
        for name in PAGE_TEMPLATES:
            try:
                self.environment.get_template(name)
            except jinja2.TemplateSyntaxError as error:
                errors.append(SourceError(display_path(error.filename or name), error.lineno, error.message or ""))
            except jinja2.TemplateNotFound as error:
                errors.append(SourceError(name, 0, f"template '{error.name}' not found",
                                          f"looked in {', '.join(map(str, self.theme.template_dirs))}"))
        return errors

    def render(self, template: str, context: dict, page_path: str) -> str:
        try:
            return self.environment.get_template(template).render(context)
        except jinja2.TemplateSyntaxError as error:
            raise BuildFailed([SourceError(display_path(error.filename or template), error.lineno,
                                           error.message or "")]) from error
        except Exception as error:
            path, line = self._template_frame(error, template)
            raise BuildFailed([SourceError(path, line, f"cannot render {page_path}: {error}")]) from error

    def _template_frame(self, error: Exception, template: str) -> tuple[str, int]:
        """The innermost template file and line in the traceback (Jinja maps frames to templates)."""
        folders = [str(folder) for folder in self.theme.template_dirs]
        folders += [str(folder.resolve()) for folder in self.theme.template_dirs]
        for frame in reversed(traceback.extract_tb(error.__traceback__)):
            if any(frame.filename.startswith(folder) for folder in folders):
                return display_path(frame.filename), frame.lineno or 0
        return template, 0
