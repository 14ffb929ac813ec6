"""The template helpers: the same functions as filters and as globals, and memoized macros."""
from __future__ import annotations

from pathlib import Path

from generator.build.render import Renderer
from generator.build.theme import Theme
from generator.config import SiteConfig
from generator.content.taxonomy import Topic

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
        "/papers/x/ /papers/x/ /topics/agents/page/2/ /topics/agents/page/2/ Agents"


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
