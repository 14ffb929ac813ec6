"""Groupings (site.py) and page contexts (pages.py), without touching the disk."""
import datetime as dt
import json
import random
import tracemalloc
from dataclasses import replace

import pytest

from generator.build import pages
from generator.build.site import PapersBySlug, Period, assemble_site, patch_site
from generator.build.sitefiles import write_pages
from generator.build.staging import StagedSite
from generator.build.urls import day_url, month_url, output_path, paper_url, topic_url, week_url
from generator.config import SiteConfig
from generator.content.schema import Link, Paper
from generator.content.taxonomy import Topic

AUG = dt.date(2025, 8, 1)
TOPICS = [Topic("llm", "Language Models", "LLMs."), Topic("vision", "Vision", "Images."), Topic("other", "Other", "")]


def paper(slug: str, days: tuple[int, ...], topics=("llm",), title: str = "", **extra) -> Paper:
    featured = tuple(AUG.replace(day=day) for day in days)
    return Paper(slug=slug, title=title or slug.title(), body="Text.", featured=featured, topics=topics, **extra)


def test_topic_lists_are_newest_first_and_every_topic_has_one():
    site = assemble_site([paper("old", (1,)), paper("new", (3,)), paper("mid", (1, 2))], TOPICS)
    assert [p.slug for p in site.papers_by_topic["llm"]] == ["new", "mid", "old"]
    assert site.papers_by_topic["vision"] == ()


def test_day_lists_hold_every_paper_featured_that_day_by_title():
    site = assemble_site([paper("b", (1, 2), title="Beta"), paper("a", (2,), title="alpha")], TOPICS)
    assert site.days == (AUG.replace(day=1), AUG.replace(day=2))
    assert [p.slug for p in site.papers_by_day[AUG.replace(day=2)]] == ["a", "b"]
    assert site.neighbour_days(AUG.replace(day=1)) == (None, AUG.replace(day=2))


def test_the_calendar_has_a_row_for_each_month_with_papers_and_one_line_for_months_without():
    days = [dt.date(2025, 8, 5), dt.date(2025, 8, 1), dt.date(2025, 6, 30), dt.date(2025, 2, 1), dt.date(2024, 12, 31),
            dt.date(2021, 3, 3)]
    papers = [Paper(f"p{number}", f"P{number}", "", (day,), ("llm",)) for number, day in enumerate(days)]
    calendar = assemble_site(papers, TOPICS).calendar()
    assert [year for year, _ in calendar] == [2025, 2024, 2021]  # 2022 and 2023 had no papers: no heading
    rows = [row for _, year_rows in calendar for row in year_rows]
    described = [(row.oldest.isoformat(), row.newest.isoformat()) if row.is_gap else (row.year, row.month) for row in rows]
    assert described == [(2025, 8), ("2025-07-01", "2025-07-01"), (2025, 6), ("2025-03-01", "2025-05-01"), (2025, 2),
                         ("2025-01-01", "2025-01-01"), (2024, 12), ("2021-04-01", "2024-11-01"), (2021, 3)]
    august = rows[0]
    assert len(august.days) == 31 and august.days[0] == (dt.date(2025, 8, 1), 1) and august.paper_count == 2
    assert len(rows[4].days) == 28  # February 2025


def test_a_date_centuries_away_adds_one_line_to_the_calendar_not_a_row_per_month():
    papers = [Paper("typo", "T", "", (dt.date(9999, 12, 31),), ("llm",)), Paper("p", "P", "", (AUG,), ("llm",))]
    site = assemble_site(papers, TOPICS)
    assert [(year, len(rows)) for year, rows in site.calendar()] == [(9999, 2), (2025, 1)]
    last_week = Period.of("week", dt.date(9999, 12, 31))  # its Sunday would be in year 10000
    assert last_week.end == dt.date.max and site.period_papers(last_week)[0][0].slug == "T"
    assert [page.path for page in pages.period_pages(site, SiteConfig())][-2:] == [
        "months/2025-08/index.html", "months/9999-12/index.html"]


