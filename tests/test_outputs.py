"""Feeds, sitemap.xml and robots.txt: pure data functions, written by theme templates a project can override."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from generator.build import outputs
from generator.build.builder import SiteBuilder, build_site
from generator.build.pages import all_pages
from generator.build.render import Renderer, xml_attr, xml_text
from generator.build.site import Site, assemble_site
from generator.build.sitefiles import render_pages
from generator.build.theme import Theme
from generator.config import SiteConfig
from generator.content.schema import Link, Paper
from generator.content.taxonomy import Topic
from tests.helpers import ROOT

EXPECTED = ROOT / "tests" / "fixtures" / "golden" / "expected"
DEFAULT_TEMPLATES = ROOT / "themes" / "default" / "templates"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
# Characters XML 1.0 forbids (NUL, ESC, U+FFFE) next to ones it only needs escaped.
HOSTILE = "NUL\x00 ESC\x1b FFFE\ufffe CDATA]]> & <b> \"double\" 'single'"
HOSTILE_AS_XML_READS_IT = "NUL ESC FFFE CDATA]]> & <b> \"double\" 'single'"


def sample_inputs() -> tuple[SiteConfig, list[Topic], list[Paper]]:
    """A small site made in memory: two topics, one of them empty, and three papers."""
    config = SiteConfig(title="Sample Digest", base_url="https://sample.example.org", feed_size=2)
    topics = [Topic("language-models", "Language Models", "Training large language models."),
              Topic("other", "Other", "Papers that fit no other topic.")]
    papers = [Paper(slug=f"paper-{number}", title=f"Paper {number}", body=f"Abstract {number}.",
                    featured=(dt.date(2025, 8, number),), topics=("language-models",)) for number in (1, 2, 3)]
    return config, topics, papers


def render_xml_outputs(config: SiteConfig, site: Site) -> dict[str, bytes]:
    """Every .xml output of the site, rendered with the default theme's templates."""
    renderer = Renderer(Theme((DEFAULT_TEMPLATES,), ()), config, {}, list(site.topics))
    pages = [page for page in all_pages(site, config) if page.path.endswith(".xml")]
    return dict(render_pages(renderer, pages))


def test_feeds_and_sitemap_are_well_formed_whatever_the_titles_hold() -> None:
    config, topics, papers = sample_inputs()
    config = dataclasses.replace(config, title=HOSTILE, description=HOSTILE)
    topics[0] = dataclasses.replace(topics[0], name=HOSTILE, description=HOSTILE)
    hostile = Paper(slug="hostile-characters", title=HOSTILE, body=HOSTILE, featured=(dt.date(2025, 8, 19),),
                    topics=(topics[0].slug,), authors=(HOSTILE, "Ada Lovelace"))
    written = render_xml_outputs(config, assemble_site([*papers, hostile], topics))
    assert "feed.xml" in written and "sitemap.xml" in written and len(written) == 1 + 1 + len(topics)
    parsed = {path: ET.fromstring(data) for path, data in written.items()}  # raises on any malformed file
    site_feed = parsed["feed.xml"]
    assert site_feed.findtext(f"{ATOM}title") == HOSTILE_AS_XML_READS_IT
    assert site_feed.findtext(f"{ATOM}entry/{ATOM}title") == HOSTILE_AS_XML_READS_IT  # the newest paper
    assert site_feed.findtext(f"{ATOM}entry/{ATOM}author/{ATOM}name") == HOSTILE_AS_XML_READS_IT
    topic_feed = parsed[f"topics/{topics[0].slug}/feed.xml"]
    assert topic_feed.findtext(f"{ATOM}title") == f"{HOSTILE_AS_XML_READS_IT} — {HOSTILE_AS_XML_READS_IT}"


def render_json_feed(config: SiteConfig, site: Site) -> dict[str, Any]:
    renderer = Renderer(Theme((DEFAULT_TEMPLATES,), ()), config, {}, list(site.topics))
    pages = [page for page in all_pages(site, config) if page.path == "feed.json"]
    return json.loads(dict(render_pages(renderer, pages))["feed.json"])


