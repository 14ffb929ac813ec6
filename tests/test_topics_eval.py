"""The topic rules against a reader's labels, and the curator's report of their weak calls."""
import datetime as dt
import gzip
import json
from pathlib import Path

import pytest

from generator import workers
from generator.content import topic_report as topic_report_module
from generator.content.schema import Paper
from generator.content.taxonomy import Topic, TopicMatcher, fallback_slug, load_taxonomy
from generator.content.topic_report import format_report, topic_report

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "tests" / "fixtures" / "topics_eval.jsonl"
CORPUS = ROOT.parent / "shared" / "corpus" / "hf-daily-papers.jsonl.gz"


def read_labels() -> list[dict]:
    with LABELS.open(encoding="utf-8") as stream:
        return [json.loads(line) for line in stream]


def real_matcher() -> TopicMatcher:
    topics, errors = load_taxonomy(ROOT / "content" / "topics.yaml")
    assert errors == []
    return TopicMatcher(topics, fallback_slug(topics))


def test_the_labels_are_200_papers_split_in_halves_with_known_topics():
    labels = read_labels()
    known = {topic.slug for topic in load_taxonomy(ROOT / "content" / "topics.yaml")[0]}
    assert len(labels) == 200 and len({label["arxiv_id"] for label in labels}) == 200
    assert sum(label["split"] == "held-out" for label in labels) == 100
    assert all(label["topics"] and set(label["topics"]) <= known for label in labels)


@pytest.mark.skipif(not CORPUS.exists(), reason="the corpus lives in ../shared/corpus/")
def test_the_rules_agree_with_the_reader_on_the_held_out_half():
    with gzip.open(CORPUS, "rt", encoding="utf-8") as stream:
        abstracts = {row["arxiv_id"]: row["abstract"] for row in map(json.loads, stream)}
    matcher = real_matcher()
    held_out = [label for label in read_labels() if label["split"] == "held-out"]
    agreed = sum(matcher.assign(label["title"], abstracts[label["arxiv_id"]])[0] in label["topics"]
                 for label in held_out)
    assert agreed / len(held_out) >= 0.85


@pytest.mark.skipif(not CORPUS.exists(), reason="the corpus lives in ../shared/corpus/")
def test_at_most_3_percent_of_the_corpus_is_left_in_the_fallback():
    matcher = real_matcher()
    with gzip.open(CORPUS, "rt", encoding="utf-8") as stream:
        placed = [matcher.assign(row["title"], row["abstract"]) for row in map(json.loads, stream)]
    assert sum(topics == (matcher.fallback,) for topics in placed) / len(placed) <= 0.03


def test_an_audio_diffusion_model_is_not_image_generation():
    topics = real_matcher().assign("Fast Text-to-Audio Diffusion",
                                   "We train a diffusion model that turns text into speech and sound effects.")
    assert topics[0] == "speech-audio" and "image-generation" not in topics


def test_a_2d_autoencoder_reconstruction_is_not_3d_vision():
    topics = real_matcher().assign("A Better Image Autoencoder",
                                   "Our tokenizer improves reconstruction quality of images for image generation.")
    assert "3d-vision" not in topics


def test_a_strong_phrase_in_the_abstract_alone_places_the_paper():
    topics = real_matcher().assign("Fast Scenes in Real Time", "We accelerate gaussian splatting for large scenes.")
    assert topics[0] == "3d-vision"


SMALL = [Topic("moe", "MoE", "", keywords=("mixture of experts", "moe")),
         Topic("agents", "Agents", "", keywords=("agent", "tool use")),
         Topic("other", "Other", "")]


def paper(slug: str, title: str, body: str, topics: tuple[str, ...], by_rules: bool = True) -> Paper:
    return Paper(title=title, slug=slug, body=body, featured=(dt.date(2025, 8, 18),), topics=topics,
                 rule_topics=topics if by_rules else None, path=f"content/papers/{slug}.md")


def test_the_report_counts_topics_and_lists_fallback_and_unsure_papers_with_their_files():
    matcher = TopicMatcher(SMALL, "other")
    papers = [
        paper("sure", "MoE layers", "A mixture of experts.", ("moe",)),
        paper("close", "MoE agents", "An agent with tool use.", ("moe", "agents")),
        paper("weak", "Layers", "We study an agent.", ("agents",)),
        paper("lost", "Nothing", "Nothing here.", ("other",)),
        paper("hand", "MoE agents", "An agent with tool use.", ("agents",), by_rules=False),
    ]
    report = topic_report(papers, SMALL, matcher)
    assert [(topic.slug, count) for topic, count in report.counts] == [("moe", 2), ("agents", 3), ("other", 1)]
    assert [p.slug for p in report.fallback] == ["lost"]
    assert [(found.paper.slug, found.reason) for found in report.unsure] == [
        ("close", "the best two topics scored within 1"), ("weak", "placed by a single word")]
    lines = format_report(report)
    assert "  content/papers/lost.md: Nothing" in lines
    assert any(line.startswith("  content/papers/close.md: the best two") and "moe 3, agents 3" in line
               for line in lines)


def test_the_report_scores_the_text_the_rules_assign_topics_from():
    # A phrase cut by a paragraph break is not the phrase: ingest and `digest retopic` assign
    # "agents" from this body, so the report must show the score that choice rests on.
    matcher = TopicMatcher(SMALL, "other")
    body = "We study a mixture of\n\nexperts, and an \\*agent\\*."
    assert matcher.assign("Layers", paper("x", "Layers", body, ()).abstract) == ("agents",)
    report = topic_report([paper("split", "Layers", body, ("agents",))], SMALL, matcher)
    assert [(found.paper.slug, found.reason, found.ranked) for found in report.unsure] == [
        ("split", "placed by a single word", (("agents", 1),))]


def test_a_phrase_wrapped_over_two_lines_counts_and_one_over_a_blank_line_does_not():
    matcher = TopicMatcher(SMALL, "other")
    assert matcher.assign("Layers", "We route tokens with a mixture of\nexperts.") == ("moe",)
    assert matcher.assign("Layers", "We route tokens with a mixture of  \n   experts.") == ("moe",)
    assert matcher.assign("Layers", "We route tokens with a mixture of\n\nexperts.") == ("other",)


def test_the_report_is_the_same_when_forked_workers_score_the_papers(workers_on, monkeypatch):
    # `digest topics` scores every paper again: at 80,000 papers, on every core.
    matcher = TopicMatcher(SMALL, "other")
    examples = [("MoE layers", "A mixture of experts.", ("moe",)), ("MoE agents", "An agent with tool use.", ("moe", "agents")),
                ("Layers", "We study an agent.", ("agents",)), ("Nothing", "Nothing here.", ("other",))]
    papers = [paper(f"p{number:02}", *examples[number % len(examples)], by_rules=number % 5 != 0) for number in range(40)]
    with monkeypatch.context() as one_core:
        one_core.setattr(workers, "worker_count", lambda: 1)
        serial = topic_report(papers, SMALL, matcher)
    assert len(serial.unsure) > 10 and workers_on == []
    monkeypatch.setattr(topic_report_module, "VERDICT_CHUNK", 3)
    assert topic_report(papers, SMALL, matcher) == serial
    assert workers_on == [40]
