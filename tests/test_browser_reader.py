"""What a reader does on the built site, in Chromium: open abstracts, filter a day by topic, page
through a topic, use the calendar, keep a reading list, see what is new; and axe-core finds no
accessibility violation on any kind of page, light or dark.

The site is the golden fixture plus papers made here: one with 3,303 authors, and enough
language-model papers, from December 2024 to August 2025, for a topic to run to many pages.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal, TypeVar
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    FloatRect,
    Locator,
    Page,
    Request,
    Response,
    WebError,
    expect,
)

from generator.build.builder import SiteBuilder
from generator.build.pages import archive_window
from generator.build.render import long_date

GOLDEN_CONTENT = Path(__file__).parent / "fixtures" / "golden" / "content"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
FILLER_PAPERS = 19  # in July 2025; with the others, language-models runs to a front page and 11 archive pages of 2
AUTHOR_COUNT = 3303
LATEST = "2025-08-18"
SEEN_KEY = "paper-digest:last-seen-day"
VISIT_KEY = "paper-digest:visit"


LONG_ADDRESS = "https://example.org/" + "averylongpathsegment" * 12  # as some abstracts cite their code


def paper_file(slug: str, title: str, day: dt.date, authors: Sequence[str] = (), more: str = "") -> str:
    lines = ["---", f'title: "{title}"', f"slug: {slug}", f"featured: [{day.isoformat()}]", "topics: [language-models]"]
    if authors:
        lines.append("authors: [" + ", ".join(authors) + "]")
    return "\n".join([*lines, "---", f"An abstract about {title.lower()} and language models.{more}", ""])


@pytest.fixture(scope="module")
def reader_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("reader") / "project"
    shutil.copytree(GOLDEN_CONTENT, project / "content")
    config = project / "content" / "site.yaml"
    config.write_text(re.sub(r"(?m)^topic_page_size: .*$", "topic_page_size: 2", config.read_text()))
    papers = project / "content" / "papers"
    authors = [f"Author Number {number}" for number in range(1, AUTHOR_COUNT + 1)]
    (papers / "many-authors.md").write_text(paper_file("many-authors", "A Model Trained by Everyone",
                                                       dt.date(2025, 8, 18), authors, f" Code: {LONG_ADDRESS}"))
    for number in range(1, FILLER_PAPERS + 1):
        slug = f"filler-{number:02d}"
        day = dt.date(2025, 7, number)
        (papers / f"{slug}.md").write_text(paper_file(slug, f"Filler Study {number:02d}", day))
    (papers / "last-year.md").write_text(paper_file("last-year", "A Study From Last Year", dt.date(2024, 12, 31)))
    result = SiteBuilder(project, project / "site").build()
    assert result.errors == []
    return project / "site"


@pytest.fixture
def base_url(reader_site: Path, static_server) -> str:
    return static_server(reader_site)


def watched(context: BrowserContext, base: str) -> list[str]:
    """Console errors, failed responses and requests to other hosts, collected as they happen."""
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    def on_error(error: WebError) -> None:
        problems.append(str(error.error))

    def on_response(response: Response) -> None:
        if response.status >= 400:
            problems.append(f"{response.status} {response.url}")

    def on_request(request: Request) -> None:
        if urlsplit(request.url).netloc != urlsplit(base).netloc and not request.url.startswith("blob:"):
            problems.append(f"request to another host: {request.url}")

    context.on("console", on_console)
    context.on("weberror", on_error)
    context.on("response", on_response)
    context.on("request", on_request)
    return problems


@pytest.fixture
def reader(chromium_browser: Browser, base_url: str):
    """A page with scripts on; every problem seen on the way fails the test."""
    context = chromium_browser.new_context(viewport={"width": 1200, "height": 800}, accept_downloads=True)
    problems = watched(context, base_url)
    page = context.new_page()
    yield page
    context.close()
    assert problems == []


@pytest.fixture
def reader_without_scripts(chromium_browser: Browser, base_url: str):
    context = chromium_browser.new_context(java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()


def visible_rows(page: Page) -> list[str]:
    return [row.get_attribute("data-slug") or "" for row in page.locator(".paper-list > .paper-item").all()
            if row.is_visible()]


def box(locator: Locator) -> FloatRect:
    found = locator.bounding_box()
    assert found is not None, f"{locator} is not shown"
    return found


# --- Rows ---

def test_the_abstract_opens_and_closes_without_javascript(reader_without_scripts: Page, base_url: str):
    page = reader_without_scripts
    page.goto(f"{base_url}/dates/{LATEST}/")
    row = page.locator(".paper-item[data-slug=skippipe]")
    abstract = row.locator(".abstract-text")
    expect(abstract).to_be_hidden()
    row.locator("summary", has_text="Abstract").click()
    expect(abstract).to_be_visible()
    expect(abstract).to_contain_text("stage skipping in pipeline training")
    row.locator("summary").click()
    expect(abstract).to_be_hidden()


def test_a_row_stays_short_with_3303_authors_on_phones_and_desktops(chromium_browser: Browser, base_url: str):
    for width in (375, 1200):
        context = chromium_browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        page.goto(f"{base_url}/dates/{LATEST}/")
        row = page.locator(".paper-item[data-slug=many-authors]")
        expect(row.locator(".paper-authors")).to_have_text("Author Number 1, Author Number 2, Author Number 3 et al.")
        assert box(row)["height"] < 160, width
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing wider than the phone
        context.close()


def test_a_long_address_in_an_abstract_wraps_on_a_phone(chromium_browser: Browser, base_url: str):
    context = chromium_browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(f"{base_url}/papers/m/many-authors/")
    expect(page.locator(".abstract")).to_contain_text(LONG_ADDRESS)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.goto(f"{base_url}/dates/{LATEST}/")
    page.locator(".paper-item[data-slug=many-authors] .abstract-toggle summary").click()
    expect(page.locator(".paper-item[data-slug=many-authors] .abstract-text")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()


def test_the_paper_page_shows_15_authors_and_folds_the_rest(reader: Page, base_url: str):
    page = reader
    page.goto(f"{base_url}/papers/m/many-authors/")
    shown = page.locator(".paper-header > .authors")
    expect(shown).to_have_text(", ".join(f"Author Number {number}" for number in range(1, 16)))
    rest = page.locator(".more-authors")
    expect(rest.locator("summary")).to_have_text("and 3,288 more authors")
    expect(rest.locator(".authors")).to_be_hidden()
    rest.locator("summary").click()
    expect(rest.locator(".authors")).to_contain_text(f"Author Number {AUTHOR_COUNT}")


def test_a_papers_facts_keep_terms_and_values_in_two_columns(reader: Page, base_url: str):
    """arXiv and Hugging Face have two values each: both beside their term, none under a term."""
    page = reader
    page.goto(f"{base_url}/papers/p/panopticsplatting/")
    expect(page.locator(".facts dt", has_text="Hugging Face")).to_be_visible()
    term_x = {round(box(term)["x"]) for term in page.locator(".facts dt").all()}
    value_x = {round(box(value)["x"]) for value in page.locator(".facts dd").all()}
    assert len(term_x) == 1 and len(value_x) == 1 and max(term_x) < min(value_x)


def test_paper_pages_have_two_columns_on_wide_screens_and_one_on_phones(chromium_browser: Browser, base_url: str):
    for width, side_by_side in ((1200, True), (375, False)):
        context = chromium_browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        page.goto(f"{base_url}/papers/p/panopticsplatting/")
        abstract = box(page.locator(".paper-content"))
        aside = box(page.locator(".paper-aside"))
        assert (aside["x"] >= abstract["x"] + abstract["width"]) is side_by_side, width
        assert (aside["y"] >= abstract["y"] + abstract["height"]) is not side_by_side, width
        context.close()


def test_a_papers_facts_come_before_its_related_papers_on_phones(chromium_browser: Browser, base_url: str):
    """The facts are about this paper and the related papers further reading: a phone, and a screen
    reader, get the facts right after the abstract; a wide screen keeps them beside it."""
    for width in (390, 1280):
        context = chromium_browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        page.goto(f"{base_url}/papers/s/skippipe/")
        abstract, facts, related = (box(page.locator(selector)) for selector in (".abstract", ".facts", ".related"))
        abstract_bottom = abstract["y"] + abstract["height"]
        if width == 390:
            assert abstract_bottom <= facts["y"] < related["y"]
        else:
            assert facts["x"] >= abstract["x"] + abstract["width"] and facts["y"] < abstract_bottom
            assert related["x"] == abstract["x"] and related["y"] >= abstract_bottom
            assert related["x"] + related["width"] <= facts["x"]
        expect(page.locator("main h2")).to_have_text(["Abstract", "Links", "Cite", "Related papers"])
        context.close()


# --- The day's topic filter ---

def topic_box(page: Page, topic_name: str):
    return page.locator(".filter-option", has_text=topic_name).locator("input[type=checkbox]")


def test_the_topic_filter_hides_the_rows_of_other_topics(reader: Page, base_url: str):
    page = reader
    page.goto(f"{base_url}/dates/{LATEST}/")
    everything = ["hostile-title", "many-authors", "panopticsplatting", "skippipe"]
    assert sorted(visible_rows(page)) == everything
    page.locator(".topic-filter summary").click()
    topic_box(page, "Computer Vision").check()
    assert sorted(visible_rows(page)) == ["hostile-title", "panopticsplatting"]
    expect(page.locator(".filter-status")).to_have_text("Showing 2 of 4 papers.")
    topic_box(page, "Language Models").check()  # topics add up
    assert sorted(visible_rows(page)) == everything
    topic_box(page, "Computer Vision").uncheck()
    assert sorted(visible_rows(page)) == ["hostile-title", "many-authors", "skippipe"]
    page.get_by_role("button", name="Show all").click()
    assert sorted(visible_rows(page)) == everything
    expect(page.locator(".filter-status")).to_have_text("")


def test_a_filtered_day_keeps_its_topics_in_its_address(reader: Page, base_url: str):
    page = reader
    page.goto(f"{base_url}/dates/{LATEST}/")
    page.locator(".topic-filter summary").click()
    topic_box(page, "Computer Vision").check()
    expect(page).to_have_url(re.compile(r"/dates/2025-08-18/\?topics=vision$"))
    shared = page.url
    page.goto("about:blank")
    page.goto(shared)  # opened from a link someone shared
    expect(topic_box(page, "Computer Vision")).to_be_checked()
    assert sorted(visible_rows(page)) == ["hostile-title", "panopticsplatting"]
    page.get_by_role("button", name="Show all").click()
    expect(page).to_have_url(re.compile(r"/dates/2025-08-18/$"))


def test_without_javascript_there_is_no_filter_and_every_paper_shows(reader_without_scripts: Page, base_url: str):
    page = reader_without_scripts
    for path in (f"/dates/{LATEST}/", "/"):
        page.goto(base_url + path)
        expect(page.locator(".topic-filter")).to_be_hidden()
        assert sorted(visible_rows(page)) == ["hostile-title", "many-authors", "panopticsplatting", "skippipe"]
        expect(page.locator(".save-toggle").first).to_be_hidden()  # the reading list needs scripts


# --- Navigation at scale ---

@pytest.mark.parametrize(("current", "archived", "window"), [
    (0, 1, (0, 1)),
    (2, 4, (0, 4, 3, 2, 1)),  # a gap of one page shows the page instead
    (0, 12, (0, 12, 11, None, 1)),
    (6, 12, (0, None, 8, 7, 6, 5, 4, None, 1)),
    (1, 12, (0, None, 3, 2, 1)),
    (12, 12, (0, 12, 11, 10, None, 1)),
])
def test_archive_window_keeps_the_front_page_page_one_and_the_pages_around_the_current(
        current: int, archived: int, window: tuple[int | None, ...]):
    assert archive_window(current, archived) == window


def page_numbers(page: Page) -> list[str]:
    return [" ".join((item.text_content() or "").split()) for item in page.locator(".pagination li").all()]


def test_topic_pages_have_numbered_pagination(reader: Page, base_url: str):
    page = reader
    page.goto(f"{base_url}/topics/language-models/page/6/")
    assert page_numbers(page) == ["← Newer", "Latest", "…", "Page 8", "Page 7", "Page 6", "Page 5", "Page 4",
                                  "…", "Page 1", "Older →"]
    current = page.locator(".pagination [aria-current=page]")
    expect(current).to_have_count(1)
    expect(current).to_have_attribute("href", "/topics/language-models/page/6/")
    page.locator(".pagination a", has_text=re.compile(r"^Page 1$")).click()
    page.wait_for_url(re.compile(r"/topics/language-models/page/1/$"))
    assert page_numbers(page) == ["← Newer", "Latest", "…", "Page 3", "Page 2", "Page 1"]
    expect(page.locator(".count-line")).to_contain_text(re.compile(r"^Archive page 1: 2 papers featured "))
    page.locator(".pagination a[rel=prev]").click()
    page.wait_for_url(re.compile(r"/topics/language-models/page/2/$"))
    page.locator(".pagination a", has_text=re.compile(r"^Latest$")).click()
    page.wait_for_url(re.compile(r"/topics/language-models/$"))
    assert page_numbers(page) == ["Latest", "Page 11", "Page 10", "…", "Page 1", "Older →"]
    for href in page.locator(".pagination a").evaluate_all("links => links.map(link => link.href)"):
        assert page.request.get(href).ok, href


def test_topic_pages_show_each_date_once_and_only_the_other_topics_as_chips(reader: Page, base_url: str):
    page = reader
    page.goto(f"{base_url}/topics/language-models/")
    expect(page.locator(".day-group .day-heading")).to_have_text(["August 18, 2025"])
    expect(page.locator(".paper-item time")).to_have_count(0)  # no date on the rows themselves
    expect(page.locator(".paper-item[data-slug=hostile-title] .chip")).to_have_text(["Computer Vision"])
    expect(page.locator(".paper-item[data-slug=many-authors] .chips")).to_have_count(0)


def test_the_calendar_links_every_day_to_its_page(reader: Page, base_url: str):
    page = reader
    page.goto(f"{base_url}/dates/")
    expect(page.locator(".calendar-year h2")).to_have_text(["2025", "2024"])
    expect(page.locator("main .count").first).to_contain_text("how many papers it featured")  # the cells' legend
    rows = page.locator(".calendar > li").all_inner_texts()
    assert [row.split()[0] if "No papers" not in row else row for row in rows] == [  # newest first
        "August", "July", "No papers from January to June 2025", "December"]
    august = page.locator(".calendar-month").first
    expect(august.locator(".day-cell")).to_have_count(31)
    expect(page.locator(".calendar-month").nth(2).locator(".day-cell")).to_have_count(31)  # December 2024
    cells = page.locator("a.day-cell")
    expect(cells).to_have_count(FILLER_PAPERS + 3)
    expect(cells.first).to_have_accessible_name(re.compile(r"^August 15\s*:\s*2 papers\s*$"))
    targets = cells.evaluate_all("""cells => cells.map(cell => [cell.getAttribute('href'),
        cell.querySelector('.day-number').textContent.match(/\\d+/)[0], cell.querySelector('.day-count').firstChild.textContent])""")
    for href, day, count in targets:
        assert href.endswith(f"-{int(day):02d}/")
        response = page.request.get(base_url + href)
        assert response.ok and response.text().count('class="paper-item"') == int(count), href
    august.get_by_role("link", name=re.compile(r"^August 18\b")).click()
    page.wait_for_url(re.compile(rf"/dates/{LATEST}/$"))


def test_the_fallback_topic_is_no_topic_to_readers(reader: Page, base_url: str):
    page = reader
    for path in ("/", "/topics/", "/dates/2025-08-15/", "/papers/c/corpusbrain/"):
        page.goto(base_url + path)
        expect(page.locator("a[href^='/topics/other/']")).to_have_count(0)
    expect(page.locator(".facts")).to_contain_text("Language Models")
    page.goto(f"{base_url}/topics/other/")
    expect(page.locator("h1")).to_have_text("Not yet sorted")


def test_topics_show_papers_per_year(reader: Page, base_url: str, reader_site: Path):
    page = reader
    page.goto(f"{base_url}/topics/")
    card = page.locator(".topic-cards li", has=page.locator("a", has_text="Language Models"))
    expect(card.locator(".count")).to_have_text(f"{FILLER_PAPERS + 5} papers")
    expect(card.locator(".year-counts div")).to_have_text(["2025 " + str(FILLER_PAPERS + 4), "2024 1"])
    vision = page.locator(".topic-cards li", has=page.locator("a", has_text="Computer Vision"))
    expect(vision.locator(".year-counts")).to_have_count(0)  # one year only: nothing to compare


# --- Reading state ---

def star(page: Page, slug: str):
    return page.locator(f".paper-item[data-slug='{slug}'] .save-toggle")


def test_the_reading_list_keeps_papers_across_reloads_and_exports_bibtex(reader: Page, base_url: str):
    page = reader
    page.goto(f"{base_url}/dates/{LATEST}/")
    for slug in ("panopticsplatting", "skippipe"):
        star(page, slug).click()
        expect(star(page, slug)).to_have_attribute("aria-pressed", "true")
    page.reload()
    expect(star(page, "panopticsplatting")).to_have_attribute("aria-pressed", "true")
    expect(star(page, "hostile-title")).to_have_attribute("aria-pressed", "false")
    page.goto(f"{base_url}/papers/s/skippipe/")
    expect(page.locator(".paper-actions .save-toggle")).to_have_attribute("aria-pressed", "true")
    skippipe_bibtex = page.locator("#bibtex").inner_text()
    page.goto(f"{base_url}/papers/p/panopticsplatting/")
    panoptic_bibtex = page.locator("#bibtex").inner_text()

    page.get_by_role("link", name="Reading list").click()
    page.wait_for_url(re.compile(r"/reading-list/$"))
    titles = page.locator(".saved-list .paper-title")
    expect(titles).to_have_text(["PanopticSplatting: End-to-End Panoptic Gaussian Splatting",
                                 "SkipPipe: Partial and Reordered Pipelining for LLMs"])
    with page.expect_download() as download:
        page.get_by_role("button", name="Download BibTeX").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert exported == f"{panoptic_bibtex}\n\n{skippipe_bibtex}\n"
    assert download.value.suggested_filename == "reading-list.bib"

    page.get_by_role("button", name=re.compile("^Remove from reading list: PanopticSplatting")).click()
    expect(titles).to_have_text(["SkipPipe: Partial and Reordered Pipelining for LLMs"])
    page.reload()
    expect(titles).to_have_text(["SkipPipe: Partial and Reordered Pipelining for LLMs"])
    page.goto(f"{base_url}/papers/p/panopticsplatting/")
    toggle = page.locator(".paper-actions .save-toggle")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()  # saved from its own page too
    expect(toggle).to_have_text("★ Saved to reading list")
    page.goto(f"{base_url}/reading-list/")
    expect(titles).to_have_count(2)


def test_the_reading_list_writes_days_as_every_page_does(reader: Page, base_url: str):
    """"August 18, 2025" (render.py long_date), a year before 1000 with its zeros, the ISO day kept
    for machines; an entry whose day is none (edited by hand) shows no day, never "Invalid Date"."""
    page = reader
    page.goto(f"{base_url}/")
    page.evaluate("""localStorage.setItem('paper-digest:reading-list', JSON.stringify([
        {slug: 'skippipe', title: 'SkipPipe', url: '/papers/s/skippipe/', day: '2025-08-18'},
        {slug: 'year-one', title: 'Year One', url: '/papers/y/year-one/', day: '0001-02-01'},
        {slug: 'no-day', title: 'No day', url: '/papers/n/no-day/'},
        {slug: 'no-such-day', title: 'No such day', url: '/papers/n/no-such-day/', day: '2025-02-30'},
        {slug: 'not-a-day', title: 'Not a day', url: '/papers/n/not-a-day/', day: 20250818}]))""")
    page.goto(f"{base_url}/reading-list/")
    expect(page.locator(".saved-list .paper-title")).to_have_count(5)
    days = page.locator(".saved-list time")
    expect(days).to_have_text([long_date(dt.date(2025, 8, 18)), long_date(dt.date(1, 2, 1))])
    assert [day.get_attribute("datetime") for day in days.all()] == ["2025-08-18", "0001-02-01"]
    expect(page.locator(".saved-list")).not_to_contain_text(re.compile("Invalid|undefined|NaN|2025-02-30|20250818"))


def test_the_reading_list_shows_only_addresses_on_this_site(reader: Page, base_url: str):
    """Entries another page of this origin may have planted: browsers drop a tab or a line break from
    an address, so "/<tab>/evil.example/x" is "//evil.example/x", another host."""
    page = reader
    page.goto(f"{base_url}/")
    page.evaluate("""localStorage.setItem('paper-digest:reading-list', JSON.stringify([
        {slug: 'a', title: 'Tab', url: '/\\t/evil.example/x'},
        {slug: 'b', title: 'Line break', url: '/\\n/evil.example/y'},
        {slug: 'c', title: 'Backslash', url: '/\\\\evil.example/z'},
        {slug: 'd', title: 'Full address', url: 'https://evil.example/w'},
        {slug: 'skippipe', title: 'SkipPipe', url: '/papers/s/skippipe/', day: '2025-08-18'}]))""")
    page.goto(f"{base_url}/reading-list/")
    expect(page.locator(".saved-list .paper-title")).to_have_text(["SkipPipe"])
    hosts = page.eval_on_selector_all(".saved-list a[href]", "links => links.map(link => new URL(link.href).host)")
    assert hosts and set(hosts) == {base_url.split("//")[1]}


def row_offers(row: Locator) -> dict:
    """What a paper's row offers a reader, as text and addresses, the day it shows left out."""
    def links(selector: str) -> list[tuple[str, str | None]]:
        return [(link.inner_text(), link.get_attribute("href")) for link in row.locator(selector).all()]

    toggle = row.locator(".save-toggle")
    return {
        "title": links(".paper-heading a.paper-title"),
        "save": {key: toggle.get_attribute(f"data-{key}") for key in ("slug", "title", "url")},
        "save label": toggle.inner_text(), "save visible": toggle.is_visible(),
        "upvotes": row.locator(".upvotes").inner_text(), "authors": row.locator(".paper-authors").inner_text(),
        "organization": row.locator(".paper-organization").all_inner_texts(),
        "summary": row.locator(".paper-summary").all_inner_texts(),
        "chips": links(".chips a.chip"), "quick links": links(".quick-links a.quick-link"),
        "link rel": {link.get_attribute("rel") for link in row.locator(".quick-link").all()},
        "quick link names": [link.get_attribute("aria-label") for link in row.locator(".quick-link").all()],
        "abstract toggle": row.locator("details.abstract-toggle > summary").all_inner_texts(),
        "abstract links": abstract_links(row),
    }