def test_feed_entries_link_to_the_papers_own_sources_and_only_web_ones() -> None:
    config, topics, papers = sample_inputs()
    sourced = Paper(slug="sourced", title="Sourced", body="Abstract.", featured=(dt.date(2025, 8, 19),),
                    topics=("language-models",), arxiv_id="2508.00001",
                    links=(Link("javascript:alert(1)", "code"), Link("https://example.org/code?a=1&b=2", "code"),
                           Link("https://example.org/project", "project page")))
    site = assemble_site([*papers, sourced], topics)
    written = render_xml_outputs(config, site)
    for path in ("feed.xml", "topics/language-models/feed.xml"):
        sourced_entry, plain_entry = ET.fromstring(written[path]).findall(f"{ATOM}entry")  # feed_size 2
        assert [(link.get("rel"), link.get("type"), link.get("href"), link.get("title"))
                for link in sourced_entry.findall(f"{ATOM}link")] == [
            ("alternate", "text/html", "https://sample.example.org/papers/s/sourced/", None),
            ("related", "text/html", "https://arxiv.org/abs/2508.00001", "arXiv"),
            ("related", "application/pdf", "https://arxiv.org/pdf/2508.00001", "PDF"),
            ("related", "text/html", "https://example.org/code?a=1&b=2", "Code"),
            ("related", "text/html", "https://example.org/project", "Project page")]
        assert [link.get("rel") for link in plain_entry.findall(f"{ATOM}link")] == ["alternate"]  # no arXiv id, no links
    sourced_item, plain_item = render_json_feed(config, site)["items"]
    assert sourced_item["external_url"] == "https://arxiv.org/abs/2508.00001"
    assert sourced_item["url"] == "https://sample.example.org/papers/s/sourced/" and "external_url" not in plain_item


def test_xml_filters_drop_forbidden_characters_and_escape_only_what_they_must() -> None:
    assert xml_text("a\x00b\x1bc\ufffe\ud800 & <i> \"q\" 'q'\t\n😀") == "abc &amp; &lt;i&gt; \"q\" 'q'\t\n😀"
    assert xml_attr("x\x0c\"y\"&'z'") == "x&#34;y&#34;&amp;&#39;z&#39;"


def test_a_project_feed_template_replaces_every_feed_and_nothing_else(golden_project: Path,
                                                                      tmp_path: Path) -> None:
    templates = golden_project / "templates"
    templates.mkdir()
    (templates / "feed.xml").write_text("<feed>{{ feed.title|xml_text }}: {{ feed.papers|length }}</feed>\n")
    site = tmp_path / "site"
    assert SiteBuilder(golden_project, site).build().errors == []
    assert (site / "feed.xml").read_text() == "<feed>Golden Digest: 3</feed>\n"
    assert (site / "topics" / "vision" / "feed.xml").read_text() == "<feed>Computer Vision — Golden Digest: 2</feed>\n"
    for unchanged in ("sitemap.xml", "robots.txt", "index.html"):
        assert (site / unchanged).read_bytes() == (EXPECTED / unchanged).read_bytes(), unchanged


def test_a_broken_feed_override_stops_the_build_at_its_line(golden_project: Path, tmp_path: Path) -> None:
    templates = golden_project / "templates"
    templates.mkdir()
    (templates / "feed.xml").write_text("<feed>\n{% for %}\n</feed>\n")
    config, topics, _ = sample_inputs()
    theme = Theme((templates, DEFAULT_TEMPLATES), ())
    errors = Renderer(theme, config, {}, topics).check_templates()  # before any page is rendered
    assert [(Path(error.path).name, error.line) for error in errors] == [("feed.xml", 2)]
    assert SiteBuilder(golden_project, tmp_path / "site").build().errors == errors
    assert not (tmp_path / "site").exists()


def test_robots_txt_is_plain_text_while_the_sitemap_escapes(golden_project: Path, tmp_path: Path) -> None:
    site_yaml = golden_project / "content" / "site.yaml"
    site_yaml.write_text(site_yaml.read_text().replace("https://golden.example.org", "https://example.org/a&b"))
    site = tmp_path / "site"
    assert SiteBuilder(golden_project, site).build().errors == []
    assert "Sitemap: https://example.org/a&b/sitemap.xml\n" in (site / "robots.txt").read_text()
    locs = [url.findtext(f"{SITEMAP}loc") for url in ET.parse(site / "sitemap.xml").getroot()]
    assert "https://example.org/a&b/" in locs


def test_the_data_functions_give_sorted_entries_and_a_dated_empty_feed() -> None:
    config, topics, papers = sample_inputs()
    site = assemble_site(papers, topics)
    entries = outputs.find_entries(site, config)
    assert [entry.url for entry in entries] == sorted({entry.url for entry in entries})
    assert all(entry.url.startswith(config.base_url + "/") for entry in entries)
    empty_topic = [entry for entry in entries if entry.url.endswith("/topics/other/")]
    assert [entry.last_modified for entry in empty_topic] == [None]
    empty = outputs.topic_feed(config, topics[1], ())
    assert empty.updated == dt.date(1970, 1, 1) and empty.papers == ()
    assert outputs.site_feed(config, site.papers).updated == site.latest_day == dt.date(2025, 8, 3)
    assert hash(empty) == hash(outputs.topic_feed(config, topics[1], ()))  # usable as a cache key


