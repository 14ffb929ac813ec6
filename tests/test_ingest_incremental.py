"""Ingest reads only the digests that changed, and gives the same paper files as reading them all."""
import ast
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator import cache
from generator.ingest import catalog
from generator.ingest.catalog import run_ingest
from generator.ingest.state import NOT_INGEST_CODE, STATE_FILE, IngestState
from generator.project import Project
from tests.helpers import FIXTURES, ROOT, make_project, snapshot
from tests.test_ingest_sources import ONLY_ON_THE_PAGE, api_entries, page_copy

API = FIXTURES / "hf-api"
EARLIER_DAYS = [API / "2024-12-20.json", API / "2025-01-10.json", API / "2025-03-11.json"]
SEED = ROOT / "content" / "digests" / "2025-08-18.txt"
THYME = "thyme-think-beyond-images.md"


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The names of the digests each ingest reads, in order."""
    names: list[str] = []
    real = catalog.read_digests

    def recording(paths, hashes=None):
        names.extend(path.name for path in paths)
        return real(paths, hashes)

    monkeypatch.setattr(catalog, "read_digests", recording)
    return names


def age(*paths: Path) -> None:
    """Old enough to be trusted to a stamp (a file changed in the last two seconds is not)."""
    an_hour_ago = time.time() - 3600
    for path in paths:
        os.utime(path, (an_hour_ago, an_hour_ago))


def ingested(tmp_path: Path, digests: list[Path]) -> Project:
    project = make_project(tmp_path, digests)
    age(*(project / "content" / "digests").iterdir(), project / "content" / "topics.yaml")
    run_ingest(Project.at(project))
    return Project.at(project)


def add_digest(project: Project, name: str, text: str) -> None:
    (project.digests / name).write_text(text, encoding="utf-8")
    age(project.digests / name)


def ingest_like_a_full_ingest(project: Project, reads: list[str]) -> list[str]:
    """Ingests the project, and a copy of it without the ingest state; asserts they give the same
    files and returns the names of the digests the first ingest read."""
    full = project.root.parent / "full-ingest"
    shutil.copytree(project.root, full)
    (full / ".cache" / STATE_FILE).unlink(missing_ok=True)
    Project.at(full).ingest_record.unlink(missing_ok=True)
    reads.clear()
    run_ingest(project)
    read = list(reads)
    run_ingest(Project.at(full))
    assert sorted(reads[len(read):]) == sorted(path.name for path in project.digests.iterdir())
    assert snapshot(project.content) == snapshot(full / "content")
    return read


def test_a_new_day_reads_only_its_digest_and_gives_the_files_a_full_ingest_gives(tmp_path, reads):
    project = ingested(tmp_path, EARLIER_DAYS)
    shutil.copy(API / "2025-08-18.json", project.digests)
    age(project.digests / "2025-08-18.json")
    assert ingest_like_a_full_ingest(project, reads) == ["2025-08-18.json"]
    reads.clear()
    assert run_ingest(project).skipped and reads == []  # the files just written are known by their hash


def test_a_project_moved_elsewhere_keeps_its_ingest_state(tmp_path, reads):
    """A CI checkout or a copy of the project lives in another folder: its digests are the same."""
    first = ingested(tmp_path / "first", EARLIER_DAYS)
    shutil.copytree(first.root, tmp_path / "moved", copy_function=shutil.copy2)  # keeps the stamps
    project = Project.at(tmp_path / "moved")
    shutil.copy(API / "2025-08-18.json", project.digests)
    age(project.digests / "2025-08-18.json")
    reads.clear()
    run_ingest(project)
    assert reads == ["2025-08-18.json"]


def fresh_clone(project: Project, clone: Path) -> Project:
    """A copy whose every file has a new mtime, as a git clone (each Netlify build) gives them."""
    shutil.copytree(project.root, clone, copy_function=shutil.copyfile)
    an_hour_ago = time.time() - 3000
    for path in clone.rglob("*"):
        os.utime(path, (an_hour_ago, an_hour_ago))
    return Project.at(clone)


@pytest.mark.parametrize("edit_a_paper", [False, True])
def test_a_fresh_clone_reads_only_the_new_day_unless_a_paper_file_differs(tmp_path, reads, edit_a_paper):
    project = fresh_clone(ingested(tmp_path / "first", EARLIER_DAYS), tmp_path / "clone")
    if edit_a_paper:  # the same size, other bytes: only its text tells
        path = next(project.papers.glob("*.md"))
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("title: ", "title:\t", 1), encoding="utf-8")
        age(path)
    add_digest(project, "2025-08-18.json", (API / "2025-08-18.json").read_text())
    reads.clear()
    run_ingest(project)
    assert sorted(reads) == sorted([path.name for path in EARLIER_DAYS] * edit_a_paper + ["2025-08-18.json"])


def test_a_second_digest_of_a_day_continues_that_days_places(tmp_path, reads):
    project = ingested(tmp_path, [*EARLIER_DAYS, API / "2025-08-18.json"])
    add_digest(project, "2025-08-18.txt", page_copy(list(reversed(api_entries())), [ONLY_ON_THE_PAGE]))
    # The day's API file is read too: the page copy's places come after the API file's.
    assert ingest_like_a_full_ingest(project, reads) == ["2025-08-18.txt", "2025-08-18.json"]
    assert "ranks: {2025-08-18: 8}" in next(path.read_text() for path in project.papers.glob("a-paper-only-*.md"))


def test_a_deleted_paper_stays_deleted_when_a_later_day_lists_it_again(tmp_path, reads):
    project = ingested(tmp_path, [API / "2025-08-18.json"])
    (project.papers / THYME).unlink()
    run_ingest(project)
    add_digest(project, "2025-08-19.json", (API / "2025-08-18.json").read_text().replace("2025-08-18", "2025-08-19"))
    assert ingest_like_a_full_ingest(project, reads) == ["2025-08-19.json"]
    assert not (project.papers / THYME).exists()


def test_an_edited_digest_is_read_again(tmp_path, reads):
    project = ingested(tmp_path, [SEED, *EARLIER_DAYS])
    text = SEED.read_text(encoding="utf-8")
    add_digest(project, SEED.name, f"{text.rstrip()}\n\nA Paper Added to the Day Later\n\n{ONLY_ON_THE_PAGE[1]}\n")
    reads.clear()
    report = run_ingest(project)
    assert report.created == 1 and reads == [SEED.name]


def test_a_paper_a_curator_edited_makes_the_next_ingest_read_everything(tmp_path, reads):
    project = ingested(tmp_path, [API / "2025-08-18.json"])
    path = project.papers / THYME
    path.write_text(path.read_text().replace("ranks: {2025-08-18: 1}\n", ""))  # "rank this day again"
    add_digest(project, "2025-08-19.json", (API / "2025-08-18.json").read_text().replace("2025-08-18", "2025-08-19"))
    reads.clear()
    run_ingest(project)
    assert sorted(reads) == ["2025-08-18.json", "2025-08-19.json"]
    assert "ranks: {2025-08-18: 1, 2025-08-19: 1}" in path.read_text()


@pytest.mark.parametrize("change", ["taxonomy", "ledger", "state and record"])
def test_a_changed_taxonomy_or_ledger_or_a_corrupt_state_means_a_full_ingest(tmp_path, reads, change):
    project = ingested(tmp_path, EARLIER_DAYS)
    changed = {"taxonomy": [project.taxonomy_file], "ledger": [project.ingest_ledger],
               "state and record": [project.cache_dir / STATE_FILE, project.ingest_record]}[change]
    for path in changed:
        with path.open("a", encoding="utf-8") as stream:
            stream.write("\n# changed\n" if path.parent == project.content else "not JSON")
    reads.clear()
    assert not run_ingest(project).skipped
    assert sorted(reads) == [path.name for path in EARLIER_DAYS]


def clone_without_cache(project: Project, clone: Path) -> Project:
    """A fresh clone with no .cache/: a first Netlify build, CI, a teammate's checkout."""
    cloned = fresh_clone(project, clone)
    shutil.rmtree(cloned.cache_dir)
    return cloned


