"""What `digest build` writes: deterministic, atomic, incremental, nothing stale left behind."""
import json
import os
import re
import shutil
import time
import types

import pytest

from generator import files as files_module
from generator.build import builder as builder_module
from generator.build import pages as pages_module
from generator.build import stamp
from generator.build.builder import SiteBuilder, build_site
from generator.project import Project
from tests.helpers import related_shown, set_mtimes, snapshot


def test_two_builds_are_byte_identical(golden_project, tmp_path):
    build_site(golden_project)
    first = snapshot(golden_project / "site")
    shutil.rmtree(golden_project / ".cache")  # force a real second build
    SiteBuilder(golden_project, tmp_path / "other-site").build()
    assert snapshot(tmp_path / "other-site") == first


def test_no_staging_folders_are_left_next_to_site(golden_project):
    build_site(golden_project)
    build_site(golden_project)
    assert sorted(path.name for path in golden_project.iterdir()) == [".cache", "content", "site"]


def test_a_deleted_paper_disappears_on_the_next_build(golden_project):
    build_site(golden_project)
    (golden_project / "content" / "papers" / "skippipe.md").unlink()
    build_site(golden_project)
    site = golden_project / "site"
    assert not (site / "papers" / "s" / "skippipe").exists()
    assert "skippipe" not in (site / "index.html").read_text()
    assert "skippipe" not in (site / "papers.json").read_text()


def test_an_unchanged_project_is_not_rebuilt_but_a_touched_site_is(golden_project):
    assert build_site(golden_project).written
    assert build_site(golden_project).written == []
    (golden_project / "site" / "index.html").write_text("tampered")
    assert "index.html" in build_site(golden_project).written
    assert "tampered" not in (golden_project / "site" / "index.html").read_text()


def counted_loads(monkeypatch) -> list[int]:
    """Each load of the paper files from now on, counted."""
    loads: list[int] = []
    original_load = builder_module.load_paper_files
    monkeypatch.setattr(builder_module, "load_paper_files", lambda *args, **kwargs: loads.append(1) or original_load(*args, **kwargs))
    return loads


def test_files_saved_again_unchanged_are_no_change_and_stamped_anew(golden_project, monkeypatch):
    """A checkout, a clone or an editor gives files new mtimes over the same bytes: the build
    compares those files' bytes with the ones it last built from, loads no paper, and stamps
    them anew, so the run after it compares nothing."""
    set_mtimes(golden_project, time.time() - 3600)
    assert build_site(golden_project).written
    later = time.time() - 1800
    for path in ("content/papers/skippipe.md", "content/topics.yaml"):
        os.utime(golden_project / path, (later, later))
    loads = counted_loads(monkeypatch)
    assert build_site(golden_project).written == [] and loads == []
    monkeypatch.setattr(stamp, "file_digest", lambda path: pytest.fail(f"{path} was read"))
    assert build_site(golden_project).written == [] and loads == []


def test_a_file_longer_than_one_read_saved_again_unchanged_is_no_change(golden_project, monkeypatch):
    """The stamp keeps the digest of every byte of a file that is hashed piece by piece (at
    80,000 papers the digests are 112 MB): saved again, its bytes are found the same."""
    topics = golden_project / "content" / "topics.yaml"
    topics.write_text(topics.read_text(encoding="utf-8") + "# a curator's note\n" * 40_000, encoding="utf-8")
    assert topics.stat().st_size > 2 * files_module._HASHED_PIECE
    set_mtimes(golden_project, time.time() - 3600)
    assert build_site(golden_project).written
    later = time.time() - 1800
    os.utime(topics, (later, later))
    loads = counted_loads(monkeypatch)
    assert build_site(golden_project).written == [] and loads == []