def test_feed_times_follow_places_and_put_unplaced_papers_last() -> None:
    day = dt.date(2025, 8, 18)
    def time_at(place: int | None) -> str:
        ranks = ((day, place),) if place is not None else ()
        return outputs.feed_time(Paper(slug="p", title="P", body="", featured=(day,), topics=(), ranks=ranks), day)
    assert [time_at(place) for place in (1, 2, 60, None)] == [
        "2025-08-18T12:00:00Z", "2025-08-18T11:59:59Z", "2025-08-18T11:59:01Z", "2025-08-18T11:00:00Z"]
    assert time_at(10**6) == "2025-08-18T11:00:01Z"  # still the day, still before the unplaced
    assert outputs.feed_time(Paper(slug="p", title="P", body="", featured=(dt.date(1, 1, 1),), topics=(),
                                   ranks=((dt.date(1, 1, 1), 1),)), dt.date(1, 1, 1)) == "0001-01-01T12:00:00Z"


def test_the_json_feed_is_valid_json_with_the_site_feeds_papers(golden_project, tmp_path):
    import json
    import xml.etree.ElementTree as ElementTree

    from generator.build.builder import SiteBuilder

    site = tmp_path / "site"
    assert SiteBuilder(golden_project, site).build().errors == []
    feed = json.loads((site / "feed.json").read_text(encoding="utf-8"))
    atom = ElementTree.parse(site / "feed.xml").getroot()
    atom_titles = [entry.findtext("{http://www.w3.org/2005/Atom}title")
                   for entry in atom.iter("{http://www.w3.org/2005/Atom}entry")]
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert [item["title"] for item in feed["items"]] == atom_titles and atom_titles
    assert feed["feed_url"].endswith("/feed.json") and all(item["url"].startswith("http") for item in feed["items"])
    hostile = next(item for item in feed["items"] if "<script>" in item["title"])
    assert "<script>" in hostile["title"]  # the text as written, as JSON escapes it
    assert "<script>" not in (site / "feed.json").read_text(encoding="utf-8")  # never raw in the file


def sitemap_urls(data: bytes) -> list[tuple[str, str | None]]:
    """(loc, lastmod) of each <url> or <sitemap> of a sitemap or a sitemap index."""
    return [(item.findtext(f"{SITEMAP}loc") or "", item.findtext(f"{SITEMAP}lastmod")) for item in ET.fromstring(data)]


def test_a_site_past_the_sitemap_limit_gets_parts_and_an_index_of_them(monkeypatch) -> None:
    # sitemaps.org: at most 50,000 URLs a sitemap; a site of 80,000 papers has 84,000 pages.
    monkeypatch.setattr(outputs, "SITEMAP_LIMIT", 4)
    config, topics, papers = sample_inputs()
    site = assemble_site(papers, topics)
    written = render_xml_outputs(config, site)
    assert ET.fromstring(written["sitemap.xml"]).tag == f"{SITEMAP}sitemapindex"
    index = sitemap_urls(written["sitemap.xml"])
    assert [url for url, _ in index] == [f"https://sample.example.org/sitemap-{number}.xml"
                                         for number in range(1, len(index) + 1)]
    listed: list[str] = []
    for number, (_, lastmod) in enumerate(index, 1):
        part = sitemap_urls(written[f"sitemap-{number}.xml"])
        assert 0 < len(part) <= 4
        assert lastmod == max(day for _, day in part if day)
        listed += [url for url, _ in part]
    assert listed == [entry.url for entry in outputs.find_entries(site, config)]


def test_the_parts_come_and_go_as_the_site_crosses_the_sitemap_limit(golden_project: Path, monkeypatch) -> None:
    site = golden_project / "site"
    build_site(golden_project)
    monkeypatch.setattr(outputs, "SITEMAP_LIMIT", len(sitemap_urls((site / "sitemap.xml").read_bytes())))
    added = golden_project / "content" / "papers" / "one-more.md"
    added.write_text("---\ntitle: One More Paper\nslug: one-more\nfeatured: [2025-08-19]\ntopics: [other]\n---\n"
                     "An abstract.\n", encoding="utf-8")
    build_site(golden_project)  # one page more than a sitemap may list
    parts = sorted(path.name for path in site.glob("sitemap-*.xml"))
    assert parts == ["sitemap-1.xml", "sitemap-2.xml"]
    assert [url for url, _ in sitemap_urls((site / "sitemap.xml").read_bytes())] == [
        f"https://golden.example.org/{name}" for name in parts]
    added.unlink()
    build_site(golden_project)  # back under the limit: one sitemap, and the parts are gone
    assert not list(site.glob("sitemap-*.xml"))
    assert (site / "sitemap.xml").read_bytes() == (EXPECTED / "sitemap.xml").read_bytes()