def abstract_links(row: Locator) -> list[tuple[str | None, str | None, str | None]]:
    """(text, address, rel) of each link in a row's abstract, shown or folded."""
    return [(link.text_content(), link.get_attribute("href"), link.get_attribute("rel"))
            for link in row.locator(".abstract-text a").all()]


def search_for(page: Page, base_url: str, query: str) -> None:
    page.goto(f"{base_url}/search/?q={query}")
    expect(page.locator("#search-status")).to_contain_text("result")


T = TypeVar("T")


def in_list_and_in_search(page: Page, base_url: str, slug: str, query: str, read: Callable[[Locator], T]) -> tuple[T, T]:
    """What `read` finds in the paper's row on the latest day's page, then in its search result."""
    page.goto(f"{base_url}/dates/{LATEST}/")
    listed = read(page.locator(f".paper-item[data-slug='{slug}']"))
    search_for(page, base_url, query)
    return listed, read(page.locator(f"#search-results .paper-item[data-slug='{slug}']"))


def test_a_search_result_offers_what_the_papers_list_row_does(reader: Page, base_url: str):
    listed, found = in_list_and_in_search(reader, base_url, "panopticsplatting", "panoptic", row_offers)
    assert found == listed
    assert [label for label, _ in found["quick links"]] == ["arXiv", "PDF", "Code", "Project page"]
    # A screen reader's list of links tells this row's "Code" from the next row's.
    assert found["quick link names"] == [f"{label}: {found['save']['title']}" for label, _ in found["quick links"]]
    assert found["chips"] == [("Computer Vision", "/topics/vision/")] and "12" in found["upvotes"]
    assert found["organization"] == ["Analytical Engines <Ltd>"]
    assert found["summary"] == ["AI SUMMARY Panoptic <masks> from splats."]  # the label in capitals, as styled


