"""Pages -> text: one Jinja environment for the whole build, with the filters and URL helpers templates use."""
from __future__ import annotations

import contextlib
import datetime as dt
import re
import shutil
import traceback
from collections.abc import Callable, Hashable, Iterable, MutableMapping
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
import jinja2.compiler
import jinja2.nodes
from markupsafe import Markup, escape

from generator.build import urls
from generator.build.outputs import feed_time, feed_updated, source_links
from generator.build.quick_links import quick_links
from generator.build.site import Period
from generator.build.theme import THEMES_DIRS, Theme
from generator.cache import GENERATOR_DIR, generator_version
from generator.config import SiteConfig
from generator.content.addresses import linked_addresses
from generator.content.markdown import curly_tex_quotes, render_markdown
from generator.content.math import math_html, math_text
from generator.content.schema import Paper
from generator.content.taxonomy import Topic, TopicNames
from generator.content.tex_text import shown_text, tex_html
from generator.errors import BuildFailed, SourceError, display_path
from generator.files import is_hidden_name
from generator.words import count_of

TEMPLATE_EXTENSIONS = ("html", "xml", "txt", "json")  # the files of a theme's templates/ folder
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
# HTML escaping is valid XML escaping, so .xml templates escape like pages do; plain
# text (robots.txt) must not, or an `&` would reach crawlers as `&amp;`. Any other
# name, including templates a theme adds, escapes.
AUTOESCAPE = jinja2.select_autoescape(enabled_extensions=("html", "htm", "xml"), disabled_extensions=("txt",),
                                      default_for_string=True, default=True)
# Characters XML 1.0 forbids anywhere, even escaped: most C0 controls, lone surrogates,
# U+FFFE and U+FFFF. One of them in a title would make a whole feed unreadable.
NOT_XML_CHARACTER = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# str.translate with these took 51 µs for a feed entry's abstract, three str.replace 2 µs.
XML_TEXT_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
# Fragments `memoized` keeps per build: a related-papers line is ~400 bytes, one per paper.
MEMOIZED_FRAGMENTS = 100_000


@cache
def abstract_html(markdown_text: str) -> str:
    """A paper body as safe HTML, TeX's quotation marks and text markup as they show, its web
    addresses links; cached because feeds show the same papers again."""
    return linked_addresses(tex_html(curly_tex_quotes(render_markdown(markdown_text))))


def xml_text(value: object) -> Markup:
    """Element text for XML: forbidden characters dropped, & < > escaped, quotes kept as written."""
    text = NOT_XML_CHARACTER.sub("", str(value))
    for char, entity in XML_TEXT_ESCAPES:
        if char in text:
            text = text.replace(char, entity)
    return Markup(text)


def xml_attr(value: object) -> Markup:
    """A double-quoted XML attribute value: forbidden characters dropped, quotes escaped too."""
    return escape(NOT_XML_CHARACTER.sub("", str(value)))


def long_date(day: dt.date) -> str:
    """'August 18, 2025': the same in every locale, so builds do not depend on the machine."""
    return f"{month_name(day.month)} {day.day}, {year_name(day.year)}"


def isoformat(moment: dt.date) -> str:
    """'2025-08-18': a day (or a time) for `datetime` attributes and feeds."""
    return moment.isoformat()


def month_name(month: int) -> str:
    return MONTHS[month - 1]


def year_name(year: int) -> str:
    """'2025', and a year before 1000 with its zeros, as paper files write it ('0001'): a year
    written 1, as a typo such as `featured: [0001-01-15]` gives, reads as a day ("February 1")."""
    return f"{year:04d}"


def period_of(day: dt.date, kind: str) -> Period:
    """The week or the month a day is in, for the links to its top papers."""
    return Period.of(kind, day)


def is_template_name(name: str) -> bool:
    """A theme's template, not an editor's lock, swap or backup file beside one."""
    parts = name.split("/")
    return name.rsplit(".", 1)[-1] in TEMPLATE_EXTENSIONS and not any(is_hidden_name(part) for part in parts)