def test_a_clone_listing_the_same_files_in_another_order_is_found_unchanged_by_their_bytes(golden_project):
    """A clone stamps every file anew, and its folders may list them in another order."""
    set_mtimes(golden_project, time.time() - 3600)
    build_site(golden_project)
    set_mtimes(golden_project / "content", time.time() - 1800)  # the clone
    project = Project.at(golden_project)
    listed = stamp.input_stamps(project)
    assert listed is not None
    assert stamp.is_up_to_date(project, dict(reversed(listed.items())))


def test_a_project_moved_or_cloned_into_another_folder_is_found_up_to_date_without_a_build(golden_project, tmp_path):
    """A curator's folder renamed, or a CI runner that checks out into a new folder each time:
    the stamp names inputs from the project's folder, so the no-change shortcut still holds
    (at 80,000 papers: 2 s, where a whole build took 16 s to find the site up to date)."""
    set_mtimes(golden_project, time.time() - 3600)
    build_site(golden_project)
    moved = tmp_path / "renamed"
    golden_project.rename(moved)  # the same files with the same mtimes: nothing to read again
    assert stamp.site_is_current(Project.at(moved))
    cloned = tmp_path / "elsewhere" / "checkout"
    shutil.copytree(moved, cloned, copy_function=shutil.copyfile)  # every file stamped anew
    set_mtimes(cloned, time.time() - 1800)
    assert stamp.site_is_current(Project.at(cloned))  # the second look: the same bytes
    (cloned / "content" / "papers" / "skippipe.md").write_text("---\ntitle: Changed\n---\n")
    set_mtimes(cloned, time.time() - 900)
    assert not stamp.site_is_current(Project.at(cloned))


def test_a_file_changed_after_the_build_read_it_is_built_next_time_whatever_its_size(golden_project, monkeypatch):
    """The stamp keeps the digest of bytes the build read: the taxonomy saved again (same size)
    while the pages are written is not taken for what they were made from."""
    topics = golden_project / "content" / "topics.yaml"
    an_hour_ago = time.time() - 3600
    set_mtimes(golden_project, an_hour_ago)
    original_write = SiteBuilder._write_everything

    def write_then_rename_a_topic(self, *args, **kwargs):
        topics.write_text(topics.read_text(encoding="utf-8").replace("Computer Vision", "COMPUTER VISION"))
        os.utime(topics, (an_hour_ago + 60, an_hour_ago + 60))
        return original_write(self, *args, **kwargs)

    monkeypatch.setattr(SiteBuilder, "_write_everything", write_then_rename_a_topic)
    build_site(golden_project)
    monkeypatch.setattr(SiteBuilder, "_write_everything", original_write)
    build_site(golden_project)
    assert "COMPUTER VISION" in (golden_project / "site" / "topics" / "vision" / "index.html").read_text(encoding="utf-8")


def test_a_file_saved_with_other_bytes_of_the_same_size_is_built(golden_project):
    set_mtimes(golden_project, time.time() - 3600)
    build_site(golden_project)
    paper = golden_project / "content" / "papers" / "skippipe.md"
    paper.write_text(paper.read_text(encoding="utf-8").replace("SkipPipe:", "SkipPipX:", 1), encoding="utf-8")
    later = time.time() - 1800
    os.utime(paper, (later, later))
    assert "papers/s/skippipe/index.html" in build_site(golden_project).written
    assert "SkipPipX:" in (golden_project / "site" / "papers" / "s" / "skippipe" / "index.html").read_text(encoding="utf-8")


def test_the_build_after_one_that_read_files_written_moments_before_finds_nothing_changed(golden_project, monkeypatch):
    """Ingest writes paper files (and its record) moments before `digest build` reads them, too
    recent to trust to their stamps: once they settle, the next build still finds nothing to do
    without loading a paper, by their bytes, and only a file changed since is built."""
    set_mtimes(golden_project, time.time() - 3600)
    for path in [*(golden_project / "content" / "papers").glob("*.md"), golden_project / "content" / "topics.yaml"]:
        path.write_bytes(path.read_bytes())  # as ingest writes them: now
    assert build_site(golden_project).written
    settled = time.time_ns() + 3_000_000_000
    monkeypatch.setattr(files_module, "time", types.SimpleNamespace(time_ns=lambda: settled))  # two seconds on
    loads = counted_loads(monkeypatch)
    assert build_site(golden_project).written == [] and loads == []
    paper = golden_project / "content" / "papers" / "skippipe.md"
    paper.write_text(paper.read_text(encoding="utf-8").replace("SkipPipe:", "SkipPipX:", 1), encoding="utf-8")
    assert "papers/s/skippipe/index.html" in build_site(golden_project).written


