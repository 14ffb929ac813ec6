"""Bad input: a file:line message, a non-zero exit, no traceback, and content/ left exactly as it was."""
import re

import pytest

from tests.helpers import ROOT, digest_cli, make_project, snapshot

SEED = ROOT / "content" / "digests" / "2025-08-18.txt"
GOOD_PAPER = """---
title: A Good Paper
slug: {slug}
featured: [2025-08-18]
topics: [retrieval]
---
An abstract.
"""


@pytest.fixture
def project(tmp_path):
    project = make_project(tmp_path, [SEED])
    assert digest_cli(project, "ingest").returncode == 0
    return project


def assert_rejected(project, command, where, words):
    before = snapshot(project / "content")
    result = digest_cli(project, command)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert f"{where}: " in result.stderr and words in result.stderr, result.stderr
    assert snapshot(project / "content") == before


@pytest.mark.parametrize("content, line, words", [
    (b"Aug 18\n\nA Lonely Title\n", 3, "has no abstract"),
    (b"", 1, "the digest is empty"),
    (b"Aug 18\n\nTitle\n\nBad \xff\xfe bytes in the abstract\n", 5, "not UTF-8"),
    (b"Aug 18\n\nTitle\n\n" + b"x" * 5_000_000 + b"\n", 5, "characters long"),
    (b"Random text first\n\nAug 18\n", 1, "expected a date line"),
])
def test_bad_digest_changes_nothing(project, content, line, words):
    (project / "content" / "digests" / "2025-08-19.txt").write_bytes(content)
    for command in ("ingest", "check", "build"):
        assert_rejected(project, command, f"content/digests/2025-08-19.txt:{line}", words)


@pytest.mark.parametrize("text, line, words", [
    ("---\ntitle: [unclosed\nslug: bad-yaml\n---\nx\n", 3, "not valid YAML"),
    ("---\ntitle: T\n\tslug: bad-yaml\n---\nx\n", 3, "indent with spaces, not tabs"),
    ("---\ntitle: T\ntitle: U\nslug: bad-yaml\nfeatured: [2025-08-18]\ntopics: [retrieval]\n---\n", 3, "duplicate key 'title'"),
    ("---\ntitle: T\nslug: bad-yaml\nfeatured: [2025-02-30]\ntopics: [retrieval]\n---\n", 4, "not a real date"),
    ("---\ntitle: T\nslug: bad-yaml\nfeatured: [2025-08-18]\ntopics: [retrieval]\ntopcis: [x]\n---\n", 6, "did you mean 'topics'"),
    ("---\ntitle: T\nslug: bad-yaml\nfeatured: [2025-08-18]\ntopics: [no-such-topic]\n---\n", 5, "unknown topic"),
    ("---\ntitle: T\nslug: bad-yaml\nfeatured: [2025-08-18]\ntopics: [retrieval]\nlinks: [{url: 'javascript:alert(1)', kind: code}]\n---\n", 6, "only http and https"),
    ("title: T\n", 1, "forget the opening '---'"),
    ("---\ntitle: T\nslug: bad-yaml\n", 1, "never closed"),
])
def test_bad_paper_file_is_reported_with_its_line(project, text, line, words):
    (project / "content" / "papers" / "bad-yaml.md").write_text(text, encoding="utf-8")
    assert_rejected(project, "check", f"content/papers/bad-yaml.md:{line}", words)


def test_non_utf8_paper_file(project):
    (project / "content" / "papers" / "bad-yaml.md").write_bytes(b"---\ntitle: caf\xe9\n---\n")
    assert_rejected(project, "check", "content/papers/bad-yaml.md:2", "not UTF-8")


def test_every_problem_is_reported_in_one_run(project):
    papers = project / "content" / "papers"
    (papers / "one.md").write_text("---\ntitle: T\nslug: one\nfeatured: [2025-08-18]\ntopics: [nope]\n---\n", encoding="utf-8")
    (papers / "two.md").write_text("---\ntitle: T\n\tslug: two\n---\n", encoding="utf-8")
    result = digest_cli(project, "check")
    assert result.returncode == 1
    assert "content/papers/one.md:5: unknown topic 'nope'" in result.stderr
    assert "content/papers/two.md:3:" in result.stderr


