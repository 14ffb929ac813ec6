"""The stamp cache in .cache/: data only, never code; anything doubtful is thrown away and rebuilt."""
from __future__ import annotations

import json
import os
import pickle
import shutil
import time
import tracemalloc
from pathlib import Path

import pytest

from generator import cache
from generator.build import stamp
from generator.build.builder import SiteBuilder, build_site
from generator.cache import FileStampCache, bytes_digest
from generator.content.papers import PaperCache, load_paper_files, read_paper_file
from generator.preview.session import PreviewSession
from generator.project import Project
from tests.helpers import digest_cli

CACHE_FILES = ("papers.pickle", "ingest.stamp", "papers.json", "ingest-stamp.json", "build-stamp.json",
               "ingest-state.json", "build-record.json", "related-terms.json", "search-terms.json", "search-index.bin")
AN_HOUR_AGO = time.time() - 3600


class CreatesAFile:
    """Unpickling this runs open(path, "w"): the kind of payload a crafted cache file could hold."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return open, (str(self.path), "w")


def age(*paths: Path) -> None:
    """Older than two seconds, so that the racy rule lets the cache trust them."""
    for path in paths:
        os.utime(path, (AN_HOUR_AGO, AN_HOUR_AGO))


def test_a_crafted_pickle_where_any_cache_lived_is_never_run_and_the_build_works(
        golden_project: Path, tmp_path: Path) -> None:
    proof, marker = tmp_path / "proof", tmp_path / "marker"
    payload = pickle.dumps(CreatesAFile(marker))
    pickle.loads(pickle.dumps(CreatesAFile(proof))).close()
    assert proof.exists()  # the payload really runs code when unpickled
    (golden_project / ".cache").mkdir()
    for name in CACHE_FILES:
        (golden_project / ".cache" / name).write_bytes(payload)
    for command in ("build", "check", "build"):
        result = digest_cli(golden_project, command)
        assert result.returncode == 0, result.stderr
    assert not marker.exists()
    assert (golden_project / "site" / "papers" / "s" / "skippipe" / "index.html").is_file()


@pytest.mark.parametrize("stored", [b"{not json", b"\xff\xfe\x00", b"[1, 2]", b'{"version": 3}', b"",
                                    b'{"version": "%s", "entries": {"skippipe.md": "x"}}',
                                    b'{"version": "%s", "entries": {"skippipe.md": [1, 2]}}',
                                    b'{"version": "%s", "entries": []}'])
def test_a_corrupt_or_foreign_cache_file_is_ignored_and_rebuilt(
        golden_project: Path, stored: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    project = Project.at(golden_project)
    monkeypatch.setattr(PaperCache, "_open", {})  # as a new process: nothing decoded yet
    version = FileStampCache(project.cache_dir / "papers.json", kind="paper files").version
    project.cache_dir.mkdir()
    (project.cache_dir / "papers.json").write_bytes(stored.replace(b"%s", version.encode()))
    files, errors = load_paper_files(project)
    assert errors == [] and len(files) == len(list(project.papers.glob("*.md")))
    rewritten = json.loads((project.cache_dir / "papers.json").read_bytes())
    assert rewritten["version"] == version and "skippipe.md" in rewritten["entries"]


def _with_meta(value: list, part: int, replacement: object) -> list:
    meta = json.loads(value[0])
    meta[part] = replacement
    return [json.dumps(meta), value[1]]


OTHER_SHAPES = {  # right version, right stamps, wrong values
    "an object": lambda value: {"fields": {"title": 3}, "dates": "featured"},
    "fields of another shape": lambda value: _with_meta(value, 0, {"title": 3}),
    "key lines not an object": lambda value: _with_meta(value, 1, []),
    "not JSON": lambda value: ["{fields", value[1]],
    "one item": lambda value: value[:1],
}


@pytest.mark.parametrize("shape", list(OTHER_SHAPES))
def test_cached_entries_of_another_shape_are_parsed_from_the_file(
        golden_project: Path, monkeypatch: pytest.MonkeyPatch, shape: str) -> None:
    project = Project.at(golden_project)
    monkeypatch.setattr(PaperCache, "_open", {})
    load_paper_files(project)
    stored = json.loads((project.cache_dir / "papers.json").read_bytes())
    for entry in stored["entries"].values():
        entry[3] = OTHER_SHAPES[shape](entry[3])
    (project.cache_dir / "papers.json").write_text(json.dumps(stored))
    monkeypatch.setattr(PaperCache, "_open", {})
    files, errors = load_paper_files(project)
    assert errors == [] and files
    assert files == [read_paper_file(project.papers / f"{file.paper.slug}.md")[0] for file in files]


def test_a_paper_from_the_cache_is_the_paper_parsed_from_its_file(
        golden_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = Project.at(golden_project)
    monkeypatch.setattr(PaperCache, "_open", {})
    load_paper_files(project)
    monkeypatch.setattr(PaperCache, "_open", {})  # as a new process: decoded from .cache/papers.json
    cached, _ = load_paper_files(project)
    assert cached and all(file.paper.featured for file in cached)
    for file in cached:
        parsed, errors = read_paper_file(project.papers / f"{file.paper.slug}.md")
        assert errors == [] and parsed == file


def test_a_linked_paper_edited_behind_its_link_is_read_again_whatever_stamps_a_build_took(
        golden_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build passes the listing's stamps on to the load; a link's own stamp (what the listing
    takes) stays the same when its target is edited, so it is never trusted for the target."""
    project = Project.at(golden_project)
    paper = project.papers / "skippipe.md"
    target = golden_project / "drafts" / "skippipe.md"  # inside the project: a link out is refused
    target.parent.mkdir()
    shutil.move(paper, target)
    paper.symlink_to(target)
    age(target)
    os.utime(paper, (AN_HOUR_AGO, AN_HOUR_AGO), follow_symlinks=False)

    def load() -> dict[str, str]:
        monkeypatch.setattr(PaperCache, "_open", {})  # each load as a new build process
        listed = stamp.paper_stamps(project, stamp.input_listing(project))
        return {file.paper.slug: file.paper.title for file in load_paper_files(project, listed)[0]}

    assert load()["skippipe"].startswith("SkipPipe:")
    target.write_text(target.read_text().replace("SkipPipe:", "SkipPipe Edited:"))
    age(target)
    assert load()["skippipe"].startswith("SkipPipe Edited:")