def call_macro(macro: Callable[..., Markup], *args: Hashable) -> Markup:
    """`memoized(macro, args...)` in a template: the macro's output, made once per distinct arguments.

    Right for any macro: one imported without context sees only its arguments and the globals,
    which stay as they are for the Renderer's life; any other macro is a new object on every
    page, so its entries are never found again."""
    return macro(*args)


def escape_text(value: object) -> str:
    """What `{{ … }}` writes in an autoescaped template: the text markupsafe.escape makes, as a
    plain str. A page is joined from these strings, so the Markup object escape makes of each
    was never needed, and making it took ~0.25 µs of every value written (a sixth of the time
    rendering every page of 9,877 papers took). Markup (anything with __html__) is written as it is."""
    if type(value) is str:
        return _escaped(value)
    html = getattr(value, "__html__", None)
    return html() if html is not None else _escaped(str(value))


def _escaped(text: str) -> str:
    """markupsafe's escaping, character for character; most values hold none of these."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "'" in text:
        text = text.replace("'", "&#39;")
    if '"' in text:
        text = text.replace('"', "&#34;")
    return text


class TextEscapingCodeGenerator(jinja2.compiler.CodeGenerator):
    """Compiles `{{ … }}` in autoescaped templates to escape_text(…) instead of markupsafe's escape(…).

    It also works out nothing at compile time but literal text, since the compiled code is kept
    between builds. Everything else is Jinja's own code. Should a Jinja release stop calling the methods below,
    templates escape with markupsafe again: as safe, only slower (tests/test_render.py checks both
    write the same)."""

    def visit_Template(self, node: jinja2.nodes.Template, frame: Any = None) -> None:
        self.writeline("from generator.build.render import escape_text")
        super().visit_Template(node, frame)

    def _output_child_to_const(self, node: jinja2.nodes.Expr, frame: Any, *rest: Any) -> str:
        # Only literal text is written into the code: `{{ 'style.css' | asset }}` worked out here
        # would keep one build's fingerprint in code that later builds load (ShippedThemeBytecode).
        # The environment's optimizer, which folds the same way elsewhere, is off for that reason.
        if not isinstance(node, (jinja2.nodes.TemplateData, jinja2.nodes.Const)):
            raise jinja2.nodes.Impossible()
        return super()._output_child_to_const(node, frame, *rest)

    def _output_child_pre(self, node: jinja2.nodes.Expr, frame: Any, *rest: Any) -> None:
        # *rest: Jinja 3.1's `finalize`, passed on as it comes, should a release change what follows.
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile:
            self.write("escape_text(")
        else:
            super()._output_child_pre(node, frame, *rest)


class FixedGlobalsEnvironment(jinja2.Environment):
    """An environment whose globals are all set before the first template loads.

    Jinja layers each template's globals over the environment's in a ChainMap and copies
    that into every page's context; flattening it once saves ~25 µs a page (a tenth of
    a paper page)."""

    code_generator_class = TextEscapingCodeGenerator

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return {**self.globals, **(d or {})}


class ShippedThemeBytecode(jinja2.FileSystemBytecodeCache):
    """The compiled templates of the themes shipped with the generator, kept beside its code as
    Python keeps compiled modules in __pycache__, under the generator's version (the code
    generator above shapes them): compiling the default theme takes 0.065 s of every build, the
    cold ones included, and loading it 0.002 s. Jinja checks each template's source against the
    checksum kept with its code. A project's own templates are compiled each time: theirs would
    pile up, one file per template and folder (a test makes hundreds)."""

    def get_bucket(self, environment: jinja2.Environment, name: str, filename: str | None,
                   source: str) -> jinja2.bccache.Bucket:
        if filename is None or not any(Path(filename).is_relative_to(themes) for themes in THEMES_DIRS):
            return jinja2.bccache.Bucket(environment, "", "")  # compiled, and never kept (set_bucket)
        return super().get_bucket(environment, name, filename, source)

    def set_bucket(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key:
            super().set_bucket(bucket)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        # A folder made by another user, a full disk, or a folder another version just removed: the
        # template is compiled again next time, and the build goes on.
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def shipped_theme_bytecode() -> ShippedThemeBytecode | None:
    """The compiled templates' folder for this version of the generator, older versions' removed;
    None where it cannot be made (an installation this user may not write to)."""
    folder = GENERATOR_DIR / "__pycache__" / f"templates-{generator_version()}"
    if not folder.is_dir():
        try:
            folder.mkdir(parents=True)
        except OSError:
            return None
        for older in folder.parent.glob("templates-*"):
            if older != folder:
                shutil.rmtree(older, ignore_errors=True)
    return ShippedThemeBytecode(str(folder))


class Renderer:
    """One Jinja environment for the whole build; renders Pages to bytes."""

    def __init__(self, theme: Theme, config: SiteConfig, assets: dict[str, str], topics: list[Topic]):
        self.theme = theme
        self.topic_names = TopicNames(topics)
        self.assets = assets
        self.environment = FixedGlobalsEnvironment(
            loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(folder) for folder in theme.template_dirs]),
            autoescape=AUTOESCAPE, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
            auto_reload=False, keep_trailing_newline=True, optimized=False, bytecode_cache=shipped_theme_bytecode(),
        )
        helpers = self.helpers()
        # Templates apply the helpers as filters: Jinja calls a filter directly but a global
        # through Context.call, ~1 µs more, paid on every row of lists thousands of rows long.
        # They stay globals as well, for the project templates written to call them.
        self.environment.filters.update(helpers, xml_text=xml_text, xml_attr=xml_attr, math_html=math_html,
                                        math_text=math_text)
        self.environment.globals.update(
            helpers, config=config, fallback_topic=self.topic_names.fallback, urls=urls,
            home_url=urls.HOME_URL, topics_url=urls.TOPICS_URL, archive_url=urls.ARCHIVE_URL,
            search_url=urls.SEARCH_URL, feed_url=urls.FEED_URL, reading_list_url=urls.READING_LIST_URL,
            memoized=lru_cache(maxsize=MEMOIZED_FRAGMENTS)(call_macro),
        )

    def helpers(self) -> dict[str, Callable[..., object]]:
        """Functions of one value (and maybe more arguments) that templates turn into text."""
        return {
            "paper_url": urls.paper_url, "topic_url": urls.topic_url, "topic_feed_url": urls.topic_feed_url,
            "day_url": urls.day_url, "week_url": urls.week_url, "month_url": urls.month_url, "period_of": period_of,
            "topic_name": self.topic_names.__getitem__, "reader_topics": self.topic_names.reader_slugs,
            "quick_links": quick_links, "abstract_html": abstract_html, "abstract_text": shown_text,
            "long_date": long_date, "isoformat": isoformat, "month_name": month_name, "year_name": year_name,
            "count_of": count_of, "feed_time": feed_time, "feed_updated": feed_updated, "source_links": source_links,
            "asset": self.asset_url,
        }

    def make_abstracts(self, papers: Iterable[Paper]) -> None:
        """Every paper's abstract HTML made now, once, for any page helper forked later to inherit:
        an abstract is on its paper's page, its days' and topics' pages and in the feeds, and
        each process would otherwise make it again (0.2 s of CPU at 9,877 papers)."""
        for paper in papers:
            if paper.body:
                with contextlib.suppress(Exception):  # a page showing it fails then, and reports where
                    abstract_html(paper.body)


    def asset_url(self, name: str) -> str:
        if name not in self.assets:
            raise LookupError(f"no static file '{name}' in the theme or the project")
        return "/" + self.assets[name]

    def check_templates(self) -> list[SourceError]:
        """Compile every template of the theme and the project now, so a syntax error stops the
        build before it writes (a template a page names but nobody wrote fails when it renders)."""
        errors = []
        for name in self.environment.list_templates(filter_func=is_template_name):
            try:
                self.environment.get_template(name)
            except jinja2.TemplateSyntaxError as error:
                errors.append(SourceError(display_path(error.filename or name), error.lineno, error.message or ""))
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
