"""One paper, many sources: page copies and API files of the same papers become one file each,
metadata only fills gaps, and each day keeps its ranking."""
import datetime as dt
import html
import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from generator.content.identity import normalize_title
from generator.ingest.catalog import run_ingest
from generator.project import Project
from tests.helpers import FIXTURES, digest_cli, make_project, snapshot

API_DAY = FIXTURES / "hf-api" / "2025-08-18.json"


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])


def api_entries() -> list[dict]:
    return json.loads(API_DAY.read_text(encoding="utf-8"))


def page_copy(entries: list[dict], extra: list[tuple[str, str]] = ()) -> str:
    """The same day as the page shows it: titles and abstracts only, in the page's order."""
    papers = [(entry["title"], " ".join(entry["paper"]["summary"].split())) for entry in entries] + list(extra)
    return "Aug 18\n\n" + "\n\n".join(f"{' '.join(title.split())}\n\n{abstract}" for title, abstract in papers) + "\n"


ONLY_ON_THE_PAGE = ("A Paper Only the Page Copy Had", "An abstract long enough to be read as one, about nothing in "
                    "particular, written for this test so that no API file lists it at all.")


def test_an_api_file_gives_arxiv_id_authors_links_and_rank(tmp_path):
    project = make_project(tmp_path, [API_DAY])
    report = run_ingest(Project.at(project))
    assert report.created == 7
    thyme = front_matter(project / "content" / "papers" / "thyme-think-beyond-images.md")
    assert thyme["arxiv_id"] == "2508.11630" and thyme["authors"][:2] == ["Yi-Fan Zhang", "Xingyu Lu"]
    assert {"url": "https://github.com/yfzhang114/Thyme", "kind": "code"} in thyme["links"]
    assert thyme["ranks"] == {dt.date(2025, 8, 18): 1}
    assert thyme["sources"] == ["2025-08-18.json"]
    assert thyme["upvotes"] == 20 and thyme["published"] == dt.date(2025, 8, 15) and thyme["github_stars"] == 53
    assert thyme["comments"] == 1 and thyme["submitted_by"] == "Yi-Fan Zhang"


def test_an_api_file_of_a_newer_day_gives_the_organization_and_summary_shown_in_rows_and_on_the_page(tmp_path):
    project = make_project(tmp_path, [FIXTURES / "hf-api" / "2026-08-14.json"])
    assert digest_cli(project, "build").returncode == 0
    (path,) = [path for path in (project / "content" / "papers").glob("*.md")
               if front_matter(path).get("arxiv_id") == "2608.13489"]
    summary = "DreamX-Phi 1.0 is an action-conditioned video world model for robotic manipulation"
    assert front_matter(path)["organization"] == "alibaba" and front_matter(path)["ai_summary"].startswith(summary)
    day = (project / "site" / "dates" / "2026-08-14" / "index.html").read_text(encoding="utf-8")
    assert day.count('class="paper-organization">Salesforce AI Research<') == 1
    assert day.count('class="paper-summary"><span class="summary-label"') == 23  # every paper of the day has one
    page = (project / "site" / "papers" / path.stem[0] / path.stem / "index.html").read_text(encoding="utf-8")
    assert '<p class="organization">alibaba</p>' in page and f"<p>{summary}" in page
    assert '<span aria-hidden="true">★</span> 23 stars on GitHub when featured</dd>' in page
    # Hugging Face lists each paper with its discussion's comments: the page has them beside its link.
    assert front_matter(path)["comments"] == 2 and "Paper page and discussion</a> · 2 comments</dd>" in page
    # and with who submitted it to Daily Papers, as its card does.
    submitter = front_matter(path)["submitted_by"]
    assert submitter and f"<dd>Submitted to Daily Papers by {html.escape(submitter, quote=False)}</dd>" in page