def test_rebuild_rewrites_only_the_pages_of_the_edited_paper(golden_project):
    builder = SiteBuilder(golden_project)
    builder.build()
    paper = golden_project / "content" / "papers" / "corpusbrain.md"
    paper.write_text(paper.read_text().replace("CorpusBrain:", "CorpusBrain Two:"))
    result = builder.rebuild([paper])
    assert result.errors == [] and not [path for path in result.removed if path.endswith(".html")]
    assert "papers/c/corpusbrain/index.html" in result.written
    assert "topics/other/index.html" in result.written and "dates/2025-08-15/index.html" in result.written
    assert "topics/vision/index.html" not in result.written
    site = golden_project / "site"
    for written in result.written:  # another paper's page changes only when it lists the edited one as related
        if written.startswith("papers/") and written != "papers/c/corpusbrain/index.html":
            assert "/papers/c/corpusbrain/" in (site / written).read_text(), written
    untouched = [name for name in ("hostile-title", "panopticsplatting", "skippipe")
                 if f"papers/{name[0]}/{name}/index.html" not in result.written]
    assert all("/papers/c/corpusbrain/" not in (site / "papers" / name[0] / name / "index.html").read_text() for name in untouched)
    assert snapshot(golden_project / "site") == fresh_build(golden_project)


def test_rebuild_removes_the_pages_of_a_deleted_paper_and_adds_new_ones(golden_project):
    builder = SiteBuilder(golden_project)
    builder.build()
    papers = golden_project / "content" / "papers"
    (papers / "corpusbrain.md").rename(papers / "corpus-brain.md")
    moved = papers / "corpus-brain.md"
    moved.write_text(moved.read_text().replace("slug: corpusbrain", "slug: corpus-brain"))
    result = builder.rebuild([papers / "corpusbrain.md", moved])
    assert result.errors == []
    assert "papers/c/corpusbrain/index.html" in result.removed
    assert "papers/c/corpus-brain/index.html" in result.written
    assert not (golden_project / "site" / "papers" / "c" / "corpusbrain").exists()
    assert snapshot(golden_project / "site") == fresh_build(golden_project)


def fresh_build(project):
    other = project.parent / "fresh-site"
    shutil.rmtree(other, ignore_errors=True)
    assert SiteBuilder(project, other).build().errors == []
    return snapshot(other)


def test_project_templates_and_static_files_override_the_theme(golden_project):
    (golden_project / "templates").mkdir()
    (golden_project / "templates" / "404.html").write_text('{% extends "base.html" %}{% block main %}Lost here.{% endblock %}')
    (golden_project / "static").mkdir()
    (golden_project / "static" / "style.css").write_text("body { color: teal; }\n")
    build_site(golden_project)
    site = golden_project / "site"
    assert "Lost here." in (site / "404.html").read_text()
    [stylesheet] = re.findall(r'href="/static/(style\.[0-9a-f]{8}\.css)"', (site / "index.html").read_text())
    assert (site / "static" / stylesheet).read_text() == "body { color: teal; }\n"


def test_css_and_js_are_fingerprinted_but_lunr_and_search_keep_their_names(golden_project):
    build_site(golden_project)
    names = sorted(path.name for path in (golden_project / "site" / "static").iterdir())
    assert any(re.fullmatch(r"style\.[0-9a-f]{8}\.css", name) for name in names)
    assert any(re.fullmatch(r"copy\.[0-9a-f]{8}\.js", name) for name in names)
    assert "lunr-2.3.9.min.js" in names and "search.js" in names
    assert "style.css" not in names


