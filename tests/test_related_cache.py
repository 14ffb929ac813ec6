"""The term-count cache file and the kept last computation: never a different answer from a cold run."""
import dataclasses
import datetime as dt
import json
import random

import pytest

from generator.build import related
from generator.build.related import related_papers
from generator.content.schema import Paper

DAY = dt.date(2025, 8, 18)
TOPICS = {"splat": "gaussian splatting scenes rendering", "moe": "mixture experts routing tokens",
          "speech": "speech recognition streaming latency", "robot": "robot grasping manipulation policy"}


def paper(slug: str, title: str, body: str) -> Paper:
    return Paper(title=title, slug=slug, body=body, featured=(DAY,), topics=("other",))


PAPERS = [paper(f"{topic}-{number}", f"{words.split()[number % 4]} study {number}",
                f"We study {words} with variant {number} and {words.split()[(number + 1) % 4]}.")
          for topic, words in TOPICS.items() for number in range(8)]


def cold(papers: list[Paper]) -> dict[str, tuple[str, ...]]:
    """As a new process with no cache file."""
    related._last = None
    related._WORD_TERMS.clear()
    return related_papers(papers)


@pytest.fixture(autouse=True)
def fresh():
    related._last = None
    yield
    related._last = None


def test_a_warm_cache_gives_the_same_related_papers_as_a_cold_run(tmp_path):
    cache = tmp_path / "related.bin"
    expected = cold(PAPERS)
    related._last = None
    assert related_papers(PAPERS, cache_file=cache) == expected
    assert cache.exists()
    related._last = None
    related._WORD_TERMS.clear()
    assert related_papers(PAPERS, cache_file=cache) == expected


def test_a_changed_abstract_is_tokenized_again(tmp_path):
    cache = tmp_path / "related.bin"
    related_papers(PAPERS, cache_file=cache)
    edited = [dataclasses.replace(PAPERS[0], body="Mixture of experts routing tokens to experts."), *PAPERS[1:]]
    expected = cold(edited)
    assert expected["splat-0"][0].startswith("moe")
    related._last = None
    assert related_papers(edited, cache_file=cache) == expected


def test_a_corrupt_cache_is_ignored_and_rewritten(tmp_path):
    cache = tmp_path / "related.bin"
    cache.write_text('{"version": "x", "terms": [', encoding="utf-8")
    assert related_papers(PAPERS, cache_file=cache) == cold(PAPERS)
    assert related._read_cache(cache)  # rewritten, readable


def _damaged(data: bytes, section: str) -> bytes:
    """The cache file with the first number of one section replaced by 2**31 - 1."""
    header_end = data.index(b"\n", len(related.MAGIC)) + 1
    header = json.loads(data[len(related.MAGIC):header_end])
    stops = header_end + header["papers"] * related.KEY_BYTES
    at = {"stops": stops, "terms": stops + 4 * header["papers"]}[section]
    return data[:at] + (2**31 - 1).to_bytes(4, "little") + data[at + 4:]


@pytest.mark.parametrize("damage", [
    lambda data: data[:-4],  # cut short
    lambda data: _damaged(data, "stops"),  # a paper's terms ending past the last
    lambda data: _damaged(data, "terms"),  # a term number past the terms
])
def test_a_damaged_cache_is_not_used_and_the_answer_is_a_cold_runs(tmp_path, damage):
    cache = tmp_path / "related.bin"
    related_papers(PAPERS, cache_file=cache)
    cache.write_bytes(damage(cache.read_bytes()))
    assert related._read_cache(cache) == {}
    expected = cold(PAPERS)
    related._last = None
    related._WORD_TERMS.clear()
    assert related_papers(PAPERS, cache_file=cache) == expected
    assert len(related._read_cache(cache)) == len(PAPERS)  # written again whole


def test_the_cache_file_earlier_versions_wrote_is_removed(tmp_path):
    retired = tmp_path / "related.json"
    retired.write_text('{"version": "x", "terms": []}', encoding="utf-8")
    related_papers(PAPERS, cache_file=tmp_path / "related.bin")
    assert not retired.exists() and (tmp_path / "related.bin").exists()