def test_a_page_copy_and_an_api_file_of_one_day_give_one_file_per_paper_api_order_first(tmp_path):
    entries = api_entries()
    project = make_project(tmp_path, [API_DAY])
    # The page lists the papers in another order and has one the API file does not.
    reordered = list(reversed(entries))
    (project / "content" / "digests" / "2025-08-18.txt").write_text(page_copy(reordered, [ONLY_ON_THE_PAGE]))
    run_ingest(Project.at(project))
    papers = sorted((project / "content" / "papers").glob("*.md"))
    assert len(papers) == 8
    ranks = {front_matter(path)["title"]: front_matter(path)["ranks"][dt.date(2025, 8, 18)] for path in papers}
    expected = [" ".join(entry["title"].split()) for entry in entries] + [ONLY_ON_THE_PAGE[0]]
    assert sorted(ranks, key=ranks.get) == expected
    assert sorted(ranks.values()) == list(range(1, 9))
    thyme = front_matter(project / "content" / "papers" / "thyme-think-beyond-images.md")
    assert thyme["sources"] == ["2025-08-18.json", "2025-08-18.txt"]


def test_api_metadata_fills_gaps_and_never_overwrites_a_curators_values(tmp_path):
    project = make_project(tmp_path)
    digests = project / "content" / "digests"
    (digests / "2025-08-18.txt").write_text(page_copy(api_entries()[:2]))
    run_ingest(Project.at(project))
    path = project / "content" / "papers" / "thyme-think-beyond-images.md"
    assert "authors" not in front_matter(path)  # a page copy has none
    edited = path.read_text(encoding="utf-8").replace("\ntopics:", "\nauthors: [Curator Chosen]\ntopics:")
    edited = edited.replace("ranks: {2025-08-18: 1}", "ranks: {2025-08-18: 2}")
    path.write_text(edited, encoding="utf-8")
    other = project / "content" / "papers" / next(
        name for name in os.listdir(project / "content" / "papers") if not name.startswith("thyme"))
    other.write_text(other.read_text(encoding="utf-8").replace("ranks: {2025-08-18: 2}", "ranks: {2025-08-18: 1}"))
    shutil.copy(API_DAY, digests / "2025-08-18.json")
    run_ingest(Project.at(project))
    thyme = front_matter(path)
    assert thyme["authors"] == ["Curator Chosen"]  # the curator's value stays
    assert thyme["arxiv_id"] == "2508.11630"  # a gap is filled
    assert thyme["ranks"] == {dt.date(2025, 8, 18): 2}  # a place already written stays
    assert thyme["featured"] == [dt.date(2025, 8, 18)]


def test_titles_that_differ_in_a_name_symbol_are_two_papers_and_punctuation_only_titles_match_nothing():
    assert normalize_title("C++ Code Generation with LLMs") != normalize_title("C# Code Generation with LLMs")
    assert normalize_title("Planning with LLMs!") == normalize_title("planning  with LLMs")
    assert normalize_title("???") == "" == normalize_title("!!! 🎉")
    assert normalize_title("C++ + Rust: A # Study") == "c++ rust a study" == normalize_title("C++ + Rust: A # Study ✓")
    assert normalize_title("ÉCOLE: the ﬁrst ＡＩ ﬁle") == normalize_title("école the first ai file")


def test_papers_with_punctuation_only_titles_are_not_merged(tmp_path):
    project = make_project(tmp_path)
    abstracts = ["Questions about questions: we study why some titles are only question marks, at length.",
                 "Exclamations considered harmful: a survey of emphasis in the titles of research papers.",
                 "We present tools that compile C++ templates faster, with a new incremental cache design.",
                 "A language server for C# that answers completions from a persistent index on disk."]
    titles = ["???", "!!!", "C++ Tools", "C# Tools"]
    text = "Aug 18\n\n" + "\n\n".join(f"{title}\n\n{abstract}" for title, abstract in zip(titles, abstracts))
    (project / "content" / "digests" / "2025-08-18.txt").write_text(text)
    assert run_ingest(Project.at(project)).created == 4


