"""A failed build names file:line for every problem and leaves the previous site/ intact."""
import os
import time
from pathlib import Path

import pytest

from generator.build.builder import SiteBuilder, build_site
from generator.errors import BuildFailed
from tests.helpers import snapshot


def built(project: Path) -> dict[str, str]:
    build_site(project)
    return snapshot(project / "site")


def expect_failure(project: Path) -> list[str]:
    with pytest.raises(BuildFailed) as failure:
        build_site(project)
    return [str(error) for error in failure.value.errors]


def test_unknown_topics_and_bad_front_matter_are_reported_together(golden_project):
    before = built(golden_project)
    papers = golden_project / "content" / "papers"
    skippipe = papers / "skippipe.md"
    skippipe.write_text(skippipe.read_text().replace("topics: [language-models]", "topics: [robots]"))
    (papers / "broken.md").write_text("---\ntitle: [unclosed\n---\nBody\n")
    messages = expect_failure(golden_project)
    assert any("skippipe.md:5: unknown topic 'robots'" in message for message in messages)
    assert any("broken.md:" in message for message in messages)
    assert snapshot(golden_project / "site") == before


def test_bad_site_config_fails_with_its_line(golden_project):
    before = built(golden_project)
    with (golden_project / "content" / "site.yaml").open("a") as config:
        config.write("colour: blue\n")
    assert any("site.yaml:6: unknown site config key 'colour'" in message for message in expect_failure(golden_project))
    assert snapshot(golden_project / "site") == before


def override(project: Path, name: str, text: str) -> Path:
    path = project / "templates" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def test_template_syntax_error_names_the_template_and_line(golden_project):
    before = built(golden_project)
    override(golden_project, "topics.html", '{% extends "base.html" %}\n{% block main %}\n{% if %}\n{% endblock %}\n')
    messages = expect_failure(golden_project)
    assert len(messages) == 1 and "templates/topics.html:3:" in messages[0]
    assert snapshot(golden_project / "site") == before


def test_template_runtime_error_names_the_template_line_and_page(golden_project):
    before = built(golden_project)
    override(golden_project, "day.html", '{% extends "base.html" %}\n{% block main %}\n\n{{ no_such_value.x }}\n{% endblock %}\n')
    messages = expect_failure(golden_project)
    assert len(messages) == 1 and "templates/day.html:4: cannot render dates/" in messages[0]
    assert "no_such_value" in messages[0]
    assert snapshot(golden_project / "site") == before
    # build_site renders beside the forked search process: the same error comes back, and no staging folder is left
    assert sorted(path.name for path in golden_project.iterdir() if path.name.startswith(".site")) == []
    serial = SiteBuilder(golden_project, golden_project / "serial-site").build()
    assert [str(error) for error in serial.errors] == messages


def test_an_error_in_the_sitemap_is_reported_as_a_pages_whichever_process_rendered_it(golden_project):
    """The listings of every paper are rendered by whichever process of `digest build` is free
    first: their errors come back as file:line, as a page's do, and the same as a serial build's."""
    before = built(golden_project)
    override(golden_project, "sitemap.xml", "<urlset>\n{{ entries.missing.x }}\n</urlset>\n")
    messages = expect_failure(golden_project)
    assert len(messages) == 1 and "templates/sitemap.xml:2: cannot render sitemap.xml" in messages[0]
    assert snapshot(golden_project / "site") == before
    serial = SiteBuilder(golden_project, golden_project / "serial-site").build()
    assert [str(error) for error in serial.errors] == messages


def test_a_page_error_is_reported_before_a_listing_error_as_a_serial_build_reports_it(golden_project):
    """A listing may be rendered before the pages are, but a page's error is the one a serial build meets first."""
    override(golden_project, "sitemap.xml", "<urlset>\n{{ entries.missing.x }}\n</urlset>\n")
    override(golden_project, "day.html", '{% extends "base.html" %}\n{% block main %}{{ no_such_value.x }}{% endblock %}\n')
    messages = expect_failure(golden_project)
    assert len(messages) == 1 and "cannot render dates/" in messages[0]
    serial = SiteBuilder(golden_project, golden_project / "serial-site").build()
    assert [str(error) for error in serial.errors] == messages


def test_rebuild_with_an_error_writes_nothing_and_recovers(golden_project):
    builder = SiteBuilder(golden_project)
    assert builder.build().errors == []
    before = snapshot(golden_project / "site")
    paper = golden_project / "content" / "papers" / "skippipe.md"
    good = paper.read_text()
    paper.write_text(good.replace("featured: [2025-08-18]", "featured: [someday]"))
    result = builder.rebuild([paper])
    assert result.errors and result.written == [] and snapshot(golden_project / "site") == before
    paper.write_text(good.replace("SkipPipe:", "SkipPipe 2:"))
    result = builder.rebuild([paper])
    assert result.errors == [] and "papers/s/skippipe/index.html" in result.written
    assert "SkipPipe 2:" in (golden_project / "site" / "papers" / "s" / "skippipe" / "index.html").read_text()


