"""`digest build` with the record of the last build (.cache/build-record.json): each run is a new
builder, as on Netlify, and renders only what changed, giving exactly what a cold build gives."""
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from generator import cache
from generator.build import builder as builder_module
from generator.build import outputs as outputs_module
from generator.build import pages as pages_module
from generator.build import stamp
from generator.build.builder import SiteBuilder, build_site
from generator.build.record import RECORD_FILE
from generator.content import papers as papers_module
from generator.errors import display_path
from generator.preview.watch import is_editor_noise
from generator.project import Project
from tests.helpers import ROOT, digest_cli, set_mtimes, snapshot
from tests.search_support import node_or_skip


def cold_build(project: Path, scratch: Path) -> dict[str, str]:
    """The site a build without any cache makes of the same content."""
    copy = scratch / "cold"
    shutil.copytree(project / "content", copy / "content")
    assert build_site(copy).errors == []
    return snapshot(copy / "site")


def inodes(site: Path) -> dict[str, int]:
    return {str(path.relative_to(site)): path.stat().st_ino for path in site.rglob("*") if path.is_file()}


def retitle(project: Path, slug: str, old: str, new: str) -> None:
    paper = project / "content" / "papers" / f"{slug}.md"
    paper.write_text(paper.read_text().replace(old, new))


def test_an_edited_paper_rewrites_only_the_pages_that_show_it(golden_project, tmp_path):
    build_site(golden_project)
    site = golden_project / "site"
    before = inodes(site)
    retitle(golden_project, "corpusbrain", "CorpusBrain:", "CorpusBrain Two:")
    result = build_site(golden_project)
    assert "papers/c/corpusbrain/index.html" in result.written and "index.html" not in result.written
    assert "topics/vision/index.html" not in result.written  # corpusbrain is not on it
    after = inodes(site)
    untouched = [path for path in after if path in before and path not in result.written]
    assert untouched and all(after[path] == before[path] for path in untouched)  # not even rewritten
    assert all(after[path] != before[path] for path in result.written if path in before)
    assert result.removed and not set(result.removed) & set(after)  # the search vocabulary, renamed
    assert snapshot(site) == cold_build(golden_project, tmp_path)


def test_new_upvotes_rewrite_the_papers_week_and_month_as_a_cold_build_writes_them(golden_project, tmp_path):
    """Upvotes order the week's and the month's top papers: skippipe, last of both, goes first."""
    build_site(golden_project)
    retitle(golden_project, "skippipe", "slug: skippipe", "slug: skippipe\nupvotes: 99")
    result = build_site(golden_project)
    assert {"weeks/2025-W34/index.html", "months/2025-08/index.html"} <= set(result.written)
    assert "weeks/2025-W33/index.html" not in result.written  # skippipe is not on it
    week = (golden_project / "site" / "weeks" / "2025-W34" / "index.html").read_text()
    assert week.index("/papers/s/skippipe/") < week.index("/papers/p/panopticsplatting/")
    assert snapshot(golden_project / "site") == cold_build(golden_project, tmp_path)


def test_an_edit_saved_well_before_the_build_is_rendered(golden_project, tmp_path):
    """Papers are known by the digest of their file's bytes once the cache holds them (an edit
    made moments before a build is not held yet; this one is older)."""
    build_site(golden_project)
    retitle(golden_project, "corpusbrain", "CorpusBrain:", "CorpusBrain Renamed:")
    an_hour_ago = time.time() - 3600
    os.utime(golden_project / "content" / "papers" / "corpusbrain.md", (an_hour_ago, an_hour_ago))
    result = build_site(golden_project)
    assert "papers/c/corpusbrain/index.html" in result.written
    assert "CorpusBrain Renamed:" in (golden_project / "site" / "papers" / "c" / "corpusbrain" / "index.html").read_text()
    assert snapshot(golden_project / "site") == cold_build(golden_project, tmp_path)


def test_a_new_and_a_deleted_paper_are_added_and_removed_as_in_a_cold_build(golden_project, tmp_path):
    build_site(golden_project)
    papers = golden_project / "content" / "papers"
    (papers / "skippipe.md").unlink()
    add_corpusbrain_two(golden_project)
    result = build_site(golden_project)
    assert "papers/c/corpusbrain-two/index.html" in result.written
    assert not (golden_project / "site" / "papers" / "s" / "skippipe").exists()
    assert snapshot(golden_project / "site") == cold_build(golden_project, tmp_path)


