"""Related papers: most similar first, deterministic, never the paper itself, cheap to recompute."""
import dataclasses
import datetime as dt

from generator.build import related
from generator.build.pages import paper_page
from generator.build.related import related_papers, term_counts
from generator.build.site import assemble_site
from generator.config import SiteConfig
from generator.content.schema import Paper
from generator.content.taxonomy import Topic

DAY = dt.date(2025, 8, 18)


def paper(slug: str, title: str, body: str) -> Paper:
    return Paper(title=title, slug=slug, body=body, featured=(DAY,), topics=("other",))


PAPERS = [
    paper("splat-a", "Gaussian splatting for dynamic scenes", "We reconstruct dynamic scenes with gaussian splatting."),
    paper("splat-b", "Faster gaussian splatting", "Gaussian splatting renders scenes in real time; we make splatting faster."),
    paper("splat-c", "Splatting avatars", "Animatable avatars from gaussian splatting and monocular video."),
    paper("moe-a", "Routing in mixture of experts", "Expert routing decides which experts process each token."),
    paper("moe-b", "Sparse experts at scale", "Mixture of experts with thousands of experts and balanced routing."),
    paper("speech-a", "Streaming speech recognition", "A streaming recognizer for speech with low latency transcripts."),
]


def test_the_most_similar_papers_come_first_and_never_the_paper_itself():
    result = related_papers(PAPERS)
    assert set(result) == {p.slug for p in PAPERS}
    assert result["splat-a"][:2] in (("splat-b", "splat-c"), ("splat-c", "splat-b"))
    assert result["moe-a"][0] == "moe-b"
    assert all(slug not in others for slug, others in result.items())


def test_papers_sharing_no_word_are_not_related():
    assert "speech-a" not in related_papers(PAPERS)["moe-a"]
    assert related_papers(PAPERS)["speech-a"] == ()


def test_at_most_count_papers():
    assert all(len(others) <= 2 for others in related_papers(PAPERS, count=2).values())


def test_order_of_input_does_not_matter():
    assert related_papers(PAPERS) == related_papers(list(reversed(PAPERS)))


def test_equal_scores_go_to_the_smaller_slug():
    twins = [paper(slug, "Mixture of experts routing", "Expert routing.") for slug in ("z-twin", "b-twin", "m-twin")]
    query = paper("a-query", "Mixture of experts routing", "Expert routing.")
    result = related_papers([*twins, query, paper("other", "Speech", "Speech recognition for speech.")])
    assert result["a-query"] == ("b-twin", "m-twin", "z-twin")


def test_one_paper_or_none():
    assert related_papers([]) == {}
    assert related_papers(PAPERS[:1]) == {"splat-a": ()}


def test_common_words_alone_make_no_relation():
    """"model" is in every paper: it tells nothing apart, so it links nothing."""
    papers = [paper(f"p{number}", f"Model {word}", f"A model of {word}.")
              for number, word in enumerate(["cats", "dogs", "rivers", "stars"])]
    assert all(others == () for others in related_papers(papers).values())


def test_an_edit_outside_title_and_abstract_reuses_the_result():
    first = related_papers(PAPERS)
    moved = [dataclasses.replace(PAPERS[0], topics=("3d-vision",)), *PAPERS[1:]]
    assert related_papers(moved) is first  # the memo: nothing recomputed


def test_an_edited_abstract_changes_the_result_as_a_full_computation_would():
    edited = [dataclasses.replace(PAPERS[5], body="Mixture of experts routing for speech."), *PAPERS[:5]]
    related._last = None
    assert related_papers(edited)["speech-a"][:2] in (("moe-a", "moe-b"), ("moe-b", "moe-a"))


def test_markdown_escapes_do_not_make_words():
    numbers, _ = term_counts("A \\*starred\\* title", "Loss \\$L\\_2\\$ and x\\_i.")
    terms = [related._TERMS[number] for number in numbers]
    assert "starred" in terms and "loss" in terms
    assert not any("\\" in term or "_" in term for term in terms)


def test_the_paper_page_lists_related_papers_as_papers():
    topics = [Topic("other", "Other", "")]
    site = assemble_site(PAPERS, topics)
    page = paper_page(PAPERS[3], site, SiteConfig().day_page_size)
    assert page.context["related"][0] is PAPERS[4]
    assert all(isinstance(other, Paper) for other in page.context["related"])


def test_words_no_other_paper_has_do_not_crowd_out_shared_ones():
    rare = " ".join(f"zq{chr(97 + i)}{chr(97 + j)}" for i in range(5) for j in range(6))  # 30 words in no other paper
    crowded = paper("crowded", "Splatting notes", f"{rare} gaussian splatting.")
    result = related_papers([crowded, *PAPERS])
    assert result["crowded"] and set(result["crowded"][:3]) == {"splat-a", "splat-b", "splat-c"}