def test_same_paper_in_two_files_and_wrong_slug(project):
    papers = project / "content" / "papers"
    original = papers / "tutel-adaptive-mixture-of-experts-at-scale.md"
    copy = original.read_text(encoding="utf-8").replace(
        "slug: tutel-adaptive-mixture-of-experts-at-scale", "slug: tutel-copy")
    (papers / "tutel-copy.md").write_text(copy, encoding="utf-8")
    assert_rejected(project, "check", "content/papers/tutel-copy.md:1", "one paper in two files")
    (papers / "tutel-copy.md").write_text(GOOD_PAPER.format(slug="other-slug"), encoding="utf-8")
    assert_rejected(project, "check", "content/papers/tutel-copy.md:3", "does not match the file name")


def test_clean_content_passes_check_and_lists_fallback_papers(project):
    result = digest_cli(project, "check")
    assert result.returncode == 0, result.stderr
    assert "check: 82 papers, 0 errors" in result.stdout
    assert re.search(r"^notice: content/papers/[a-z0-9-]+\.md:5: only in the fallback topic 'other'", result.stdout, re.M)


def test_check_lists_the_first_notices_of_a_kind_and_counts_the_rest(project):
    papers = project / "content" / "papers"
    for number in range(23):  # a large site's papers without an abstract: one notice each
        slug = f"no-abstract-{number}"
        text = GOOD_PAPER.format(slug=slug).replace("A Good Paper", f"Paper number {number}").replace("An abstract.\n", "")
        (papers / f"{slug}.md").write_text(text, encoding="utf-8")
    shown = digest_cli(project, "check")
    assert shown.returncode == 0, shown.stderr
    assert len(re.findall(r"^notice: content/papers/.*: no abstract", shown.stdout, re.M)) == 20
    assert "notice: … and 3 more: no abstract (`digest check --all` lists every one)" in shown.stdout
    assert re.search(r"^notice: .*: only in the fallback topic 'other'", shown.stdout, re.M)  # other kinds still shown
    every = digest_cli(project, "check", "--all")
    assert len(re.findall(r"^notice: content/papers/.*: no abstract", every.stdout, re.M)) == 23
    assert "more: no abstract" not in every.stdout


def save_typo(project, featured: str) -> None:
    """content/papers/typo.md: a good paper whose `featured` line (line 4) is the one given."""
    typo = GOOD_PAPER.format(slug="typo").replace("A Good Paper", "A Typo").replace("featured: [2025-08-18]", featured)
    (project / "content" / "papers" / "typo.md").write_text(typo, encoding="utf-8")


@pytest.mark.parametrize("dates, notice", [
    ("featured: [2025-08-18, 9999-12-31]",
     "4: featured on a day still to come (correct 9999-12-31 to the day the paper was listed)"),
    ("featured: [0001-01-15, 2025-08-18]", "4: featured on a day before arXiv began (1991-08-01) "
                                           "(correct 0001-01-15 to the day the paper was listed)"),
    ("featured: [2025-08-18]\npublished: 1025-08-15", "5: published on a day before arXiv began (1991-08-01) "
                                                      "(correct 1025-08-15 to the day its first version appeared on arXiv)"),
    ("featured: [2025-08-18]\npublished: 2052-08-15", "5: published on a day after it was first featured (2025-08-18) "
                                                      "(correct whichever date is wrong: `published` (2052-08-15) is "
                                                      "the day its first version appeared on arXiv)"),
])
def test_check_points_at_an_unlikely_date(project, dates, notice):
    save_typo(project, dates)
    result = digest_cli(project, "check")
    assert result.returncode == 0, result.stderr  # a notice: the date is valid, only unlikely
    assert f"notice: content/papers/typo.md:{notice}" in result.stdout
    assert len(re.findall(r"(featured|published) on a day", result.stdout)) == 1  # the seed's papers' dates are likely


def test_build_points_at_a_day_still_to_come_as_it_publishes_it(project):
    """`2062` typed for `2026` heads the home page and the feeds: the build (Netlify's log) says so."""
    quiet = digest_cli(project, "build")
    assert quiet.returncode == 0 and "notice:" not in quiet.stdout
    save_typo(project, "featured: [2025-08-18, 2062-08-18]")
    result = digest_cli(project, "build")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("notice: content/papers/typo.md:4: featured on a day still to come "
                                    "(correct 2062-08-18 to the day the paper was listed)\nbuild: wrote ")
    assert "2062-08-18" in (project / "site" / "index.html").read_text(encoding="utf-8")  # published all the same


