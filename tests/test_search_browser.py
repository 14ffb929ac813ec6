"""The search page in Chromium: search.js and lunr.js on a split index built from real papers."""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
from playwright.sync_api import expect
from search_support import (
    TOPICS,
    corpus_papers_1000,
    fixture_papers,
    make_paper,
    write_site_search,
)

from generator.build import search

STATIC = Path(__file__).resolve().parent.parent / "themes" / "default" / "static"
XSS_TITLE = "<img src=x onerror=alert(1)>"
FRAGMENTS_PER_FOLDER = 50  # the site's 319 papers in 7 fragment folders
DEEP_WORD = "Quokkaformer"  # only at the end of one abstract, past any fixed-length snippet
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


ARXIV_TITLE = "Probing Reasoning Traces"  # arXiv 2508.11630
OLD_STYLE_TITLE = "Strings on Branes"  # arXiv hep-th/9901001
SAM_TITLES = ["SAM2-Adapter: Adapting Segment Anything 2 to Camouflage",  # "SAM2" joined
              "SAM 2: Segment Anything in Images and Videos"]  # "SAM" and "2" apart


def site_papers():
    deep = make_paper("A Marsupial Study", "We look at animals. " * 30 + f"Our {DEEP_WORD} wins.", slug="marsupial")
    xss = make_paper(XSS_TITLE, "An <b>abstract</b> with markup.", topics=("llm",), slug="xss")
    by_id = [make_paper(ARXIV_TITLE, "We probe traces.", slug="probing", arxiv_id="2508.11630"),
             make_paper(OLD_STYLE_TITLE, "Strings and branes.", slug="branes", arxiv_id="hep-th/9901001")]
    sam = [make_paper(title, "We segment videos with prompts.", slug=f"sam-{n}") for n, title in enumerate(SAM_TITLES)]
    return fixture_papers() + corpus_papers_1000()[:300] + [deep, xss, *by_id, *sam]


@pytest.fixture
def site_dir(tmp_path, monkeypatch) -> Path:
    # Fragments in several folders, as on a large site: search.js must find each in its own.
    monkeypatch.setattr(search, "FRAGMENTS_PER_FOLDER", FRAGMENTS_PER_FOLDER)
    write_site_search(tmp_path, site_papers())
    (tmp_path / "search" / "index.html").write_text(SEARCH_PAGE, encoding="utf-8")
    (tmp_path / "favicon.ico").write_bytes(b"")  # Chromium asks for it; a 404 logs a console error
    (tmp_path / "static").mkdir()
    for name in ("lunr-2.3.9.min.js", "search.js"):
        shutil.copy(STATIC / name, tmp_path / "static" / name)
    return tmp_path


