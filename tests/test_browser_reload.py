"""In real Chromium: an open page shows a save by itself, in place, and shows build errors until fixed."""
from __future__ import annotations

import re
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect
from test_serve_support import make_project, paper_file, raw_request, wait_for

from generator.preview.session import PreviewSession

SLUG = "sparse-routing-for-tiny-models"


@pytest.fixture
def session(tmp_path: Path):
    session = PreviewSession(make_project(tmp_path / "project"), "127.0.0.1", 0, report=lambda message: None)
    session.start()
    yield session
    session.stop()


@pytest.fixture
def page(chromium_browser, session):  # chromium_browser (conftest.py): skipped locally without Chromium, fails in CI
    context = chromium_browser.new_context()
    page = context.new_page()
    page.goto(f"{session.url}papers/{SLUG[0]}/{SLUG}/")
    page.wait_for_function("() => document.querySelector('script[data-digest-version]') !== null")
    yield page
    context.close()


def test_an_open_page_shows_an_edit_in_place_with_its_scripts_run_again(page, session):
    """The new version replaces the page's body without a navigation: the same document (its
    marker stays), the same scroll position, and the theme's scripts bound to the new body."""
    page.set_viewport_size({"width": 800, "height": 300})
    page.evaluate("window.marker = 1; window.scrollTo(0, 150)")
    path = paper_file(session.project_dir, SLUG)
    path.write_text(path.read_text().replace("simple to state", "refreshingly simple to state"))
    page.wait_for_function("() => document.body.innerText.includes('refreshingly')", timeout=15_000)
    page.wait_for_function("() => performance.getEntriesByName('digest-updated').length > 0")
    assert page.evaluate("[window.marker, window.scrollY]") == [1, 150]
    assert page.locator("nav li.needs-script").is_visible()  # reader.js ran on the new body
    toggle = page.locator("button.save-toggle").first
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"


def show_in_place_again(page, session, times: int, ran: str) -> None:
    """Shows the open page in place `times` times through the preview's own reload event, each
    after `ran` (a script's condition) says the page's scripts ran on the body shown before."""
    for shown in range(1, times + 1):
        page.wait_for_function(ran)
        session.live.publish_reload()  # missed while the page fetches itself, it is in the next "hello"
        page.wait_for_function(f"() => performance.getEntriesByName('digest-updated').length === {shown}")
    page.wait_for_function(ran)


SEARCH_RAN = "() => document.getElementById('search-status').textContent.startsWith('Type a word')"  # index loaded
READER_RAN = "() => !document.querySelector('nav .needs-script').hidden"


# What a tab in the background is to its scripts: hidden, and no animation frame ever runs.
BACKGROUND_TAB = """
Object.defineProperty(document, "hidden", { get: () => true });
Object.defineProperty(document, "visibilityState", { get: () => "hidden" });
window.requestAnimationFrame = () => 0;
"""


def test_a_page_in_a_background_tab_shows_one_edit_after_another(chromium_browser, session):
    """A hidden tab paints nothing: having shown a new version in place, it listens again at once
    rather than after a paint that never comes, so the next version reaches it too (and the
    server's work for other pages does not wait for it)."""
    context = chromium_browser.new_context()
    context.add_init_script(BACKGROUND_TAB)
    page = context.new_page()
    page.goto(f"{session.url}papers/{SLUG[0]}/{SLUG}/")
    for shown in range(1, 4):  # Playwright's waits poll by timer here: by default they use animation frames
        page.wait_for_function(READER_RAN, polling=20)
        session.live.publish_reload()
        page.wait_for_function(f"() => performance.getEntriesByName('digest-updated').length === {shown}",
                               polling=20, timeout=5_000)
    context.close()


@pytest.fixture
def search_page(chromium_browser, session):
    context = chromium_browser.new_context(viewport={"width": 800, "height": 200})  # short: it scrolls
    page = context.new_page()
    page.goto(f"{session.url}search/")
    yield page
    context.close()