def test_config_and_paper_errors_are_reported_in_one_run(golden_project):
    with (golden_project / "content" / "site.yaml").open("a") as config:
        config.write("feed_size: many\n")
    (golden_project / "content" / "papers" / "broken.md").write_text("no front matter\n")
    messages = expect_failure(golden_project)
    assert any("site.yaml:6:" in message for message in messages)
    assert any("broken.md" in message for message in messages)
    assert not (golden_project / "site").exists()


def test_a_paper_that_failed_in_a_rebuild_is_not_published_stale_later(golden_project):
    builder = SiteBuilder(golden_project)
    builder.build()
    papers = golden_project / "content" / "papers"
    skippipe, corpusbrain = papers / "skippipe.md", papers / "corpusbrain.md"
    skippipe.write_text(skippipe.read_text().replace("topics: [language-models]", "topics: [robots]"))
    assert builder.rebuild([skippipe]).errors
    corpusbrain.write_text(corpusbrain.read_text().replace("CorpusBrain:", "CorpusBrain 3:"))
    result = builder.rebuild([corpusbrain])
    assert any("unknown topic 'robots'" in str(error) for error in result.errors)


@pytest.mark.parametrize("late", ["search", "pages"])
def test_each_listing_is_rendered_once_by_the_process_free_first(golden_project, tmp_path, monkeypatch, late):
    """papers.json and sitemap.xml go to the search process when it is done first (a deploy's),
    to the build's own process when the pages are (a cold build's), and never to both."""
    from generator.build import parallel

    log = tmp_path / "claims.log"
    real_claim = parallel.Listings.claim
    real_search = parallel._search_files_and_listings
    build_process = os.getpid()  # the search process and any page helper are forked from it
    search_process = []

    def search(*args):
        search_process.append(os.getpid())
        return real_search(*args)

    def claim(listings, number):
        who = "pages" if os.getpid() == build_process else "search" if search_process else "helper"
        if late == who == "pages":
            time.sleep(1.5)
        first = real_claim(listings, number)
        with log.open("a") as stream:
            stream.write(f"{who} {'claimed' if first else 'skipped'} {number}\n")
        return first

    def slowly(function):
        def slow(*args, **kwargs):
            time.sleep(1.5)
            return function(*args, **kwargs)
        return slow

    monkeypatch.setattr(parallel.Listings, "claim", claim)
    monkeypatch.setattr(parallel, "_search_files_and_listings", search)
    if late == "search":  # else the pages' process is slow to claim (claim, above)
        monkeypatch.setattr(parallel, "write_changed", slowly(parallel.write_changed))
    build_site(golden_project)
    claims = sorted(line for line in log.read_text().splitlines() if line.startswith(("pages", "search")))
    assert "helper claimed" not in log.read_text()  # a page helper comes too late for them
    first, second = ("pages", "search") if late == "search" else ("search", "pages")
    assert claims == sorted([f"{first} claimed 0", f"{first} claimed 1", f"{second} skipped 0", f"{second} skipped 1"])
    serial = SiteBuilder(golden_project, golden_project / "serial-site").build()
    assert serial.errors == []
    for name in ("papers.json", "sitemap.xml"):
        assert (golden_project / "site" / name).read_bytes() == (golden_project / "serial-site" / name).read_bytes()


def with_pages_naming_their_process(monkeypatch, count: int, seconds_each: float = 0.0) -> None:
    """`count` more pages, each written as the id of the process that rendered it, taking
    `seconds_each` to render (so that a process forked meanwhile has some left to take)."""
    from generator.build import pages

    def process_id(context):
        time.sleep(seconds_each)
        return [str(os.getpid()).encode()]

    def with_process_pages(site, config, scope=None):
        return [*real_pages(site, config, scope),
                *(pages.Page(f"process-{number}.txt", {}, produce=process_id) for number in range(count))]

    real_pages = pages.pages_but_papers_and_listings
    monkeypatch.setattr(pages, "pages_but_papers_and_listings", with_process_pages)