def test_a_file_changed_moments_ago_is_found_by_its_bytes_never_by_its_stamp(tmp_path: Path) -> None:
    """It may change again within the clock's granularity, keeping size and mtime: the cache
    compares its bytes then, and gives nothing for other bytes under the same stamp."""
    path = tmp_path / "a.md"
    path.write_text("fresh")
    stamps = FileStampCache(tmp_path / "cache.json", kind="test")
    fresh = cache.file_stamp(path)
    assert fresh is not None and not stamps.put("a.md", fresh, "value", bytes_digest(b"fresh"))
    assert stamps.known_digest("a.md", fresh) is None  # not trusted by its stamp
    assert stamps.get("a.md", fresh, path) == "value"  # the same bytes, read and compared
    path.write_text("FRESH")
    os.utime(path, ns=(fresh[1], fresh[1]))  # changed within the same mtime
    assert cache.file_stamp(path) == fresh and stamps.get("a.md", fresh, path) is None
    path.write_text("fresh")
    age(path)
    old = cache.file_stamp(path)
    assert old is not None and stamps.put("a.md", old, "value", bytes_digest(b"fresh")) and stamps.get("a.md", old, path) == "value"


def test_a_file_stamped_anew_with_the_same_bytes_keeps_its_entry_and_another_text_does_not(tmp_path: Path) -> None:
    """A fresh clone gives every file a new mtime: the cache still holds for the same bytes."""
    path = tmp_path / "a.md"
    path.write_text("first")
    age(path)
    stored = FileStampCache(tmp_path / "cache.json", kind="test")
    first = cache.file_stamp(path)
    assert first is not None and stored.put("a.md", first, "parsed first", bytes_digest(b"first"))
    stored.save()
    os.utime(path, (AN_HOUR_AGO + 60, AN_HOUR_AGO + 60))  # as a checkout leaves it: same bytes
    cloned = cache.file_stamp(path)
    reread = FileStampCache(tmp_path / "cache.json", kind="test")
    assert cloned is not None and reread.get("a.md", cloned, path) == "parsed first"
    path.write_text("other")  # same size, other bytes
    age(path)
    edited = cache.file_stamp(path)
    assert edited is not None and reread.get("a.md", edited, path) is None


def test_saving_a_large_cache_never_holds_its_whole_text_in_memory(tmp_path: Path) -> None:
    stored = FileStampCache(tmp_path / "cache.json", kind="test")
    abstract = "An abstract of a thousand characters, with an emoji \U0001f680. " * 16
    for number in range(2000):
        stored.put(f"{number}.md", (1000, 10**9), {"body": f"{number} {abstract}"}, bytes_digest(b"bytes"))
    tracemalloc.start()
    try:
        stored.save()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    size = (tmp_path / "cache.json").stat().st_size
    assert size > 2_000_000 and peak < size / 4
    assert FileStampCache(tmp_path / "cache.json", kind="test").get("7.md", (1000, 10**9), tmp_path) == {
        "body": f"7 {abstract}"}


def test_another_generator_version_never_reads_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.md"
    path.write_text("value")
    stored = FileStampCache(tmp_path / "cache.json", kind="test")
    stored.put("a.md", (5, 1), "value", bytes_digest(b"value"))
    stored.save()
    assert FileStampCache(tmp_path / "cache.json", kind="test").get("a.md", (5, 1), path) == "value"
    assert FileStampCache(tmp_path / "cache.json", kind="other").get("a.md", (5, 1), path) is None
    monkeypatch.setattr(cache, "generator_version", lambda: "upgraded")
    assert FileStampCache(tmp_path / "cache.json", kind="test").get("a.md", (5, 1), path) is None