def test_build_points_at_a_day_before_arxiv_as_it_publishes_it(project):
    """`0025` typed for `2025` gives the Days calendar and the topics' years a column of year 25:
    the build (Netlify's log) says so, at the `featured` line, and publishes it all the same."""
    save_typo(project, "featured: [0025-08-18]")
    result = digest_cli(project, "build")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("notice: content/papers/typo.md:4: featured on a day before arXiv began (1991-08-01) "
                                    "(correct 0025-08-18 to the day the paper was listed)\nbuild: wrote ")
    assert (project / "site" / "dates" / "0025-08-18" / "index.html").exists()  # published all the same


def test_build_points_at_a_paper_without_an_abstract_as_it_publishes_it(project):
    """A paper file added by hand with its abstract left out: its page, list rows and search result
    show none, so the build (Netlify's log) says so, at the line the abstract belongs on."""
    save_typo(project, "featured: [2025-08-18]")
    typo = project / "content" / "papers" / "typo.md"
    typo.write_text(typo.read_text(encoding="utf-8").replace("An abstract.\n", ""), encoding="utf-8")
    result = digest_cli(project, "build")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("notice: content/papers/typo.md:7: no abstract "
                                    "(write the abstract below the '---' line)\nbuild: wrote "), result.stdout
    assert (project / "site" / "papers" / "t" / "typo" / "index.html").exists()  # published all the same


@pytest.mark.parametrize("abstract", ["kept", "left out too"])
def test_build_points_at_an_unlikely_published_day_as_it_publishes_it(project, abstract):
    """`2052` typed for `2025` in `published` shows on the paper's page and in its citation: the
    build says so, at the `published` line, as check does; of a paper without an abstract too."""
    save_typo(project, "featured: [2025-08-18]\npublished: 2052-08-15")
    typo = project / "content" / "papers" / "typo.md"
    if abstract == "left out too":
        typo.write_text(typo.read_text(encoding="utf-8").replace("An abstract.\n", ""), encoding="utf-8")
    result = digest_cli(project, "build")
    assert result.returncode == 0, result.stderr
    no_abstract = "notice: content/papers/typo.md:8: no abstract (write the abstract below the '---' line)\n"
    assert result.stdout.startswith((no_abstract if abstract == "left out too" else "")
                                    + "notice: content/papers/typo.md:5: published on a day after it was first featured "
                                    "(2025-08-18) (correct whichever date is wrong: `published` (2052-08-15) is the day "
                                    "its first version appeared on arXiv)\nbuild: wrote "), result.stdout


def test_check_points_at_a_place_on_a_day_the_paper_is_not_featured_on(project):
    """`ranks: {2025-08-19: 3}` beside `featured: [2025-08-18]`: no page shows the place, and the
    paper's day lists it after every placed paper."""
    papers = project / "content" / "papers"
    save_typo(project, "featured: [2025-08-18]\nranks: {2025-08-18: 2, 2025-08-19: 3}")
    for other in papers.glob("*.md"):  # the seed's fallback notices aside, this is the one notice
        if other.name != "typo.md" and "topics: [other]" in other.read_text(encoding="utf-8"):
            other.unlink()
    result = digest_cli(project, "check")
    assert result.returncode == 0, result.stderr
    assert ("notice: content/papers/typo.md:5: a place on 2025-08-19, a day it is not featured on "
            "(correct the day in `ranks` or in `featured`, or delete the place)") in result.stdout
    assert "2025-08-18, a day" not in result.stdout
    assert result.stdout.rstrip().endswith(", 0 errors, 1 notice")


def test_check_takes_arxivs_day_after_the_digests_for_a_likely_date(project):
    """arXiv's `published` is in UTC, and can be the digest's day or the day after."""
    papers = project / "content" / "papers"
    for day in ("2025-08-18", "2025-08-19", "1991-08-01"):
        likely = GOOD_PAPER.format(slug="likely").replace("featured: [2025-08-18]",
                                                          f"featured: [2025-08-18]\npublished: {day}")
        (papers / "likely.md").write_text(likely, encoding="utf-8")
        result = digest_cli(project, "check")
        assert result.returncode == 0 and "published on" not in result.stdout, (day, result.stdout)


