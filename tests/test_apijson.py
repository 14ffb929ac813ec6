"""The Daily Papers API format: every real shape parses; broken files give file:line errors."""
import datetime as dt
import json
from pathlib import Path

import pytest

from generator.content.markdown import normalize_paragraphs
from generator.ingest.apijson import entry_lines, parse_api_digest

REAL = Path(__file__).parent / "fixtures" / "hf-api"


def parse(name: str, text: str | None = None):
    return parse_api_digest(text if text is not None else (REAL / name).read_text(encoding="utf-8"), name)


@pytest.mark.parametrize("name, count, first_id, first_title", [
    ("2025-08-18.json", 7, "2508.11630", "Thyme: Think Beyond Images"),  # a list of objects
    ("2024-12-20.json", 16, "2412.15115", "Qwen2.5 Technical Report"),  # a list of Python-repr strings
    ("2025-01-10.json", 9, "2501.05441", "The GAN is dead; long live the GAN! A Modern GAN Baseline"),  # a wrapper
    ("2025-03-11.json", 26, "2503.03601",
     "Feature-Level Insights into Artificial Text Detection with Sparse Autoencoders"),  # a wrapped title
    ("2026-08-14.json", 23, "2608.13489", 'DreamX-Phi 1.0: Action-Conditioned Video World Model for Robotic Manipulation'),  # organizations, GitHub stars
])
def test_each_real_shape_gives_every_paper_in_rank_order(name, count, first_id, first_title):
    drafts, errors = parse(name)
    assert errors == []
    assert len(drafts) == count
    assert (drafts[0].arxiv_id, drafts[0].title, drafts[0].rank) == (first_id, first_title, 1)
    assert [draft.rank for draft in drafts] == list(range(1, count + 1))
    assert all(draft.featured.isoformat() == name[:10] and draft.digest == name for draft in drafts)


def test_metadata_comes_from_the_paper_object():
    thyme = parse("2025-08-18.json")[0][0]
    assert thyme.authors[:3] == ("Yi-Fan Zhang", "Xingyu Lu", "Shukang Yin")
    assert [(link.kind, link.url) for link in thyme.links] == [
        ("code", "https://github.com/yfzhang114/Thyme"), ("project page", "https://thyme-vl.github.io/")]
    assert "\n" not in thyme.abstract and thyme.abstract.startswith("Following OpenAI's introduction")
    assert "``thinking with images''" in thyme.abstract  # the text as the authors wrote it
    assert thyme.published == dt.date(2025, 8, 15)  # arXiv's day, three days before Hugging Face featured it
    assert thyme.upvotes == 20
    assert thyme.github_stars == 53
    assert thyme.comments == 1  # the entry's numComments, beside its paper object
    assert thyme.submitted_by == "Yi-Fan Zhang"  # the name Hugging Face shows, not the address (yifanzhang114)
    assert thyme.ai_summary.startswith("Thyme, a novel paradigm, enables MLLMs to autonomously perform image")


def test_the_organization_is_the_name_hugging_face_shows():
    drafts = parse("2026-08-14.json")[0]
    assert [draft.organization for draft in drafts[:5]] == [
        "alibaba", "University of Illinois at Urbana-Champaign", "", "", "Salesforce AI Research"]
    assert parse("2025-08-18.json")[0][0].organization == ""  # older days' files have none


@pytest.mark.parametrize("value, shown", [
    ({"name": "Salesforce", "fullname": "  Salesforce   AI Research "}, "Salesforce AI Research"),
    ({"name": "zju"}, "zju"),
    ({"fullname": "Evil\u0007Corp", "name": "evil"}, "evil"),
    ({"fullname": "Half a pair \ud83d", "name": "half"}, "half"),  # JSON's "\ud83d": no UTF-8 can hold it
    ("Salesforce", ""), (None, ""), ({"fullname": 3}, ""),
])
def test_an_odd_organization_gives_its_name_or_none(value, shown):
    draft = parse("2025-08-18.json", json.dumps([_entry(organization=value)]))[0][0]
    assert draft.organization == shown


@pytest.mark.parametrize("value, shown", [
    ("  A model\n that  routes. ", "A model that routes."), (None, ""), (["a"], ""), ("Bell\u0007 rings", ""),
    ("Half a pair \ud800", "")])
def test_an_ai_summary_is_one_line_of_text_or_none(value, shown):
    assert parse("2025-08-18.json", json.dumps([_entry(ai_summary=value)]))[0][0].ai_summary == shown


@pytest.mark.parametrize("value", [None, -3, 2.5, True, "20"])
def test_upvotes_or_stars_that_are_no_count_are_left_out(value):
    draft = parse("2025-08-18.json", json.dumps([_entry(upvotes=value, githubStars=value)]))[0][0]
    assert draft.upvotes is None and draft.github_stars is None


@pytest.mark.parametrize("value", [None, -1, 2.5, False, "8"])
def test_comments_that_are_no_count_are_left_out(value):
    entry = {**_entry(), "numComments": value}
    assert parse("2025-08-18.json", json.dumps([entry]))[0][0].comments is None