def test_the_reading_lists_code_is_loaded_by_its_page_alone(golden_project):
    """Every page loads reader.js (the ☆ toggles); the reading list's page, BibTeX and suggestions,
    is reading-list.js's, which other pages do not download."""
    build_site(golden_project)
    site = golden_project / "site"
    scripts = {page: re.findall(r'<script src="/static/([a-z-]+)\.[0-9a-f]{8}\.js"', (site / page).read_text())
               for page in ("index.html", "reading-list/index.html", "papers/s/skippipe/index.html")}
    assert scripts == {"index.html": ["reader"], "reading-list/index.html": ["reader", "reading-list"],
                       "papers/s/skippipe/index.html": ["reader", "copy"]}


def test_rebuild_after_a_template_change_renders_every_page_again(golden_project):
    builder = SiteBuilder(golden_project)
    builder.build()
    template = golden_project / "templates" / "404.html"
    template.parent.mkdir()
    template.write_text('{% extends "base.html" %}{% block main %}Nothing here.{% endblock %}')
    result = builder.rebuild([template])
    assert result.errors == [] and "404.html" in result.written
    assert "Nothing here." in (golden_project / "site" / "404.html").read_text()


def test_a_same_size_edit_within_one_clock_tick_of_a_build_is_not_skipped(golden_project):
    paper = golden_project / "content" / "papers" / "skippipe.md"
    text = paper.read_text(encoding="utf-8")
    paper.write_text(re.sub(r"(?m)^title: .*$", "title: SkipPipe Edition A", text), encoding="utf-8")
    build_site(golden_project)
    tick = paper.stat().st_mtime_ns
    paper.write_text(re.sub(r"(?m)^title: .*$", "title: SkipPipe Edition B", text), encoding="utf-8")
    os.utime(paper, ns=(tick, tick))  # as when both saves fall in one tick of the file system's clock
    build_site(golden_project)
    page = (golden_project / "site" / "papers" / "s" / "skippipe" / "index.html").read_text(encoding="utf-8")
    assert "SkipPipe Edition B" in page


def test_a_file_changed_while_the_build_runs_is_built_next_time(golden_project, monkeypatch):
    paper = golden_project / "content" / "papers" / "skippipe.md"
    an_hour_ago = time.time() - 3600
    set_mtimes(golden_project, an_hour_ago)  # old enough to be trusted to the stamp
    original_load = builder_module.load_paper_files

    def load_then_copy_in_a_new_version(project, paper_stamps=None):
        loaded = original_load(project, paper_stamps)
        text = paper.read_text(encoding="utf-8")
        # e.g. `cp -p` or an rsync that keeps the source's (old) mtime, landing mid-build
        paper.write_text(re.sub(r"(?m)^title: .*$", "title: Arrived Mid-Build", text), encoding="utf-8")
        os.utime(paper, (an_hour_ago + 60, an_hour_ago + 60))
        return loaded

    monkeypatch.setattr(builder_module, "load_paper_files", load_then_copy_in_a_new_version)
    build_site(golden_project)
    monkeypatch.setattr(builder_module, "load_paper_files", original_load)
    build_site(golden_project)
    page = (golden_project / "site" / "papers" / "s" / "skippipe" / "index.html").read_text(encoding="utf-8")
    assert "Arrived Mid-Build" in page


def test_a_rebuild_with_the_search_index_deferred_ends_as_a_fresh_build(golden_project):
    builder = SiteBuilder(golden_project)
    builder.build()
    paper = golden_project / "content" / "papers" / "skippipe.md"
    paper.write_text(paper.read_text().replace("SkipPipe", "SkipPipe Deferred", 1))
    (golden_project / "content" / "papers" / "corpusbrain.md").unlink()
    result = builder.rebuild([paper, golden_project / "content" / "papers" / "corpusbrain.md"], defer_data=True)
    assert result.errors == [] and "papers/c/corpusbrain/index.html" in result.removed
    assert builder.write_deferred()
    assert snapshot(golden_project / "site") == fresh_build(golden_project)