def test_new_scaffolds_a_hand_added_paper_and_refuses_a_duplicate(project):
    result = digest_cli(project, "new", "Sparse Mixture of Experts for Retrieval", "--date", "2025-08-20")
    assert result.returncode == 0, result.stderr
    path = project / "content" / "papers" / "sparse-mixture-of-experts-for-retrieval.md"
    text = path.read_text(encoding="utf-8")
    assert "featured: [2025-08-20]" in text and "mixture-of-experts" in text
    assert digest_cli(project, "check").returncode == 0
    again = digest_cli(project, "new", "Sparse mixture of experts for retrieval")
    assert again.returncode == 1 and "exists already" in again.stderr


@pytest.mark.parametrize("title", ["+++", "🙂"])
def test_new_takes_a_title_without_letters_as_ingest_does(project, title):
    result = digest_cli(project, "new", title, "--date", "2025-08-20")
    assert result.returncode == 0, result.stderr
    assert digest_cli(project, "check").returncode == 0


def test_retopic_respects_topics_set_by_hand(project):
    papers = project / "content" / "papers"
    taxonomy = project / "content" / "topics.yaml"
    hand = papers / "tutel-adaptive-mixture-of-experts-at-scale.md"
    hand.write_text(re.sub(r"\ntopics: .*\n", "\ntopics: [retrieval]\n", hand.read_text(encoding="utf-8")),
                    encoding="utf-8")
    ruled = papers / "panopticsplatting-end-to-end-panoptic-gaussian-splatting.md"
    assert "topics: [3d-vision]" in ruled.read_text(encoding="utf-8")
    taxonomy.write_text("fallback: other\ntopics:\n"
                        "  - {slug: splat, name: Splatting, description: d, keywords: [splatting]}\n"
                        "  - {slug: retrieval, name: Retrieval, description: d, keywords: [retrieval]}\n"
                        "  - {slug: other, name: Other, description: d}\n", encoding="utf-8")
    result = digest_cli(project, "retopic")
    assert result.returncode == 0, result.stderr
    assert "topics: [splat]" in ruled.read_text(encoding="utf-8")
    assert "topics: [retrieval]" in hand.read_text(encoding="utf-8")


def test_bad_taxonomy_is_reported(project):
    (project / "content" / "topics.yaml").write_text("fallback: other\ntopics:\n  - slug: Bad Slug\n    name: x\n", encoding="utf-8")
    assert_rejected(project, "ingest", "content/topics.yaml:3", "topic slug must be")


def test_build_lists_every_problem_even_when_a_digest_stops_ingest(project):
    (project / "content" / "digests" / "2025-08-19.txt").write_text("Aug 19\n\nLonely title\n", encoding="utf-8")
    tutel = project / "content" / "papers" / "tutel-adaptive-mixture-of-experts-at-scale.md"
    tutel.write_text(re.sub(r"\ntopics: .*\n", "\ntopics: [no-such-topic]\n", tutel.read_text(encoding="utf-8")),
                     encoding="utf-8")
    result = digest_cli(project, "build")
    assert result.returncode == 1
    assert "content/digests/2025-08-19.txt:3: title 'Lonely title' has no abstract" in result.stderr
    assert "tutel-adaptive-mixture-of-experts-at-scale.md:5: unknown topic 'no-such-topic'" in result.stderr
    assert result.stderr.count("Lonely title") == 1  # reported once, not by ingest and check both
    assert not (project / "site").exists()


def test_project_may_be_named_before_or_after_the_command(project, tmp_path):
    import subprocess
    import sys
    for args in (["--project", str(project), "check"], ["check", "--project", str(project)]):
        result = subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True, text=True,
                                cwd=tmp_path)
        assert result.returncode == 0 and "check: 82 papers, 0 errors" in result.stdout, result.stderr
    elsewhere = subprocess.run([sys.executable, "-m", "generator", "check"], capture_output=True, text=True,
                               cwd=tmp_path)
    assert elsewhere.returncode == 2 and "no content/ folder" in elsewhere.stderr
