"""Papers -> the search payload: a Lunr index prebuilt with lunr.py plus a small document store.

The browser runs lunr.js 2.3.9 on this index. lunr.js stems query words with its own Porter
stemmer, which differs from lunr.py's (lunr.py stems "survey" to "survei", lunr.js keeps
"survey"), and its tokenizer and trimmer split and trim on JavaScript's \\s and ASCII-only \\W.
So the terms are made here by a faithful port of lunr.js's text pipeline (tokenizer, trimmer,
stop word filter, stemmer), and lunr.py only assembles and scores the index. Then every word
a reader types is stemmed in the browser exactly as it was stemmed at build time.
"""
from __future__ import annotations

import collections
import functools
import json
import re

from lunr.builder import Builder
from lunr.idf import idf
from lunr.stemmer import (
    stemmer as lunr_stemmer_label,  # serialized as "stemmer": lunr.js uses its own
)
from lunr.stop_word_filter import WORDS as STOP_WORDS
from lunr.vector import Vector

from generator.content.markdown import plain_text
from generator.content.schema import Paper
from generator.content.taxonomy import Topic

INDEX_PATH = "search/index.json"
SNIPPET_CHARS = 140
# (field, boost), chosen by measurement on 9,877 papers: the title and the abstract's first
# ABSTRACT_WORDS words (which usually name the subject: "Mixture-of-Experts (MoE) models ...")
# keep the payload under 2 MB gzipped. Topic names (+160 KB) and authors (+1.6 MB) did not fit;
# each further abstract word costs about 35 KB gzipped.
INDEXED_FIELDS = (("title", 10), ("abstract", 1))
ABSTRACT_WORDS = 10

# JavaScript's \s (ECMAScript WhiteSpace + LineTerminator) and the hyphen: lunr.tokenizer.separator.
_JS_SEPARATOR = re.compile("[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\\-]+")
_JS_TRIM = re.compile(r"^\W+|\W+\Z", re.ASCII)  # JavaScript's \W is ASCII-only
_STOP_WORDS = frozenset(STOP_WORDS)


def build_search_files(papers: list[Paper], topics: list[Topic]) -> dict[str, bytes]:
    """Return {site-relative path: bytes} for the search payload; same input, same bytes."""
    topic_names = {topic.slug: topic.name for topic in topics}
    ordered = sorted(papers, key=lambda paper: (paper.first_featured, paper.slug))
    payload = {"docs": document_store(ordered, topic_names), "index": serialized_index(ordered)}
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return {INDEX_PATH: text.encode("utf-8")}


def document_store(papers: list[Paper], topic_names: dict[str, str]) -> dict[str, list]:
    """What a result shows, one column per item (columns compress better than rows): the
    paper with index ref "7" is at position 7 of every column. Plain text only: search.js
    puts it in the page with textContent."""
    return {
        "day": [paper.first_featured.isoformat() for paper in papers],
        "snippet": [snippet(plain_text(paper.body)) for paper in papers],
        "title": [paper.title for paper in papers],
        "topics": [[topic_names.get(slug, slug) for slug in paper.topics] for paper in papers],
        "url": [f"/papers/{paper.slug}/" for paper in papers],
    }


def serialized_index(papers: list[Paper]) -> dict:
    """lunr.py's serialized index, refs being positions in the doc store (short refs, small index)."""
    builder = PretokenizedBuilder()
    for name, boost in INDEXED_FIELDS:
        builder.field(name, boost=boost)
    builder.search_pipeline.add(lunr_stemmer_label)
    for position, paper in enumerate(papers):
        builder.add_terms(str(position), indexed_fields(paper))
    return builder.build().serialize()