def test_rebuilds_that_move_a_paper_across_days_and_topics_end_as_a_fresh_build(golden_project):
    """A rebuild renders only what an edit reaches (its days and their neighbours, its topics
    before and after, the papers listing it); each step must still give what a full build gives."""
    builder = SiteBuilder(golden_project)
    builder.build()
    papers = golden_project / "content" / "papers"
    paper, other = papers / "skippipe.md", papers / "corpusbrain.md"
    original = paper.read_text()
    edits = [(paper, original.replace("featured: [2025-08-18]", "featured: [2025-08-30]")),  # a new last day
             (paper, original.replace("topics: [language-models]", "topics: [vision]")),  # the old day again
             (other, other.read_text().replace("CorpusBrain:", "CorpusBrain Two:")),  # not in vision
             (paper, original.replace("featured: [2025-08-18]", "featured: [2025-08-16]").replace("SkipPipe:", "Skip:")),
             (paper, original.replace("featured: [2025-08-18]", "featured: [2025-09-01]")),  # a new week and month
             (paper, original.replace("slug: skippipe", "slug: skippipe\nupvotes: 99")),  # top of its week and month
             (paper, original)]
    for number, (paper, edited) in enumerate(edits):
        paper.write_text(edited)
        deferred = number % 2 == 1  # as the dev server does: data and search files after the reload
        result = builder.rebuild([paper], defer_data=deferred)
        assert result.errors == []
        if deferred:
            assert not [path for path in result.written if not path.endswith(".html")]
            builder.write_deferred()
        assert snapshot(golden_project / "site") == fresh_build(golden_project), edited.splitlines()[1:5]
    assert "papers/c/corpusbrain/index.html" not in result.written or "skippipe" in (
        golden_project / "site" / "papers" / "c" / "corpusbrain" / "index.html").read_text()


def aged(project):
    """Every content file older than two seconds, so that the build stamp trusts them."""
    for path in (project / "content").rglob("*"):
        os.utime(path, (time.time() - 3600, time.time() - 3600))


def test_a_site_left_up_to_date_is_adopted_without_loading_and_loaded_before_the_first_rebuild(
        golden_project, monkeypatch):
    aged(golden_project)
    build_site(golden_project)
    project = Project.at(golden_project)
    loaded = []
    load = builder_module.load_paper_files
    monkeypatch.setattr(builder_module, "load_paper_files", lambda *args: loaded.append(1) or load(*args))
    builder = SiteBuilder(project)
    assert builder.adopt(stamp.input_stamps(project)) is not None and loaded == []  # the preview starts now
    assert builder.warm_up() is None and loaded == [1]
    paper = golden_project / "content" / "papers" / "skippipe.md"
    paper.write_text(paper.read_text().replace("SkipPipe:", "SkipPipe Two:"))
    result = builder.rebuild([paper])
    assert "papers/s/skippipe/index.html" in result.written and "papers/h/hostile-title/index.html" not in result.written
    assert snapshot(golden_project / "site") == fresh_build(golden_project)


def test_an_edit_saved_between_adopting_a_site_and_loading_it_is_built(golden_project):
    aged(golden_project)
    build_site(golden_project)
    project = Project.at(golden_project)
    builder = SiteBuilder(project)
    assert builder.adopt(stamp.input_stamps(project)) is not None
    paper = golden_project / "content" / "papers" / "skippipe.md"
    paper.write_text(paper.read_text().replace("SkipPipe:", "SkipPipe Two:"))
    result = builder.warm_up()
    assert result is not None and "papers/s/skippipe/index.html" in result.written
    assert "SkipPipe Two" in (golden_project / "site" / "papers" / "s" / "skippipe" / "index.html").read_text()