def test_months_without_papers_up_to_a_december_show_under_the_year_after_not_a_heading_of_their_own():
    papers = [Paper("new", "N", "", (dt.date(2025, 1, 2),), ("llm",)), Paper("old", "O", "", (dt.date(2021, 3, 3),), ("llm",))]
    calendar = assemble_site(papers, TOPICS).calendar()
    assert [(year, [row.is_gap for row in rows]) for year, rows in calendar] == [(2025, [False, True]), (2021, [False])]


def test_urls_and_output_files():
    assert paper_url("sparse-routing") == "/papers/s/sparse-routing/"
    assert topic_url("llm") == "/topics/llm/" and topic_url("llm", 3) == "/topics/llm/page/3/"
    assert topic_url("llm", 1) == "/topics/llm/page/1/"  # archive page 1, the oldest papers
    assert day_url(AUG) == "/dates/2025-08-01/"
    assert output_path("/") == "index.html" and output_path("/feed.xml") == "feed.xml"
    assert output_path("/papers/s/sparse-routing/") == "papers/s/sparse-routing/index.html"


def test_topic_pages_show_the_newest_first_and_count_archive_pages_from_the_oldest():
    site = assemble_site([paper(f"p{day}", (day,)) for day in range(1, 8)], TOPICS)
    topic_pages = pages.topic_pages(TOPICS[0], site, SiteConfig(topic_page_size=2))
    assert [page.path for page in topic_pages] == [
        "topics/llm/index.html", "topics/llm/page/1/index.html", "topics/llm/page/2/index.html"]
    assert [[p.slug for p in page.context["papers"]] for page in topic_pages] == [
        ["p7", "p6", "p5"], ["p2", "p1"], ["p4", "p3"]]
    assert topic_pages[0].context["paper_count"] == 7 and "paper_count" not in topic_pages[1].context
    assert [(page.context["newer"], page.context["older"]) for page in topic_pages] == [(None, 2), (2, None), (0, 1)]


def test_a_topic_pages_day_headings_lead_to_the_page_of_a_long_day_that_lists_its_first_paper():
    """Days of two papers a page: the 1st has five (the topic's only one last, on page 3), the 3rd
    three (the topic's third, page 2), the 5th three (the topic's first: page 1, no entry); the 2nd
    and 4th fit on one page and need no entry."""
    others = [paper(f"{letter}{day}", (day,), topics=("vision",), title=f"{letter}{day}")
              for day, letters in ((1, "DEFG"), (3, "AB"), (5, "BC")) for letter in letters]
    ours = [paper("h1", (1,), title="H1"), paper("c3", (3,), title="C3"), paper("a5", (5,), title="A5"),
            paper("p2", (2,)), paper("p4", (4,))]
    site = assemble_site(others + ours, TOPICS)
    front, = pages.topic_pages(TOPICS[0], site, SiteConfig(day_page_size=2))
    assert [p.slug for p in front.context["papers"]] == ["a5", "p4", "c3", "p2", "h1"]
    assert front.context["day_pages"] == {AUG.replace(day=3): 2, AUG.replace(day=1): 3}
    assert pages.topic_pages(TOPICS[0], site, SiteConfig(day_page_size=5))[0].context["day_pages"] == {}


def test_a_new_paper_changes_the_front_page_and_leaves_the_archive_pages_alone():
    def contexts(count: int) -> dict:
        site = assemble_site([paper(f"p{day:02}", (day,)) for day in range(1, count + 1)], TOPICS)
        return {page.path: page.context for page in pages.topic_pages(TOPICS[0], site, SiteConfig(topic_page_size=2))}

    def changed(before: dict, after: dict) -> list[str]:
        return [path for path in after if before.get(path) != after[path]]

    twenty, twenty_one, twenty_two = contexts(20), contexts(21), contexts(22)
    assert len(twenty) == 10 and changed(twenty, twenty_one) == ["topics/llm/index.html"]
    # One more fills a page: it is added, and the pages whose window reaches the newest move too.
    assert changed(twenty_one, twenty_two) == ["topics/llm/index.html"] + [
        f"topics/llm/page/{number}/index.html" for number in range(6, 11)]