class PretokenizedBuilder(Builder):
    """lunr.py's Builder fed with terms index_terms() already made: it skips lunr.py's tokenizer
    and pipeline (and their per-token copying) and builds what Builder.add would build."""

    def add_terms(self, doc_ref: str, terms_by_field: dict[str, list[str]]) -> None:
        self._documents[doc_ref] = {}
        self.document_count += 1
        for field_name in self._fields:
            terms = terms_by_field[field_name]
            field_ref = f"{field_name}/{doc_ref}"
            self.field_term_frequencies[field_ref] = collections.Counter(terms)
            self.field_lengths[field_ref] = len(terms)
            for term in terms:
                if term not in self.inverted_index:
                    self.inverted_index[term] = {name: {} for name in self._fields}
                    self.inverted_index[term]["_index"] = self.term_index
                    self.term_index += 1
                # No metadata per posting: search.js needs no positions (metadataWhitelist is empty).
                self.inverted_index[term][field_name].setdefault(doc_ref, {})

    def _create_token_set(self) -> None:
        """Skipped: the serialized index has no token set (lunr.js builds its own on load), and
        building it was a third of the index build time at 9,877 papers."""
        self.token_set = None

    def _create_field_vectors(self) -> None:
        """Builder._create_field_vectors' BM25 scores, without its one-by-one sorted inserts, and
        rounded to one decimal: scores only rank results, and short numbers save a tenth of the payload."""
        idf_by_term = {term: idf(posting, self.document_count) for term, posting in self.inverted_index.items()}
        k1, b = self._k1, self._b
        self.field_vectors = {}
        for field_ref, frequencies in self.field_term_frequencies.items():
            field_name = field_ref.split("/", 1)[0]
            boost = self._fields[field_name].boost
            average_length = self.average_field_length[field_name] or 1  # 0 when no paper has the field
            relative_length = self.field_lengths[field_ref] / average_length
            scores = {}
            for term, tf in frequencies.items():
                score = idf_by_term[term] * ((k1 + 1) * tf) / (k1 * (1 - b + b * relative_length) + tf)
                scores[self.inverted_index[term]["_index"]] = round(score * boost, 1)
            self.field_vectors[field_ref] = Vector([x for item in sorted(scores.items()) for x in item])


def indexed_fields(paper: Paper) -> dict[str, list[str]]:
    """The terms of every field in INDEXED_FIELDS, as lunr.js would index them."""
    return _field_terms(paper.title, paper.body)


@functools.lru_cache(maxsize=100_000)
def _field_terms(title: str, abstract: str) -> dict[str, list[str]]:
    # Memoized: the dev server rebuilds the index on every save, and all but one paper are unchanged.
    # Unescaping only the words kept: most of an abstract is not indexed.
    opening = plain_text(" ".join(abstract.split()[:ABSTRACT_WORDS]))
    return {"title": index_terms(title), "abstract": index_terms(opening)}


def index_terms(text: str) -> list[str]:
    """lunr.js's tokenizer, trimmer, stopWordFilter and stemmer, in that order."""
    terms = (js_term(token) for token in _JS_SEPARATOR.split(text.lower()) if token)
    # Tokens that trim to nothing ("(", "—") would be indexed as "" by lunr.js; no query finds them.
    return [term for term in terms if term]


@functools.lru_cache(maxsize=None)
def js_term(token: str) -> str:
    """One lowercased token as lunr.js indexes it ("" for a stop word). Memoized: words repeat."""
    trimmed = _JS_TRIM.sub("", token)
    if trimmed in _STOP_WORDS:
        return ""
    return js_stem(trimmed)