def test_the_search_page_shown_in_place_again_and_again_handles_each_window_event_once(search_page, session):
    """Each rebuild runs search.js again on the same window: after three, a scroll pause writes
    the reading position into the page's history entry once, not once for every run."""
    show_in_place_again(search_page, session, 3, SEARCH_RAN)
    search_page.evaluate("""() => {
        window.historyWrites = 0;
        const replaceState = history.replaceState.bind(history);
        history.replaceState = (...args) => { window.historyWrites += 1; return replaceState(...args); };
        window.scrollTo(0, 100);
    }""")
    search_page.wait_for_function("() => history.state && history.state.scrollY === 100")
    search_page.wait_for_timeout(300)  # any other run's write follows within the same pause
    assert search_page.evaluate("window.historyWrites") == 1


# reader.js draws the reading list, or the stars, from the saved list each time it answers an event.
COUNT_READING_LIST_READS = """() => {
    window.readingListReads = 0;
    const getItem = Storage.prototype.getItem;
    Storage.prototype.getItem = function (key) {
        if (key === 'paper-digest:reading-list') { window.readingListReads += 1; }
        return getItem.call(this, key);
    };
}"""


def test_the_reading_list_shown_in_place_again_and_again_shows_a_paper_saved_in_another_tab_once(
        chromium_browser, session):
    """Each rebuild runs reader.js again on the same window: after three, a paper saved in another
    tab is listed, the list drawn once, not once for every run."""
    context = chromium_browser.new_context()
    reading_list = context.new_page()
    reading_list.goto(f"{session.url}reading-list/")
    show_in_place_again(reading_list, session, 3, READER_RAN)
    reading_list.evaluate(COUNT_READING_LIST_READS)
    other_tab = context.new_page()
    other_tab.goto(f"{session.url}papers/{SLUG[0]}/{SLUG}/")
    other_tab.locator("button.save-toggle").first.click()
    expect(reading_list.locator(".saved-list .paper-title")).to_have_text(["Sparse Routing for Tiny Models"])
    assert reading_list.evaluate("window.readingListReads") == 1  # every listener ran before the list showed
    context.close()


def test_a_page_shown_in_place_again_and_again_shows_its_stars_once_when_shown_from_back_forward(page, session):
    """The same for a page shown again by Back or Forward as it was left (pageshow, persisted),
    whose stars are drawn again from the saved list: once, not once for every run. Chromium keeps
    no preview page for Back (they are served no-store), so the event is dispatched here."""
    show_in_place_again(page, session, 3, READER_RAN)
    page.evaluate(COUNT_READING_LIST_READS)
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))")
    assert page.evaluate("window.readingListReads") == 1


def test_a_search_typed_just_before_the_page_is_shown_in_place_leaves_the_new_pages_address(
        chromium_browser, session):
    """The typing pause of the run before would end after the page is shown in place and write its
    query into the address, a query the new page's box does not hold. The page's clock stands still
    from the typing until the new page is shown, so the pause ends after, however long that takes."""
    context = chromium_browser.new_context()
    page = context.new_page()
    page.clock.install()
    page.goto(f"{session.url}search/")
    expect(page.locator("#search-status")).to_have_text(re.compile("Type a word"))
    page.clock.pause_at(page.evaluate("Date.now()") + 1000)
    page.locator("#search-input").fill("diffusion")  # the typing pause starts, held by the clock
    page.evaluate("window.typedIn = document.body")
    session.live.publish_reload()
    page.wait_for_function("() => document.body !== window.typedIn && "
                           "document.getElementById('search-status').textContent.startsWith('Type a word')")
    page.clock.run_for(1000)  # past the typing pause: a timer due in it has run when this returns
    assert page.url == f"{session.url}search/"
    assert page.locator("#search-input").input_value() == ""
    context.close()


def problems_seen(page) -> list[str]:
    """Console errors and uncaught errors of page, collected as they happen."""
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    return problems


def show_in_place_cutting_short(page, session, request) -> None:
    """Shows the open page in place while `request`, held by a route that never answers it, is on
    its way: the run of the scripts before ends, and with it their fetch, which fails at once."""
    page.evaluate("window.shownBefore = document.body")
    with page.expect_event("requestfailed", lambda failed: failed == request, timeout=10_000):
        session.live.publish_reload()
        page.wait_for_function("() => performance.getEntriesByName('digest-updated').length === 1")
    assert request.failure == "net::ERR_ABORTED"