@pytest.mark.parametrize("change", ["a copy in a new file", "an edit to another's title"])
def test_one_paper_in_two_files_is_refused_by_a_rebuild_as_by_a_full_build(golden_project, change):
    builder = SiteBuilder(golden_project)
    assert builder.build().errors == []
    before = snapshot(golden_project / "site")
    papers = golden_project / "content" / "papers"
    if change == "a copy in a new file":
        changed = papers / "corpusbrain-again.md"
        changed.write_text((papers / "corpusbrain.md").read_text().replace("slug: corpusbrain", "slug: corpusbrain-again"))
    else:
        changed = papers / "skippipe.md"
        title = re.search(r"^title: (.*)$", (papers / "corpusbrain.md").read_text(), re.M)
        assert title
        changed.write_text(re.sub(r"^title: .*$", lambda _: f"title: {title.group(1)}", changed.read_text(), count=1, flags=re.M))
    other = papers / "corpusbrain.md"
    for builder_used in (builder.rebuild([changed]), SiteBuilder(golden_project, golden_project / "cold").build()):
        [message] = [str(error) for error in builder_used.errors]
        assert "one paper in two files" in message and str(changed) in message and str(other) in message
    assert snapshot(golden_project / "site") == before
    changed.unlink()
    assert builder.rebuild([changed]).errors == []


def paper_page(project: Path, slug: str) -> str:
    return (project / "site" / "papers" / slug[0] / slug / "index.html").read_text()


@pytest.mark.parametrize("broken", ["YAML that does not parse", "a topic the taxonomy lacks", "another file's paper"])
def test_a_rebuild_builds_the_files_it_can_and_keeps_a_broken_ones_last_good_version(golden_project, broken):
    """One broken paper file holds back no other save of the preview: the others are built, it
    keeps its page as last built until a save mends it, and the rebuild reports its errors."""
    builder = SiteBuilder(golden_project)
    assert builder.build().errors == []
    papers = golden_project / "content" / "papers"
    good = (papers / "skippipe.md").read_text()
    (papers / "skippipe.md").write_text({
        "YAML that does not parse": good.replace("title: ", 'title: "unclosed\n', 1),
        "a topic the taxonomy lacks": good.replace("topics: [", "topics: [no-such-topic, "),
        "another file's paper": good.replace('title: "SkipPipe: Partial and Reordered Pipelining for LLMs"',
                                              'title: "PanopticSplatting: End-to-End Panoptic Gaussian Splatting"'),
    }[broken].replace("stage skipping", "stage jumping"))
    retitle(golden_project, "corpusbrain", "CorpusBrain:", "CorpusBrain Renamed:")

    result = builder.rebuild([papers / "skippipe.md", papers / "corpusbrain.md"])
    assert [error.path for error in result.errors] == [display_path(papers / "skippipe.md")]
    assert "CorpusBrain Renamed:" in paper_page(golden_project, "corpusbrain")  # built
    skippipe = paper_page(golden_project, "skippipe")
    assert "stage skipping" in skippipe and "stage jumping" not in skippipe  # as last built
    assert not builder.save_record()  # site/ is not what the files say: the next `digest build` must look

    retitle(golden_project, "corpusbrain", "CorpusBrain Renamed:", "CorpusBrain Renamed Twice:")
    result = builder.rebuild([papers / "corpusbrain.md"])  # still broken: read again, still left out
    assert [error.path for error in result.errors] == [display_path(papers / "skippipe.md")]
    assert "CorpusBrain Renamed Twice:" in paper_page(golden_project, "corpusbrain")

    (papers / "skippipe.md").write_text(good.replace("stage skipping", "stage jumping"))
    result = builder.rebuild([papers / "skippipe.md"])
    assert result.errors == [] and "stage jumping" in paper_page(golden_project, "skippipe")
    assert builder.rebuild([]).errors == []
    assert builder.save_record()
    assert snapshot(golden_project / "site") == cold_build(golden_project, golden_project.parent / "scratch")


def test_a_rebuild_that_can_build_none_of_the_files_changes_nothing(golden_project):
    builder = SiteBuilder(golden_project)
    assert builder.build().errors == []
    before = snapshot(golden_project / "site")
    papers = golden_project / "content" / "papers"
    for slug in ("skippipe", "corpusbrain"):
        retitle(golden_project, slug, "title: ", 'title: "unclosed\n')
    result = builder.rebuild([papers / "skippipe.md", papers / "corpusbrain.md"])
    assert result.written == [] and len(result.errors) == 2
    assert snapshot(golden_project / "site") == before


