"""The template helpers: the same functions as filters and as globals, and memoized macros."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from markupsafe import Markup, escape

from generator.build import pages
from generator.build.render import Renderer, abstract_html, escape_text, long_date
from generator.build.search.fragments import fragment
from generator.build.site import assemble_site
from generator.build.theme import Theme, asset_names, collect_static, find_theme
from generator.config import SiteConfig
from generator.content.markdown import escape_markdown
from generator.content.schema import Paper
from generator.content.taxonomy import Topic
from generator.errors import BuildFailed

TOPICS = [Topic("agents", "Agents", "Models that act."), Topic("other", "Other", "Papers no rule matched.")]


def renderer_with(tmp_path: Path, templates: dict[str, str]) -> Renderer:
    for name, text in templates.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return Renderer(Theme((tmp_path,), ()), SiteConfig(), {}, TOPICS)


def test_project_templates_may_call_the_helpers_the_default_theme_uses_as_filters(tmp_path: Path) -> None:
    renderer = renderer_with(tmp_path, {"page.html": "{{ paper_url('x') }} {{ 'x' | paper_url }} "
                                                     "{{ topic_url('agents', 2) }} {{ 'agents' | topic_url(2) }} "
                                                     "{{ 'agents' | topic_name }}"})
    assert renderer.render("page.html", {}, "page/index.html") == \
        "/papers/x/x/ /papers/x/x/ /topics/agents/page/2/ /topics/agents/page/2/ Agents"


def test_a_memoized_macro_is_rendered_once_per_distinct_arguments(tmp_path: Path) -> None:
    calls: list[str] = []
    renderer = renderer_with(tmp_path, {
        "_parts.html": "{% macro item(name) %}<b>{{ note(name) }}</b>{% endmacro %}",
        "page.html": '{% from "_parts.html" import item %}'
                     "{% for name in names %}{{ memoized(item, name) }}{% endfor %}",
    })
    renderer.environment.globals["note"] = lambda name: calls.append(name) or name
    html = renderer.render("page.html", {"names": ["a<", "b", "a<"]}, "page/index.html")
    assert html == "<b>a&lt;</b><b>b</b><b>a&lt;</b>"  # escaped once, never twice
    assert calls == ["a<", "b"]


def test_a_macro_of_the_page_itself_sees_each_pages_variables_though_memoized(tmp_path: Path) -> None:
    renderer = renderer_with(tmp_path, {
        "page.html": "{% macro greeting(name) %}{{ word }}, {{ name }}{% endmacro %}{{ memoized(greeting, 'Ada') }}",
    })
    assert renderer.render("page.html", {"word": "Hello"}, "a") == "Hello, Ada"
    assert renderer.render("page.html", {"word": "Bye"}, "b") == "Bye, Ada"


class _Html:
    def __html__(self) -> str:
        return "<i>kept</i>"


class _Text(str):
    pass


ESCAPE_CASES = ["plain", "a & b < c > d 'e' \"f\"", "&amp; already", "", "naïve ✓ <x>", Markup("<b>safe</b>"),
                _Html(), _Text("<sub>"), 3, 2.5, None, dt.date(2025, 8, 18), ["<", 1], True]


def test_written_values_are_escaped_exactly_as_markupsafe_escapes_them(tmp_path: Path) -> None:
    renderer = renderer_with(tmp_path, {"page.html": "{% for value in values %}[{{ value }}]{% endfor %}"})
    expected = "".join(f"[{escape(value)}]" for value in ESCAPE_CASES)
    assert renderer.render("page.html", {"values": ESCAPE_CASES}, "page/index.html") == expected
    assert [escape_text(value) for value in ESCAPE_CASES] == [str(escape(value)) for value in ESCAPE_CASES]


def test_the_templates_write_through_escape_text(tmp_path: Path) -> None:
    # A Jinja release that stopped calling the code generator's hook would escape with markupsafe
    # again: as safe, but the speed measured in bench/RESULTS.md would be gone unseen.
    renderer = renderer_with(tmp_path, {"page.html": "{{ value }}"})
    source = renderer.environment.compile(renderer.environment.loader.get_source(renderer.environment, "page.html")[0],
                                          raw=True)
    assert "escape_text(" in source and "escape(" not in source.replace("escape_text(", "")


def test_escaping_still_follows_safe_autoescape_blocks_macros_and_undefined_values(tmp_path: Path) -> None:
    renderer = renderer_with(tmp_path, {
        "page.html": "{% macro bold(text) %}<b>{{ text }}</b>{% endmacro %}"
                     "{{ bold(word) }}|{{ word | safe }}|{% autoescape false %}{{ word }}{% endautoescape %}"
                     "|{% set joined %}{{ word }}{% endset %}{{ joined }}|{{ word ~ '&' }}",
        "missing.html": "{{ nothing }}",
    })
    assert renderer.render("page.html", {"word": "<x>"}, "a") == "<b>&lt;x&gt;</b>|<x>|<x>|&lt;x&gt;|&lt;x&gt;&amp;"
    with pytest.raises(BuildFailed, match="'nothing' is undefined"):
        renderer.render("missing.html", {}, "b")


def test_assets_and_iso_dates_are_filters_and_project_templates_may_still_call_them(tmp_path: Path) -> None:
    # Filters are called directly, a global or a method through Jinja's Context.call: ~0.8 µs more
    # on each of 150,000 such values at 9,877 papers.
    (tmp_path / "page.html").write_text("{{ 'style.css' | asset }} {{ asset('style.css') }} "
                                        "{{ day | isoformat }} {{ isoformat(day) }} {{ day.isoformat() }}")
    renderer = Renderer(Theme((tmp_path,), ()), SiteConfig(), {"style.css": "style.1a2b.css"}, TOPICS)
    assert renderer.render("page.html", {"day": dt.date(2025, 8, 18)}, "a") == \
        "/style.1a2b.css /style.1a2b.css 2025-08-18 2025-08-18 2025-08-18"


def test_tex_quotation_marks_read_as_quotation_marks_on_pages_and_in_search_results():
    text = "Following the ``thinking with images'' concept, f''(x) and `` stay as written."
    shown = "Following the \u201cthinking with images\u201d concept, f''(x) and `` stay as written."
    assert abstract_html(escape_markdown(text)) == f"<p>{shown}</p>\n"
    paper = Paper(title="Thyme", slug="thyme", body=escape_markdown(text), featured=(dt.date(2025, 8, 18),),
                  topics=("other",))
    assert json.loads(fragment(paper, text, [], [1, 1, 1]))["x"] == shown


def test_a_year_before_1000_has_four_digits_so_it_does_not_read_as_a_day(tmp_path: Path) -> None:
    """`featured: [0001-01-15]`, a typo, made the calendar say "No papers from February 1 to July 2025"."""
    papers = [Paper("typo", "Typo", "", (dt.date(1, 1, 15),), ("other",)),
              Paper("p", "P", "", (dt.date(2025, 8, 18),), ("other",))]
    theme, _ = find_theme(tmp_path, SiteConfig())
    renderer = Renderer(theme, SiteConfig(), asset_names(collect_static(theme)[0]), TOPICS)
    page = pages.archive_page(assemble_site(papers, TOPICS))
    calendar = renderer.render(page.template, dict(page.context), page.path)
    assert '<li class="calendar-gap">No papers from February 0001 to July 2025</li>' in calendar
    assert '<h2 id="year-1">0001</h2>' in calendar
    assert long_date(dt.date(1, 1, 15)) == "January 15, 0001"
    # The paper's own page: its citation meta tags and BibTeX give the year as the file does.
    typo = pages.paper_page(papers[0], assemble_site(papers, TOPICS), SiteConfig().day_page_size)
    paper_page = renderer.render(typo.template, dict(typo.template_variables()), typo.path)
    assert '<meta name="citation_publication_date" content="0001/01/15">' in paper_page
    assert "year = {0001}" in paper_page


def test_a_weeks_page_names_its_week_says_how_many_it_shows_and_links_the_weeks_around(tmp_path: Path) -> None:
    papers = [Paper(f"p{day}", f"P{day}", "", (dt.date(2025, 8, day),), ("other",), upvotes=day) for day in (1, 4, 5, 6)]
    papers.append(Paper("p11", "P11", "", (dt.date(2025, 8, 11),), ("other",)))  # no upvotes
    theme, _ = find_theme(tmp_path, SiteConfig())
    config = SiteConfig(top_papers=2)
    renderer = Renderer(theme, config, asset_names(collect_static(theme)[0]), TOPICS)
    found = {page.path: page for page in pages.period_pages(assemble_site(papers, TOPICS), config)}
    weeks = {path[6:14]: page for path, page in found.items() if path.startswith("weeks/")}
    html, later_html = (renderer.render(week.template, dict(week.context), week.path) for week in (weeks["2025-W32"], weeks["2025-W33"]))
    assert "Most upvoted on Hugging Face first" in html and "every day's first paper" in later_html
    assert '<h1>Top papers of <time datetime="2025-W32">the week of August 4, 2025</time></h1>' in html
    assert '<p class="count-line">3 papers, the top 2 shown</p>' in html
    assert html.index('href="/papers/P/P6/"') < html.index('href="/papers/P/P5/"') and 'href="/papers/P/P4/"' not in html
    assert '<a rel="prev" href="/weeks/2025-W31/">← Week of July 28, 2025</a>' in html
    assert '<a rel="next" href="/weeks/2025-W33/">Week of August 11, 2025 →</a>' in html
    assert '<a class="paper-day" href="/dates/2025-08-06/"><time datetime="2025-08-06">August 6, 2025</time></a>' in html
    month = found["months/2025-08/index.html"]
    assert '<h1>Top papers of <time datetime="2025-08">August 2025</time></h1>' in renderer.render(
        month.template, dict(month.context), month.path)


def link_names(html: str, prefix: str) -> list[str]:
    """The text of each link to an address starting with `prefix`, hidden words included, as a
    screen reader's list of links gives it."""
    links = re.findall(rf'<a [^>]*href="{re.escape(prefix)}[^"]*"[^>]*>(.*?)</a>', html)
    return [re.sub(r"<[^>]+>", "", link) for link in links]


