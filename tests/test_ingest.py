"""Ingest: digests become one Markdown file per paper; re-ingest is idempotent and respects edits."""
import html
import json
import os
import re
import shutil
from difflib import SequenceMatcher

import pytest
import yaml

from generator.content.identity import abstract_key, identity_keys
from generator.content.markdown import render_markdown
from generator.content.papers import load_papers
from generator.ingest.catalog import chunk_key, is_similar, may_be_similar, run_ingest, window_keys
from generator.ingest.pagecopy import parse_digest
from generator.project import Project
from tests.helpers import FIXTURES, ROOT, digest_cli, make_project, snapshot

SAMPLE = json.loads((FIXTURES / "corpus_sample.json").read_text(encoding="utf-8"))
SEED = ROOT / "content" / "digests" / "2025-08-18.txt"
QUIRKS = sorted((FIXTURES / "digests").glob("*.txt"))


def front_matter(path):
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])


def shown_text(markdown_body):
    """What a reader sees: the rendered paragraph's text."""
    rendered = render_markdown(markdown_body)
    assert rendered.startswith("<p>") and rendered.endswith("</p>\n"), rendered[:80]
    return html.unescape(rendered[3:-5])


def test_seed_digest_gives_82_papers_and_a_second_ingest_changes_no_byte(tmp_path):
    project = make_project(tmp_path, [SEED])
    result = digest_cli(project, "ingest")
    assert result.returncode == 0, result.stderr
    papers_dir = project / "content" / "papers"
    assert len(list(papers_dir.glob("*.md"))) == 82
    assert all(path.stat().st_mode & 0o777 == 0o644 for path in papers_dir.glob("*.md"))  # like any checkout
    before = snapshot(papers_dir)
    shutil.rmtree(project / ".cache", ignore_errors=True)  # no shortcut: really read everything again
    (project / "content" / "ingest-record.json").unlink()
    again = digest_cli(project, "ingest")
    assert again.returncode == 0 and "0 new, 0 updated, 82 unchanged" in again.stdout
    assert snapshot(papers_dir) == before
    papers, errors = load_papers(Project.at(project))
    assert errors == [] and all(1 <= len(p.topics) <= 3 for p in papers)


def test_abstracts_read_exactly_as_in_the_digest(tmp_path):
    project = make_project(tmp_path, QUIRKS)
    run_ingest(Project.at(project))
    papers = {p.title: p for p in load_papers(Project.at(project))[0]}
    assert {sample["title"] for sample in SAMPLE.values()} <= set(papers)  # every sample is in the quirk digests
    for sample in SAMPLE.values():
        assert shown_text(papers[sample["title"]].body) == sample["abstract"]
    assert "Sharper $L_2$ Bounds for D^{2}MoE Routing & <Sparse> Experts" in papers


# Every Markdown trap, escaped and rendered: tests/fixtures/cases/markdown.txt.


def test_paper_on_two_days_is_one_file_with_both_dates_and_sources(tmp_path):
    project = make_project(tmp_path, QUIRKS)
    run_ingest(Project.at(project))
    papers = {p.title: p for p in load_papers(Project.at(project))[0]}
    star = papers[SAMPLE["star"]["title"]]
    assert [d.isoformat() for d in star.featured] == ["2025-08-18", "2025-08-19"]
    across_files = papers[SAMPLE["amp_title"]["title"]]
    assert across_files.sources == ("2025-08-18.txt", "2025-08-22.txt")
    assert len(papers) == 11 + 1 - 1  # 11 drafts + 1 hand title, minus the repeat of 'star'


def test_links_drop_trailing_punctuation_and_get_a_kind(tmp_path):
    project = make_project(tmp_path, [SEED])
    run_ingest(Project.at(project))
    links = [link for p in load_papers(Project.at(project))[0] for link in p.links]
    urls = {link.url: link.kind for link in links}
    assert urls["https://github.com/gensyn-ai/skippipe"] == "code"
    assert not any(url.endswith((".", ",", ")", ";")) for url in urls)
    # Every rule of extraction and kinds, case by case: tests/fixtures/cases/links.txt.