def test_a_search_under_way_when_the_page_is_shown_in_place_ends_with_its_run(chromium_browser, session):
    """The search's index shard is on its way when the page is shown in place. Had its fetch gone on,
    its results would go into the body no longer shown; cut short, its AbortError is no error to
    show either. The page shown searches again, in full."""
    context = chromium_browser.new_context()
    page = context.new_page()
    problems = problems_seen(page)
    page.route("**/search/s/*.json", lambda route: None, times=1)  # the first shard never arrives
    with page.expect_request("**/search/s/*.json") as shard:
        page.goto(f"{session.url}search/?q=routing")
    expect(page.locator("#search-status")).to_have_text("Searching…")
    show_in_place_cutting_short(page, session, shard.value)
    expect(page.locator("#search-status")).to_have_text("1 result for “routing”.")
    expect(page.locator("#search-results .paper-title")).to_have_text(["Sparse Routing for Tiny Models"])
    assert page.evaluate("[window.shownBefore.querySelector('#search-status').textContent, "
                         "window.shownBefore.querySelector('#search-results').children.length]") == ["Searching…", 0]
    assert problems == []
    context.close()


@pytest.mark.parametrize(("button", "status", "waiting"), [
    ("Suggest papers", ".recommendations-status", "Reading your saved papers…"),
    ("Download BibTeX", ".reading-list-status", "Preparing BibTeX for 1 paper…"),
])
def test_a_saved_papers_page_under_way_when_the_reading_list_is_shown_in_place_ends_with_its_run(
        chromium_browser, session, button: str, status: str, waiting: str):
    """The same for the reading list's fetches of saved papers' pages: the run before neither writes
    its outcome into the body no longer shown nor downloads a BibTeX file of papers it could not read."""
    context = chromium_browser.new_context(accept_downloads=True)
    page = context.new_page()
    problems = problems_seen(page)
    page.on("download", lambda download: problems.append(f"download: {download.suggested_filename}"))
    paper = f"{session.url}papers/{SLUG[0]}/{SLUG}/"
    page.goto(paper)
    page.locator("button.save-toggle").first.click()
    page.route(paper, lambda route: None, times=1)  # the saved paper's page never arrives
    page.goto(f"{session.url}reading-list/")
    with page.expect_request(paper) as read:
        page.get_by_role("button", name=button).click()
    expect(page.locator(status)).to_have_text(waiting)
    show_in_place_cutting_short(page, session, read.value)
    assert page.evaluate(f"window.shownBefore.querySelector({status!r}).textContent") == waiting
    assert problems == []
    page.get_by_role("button", name="Suggest papers").click()  # the page shown reads the saved pages
    expect(page.locator(".recommendations-status")).to_have_text(
        re.compile(r"^\d+ papers? related to your saved papers\.$"))
    context.close()


def test_a_page_whose_stylesheet_changed_reloads_whole(page, session):
    page.evaluate("window.marker = 1")
    before = page.get_attribute("link[rel=stylesheet]", "href")
    style = session.project_dir / "themes" / "default" / "static" / "style.css"
    style.write_text(style.read_text() + "\nh1 { letter-spacing: 0.01em; }\n")
    page.wait_for_function(f"() => window.marker === undefined && "
                           f"document.querySelector('link[rel=stylesheet]').getAttribute('href') !== {before!r}",
                           timeout=15_000)


def test_an_open_page_whose_html_element_changed_shows_its_new_attributes(page, session):
    """A body shown in place keeps the old <html> element: its lang (site.yaml's language) or a
    class a template sets there would stay as they were."""
    (session.project_dir / "content" / "site.yaml").write_text("language: de\n")
    page.wait_for_function("() => document.documentElement.lang === 'de'", timeout=15_000)


def logo(width: int) -> str:
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="10"><rect width="{width}" height="10"/></svg>'


def test_an_open_page_shows_an_image_saved_again_under_the_same_address(page, session):
    """Files in static/ other than stylesheets and scripts keep their address, and the browser keeps
    a page's images by address: shown in place, the page would keep the old image."""
    (session.project_dir / "static").mkdir()
    (session.project_dir / "static" / "logo.svg").write_text(logo(40))
    (session.project_dir / "templates").mkdir()
    template = (session.project_dir / "themes" / "default" / "templates" / "paper.html").read_text()
    (session.project_dir / "templates" / "paper.html").write_text(
        template.replace("</h1>", '</h1><img id="logo" src="/static/logo.svg" alt="">', 1))
    page.wait_for_function("() => document.getElementById('logo')?.complete && "
                           "document.getElementById('logo').naturalWidth === 40", timeout=15_000)
    (session.project_dir / "static" / "logo.svg").write_text(logo(80))
    page.wait_for_function("() => document.getElementById('logo')?.naturalWidth === 80", timeout=15_000)