def snippet(text: str) -> str:
    """At most SNIPPET_CHARS characters, cut at a word boundary."""
    if len(text) <= SNIPPET_CHARS:
        return text
    cut = text[: SNIPPET_CHARS - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.") + "…"


# --- lunr.js 2.3.9's Porter stemmer (lunr.js lines 947-1155), transcribed rule for rule ---

_c, _v = "[^aeiou]", "[aeiouy]"
_C, _V = _c + "[^aeiouy]*", _v + "[aeiou]*"
_MGR0 = re.compile("^(" + _C + ")?" + _V + _C)
_MEQ1 = re.compile("^(" + _C + ")?" + _V + _C + "(" + _V + ")?\\Z")
_MGR1 = re.compile("^(" + _C + ")?" + _V + _C + _V + _C)
_S_V = re.compile("^(" + _C + ")?" + _v)
_RE_1A, _RE2_1A = re.compile(r"^(.+?)(ss|i)es\Z"), re.compile(r"^(.+?)([^s])s\Z")
_RE_1B, _RE2_1B = re.compile(r"^(.+?)eed\Z"), re.compile(r"^(.+?)(ed|ing)\Z")
_RE2_1B_2, _RE3_1B_2 = re.compile(r"(at|bl|iz)\Z"), re.compile(r"([^aeiouylsz])\1\Z")
_RE4_1B_2 = re.compile("^" + _C + _v + "[^aeiouwxy]\\Z")
_RE_1C = re.compile(r"^(.+?[^aeiou])y\Z")
_STEP2 = {
    "ational": "ate", "tional": "tion", "enci": "ence", "anci": "ance", "izer": "ize", "bli": "ble",
    "alli": "al", "entli": "ent", "eli": "e", "ousli": "ous", "ization": "ize", "ation": "ate",
    "ator": "ate", "alism": "al", "iveness": "ive", "fulness": "ful", "ousness": "ous",
    "aliti": "al", "iviti": "ive", "biliti": "ble", "logi": "log",
}
_STEP3 = {"icate": "ic", "ative": "", "alize": "al", "iciti": "ic", "ical": "ic", "ful": "", "ness": ""}
# JavaScript alternation takes the first alternative that matches, so the order is lunr.js's.
_RE_2 = re.compile("^(.+?)(" + "|".join(_STEP2) + ")\\Z")
_RE_3 = re.compile("^(.+?)(" + "|".join(_STEP3) + ")\\Z")
_RE_4 = re.compile(r"^(.+?)(al|ance|ence|er|ic|able|ible|ant|ement|ment|ent|ou|ism|ate|iti|ous|ive|ize)\Z")
_RE2_4 = re.compile(r"^(.+?)(s|t)(ion)\Z")
_RE_5, _RE_5_1 = re.compile(r"^(.+?)e\Z"), re.compile(r"ll\Z")
_RE3_5 = re.compile("^" + _C + _v + "[^aeiouwxy]\\Z")


def js_stem(word: str) -> str:
    """What lunr.stemmer returns for word. JavaScript strings are UTF-16, so a word with a
    character outside the BMP is stemmed as surrogate pairs, as lunr.js sees it."""
    if word.isascii() or max(word) <= "\uffff":
        return _porter(word)
    units = word.encode("utf-16-le", "surrogatepass")
    as_js = "".join(chr(int.from_bytes(units[i : i + 2], "little")) for i in range(0, len(units), 2))
    return _porter(as_js).encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _porter(w: str) -> str:
    if len(w) < 3:
        return w
    first_is_y = w[0] == "y"
    if first_is_y:
        w = "Y" + w[1:]
    w = _step1ab(w)
    if m := _RE_1C.match(w):
        w = m.group(1) + "i"
    w = _step_suffix_list(w, _RE_2, _STEP2)
    w = _step_suffix_list(w, _RE_3, _STEP3)
    w = _step4(w)
    w = _step5(w)
    return "y" + w[1:] if first_is_y else w


def _step1ab(w: str) -> str:
    if m := _RE_1A.match(w) or _RE2_1A.match(w):
        w = m.group(1) + m.group(2)
    if m := _RE_1B.match(w):
        return w[:-1] if _MGR0.search(m.group(1)) else w
    if (m := _RE2_1B.match(w)) and _S_V.search(m.group(1)):
        w = m.group(1)
        if _RE2_1B_2.search(w):
            return w + "e"
        if _RE3_1B_2.search(w):
            return w[:-1]
        if _RE4_1B_2.search(w):
            return w + "e"
    return w


def _step_suffix_list(w: str, pattern: re.Pattern, replacements: dict[str, str]) -> str:
    if (m := pattern.match(w)) and _MGR0.search(m.group(1)):
        return m.group(1) + replacements[m.group(2)]
    return w


def _step4(w: str) -> str:
    if m := _RE_4.match(w):
        return m.group(1) if _MGR1.search(m.group(1)) else w
    if (m := _RE2_4.match(w)) and _MGR1.search(m.group(1) + m.group(2)):
        return m.group(1) + m.group(2)
    return w


def _step5(w: str) -> str:
    if m := _RE_5.match(w):
        stem = m.group(1)
        if _MGR1.search(stem) or (_MEQ1.search(stem) and not _RE3_5.search(stem)):
            w = stem
    if _RE_5_1.search(w) and _MGR1.search(w):
        w = w[:-1]
    return w