def moved_to_vision_by_a_deferred_rebuild(project):
    """A built site whose skippipe paper a deferred rebuild moved to the vision topic; the builder,
    and the corpusbrain paper's file for the next edit."""
    builder = SiteBuilder(project)
    builder.build()
    papers = project / "content" / "papers"
    first = papers / "skippipe.md"
    first.write_text(first.read_text().replace("topics: [language-models]", "topics: [vision]"))
    builder.rebuild([first], defer_data=True)
    return builder, papers / "corpusbrain.md"


def test_a_deferred_write_stopped_by_a_newer_edit_is_finished_by_the_next_rebuild(golden_project):
    """The dev server stops the search index when another save arrives; two deferred rebuilds
    in a row, the first one's data pages and index never written, still end as a fresh build."""
    builder, second = moved_to_vision_by_a_deferred_rebuild(golden_project)
    assert builder.write_deferred(should_stop=lambda: True) == []  # a save was waiting already: all left
    second.write_text(second.read_text().replace("CorpusBrain:", "CorpusBrain Two:"))
    builder.rebuild([second], defer_data=True)
    assert builder.write_deferred()
    assert snapshot(golden_project / "site") == fresh_build(golden_project)


def test_the_lists_of_every_paper_come_after_the_search_index_and_wait_for_a_newer_save(golden_project, monkeypatch):
    """papers.json and the sitemap list every paper (a second at 80,000 papers): a save arriving
    while the index is made finds them not yet begun, and the next deferred write makes them."""
    builder, _ = moved_to_vision_by_a_deferred_rebuild(golden_project)
    indexed: list[bool] = []

    def search_files(*args):
        files = real_search_files(*args)
        indexed.append(True)
        return files

    real_search_files = builder_module.search_files
    monkeypatch.setattr(builder_module, "search_files", search_files)
    stopped = builder.write_deferred(should_stop=lambda: bool(indexed))
    assert "search/index.json" in stopped and "topics/vision/feed.xml" in stopped
    assert "papers.json" not in stopped and "sitemap.xml" not in stopped
    assert published_topics(golden_project, "skippipe") == ["language-models"]  # as before the edit
    assert "papers.json" in builder.write_deferred()
    assert published_topics(golden_project, "skippipe") == ["vision"]
    assert snapshot(golden_project / "site") == fresh_build(golden_project)


def published_topics(project, slug: str) -> list[str]:
    records = json.loads((project / "site" / "papers.json").read_text())["papers"]
    return next(record["topics"] for record in records if record["slug"] == slug)


def test_without_a_deferred_write_a_second_deferred_rebuild_keeps_the_first_ones_data_pages(golden_project):
    builder, second = moved_to_vision_by_a_deferred_rebuild(golden_project)
    second.write_text(second.read_text().replace("CorpusBrain:", "CorpusBrain Two:"))
    builder.rebuild([second], defer_data=True)
    builder.write_deferred()
    assert snapshot(golden_project / "site") == fresh_build(golden_project)  # vision's feed has skippipe


def test_an_edit_saved_while_an_adopted_site_is_loaded_is_built(golden_project, monkeypatch):
    """The dev server loads an adopted site on its rebuild thread while pages are served; a
    save landing during that load must still reach site/ (its own rebuild then finds nothing)."""
    aged(golden_project)
    build_site(golden_project)
    project = Project.at(golden_project)
    builder = SiteBuilder(project)
    assert builder.adopt(stamp.input_stamps(project)) is not None
    paper = golden_project / "content" / "papers" / "skippipe.md"
    load = builder_module.load_paper_files

    def saved_during_the_load(*args):
        paper.write_text(paper.read_text().replace("SkipPipe:", "SkipPipe Two:"))
        return load(*args)

    monkeypatch.setattr(builder_module, "load_paper_files", saved_during_the_load)
    result = builder.warm_up()
    assert result is not None and "papers/s/skippipe/index.html" in result.written
    assert "SkipPipe Two" in (golden_project / "site" / "papers" / "s" / "skippipe" / "index.html").read_text()