@pytest.mark.parametrize("entry_user, paper_user, shown", [
    ({"fullname": "Yi-Fan  Zhang", "name": "yifanzhang114"}, None, "Yi-Fan Zhang"),
    (None, {"fullname": "Oscar Mañas", "user": "oscmansan"}, "Oscar Mañas"),  # the paper's own record of it
    ({"name": "akhaliq"}, None, "akhaliq"),
    ({"fullname": "Bell\u0007 User", "name": "bell"}, None, "bell"),
    ("akhaliq", None, ""), (None, None, ""), ({"fullname": 3}, None, ""),
])
def test_the_submitter_is_the_name_hugging_face_shows_or_none(entry_user, paper_user, shown):
    entry = _entry(submittedOnDailyBy=paper_user)
    entry["submittedBy"] = entry_user
    assert parse("2025-08-18.json", json.dumps([entry]))[0][0].submitted_by == shown


def test_a_python_repr_day_gives_its_submitters():
    assert all(draft.submitted_by for draft in parse("2024-12-20.json")[0])


@pytest.mark.parametrize("value", [None, 20250815, "yesterday", "2025-13-01T00:00:00Z"])
def test_a_missing_or_odd_published_time_leaves_the_day_unknown(value):
    draft = parse("2025-08-18.json", json.dumps([_entry(publishedAt=value)]))[0][0]
    assert draft.published is None


def test_hidden_authors_and_non_web_links_are_left_out():
    entry = _entry(authors=[{"name": "Shown"}, {"name": "Hidden", "hidden": True}, {"name": "Bell\u0007 Author"},
                            {"name": "  Wrapped\n  Name "}],
                   githubRepo="javascript:alert(1)", projectPage="https://example.org/p")
    draft = parse("2025-08-18.json", json.dumps([entry]))[0][0]
    assert draft.authors == ("Shown", "Wrapped Name")  # a control character leaves the name out
    assert [link.url for link in draft.links] == ["https://example.org/p"]


def test_paragraph_breaks_survive_and_hard_wraps_do_not():
    assert normalize_paragraphs("One line\nwrapped.\n\n  Second   paragraph.\n") == "One line wrapped.\n\nSecond paragraph."


def test_a_title_with_markup_stays_text():
    draft = parse("2025-08-18.json", json.dumps([_entry(title="Why <think> tags <img src=x onerror=alert(1)>")]))[0][0]
    assert draft.title == "Why <think> tags <img src=x onerror=alert(1)>"


@pytest.mark.parametrize("text, line, message", [
    ('[{"paper": {"id": "2508.1', 1, "not valid JSON"),
    ('{"status": "ok"}', 1, "expected a list of papers (or {\"data\": [...]}), found an object without 'data'"),
    ("[]", 1, "lists no papers"),
    ('[\n  {"paper": {"id": "2508.11630", "title": "A", "summary": "B", "authors": []}},\n  {"title": "no paper"}\n]',
     3, "entry 2: has no 'paper' object"),
    ('[\n  {"paper": {"id": "not-an-id", "title": "A", "summary": "B", "authors": []}}\n]', 2, "is not an arXiv identifier"),
    ('[\n  {"paper": {"id": "2508.11630", "title": "", "summary": "B", "authors": []}}\n]', 2, "'title' is missing"),
    ('[\n  {"paper": {"id": "2508.11630", "title": "A\\u0000", "summary": "B", "authors": []}}\n]', 2, "control character"),
    ('[\n  {"paper": {"id": "2508.11630", "title": "A\\ud800", "summary": "B", "authors": []}}\n]', 2, "control character"),
    ('["__import__(\'os\').system(\'touch /tmp/pwned\')"]', 1, "not a Python literal"),
    ('{"date": "2025-08-19", "data": []}', 1, "named 2025-08-18"),
    ("[" * 100_000, 1, "nested too deeply"),
])
def test_broken_files_say_where_and_what(text, line, message):
    drafts, errors = parse("2025-08-18.json", text)
    assert drafts == [] and len(errors) >= 1
    assert errors[0].path == "2025-08-18.json" and errors[0].line == line
    assert message in errors[0].message, errors[0]
    assert "daily_papers" in errors[0].hint


def test_a_file_not_named_after_its_day_is_refused():
    drafts, errors = parse_api_digest("[]", "latest.json")
    assert drafts == [] and "YYYY-MM-DD.json" in errors[0].message
    drafts, errors = parse_api_digest("[]", "2025-02-30.json")
    assert drafts == [] and errors[0].message == "the file name's date 2025-02-30 is not a real date"


def test_entry_lines_point_at_each_entry_in_the_real_file():
    text = (REAL / "2025-08-18.json").read_text(encoding="utf-8")
    lines = entry_lines(text, 7)
    source = text.split("\n")
    assert len(lines) == 7 and all(source[line - 1].strip() == "{" for line in lines)


def _entry(**paper: object) -> dict:
    fields = {"id": "2508.11630", "title": "A title", "summary": "An abstract.", "authors": [{"name": "A. Author"}]}
    return {"paper": {**fields, **paper}}