def test_a_file_left_out_keeps_its_papers_identity_for_the_others(golden_project):
    """Left out, a file's paper stays as the site has it, under its old title: a paper saved with
    that title in the same rebuild is one paper in two files, and left out too."""
    builder = SiteBuilder(golden_project)
    assert builder.build().errors == []
    papers = golden_project / "content" / "papers"
    corpusbrain_title = "CorpusBrain: Pre-train a Generative Retrieval Model"
    retitle(golden_project, "corpusbrain", "CorpusBrain:", "CorpusBrain Renamed:")
    retitle(golden_project, "corpusbrain", "topics: [", "topics: [no-such-topic, ")  # left out: keeps its title
    skippipe = papers / "skippipe.md"
    skippipe.write_text(re.sub(r"^title: .*$", f'title: "{corpusbrain_title}"', skippipe.read_text(), count=1, flags=re.M))
    result = builder.rebuild([papers / "corpusbrain.md", skippipe])
    messages = [str(error) for error in result.errors]
    assert len(messages) == 2 and "unknown topic 'no-such-topic'" in messages[0], messages
    assert "one paper in two files" in messages[1] and str(skippipe) in messages[1], messages
    assert result.written == []
    assert corpusbrain_title.split(":")[0] + ":" in paper_page(golden_project, "corpusbrain")


def test_a_title_a_rebuild_took_away_is_free_for_another_paper(golden_project):
    builder = SiteBuilder(golden_project)
    assert builder.build().errors == []
    papers = golden_project / "content" / "papers"
    add_corpusbrain_two(golden_project)  # its text, to be saved as a new paper later
    two = papers / "corpusbrain-two.md"
    text = two.read_text()
    two.unlink()
    retitle(golden_project, "corpusbrain", "CorpusBrain:", "CorpusBrain One:")
    assert builder.rebuild([papers / "corpusbrain.md"]).errors == []
    two.write_text(text)
    two.write_text(two.read_text().replace("CorpusBrain Two:", "CorpusBrain:"))  # the first one's old title
    assert builder.rebuild([two]).errors == []
    two.write_text(two.read_text().replace("CorpusBrain:", "CorpusBrain One:"))  # and its new one
    assert "one paper in two files" in str(builder.rebuild([two]).errors)


def papers_json_lines(project: Path) -> list[bytes]:
    return (project / "site" / "papers.json").read_bytes().split(b"\n")


def test_papers_json_copies_the_records_of_unchanged_papers_from_the_last_build(golden_project):
    """Making every record again took 2 s of a new day's build at 80,000 papers. A record changed
    in site/ by hand shows it is copied, not made again (site/ is the build's: a hand edit stays
    until its paper changes, as with any page)."""
    build_site(golden_project)
    lines = papers_json_lines(golden_project)
    number = next(number for number, line in enumerate(lines) if b'"slug":"skippipe"' in line)
    lines[number] = lines[number].replace(b"SkipPipe", b"SkipPIPE")  # the same size: the record still holds
    (golden_project / "site" / "papers.json").write_bytes(b"\n".join(lines))
    retitle(golden_project, "corpusbrain", "CorpusBrain:", "CorpusBrain Two:")
    build_site(golden_project)
    records = {record["slug"]: record for record in json.loads((golden_project / "site" / "papers.json").read_bytes())["papers"]}
    assert "SkipPIPE" in records["skippipe"]["title"]  # copied
    assert records["corpusbrain"]["title"].startswith("CorpusBrain Two:")  # made again


def test_records_out_of_place_in_the_last_papers_json_are_made_again(golden_project, tmp_path):
    """Two records swapped (the file keeps its size, so the build record still holds): each is
    copied only onto its own paper's line, so the new file is still the cold build's."""
    build_site(golden_project)
    lines = papers_json_lines(golden_project)
    lines[1], lines[2] = lines[2].removesuffix(b",") + b",", lines[1].removesuffix(b",") + b","
    (golden_project / "site" / "papers.json").write_bytes(b"\n".join(lines))
    retitle(golden_project, "corpusbrain", "CorpusBrain:", "CorpusBrain Two:")
    build_site(golden_project)
    assert snapshot(golden_project / "site") == cold_build(golden_project, tmp_path)


def records_in(site: Path) -> list[dict]:
    """papers.json's records, from its parts when it lists parts."""
    listing = json.loads((site / "papers.json").read_bytes())
    parts = [site / part["url"].lstrip("/") for part in listing.get("parts", [])]
    return listing.get("papers", []) + [record for part in parts for record in json.loads(part.read_bytes())["papers"]]