def test_paper_context_drops_links_that_are_not_web_links():
    links = (Link("javascript:alert(1)", "code"), Link("https://github.com/a/b", "code"),
             Link("data:text/html,x", "demo"), Link("http://example.org/d", "dataset"))
    page = pages.paper_page(paper("p", (1,), links=links), assemble_site([paper("p", (1,))], TOPICS), SiteConfig().day_page_size)
    assert page.template_variables()["link_groups"] == (("code", ("https://github.com/a/b",)), ("dataset", ("http://example.org/d",)))


def test_arxiv_link_uses_the_id_or_searches_the_title():
    assert pages.arxiv_url(paper("p", (1,), arxiv_id="2508.01234")) == "https://arxiv.org/abs/2508.01234"
    searched = pages.arxiv_url(paper("p", (1,), title="A & B: C?"))
    assert searched == "https://arxiv.org/search/?query=A+%26+B%3A+C%3F&searchtype=title"


def test_bibtex_entry_is_balanced_and_names_the_eprint():
    entry = pages.bibtex(paper("p", (1,), title="Odd {brace", arxiv_id="2508.01234", authors=("A B", "C D")))
    assert entry.startswith("@misc{p,\n") and entry.endswith("\n}")
    assert "title = {{Odd \\textbraceleft{}brace}}" in entry and "author = {A B and C D}" in entry
    assert pages.braces_balance(entry)  # as BibTeX counts them: an escaped brace is one too
    assert "eprint = {2508.01234}" in entry


@pytest.mark.parametrize(("title", "written"), [
    ("AI for Auto-Research: Roadmap & User Guide", "Roadmap \\& User Guide"),
    ("Serving Over 90% of Global Speakers", "Over 90\\% of Global"),
    ("Issue #12 and pass_at_k", "Issue \\#12 and pass\\_at\\_k"),
    ("Serving LLaMA-70B on $60 GPUs", "on \\$60 GPUs"),  # a dollar, not a formula
    ("A Simple $L_2$ Norm & More", "A Simple $L_2$ Norm \\& More"),  # the formula keeps its TeX
    ("LLM$\\times$MapReduce", "{LLM$\\times$MapReduce}"),  # a command in a formula, as written
    ("\\textsc{AIEV-Instruct}: 54.6\\% on O(n^2)", "{\\textsc{AIEV-Instruct}: 54.6\\% on O(n\\textasciicircum{}2)}"),
    ("A {Closing} brace}", "{A \\textbraceleft{}Closing\\textbraceright{} brace\\textbraceright{}}"),
    ("Ends in a backslash \\", "backslash \\textbackslash{}}"),
])
def test_bibtex_title_reads_in_latex_as_on_the_page(title, written):
    """LaTeX reads & % # _ $ as commands: a title's own ones stopped the citing document's build.
    Its own TeX stays TeX (a doubled backslash is a line break in LaTeX), and the entry balances."""
    entry = pages.bibtex(paper("p", (1,), title=title, authors=("Ana & Bo Lab",)))
    assert written in entry and "author = {Ana \\& Bo Lab}" in entry
    assert pages.braces_balance(entry) and "\\\\" not in entry


def test_home_shows_the_latest_day_and_recent_days():
    site = assemble_site([paper("a", (1,)), paper("b", (2,)), paper("c", (3,))], TOPICS)
    context = pages.home_page(site, SiteConfig(home_days=2)).context
    assert context["latest_day"] == AUG.replace(day=3)
    assert [p.slug for p in context["latest_papers"]] == ["c"]
    assert [day for day, _ in context["recent_days"]] == [AUG.replace(day=3), AUG.replace(day=2)]


