"""A day longer than `day_page_size` (an arXiv listing's hundreds of papers) continues on numbered pages."""
from __future__ import annotations

import re
from pathlib import Path

from generator.build.builder import SiteBuilder, build_site
from tests.helpers import snapshot

DAY = "2025-08-18"  # three papers in the golden project


def with_day_page_size(project: Path, size: int) -> None:
    config = project / "content" / "site.yaml"
    config.write_text(config.read_text() + f"day_page_size: {size}\n")


def slugs_on(page: str) -> list[str]:
    return re.findall(r'<li class="paper-item" data-slug="([^"]+)"', page)


def page_text(site: Path, address: str) -> str:
    return (site / address.strip("/") / "index.html").read_text()


def test_a_long_day_continues_on_numbered_pages_in_its_ranking(golden_project):
    build_site(golden_project)
    whole_day = slugs_on(page_text(golden_project / "site", f"/dates/{DAY}/"))
    assert len(whole_day) == 3
    with_day_page_size(golden_project, 2)
    build_site(golden_project)
    site = golden_project / "site"
    first, second = page_text(site, f"/dates/{DAY}/"), page_text(site, f"/dates/{DAY}/page/2/")
    assert slugs_on(first) + slugs_on(second) == whole_day
    assert '<ol class="paper-list ranked" id="day-papers" start="3">' in second
    assert re.findall(r'<span class="rank"><span class="visually-hidden">Rank </span>(\d+)</span>', second) == ["3"]
    assert "3 papers, ranked 3 on this page" in second and "3 papers, ranked 1–2 on this page" in first
    assert f'<a class="page-step" rel="next" href="/dates/{DAY}/page/2/">' in first
    assert f'<a class="page-number" href="/dates/{DAY}/page/2/" aria-current="page">' in second
    assert f'<a class="page-step" rel="prev" href="/dates/{DAY}/">' in second
    assert "(page 2 of 2)" in second and f'<link rel="canonical" href="https://golden.example.org/dates/{DAY}/page/2/">' in second
    assert f"https://golden.example.org/dates/{DAY}/page/2/" in (site / "sitemap.xml").read_text()


def test_a_day_that_fits_on_one_page_has_no_page_links(golden_project):
    with_day_page_size(golden_project, 2)
    build_site(golden_project)
    day = golden_project / "site" / "dates" / "2025-08-15"
    assert 'class="pagination"' not in (day / "index.html").read_text() and not (day / "page").exists()


def test_a_rebuild_that_shortens_a_day_removes_its_last_page(golden_project, tmp_path):
    with_day_page_size(golden_project, 2)
    builder = SiteBuilder(golden_project)
    assert builder.build().errors == []
    assert (golden_project / "site" / "dates" / DAY / "page" / "2" / "index.html").exists()
    gone = golden_project / "content" / "papers" / "hostile-title.md"
    gone.unlink()
    result = builder.rebuild([gone])
    assert result.errors == [] and f"dates/{DAY}/page/2/index.html" in result.removed
    assert SiteBuilder(golden_project, tmp_path / "cold").build().errors == []
    assert snapshot(golden_project / "site") == snapshot(tmp_path / "cold")


def featured_links(site: Path, slug: str) -> list[str]:
    """The day links of a paper page's "Featured" list."""
    page = (site / "papers" / slug[0] / slug / "index.html").read_text()
    timeline = page.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    return re.findall(r'<a href="([^"]+)">', timeline)


def test_a_paper_links_the_page_of_its_day_that_lists_it(golden_project):
    with_day_page_size(golden_project, 2)
    build_site(golden_project)
    site = golden_project / "site"
    assert slugs_on(page_text(site, f"/dates/{DAY}/page/2/")) == ["skippipe"]
    assert featured_links(site, "skippipe") == [f"/dates/{DAY}/page/2/"]
    assert featured_links(site, "panopticsplatting") == [f"/dates/{DAY}/", "/dates/2025-08-15/"]
    week = page_text(site, "/weeks/2025-W34/")
    row = week.split('data-slug="skippipe"', 1)[1].split("</li>", 1)[0]
    assert f'<a class="paper-day" href="/dates/{DAY}/page/2/">' in row