def test_a_clone_without_the_cache_trusts_the_committed_record_and_reads_no_digest(tmp_path, reads):
    project = clone_without_cache(ingested(tmp_path / "first", EARLIER_DAYS), tmp_path / "clone")
    before = snapshot(project.content)
    reads.clear()
    assert run_ingest(project).skipped and reads == []
    assert snapshot(project.content) == before
    assert (project.cache_dir / STATE_FILE).exists()  # the next ingest trusts this machine's stamps


def test_a_clone_without_the_cache_reads_only_a_new_day_and_gives_what_a_full_ingest_gives(tmp_path, reads):
    project = clone_without_cache(ingested(tmp_path / "first", EARLIER_DAYS), tmp_path / "clone")
    add_digest(project, "2025-08-18.json", (API / "2025-08-18.json").read_text())
    assert ingest_like_a_full_ingest(project, reads) == ["2025-08-18.json"]


def test_checking_the_record_loads_the_paper_files_once_for_the_whole_ingest(tmp_path, monkeypatch):
    project = clone_without_cache(ingested(tmp_path / "first", EARLIER_DAYS), tmp_path / "clone")
    add_digest(project, "2025-08-18.json", (API / "2025-08-18.json").read_text())
    loads = []
    real = catalog.load_paper_files
    monkeypatch.setattr(catalog, "load_paper_files", lambda *args: loads.append(args) or real(*args))
    assert run_ingest(project).written
    assert len(loads) == 1  # 80,000 papers from the paper cache again: a second more


