"""The reading list's "Papers like the ones you saved", in Chromium, on the site built from the
committed content/ and one paper more: a twin of the first paper with math in its title.

Every expectation is worked out here from the built pages' related lists (`expected_suggestions`),
never written down, so the tests hold as the content changes.
"""
from __future__ import annotations

import datetime as dt
import html
import re
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest
from playwright.sync_api import Browser, Page, Request, expect

from generator.build.builder import SiteBuilder
from generator.build.render import long_date
from generator.build.urls import output_path, paper_url
from tests.helpers import ROOT, related_shown
from tests.test_browser_reader import axe_violations, watched

LIST_KEY = "paper-digest:reading-list"
READ_AT_MOST = 20  # reading-list.js RECOMMEND_FROM
SHOWN_AT_MOST = 10  # reading-list.js RECOMMEND_SHOWN
TWIN_SLUG = "vila2-a-twin-with-math-in-its-title"
TWIN_TITLE = "VILA²: A Twin With Math in Its Title"  # as a reader reads "$VILA^2$: …"
SITE_HEADERS = next(rule["values"] for rule in tomllib.loads((ROOT / "netlify.toml").read_text())["headers"]
                    if rule["for"] == "/*")


def first_paper() -> Path:
    return sorted((ROOT / "content" / "papers").glob("*.md"))[0]


def math_twin(original: str) -> str:
    """The paper file with another slug, math in its title, and no ranks: the abstract with one
    sentence more (the same abstract would make it the same paper), so each is the other's most
    related paper."""
    head, body = original.split("\n---\n", 1)
    kept = [line for line in head.splitlines() if line.startswith(("---", "featured:", "topics:"))]
    return "\n".join([*kept, 'title: "$VILA^2$: A Twin With Math in Its Title"', f"slug: {TWIN_SLUG}",
                      "---", "A twin of a paper.", body])


@pytest.fixture(scope="module")
def recs_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("recommendations") / "project"
    shutil.copytree(ROOT / "content", project / "content")
    (project / "content" / "papers" / f"{TWIN_SLUG}.md").write_text(math_twin(first_paper().read_text()))
    result = SiteBuilder(project, project / "site").build()
    assert result.errors == []
    return project / "site"


def page_html(site: Path, slug: str) -> str:
    return (site / output_path(paper_url(slug))).read_text(encoding="utf-8")


def saved_entry(site: Path, slug: str) -> dict[str, str]:
    """What the paper's own ☆ saves to the reading list, as its page has it."""
    found = re.search(rf'data-slug="({re.escape(slug)})" data-title="([^"]*)" data-url="([^"]*)" data-day="([^"]*)"',
                      page_html(site, slug))
    assert found, slug
    return dict(zip(("slug", "title", "url", "day"), map(html.unescape, found.groups()), strict=True))


def saved_title(site: Path, slug: str) -> str:
    return saved_entry(site, slug)["title"]


@dataclass
class Suggestion:
    slug: str
    listed_by: list[str]  # the saved papers that list it, newest first
    place: int  # its best place in their lists, 0 the top


def expected_suggestions(site: Path, saved: list[str]) -> list[Suggestion]:
    """What the reading list should suggest for papers saved in this order: the related papers of
    the newest READ_AT_MOST saved pages that exist, saved papers left out; listed by the most saved
    papers first, then by the best place, then as first met, the newest saved paper's list first."""
    found: dict[str, Suggestion] = {}
    for slug in saved[-READ_AT_MOST:][::-1]:
        if not (site / output_path(paper_url(slug))).exists():
            continue
        for place, other in enumerate(related_shown(page_html(site, slug))):
            if other not in saved:
                suggestion = found.setdefault(other, Suggestion(other, [], place))
                suggestion.listed_by.append(slug)
                suggestion.place = min(suggestion.place, place)
    ranked = sorted(found.values(), key=lambda suggestion: (-len(suggestion.listed_by), suggestion.place))
    return ranked[:SHOWN_AT_MOST]


def expected_reason(site: Path, suggestion: Suggestion) -> str:
    if len(suggestion.listed_by) == 1:
        return f"Related to “{saved_title(site, suggestion.listed_by[0])}”"
    return f"Related to {len(suggestion.listed_by)} of your saved papers"


def all_slugs(site: Path) -> list[str]:
    return sorted(path.parent.name for path in site.glob("papers/*/*/index.html"))


def overlapping_saves(site: Path) -> list[str]:
    """Papers to save that exercise every rule: a paper and its first three related papers, the first
    such set in which a suggestion is related to several saved papers, a saved paper is related to
    another (so it must be left out), and there are more candidates than are shown."""
    for slug in all_slugs(site):
        saved = [slug, *related_shown(page_html(site, slug))[:3]]
        listed = [other for one in saved for other in related_shown(page_html(site, one))]
        candidates = {other for other in listed if other not in saved}
        if (len(saved) == 4 and any(listed.count(other) > 1 for other in candidates)
                and any(other in saved for other in listed) and len(candidates) > SHOWN_AT_MOST):
            return saved
    raise AssertionError("no papers of content/ are related enough to test suggestions with")