@pytest.fixture
def page(chromium_browser, site_dir, static_server):
    """A page that records what a reader must never get (errors, dialogs, other hosts) and the
    files it fetched."""
    site_url = static_server(site_dir)
    context = chromium_browser.new_context()
    page = context.new_page()
    page.problems = []
    page.fetched = []
    page.on("console", lambda message: message.type in ("error", "warning") and page.problems.append(message.text))
    page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
    page.on("dialog", lambda dialog: (page.problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    host = urlparse(site_url).netloc
    page.on("request", lambda request: urlparse(request.url).netloc == host
            or page.problems.append(f"request to another host: {request.url}"))
    page.on("response", lambda response: page.fetched.append(urlparse(response.url).path))
    page.site_url = site_url
    yield page
    context.close()


def open_search(page, query: str) -> str:
    page.goto(f"{page.site_url}/search/?q={quote(query)}")
    # Locator waits, not wait_for_function: the page's CSP forbids the eval that one needs.
    # The status changes last, once the first page of results is on screen.
    expect(page.locator("#search-status")).to_have_text(re.compile(r"result|too many|updated since|Type a word"),
                                                        timeout=20_000)  # a busy machine is slow, not wrong
    return page.text_content("#search-status")


def result_titles(page) -> list[str]:
    return page.locator("#search-results .paper-title").all_text_contents()


def test_mixture_of_experts_finds_moe_papers_with_the_words_marked(page):
    status = open_search(page, "mixture of experts")
    titles = result_titles(page)
    assert re.fullmatch(r"\d+ results for \u201cmixture of experts\u201d\.", status)
    assert {"Yuan 2.0-M32: Mixture of Experts with Attention Router",
            "GRIN: GRadient-INformed MoE"} <= set(titles)
    marked = {text.lower() for text in page.locator("#search-results mark").all_text_contents()}
    assert {"mixture", "experts"} <= marked
    assert page.input_value("#search-input") == "mixture of experts"
    assert page.problems == []


def test_the_snippet_is_cut_around_the_matched_word(page):
    open_search(page, DEEP_WORD.lower())
    snippet = page.locator("#search-results .paper-snippet").first
    assert snippet.locator("mark").all_text_contents() == [DEEP_WORD]
    assert snippet.text_content().startswith("\u2026") and DEEP_WORD in snippet.text_content()


def test_a_query_fetches_only_its_shards_and_the_fragments_it_shows(page, site_dir):
    open_search(page, "mixture of experts")
    shards = [path for path in page.fetched if path.startswith("/search/s/")]
    fragments = [path for path in page.fetched if path.startswith("/search/f/")]
    assert 1 <= len(shards) <= 2  # "mixtur" and "expert"; the same shard perhaps
    assert len(list((site_dir / "search" / "s").iterdir())) > 5 * len(shards)
    assert len(fragments) == len(result_titles(page)) == min(20, len(fragments))
    placed = [re.fullmatch(r"/search/f/(\d+)/(\d+)\.json", path) for path in fragments]
    assert all(match and int(match[2]) // FRAGMENTS_PER_FOLDER == int(match[1]) for match in placed)
    assert len({match[1] for match in placed if match}) > 1  # results from several folders
    assert not any(path.startswith("/search/v/") for path in page.fetched)  # the word list: fuzzy queries only


def test_typing_searches_and_keeps_a_shareable_address(page):
    open_search(page, "")
    page.fill("#search-input", "Survey")
    page.locator("#search-results li").first.wait_for()
    titles = result_titles(page)
    assert titles and all("survey" in title.lower() for title in titles[:3])
    first = page.locator("#search-results li").first
    assert first.locator("a.paper-title").get_attribute("href").startswith("/papers/")
    assert first.locator("time").get_attribute("datetime").count("-") == 2
    assert re.fullmatch(r"[A-Z][a-z]+ \d{1,2}, \d{4}", first.locator("time").inner_text())  # as pages write days
    assert page.url.endswith("/search/?q=Survey")
    page.press("#search-input", "Enter")  # submitting searches in place, no reload
    assert page.url.endswith("/search/?q=Survey") and result_titles(page)
    assert page.problems == []


def test_show_more_adds_the_next_twenty(page):
    status = open_search(page, "model")
    total = int(status.split()[0])
    assert total > 40 and len(result_titles(page)) == 20
    page.click("text=Show 20 more")
    expect(page.locator("#search-results li")).to_have_count(40)
    assert page.problems == []


def test_markup_in_query_and_title_stays_text(page):
    open_search(page, XSS_TITLE)
    assert page.locator("img").count() == 0
    assert XSS_TITLE in result_titles(page)
    assert page.input_value("#search-input") == XSS_TITLE
    open_search(page, "markup")  # found by its abstract: the title is one unmarked stretch of text
    assert page.locator("img").count() == 0 and page.locator("#search-results b").count() == 0
    assert result_titles(page) == [XSS_TITLE]
    assert "An <b>abstract</b> with markup." in page.text_content("#search-results .paper-snippet")
    assert page.problems == []


def test_no_paper_with_all_words_says_so_and_shows_any(page):
    status = open_search(page, "mixture zzzqqq")
    assert re.fullmatch(r"No paper has all of \u201cmixture\u201d, \u201czzzqqq\u201d; showing \d+ results? "
                        r"with any of them\.", status)
    assert result_titles(page)


@pytest.mark.parametrize("query", ["title:", "a~", "^2", "+", "v^3 +"])
def test_malformed_queries_say_so_and_break_nothing(page, query):
    status = open_search(page, query)
    assert "not valid search syntax" in status or status.startswith("No results for")
    assert page.problems == []


@pytest.mark.parametrize("query", ["*", '"', "-", "title:survey", "+survey -agents", "surv*", "survy~1",
                                   "nosuchfield:word"])
def test_lunr_syntax_runs_without_errors(page, query):
    status = open_search(page, query)
    assert status and page.problems == []


def test_no_results_says_so(page):
    assert open_search(page, "zzzqqq") == "No results for \u201czzzqqq\u201d."
    assert result_titles(page) == []


def test_a_rebuilt_site_asks_to_reload_instead_of_mixing_indexes(page, site_dir):
    open_search(page, "survey")
    shutil.rmtree(site_dir / "search" / "s")  # a deploy: new shard names, the old ones gone
    write_site_search(site_dir, [make_paper("A Newer Survey", "Fresh.", slug="newer")], TOPICS)
    # The test server revalidates by Last-Modified, in whole seconds: a deploy is never that fast.
    manifest = site_dir / "search" / "index.json"
    os.utime(manifest, (manifest.stat().st_mtime + 5, manifest.stat().st_mtime + 5))
    page.fill("#search-input", "diffusion")
    expect(page.locator("#search-status")).to_contain_text("updated since this page was opened")
    page.click("text=Reload the page")
    expect(page.locator("#search-status")).to_have_text("No results for \u201cdiffusion\u201d.")
    page.fill("#search-input", "newer")
    expect(page.locator("#search-results .paper-title")).to_have_text(["A Newer Survey"])


def test_a_fragment_from_a_newer_build_asks_to_reload(page, site_dir):
    open_search(page, "survey")
    for path in (site_dir / "search" / "f").glob("*/*.json"):  # papers whose field lengths changed
        fragment = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(json.dumps({**fragment, "l": [length + 1 for length in fragment["l"]]}), encoding="utf-8")
    page.fill("#search-input", "diffusion")
    expect(page.locator("#search-status")).to_contain_text("updated since this page was opened")


@pytest.mark.parametrize(("query", "status"), [("*", "matches too many words"), ("+", "No results for")])
def test_a_refused_or_malformed_query_clears_the_results_of_the_one_before(page, query, status):
    open_search(page, "gaussian splat")
    assert result_titles(page)
    page.fill("#search-input", query)
    expect(page.locator("#search-status")).to_contain_text(status)
    expect(page.locator("#search-results li")).to_have_count(0)
    expect(page.locator(".search-more")).to_be_hidden()
    assert page.problems == []


@pytest.mark.parametrize(("query", "title"), [
    ("https://arxiv.org/abs/2508.11630", ARXIV_TITLE), ("arxiv.org/pdf/2508.11630v2", ARXIV_TITLE),
    ("arXiv:2508.11630", ARXIV_TITLE), ("ARXIV:2508.11630", ARXIV_TITLE), ("arxiv: 2508.11630v1", ARXIV_TITLE),
    ("http://www.arxiv.org/abs/2508.11630/", ARXIV_TITLE), ("https://arxiv.org/pdf/2508.11630.pdf", ARXIV_TITLE),
    ("2508.11630v3", ARXIV_TITLE), ("2508.11630", ARXIV_TITLE),
    ("https://arxiv.org/abs/hep-th/9901001v1", OLD_STYLE_TITLE), ("arXiv:hep-th/9901001", OLD_STYLE_TITLE),
    ("hep-th/9901001", OLD_STYLE_TITLE),
])
def test_an_arxiv_address_or_id_finds_its_paper_first(page, query, title):
    status = open_search(page, query)
    assert result_titles(page)[:1] == [title]
    assert status.startswith("1 result for")
    assert page.problems == []


@pytest.mark.parametrize(("query", "titles"), [
    ("Llama3", ["The Llama 3 Herd of Models"]), ("llama3 herd", ["The Llama 3 Herd of Models"]),
    ("SAM2", SAM_TITLES), ("sam2 segment", SAM_TITLES),
])
def test_a_letter_and_digit_word_finds_papers_that_write_it_apart(page, query, titles):
    status = open_search(page, query)
    assert status.endswith(f"for \u201c{query}\u201d.")  # every word matched, not "any of them"
    found = result_titles(page)
    assert [title for title in found if title in titles] == titles  # the joined form first
    assert page.problems == []


@pytest.mark.parametrize(("query", "similar"), [("transformr", "transformr~1"),
                                                ("difusion modle", "difusion~1 modle~1"),
                                                ("the gausian of splatng", "the gausian~1 of splatng~1")])
def test_finding_nothing_offers_similar_spellings(page, query, similar):
    assert open_search(page, query) == f"No results for \u201c{query}\u201d."
    offer = page.locator(".search-suggestion a")
    expect(offer).to_have_text(similar)
    assert offer.get_attribute("href") == f"/search/?q={quote(similar)}"  # shareable, and works without a click
    assert not any(path.startswith("/search/v/") for path in page.fetched)  # fuzzy only when asked for
    offer.click()
    expect(page.locator("#search-status")).to_contain_text(f"for \u201c{similar}\u201d")
    assert result_titles(page) and page.input_value("#search-input") == similar
    assert page.url.endswith(f"/search/?q={quote(similar)}")
    expect(page.locator(".search-suggestion")).to_be_hidden()
    assert page.problems == []


def test_back_from_similar_spellings_returns_to_the_query_before(page):
    open_search(page, "difusion modle")
    page.locator(".search-suggestion a").click()
    expect(page.locator("#search-status")).to_contain_text("for \u201cdifusion~1 modle~1\u201d")
    page.go_back()
    expect(page.locator("#search-status")).to_have_text("No results for \u201cdifusion modle\u201d.")
    assert page.url.endswith(f"/search/?q={quote('difusion modle')}")
    assert page.input_value("#search-input") == "difusion modle" and result_titles(page) == []
    expect(page.locator(".search-suggestion a")).to_have_text("difusion~1 modle~1")  # offered again
    page.go_forward()
    expect(page.locator("#search-status")).to_contain_text("for \u201cdifusion~1 modle~1\u201d")
    assert page.input_value("#search-input") == "difusion~1 modle~1" and result_titles(page)
    assert page.problems == []


def test_a_misspelt_word_among_found_ones_offers_similar_spellings(page):
    # "transformer" alone finds papers, so the page lists those with any of the words: the
    # misspelt one is the likely reason no paper has them all.
    status = open_search(page, "difusion transformer")
    assert status.startswith("No paper has all of") and result_titles(page)
    offer = page.locator(".search-suggestion a")
    expect(offer).to_have_text("difusion~1 transformer~1")
    offer.click()
    expect(page.locator("#search-status")).to_contain_text("for \u201cdifusion~1 transformer~1\u201d")
    assert any("iffusion" in title for title in result_titles(page)[:5])
    assert page.problems == []


def test_a_query_with_results_offers_no_other_spellings(page):
    open_search(page, "transformer")
    assert result_titles(page) and page.locator(".search-suggestion a").count() == 0


def test_back_from_a_result_restores_the_list_and_where_it_was_read(page, site_dir):
    status = open_search(page, "diffusion")
    assert int(status.split()[0]) > 40
    page.click("text=Show 20 more")
    expect(page.locator("#search-results li")).to_have_count(40)
    link = page.locator("#search-results .paper-title").nth(30)
    paper = site_dir / link.get_attribute("href").strip("/") / "index.html"
    paper.parent.mkdir(parents=True)
    paper.write_text("<!doctype html><title>A paper</title><p>The paper.</p>", encoding="utf-8")
    link.scroll_into_view_if_needed()
    read_at = page.evaluate("window.scrollY")
    assert read_at > 0
    link.click()
    expect(page).to_have_title("A paper")
    page.go_back()
    expect(page.locator("#search-results li")).to_have_count(40)
    expect(page.locator(".search-more")).to_have_text(re.compile(r"Show \d+ more"))
    expect(page.locator("#search-results .paper-title").nth(30)).to_be_in_viewport()
    assert abs(page.evaluate("window.scrollY") - read_at) <= 2
    assert page.problems == []


def result_days(page) -> list[str]:
    return [day.get_attribute("datetime") for day in page.locator("#search-results time").all()]


def list_every_result(page, total: int) -> None:
    for _ in range(total // 20):
        page.click(".search-more")
    expect(page.locator("#search-results li")).to_have_count(total)


def test_newest_first_lists_the_same_results_by_day_each_days_best_first_and_keeps_it_in_the_address(page):
    status = open_search(page, "video")
    total = int(status.split()[0])
    assert 20 < total <= 80  # several pages, and few enough to list them all
    list_every_result(page, total)
    best_first = list(zip(result_days(page), result_titles(page), strict=True))
    assert [day for day, _ in best_first] != sorted(day for day, _ in best_first)[::-1]  # any day comes first

    page.select_option("#search-order", "newest")
    expect(page).to_have_url(re.compile(r"/search/\?q=video&sort=newest$"))
    expect(page.locator("#search-results li")).to_have_count(20)
    list_every_result(page, total)
    newest_first = list(zip(result_days(page), result_titles(page), strict=True))
    assert newest_first == sorted(best_first, key=lambda row: row[0], reverse=True)  # stable: a day's best first
    assert page.text_content("#search-status") == status

    page.reload()  # the order is the address's; the list as long as it was
    expect(page.locator("#search-status")).to_have_text(status)
    expect(page.locator("#search-results li")).to_have_count(total)
    assert page.input_value("#search-order") == "newest"
    assert list(zip(result_days(page), result_titles(page), strict=True)) == newest_first
    page.select_option("#search-order", "")
    expect(page).to_have_url(re.compile(r"/search/\?q=video$"))
    assert page.problems == []