def test_past_the_limit_papers_json_lists_parts_that_hold_every_record(golden_project, tmp_path, monkeypatch):
    # Static hosts refuse large files: the records of 80,000 papers take 170 MB.
    single = tmp_path / "single"
    shutil.copytree(golden_project / "content", single / "content")
    build_site(single)
    monkeypatch.setattr(pages_module, "PAPERS_PER_FILE", 2)
    build_site(golden_project)
    site = golden_project / "site"
    assert json.loads((site / "papers.json").read_bytes()) == {
        "parts": [{"url": "/papers-1.json", "papers": 2}, {"url": "/papers-2.json", "papers": 2}]}
    assert records_in(site) == records_in(single / "site")
    # A part's records are copied from the last build's part of that name (one edited by hand
    # shows it), not made again: here the second part, panopticsplatting's and skippipe's.
    part = site / "papers-2.json"
    part.write_bytes(part.read_bytes().replace(b"SkipPipe", b"SkipPIPE"))
    retitle(golden_project, "panopticsplatting", "PanopticSplatting:", "PanopticSplatting Two:")
    build_site(golden_project)
    titles = {record["slug"]: record["title"] for record in records_in(site)}
    assert "SkipPIPE" in titles["skippipe"] and titles["panopticsplatting"].startswith("PanopticSplatting Two:")
    # Back under the limit: one file again, and the parts are gone.
    monkeypatch.setattr(pages_module, "PAPERS_PER_FILE", 4)
    retitle(golden_project, "corpusbrain", "CorpusBrain:", "CorpusBrain Two:")
    build_site(golden_project)
    assert not list(site.glob("papers-*.json"))
    assert [record["slug"] for record in json.loads((site / "papers.json").read_bytes())["papers"]] == [
        record["slug"] for record in records_in(single / "site")]


@pytest.mark.parametrize("defer_data", [False, True], ids=["at once", "deferred as in the preview"])
def test_a_rebuild_that_goes_back_under_the_limits_removes_the_parts(golden_project, monkeypatch, defer_data):
    # The dev server's rebuilds: papers.json's and the sitemap's parts go with the site's shrinking
    # back under their limits, as in a full build, and so do the records it kept for them (~8 MB
    # a part at 80,000 papers).
    monkeypatch.setattr(pages_module, "_record_texts", {})
    monkeypatch.setattr(pages_module, "PAPERS_PER_FILE", 2)
    monkeypatch.setattr(outputs_module, "SITEMAP_LIMIT", 8)
    preview = SiteBuilder(golden_project)
    preview.build()
    site = golden_project / "site"
    parts = {"papers-1.json", "papers-2.json", "sitemap-1.xml", "sitemap-2.xml"}
    assert parts <= set(snapshot(site)) and set(pages_module._record_texts) == {"papers-1.json", "papers-2.json"}
    monkeypatch.setattr(pages_module, "PAPERS_PER_FILE", 4)
    monkeypatch.setattr(outputs_module, "SITEMAP_LIMIT", 50_000)
    retitle(golden_project, "corpusbrain", "CorpusBrain:", "CorpusBrain Two:")
    result = preview.rebuild([golden_project / "content" / "papers" / "corpusbrain.md"], defer_data=defer_data)
    removed = set(result.removed) | (set(preview.write_deferred()) if defer_data else set())
    assert result.errors == [] and parts <= removed
    assert not parts & set(snapshot(site)) and set(pages_module._record_texts) == {"papers.json"}
    assert "CorpusBrain Two:" in (site / "papers.json").read_text()
    assert "<urlset" in (site / "sitemap.xml").read_text()


def test_a_changed_template_renders_every_page_again(golden_project):
    build_site(golden_project)
    templates = golden_project / "templates"
    templates.mkdir()
    (templates / "404.html").write_text("{% extends 'base.html' %}{% block main %}Lost.{% endblock %}")
    result = build_site(golden_project)
    pages = [path for path in snapshot(golden_project / "site") if path.endswith(".html")]
    assert set(pages) <= set(result.written)
    assert "Lost." in (golden_project / "site" / "404.html").read_text()


def test_a_template_saved_while_a_build_runs_is_rendered_by_the_next_build(golden_project, monkeypatch):
    # The record's key must describe the templates the pages were rendered with, not the ones on
    # disk once rendering is done: else the next build trusts the record and keeps the old pages.
    templates = golden_project / "templates"
    templates.mkdir()
    page = templates / "404.html"
    page.write_text("{% extends 'base.html' %}{% block main %}Lost once.{% endblock %}")
    build_site(golden_project)
    page.write_text("{% extends 'base.html' %}{% block main %}Lost twice.{% endblock %}")
    real = SiteBuilder.load_resources

    def load_then_save_again(self):
        resources = real(self)
        page.write_text("{% extends 'base.html' %}{% block main %}Lost thrice.{% endblock %}")
        return resources

    monkeypatch.setattr(SiteBuilder, "load_resources", load_then_save_again)
    build_site(golden_project)
    assert "Lost twice." in (golden_project / "site" / "404.html").read_text()
    monkeypatch.setattr(SiteBuilder, "load_resources", real)
    build_site(golden_project)
    assert "Lost thrice." in (golden_project / "site" / "404.html").read_text()