@pytest.fixture
def served(recs_site: Path, static_server) -> str:
    """The site, under the headers Netlify sends it: its Content-Security-Policy above all."""
    return static_server(recs_site, SITE_HEADERS)


@pytest.fixture
def reader(chromium_browser: Browser, served: str):
    """A page with scripts on; every problem seen on the way fails the test."""
    context = chromium_browser.new_context(viewport={"width": 1200, "height": 800})
    problems = watched(context, served)
    page = context.new_page()
    yield page
    context.close()
    assert problems == []


def save_on_their_pages(page: Page, base: str, slugs: list[str]) -> None:
    for slug in slugs:
        page.goto(base + paper_url(slug))
        toggle = page.locator(".paper-actions .save-toggle")
        toggle.click()
        expect(toggle).to_have_attribute("aria-pressed", "true")


def store_saved(page: Page, base: str, site: Path, slugs: list[str]) -> None:
    """The reading list as if these papers had been saved in this order."""
    entries = [{"slug": slug, "title": saved_title(site, slug), "url": paper_url(slug)} for slug in slugs]
    page.goto(f"{base}/")
    page.evaluate("([key, entries]) => localStorage.setItem(key, JSON.stringify(entries))", [LIST_KEY, entries])


def suggest(page: Page) -> None:
    """Asks for suggestions from the keyboard, and waits until they are shown: the button, disabled
    while the pages are read, is enabled again."""
    button = page.get_by_role("button", name="Suggest papers")
    button.press("Enter")
    expect(button).to_be_enabled()


def shown_suggestions(page: Page) -> list[tuple[str, str]]:
    """(slug, reason) of each suggestion shown, in order."""
    items = page.locator(".recommended-list > li")
    return [(re.sub(r"^/papers/./([^/]+)/$", r"\1", item.locator("a.related-title").get_attribute("href") or ""),
             item.locator(".recommended-reason").inner_text()) for item in items.all()]


def expected_shown(site: Path, saved: list[str]) -> list[tuple[str, str]]:
    return [(suggestion.slug, expected_reason(site, suggestion)) for suggestion in expected_suggestions(site, saved)]


def paper_requests(page: Page) -> list[str]:
    requested: list[str] = []

    def on_request(request: Request) -> None:
        if "/papers/" in request.url:
            requested.append(request.url.split("/papers/", 1)[1])

    page.on("request", on_request)
    return requested


def test_suggestions_are_the_papers_most_saved_papers_list_saved_ones_left_out(reader: Page, served: str,
                                                                               recs_site: Path):
    page = reader
    saved = overlapping_saves(recs_site)
    save_on_their_pages(page, served, saved)
    requested = paper_requests(page)
    page.goto(f"{served}/reading-list/", wait_until="networkidle")
    expect(page.get_by_role("heading", name="Papers like the ones you saved")).to_be_visible()
    assert requested == []  # opening the page downloads nothing: only asking does
    suggest(page)
    shown = shown_suggestions(page)
    assert shown == expected_shown(recs_site, saved)
    assert len(shown) == SHOWN_AT_MOST and any(reason.endswith("of your saved papers") for _, reason in shown)
    assert not {slug for slug, _ in shown} & set(saved)
    assert sorted(requested) == sorted(paper_url(slug).removeprefix("/papers/") for slug in saved)
    expect(page.locator(".recommendations-status")).to_have_text(
        "10 papers related to your saved papers.")


def test_only_the_20_most_recently_saved_papers_are_read(reader: Page, served: str, recs_site: Path):
    page = reader
    saved = all_slugs(recs_site)[:READ_AT_MOST + 2]
    store_saved(page, served, recs_site, saved)
    requested = paper_requests(page)
    page.goto(f"{served}/reading-list/")
    suggest(page)
    assert sorted(requested) == sorted(paper_url(slug).removeprefix("/papers/") for slug in saved[2:])
    assert shown_suggestions(page) == expected_shown(recs_site, saved)
    expect(page.locator(".recommendations-status")).to_contain_text("related to your 20 most recently saved papers")