def test_the_links_to_a_days_week_and_month_say_which_week_and_month_out_of_context(tmp_path: Path) -> None:
    """A screen reader's list of links showed "Top of the week" (which week? the top of what?)
    on day pages, and "Top of August" (which year?) on the home page."""
    papers = [Paper("p", "P", "", (dt.date(2025, 8, 6),), ("other",))]  # a Wednesday
    site = assemble_site(papers, TOPICS)
    theme, _ = find_theme(tmp_path, SiteConfig())
    renderer = Renderer(theme, SiteConfig(), asset_names(collect_static(theme)[0]), TOPICS)
    for page in (pages.day_pages(dt.date(2025, 8, 6), site, SiteConfig())[0], pages.home_page(site, SiteConfig())):
        html = renderer.render(page.template, dict(page.context), page.path)
        assert link_names(html, "/weeks/2025-W32/") == ["Top papers of the week of August 4, 2025"], page.path
        assert link_names(html, "/months/2025-08/") == ["Top papers of August 2025"], page.path


def test_a_periods_day_counts_say_why_they_add_up_to_more_than_its_papers(tmp_path: Path) -> None:
    """A paper featured on two days of a week is one paper of the week and on both days' counts."""
    twice = Paper("t", "t", "", (dt.date(2025, 8, 4), dt.date(2025, 8, 5)), ("other",))
    once = Paper("o", "o", "", (dt.date(2025, 8, 5),), ("other",))
    theme, _ = find_theme(tmp_path, SiteConfig())
    renderer = Renderer(theme, SiteConfig(), asset_names(collect_static(theme)[0]), TOPICS)
    for papers, explained in (([twice, once], True), ([once], False)):
        week = pages.period_pages(assemble_site(papers, TOPICS), SiteConfig())[0]
        html = renderer.render(week.template, dict(week.context), week.path)
        assert ("counts on each of them, and once in the week's count" in html) is explained
        assert f'<p class="count-line">{len(papers)} paper' in html