def test_addresses_python_cannot_parse_are_text_not_links_and_stop_nothing(tmp_path):
    """`https://[anonymized]` is how abstracts under review hide their code; a paper file's link
    like it is reported at its line, by check and build alike."""
    project = make_project(tmp_path)
    (project / "content" / "digests" / "2025-08-19.txt").write_text(
        "Aug 19, 2025\n\nA Paper Under Review\n\nCode at https://[anonymized] and https://[::1/x, "
        "a demo at https://demo.example.org:99999/ and data at https://data.example.org/set.\n")
    (project / "content" / "digests" / "2025-08-20.json").write_text(json.dumps([{"paper": {
        "id": "2508.00001", "title": "An API Paper", "summary": "Code at https://[anonymized].", "authors": [],
        "githubRepo": "https://[oops.example.org", "projectPage": "https://ok.example.org/p"}}]))
    ingested = digest_cli(project, "ingest")
    assert ingested.returncode == 0, ingested.stderr
    links = {paper.title: [link.url for link in paper.links] for paper in load_papers(Project.at(project))[0]}
    assert links == {"A Paper Under Review": ["https://data.example.org/set"],
                     "An API Paper": ["https://ok.example.org/p"]}
    paper = project / "content" / "papers" / "a-paper-under-review.md"
    paper.write_text(paper.read_text().replace("https://data.example.org/set", "https://[anonymized]/set"))
    for command in ("check", "build"):
        result = digest_cli(project, command)
        assert result.returncode == 1
        assert "a-paper-under-review.md:7: field 'links' has 'https://[anonymized]/set', which is not a web " \
               "address with a valid host" in result.stderr, result.stderr


def test_slugs_are_short_ascii_unique_and_never_change(tmp_path):
    from generator.ingest.catalog import slugify
    assert slugify("Consistency^2: Consistent and Fast 3D Painting with Latent Consistency Models") == \
        "consistency-2-consistent-and-fast-3d-painting-with-latent"
    assert slugify("Ünïcödé Tïtle — déjà vu") == "unicode-title-deja-vu"
    assert slugify("大模型") == "damoxing" and slugify("?!").startswith("paper-")
    project = make_project(tmp_path, [SEED])
    run_ingest(Project.at(project))
    slugs = [p.stem for p in (project / "content" / "papers").glob("*.md")]
    assert len(set(slugs)) == 82 and all(len(s) <= 60 and re.fullmatch(r"[a-z0-9-]+", s) for s in slugs)
    digest = project / "content" / "digests" / "2025-08-19.txt"
    title = "Planning with Large Language Models for Code Generation"
    digest.write_text(f"Aug 19\n\n{title}: Part Two\n\n{SAMPLE['lt']['abstract']}\n", encoding="utf-8")
    run_ingest(Project.at(project))
    assert (project / "content" / "papers" / "planning-with-large-language-models-for-code-generation-part.md").exists()
    digest.write_text(f"Aug 19\n\n{title}!\n\n{SAMPLE['survey']['abstract']}\n", encoding="utf-8")
    run_ingest(Project.at(project))  # same normalized title: the known paper, featured again
    path = project / "content" / "papers" / "planning-with-large-language-models-for-code-generation.md"
    assert [str(d) for d in front_matter(path)["featured"]] == ["2025-08-18", "2025-08-19"]


def test_slug_collision_gets_a_suffix(tmp_path):
    project = make_project(tmp_path)
    long_start = "Scaling Laws for Mixture of Experts Language Models Trained on Very Large"
    (project / "content" / "digests" / "2025-01-02.txt").write_text(
        f"Jan 2\n\n{long_start} Corpora\n\n{SAMPLE['lt']['abstract']}\n\n"
        f"{long_start} Clusters\n\n{SAMPLE['survey']['abstract']}\n", encoding="utf-8")
    run_ingest(Project.at(project))
    slugs = sorted(p.stem for p in (project / "content" / "papers").glob("*.md"))
    assert slugs == ["scaling-laws-for-mixture-of-experts-language-models-2",
                     "scaling-laws-for-mixture-of-experts-language-models-trained"]