def test_a_search_results_abstract_links_the_address_its_list_row_links(reader: Page, base_url: str):
    listed, found = in_list_and_in_search(reader, base_url, "many-authors", "everyone", abstract_links)
    assert found == listed == [(LONG_ADDRESS, LONG_ADDRESS, "nofollow")]


def test_a_search_result_is_saved_to_the_reading_list_with_its_star(reader: Page, base_url: str):
    page = reader
    search_for(page, base_url, "skippipe")
    found = star(page, "skippipe")
    expect(found).to_be_visible(timeout=5_000)
    expect(found).to_have_attribute("aria-pressed", "false")
    found.click()
    expect(found).to_have_attribute("aria-pressed", "true")  # one click, one change
    page.goto(f"{base_url}/dates/{LATEST}/")
    expect(star(page, "skippipe")).to_have_attribute("aria-pressed", "true")
    page.goto(f"{base_url}/reading-list/")
    expect(page.locator(".saved-list .paper-title")).to_have_text(["SkipPipe: Partial and Reordered Pipelining for LLMs"])
    search_for(page, base_url, "skippipe")  # shown as saved, and unsaved from the result
    expect(star(page, "skippipe")).to_have_attribute("aria-pressed", "true")
    star(page, "skippipe").click()
    page.goto(f"{base_url}/reading-list/")
    expect(page.locator(".saved-list .paper-title")).to_have_count(0)