def test_odd_files_in_the_digests_folder_are_reported_or_ignored_never_a_hang(tmp_path):
    project = make_project(tmp_path, [API_DAY])
    digests = project / "content" / "digests"
    (digests / ".#2025-08-18.json").symlink_to("root@host.1234")  # an Emacs lock file: ignored
    (digests / "notes.md").write_text("not a digest")  # another kind of file: ignored
    os.mkfifo(digests / "2025-08-19.txt")  # reading it would block forever
    (digests / "2025-08-20.txt").symlink_to(digests / "missing.txt")
    (digests / "2025-08-21.json").mkdir()
    try:
        run_ingest(Project.at(project))
    except Exception as error:  # BuildFailed
        messages = sorted(str(problem) for problem in error.errors)  # type: ignore[attr-defined]
    else:
        raise AssertionError("odd digests must be reported")
    assert [message.split(": ", 1)[1] for message in messages] == [
        "is not a regular file (digests are .txt or .json files; move it away)",
        "cannot be read (No such file or directory) (check that the file exists and that you may read it)",
        "is not a regular file (digests are .txt or .json files; move it away)",
    ]
    assert not list((project / "content" / "papers").glob("*.md"))  # nothing written


def test_a_file_named_on_the_command_line_must_be_a_digest(tmp_path):
    project = make_project(tmp_path, [API_DAY])
    shutil.copy(API_DAY, project / "content" / "digests" / "2025-08-19.JSON")
    (project / "content" / "digests" / "notes.yaml").write_text("title: x\n")
    before = snapshot(project / "content")
    misnamed = project / "content" / "digests" / "2025-08-19.JSON"
    result = digest_cli(project, "ingest", str(misnamed), str(project / "content" / "digests" / "notes.yaml"))
    assert result.returncode == 1
    assert set(result.stderr.splitlines()[:2]) == {
        "content/digests/2025-08-19.JSON: is not a digest "
        "(digests are page copies named .txt or API responses named .json)",
        "content/digests/notes.yaml: is not a digest (digests are page copies named .txt or API responses named .json)"}
    assert snapshot(project / "content") == before


def test_a_digest_named_on_the_command_line_must_be_in_the_digests_folder(tmp_path):
    """Its papers would name a digest that no checkout holds, and that the next ingest never reads."""
    project = make_project(tmp_path, [API_DAY])
    elsewhere = tmp_path / "downloads" / "2025-08-19.json"
    elsewhere.parent.mkdir()
    shutil.copy(API_DAY, elsewhere)
    before = snapshot(project / "content")
    result = digest_cli(project, "ingest", str(elsewhere))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr == (f"digest: {elsewhere} is not in content/digests/; save it there first "
                             "(digests are committed with the site), then ingest it\n")
    assert snapshot(project / "content") == before
    inside = project / "content" / "digests" / API_DAY.name
    assert digest_cli(project, "ingest", str(inside)).returncode == 0  # the project's own, by its full path


@pytest.mark.parametrize("command", ["ingest", "build", "check"])
def test_a_digests_folder_that_cannot_be_listed_stops_the_command(tmp_path, command):
    """Taken for an empty folder, it would make ingest forget every digest and publish nothing new."""
    project = make_project(tmp_path, [API_DAY])
    assert digest_cli(project, "ingest").returncode == 0
    digests = project / "content" / "digests"
    shutil.move(digests, tmp_path / "saved")
    digests.write_text("")  # a file where the folder was
    before = snapshot(project / "content")
    result = digest_cli(project, command)
    assert result.returncode == 1
    assert result.stderr.startswith("digest: content/digests: a file has the name of a folder the command needs")
    assert snapshot(project / "content") == before


def older_ingest(path: Path, *fields: str) -> None:
    """The paper file as an ingest that did not read these fields wrote it."""
    lines = path.read_text(encoding="utf-8").split("\n")
    path.write_text("\n".join(line for line in lines if not line.startswith(tuple(f"{field}:" for field in fields))),
                    encoding="utf-8")


