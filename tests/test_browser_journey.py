"""A reader's whole visit to the site built from the committed seed digest, in Chromium.

Home -> a topic -> a paper -> its day, then the search box: 'mixture of experts',
'survey', and a query carrying markup. No console error, no failed request and
no request to another host on the way.
"""
import re
import shutil
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import expect

from tests.helpers import ROOT, digest_cli


@pytest.fixture(scope="module")
def seed_site(tmp_path_factory, chromium_browser):
    project = tmp_path_factory.mktemp("seed")
    shutil.copytree(ROOT / "content", project / "content", ignore=shutil.ignore_patterns("papers", "ingested.tsv"))  # ingest it anew
    shutil.copytree(ROOT / "themes", project / "themes")
    result = digest_cli(project, "build")
    assert result.returncode == 0, result.stderr
    return project / "site"


@pytest.fixture
def visit(seed_site, static_server, chromium_browser):
    base = static_server(seed_site)
    context = chromium_browser.new_context()
    page = context.new_page()
    page.problems = []
    page.on("console", lambda message: message.type == "error" and page.problems.append(message.text))
    page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
    page.on("dialog", lambda dialog: (page.problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.on("response", lambda response: response.status >= 400 and page.problems.append(
        f"{response.status} {response.url}"))
    page.on("request", lambda request: urlsplit(request.url).netloc == urlsplit(base).netloc
            or page.problems.append(f"request to another host: {request.url}"))
    page.base = base
    yield page
    assert page.problems == []
    context.close()


def search(page, query):
    page.fill("#search-input", query)
    page.press("#search-input", "Enter")
    expect(page.locator("#search-status")).to_contain_text("result")
    return page.locator("#search-results .paper-title").all_text_contents()


def test_home_topic_paper_day_then_search(visit):
    page = visit
    page.goto(page.base + "/")
    expect(page.locator("#latest-heading")).to_contain_text("August 18, 2025")
    page.locator(".browse a", has_text=re.compile(r"^Mixture of experts$")).click()
    page.wait_for_url(re.compile(r"/topics/mixture-of-experts/$"))
    expect(page.locator("h1")).to_have_text("Mixture of experts")
    page.locator("a.paper-title", has_text="Tutel: Adaptive Mixture-of-Experts at Scale").click()
    page.wait_for_url(re.compile(r"/papers/t/tutel-adaptive-mixture-of-experts-at-scale/$"))
    expect(page.locator("h1")).to_have_text("Tutel: Adaptive Mixture-of-Experts at Scale")
    page.locator(".facts a", has_text="August 18, 2025").click()
    page.wait_for_url(re.compile(r"/dates/2025-08-18/$"))
    expect(page.locator("main")).to_contain_text("Tutel: Adaptive Mixture-of-Experts at Scale")

    page.goto(page.base + "/search/")
    moe = search(page, "mixture of experts")
    assert "Tutel: Adaptive Mixture-of-Experts at Scale" in moe
    assert "A Survey on Inference Optimization Techniques for Mixture of Experts Models" in moe
    assert re.search(r"[?&]q=mixture", page.url)  # the search can be shared
    surveys = search(page, "survey")
    # Whole abstracts are searched, so other papers that mention a survey follow; the survey comes first.
    assert surveys[0] == "A Survey on Inference Optimization Techniques for Mixture of Experts Models"
    page.locator("#search-results a.paper-title").first.click()
    page.wait_for_url(re.compile(r"/papers/a/a-survey-on-inference-optimization-techniques-for-mixture-of/$"))


def test_markup_in_a_shared_search_address_is_shown_as_text(visit):
    page = visit
    query = "<img src=x onerror=alert(1)>"
    page.goto(f"{page.base}/search/?q={quote(query)}")
    expect(page.locator("#search-status")).to_contain_text("result")
    assert page.input_value("#search-input") == query
    assert page.locator("main img, #search-results img, #search-status img").count() == 0
    assert page.evaluate("document.querySelectorAll('img[onerror]').length") == 0