def test_contexts_are_equal_when_inputs_are_so_pages_can_be_skipped():
    papers = [paper("a", (1,)), paper("b", (2,), topics=("vision",))]
    first, second = (pages.all_pages(assemble_site(list(papers), TOPICS), SiteConfig()) for _ in range(2))
    assert [p.context for p in first] == [p.context for p in second]
    edited = [papers[0], paper("b", (2,), topics=("vision",), title="Changed")]
    third = {p.path: p.context for p in pages.all_pages(assemble_site(edited, TOPICS), SiteConfig())}
    changed = sorted(p.path for p in first if third[p.path] != p.context)
    assert "papers/a/a/index.html" not in changed and "topics/llm/index.html" not in changed
    assert {"papers/b/b/index.html", "topics/vision/index.html", "index.html", "feed.xml"} <= set(changed)


def test_papers_json_is_sorted_and_stable():
    site = assemble_site([paper("b", (1,)), paper("a", (2,))], TOPICS)
    text = b"".join(pages.papers_json(pages.papers_json_pages(site)[0].context)).decode("utf-8")
    assert text.index('"slug":"a"') < text.index('"slug":"b"')
    assert text == b"".join(pages.papers_json(pages.papers_json_pages(site)[0].context)).decode("utf-8")


def test_a_full_build_writes_papers_json_without_ever_holding_it_whole(tmp_path):
    abstract = "An abstract of a thousand characters, with an emoji \U0001f680. " * 16
    site = assemble_site([replace(paper(f"p{number}", (1,)), body=abstract) for number in range(2000)], TOPICS)
    staged = StagedSite(tmp_path / "site")
    tracemalloc.start()
    try:
        with pages.rendering_each_page_once():
            write_pages(None, pages.papers_json_pages(site), staged)  # type: ignore[arg-type]  # no template
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    written = staged.folder / "papers.json"
    assert written.stat().st_size > 2_000_000 and peak < written.stat().st_size / 4
    assert [record["slug"] for record in json.loads(written.read_bytes())["papers"]][:3] == ["p0", "p1", "p10"]


@pytest.mark.parametrize("max_changes", [1000, 3])  # 3: patched sites also make their own dict again
def test_a_patched_site_is_the_site_assembled_from_its_papers(monkeypatch, max_changes):
    # The dev server patches the last site with each edit instead of assembling 80,000 papers again.
    monkeypatch.setattr(PapersBySlug, "MAX_CHANGES", max_changes)
    rng = random.Random(7)
    titles = ["Alpha", "beta", "Gamma", "alpha", "Delta"]

    def random_paper(slug: str) -> Paper:
        days = tuple(sorted(rng.sample(range(1, 29), rng.randint(1, 2))))  # some days come and go
        ranks = tuple((AUG.replace(day=day), rng.randint(1, 3)) for day in days if rng.random() < 0.5)
        topics = tuple(rng.sample(["llm", "vision", "other"], rng.randint(1, 2)))
        return paper(slug, days, topics=topics, title=rng.choice(titles), ranks=ranks)

    papers = {f"p{number}": random_paper(f"p{number}") for number in range(30)}
    site = assemble_site(list(papers.values()), TOPICS)
    site.topic_year_counts("llm")  # remembered, and must not outlive an edit of the topic
    site.paper_by_slug()  # made once, then patched
    for _ in range(60):
        removed = [papers.pop(slug) for slug in rng.sample(sorted(papers), rng.randint(0, 2))]
        added = [random_paper(paper.slug if rng.random() < 0.7 else f"n{rng.random()}") for paper in removed]
        added += [random_paper(f"m{rng.random()}") for _ in range(rng.randint(0, 1))]
        papers.update((paper.slug, paper) for paper in added)
        site = patch_site(site, removed, added)
        assert site == assemble_site(list(papers.values()), TOPICS)
        assert site.paper_by_slug() == papers
        assert all(site.paper_by_slug().get(paper.slug) is None for paper in removed if paper.slug not in papers)
        assert [site.topic_year_counts(topic.slug) for topic in TOPICS] == [
            assemble_site(list(papers.values()), TOPICS).topic_year_counts(topic.slug) for topic in TOPICS]