def test_a_saved_paper_deleted_since_is_skipped_and_reported(chromium_browser: Browser, recs_site: Path,
                                                             static_server, tmp_path: Path):
    site = tmp_path / "site"
    shutil.copytree(recs_site, site)
    base = static_server(site, SITE_HEADERS)
    context = chromium_browser.new_context()
    problems = watched(context, base)
    page = context.new_page()
    saved = overlapping_saves(site)
    store_saved(page, base, site, saved)  # not from their pages, which the browser could keep in its cache
    deleted = saved[1]
    shutil.rmtree((site / output_path(paper_url(deleted))).parent)  # deleted from the site since it was saved
    page.goto(f"{base}/reading-list/")
    suggest(page)
    expect(page.locator(".recommendations-status")).to_have_text(
        "10 papers related to your saved papers. 1 saved paper could not be read (no longer on this site, "
        "or the connection failed) and was skipped.")
    assert shown_suggestions(page) == expected_shown(site, saved)
    context.close()
    missing = f"404 {base}{paper_url(deleted)}"
    assert missing in problems
    assert [problem for problem in problems if problem != missing and "status of 404" not in problem] == []


def test_when_no_saved_paper_can_be_read_the_status_says_so(chromium_browser: Browser, served: str):
    context = chromium_browser.new_context()  # not watched: the failed request is this test's point
    page = context.new_page()
    page.goto(f"{served}/")
    page.evaluate("""key => localStorage.setItem(key, JSON.stringify([
        {slug: 'gone', title: 'Gone', url: '/papers/g/gone/'}]))""", LIST_KEY)
    page.route("**/papers/g/gone/", lambda route: route.abort())  # the connection failed
    page.goto(f"{served}/reading-list/")
    suggest(page)
    expect(page.locator(".recommendations-status")).to_have_text(
        "None of your saved papers could be read: no longer on this site, or the connection failed.")
    expect(page.locator(".recommended-list > li")).to_have_count(0)
    context.close()


def test_a_suggestion_is_saved_with_its_star(reader: Page, served: str, recs_site: Path):
    page = reader
    original = first_paper().stem
    save_on_their_pages(page, served, [original])
    page.goto(f"{served}/reading-list/")
    suggest(page)
    assert shown_suggestions(page)[0] == (TWIN_SLUG, f"Related to “{saved_title(recs_site, original)}”")
    twin_day = page.locator(".recommended-list > li").first.locator("time")  # as the saved paper's page writes it
    expect(twin_day).to_have_text(long_date(dt.date.fromisoformat(twin_day.get_attribute("datetime") or "")))
    star = page.get_by_role("button", name=f"Save to reading list: {TWIN_TITLE}")
    expect(star).to_have_attribute("aria-pressed", "false")
    star.press("Enter")
    expect(star).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".saved-list .paper-title")).to_have_text([saved_title(recs_site, original), TWIN_TITLE])
    expect(page.locator(".reading-list-status")).to_have_text("2 papers saved.")
    saved = page.evaluate("key => JSON.parse(localStorage.getItem(key))", LIST_KEY)
    assert saved[-1] == saved_entry(recs_site, TWIN_SLUG)  # what the paper's own ☆ saves
    assert saved[-1]["title"] == TWIN_TITLE
    suggest(page)  # asked again: the twin is saved now
    assert TWIN_SLUG not in [slug for slug, _ in shown_suggestions(page)]
    page.goto(served + paper_url(TWIN_SLUG))
    expect(page.locator(".paper-actions .save-toggle")).to_have_attribute("aria-pressed", "true")


def test_the_section_shows_only_with_saved_papers_and_scripts(reader: Page, served: str, chromium_browser: Browser):
    page = reader
    page.goto(f"{served}/reading-list/")
    section = page.locator(".recommendations")
    expect(page.locator(".reading-list-status")).to_contain_text("No papers saved yet")
    expect(section).to_be_hidden()
    save_on_their_pages(page, served, [first_paper().stem])
    page.goto(f"{served}/reading-list/")
    expect(section).to_be_visible()
    page.get_by_role("button", name=re.compile("^Remove from reading list")).click()
    expect(section).to_be_hidden()

    context = chromium_browser.new_context(java_script_enabled=False)
    without_scripts = context.new_page()
    without_scripts.goto(f"{served}/reading-list/")
    expect(without_scripts.locator(".recommendations")).to_be_hidden()
    expect(without_scripts.locator("noscript")).to_have_count(1)
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations_in_the_suggestions(chromium_browser: Browser, served: str, recs_site: Path,
                                                     scheme: Literal["light", "dark"]):
    context = chromium_browser.new_context(color_scheme=scheme, viewport={"width": 1200, "height": 800},
                                           bypass_csp=True)  # axe-core is added as an inline script
    page = context.new_page()
    store_saved(page, served, recs_site, overlapping_saves(recs_site))
    page.goto(f"{served}/reading-list/")
    suggest(page)
    expect(page.locator(".recommended-list .save-toggle").first).to_be_visible()
    violations = axe_violations(page)
    context.close()
    assert violations == [], "\n".join(violations)