def test_with_more_cores_forked_helpers_render_pages_too_and_the_site_is_the_serial_one(golden_project, monkeypatch):
    from generator.build import parallel

    monkeypatch.setattr(parallel, "page_helpers", lambda: 2)  # as on four cores
    monkeypatch.setattr(parallel, "TASKS_PER_PROCESS", 1000)  # a chunk a page: every process takes some
    with_pages_naming_their_process(monkeypatch, 300)
    build_site(golden_project)
    site = golden_project / "site"
    renderers = {(site / f"process-{number}.txt").read_text() for number in range(300)}
    assert str(os.getpid()) in renderers and len(renderers) > 1
    serial = SiteBuilder(golden_project, golden_project / "serial-site").build()
    assert serial.errors == []
    assert without_process_pages(snapshot(site)) == without_process_pages(snapshot(golden_project / "serial-site"))


def without_process_pages(files: dict[str, str]) -> dict[str, str]:
    return {path: text for path, text in files.items() if not path.startswith("process-")}


def test_on_two_cores_the_build_renders_its_pages_itself_while_the_search_process_runs(golden_project, monkeypatch):
    """Beside the search process, a pool of page workers cost more CPU than it saved."""
    from generator import workers
    from generator.build import parallel

    monkeypatch.setattr(workers, "worker_count", lambda: 2)
    monkeypatch.setattr(parallel.SearchProcess, "done", lambda self: False)
    with_pages_naming_their_process(monkeypatch, 20)
    build_site(golden_project)
    renderers = {(golden_project / "site" / f"process-{number}.txt").read_text() for number in range(20)}
    assert renderers == {str(os.getpid())}


def test_once_the_search_process_is_done_a_helper_renders_the_pages_left(golden_project, monkeypatch):
    from generator import workers
    from generator.build import parallel

    monkeypatch.setattr(workers, "worker_count", lambda: 2)
    monkeypatch.setattr(parallel.SearchProcess, "done", lambda self: True)
    monkeypatch.setattr(parallel, "TASKS_PER_PROCESS", 1000)  # a chunk a page
    with_pages_naming_their_process(monkeypatch, 300, seconds_each=0.005)
    build_site(golden_project)
    site = golden_project / "site"
    renderers = {(site / f"process-{number}.txt").read_text() for number in range(300)}
    assert str(os.getpid()) in renderers and len(renderers) == 2
    assert SiteBuilder(golden_project, golden_project / "serial-site").build().errors == []
    assert without_process_pages(snapshot(site)) == without_process_pages(snapshot(golden_project / "serial-site"))


@pytest.mark.parametrize("helpers", ["more cores", "the search process done"])
def test_with_helpers_a_page_error_is_the_one_a_serial_build_meets_first(golden_project, monkeypatch, helpers):
    from generator.build import parallel

    if helpers == "more cores":
        monkeypatch.setattr(parallel, "page_helpers", lambda: 2)
    else:
        monkeypatch.setattr(parallel.SearchProcess, "done", lambda self: True)
    monkeypatch.setattr(parallel, "TASKS_PER_PROCESS", 1000)
    override(golden_project, "paper.html", '{% extends "base.html" %}\n{% block main %}{{ no_such_value.x }}{% endblock %}\n')
    messages = expect_failure(golden_project)
    serial = SiteBuilder(golden_project, golden_project / "serial-site").build()
    assert len(messages) == 1 and [str(error) for error in serial.errors] == messages
    assert sorted(path.name for path in golden_project.iterdir() if path.name.startswith(".site")) == []


def test_a_page_whose_render_failed_in_a_rebuild_fails_again_until_it_renders(golden_project):
    # The contexts of the pages a failed rebuild did not render are not taken for the site's: the
    # next rebuild, for another paper, renders them again (and fails again) rather than leaving
    # the page as it was before the first edit and reporting success.
    override(golden_project, "paper.html", '{% extends "base.html" %}\n{% block main %}{{ paper.title }}'
             '{% if paper.title.startswith("Boom") %}{{ no_such_value.x }}{% endif %}{% endblock %}\n')
    builder = SiteBuilder(golden_project)
    assert builder.build().errors == []
    papers = golden_project / "content" / "papers"
    skippipe, corpusbrain = papers / "skippipe.md", papers / "corpusbrain.md"
    skippipe.write_text(skippipe.read_text().replace("SkipPipe:", "Boom SkipPipe:"))
    assert any("no_such_value" in str(error) for error in builder.rebuild([skippipe]).errors)
    corpusbrain.write_text(corpusbrain.read_text().replace("CorpusBrain:", "CorpusBrain 3:"))
    assert any("no_such_value" in str(error) for error in builder.rebuild([corpusbrain]).errors)
    skippipe.write_text(skippipe.read_text().replace("Boom SkipPipe:", "SkipPipe 2:"))
    result = builder.rebuild([skippipe])
    assert result.errors == []
    assert "SkipPipe 2:" in (golden_project / "site" / "papers" / "s" / "skippipe" / "index.html").read_text()
    assert "CorpusBrain 3:" in (golden_project / "site" / "papers" / "c" / "corpusbrain" / "index.html").read_text()
