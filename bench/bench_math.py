"""TeX spans of the 80k corpus through latex2mathml: how many, how fast, how many fall back to text.

    python bench/bench_math.py            # every `$…$` span in titles and abstracts of papers-80k
    python bench/bench_math.py --show 20  # also print spans that fall back to text

Spans are found as the site finds them (generator/content/math.py, on the escaped
text); each distinct span is converted once, as the build's cache does.
"""
from __future__ import annotations

import argparse
import gzip
import html
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import ROOT
from generator.content.math import LOOKS_LIKE_MARKUP, SPAN, math_html, tex_to_mathml

CORPUS = ROOT.parent / "shared" / "corpus" / "papers-80k.jsonl.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--show", type=int, default=0)
    args = parser.parse_args()
    with gzip.open(CORPUS, "rt", encoding="utf-8") as stream:
        texts = [text for line in stream for text in (json.loads(line)["title"], json.loads(line)["abstract"])]
    spans = [html.unescape(span.group(1)) for text in texts if "$" in text
             for span in SPAN.finditer(html.escape(text, quote=False))]
    distinct = sorted(set(spans))
    started = time.perf_counter()
    failed = [tex for tex in distinct if LOOKS_LIKE_MARKUP.search(tex) or not tex_to_mathml(tex)]
    failed_set = set(failed)
    seconds = time.perf_counter() - started
    with_dollar = sum("$" in text for text in texts)
    started = time.perf_counter()
    for text in texts:
        math_html(text)
    whole = time.perf_counter() - started
    print(f"{len(texts):,} titles and abstracts, {with_dollar:,} with a '$'; {len(spans):,} spans, {len(distinct):,} distinct")
    print(f"latex2mathml + check: {seconds:.2f} s for the distinct spans ({seconds / len(distinct) * 1e3:.2f} ms each)")
    print(f"fall back to text: {len(failed):,} of {len(distinct):,} distinct spans ({len(failed) / len(distinct):.1%}), "
          f"{sum(tex in failed_set for tex in spans):,} of {len(spans):,} occurrences")
    print(f"math_html over every title and abstract (cached conversions): {whole:.2f} s")
    for tex in failed[:args.show]:
        print("   ", tex)


if __name__ == "__main__":
    main()
