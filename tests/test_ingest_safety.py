"""Nothing a curator saved, edited or deleted is undone by ingest."""
import os

import pytest

from generator.errors import BuildFailed
from generator.ingest import catalog
from generator.ingest.catalog import run_ingest
from generator.project import Project
from tests.helpers import FIXTURES, curator_saves_after_load, digest_cli, disk_fills_after, make_project, snapshot

API_DAY = FIXTURES / "hf-api" / "2025-08-18.json"
THYME = "thyme-think-beyond-images.md"


def ingested(tmp_path) -> Project:
    project = Project.at(make_project(tmp_path, [API_DAY]))
    run_ingest(project)
    return project


def test_a_deleted_paper_stays_deleted_and_comes_back_when_its_ledger_lines_go(tmp_path):
    project = ingested(tmp_path)
    (project.papers / THYME).unlink()
    run_ingest(project)
    assert not (project.papers / THYME).exists()
    assert "thyme-think-beyond-images" in project.ingest_ledger.read_text()  # committed with the content
    ledger = project.ingest_ledger.read_text().splitlines(keepends=True)
    project.ingest_ledger.write_text("".join(line for line in ledger if "thyme-think" not in line))
    run_ingest(project)
    assert (project.papers / THYME).exists()


def test_a_removed_featured_date_is_not_added_back(tmp_path):
    project = ingested(tmp_path)
    path = project.papers / THYME
    text = path.read_text()
    day2 = text.replace("featured: [2025-08-18]", "featured: [2025-08-19]").replace(
        "ranks: {2025-08-18: 1}", "ranks: {2025-08-19: 1}")
    path.write_text(day2)  # the curator moved the paper to another day
    run_ingest(project)
    assert path.read_text() == day2


@pytest.mark.parametrize("field", ["authors", "arxiv_id", "links"])
def test_a_deleted_field_is_not_filled_again_by_the_digest_it_came_from(tmp_path, field):
    project = ingested(tmp_path)
    path = project.papers / THYME
    lines = path.read_text().splitlines(keepends=True)
    start = next(number for number, line in enumerate(lines) if line.startswith(f"{field}:"))
    end = next(number for number in range(start + 1, len(lines)) if not lines[number].startswith((" ", "- ")))
    edited = "".join(lines[:start] + lines[end:])
    path.write_text(edited)  # the curator removed a wrong value
    run_ingest(project)
    assert path.read_text() == edited
    text_day = project.digests / "2025-08-19.txt"  # a new digest with the paper still fills nothing it had
    text_day.write_text("Aug 19, 2025\n\nThyme: Think Beyond Images\n\nAn abstract.\n")
    run_ingest(project)
    assert f"{field}:" not in path.read_text() and "2025-08-19" in path.read_text()


def test_a_paper_saved_while_ingest_runs_is_kept_and_nothing_is_written(tmp_path, monkeypatch):
    project = ingested(tmp_path)
    (project.digests / "2025-08-19.json").write_text(API_DAY.read_text().replace("2025-08-18", "2025-08-19"))
    path = project.papers / THYME
    curator_saves_after_load(monkeypatch, catalog, path)
    before = snapshot(project.content)
    with pytest.raises(BuildFailed) as failed:
        run_ingest(project)
    assert "changed while ingest ran" in str(failed.value.errors[0])
    after = snapshot(project.content)
    assert {name for name in after if after[name] != before.get(name)} == {f"papers/{THYME}"}  # only the save
    assert "Saved Meanwhile" in path.read_text()
    assert not [name for name in os.listdir(project.papers) if name.endswith(".tmp")]


def test_a_full_disk_leaves_content_as_it_was(tmp_path, monkeypatch):
    project = Project.at(make_project(tmp_path, [API_DAY]))
    before = snapshot(project.content)
    disk_fills_after(monkeypatch, 3)
    with pytest.raises(OSError):
        run_ingest(project)
    assert snapshot(project.content) == before


def test_paper_files_are_readable_by_all_whatever_the_umask(tmp_path):
    previous = os.umask(0o077)
    try:
        project = ingested(tmp_path)
    finally:
        os.umask(previous)
    assert {path.stat().st_mode & 0o777 for path in project.papers.glob("*.md")} == {0o644}


def with_one_topic_for_everything(project: Project) -> None:
    """A taxonomy under which `digest retopic` gives every paper placed by the rules a new topic."""
    project.taxonomy_file.write_text("fallback: other\ntopics:\n  - {slug: other, name: Other, description: d}\n",
                                     encoding="utf-8")


def test_retopic_keeps_a_paper_saved_while_it_runs_and_writes_nothing(tmp_path, monkeypatch):
    from generator.ingest import curate

    project = ingested(tmp_path)
    with_one_topic_for_everything(project)
    path = project.papers / THYME
    curator_saves_after_load(monkeypatch, curate, path)
    before = snapshot(project.content)
    with pytest.raises(BuildFailed) as failed:
        curate.retopic(project)
    assert f"papers/{THYME}: changed while retopic ran, so retopic wrote nothing" in str(failed.value.errors[0])
    after = snapshot(project.content)
    assert {name for name in after if after[name] != before.get(name)} == {f"papers/{THYME}"}  # only the save
    assert "Saved Meanwhile" in path.read_text()
    assert not [name for name in os.listdir(project.papers) if name.endswith(".tmp")]


def test_retopic_on_a_full_disk_leaves_content_as_it_was(tmp_path, monkeypatch):
    from generator.ingest import curate

    project = ingested(tmp_path)
    with_one_topic_for_everything(project)
    real = catalog.write_temporary_quickly
    written = disk_fills_after(monkeypatch, 3)
    before = snapshot(project.content)
    with pytest.raises(OSError):
        curate.retopic(project)
    assert written and snapshot(project.content) == before
    monkeypatch.setattr(catalog, "write_temporary_quickly", real)
    changed = curate.retopic(project)
    assert len(changed) > 3 and all("topics: [other]" in path.read_text() for path in changed)


def test_a_ledger_saved_in_another_encoding_is_named_at_its_line_and_nothing_changes(tmp_path):
    project = ingested(tmp_path)
    lines = project.ingest_ledger.read_bytes().count(b"\n")
    with project.ingest_ledger.open("ab") as ledger:
        ledger.write("2025-08-19\tcafé\ttitle:café\n".encode("latin-1"))
    (project.papers / THYME).unlink()  # a change, for ingest to read the ledger
    before = snapshot(project.content)
    result = digest_cli(project.root, "ingest")
    assert result.returncode == 1
    assert result.stderr.startswith(f"content/ingested.tsv:{lines + 1}: not UTF-8 text (save the file as UTF-8")
    assert snapshot(project.content) == before


def test_the_same_paper_in_two_files_stops_ingest_before_it_adds_a_day_to_either(tmp_path):
    """A curator's copy of a paper file left both files one paper: ingest added the next day
    the paper was featured to one of them and published both; it now names the two files."""
    project = ingested(tmp_path)
    original = project.papers / THYME
    copy = project.papers / "thyme-copy.md"
    copy.write_text(original.read_text().replace("slug: thyme-think-beyond-images", "slug: thyme-copy"))
    (project.digests / "2025-08-19.txt").write_text("Aug 19, 2025\n\nThyme: Think Beyond Images\n\nAn abstract.\n")
    before = snapshot(project.content)
    result = digest_cli(project.root, "ingest")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("content/papers/thyme-think-beyond-images.md:1: same arxiv as "
                                    "content/papers/thyme-copy.md: one paper in two files (merge the featured dates")
    assert snapshot(project.content) == before