def test_curator_edits_survive_reingest_and_new_dates_are_added(tmp_path):
    project = make_project(tmp_path, [SEED])
    run_ingest(Project.at(project))
    path = project / "content" / "papers" / "tutel-adaptive-mixture-of-experts-at-scale.md"
    edited = (path.read_text(encoding="utf-8")
              .replace("title: \"Tutel: Adaptive Mixture-of-Experts at Scale\"", "title: \"Tutel: Adaptive MoE at Scale\"")
              .replace("\ntopics: [mixture-of-experts]", "\ntopics: [distributed-training]")
              .replace("Sparsely-gated", "Sparsely gated"))
    assert edited != path.read_text(encoding="utf-8")
    path.write_text(edited, encoding="utf-8")
    seed_text = SEED.read_text(encoding="utf-8")
    start = seed_text.index("Tutel: Adaptive Mixture-of-Experts at Scale")
    paper_text = seed_text[start:].split("\n\n")[:2]
    (project / "content" / "digests" / "2025-08-25.txt").write_text("Aug 25\n\n" + "\n\n".join(paper_text), encoding="utf-8")
    report = run_ingest(Project.at(project))
    assert report.created == 0 and report.updated == 1
    fields = front_matter(path)
    assert fields["title"] == "Tutel: Adaptive MoE at Scale" and fields["topics"] == ["distributed-training"]
    assert [str(d) for d in fields["featured"]] == ["2025-08-18", "2025-08-25"]
    assert "Sparsely gated" in path.read_text(encoding="utf-8")


def test_an_ingest_with_nothing_changed_reads_nothing_but_a_change_is_seen(tmp_path):
    project = make_project(tmp_path, [SEED])
    run_ingest(Project.at(project))
    an_hour_ago = os.path.getmtime(SEED) - 3600
    for path in (project / "content").rglob("*"):
        os.utime(path, (an_hour_ago, an_hour_ago))  # old enough to be trusted to the stamp
    run_ingest(Project.at(project))
    assert run_ingest(Project.at(project)).skipped
    digest = project / "content" / "digests" / "2025-08-19.txt"
    digest.write_text("Aug 19\n\nA Brand New Paper\n\n" + SAMPLE["lt"]["abstract"] + "\n", encoding="utf-8")
    report = run_ingest(Project.at(project))
    assert not report.skipped and report.created == 1


def test_the_paper_cache_never_returns_a_stale_file(tmp_path):
    project = make_project(tmp_path, [SEED])
    run_ingest(Project.at(project))
    path = project / "content" / "papers" / "tutel-adaptive-mixture-of-experts-at-scale.md"
    text = path.read_text(encoding="utf-8")
    for attempt in range(3):  # same-size edits in quick succession, each read at once
        edited = text.replace("Tutel: Adaptive", f"Tutel: Adaptiv{attempt}")
        path.write_text(edited, encoding="utf-8")
        papers = {p.slug: p for p in load_papers(Project.at(project))[0]}
        assert papers[path.stem].title.startswith(f"Tutel: Adaptiv{attempt}")
    old = os.path.getmtime(path) - 3600
    os.utime(path, (old, old))
    assert load_papers(Project.at(project))[0]  # an old file is cached ...
    path.write_text(text, encoding="utf-8")  # ... and its next edit gets a new mtime, so it is read again
    papers = {p.slug: p for p in load_papers(Project.at(project))[0]}
    assert papers[path.stem].title.startswith("Tutel: Adaptive")


def test_a_digest_replaced_while_ingest_runs_is_read_again_next_time(tmp_path, monkeypatch):
    import generator.ingest.catalog as ingest_module
    project = make_project(tmp_path, [SEED])
    digest = project / "content" / "digests" / "2025-08-19.txt"
    digest.write_text("Aug 19\n\nFirst Version of a Paper\n\n" + SAMPLE["lt"]["abstract"] + "\n", encoding="utf-8")
    run_ingest(Project.at(project))
    an_hour_ago = os.path.getmtime(SEED) - 3600
    for path in (project / "content").rglob("*"):
        os.utime(path, (an_hour_ago, an_hour_ago))  # old enough to be trusted to the stamp
    original_read = ingest_module.read_digests

    def read_then_replace(paths, hashes=None):
        read = original_read(paths, hashes)
        # e.g. `cp -p` of a corrected digest landing mid-ingest, keeping an old mtime
        digest.write_text("Aug 19\n\nSecond Version of a Paper\n\n" + SAMPLE["survey"]["abstract"] + "\n",
                          encoding="utf-8")
        os.utime(digest, (an_hour_ago + 60, an_hour_ago + 60))
        return read

    monkeypatch.setattr(ingest_module, "read_digests", read_then_replace)
    assert run_ingest(Project.at(project)).created == 0  # read the first version: nothing new, stamp saved
    monkeypatch.setattr(ingest_module, "read_digests", original_read)
    report = run_ingest(Project.at(project))
    assert not report.skipped and report.created == 1
    assert "Second Version of a Paper" in {p.title for p in load_papers(Project.at(project))[0]}