def test_back_to_a_kept_page_shows_its_stars_as_the_reading_list_is_now(chromium_keeping_pages: Browser, base_url: str):
    """Saved on the paper's page, then Back: a star still showing ☆ would unsave the paper on its next click."""
    context = chromium_keeping_pages.new_context()
    page = context.new_page()
    search_for(page, base_url, "skippipe")
    page.evaluate("window.keptForBack = true")
    page.locator("#search-results .paper-item[data-slug='skippipe'] .paper-title").click()
    expect(page.locator(".paper-header .save-toggle")).to_be_visible()
    page.locator(".paper-header .save-toggle").click()
    page.go_back(wait_until="commit")  # a kept page fires no load event
    expect(star(page, "skippipe")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("window.keptForBack === true")  # the page was kept, not loaded again
    context.close()


def test_the_search_page_opens_ready_to_type(reader: Page, base_url: str):
    reader.goto(f"{base_url}/search/")
    expect(reader.locator("#search-input")).to_be_focused()


def test_slash_goes_to_the_search_box_but_types_a_slash_in_a_field(reader: Page, base_url: str):
    page = reader
    page.goto(f"{base_url}/")  # the home page has a box of its own
    page.keyboard.press("/")
    box = page.locator("main input[type=search]")
    expect(box).to_be_focused()
    box.type("kv/cache")
    expect(box).to_have_value("kv/cache")  # typed into the box: the key is not taken there
    page.goto(f"{base_url}/papers/s/skippipe/")  # no box: the search page, its box ready
    page.keyboard.press("/")
    page.wait_for_url(re.compile(r"/search/$"))
    expect(page.locator("#search-input")).to_be_focused()


def test_new_papers_are_marked_since_the_last_visit(reader: Page, base_url: str):
    page = reader
    page.goto(f"{base_url}/")
    expect(page.locator(".new-badge")).to_have_count(0)  # a first visit: nothing to compare with
    assert page.evaluate(f"localStorage.getItem('{SEEN_KEY}')") == LATEST

    page.evaluate(f"localStorage.setItem('{SEEN_KEY}', '2025-08-15'); localStorage.removeItem('{VISIT_KEY}')")
    page.reload()  # a later visit, after August 15 was the newest day seen
    latest_rows = page.locator("#latest-papers > .paper-item")
    expect(latest_rows.locator(".new-badge")).to_have_count(latest_rows.count())
    expect(page.locator(f".day-list li[data-day='{LATEST}'] .new-badge")).to_have_count(1)
    expect(page.locator(".day-list li[data-day='2025-08-15'] .new-badge")).to_have_count(0)
    page.goto(f"{base_url}/dates/2025-08-15/")
    expect(page.locator(".new-badge")).to_have_count(0)
    page.goto(f"{base_url}/dates/{LATEST}/")  # still the same visit: still new
    expect(page.locator(".paper-item.is-new")).to_have_count(4)

    page.evaluate(f"localStorage.setItem('{VISIT_KEY}', JSON.stringify({{before: '2025-08-15', at: 0}}))")
    page.reload()  # the next visit: everything was seen last time
    expect(page.locator(".new-badge")).to_have_count(0)


def test_topic_pages_mark_new_papers_without_counting_their_days_as_seen(reader: Page, base_url: str):
    page = reader
    page.goto(f"{base_url}/")
    page.evaluate(f"localStorage.setItem('{SEEN_KEY}', '2025-08-15'); localStorage.removeItem('{VISIT_KEY}')")
    page.goto(f"{base_url}/topics/vision/")
    expect(page.locator(f".paper-item[data-day='{LATEST}'] .new-badge").first).to_be_visible()
    expect(page.locator(".paper-item[data-day='2025-08-15'] .new-badge")).to_have_count(0)
    assert page.evaluate(f"localStorage.getItem('{SEEN_KEY}')") == "2025-08-15"  # the day's other papers are unseen


def test_week_and_month_pages_mark_new_papers_without_counting_their_days_as_seen(reader: Page, base_url: str):
    """They show a period's top papers, not every paper of its days (data-new-markers="rows"). A
    paper is marked by the day its row shows, its first in the period: panopticsplatting, seen on
    August 15 and featured again on the 18th, is new on the 18th's week, not in August's list."""
    page = reader
    for path, old_rows in (("/weeks/2025-W34/", 0), ("/months/2025-08/", 2)):
        page.goto(f"{base_url}/")
        page.evaluate(f"localStorage.setItem('{SEEN_KEY}', '2025-08-15'); localStorage.removeItem('{VISIT_KEY}')")
        page.goto(base_url + path)
        expect(page.locator(f".paper-item[data-day='{LATEST}'] .new-badge").first).to_be_visible()
        expect(page.locator(".paper-item[data-day='2025-08-15']")).to_have_count(old_rows)
        expect(page.locator(".paper-item[data-day='2025-08-15'] .new-badge")).to_have_count(0)
        expect(page.locator(f".day-list li[data-day='{LATEST}'] .new-badge")).to_have_count(1)
        assert page.evaluate(f"localStorage.getItem('{SEEN_KEY}')") == "2025-08-15", path


# --- Accessibility ---

def test_each_paper_of_a_list_is_a_heading_one_level_under_the_lists(reader: Page, base_url: str):
    """A screen reader goes from paper to paper by heading, as it goes from day to day."""
    page = reader
    for path, level in ((f"/dates/{LATEST}/", 2), ("/", 3), ("/topics/vision/", 3), ("/weeks/2025-W34/", 2)):
        page.goto(base_url + path)
        rows = page.locator(".paper-list > .paper-item")
        titles = page.get_by_role("heading", level=level).locator(".paper-title")
        expect(titles).to_have_count(rows.count())
        assert rows.count() > 0, path


# The relative luminance of a "#rrggbb" colour and the contrast of two, as WCAG defines them.
def luminance(colour: str) -> float:
    channels = [int(colour.strip()[index:index + 2], 16) / 255 for index in (1, 3, 5)]
    linear = [value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4 for value in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    lighter, darker = sorted((luminance(one), luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_calendar_key_says_what_its_colours_mean_in_light_and_dark(chromium_browser: Browser, base_url: str,
                                                                       scheme: Literal["light", "dark"]):
    # Busier days stand further out from the page in both schemes, which in dark mode means
    # lighter cells: a key saying "darker: more" was wrong there.
    context = chromium_browser.new_context(color_scheme=scheme)
    page = context.new_page()
    page.goto(f"{base_url}/dates/")
    key = page.locator("main .count").first.inner_text()
    background, *levels = page.evaluate("""() => { const style = getComputedStyle(document.documentElement);
        return ['--bg', '--cal-1', '--cal-2', '--cal-3'].map(name => style.getPropertyValue(name)); }""")
    context.close()
    assert sorted(levels, key=lambda level: contrast(level, background)) == levels
    assert "the stronger its colour, the more" in key and "darker" not in key


# Each kind of page, and what shows once its scripts have run.
PAGE_KINDS = {
    "home": ("/", ".paper-item.is-new"),
    "day": (f"/dates/{LATEST}/", ".topic-filter"),
    "topic": ("/topics/language-models/page/3/", ".pagination"),
    "topics": ("/topics/", ".year-counts"),
    "dates": ("/dates/", ".calendar"),
    "week": ("/weeks/2025-W34/", ".paper-item.is-new"),
    "month": ("/months/2025-08/", ".day-list li.is-new"),
    "paper": ("/papers/p/panopticsplatting/", ".copy-button"),
    "many-authors paper": ("/papers/m/many-authors/", ".more-authors"),
    "search": ("/search/?q=language", "#search-results li"),
    "404": ("/404.html", ".search-form"),
    "reading list": ("/reading-list/", ".saved-list li"),
}


def open_everything(page: Page) -> None:
    """Open every <details> and show what scripts show, so axe checks hidden content too."""
    page.evaluate("document.querySelectorAll('details').forEach(node => { node.open = true; })")


def axe_violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{violation['id']}: {violation['help']} -> {[node['target'] for node in violation['nodes']][:5]}"
            for violation in results["violations"]]


def test_axe_core_is_vendored_and_unchanged():
    recorded = re.search(r"sha256: `([0-9a-f]{64})`", (AXE.parent / "VENDORED.md").read_text()).group(1)
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == recorded


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", list(PAGE_KINDS))
def test_axe_finds_no_violations(chromium_browser: Browser, base_url: str, kind: str,
                                 scheme: Literal["light", "dark"]):
    context = chromium_browser.new_context(color_scheme=scheme, viewport={"width": 1200, "height": 800})
    problems = watched(context, base_url)
    page = context.new_page()
    page.goto(base_url + "/")
    page.evaluate("""localStorage.setItem('paper-digest:reading-list', JSON.stringify([
        {slug: 'skippipe', title: 'SkipPipe', url: '/papers/s/skippipe/', day: '2025-08-18'}]));
        localStorage.setItem('paper-digest:last-seen-day', '2025-08-15');
        localStorage.removeItem('paper-digest:visit');""")
    path, shown = PAGE_KINDS[kind]
    page.goto(base_url + path)
    page.locator(shown).first.wait_for()
    open_everything(page)
    violations = axe_violations(page)
    context.close()
    assert violations == [], "\n".join(violations)
    assert problems == []
