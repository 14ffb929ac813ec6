"""Feeds, sitemap and robots.txt of the site built from the seed digest are valid and complete."""
import datetime as dt
import html
import json
import re
import shutil
import xml.etree.ElementTree as ET

import pytest

from generator.build.builder import build_site
from generator.config import load_config
from tests.helpers import ROOT

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    project = tmp_path_factory.mktemp("seed")
    shutil.copytree(ROOT / "content", project / "content")
    build_site(project)
    return project / "site"


@pytest.fixture(scope="module")
def base_url():
    config, errors = load_config(ROOT / "content" / "site.yaml")
    assert errors == []
    return config.base_url


def entries(feed_path):
    root = ET.parse(feed_path).getroot()
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{required}").text
    return root.findall(f"{ATOM}entry")


def test_site_feed_has_the_latest_papers_with_absolute_unique_links(site, base_url):
    found = entries(site / "feed.xml")
    assert len(found) == 50  # feed_size in content/site.yaml; the seed has 82 papers
    ids = [entry.find(f"{ATOM}id").text for entry in found]
    assert len(set(ids)) == len(ids)
    for entry in found:
        link = entry.find(f"{ATOM}link").get("href")
        assert link.startswith(base_url + "/papers/") and link.endswith("/")
        path = link.removeprefix(base_url).strip("/")
        assert (site / path / "index.html").is_file()
        assert entry.find(f"{ATOM}updated").text.startswith("2025-08-18T")  # featured dates, not the clock


def test_a_busy_days_feed_entries_are_its_top_papers_in_the_days_order(site):
    """The seed's one day has 89 papers and the feed room for 50: the day's first 50, as ranked."""
    day_page = (site / "dates" / "2025-08-18" / "index.html").read_text()
    day_order = re.findall(r'<li class="paper-item" data-slug="([^"]+)"', day_page)
    feed_order = [entry.find(f"{ATOM}link").get("href").rstrip("/").rsplit("/", 1)[1]
                  for entry in entries(site / "feed.xml")]
    assert len(day_order) == 89 and feed_order == day_order[:50]
    labels = {category.get("term"): category.get("label") for category in ET.parse(site / "feed.xml").iter(f"{ATOM}category")}
    assert labels["mixture-of-experts"] == "Mixture of experts" and "other" not in labels


def test_a_feed_reader_sorting_by_time_keeps_the_days_order_and_date(site):
    """Readers list entries by their time, newest first: the day's papers must not tie, and a
    reader at UTC-11 or UTC+11 must still see them on the day they were featured."""
    day_page = (site / "dates" / "2025-08-18" / "index.html").read_text()
    day_order = re.findall(r'<li class="paper-item" data-slug="([^"]+)"', day_page)[:50]
    atom = [(dt.datetime.fromisoformat(entry.findtext(f"{ATOM}updated")), _slug(entry.find(f"{ATOM}link").get("href")))
            for entry in entries(site / "feed.xml")]
    items = json.loads((site / "feed.json").read_text())["items"]
    json_feed = [(dt.datetime.fromisoformat(item["date_modified"]), _slug(item["url"])) for item in items]
    for timed in (atom, json_feed):
        assert [slug for _, slug in sorted(timed, key=lambda pair: pair[0], reverse=True)] == day_order
        assert len({moment for moment, _ in timed}) == len(timed)
        for hours in (-11, 11):
            assert {moment.astimezone(dt.timezone(dt.timedelta(hours=hours))).date() for moment, _ in timed} == {
                dt.date(2025, 8, 18)}
    newest = max(moment for moment, _ in atom)
    assert dt.datetime.fromisoformat(ET.parse(site / "feed.xml").getroot().findtext(f"{ATOM}updated")) == newest


def _slug(url):
    return url.rstrip("/").rsplit("/", 1)[1]