def test_a_weeks_top_papers_put_the_most_upvoted_first_then_each_days_first_papers():
    """Monday August 4 to Sunday August 10, 2025. Without upvotes, every day's first paper comes
    before any day's second (the newer day first), as on Hugging Face's weekly list the day's
    ranking stands for its votes."""
    papers = [paper("mon-1", (4,), ranks=((AUG.replace(day=4), 1),)),
              paper("mon-2", (4,), ranks=((AUG.replace(day=4), 2),)),
              paper("sun-1", (10,), ranks=((AUG.replace(day=10), 1),)),
              paper("sun-2", (10,), ranks=((AUG.replace(day=10), 2),), upvotes=3),
              paper("twice", (5, 9), ranks=((AUG.replace(day=5), 3), (AUG.replace(day=9), 1)), upvotes=40),
              paper("next-week", (11,), upvotes=500)]
    site = assemble_site(papers, TOPICS)
    week = Period.of("week", AUG.replace(day=7))
    assert (week.start, week.end, week.url) == (AUG.replace(day=4), AUG.replace(day=10), "/weeks/2025-W32/")
    top = site.period_papers(week)
    assert [(p.slug, day.day) for p, day in top] == [("twice", 5), ("sun-2", 10), ("sun-1", 10), ("mon-1", 4), ("mon-2", 4)]
    assert [period.start.day for period in site.periods("week")] == [4, 11]
    assert site.periods("month") == (Period("month", AUG),) and Period("month", AUG).end == AUG.replace(day=31)


def test_week_and_month_addresses_follow_iso_weeks_across_the_new_year():
    assert week_url(dt.date(2024, 12, 30)) == week_url(dt.date(2025, 1, 5)) == "/weeks/2025-W01/"
    assert week_url(dt.date(2024, 12, 29)) == "/weeks/2024-W52/"
    assert Period.of("week", dt.date(2024, 12, 31)).iso == "2025-W01" and Period.of("month", dt.date(1, 1, 15)).iso == "0001-01"
    assert month_url(dt.date(2024, 12, 31)) == "/months/2024-12/" and month_url(dt.date(1, 1, 15)) == "/months/0001-01/"


def test_a_months_page_lists_its_top_papers_with_their_days_and_counts_every_paper():
    papers = [paper(f"p{day}", (day,), upvotes=day) for day in range(1, 32)] + [paper("july", (1,), upvotes=1)]
    papers[-1] = replace(papers[-1], featured=(dt.date(2025, 7, 31),))
    site = assemble_site(papers, TOPICS)
    found = {page.path: page for page in pages.period_pages(site, SiteConfig(top_papers=5))}
    august = found["months/2025-08/index.html"].context
    assert [p.slug for p in august["papers"]] == ["p31", "p30", "p29", "p28", "p27"]
    assert august["paper_days"] == tuple(AUG.replace(day=day) for day in (31, 30, 29, 28, 27))
    assert august["paper_count"] == 31 and len(august["day_counts"]) == 31
    assert august["earlier"] == Period("month", dt.date(2025, 7, 1)) and august["later"] is None
    assert "weeks/2025-W31/index.html" in found  # July 28 to August 3: both months' papers
    assert [p.slug for p in found["weeks/2025-W31/index.html"].context["papers"]] == ["p3", "p2", "p1", "july"]


def test_home_names_the_latest_weeks_top_papers():
    """The week of the latest day (Monday August 4 to Sunday August 10), not the latest day alone."""
    papers = [paper(f"p{day}", (day,), upvotes=day * 10) for day in (1, 4, 5, 6, 7, 8, 9)] + [paper("plain", (9,))]
    site = assemble_site(papers, TOPICS)
    context = pages.home_page(site, SiteConfig()).context
    assert [p.slug for p in context["week_top"]] == ["p9", "p8", "p7", "p6", "p5"]  # p1: the week before
    assert pages.home_page(assemble_site([], TOPICS), SiteConfig()).context["week_top"] == ()
