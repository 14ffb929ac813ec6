"""Slugs of new papers keep every letter of the title; slugs already written never change."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from generator.cache import file_stamp
from generator.content.papers import read_paper_file
from generator.content.taxonomy import Topic, TopicMatcher
from generator.ingest.catalog import Catalog, slugify
from generator.ingest.draft import DraftPaper
from generator.project import Project

MU_TITLE = "$μ$LO: Compute-Efficient Meta-Generalization of Learned Optimizers"


@pytest.mark.parametrize("title, slug", [
    (MU_TITLE, "m-lo-compute-efficient-meta-generalization-of-learned"),
    ("大模型 Survey", "damoxing-survey"),
    ("Scaling Diffusion Transformers Efficiently via μP", "scaling-diffusion-transformers-efficiently-via-mp"),
    ("Ünïcödé Tïtle — déjà vu", "unicode-title-deja-vu"),
    ("From Smør-re-brød to Subwords", "from-smor-re-brod-to-subwords"),
])
def test_new_slugs_transliterate_instead_of_dropping_letters(title: str, slug: str):
    assert slugify(title) == slug


def test_a_title_without_letters_or_digits_gets_a_stable_made_up_slug():
    assert slugify("?!") == slugify("?!") and slugify("?!").startswith("paper-")


def test_a_slug_already_written_is_kept_when_the_paper_is_featured_again(tmp_path: Path):
    old_slug = "lo-compute-efficient-meta-generalization-of-learned"  # what an earlier version made
    project = Project.at(tmp_path)
    project.papers.mkdir(parents=True)
    path = project.papers / f"{old_slug}.md"
    path.write_text(f'---\ntitle: "{MU_TITLE}"\nslug: {old_slug}\nfeatured: [2025-08-18]\ntopics: [other]\n---\n'
                    "Learned optimizers.\n", encoding="utf-8")
    paper_file, errors = read_paper_file(path)
    assert errors == [] and paper_file is not None
    catalog = Catalog([paper_file], TopicMatcher([Topic("other", "Other", "")], "other"))
    catalog.add(DraftPaper(MU_TITLE, "Learned optimizers.", dt.date(2025, 8, 19), "2025-08-19.txt", 3))
    catalog.write(project, {path.name: file_stamp(path)})
    assert [file.name for file in project.papers.iterdir()] == [path.name]
    assert "featured: [2025-08-18, 2025-08-19]" in path.read_text(encoding="utf-8")