def test_a_cache_of_another_tokenizer_is_not_used(tmp_path, monkeypatch):
    cache = tmp_path / "related.bin"
    related_papers(PAPERS, cache_file=cache)
    monkeypatch.setattr(related, "_tokenizer_version", lambda: "another tokenizer")
    assert related._read_cache(cache) == {}


@pytest.mark.parametrize("edit", [
    lambda p: dataclasses.replace(p, body=p.body + " Streaming speech latency."),  # shared words: frequencies move
    lambda p: dataclasses.replace(p, title="Quokka " + p.title),  # a word no other paper has
    lambda p: dataclasses.replace(p, body="Robot grasping."),  # words lost
])
def test_an_edit_after_a_computation_gives_what_a_cold_run_gives(edit):
    related_papers(PAPERS)
    edited = [*PAPERS[:3], edit(PAPERS[3]), *PAPERS[4:]]
    updated = related_papers(edited)
    assert updated == cold(edited)
    assert related_papers(PAPERS) == cold(PAPERS)  # and back


def test_an_edit_the_caller_describes_gives_what_a_cold_run_gives():
    # The dev server names the edited papers, so the others are not compared.
    for edit in (lambda p: dataclasses.replace(p, body="Robot grasping manipulation."),  # lists change
                 lambda p: dataclasses.replace(p, title=p.title.upper())):  # the same words: lists still show it
        related._last = None
        before = related_papers(PAPERS)
        changed = edit(PAPERS[3])
        edited = [*PAPERS[:3], changed, *PAPERS[4:]]
        after = related_papers(edited, edit=(PAPERS, {changed.slug: changed}))
        # The pages to render again: lists that changed, or that show the edited paper.
        assert related.affected_by(before, {changed.slug}) == {
            slug for slug, others in after.items() if before.get(slug) != others or changed.slug in others}
        assert after == cold(edited)


def test_an_edit_described_against_papers_the_last_call_did_not_see_is_not_trusted():
    # Two projects in one process: the last computation is another's, so everything is compared.
    related_papers(PAPERS)
    other = [dataclasses.replace(p, body=p.body + " Speech.") for p in PAPERS]
    related_papers(other)
    changed = dataclasses.replace(PAPERS[3], title="Quokka")
    edited = [*PAPERS[:3], changed, *PAPERS[4:]]
    assert related_papers(edited, edit=(PAPERS, {changed.slug: changed})) == cold(edited)


def made_up_papers(count: int) -> list[Paper]:
    """Papers of random words from 500, each word in about 7% of them: rare enough to count,
    common enough (past 1,000 papers) to fill its index list, so an edit meets full lists."""
    rng = random.Random(7)
    words = [f"w{number}" for number in range(500)]
    return [paper(f"p{number:04}", " ".join(rng.choices(words, k=6)), " ".join(rng.choices(words, k=30)) + ".")
            for number in range(count)]


def test_successive_title_edits_sharing_a_new_word_give_what_a_cold_run_gives():
    # The preview's benchmark edit: "Edited N " before a title. The new word "edited" is shared by
    # every edited paper, so its weight moves and with it every edited paper's other weights.
    papers = made_up_papers(1100)
    before = related_papers(papers)
    updates = []
    for number in range(1, 7):
        row = number * 131
        changed = dataclasses.replace(papers[row], title=f"Edited {number} {papers[row].title}")
        edited = [*papers[:row], changed, *papers[row + 1:]]
        after = related_papers(edited, edit=(papers, {changed.slug: changed}))
        assert related.affected_by(before, {changed.slug}) == {
            slug for slug, others in after.items() if before[slug] != others or changed.slug in others}
        updates.append((edited, after))
        papers, before = edited, after
    for edited, after in updates:  # each update built on the last: compared once they are all made
        assert after == cold(edited)


def test_papers_weighed_in_blocks_get_the_lists_weighing_all_at_once_gives(monkeypatch):
    """At 80,000 papers the weights are worked out a block of rows at a time (memory); the
    blocks must give every list exactly as one pass does."""
    papers = made_up_papers(1100)
    monkeypatch.setattr(related, "ROWS_PER_QUERY_BLOCK", 10**9)
    whole = cold(papers)
    monkeypatch.setattr(related, "ROWS_PER_QUERY_BLOCK", 97)  # blocks that end mid-way through the papers
    blocked = cold(papers)
    assert blocked == whole and any(blocked.values())