def test_the_generator_version_follows_its_code_not_the_code_files_mtimes(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """pip gives the installed files new mtimes on every Netlify build: the caches must still hold."""
    installed = tmp_path / "generator"
    shutil.copytree(cache.GENERATOR_DIR, installed, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "GENERATOR_DIR", installed)
    versions = []
    for change in ("none", "touch", "edit"):
        module = installed / "cache.py"
        if change == "touch":
            os.utime(module, (AN_HOUR_AGO, AN_HOUR_AGO))
        if change == "edit":
            module.write_text(module.read_text() + "\n# changed\n")
        cache.generator_version.cache_clear()
        versions.append(cache.generator_version())
    cache.generator_version.cache_clear()
    assert versions[0] == versions[1] != versions[2]


@pytest.mark.parametrize("config, override", [("", "static"), ("static_dir: assets\n", "assets")])
def test_an_override_folder_made_after_the_start_is_an_input_for_watcher_stamp_and_rebuild(
        golden_project: Path, config: str, override: str) -> None:
    """The preview watcher, the build stamp and the rebuild classifier take their folders from
    Project.input_folders, so a folder that appears later counts for all three at once."""
    project = Project.at(golden_project)
    project.config_file.write_text(config)
    age(project.config_file)
    builder = SiteBuilder(project)
    assert builder.build().errors == []
    session = PreviewSession(project)
    stamp.save(project, stamp.input_stamps(project))
    assert stamp.is_up_to_date(project, stamp.input_stamps(project))

    added = project.root / override / "extra.css"
    added.parent.mkdir()
    added.write_text("p { color: teal; }\n")
    age(added, added.parent)
    folder = added.parent.resolve()
    assert folder in session.watched_folders()
    assert set(session.watched_folders()) == {path for path in project.input_folders() if path.is_dir()}
    inputs = stamp.input_stamps(project)
    assert inputs is not None and str(added.resolve()) in inputs
    assert not stamp.is_up_to_date(project, inputs)
    result = builder.rebuild([added])
    assert result.errors == [] and any(path.startswith("static/extra.") for path in result.written)
    assert "index.html" in result.written  # a full build: every page links the assets


def test_the_no_change_check_trusts_only_stamped_folders_a_build_may_read(
        golden_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `digest build` takes the folders from the stamp instead of reading site.yaml for them.
    project = Project.at(golden_project)
    assert SiteBuilder(project).build().errors == []
    age(*project.content.rglob("*"))
    stamp.save(project, stamp.input_stamps(project))
    assert stamp.site_is_current(project)
    stored = json.loads((project.cache_dir / stamp.STAMP_FILE).read_text())
    (project.cache_dir / stamp.STAMP_FILE).write_text(json.dumps({**stored, "folders": [str(tmp_path.parent)]}))
    listed: list[Path] = []
    monkeypatch.setattr(stamp, "folder_stamps", lambda folder: listed.append(folder) or {})
    assert not stamp.site_is_current(project) and listed == []  # a folder elsewhere is never even listed
    monkeypatch.undo()
    (project.cache_dir / stamp.STAMP_FILE).write_text(json.dumps(stored))
    project.config_file.write_text(project.config_file.read_text() + "\n# a comment\n")
    age(project.config_file)
    assert not stamp.site_is_current(project)


def test_a_deploy_rewrites_the_paper_cache_once_from_the_build_s_search_process(
        golden_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A deploy stamps every file anew, so its build writes the paper cache again with the new
    stamps (a second at 80,000 papers): the search process does it once its own files are done,
    and the main process, whose work is what the build waits for, does not write it a second time."""
    assert digest_cli(golden_project, "build").returncode == 0
    papers = sorted((golden_project / "content" / "papers").glob("*.md"))
    for path in papers:
        os.utime(path, (AN_HOUR_AGO, AN_HOUR_AGO))  # as a fresh clone leaves them: new mtimes, same bytes
    writers = tmp_path / "writers"
    original_save = FileStampCache.save

    def logged_save(self: FileStampCache) -> bool:
        if self._dirty and self.path.name == "papers.json":
            with open(writers, "a") as log:
                log.write(f"{os.getpid()}\n")
        return original_save(self)

    monkeypatch.setattr(FileStampCache, "save", logged_save)
    monkeypatch.setattr(PaperCache, "_open", {})  # as a new process
    with PaperCache.saved_once():
        build_site(golden_project)
    assert [int(pid) for pid in writers.read_text().split()] not in ([], [os.getpid()])
    assert len(writers.read_text().split()) == 1
    stored = FileStampCache(golden_project / ".cache" / "papers.json", kind="paper files")
    stamped = [cache.file_stamp(path) for path in papers]
    assert all(stamp is not None and stored.known_digest(path.name, stamp) for path, stamp in zip(papers, stamped))
