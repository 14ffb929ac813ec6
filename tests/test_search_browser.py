"""The search page in Chromium: search.js with lunr.js on a payload built from real papers."""
from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
from playwright.sync_api import expect
from search_support import TOPICS, fixture_papers, make_paper

from generator.build import search

STATIC = Path(__file__).resolve().parent.parent / "themes" / "default" / "static"
XSS_TITLE = "<img src=x onerror=alert(1)>"
# The elements and scripts of themes/default/templates/search.html, under the same CSP as the site.
SEARCH_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'">
<title>Search</title></head>
<body>
<form class="search-form" action="/search/" method="get" role="search">
  <label for="search-input">Search papers</label>
  <input id="search-input" name="q" type="search">
  <button type="submit">Search</button>
</form>
<p id="search-status" role="status" aria-live="polite"></p>
<ol id="search-results" class="paper-list"></ol>
<script src="/static/lunr-2.3.9.min.js" defer></script>
<script src="/static/search.js" defer></script>
</body></html>
"""


@pytest.fixture
def site_url(tmp_path, static_server) -> str:
    papers = fixture_papers() + [make_paper(XSS_TITLE, "An <b>abstract</b> with markup.", topics=("llm",))]
    (tmp_path / "search").mkdir()
    (tmp_path / "search" / "index.html").write_text(SEARCH_PAGE, encoding="utf-8")
    for path, data in search.build_search_files(papers, TOPICS).items():
        (tmp_path / path).write_bytes(data)
    (tmp_path / "favicon.ico").write_bytes(b"")  # Chromium asks for it; a 404 logs a console error
    (tmp_path / "static").mkdir()
    for name in ("lunr-2.3.9.min.js", "search.js"):
        shutil.copy(STATIC / name, tmp_path / "static" / name)
    return static_server(tmp_path)


@pytest.fixture
def page(chromium_browser, site_url):
    """A page that records what a reader must never get: errors, dialogs, other hosts."""
    context = chromium_browser.new_context()
    page = context.new_page()
    page.problems = []
    page.on("console", lambda message: message.type in ("error", "warning") and page.problems.append(message.text))
    page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
    page.on("dialog", lambda dialog: (page.problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    host = urlparse(site_url).netloc
    page.on("request", lambda request: urlparse(request.url).netloc == host
            or page.problems.append(f"request to another host: {request.url}"))
    page.site_url = site_url
    yield page
    context.close()


def open_search(page, query: str) -> str:
    page.goto(f"{page.site_url}/search/?q={quote(query)}")
    # Locator waits, not wait_for_function: the page's CSP forbids the eval that one needs.
    expect(page.locator("#search-status")).not_to_have_text(re.compile(r"^(Loading|$)"))
    return page.text_content("#search-status")


def result_titles(page) -> list[str]:
    return page.locator("#search-results .paper-title").all_text_contents()


def test_mixture_of_experts_finds_moe_papers(page):
    status = open_search(page, "mixture of experts")
    titles = result_titles(page)
    assert status == f"{len(titles)} results for \u201cmixture of experts\u201d."
    assert {"Yuan 2.0-M32: Mixture of Experts with Attention Router",
            "Skywork-MoE: A Deep Dive into Training Techniques for Mixture-of-Experts Language Models",
            "GRIN: GRadient-INformed MoE"} == set(titles)  # GRIN: its abstract opens with the words
    assert page.input_value("#search-input") == "mixture of experts"
    assert page.problems == []


def test_typing_survey_shows_survey_papers_and_a_shareable_address(page):
    open_search(page, "")
    page.fill("#search-input", "Survey")
    page.locator("#search-results li").first.wait_for()
    titles = result_titles(page)
    assert len(titles) == 3 and all("Survey" in title for title in titles)
    first = page.locator("#search-results li").first
    assert first.locator("a").get_attribute("href").startswith("/papers/")
    assert first.locator("time").get_attribute("datetime").count("-") == 2
    assert first.locator(".paper-snippet").text_content()
    assert page.url.endswith("/search/?q=Survey")
    page.press("#search-input", "Enter")  # submitting searches in place, no reload
    assert page.url.endswith("/search/?q=Survey") and len(result_titles(page)) == 3
    assert page.problems == []


def test_markup_in_query_and_title_stays_text(page):
    open_search(page, XSS_TITLE)
    assert page.locator("img").count() == 0
    assert XSS_TITLE in result_titles(page)
    assert page.input_value("#search-input") == XSS_TITLE
    assert page.problems == []


@pytest.mark.parametrize("query", ["title:", "a~", "+", "^2", "*", '"', "-", "title:survey", "v^3 +"])
def test_malformed_queries_show_a_status_and_no_error(page, query):
    status = open_search(page, query)
    assert status.startswith(("No results for", "1 result for")) or " results for " in status
    assert page.problems == []


def test_no_results_says_so(page):
    assert open_search(page, "zzzqqq") == "No results for \u201czzzqqq\u201d."
    assert result_titles(page) == []