@pytest.mark.parametrize("record", ["not json", '{"key": 1}', json.dumps({"key": "", "site": [], "pages": [],
                                                                           "files": {}})])
def test_a_damaged_record_gives_a_cold_build_of_the_same_site(golden_project, tmp_path, record):
    build_site(golden_project)
    (golden_project / ".cache" / RECORD_FILE).write_text(record)
    retitle(golden_project, "skippipe", "SkipPipe", "SkipPipe Two")
    result = build_site(golden_project)
    assert "index.html" in result.written and "papers/c/corpusbrain/index.html" in result.written  # all of it
    assert snapshot(golden_project / "site") == cold_build(golden_project, tmp_path)


def test_an_emptied_site_is_built_cold_whatever_the_record_says(golden_project):
    build_site(golden_project)
    shutil.rmtree(golden_project / "site")
    (golden_project / "site").mkdir()
    retitle(golden_project, "skippipe", "SkipPipe", "SkipPipe Two")
    build_site(golden_project)
    assert (golden_project / "site" / "papers" / "c" / "corpusbrain" / "index.html").is_file()


def test_a_build_that_fails_while_writing_leaves_site_and_its_record_as_they_were(golden_project, monkeypatch):
    build_site(golden_project)
    site = golden_project / "site"
    before = snapshot(site)
    retitle(golden_project, "corpusbrain", "CorpusBrain:", "CorpusBrain Two:")

    def write_one_then_fail(renderer, pages, staged):
        staged.write(pages[0].path, b"half a build")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(builder_module, "write_pages", write_one_then_fail)
    with pytest.raises(OSError):
        SiteBuilder(golden_project).build()
    assert snapshot(site) == before
    assert not [path for path in golden_project.iterdir() if path.name.startswith(".site-")]
    monkeypatch.undo()
    result = SiteBuilder(golden_project).build()
    assert result.errors == [] and "index.html" not in result.written  # the record still holds: incremental
    assert "CorpusBrain Two" in (site / "papers" / "c" / "corpusbrain" / "index.html").read_text()


