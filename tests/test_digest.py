"""The digest parser on real text and on every quirk of real copies."""
import datetime as dt
import json
from pathlib import Path

from generator.ingest.pagecopy import decode, parse_digest

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = json.loads((FIXTURES / "corpus_sample.json").read_text(encoding="utf-8"))


def parse_file(name):
    data = (FIXTURES / "digests" / name).read_bytes()
    text, errors = decode(data, name)
    assert not errors
    return parse_digest(text, name)


def test_bom_crlf_wrapped_abstracts_and_three_date_styles():
    drafts, errors = parse_file("2025-08-18.txt")
    assert errors == []
    assert [d.featured for d in drafts] == [dt.date(2025, 8, 18)] * 3 + [dt.date(2025, 8, 19)] * 4 + [dt.date(2025, 8, 20)] * 4
    by_title = {d.title: d for d in drafts}
    star = SAMPLE["star"]
    # hard-wrapped abstract with trailing spaces comes back as the one paragraph it was
    assert by_title[star["title"]].abstract == star["abstract"]
    assert by_title[SAMPLE["backticks"]["title"]].abstract == SAMPLE["backticks"]["abstract"]
    assert drafts[0].line == 13 and drafts[0].title == star["title"]  # trailing spaces trimmed


def test_same_paper_twice_in_one_file_is_two_drafts_on_two_days():
    drafts, _ = parse_file("2025-08-18.txt")
    days = [d.featured for d in drafts if d.title == SAMPLE["star"]["title"]]
    assert days == [dt.date(2025, 8, 18), dt.date(2025, 8, 19)]


def test_cr_only_line_endings_and_no_final_newline():
    drafts, errors = parse_file("2025-08-22.txt")
    assert errors == [] and len(drafts) == 1
    assert drafts[0].abstract == SAMPLE["amp_title"]["abstract"]


def test_seed_digest_has_82_papers():
    seed = Path(__file__).parent.parent / "content" / "digests" / "2025-08-18.txt"
    drafts, errors = parse_digest(seed.read_text(encoding="utf-8"), seed.name)
    assert errors == [] and len(drafts) == 82
    assert {d.featured for d in drafts} == {dt.date(2025, 8, 18)}


# More bad digests, each with the line and message it must give: tests/fixtures/cases/pagecopy.txt.

def test_an_absurdly_long_line_is_refused_with_its_line():
    drafts, errors = parse_digest("Aug 18\n\nT\n\n" + "x" * 5_000_000, "2025-08-18.txt")
    assert drafts == [] and errors[0].line == 5 and "5,000,000 characters long" in errors[0].message


def test_errors_name_the_file_and_line_and_say_what_to_do():
    drafts, errors = parse_digest("Aug 18\n\nCluster automata\n\n" + SAMPLE["lt"]["abstract"], "monday.txt")
    assert drafts == [] and str(errors[0]).startswith("monday.txt:1: date line 'Aug 18' has no year")
    assert "YYYY-MM-DD" in errors[0].hint


def test_non_utf8_names_the_line():
    text, errors = decode(b"Aug 18\n\nTitle\n\nabstract \xff here", "d.txt")
    assert text is None and errors[0].line == 5 and "UTF-8" in errors[0].message


ONE_SENTENCE = [  # real arXiv papers whose whole abstract is one short sentence
    ("A symmetric recursive algorithm for mean-payoff games",
     "We propose a new deterministic symmetric recursive algorithm for solving mean-payoff games."),
    ("Cyclic codes over the ring Z2[u,v](u2(1+u),v2(1+v2))",
     "In this paper, we describe linear and cyclic codes over the ring Z2[u,v](u2(1+u),v2(1+v2))."),
]


def test_one_sentence_abstracts_parse_where_titles_and_abstracts_alternate():
    long_one = SAMPLE["lt"]
    papers = [ONE_SENTENCE[0], (long_one["title"], long_one["abstract"]), ONE_SENTENCE[1]]
    text = "Mar 10\n\n" + "\n\n".join(f"{title}\n\n{abstract}" for title, abstract in papers)
    drafts, errors = parse_digest(text, "2026-03-10.txt")
    assert errors == []
    assert [(draft.title, draft.abstract) for draft in drafts] == papers
    assert [draft.rank for draft in drafts] == [1, 2, 3]  # the page's order is the day's ranking


def test_a_missing_abstract_is_still_found_when_the_alternation_breaks():
    title, abstract = ONE_SENTENCE[0]
    text = f"Mar 10\n\n{title}\n\n{abstract}\n\nLonely Title\n\nAnother Title\n\n{SAMPLE['lt']['abstract']}"
    drafts, errors = parse_digest(text, "2026-03-10.txt")
    assert drafts == [] and [(error.line, "has no abstract" in error.message) for error in errors] == [(7, True)]


def test_a_date_line_without_a_year_takes_the_year_nearest_the_files_day():
    text = "Dec 31\n\nA Late Paper\n\nIts abstract.\n\nJan 1\n\nAn Early Paper\n\nIts abstract.\n"
    new_year, _ = parse_digest(text, "2026-01-01.txt")
    assert [draft.featured for draft in new_year] == [dt.date(2025, 12, 31), dt.date(2026, 1, 1)]
    old_year, _ = parse_digest(text, "2025-12-31.txt")
    assert [draft.featured for draft in old_year] == [dt.date(2025, 12, 31), dt.date(2026, 1, 1)]
    summer, _ = parse_digest(text.replace("Dec 31", "Jul 31"), "2025-08-18.txt")
    assert summer[0].featured == dt.date(2025, 7, 31)
