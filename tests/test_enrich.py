"""digest enrich: arXiv metadata fills the gaps of papers found by their exact title, resumably."""
import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from generator.ingest.arxiv import ArxivClient, ArxivError
from generator.ingest.enrich import NOT_FOUND_FILE, progress_line, run_enrich
from generator.project import Project
from tests.arxiv_support import FEEDS, feed

PAPER = """---
title: "Thyme: Think Beyond Images"
slug: thyme-think-beyond-images
featured: [2025-08-18]
topics: [reasoning]
{extra}---
An abstract.
"""
OTHER = PAPER.replace("Thyme: Think Beyond Images", "A Paper arXiv Does Not Know").replace(
    "thyme-think-beyond-images", "a-paper-arxiv-does-not-know")


def project_with(tmp_path: Path, extra: str = "") -> Project:
    root = tmp_path / "project"
    (root / "content" / "papers").mkdir(parents=True)
    shutil.copy(Path(__file__).parent.parent / "content" / "topics.yaml", root / "content" / "topics.yaml")
    (root / "content" / "papers" / "thyme-think-beyond-images.md").write_text(PAPER.format(extra=extra))
    (root / "content" / "papers" / "a-paper-arxiv-does-not-know.md").write_text(OTHER.format(extra=""))
    return Project.at(root)


def client(server) -> ArxivClient:
    return ArxivClient(server.url, sleep=lambda _: None, retries=1)


def fields(project: Project, slug: str) -> dict:
    return yaml.safe_load((project.papers / f"{slug}.md").read_text(encoding="utf-8").split("---\n")[1])


def test_an_exact_match_fills_id_authors_first_version_and_category(tmp_path, arxiv):
    project = project_with(tmp_path)
    server = arxiv(feed("empty.xml"), feed("exact.xml"))  # papers are looked up in file-name order
    report = run_enrich(project, client(server))
    thyme = fields(project, "thyme-think-beyond-images")
    assert thyme["arxiv_id"] == "2508.11630" and thyme["primary_category"] == "cs.CV"
    assert thyme["authors"] == ["Yi-Fan Zhang", "Xingyu Lu", "Shukang Yin"]
    assert thyme["published"] == dt.date(2025, 8, 15)
    assert report.not_found == ["A Paper arXiv Does Not Know"] and len(report.filled) == 1


def test_a_curators_values_win(tmp_path, arxiv):
    project = project_with(tmp_path, extra="authors: [Curator Chosen]\n")
    run_enrich(project, client(arxiv(feed("empty.xml"), feed("exact.xml"))))
    thyme = fields(project, "thyme-think-beyond-images")
    assert thyme["authors"] == ["Curator Chosen"] and thyme["arxiv_id"] == "2508.11630"


def test_dry_run_lists_and_writes_nothing(tmp_path, arxiv):
    project = project_with(tmp_path)
    before = {path.name: path.read_bytes() for path in project.papers.iterdir()}
    report = run_enrich(project, client(arxiv(feed("empty.xml"), feed("exact.xml"))), dry_run=True)
    assert [(path.name, sorted(changes)) for path, changes in report.filled] == [
        ("thyme-think-beyond-images.md", ["arxiv_id", "authors", "primary_category", "published"])]
    assert {path.name: path.read_bytes() for path in project.papers.iterdir()} == before
    assert not (project.cache_dir / NOT_FOUND_FILE).exists()


def test_an_interrupted_run_keeps_what_it_found_and_the_next_one_continues(tmp_path, arxiv):
    project = project_with(tmp_path)
    failing = arxiv(feed("empty.xml"), (503, {}, b"busy"), (503, {}, b"busy"))
    with pytest.raises(ArxivError, match="continues where it stopped"):
        run_enrich(project, client(failing))
    assert (project.cache_dir / NOT_FOUND_FILE).exists()  # the first answer is kept
    second = arxiv(feed("exact.xml"))
    report = run_enrich(project, client(second))
    assert report.skipped == 1 and report.looked_up == 1 and len(second.requests) == 1
    assert fields(project, "thyme-think-beyond-images")["arxiv_id"] == "2508.11630"


def test_a_paper_edited_while_enrich_waits_is_left_alone(tmp_path, arxiv, monkeypatch):
    project = project_with(tmp_path)
    path = project.papers / "thyme-think-beyond-images.md"
    real = ArxivClient.find_by_title

    def edit_then_answer(self, title):
        if title.startswith("Thyme"):
            path.write_text(path.read_text().replace("An abstract.", "An abstract, edited."))
        return real(self, title)

    monkeypatch.setattr(ArxivClient, "find_by_title", edit_then_answer)
    with pytest.raises(Exception, match="changed while `digest enrich` ran"):
        run_enrich(project, client(arxiv(feed("empty.xml"), feed("exact.xml"))))
    assert "edited" in path.read_text() and "arxiv_id" not in path.read_text()


def test_progress_says_how_far_and_how_long():
    assert progress_line(0, 100, 0.0) == "[0/100] 0%, about 5 min left"
    assert progress_line(50, 100, 150.0) == "[50/100] 50%, about 2 min left"
    assert FEEDS.is_dir()