def survey_digest(day: str, papers: list[tuple[str, str]]) -> str:
    """A page copy where every title starts "A Survey on", so all papers share one slug stem."""
    return f"{day}\n\n" + "".join(f"A Survey on {title}\n\n{abstract}\n\n" for title, abstract in papers)


def seed_papers() -> list[tuple[str, str]]:
    """The seed digest's 82 titles and abstracts, each abstract opening with the same boilerplate."""
    drafts, errors = parse_digest(SEED.read_text(encoding="utf-8"), SEED.name)
    assert not errors
    boilerplate = "In this paper we study the problem below and we show that our method works well in practice."
    return [(draft.title, f"{boilerplate} {' '.join(draft.abstract.split())}") for draft in drafts]


def touch_every_nth_word(path, n):
    """A curator's light edit spread over the whole abstract: every n-th word replaced."""
    head, body = path.read_text(encoding="utf-8").rsplit("---\n", 1)
    words = body.split(" ")
    edited = " ".join("revised" if index % n == n - 1 else word for index, word in enumerate(words))
    path.write_text(f"{head}---\n{edited}", encoding="utf-8")


def test_many_papers_sharing_a_title_prefix_stay_apart_and_an_edited_one_is_found(tmp_path):
    project = make_project(tmp_path)
    papers = seed_papers()
    digests = project / "content" / "digests"
    (digests / "2025-08-18.txt").write_text(survey_digest("Aug 18", papers), encoding="utf-8")
    report = run_ingest(Project.at(project))
    assert report.created == len(papers) == 82  # shared boilerplate and title words merge no two papers
    title, abstract = papers[40]
    path = next(path for path in (project / "content" / "papers").glob("a-survey-on-*.md")
                if f'title: "A Survey on {title}"' in path.read_text(encoding="utf-8"))
    path.write_text(path.read_text(encoding="utf-8").replace(f"A Survey on {title}", f"A Survey on {title}, Revised"),
                    encoding="utf-8")
    touch_every_nth_word(path, 12)  # no run of 12 words left unchanged
    (digests / "2025-08-25.txt").write_text(survey_digest("Aug 25", [(title, abstract)]), encoding="utf-8")
    report = run_ingest(Project.at(project))
    assert (report.created, report.updated) == (0, 1)
    assert [str(day) for day in front_matter(path)["featured"]] == ["2025-08-18", "2025-08-25"]


def test_every_window_of_a_draft_is_looked_up_under_the_key_its_chunk_is_indexed_under():
    words = ["we", "train", "sparse", "routers", "on", "two", "gpus", "and", "we", "train", "them", "again"]
    assert list(window_keys("a-survey-on", words)) == [chunk_key("a-survey-on", words[start:start + 4])
                                                       for start in range(len(words) - 3)]
    assert list(window_keys("a-survey-on", words[:3])) == []


def test_the_quick_check_turns_away_a_different_abstract_and_never_a_similar_one():
    papers = seed_papers()
    base = papers[3][1].split()
    edits = [[*base[:index], "revised", *base[index + 1:]] for index in range(0, len(base), 7)]
    edits += [base + base[:5], base[5:], base[:20] + base[21:] + ["again", "and", "again"]]
    for stored in edits:
        similar = is_similar(_matcher(stored, base))
        assert not similar or may_be_similar(stored, base, set(base).__contains__)
    assert any(is_similar(_matcher(stored, base)) for stored in edits)
    other = papers[70][1].split()  # shares the boilerplate opening, not the rest
    assert not may_be_similar(other, base, set(base).__contains__)
    assert may_be_similar([], [], set().__contains__)


def _matcher(stored: list[str], words: list[str]) -> SequenceMatcher:
    matcher = SequenceMatcher(None, [], words, autojunk=False)
    matcher.set_seq1(stored)
    return matcher


def test_a_paper_sharing_a_title_prefix_but_not_its_abstract_is_a_new_paper(tmp_path):
    project = make_project(tmp_path)
    papers = seed_papers()
    digests = project / "content" / "digests"
    (digests / "2025-08-18.txt").write_text(survey_digest("Aug 18", papers[:60]), encoding="utf-8")
    run_ingest(Project.at(project))
    title, _ = papers[10]
    _, other_abstract = papers[70]
    (digests / "2025-08-25.txt").write_text(survey_digest("Aug 25", [(title + " Again", other_abstract)]),
                                            encoding="utf-8")
    report = run_ingest(Project.at(project))
    assert (report.created, report.updated) == (1, 0)