def test_netlify_keeps_the_cache_and_the_site_between_deploys(tmp_path):
    """netlify.toml loads the local plugin, which restores .cache/ and site/ before the build and
    saves them (copied: the deploy still needs site/) after it; run here with a stand-in for utils."""
    assert 'package = "/netlify/plugins/digest-cache"' in (ROOT / "netlify.toml").read_text()
    plugin = ROOT / "netlify" / "plugins" / "digest-cache"
    assert "name: digest-cache" in (plugin / "manifest.yml").read_text()
    script = f"""
        const plugin = require({json.dumps(str(plugin / "index.js"))});
        const calls = [];
        const utils = {{cache: {{
            restore: async (paths) => {{ calls.push(['restore', paths]); return true; }},
            save: async (paths, options) => {{ calls.push(['save', paths, options]); return true; }},
        }}}};
        (async () => {{
            await plugin.onPreBuild({{utils}});
            await plugin.onPostBuild({{utils}});
            console.log(JSON.stringify(calls));
        }})();
    """
    done = subprocess.run([node_or_skip(), "-e", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    calls = json.loads(done.stdout.strip().splitlines()[-1])
    assert calls == [["restore", [".cache", "site"]], ["save", [".cache", "site"], {"move": False}]]


def add_corpusbrain_two(project: Path) -> None:
    """Another paper, whose file starts as a copy of corpusbrain.md (one paper in two files is refused)."""
    papers = project / "content" / "papers"
    text = (papers / "corpusbrain.md").read_text()
    for old, new in [("slug: corpusbrain", "slug: corpusbrain-two"), ("CorpusBrain:", "CorpusBrain Two:"),
                     ('arxiv_id: "2208.07652"', 'arxiv_id: "2208.07653"'), ("Knowledge-intensive", "Knowledge-hungry")]:
        assert old in text
        text = text.replace(old, new)
    (papers / "corpusbrain-two.md").write_text(text)


def test_a_deploy_from_a_fresh_clone_with_the_cache_parses_and_renders_what_a_build_in_place_does(
        golden_project, tmp_path, monkeypatch):
    """Netlify clones the repository and installs the generator anew for every deploy, so every
    content and code file has a new mtime; the same bytes must still count as unchanged."""
    build_site(golden_project)
    clone = tmp_path / "clone"
    shutil.copytree(golden_project / "content", clone / "content", copy_function=shutil.copyfile)
    for restored in (".cache", "site"):  # as the digest-cache plugin restores them
        shutil.copytree(golden_project / restored, clone / restored)
    add_corpusbrain_two(golden_project)
    in_place = build_site(golden_project)
    installed = tmp_path / "installed" / "generator"
    shutil.copytree(cache.GENERATOR_DIR, installed, copy_function=shutil.copyfile,
                    ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "GENERATOR_DIR", installed)
    cache.generator_version.cache_clear()
    an_hour_ago = time.time() - 3600
    for path in [*clone.rglob("*"), *installed.rglob("*")]:
        os.utime(path, (an_hour_ago, an_hour_ago))
    add_corpusbrain_two(clone)
    parsed: list[str] = []
    parse = papers_module.parse_paper_file
    monkeypatch.setattr(papers_module, "parse_paper_file", lambda path, data, *shown: parsed.append(path.name) or parse(path, data, *shown))
    monkeypatch.setattr(papers_module.PaperCache, "_open", {})  # a new process
    try:
        deployed = build_site(clone)
    finally:
        cache.generator_version.cache_clear()
    assert parsed == ["corpusbrain-two.md"]
    assert "papers/c/corpusbrain-two/index.html" in deployed.written and "404.html" not in deployed.written
    assert (deployed.written, deployed.removed) == (in_place.written, in_place.removed)
    assert snapshot(clone / "site") == snapshot(golden_project / "site")


def test_the_record_describes_no_other_checkout(golden_project, tmp_path):
    """A record made for one project's site/ is no record for a copy whose site/ differs."""
    build_site(golden_project)
    copy = tmp_path / "copy"
    shutil.copytree(golden_project / "content", copy / "content")
    shutil.copytree(golden_project / ".cache", copy / ".cache")
    (copy / "site").mkdir()
    (copy / "site" / "index.html").write_text("someone else's")
    build_site(copy)
    assert os.path.getsize(copy / "site" / "index.html") > 1000


def test_build_clean_renders_every_page_again_and_says_what_it_wrote(golden_project):
    assert build_site(golden_project).errors == []
    (golden_project / "site" / "papers" / "s" / "skippipe" / "index.html").write_text("edited by hand")
    quiet = digest_cli(golden_project, "build")
    assert quiet.returncode == 0 and quiet.stdout.strip() == "build: site/ is up to date"
    (golden_project / "site" / "stray.html").write_text("put there by hand")
    clean = digest_cli(golden_project, "build", "--clean")
    # The old site/ went whole, its stray file with it: not "removed 0".
    assert clean.returncode == 0
    assert re.match(r"build: wrote \d+ files to site/ and replaced the old site/ whole in ", clean.stdout)
    assert "SkipPipe" in (golden_project / "site" / "papers" / "s" / "skippipe" / "index.html").read_text()
    assert not (golden_project / "site" / "stray.html").exists()


def test_a_first_build_says_it_removed_nothing(golden_project):
    shutil.rmtree(golden_project / "site", ignore_errors=True)
    first = digest_cli(golden_project, "build")
    assert first.returncode == 0 and re.match(r"build: wrote \d+ files to site/ and removed 0 in ", first.stdout)


def preview_edit(project: Path, slug: str, old: str, new: str) -> SiteBuilder:
    """A preview's builder that rebuilt after one edit, which changed site/ (so `digest build`'s record went)."""
    preview = SiteBuilder(project)
    preview.build()
    retitle(project, slug, old, new)
    assert preview.rebuild([project / "content" / "papers" / f"{slug}.md"]).written
    return preview


def test_a_preview_edit_undone_after_the_preview_stopped_is_built_again(golden_project, tmp_path):
    # The record describes the site `digest build` left; the preview then rewrote pages of it.
    build_site(golden_project)
    preview_edit(golden_project, "corpusbrain", "CorpusBrain:", "CorpusBraiN:")  # same length: site/'s sizes stay
    retitle(golden_project, "corpusbrain", "CorpusBraiN:", "CorpusBrain:")  # undone with the preview stopped
    build_site(golden_project)
    assert snapshot(golden_project / "site") == cold_build(golden_project, tmp_path)


def test_a_paper_pages_fingerprint_is_made_of_its_whole_context(golden_project):
    """Full builds fingerprint paper pages from their parts (pages.PAPER_PAGE_PARTS), without
    making their contexts: anything new in a paper page's context must be one of those parts."""
    from generator.build import pages

    builder = SiteBuilder(golden_project)
    resources, papers, errors = builder._load_everything()
    site = builder.assemble(resources, papers, errors)
    pages.related_slugs(site)
    assert all(set(pages.paper_page(paper, site, resources.config.day_page_size).context) == pages.PAPER_PAGE_PARTS for paper in site.papers)


def test_a_builder_that_keeps_no_state_rebuilds_in_full(golden_project, tmp_path):
    builder = SiteBuilder(golden_project, keep_state=False)
    assert builder.build().errors == []
    retitle(golden_project, "corpusbrain", "CorpusBrain:", "CorpusBrain Again:")
    result = builder.rebuild([golden_project / "content" / "papers" / "corpusbrain.md"])
    assert result.errors == [] and "papers/c/corpusbrain/index.html" in result.written
    assert snapshot(golden_project / "site") == cold_build(golden_project, tmp_path)


def second_build_written(project: Path, papers_age: float, monkeypatch) -> list[str]:
    """What a build after adding a paper writes, the paper files having been `papers_age` seconds old
    at the build before it (then settled: an hour old)."""
    papers = sorted((project / "content" / "papers").glob("*.md"))
    now = time.time()
    for path in papers:
        os.utime(path, (now - papers_age, now - papers_age))
    assert build_site(project).errors == []
    for path in papers:
        os.utime(path, (now - 3600, now - 3600))
    add_corpusbrain_two(project)
    monkeypatch.setattr(papers_module.PaperCache, "_open", {})  # a new process
    again = build_site(project)
    assert again.errors == []
    return again.written


def test_papers_written_moments_before_a_build_are_not_rendered_again_once_they_settle(
        golden_project, tmp_path, monkeypatch):
    """Ingest writes paper files just before `digest build` builds them. The next build renders
    no more of their pages than if they had been written long before: each page's fingerprint stands
    for the bytes its paper was parsed from, whether or not the cache could trust the file's mtime."""
    settled = tmp_path / "settled"
    shutil.copytree(golden_project, settled)
    expected = second_build_written(settled, 3600, monkeypatch)
    assert "papers/c/corpusbrain-two/index.html" in expected and "papers/p/panopticsplatting/index.html" not in expected
    assert second_build_written(golden_project, 0, monkeypatch) == expected


def test_a_stopped_preview_leaves_a_record_from_which_the_next_build_renders_nothing(golden_project, tmp_path):
    build_site(golden_project)
    preview = preview_edit(golden_project, "corpusbrain", "CorpusBrain:", "CorpusBrain 2:")
    assert not (golden_project / ".cache" / RECORD_FILE).exists()
    assert preview.save_record()
    assert build_site(golden_project).written == []
    assert snapshot(golden_project / "site") == cold_build(golden_project, tmp_path)


def test_an_edit_after_the_previews_last_rebuild_is_rendered_by_the_next_build(golden_project, tmp_path):
    # The record fingerprints each paper by the bytes the preview parsed, not by the file as it is now.
    build_site(golden_project)
    preview = preview_edit(golden_project, "corpusbrain", "CorpusBrain:", "CorpusBrain 2:")
    retitle(golden_project, "corpusbrain", "CorpusBrain 2:", "CorpusBrain 3:")  # saved as the preview stops
    assert preview.save_record()
    assert "papers/c/corpusbrain/index.html" in build_site(golden_project).written
    assert snapshot(golden_project / "site") == cold_build(golden_project, tmp_path)


SETTLED = time.time() - 3600


def settle(project: Path) -> None:
    """Every source file an hour old (a stamp trusts no file saved in the last two seconds), the
    same hour each time: only what an edit changed differs from the stamp."""
    set_mtimes(project / "content", SETTLED)


def stopped_preview(project: Path, *edits: tuple[str, str, str]) -> tuple[SiteBuilder, stamp.Stamps | None]:
    """A preview's builder that built site/ whole, then rebuilt after each (slug, old, new) title
    edit; and the inputs it stamped site/ for at the start, as the dev server keeps them."""
    settle(project)
    stamped = stamp.input_stamps(Project.at(project))
    preview = SiteBuilder(project)
    preview.build()
    for slug, old, new in edits:
        retitle(project, slug, old, new)
        assert preview.rebuild([project / "content" / "papers" / f"{slug}.md"]).written
    settle(project)
    return preview, stamped


def noise(path: str) -> bool:
    return is_editor_noise(Path(path))


def test_a_stopped_preview_that_built_every_edit_stamps_site_and_the_next_build_does_nothing(golden_project, tmp_path):
    preview, stamped = stopped_preview(golden_project, ("corpusbrain", "CorpusBrain:", "CorpusBrain 2:"))
    (golden_project / "content" / "papers" / ".corpusbrain.md.swp").write_bytes(b"an editor's swap file")
    settle(golden_project)
    assert preview.save_record()
    assert preview.save_stamp(stamped, noise)
    assert stamp.site_is_current(Project.at(golden_project))  # what `digest build` and `digest serve` check first
    assert snapshot(golden_project / "site") == cold_build(golden_project, tmp_path)


@pytest.mark.parametrize("opened", ["by its folder", "through a symlink"])
def test_an_edit_the_preview_built_and_stamped_then_undone_is_built_again(golden_project, tmp_path, opened):
    """The stamp keeps the bytes each paper was last built from, the preview's edits included:
    the file put back as it was before them (a checkout) is a change, not the bytes built."""
    project = golden_project
    if opened == "through a symlink":  # the input listing's paths are resolved, the project's are not
        project = tmp_path / "linked-project"
        project.symlink_to(golden_project)
    original = (golden_project / "content" / "papers" / "corpusbrain.md").read_bytes()
    preview, stamped = stopped_preview(project, ("corpusbrain", "CorpusBrain:", "CorpusBraiN:"))  # same size
    assert preview.save_record() and preview.save_stamp(stamped, noise)
    paper = golden_project / "content" / "papers" / "corpusbrain.md"
    paper.write_bytes(original)
    os.utime(paper, (SETTLED + 60, SETTLED + 60))
    build_site(project)
    assert snapshot(golden_project / "site") == cold_build(golden_project, tmp_path)


def test_a_deleted_paper_the_preview_built_is_stamped_too(golden_project, tmp_path):
    settle(golden_project)
    stamped = stamp.input_stamps(Project.at(golden_project))
    preview = SiteBuilder(golden_project)
    preview.build()
    corpusbrain = golden_project / "content" / "papers" / "corpusbrain.md"
    corpusbrain.unlink()
    assert preview.rebuild([corpusbrain]).removed
    assert preview.save_record()
    assert preview.save_stamp(stamped, noise)
    assert snapshot(golden_project / "site") == cold_build(golden_project, tmp_path)


def test_a_stopped_preview_stamps_nothing_it_did_not_build(golden_project, tmp_path):
    preview, stamped = stopped_preview(golden_project, ("corpusbrain", "CorpusBrain:", "CorpusBrain 2:"))
    retitle(golden_project, "corpusbrain", "CorpusBrain 2:", "CorpusBrain 3:")  # saved as the preview stops
    settle(golden_project)
    assert preview.save_record()
    assert not preview.save_stamp(stamped, noise)
    assert not stamp.site_is_current(Project.at(golden_project))
    assert "papers/c/corpusbrain/index.html" in build_site(golden_project).written
    assert snapshot(golden_project / "site") == cold_build(golden_project, tmp_path)


def test_a_stopped_preview_stamps_nothing_after_a_change_it_does_not_follow(golden_project):
    # A digest saved but not ingested, here; a template or the config the same: what it reached
    # is for the next run to find.
    preview, stamped = stopped_preview(golden_project, ("corpusbrain", "CorpusBrain:", "CorpusBrain 2:"))
    digests = golden_project / "content" / "digests"
    digests.mkdir(exist_ok=True)
    (digests / "2030-01-01.txt").write_text("Jan 1\n\nA New Paper\n\nIts abstract.\n")
    settle(golden_project)
    assert preview.save_record()
    assert not preview.save_stamp(stamped, noise)
    assert not preview.save_stamp(None, noise)  # site/ was not stamped when the preview started


def test_a_preview_with_work_left_or_a_failed_edit_records_nothing(golden_project):
    build_site(golden_project)
    preview = SiteBuilder(golden_project)
    preview.build()
    corpusbrain = golden_project / "content" / "papers" / "corpusbrain.md"
    retitle(golden_project, "corpusbrain", "CorpusBrain:", "CorpusBrain 2:")
    assert preview.rebuild([corpusbrain], defer_data=True).written  # search index and data files left for later
    assert not preview.save_record()
    preview.write_deferred()
    corpusbrain.write_text(corpusbrain.read_text().replace("topics: [", "topics: [no-such-topic, "))
    assert preview.rebuild([corpusbrain]).errors
    assert not preview.save_record()
    assert not (golden_project / ".cache" / RECORD_FILE).exists()
