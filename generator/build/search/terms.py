"""Text -> search terms: the one tokenizer of the site's search, mirrored in search.js.

The browser makes query terms with search.js's copy of these rules, so both sides must agree
exactly; tests/test_search_terms.py runs the same word lists through both.

1. Normalize: Unicode NFKD (ligatures and full-width letters become plain letters), lowercase,
   combining marks dropped ("naïve" -> "naive").
2. A *group* is letters and digits joined by single inner punctuation: `qwen2.5`, `gpt-4o`,
   `llm's`, `pi_0`. Any other character separates groups: `RWKV/Transformer` is two groups.
3. A group's *runs* are its letters and digits split at every joiner: qwen2 5, gpt 4o, llm s.
4. Indexed for a group: each run; each run cut where a letter meets a digit (`llama3` -> llama, 3;
   `gpt4o` -> gpt, 4o); and the joined runs (`gpt4o`, `llms`, `qwen2.5`, `llama3.1`): every stretch
   of up to MAX_JOINED runs, and the whole group. A `.` between two digits stays (`2.5`, `2405.15738`).
   One-letter runs after an apostrophe (`'s`, `'t`) are only part of the joins.
5. Queried for a word: each group's whole join, so what a reader types matches form 4.
6. Every term then goes through lunr.js's stop word filter and stemmer, as before.

Forms are counted once per group: "LLM's" adds one "llm", not two.
"""
from __future__ import annotations

import collections
import itertools
import re
import string
import unicodedata

from lunr.stop_word_filter import WORDS as STOP_WORD_LIST

from generator.build.search.lunr_stemmer import js_stem

MAX_JOINED = 4  # longer stretches ("state-of-the-art-ish") are indexed only as a whole
# Letters and digits joined by one of . - _ ' ’ and the Unicode hyphens ‐ ‑. Python's [^\W_] is a
# letter or digit (str.isalnum), search.js's [\p{L}\p{N}].
_GROUP = re.compile(r"[^\W_]+(?:[-._'’\u2010\u2011][^\W_]+)*")
_JOINER = re.compile(r"[-._'’\u2010\u2011]")
_LETTER_THEN_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_APOSTROPHES = "'’"
_EDGE_PUNCTUATION = string.punctuation + "’“”"
# lunr.tokenizer.separator, /[\s\-]+/, with JavaScript's \s: where lunr.js's query parser cuts terms.
LUNR_SEPARATOR = re.compile("[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff-]+")
STOP_WORDS = frozenset(STOP_WORD_LIST)
# ASCII punctuation that is no joiner always separates groups (rule 2), as white space separates
# tokens: made a space before the text is split, "model," "(model)" and "model" are one token,
# tokenized once (a third fewer distinct tokens in abstracts, an eighth less tokenizing time).
_BREAKS = str.maketrans(dict.fromkeys("!\"#$%&()*+,/:;<=>?@[\\]^`{|}~", " "))
_LOWERED_BREAKS = str.maketrans({**_BREAKS, **{ord(letter): letter.lower() for letter in string.ascii_uppercase}})

# Entries per memo while a build tokenizes (forget_memos empties them after). At 80,000 papers a
# million held all 500,000 distinct tokens, of which only 40 MB of memory came back once let go;
# this many keeps the search process 50 MB smaller, for 215,000 more tokens split (~1 s of CPU).
MEMO_LIMIT = 200_000


class _TokenTerms(dict[str, tuple[str, ...]]):
    """token -> its terms, made on the first lookup (a miss costs no more than a hit in C)."""

    def __missing__(self, token: str) -> tuple[str, ...]:
        if len(self) >= MEMO_LIMIT:
            self.clear()
            _group_forms_cache.clear()
        terms = self[token] = _token_forms(token)
        return terms


_token_terms_cache = _TokenTerms()
_group_forms_cache: dict[str, tuple[str, ...]] = {}
_stem_cache: dict[str, str] = {}
_mark_cache: dict[str, str] = {}


def forget_memos() -> None:
    """Empties the memos of tokens, groups and stems: after tokenizing 80,000 papers they hold a
    million entries (~50 MB, while the index is made next), and a later build in the same process
    tokenizes a few edited papers, which cost a millisecond or two without them."""
    _token_terms_cache.clear()
    _group_forms_cache.clear()
    _stem_cache.clear()


def normalize(text: str) -> str:
    """NFKD, lowercase, combining marks removed (search.js: normalize)."""
    if text.isascii():
        return text.lower()
    lowered = unicodedata.normalize("NFKD", text).lower()
    return _NON_ASCII.sub(_without_mark, lowered)


def _without_mark(match: re.Match[str]) -> str:
    char = match.group()
    kept = _mark_cache.get(char)
    if kept is None:
        kept = _mark_cache[char] = "" if unicodedata.category(char).startswith("M") else char
    return kept