@pytest.mark.parametrize(("first", "second", "one_paper"), [
    ("2508.12345", "2508.12345v2", True),
    ("2508.12345v1", "2508.12345v3", True),
    ("solv-int/9901001v2", "solv-int/9901001", True),
    ("solv-int/9901001", "solv-int/9902002", False),  # the archive's own v is not a version
    ("2508.12345", "2508.12346", False),
])
def test_an_arxiv_ids_version_is_not_part_of_the_papers_identity(first, second, one_paper):
    first_keys, second_keys = identity_keys("One title", "One text.", first), identity_keys("Another", "Other.", second)
    assert (first_keys[0] == second_keys[0]) is one_paper


def test_an_abstracts_identity_ignores_case_spacing_and_markdown_escapes():
    as_copied = "We train  *sparse* routers\non 2 GPUs.\n"
    as_written = "we train \\*sparse\\* routers on 2 gpus."  # an ingested body: escaped, one line
    assert abstract_key(as_copied) == abstract_key(as_written) == abstract_key(" We train *sparse* routers on 2 GPUs.")
    assert abstract_key("Über  große Modelle") == abstract_key("über große modelle")
    assert abstract_key(as_written) != abstract_key("we train \\*dense\\* routers on 2 gpus.")


UNSORTED_DAY = """Aug 19

A Study of Pottery Glazes in Ancient Kilns

We report the glaze colors of forty shards found near a river.

Expert Routing for Sparse Mixture-of-Experts Language Models

We route tokens to experts with a learned router and balance their load.
"""
POTTERY = "content/papers/a-study-of-pottery-glazes-in-ancient-kilns.md"
FALLBACK_NOTICE = (f"notice: {POTTERY}:5: only in the fallback topic 'other' (set its topics by hand, or add "
                   "keywords to content/topics.yaml and run `digest retopic`)")


def test_the_build_that_publishes_a_day_names_its_new_papers_no_topic_rule_matched(tmp_path):
    """Those papers show only under "Not yet sorted": the build a curator runs to publish the day
    names them at their topics line, and says what ingest did, where it said only which files it wrote."""
    project = make_project(tmp_path, [SEED])
    assert digest_cli(project, "build").returncode == 0
    (project / "content" / "digests" / "2025-08-19.txt").write_text(UNSORTED_DAY, encoding="utf-8")
    result = digest_cli(project, "build")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == [FALLBACK_NOTICE, "ingest: 84 paper files: 2 new, 0 updated, 82 unchanged"]
    assert lines[2].startswith("build: wrote ") and len(lines) == 3  # the paper the rules sorted is not named
    assert (project / POTTERY).read_text(encoding="utf-8").splitlines()[4] == "topics: [other]"
    again = digest_cli(project, "build")  # nothing new: nothing to say of it again
    assert again.stdout == "build: site/ is up to date\n"


def test_ingest_names_its_new_unsorted_papers_and_caps_them_at_twenty(tmp_path):
    project = make_project(tmp_path)
    crafts = ["pottery", "weaving", "glazing", "carving", "dyeing", "tanning", "forging", "casting", "joinery",
              "thatching", "quilting", "knitting", "gilding", "etching", "enamel", "mosaic", "basketry", "lacquer",
              "bookbinding", "calligraphy", "embroidery", "felting", "glassblowing", "pewter", "tapestry"]
    pottery = "".join(f"\n\nA Study of {craft.title()} in Old Villages\n\nOld {craft} shops kept {craft} tools "
                      f"and {craft} records in wooden chests." for craft in crafts)
    (project / "content" / "digests" / "2025-08-19.txt").write_text("Aug 19" + pottery + "\n", encoding="utf-8")
    result = digest_cli(project, "ingest")
    assert result.returncode == 0, result.stderr
    named = [line for line in result.stdout.splitlines() if line.startswith("notice: content/papers/a-study-of-")]
    assert len(named) == 20 and all(":5: only in the fallback topic 'other'" in line for line in named)
    assert "notice: … and 5 more: only in the fallback topic 'other' (`digest check --all` lists every one)" in result.stdout
    assert result.stdout.splitlines()[-1] == "ingest: 25 paper files: 25 new, 0 updated, 0 unchanged"
