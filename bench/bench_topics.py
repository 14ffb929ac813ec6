"""How well the taxonomy rules agree with a careful reader, and how many papers they leave unplaced.

    python bench/bench_topics.py                      # content/topics.yaml
    python bench/bench_topics.py --taxonomy OTHER.yaml
    python bench/bench_topics.py --misses tune        # also list the papers the rules get wrong

The labels are tests/fixtures/topics_eval.jsonl: 200 papers drawn with a fixed seed
from the daily-papers corpus, each read and given the topics a careful reader would
choose, best first. They are split once, by position, into a half the rules may be
tuned against ("tune") and a half only measured ("held-out"). Abstracts come from
the corpus in ../shared/corpus/.

- first-topic precision: the rules' first topic is one of the reader's topics;
  "strict": it is the reader's first topic;
- recall: the share of the reader's topics that the rules gave (up to three);
- fallback: the share of corpus papers the rules leave in the fallback topic.
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import ROOT
from generator.content.taxonomy import TopicMatcher, fallback_slug, load_taxonomy

LABELS = ROOT / "tests" / "fixtures" / "topics_eval.jsonl"
CORPORA = ROOT.parent / "shared" / "corpus"


def read_corpus(name: str) -> dict[str, dict]:
    with gzip.open(CORPORA / name, "rt", encoding="utf-8") as stream:
        return {row["arxiv_id"]: row for row in map(json.loads, stream)}


def read_labels() -> list[dict]:
    with LABELS.open(encoding="utf-8") as stream:
        return [json.loads(line) for line in stream]


def scores(matcher: TopicMatcher, labels: list[dict], corpus: dict[str, dict]) -> dict[str, float]:
    first = strict = found = wanted = 0
    for label in labels:
        chosen = matcher.assign(label["title"], corpus[label["arxiv_id"]]["abstract"])
        first += chosen[0] in label["topics"]
        strict += chosen[0] == label["topics"][0]
        found += len(set(chosen) & set(label["topics"]))
        wanted += len(label["topics"])
    return {"first": first / len(labels), "strict": strict / len(labels), "recall": found / wanted}


def fallback_share(matcher: TopicMatcher, corpus: dict[str, dict]) -> float:
    placed = [matcher.assign(row["title"], row["abstract"]) for row in corpus.values()]
    return sum(topics == (matcher.fallback,) for topics in placed) / len(placed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--taxonomy", type=Path, default=ROOT / "content" / "topics.yaml")
    parser.add_argument("--misses", choices=("tune", "held-out"), help="list the papers of that half the rules get wrong")
    parser.add_argument("--big", action="store_true", help="also the fallback share of the 80k corpus")
    args = parser.parse_args()
    topics, errors = load_taxonomy(args.taxonomy)
    if errors:
        raise SystemExit("\n".join(map(str, errors)))
    matcher = TopicMatcher(topics, fallback_slug(topics))
    corpus = read_corpus("hf-daily-papers.jsonl.gz")
    labels = read_labels()
    print(f"{'half':10} {'papers':>6} {'first-topic precision':>22} {'strict':>7} {'recall':>7}")
    for half in ("tune", "held-out"):
        chosen = [label for label in labels if label["split"] == half]
        result = scores(matcher, chosen, corpus)
        print(f"{half:10} {len(chosen):>6} {result['first']:>22.1%} {result['strict']:>7.1%} {result['recall']:>7.1%}")
    print(f"fallback: {fallback_share(matcher, corpus):.1%} of {len(corpus):,} daily papers")
    if args.big:
        print(f"fallback: {fallback_share(matcher, read_corpus('papers-80k.jsonl.gz')):.1%} of the 80k corpus")
    for label in labels:
        if label["split"] == args.misses:
            row = corpus[label["arxiv_id"]]
            assigned = matcher.assign(row["title"], row["abstract"])
            if assigned[0] not in label["topics"]:
                print(f"  {assigned} vs {label['topics']}: {label['title']}")


if __name__ == "__main__":
    main()