def index_terms(text: str) -> list[str]:
    """The terms a text is indexed under, in order, each group's forms once."""
    return [term for token in _tokens(text) for term in token_terms(token)]


def term_counts(text: str) -> tuple[dict[str, int], int]:
    """{term: occurrences} of index_terms(text), and their total (the field's length).

    The same result as counting index_terms(text), several times faster: whitespace never joins
    two groups, so each distinct whitespace-separated token is split once (its terms memoized),
    and the counting runs in C (Counter over chained tuples).
    """
    counts = collections.Counter(itertools.chain.from_iterable(map(_token_terms_cache.__getitem__, _tokens(text))))
    return counts, sum(counts.values())


def _tokens(text: str) -> list[str]:
    """The normalized text's whitespace-separated tokens, cut at _BREAKS too."""
    if text.isascii():  # normalize's lowercasing and the breaks in one pass
        return text.translate(_LOWERED_BREAKS).split()
    return normalize(text).translate(_BREAKS).split()


def token_terms(token: str) -> tuple[str, ...]:
    """The terms of one normalized whitespace-free token."""
    return _token_terms_cache[token]


def _token_forms(token: str) -> tuple[str, ...]:
    core = token.strip(_EDGE_PUNCTUATION)  # what surrounds a group never changes it
    if core.isascii() and core.isalpha():  # most tokens: one plain word, one form
        term = search_term(core)
        return (term,) if term else ()
    groups = _GROUP.findall(token)
    if len(groups) == 1:
        return _group_forms(groups[0])
    return tuple(term for group in groups for term in _group_forms(group))


def _group_forms(group: str) -> tuple[str, ...]:
    forms = _group_forms_cache.get(group)
    if forms is None:
        forms = _group_forms_cache[group] = _index_forms(group)
    return forms


def query_terms(text: str) -> list[str]:
    """The terms a reader's query words are looked up as, duplicates dropped: the text is cut
    where lunr.js's query parser cuts it (white space and "-"), then each group is joined."""
    terms = (search_term(joined(_JOINER.split(group), _JOINER.findall(group)))
             for lexeme in LUNR_SEPARATOR.split(text) for group in _GROUP.findall(normalize(lexeme)))
    return list(dict.fromkeys(term for term in terms if term))


def search_term(form: str) -> str:
    """lunr.js's stopWordFilter then stemmer: "" for a stop word."""
    term = _stem_cache.get(form)
    if term is None:
        if len(_stem_cache) >= MEMO_LIMIT:
            _stem_cache.clear()
        term = _stem_cache[form] = "" if form in STOP_WORDS else js_stem(form)
    return term


def word_forms(group: str) -> list[str]:
    """The unstemmed forms of one normalized group (rule 4 above), duplicates kept."""
    if group.isascii() and group.replace("-", "").isalpha():
        return _hyphenated_forms(group.split("-"))
    return _any_group_forms(group)


def _any_group_forms(group: str) -> list[str]:
    runs, joiners = _JOINER.split(group), _JOINER.findall(group)
    forms: list[str] = []
    for number, run in enumerate(runs):
        if number and len(run) == 1 and joiners[number - 1] in _APOSTROPHES:
            continue
        forms.append(run)
        pieces = _LETTER_THEN_DIGIT.split(run)
        if len(pieces) > 1:
            forms.extend(pieces)
    for start in range(len(runs) - 1):
        for stop in range(start + 2, min(start + MAX_JOINED, len(runs)) + 1):
            forms.append(joined(runs[start:stop], joiners[start:stop - 1]))
    if len(runs) > MAX_JOINED:
        forms.append(joined(runs, joiners))
    return forms


def _hyphenated_forms(runs: list[str]) -> list[str]:
    """word_forms of ASCII letters joined by hyphens ("large-scale"), most groups of two runs or
    more: no run holds a digit or follows an apostrophe, and a join is the runs side by side."""
    joins = ["".join(runs[start:stop]) for start in range(len(runs) - 1)
             for stop in range(start + 2, min(start + MAX_JOINED, len(runs)) + 1)]
    return runs + joins + (["".join(runs)] if len(runs) > MAX_JOINED else [])


def joined(runs: list[str], joiners: list[str]) -> str:
    """Runs put back together without their joiners, except a "." between two digits."""
    text = runs[0]
    for joiner, run in zip(joiners, runs[1:]):
        keep_dot = joiner == "." and text[-1].isdecimal() and run[0].isdecimal()
        text += "." + run if keep_dot else run
    return text


def _index_forms(group: str) -> tuple[str, ...]:
    terms = dict.fromkeys(map(search_term, word_forms(group)))
    terms.pop("", None)  # the stop words'
    return tuple(terms)