def test_a_paper_moving_up_a_long_day_moves_the_others_links_too(golden_project, tmp_path):
    """The preview's rebuild and the next `digest build` re-render the pages of the papers it
    pushed to another page of the day, though their files did not change."""
    with_day_page_size(golden_project, 2)
    builder = SiteBuilder(golden_project)
    assert builder.build().errors == []
    skippipe = golden_project / "content" / "papers" / "skippipe.md"
    skippipe.write_text(skippipe.read_text().replace("featured: [2025-08-18]\n", f"featured: [2025-08-18]\nranks: {{{DAY}: 1}}\n"))
    result = builder.rebuild([skippipe])
    assert result.errors == [] and "papers/p/panopticsplatting/index.html" in result.written
    site = golden_project / "site"
    assert slugs_on(page_text(site, f"/dates/{DAY}/page/2/")) == ["panopticsplatting"]
    assert featured_links(site, "panopticsplatting") == [f"/dates/{DAY}/page/2/", "/dates/2025-08-15/"]
    assert featured_links(site, "skippipe") == [f"/dates/{DAY}/"]
    assert SiteBuilder(golden_project, tmp_path / "cold").build().errors == []
    assert snapshot(site) == snapshot(tmp_path / "cold")


def test_the_next_build_moves_the_links_of_the_papers_an_edit_pushed_along(golden_project, tmp_path):
    with_day_page_size(golden_project, 2)
    assert build_site(golden_project).errors == []
    skippipe = golden_project / "content" / "papers" / "skippipe.md"
    skippipe.write_text(skippipe.read_text().replace("featured: [2025-08-18]\n", f"featured: [2025-08-18]\nranks: {{{DAY}: 1}}\n"))
    result = build_site(golden_project)
    assert result.errors == [] and "papers/p/panopticsplatting/index.html" in result.written
    assert SiteBuilder(golden_project, tmp_path / "cold").build().errors == []
    assert snapshot(golden_project / "site") == snapshot(tmp_path / "cold")


def test_a_long_days_topic_filter_says_it_filters_its_page(golden_project):
    with_day_page_size(golden_project, 2)
    build_site(golden_project)
    first = page_text(golden_project / "site", f"/dates/{DAY}/")  # two topics among its papers
    assert "<summary>Filter this page by topic" in first
    assert "<summary>Filter by topic" in page_text(golden_project / "site", "/dates/2025-08-15/")


def day_heading_link(site: Path, topic: str, day: str) -> str:
    """Where the topic page's heading for the day leads."""
    found = re.search(rf'<h2 class="day-heading" id="day-{day}"><a href="([^"]+)">', page_text(site, f"/topics/{topic}/"))
    assert found, f"no heading for {day} on the {topic} page"
    return found.group(1)


def retopic(project: Path, slug: str, topics: str) -> None:
    paper = project / "content" / "papers" / f"{slug}.md"
    paper.write_text(re.sub(r"(?m)^topics: .*$", f"topics: {topics}", paper.read_text(), count=1))


def test_a_topic_pages_day_heading_links_the_days_page_that_lists_its_papers(golden_project):
    """On a long day, page 1 may list none of the topic's papers (an arXiv listing's day runs to eight pages)."""
    with_day_page_size(golden_project, 2)
    retopic(golden_project, "hostile-title", "[other]")  # the day: hostile-title, panopticsplatting | skippipe
    assert build_site(golden_project).errors == []
    site = golden_project / "site"
    assert day_heading_link(site, "language-models", DAY) == f"/dates/{DAY}/page/2/"  # skippipe alone
    assert day_heading_link(site, "vision", DAY) == f"/dates/{DAY}/"


def test_a_paper_moving_up_a_long_day_moves_the_day_headings_of_other_topics(golden_project, tmp_path):
    """skippipe (language models) takes the day's first place and pushes panopticsplatting, alone in
    vision that day, to page 2: the preview's rebuild re-renders the vision page, though neither
    paper edited is in that topic."""
    with_day_page_size(golden_project, 2)
    retopic(golden_project, "hostile-title", "[other]")
    builder = SiteBuilder(golden_project)
    assert builder.build().errors == []
    skippipe = golden_project / "content" / "papers" / "skippipe.md"
    skippipe.write_text(skippipe.read_text().replace("featured: [2025-08-18]\n", f"featured: [2025-08-18]\nranks: {{{DAY}: 1}}\n"))
    result = builder.rebuild([skippipe])
    site = golden_project / "site"
    assert result.errors == [] and "topics/vision/index.html" in result.written
    assert day_heading_link(site, "vision", DAY) == f"/dates/{DAY}/page/2/"
    assert day_heading_link(site, "language-models", DAY) == f"/dates/{DAY}/"
    assert SiteBuilder(golden_project, tmp_path / "cold").build().errors == []
    assert snapshot(site) == snapshot(tmp_path / "cold")