def test_backfill_fills_what_an_older_ingest_did_not_read_and_keeps_every_value_a_paper_has(tmp_path):
    project = make_project(tmp_path, [API_DAY])
    run_ingest(Project.at(project))
    papers = project / "content" / "papers"
    thyme = papers / "thyme-think-beyond-images.md"
    older_ingest(thyme, "comments", "submitted_by")
    thyme.write_text(thyme.read_text(encoding="utf-8").replace("\nauthors: [", "\nauthors: [Curator Chosen, "),
                     encoding="utf-8")
    others = {path.name: path.read_bytes() for path in papers.glob("*.md") if path != thyme}
    done = digest_cli(project, "backfill")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "backfill: 1 paper file changed"
    filled = front_matter(thyme)
    assert filled["comments"] == 1 and filled["submitted_by"] == "Yi-Fan Zhang"
    assert filled["authors"][0] == "Curator Chosen"  # a value the paper has stays
    assert {path.name: path.read_bytes() for path in papers.glob("*.md") if path != thyme} == others
    assert digest_cli(project, "backfill").stdout.strip() == "backfill: 0 paper files changed"


def test_the_first_ingest_after_an_upgrade_names_the_papers_lacking_their_digests_metadata(tmp_path):
    project = make_project(tmp_path, [API_DAY])
    run_ingest(Project.at(project))
    thyme = project / "content" / "papers" / "thyme-think-beyond-images.md"
    older_ingest(thyme, "comments", "submitted_by")
    record = project / "content" / "ingest-record.json"
    record.write_text(record.read_text(encoding="utf-8").replace('"version": "ingest state/', '"version": "older/'),
                      encoding="utf-8")  # as an older ingest's code wrote it
    before = snapshot(project / "content" / "papers")
    done = digest_cli(project, "build")
    assert done.returncode == 0, done.stderr
    notices = [line for line in done.stdout.splitlines() if line.startswith("notice:")]
    assert len(notices) == 1 and notices[0].startswith("notice: 1 paper ("), done.stdout
    assert f"{thyme.name}) lacks metadata a digest it came from holds: " in notices[0]
    assert "comments (1), submitted_by (1)" in notices[0] and "`digest backfill` fills it in" in notices[0]
    assert snapshot(project / "content" / "papers") == before  # a notice: nothing is filled
    # The record is written anew: the next commands say it no more, nor of a curator's removal.
    assert "notice:" not in digest_cli(project, "ingest").stdout
    older_ingest(thyme, "upvotes")
    assert "notice:" not in digest_cli(project, "ingest").stdout


def test_backfill_adds_no_paper_and_reads_only_a_papers_own_digests(tmp_path):
    project = make_project(tmp_path, [API_DAY])
    run_ingest(Project.at(project))
    papers = project / "content" / "papers"
    deleted = papers / "thyme-think-beyond-images.md"
    deleted.unlink()  # a curator deleted it
    hand_sourced = sorted(papers.glob("*.md"))[0]  # its digest no longer among its sources: a curator's paper now
    older_ingest(hand_sourced, "comments", "upvotes", "sources")
    before = snapshot(papers)
    done = digest_cli(project, "backfill")
    assert done.returncode == 0 and done.stdout.strip() == "backfill: 0 paper files changed"
    assert snapshot(papers) == before and not deleted.exists()


def test_backfill_stops_at_a_broken_digest_and_changes_nothing(tmp_path):
    project = make_project(tmp_path, [API_DAY])
    run_ingest(Project.at(project))
    papers = project / "content" / "papers"
    older_ingest(papers / "thyme-think-beyond-images.md", "comments")
    (project / "content" / "digests" / "2025-08-19.json").write_text('{"status": "ok", "data": [\n  {"paper": }\n]}\n')
    before = snapshot(papers)
    done = digest_cli(project, "backfill")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "content/digests/2025-08-19.json:2:" in done.stderr, done.stderr
    assert snapshot(papers) == before