@pytest.mark.parametrize("change", ["a paper file", "the generator", "a merge conflict"])
def test_a_record_that_does_not_match_means_a_full_ingest(tmp_path, reads, monkeypatch, change):
    project = clone_without_cache(ingested(tmp_path / "first", EARLIER_DAYS), tmp_path / "clone")
    if change == "a paper file":  # the same size, other bytes: only its text tells
        path = next(project.papers.glob("*.md"))
        path.write_text(path.read_text(encoding="utf-8").replace("title: ", "title:\t", 1), encoding="utf-8")
    elif change == "the generator":
        monkeypatch.setattr(IngestState, "version", staticmethod(lambda: "ingest state/another"))
    else:
        record = project.ingest_record
        record.write_text(record.read_text().replace('"digests": {', '"digests": {\n<<<<<<< HEAD', 1))
    reads.clear()
    assert not run_ingest(project).skipped
    assert sorted(reads) == [path.name for path in EARLIER_DAYS]


@pytest.mark.parametrize("module, read_again", [("ingest/pagecopy.py", True), ("content/schema.py", True),
                                                 ("files.py", True), ("build/pages.py", False), ("preview/session.py", False)])
def test_a_clone_reads_every_digest_again_after_a_change_to_the_code_ingest_runs_only(tmp_path, reads, monkeypatch,
                                                                                      module, read_again):
    """A change to how pages are made or previewed keeps the record: a Netlify build then reads no digest."""
    project = clone_without_cache(ingested(tmp_path / "first", EARLIER_DAYS), tmp_path / "clone")
    installed = tmp_path / "installed" / "generator"
    shutil.copytree(cache.GENERATOR_DIR, installed, ignore=shutil.ignore_patterns("__pycache__"))
    (installed / module).write_text((installed / module).read_text() + "\n# changed\n")
    monkeypatch.setattr(cache, "GENERATOR_DIR", installed)
    cache.generator_version.cache_clear()
    reads.clear()
    try:
        skipped = run_ingest(project).skipped
    finally:
        cache.generator_version.cache_clear()
    assert skipped is not read_again
    assert sorted(reads) == ([path.name for path in EARLIER_DAYS] if read_again else [])