def test_a_feed_entry_has_hugging_faces_summary_as_its_summary_labelled_as_a_machines(site):
    found = {entry.find(f"{ATOM}link").get("href").rstrip("/").rsplit("/", 1)[1]: entry for entry in entries(site / "feed.xml")}
    assert found["thyme-think-beyond-images"].findtext(f"{ATOM}summary").startswith("AI summary: Thyme, a novel paradigm, enables")
    assert len([entry for entry in found.values() if entry.find(f"{ATOM}summary") is not None]) == 7  # the API papers
    items = {item["url"].rstrip("/").rsplit("/", 1)[1]: item for item in json.loads((site / "feed.json").read_text())["items"]}
    assert items["thyme-think-beyond-images"]["summary"] == found["thyme-think-beyond-images"].findtext(f"{ATOM}summary")


def row_links(page_text):
    """slug -> the (label, url) quick links of each paper row of a list page."""
    rows = page_text.split('<li class="paper-item" data-slug="')[1:]
    return {row.split('"', 1)[0]: [(html.unescape(label), html.unescape(url)) for url, label in
                                   re.findall(r'<a class="quick-link" href="([^"]*)"[^>]*>([^<]*)</a>', row)]
            for row in rows}


def test_a_feed_entry_links_to_the_papers_sources_as_its_row_does(site):
    """Beside the paper's page here, the entry links to arXiv's page, the PDF, the code and the
    project page, as rel="related": Atom allows one rel="alternate" per type and language."""
    rows = row_links((site / "dates" / "2025-08-18" / "index.html").read_text())
    feeds = [site / "feed.xml", *sorted((site / "topics").glob("*/feed.xml"))]
    for entry in (entry for feed in feeds for entry in entries(feed)):
        links = entry.findall(f"{ATOM}link")
        alternates = [link for link in links if link.get("rel", "alternate") == "alternate"]
        assert [(link.get("type"), link.get("hreflang")) for link in alternates] == [("text/html", None)]
        related = [link for link in links if link.get("rel") == "related"]
        assert [(link.get("title"), link.get("href")) for link in related] == rows[_slug(alternates[0].get("href"))]
        assert all(link.get("type") == ("application/pdf" if link.get("title") == "PDF" else "text/html")
                   for link in related)
    titles = [link.get("title") for link in ET.parse(site / "feed.xml").iter(f"{ATOM}link")]
    assert {"arXiv", "PDF", "Code", "Project page"} <= set(titles)


def test_a_json_feed_item_names_the_arxiv_page_as_its_external_url(site):
    rows = row_links((site / "dates" / "2025-08-18" / "index.html").read_text())
    items = json.loads((site / "feed.json").read_text())["items"]
    for item in items:
        arxiv = [url for label, url in rows[_slug(item["url"])] if label == "arXiv"]
        assert item.get("external_url") == (arxiv[0] if arxiv else None)
    assert items[0]["external_url"] == "https://arxiv.org/abs/2508.11630"  # Thyme, the day's first paper


def test_every_topic_with_papers_has_a_feed_of_its_own_papers(site):
    topic_feeds = sorted((site / "topics").glob("*/feed.xml"))
    assert len(topic_feeds) >= 10
    moe = entries(site / "topics" / "mixture-of-experts" / "feed.xml")
    titles = {entry.find(f"{ATOM}title").text for entry in moe}
    assert "Tutel: Adaptive Mixture-of-Experts at Scale" in titles
    for feed in topic_feeds:  # the topic's latest papers: those its pages list, up to feed_size
        pages = "".join(page.read_text() for page in feed.parent.rglob("index.html"))
        listed = set(re.findall(r'href="(/papers/[^"]+/)"', pages))
        linked = {"/papers/" + entry.find(f"{ATOM}link").get("href").split("/papers/", 1)[1]
                  for entry in entries(feed)}
        assert linked <= listed and len(linked) == min(50, len(listed)), feed


def test_sitemap_lists_every_page_and_robots_points_to_it(site, base_url):
    locs = [url.find(f"{SITEMAP}loc").text for url in ET.parse(site / "sitemap.xml").getroot()]
    pages = {str(path.parent.relative_to(site)) for path in site.rglob("index.html")}
    listed = {loc.removeprefix(base_url).strip("/") or "." for loc in locs}
    assert listed == pages - {"search", "reading-list"}  # every page a search engine should index: not search, not the private reading list
    assert f"Sitemap: {base_url}/sitemap.xml" in (site / "robots.txt").read_text()
