"""A reader clicks through the built golden site in Chromium: home -> topic -> paper -> day."""
from urllib.parse import urlsplit

from generator.build.builder import SiteBuilder


def test_reader_can_click_from_home_to_a_topic_a_paper_and_its_day(golden_project, tmp_path, chromium_browser,
                                                                    static_server):
    site = tmp_path / "site"
    assert SiteBuilder(golden_project, site).build().errors == []
    base = static_server(site)
    page = chromium_browser.new_page()
    problems, foreign = [], []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("response", lambda response: problems.append(f"{response.status} {response.url}")
            if response.status >= 400 else None)
    page.on("request", lambda request: foreign.append(request.url)
            if urlsplit(request.url).netloc != urlsplit(base).netloc else None)

    page.goto(base + "/")
    assert page.locator("h2#latest-heading").inner_text().startswith("Featured on August 18, 2025")
    page.locator(".browse .topic-list a", has_text="Computer Vision").click()
    page.wait_for_url(base + "/topics/vision/")
    assert page.locator("h1").inner_text() == "Computer Vision"
    page.locator(".pagination a[rel=next]").click()  # the golden site has one paper per archive page
    page.wait_for_url(base + "/topics/vision/page/1/")
    page.locator("a.paper-title", has_text="PanopticSplatting").click()
    page.wait_for_url(base + "/papers/p/panopticsplatting/")
    assert page.locator("meta[name=citation_arxiv_id]").get_attribute("content") == "2503.18073"
    assert page.locator("button.copy-button").is_visible()  # shown by copy.js
    page.locator(".facts a", has_text="August 15, 2025").click()
    page.wait_for_url(base + "/dates/2025-08-15/")
    assert "PanopticSplatting" in page.locator("main").inner_text()
    page.locator("a[rel=next]").click()
    page.wait_for_url(base + "/dates/2025-08-18/")

    assert problems == [] and foreign == []
    page.close()


def test_hostile_title_runs_no_script_and_the_bibtex_is_there_without_javascript(golden_project, tmp_path,
                                                                                  chromium_browser, static_server):
    site = tmp_path / "site"
    assert SiteBuilder(golden_project, site).build().errors == []
    base = static_server(site)
    context = chromium_browser.new_context(java_script_enabled=False)
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(base + "/papers/h/hostile-title/")
    assert "<script>alert('x')</script>" in page.locator("h1").inner_text()
    assert page.locator("img").count() == 0 and dialogs == []
    assert page.locator("pre#bibtex").inner_text().startswith("@misc{hostile-title,")
    assert not page.locator("button.copy-button").is_visible()
    page.goto(base + "/search/")
    assert "Search needs JavaScript" in page.locator("main").inner_text()
    context.close()

    context = chromium_browser.new_context()  # with scripts on, the title still runs none
    page = context.new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(base + "/papers/h/hostile-title/")
    page.locator("button.copy-button").wait_for(state="visible")  # copy.js ran: scripts are on
    assert "<script>alert('x')</script>" in page.locator("h1").inner_text()
    assert page.locator("img").count() == 0 and dialogs == []
    context.close()