def test_a_run_stopped_after_its_swap_leaves_no_record_that_trusts_the_new_site(golden_project, monkeypatch):
    """A cold build swaps a whole new site/ in, then saves its record. Stopped between the two,
    the record of the build before must not be trusted for the site/ now there, even when its
    top-level file sizes match (two titles of one length)."""
    config = golden_project / "content" / "site.yaml"
    first, second = config.read_text(), config.read_text().replace("Golden Digest", "Golden Digesx")
    assert SiteBuilder(golden_project).build().errors == []  # the record of `first`
    config.write_text(second)

    def stopped(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(builder_module.record, "save", stopped)
    with pytest.raises(KeyboardInterrupt):
        SiteBuilder(golden_project).build()  # `second`'s site swapped in, its record never saved
    monkeypatch.undo()
    config.write_text(first)
    assert SiteBuilder(golden_project).build().errors == []
    assert snapshot(golden_project / "site") == fresh_build(golden_project)


def test_a_rebuild_writes_the_open_page_first_and_the_pages_it_reaches_after(golden_project):
    """The dev server names the pages open in a browser (shown): only those are written before the
    reload; the others the edit reaches (its topic's and day's pages) right after, by
    write_deferred_pages, and in the end the site is a fresh build's."""
    builder = SiteBuilder(golden_project)
    builder.build()
    paper = golden_project / "content" / "papers" / "skippipe.md"
    paper.write_text(paper.read_text().replace("SkipPipe:", "SkipPipe Shown:", 1))
    result = builder.rebuild([paper], defer_data=True, shown={"papers/s/skippipe/index.html"})
    site = golden_project / "site"
    assert result.errors == [] and result.written == ["papers/s/skippipe/index.html"]
    assert "SkipPipe Shown" in (site / "papers" / "s" / "skippipe" / "index.html").read_text()
    day_page = "dates/2025-08-18/index.html"
    assert day_page in result.deferred and "SkipPipe Shown" not in (site / day_page).read_text()
    assert day_page in builder.write_deferred_pages().written
    assert "SkipPipe Shown" in (site / day_page).read_text()
    builder.write_deferred()
    assert snapshot(site) == fresh_build(golden_project)


def test_the_open_page_is_written_before_the_related_papers_are_worked_out_again(golden_project):
    """A rebuild for an open page writes it with the related lists of the site before the edit;
    write_deferred_pages then updates them, and writes every page they change, the open one too."""
    builder = SiteBuilder(golden_project)
    builder.build()
    site = golden_project / "site"
    paper = golden_project / "content" / "papers" / "skippipe.md"
    paper.write_text(paper.read_text().replace("Partial and Reordered Pipelining", "Panoptic Gaussian Splatting", 1))
    result = builder.rebuild([paper], defer_data=True, shown={"papers/s/skippipe/index.html"})
    assert result.written == ["papers/s/skippipe/index.html"]
    assert "Panoptic Gaussian Splatting" in (site / "papers" / "s" / "skippipe" / "index.html").read_text()
    assert related_shown((site / "papers" / "s" / "skippipe" / "index.html").read_text()) == ["corpusbrain"]  # as before the edit
    later = builder.write_deferred_pages().written
    assert {"papers/s/skippipe/index.html", "papers/p/panopticsplatting/index.html"} <= set(later)
    assert related_shown((site / "papers" / "s" / "skippipe" / "index.html").read_text()) == ["panopticsplatting", "corpusbrain"]
    assert related_shown((site / "papers" / "p" / "panopticsplatting" / "index.html").read_text()) == ["skippipe"]
    builder.write_deferred()
    assert snapshot(site) == fresh_build(golden_project)


def test_a_rebuild_before_the_last_ones_related_papers_were_updated_updates_them_first(golden_project):
    builder = SiteBuilder(golden_project)
    builder.build()
    papers = golden_project / "content" / "papers"
    paper, other = papers / "skippipe.md", papers / "corpusbrain.md"
    paper.write_text(paper.read_text().replace("Partial and Reordered Pipelining", "Panoptic Gaussian Splatting", 1))
    builder.rebuild([paper], defer_data=True, shown={"papers/s/skippipe/index.html"})
    other.write_text(other.read_text().replace("CorpusBrain:", "CorpusBrain Next:", 1))
    written = builder.rebuild([other], defer_data=True, shown={"papers/c/corpusbrain/index.html"}).written
    assert "papers/p/panopticsplatting/index.html" in written  # the first edit's related papers
    builder.write_deferred()
    assert snapshot(golden_project / "site") == fresh_build(golden_project)


def test_pages_a_rebuild_left_unwritten_are_written_by_the_next_one(golden_project):
    """Without the deferred write in between (a newer save came first), the next rebuild writes what
    the last one left, though the newer edit does not reach those pages."""
    builder = SiteBuilder(golden_project)
    builder.build()
    papers = golden_project / "content" / "papers"
    paper, other = papers / "skippipe.md", papers / "corpusbrain.md"
    paper.write_text(paper.read_text().replace("SkipPipe:", "SkipPipe Left:", 1))
    assert builder.rebuild([paper], defer_data=True, shown=set()).written == []  # no page open
    other.write_text(other.read_text().replace("CorpusBrain:", "CorpusBrain Next:", 1))
    assert builder.rebuild([other], defer_data=True, shown=None).errors == []
    builder.write_deferred()
    assert snapshot(golden_project / "site") == fresh_build(golden_project)


def test_a_save_that_rebuilds_everything_leaves_no_older_deferred_file_to_write(golden_project):
    """A paper saved, then the taxonomy before the paper's deferred files were written (a newer save
    came first): the full build writes the search files with the topic's new name, and
    write_deferred must not put back those of the site before it."""
    builder = SiteBuilder(golden_project)
    builder.build()
    paper, taxonomy = golden_project / "content" / "papers" / "skippipe.md", golden_project / "content" / "topics.yaml"
    paper.write_text(paper.read_text().replace("SkipPipe:", "SkipPipe Saved:", 1))
    builder.rebuild([paper], defer_data=True, shown={"papers/s/skippipe/index.html"})
    taxonomy.write_text(taxonomy.read_text().replace("name: Language Models", "name: Language Modelling"))
    assert builder.rebuild([taxonomy], defer_data=True, shown={"papers/s/skippipe/index.html"}).errors == []
    builder.write_deferred()
    search = golden_project / "site" / "search"
    assert [path.name for path in search.rglob("*.json") if '"Language Models"' in path.read_text()] == []
    assert snapshot(golden_project / "site") == fresh_build(golden_project)


def test_a_save_during_the_listings_stops_them_and_the_next_write_makes_them(golden_project, monkeypatch):
    builder = SiteBuilder(golden_project)
    builder.build()
    paper = golden_project / "content" / "papers" / "skippipe.md"
    paper.write_text(paper.read_text().replace("SkipPipe:", "SkipPipe Listed:", 1))
    builder.rebuild([paper], defer_data=True)
    listing = []  # papers.json is being made: the curator saves again now

    def papers_json_noticed(*args, **kwargs):
        listing.append(True)
        yield from original(*args, **kwargs)

    original = pages_module.papers_json
    monkeypatch.setattr(pages_module, "papers_json", papers_json_noticed)
    written = builder.write_deferred(should_stop=lambda: bool(listing))
    assert listing and "papers.json" not in written
    assert "SkipPipe Listed" not in (golden_project / "site" / "papers.json").read_text()
    assert "papers.json" in builder.write_deferred()
    assert snapshot(golden_project / "site") == fresh_build(golden_project)