def compiles_counted(monkeypatch) -> list[str]:
    """The names of the templates Jinja compiles from here on (loading kept bytecode is no compile)."""
    import jinja2

    compiled: list[str] = []
    real_compile = jinja2.Environment.compile

    def counted(self, source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return real_compile(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    return compiled


@pytest.fixture
def shipped_theme(tmp_path: Path, monkeypatch) -> Path:
    """A theme folder taken for one shipped with the generator, whose compiled templates are kept
    under a generator folder of the test's own."""
    from generator.build import render

    themes = tmp_path / "shipped-themes"
    (themes / "plain" / "templates").mkdir(parents=True)
    monkeypatch.setattr(render, "THEMES_DIRS", (themes,))
    monkeypatch.setattr(render, "GENERATOR_DIR", tmp_path / "generator")
    return themes / "plain" / "templates"


def test_the_shipped_themes_templates_are_compiled_once_then_loaded(shipped_theme, tmp_path, monkeypatch):
    (shipped_theme / "page.html").write_text("<p>{{ value }}</p>\n")
    compiled = compiles_counted(monkeypatch)
    first = Renderer(Theme((shipped_theme,), ()), SiteConfig(), {}, TOPICS)
    assert first.render("page.html", {"value": "one"}, "page.html") == "<p>one</p>\n" and compiled == ["page.html"]
    again = Renderer(Theme((shipped_theme,), ()), SiteConfig(), {}, TOPICS)  # a later build
    assert again.render("page.html", {"value": "two"}, "page.html") == "<p>two</p>\n" and compiled == ["page.html"]
    (shipped_theme / "page.html").write_text("<p>{{ value }}, edited</p>\n")
    edited = Renderer(Theme((shipped_theme,), ()), SiteConfig(), {}, TOPICS)
    assert edited.render("page.html", {"value": "three"}, "page.html") == "<p>three, edited</p>\n"
    assert compiled == ["page.html", "page.html"]


def test_a_projects_own_templates_are_compiled_each_time_and_never_kept(shipped_theme, tmp_path, monkeypatch):
    own = tmp_path / "project-templates"
    own.mkdir()
    (own / "page.html").write_text("<p>{{ value }}</p>\n")
    compiled = compiles_counted(monkeypatch)
    for _ in range(2):
        Renderer(Theme((own, shipped_theme), ()), SiteConfig(), {}, TOPICS).render("page.html", {"value": 1}, "page.html")
    assert compiled == ["page.html", "page.html"]
    assert list((tmp_path / "generator" / "__pycache__").glob("templates-*/*")) == []


def test_another_generator_version_compiles_anew_and_removes_the_older_templates(shipped_theme, tmp_path, monkeypatch):
    from generator.build import render

    (shipped_theme / "page.html").write_text("<p>{{ value }}</p>\n")
    monkeypatch.setattr(render, "generator_version", lambda: "older")
    Renderer(Theme((shipped_theme,), ()), SiteConfig(), {}, TOPICS).render("page.html", {"value": 1}, "page.html")
    kept = tmp_path / "generator" / "__pycache__"
    assert [path.name for path in kept.iterdir()] == ["templates-older"]
    monkeypatch.setattr(render, "generator_version", lambda: "newer")
    compiled = compiles_counted(monkeypatch)
    Renderer(Theme((shipped_theme,), ()), SiteConfig(), {}, TOPICS).render("page.html", {"value": 1}, "page.html")
    assert compiled == ["page.html"] and [path.name for path in kept.iterdir()] == ["templates-newer"]


def test_kept_compiled_templates_hold_no_data_of_the_build_that_compiled_them(shipped_theme, monkeypatch):
    """Jinja works out a filter of constants at compile time unless told not to: the stylesheet's
    fingerprint or a topic's name of one project would then show in every later project's pages."""
    (shipped_theme / "page.html").write_text(
        "{{ 'style.css' | asset }} {{ 'agents' | topic_name }} {% set name = 'agents' | topic_name %}{{ name }}"
        "{% if 'agents' | topic_name == 'Agents' %} first{% endif %}\n")
    first = Renderer(Theme((shipped_theme,), ()), SiteConfig(), {"style.css": "static/style.1111.css"}, TOPICS)
    assert first.render("page.html", {}, "page.html") == "/static/style.1111.css Agents Agents first"
    topics = [Topic("agents", "Tool users", "Models that act."), TOPICS[1]]
    later = Renderer(Theme((shipped_theme,), ()), SiteConfig(), {"style.css": "static/style.2222.css"}, topics)
    assert later.render("page.html", {}, "page.html") == "/static/style.2222.css Tool users Tool users"


def test_a_build_goes_on_when_compiled_templates_cannot_be_kept(shipped_theme, monkeypatch):
    import jinja2.bccache

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    (shipped_theme / "page.html").write_text("<p>{{ value }}</p>\n")
    monkeypatch.setattr(jinja2.bccache.tempfile, "NamedTemporaryFile", refused)
    renderer = Renderer(Theme((shipped_theme,), ()), SiteConfig(), {}, TOPICS)
    assert renderer.render("page.html", {"value": "kept or not"}, "page.html") == "<p>kept or not</p>\n"