def test_an_open_page_whose_paper_was_deleted_shows_the_not_found_page(page, session):
    paper_file(session.project_dir, SLUG).unlink()
    page.wait_for_function("() => document.querySelector('h1').textContent.includes('Page not found')", timeout=15_000)


def test_the_open_page_tells_the_server_its_path_and_shows_an_edit_first(page, session):
    """The server writes the open page before the reload and the rest after (SiteBuilder.rebuild's
    shown): it knows the page by what the reload script says."""
    assert wait_for(lambda: session.live.open_pages() == {f"papers/{SLUG[0]}/{SLUG}/index.html"})
    path = paper_file(session.project_dir, SLUG)
    path.write_text(path.read_text().replace("Sparse Routing for Tiny Models", "Sparse Routing, Open First", 1))
    page.wait_for_function("() => document.querySelector('h1').textContent.includes('Open First')", timeout=15_000)
    port = int(session.url.rstrip("/").rsplit(":", 1)[1])
    assert "Sparse Routing, Open First" in raw_request(port, "/dates/2025-08-18/").text  # written after it


def test_a_build_error_appears_on_the_open_page_and_clears_when_fixed(page, session):
    path = paper_file(session.project_dir, SLUG)
    good = path.read_text()
    path.write_text(good.replace("title: ", 'title: "unclosed\n', 1))
    overlay = page.locator("#digest-build-error")
    overlay.wait_for(state="visible", timeout=15_000)
    assert f"content/papers/{SLUG}.md:" in overlay.inner_text()
    assert "Sparse Routing for Tiny Models" in page.locator("h1").first.inner_text()  # the last good page

    path.write_text(good)
    overlay.wait_for(state="detached", timeout=15_000)


def test_an_edit_shows_on_the_open_page_while_another_file_is_broken(page, session):
    broken = paper_file(session.project_dir, "fast-sampling-of-diffusion-models")
    broken.write_text(broken.read_text().replace("title: ", 'title: "unclosed\n', 1))
    overlay = page.locator("#digest-build-error")
    overlay.wait_for(state="visible", timeout=15_000)

    path = paper_file(session.project_dir, SLUG)
    path.write_text(path.read_text().replace("Sparse Routing for Tiny Models", "Sparse Routing, Still Shown", 1))
    page.wait_for_function("() => document.querySelector('h1').textContent.includes('Still Shown')", timeout=15_000)
    assert "content/papers/fast-sampling-of-diffusion-models.md:" in overlay.inner_text()  # still over the page


def test_the_published_page_has_no_reload_script(session):
    with urllib.request.urlopen(f"{session.url}papers/{SLUG[0]}/{SLUG}/", timeout=10) as response:
        assert "/__digest/reload.js" in response.read().decode()  # the served page has it ...
    page = session.site_dir / "papers" / SLUG[0] / SLUG / "index.html"
    assert "__digest" not in page.read_text()  # ... the written one does not


def test_an_open_week_page_shows_an_edit_of_one_of_its_papers(chromium_browser, session):
    """A paper's week and month are its edit's scope: a new title shows in place, and upvotes
    move the paper to the top."""
    context = chromium_browser.new_context()
    page = context.new_page()
    page.goto(f"{session.url}weeks/2025-W34/")
    page.wait_for_function("() => document.querySelector('script[data-digest-version]') !== null")
    titles = page.locator(".paper-title")
    expect(titles).to_have_text(["Sparse Routing for Tiny Models", "Fast Sampling of Diffusion Models",
                                 "Robots That Fold Laundry"])
    path = paper_file(session.project_dir, "robots-that-fold-laundry")
    path.write_text(path.read_text().replace("title: Robots That Fold Laundry", "title: Robots That Fold Shirts"))
    expect(titles.last).to_have_text("Robots That Fold Shirts", timeout=15_000)
    path.write_text(path.read_text().replace("slug: robots-that-fold-laundry", "slug: robots-that-fold-laundry\nupvotes: 7"))
    expect(titles.first).to_have_text("Robots That Fold Shirts", timeout=15_000)
    expect(page.locator(".paper-item").first.locator(".upvotes")).to_contain_text("7")
    context.close()