def test_ingest_runs_no_code_of_the_packages_its_record_leaves_out(tmp_path):
    project = make_project(tmp_path, [SEED])
    script = ("import sys; from pathlib import Path; from generator.ingest.catalog import run_ingest; "
              "from generator.project import Project; run_ingest(Project.at(Path(sys.argv[1]))); "
              "print(sorted({name.split('.')[1] for name in sys.modules if name.startswith('generator.')}))")
    done = subprocess.run([sys.executable, "-c", script, str(project)], capture_output=True, text=True, cwd=ROOT, check=True)
    imported = set(ast.literal_eval(done.stdout.strip().splitlines()[-1]))
    assert {"ingest", "content"} <= imported and not imported & NOT_INGEST_CODE
    assert any((project / "content" / "papers").iterdir())


def test_the_record_changes_only_with_the_files_it_describes(tmp_path, reads):
    project = ingested(tmp_path, EARLIER_DAYS)
    record = project.ingest_record.read_bytes()
    assert b'"content/digests/2025-01-10.json": [' in record  # one digest to a line, by its path in the project
    path = project.papers / next(name for name in os.listdir(project.papers))
    path.write_text(path.read_text(encoding="utf-8") + "\nA curator's note.\n", encoding="utf-8")
    assert run_ingest(project).written == []
    assert project.ingest_record.read_bytes() == record  # an ingest that writes nothing leaves content/ alone
    add_digest(project, "2025-08-18.json", (API / "2025-08-18.json").read_text())
    assert run_ingest(project).written
    assert project.ingest_record.read_bytes() != record
    clone = clone_without_cache(project, tmp_path / "clone")
    reads.clear()
    assert run_ingest(clone).skipped and reads == []  # the curator's note is in the record now


@pytest.mark.parametrize("from_a_clone", [False, True])
def test_the_first_ingest_after_an_upgrade_writes_the_record_anew(tmp_path, reads, monkeypatch, from_a_clone):
    """A record of another version of ingest's code spares no digest: until it was written again,
    which took a new day's papers, every Netlify deploy read them all. The curator's own ingest
    after the upgrade (or a build, which ingests) writes it, and the next clone reads nothing."""
    project = ingested(tmp_path / "first", EARLIER_DAYS)
    papers_before = snapshot(project.papers)
    monkeypatch.setattr(IngestState, "version", staticmethod(lambda: "ingest state/upgraded"))
    if from_a_clone:  # no state in .cache/ either: as on Netlify
        project = clone_without_cache(project, tmp_path / "clone")
    reads.clear()
    report = run_ingest(project)
    assert not report.skipped and report.written == [] and snapshot(project.papers) == papers_before
    assert b'"version": "ingest state/upgraded"' in project.ingest_record.read_bytes()
    next_clone = clone_without_cache(project, tmp_path / "next")
    reads.clear()
    assert run_ingest(next_clone).skipped and reads == []


def test_a_record_the_curator_deleted_stays_deleted(tmp_path, reads):
    project = ingested(tmp_path, EARLIER_DAYS)
    project.ingest_record.unlink()
    shutil.rmtree(project.cache_dir)
    assert run_ingest(project).written == []
    assert not project.ingest_record.exists()


def test_a_digest_saved_moments_before_an_ingest_is_read_again_by_the_next(tmp_path, reads):
    project = ingested(tmp_path, EARLIER_DAYS)
    shutil.copy(API / "2025-08-18.json", project.digests)  # just saved: it may change again unseen
    reads.clear()
    run_ingest(project)
    run_ingest(project)
    assert reads == ["2025-08-18.json", "2025-08-18.json"]
