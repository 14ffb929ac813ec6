"""Related papers: for each paper, the few whose titles and abstracts say most nearly the same.

Each paper becomes a tf-idf vector over the words of its title (counted twice) and
abstract; two papers are as related as the cosine of their vectors. Comparing every
pair would be quadratic, so the scores come from a sparse product bounded twice:

- a paper takes part with its KEPT_TERMS heaviest terms only (its other terms still
  count in its vector's length), and words in more than COMMON_SHARE of all papers
  (and more than COMMON_FLOOR) are dropped ("model", "propose");
- each term is indexed for the POSTINGS_CAP papers it weighs most in only.

So a paper's scores take at most KEPT_TERMS * POSTINGS_CAP multiplications, however
many papers there are: the whole computation grows linearly. SciPy's sparse product
does them ~15x faster than a dictionary loop (bench/RESULTS.md, "Related papers").

Cost of one edit in preview: a paper's term counts are memoized on its title and
body, and the result on every paper's (slug, title, body). An edit that leaves the
title and abstract alone (topics, links, dates) costs building that key; an edited
title or abstract tokenizes that one paper again and redoes the weighting and the
product from the memoized counts. The result depends on the papers alone, never on
the order of edits, so a rebuild gives exactly what a full build gives.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import chain

import numpy as np
from scipy import sparse

from generator.content.schema import Paper

RELATED_COUNT = 5
KEPT_TERMS = 20  # terms per paper taking part in the comparison
POSTINGS_CAP = 60  # papers per term in the index
COMMON_SHARE = 0.1  # words in more than this share of the papers tell nothing apart
COMMON_FLOOR = 20  # ...once there are enough papers to tell; below that, idf alone weighs words down
TITLE_WEIGHT = 2  # a title word counts as much as two abstract words
FEW = 8  # up to this many entries per row are found by passes of row maxima, not a sort
ROWS_PER_PRODUCT = 2000  # papers scored per sparse product: bounds its memory
SCORE_DECIMALS = 9  # scores equal to this many decimals are ties, broken by slug
WORD = re.compile(r"[^\W_]+")
# Words too common in abstracts to tell papers apart, even in a collection small
# enough that their document frequency does not show it.
STOPWORDS = frozenset(["a", "about", "above", "across", "after", "again", "against", "all", "also", "although", "am", "among", "an", "and", "another", "any", "are", "as", "at", "based", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "done", "down", "during", "each", "either", "et", "etc", "few", "for", "from", "further", "had", "has", "have", "having", "here", "how", "however", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "less", "may", "might", "more", "most", "much", "must", "no", "nor", "not", "of", "off", "often", "on", "once", "one", "only", "onto", "or", "other", "our", "ours", "out", "over", "own", "per", "rather", "same", "several", "should", "show", "shows", "shown", "since", "so", "some", "such", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "though", "through", "thus", "to", "too", "toward", "towards", "under", "until", "up", "upon", "us", "use", "used", "uses", "using", "very", "via", "was", "we", "well", "were", "what", "when", "where", "whether", "which", "while", "who", "whom", "whose", "why", "will", "with", "within", "without", "would", "yet", "you", "your", "don", "doesn", "isn", "aren", "didn", "won", "paper", "propose", "proposed", "present", "presents", "introduce", "introduces", "approach", "method", "methods", "results", "new", "novel", "work", "achieve", "achieves", "demonstrate", "demonstrates", "existing", "experiments", "extensive", "state", "art", "significantly"])

Fingerprint = tuple[tuple[str, str, str], ...]
TermCounts = tuple[tuple[str, ...], tuple[int, ...]]  # distinct terms, how often each occurs


def related_papers(papers: Iterable[Paper], count: int = RELATED_COUNT) -> dict[str, tuple[str, ...]]:
    """slug -> the slugs of the `count` most similar papers, most similar first; ties by slug."""
    fingerprint = tuple(sorted((paper.slug, paper.title, paper.body) for paper in papers))
    return _related_for(fingerprint, count)


@lru_cache(maxsize=2)  # the current content and the one before: undoing an edit costs nothing
def _related_for(fingerprint: Fingerprint, count: int) -> dict[str, tuple[str, ...]]:
    slugs = [slug for slug, _, _ in fingerprint]
    if len(slugs) < 2:
        return dict.fromkeys(slugs, ())
    weights = _tfidf(_count_matrix([term_counts(title, body) for _, title, body in fingerprint]))
    queries = _keep_per_row(weights, KEPT_TERMS)
    papers_by_term = _keep_per_row(queries.T.tocsr(), POSTINGS_CAP)  # the index: terms x papers
    nearest: list[list[int]] = []
    for start in range(0, len(slugs), ROWS_PER_PRODUCT):
        nearest += _top_per_row(queries[start:start + ROWS_PER_PRODUCT] @ papers_by_term, start, count)
    return {slug: tuple(slugs[other] for other in others) for slug, others in zip(slugs, nearest)}


@lru_cache(maxsize=200_000)
def term_counts(title: str, body: str) -> TermCounts:
    """The paper's useful words and how often each occurs; memoized, so an unchanged paper is read once."""
    counts: Counter[str] = Counter()
    for text, weight in ((title, TITLE_WEIGHT), (body, 1)):
        for word, times in Counter(WORD.findall(text.lower())).items():  # counted in C, filtered once per word
            term = _term(word)
            if term:
                counts[term] += times * weight
    return tuple(counts), tuple(counts.values())


@lru_cache(maxsize=500_000)
def _term(word: str) -> str:
    """The word as a term, plural folded ("models" -> "model"); "" for stopwords, numbers, single letters."""
    if len(word) < 2 or word in STOPWORDS or word.isdigit():
        return ""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _count_matrix(counts: Sequence[TermCounts]) -> sparse.csr_matrix:
    """papers x terms: how often each term occurs; terms numbered in order of first appearance."""
    all_terms = list(chain.from_iterable(terms for terms, _ in counts))
    vocabulary = {term: number for number, term in enumerate(dict.fromkeys(all_terms))}
    columns = np.fromiter(map(vocabulary.__getitem__, all_terms), dtype=np.int32, count=len(all_terms))
    values = np.fromiter(chain.from_iterable(times for _, times in counts), dtype=np.float64, count=len(all_terms))
    row_starts = np.cumsum([0] + [len(terms) for terms, _ in counts])
    return sparse.csr_matrix((values, columns, row_starts), shape=(len(counts), len(vocabulary)))


def _tfidf(counts: sparse.csr_matrix) -> sparse.csr_matrix:
    """(1 + log tf) * idf, each row divided by its length; terms too common or in one paper only are
    then dropped (they count in the length, but match nothing)."""
    papers = counts.shape[0]
    frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log(papers / np.maximum(frequency, 1))
    idf[frequency > max(COMMON_FLOOR, COMMON_SHARE * papers)] = 0.0
    weights = counts.copy()
    weights.data = (1.0 + np.log(weights.data)) * idf[weights.indices]
    lengths = np.sqrt(np.asarray(weights.multiply(weights).sum(axis=1)).ravel())
    weights.data /= np.repeat(np.where(lengths > 0, lengths, 1.0), np.diff(weights.indptr))
    weights.data[frequency[weights.indices] < 2] = 0.0
    weights.eliminate_zeros()
    return weights


def _largest_per_row(matrix: sparse.csr_matrix, keep: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, positions in matrix.data) of the `keep` largest positive entries of each row, row by
    row, largest first. Values are rounded to SCORE_DECIMALS, so that float noise makes no order."""
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    values = np.round(matrix.data, SCORE_DECIMALS)
    candidates = np.flatnonzero(values > 0)
    if keep <= FEW:  # the top few of long rows: drop the bulk, then equal values go by column (slug)
        candidates = candidates[values[candidates] >= _kth_largest(values, matrix.indptr, keep)[rows[candidates]]]
        order = candidates[np.lexsort((matrix.indices[candidates], -values[candidates], rows[candidates]))]
    else:  # values lie in (0, 1]: one float key orders by row, then value; equal values keep their place
        order = candidates[np.argsort(rows[candidates] + (1 - values[candidates]) / 2, kind="stable")]
    row_starts = np.searchsorted(rows[order], np.arange(matrix.shape[0]))
    chosen = order[np.arange(len(order)) - row_starts[rows[order]] < keep]
    return rows[chosen], chosen


def _kth_largest(values: np.ndarray, row_starts: np.ndarray, k: int) -> np.ndarray:
    """Per row, the k-th largest distinct value (the smallest one a row has, when it has fewer):
    k passes of a row maximum, which beats sorting every entry when k is small."""
    rows = np.repeat(np.arange(len(row_starts) - 1), np.diff(row_starts))
    filled = np.diff(row_starts) > 0
    remaining = values.copy()
    threshold = np.full(len(row_starts) - 1, np.inf)
    for _ in range(k):
        row_max = np.full(len(threshold), -np.inf)
        row_max[filled] = np.maximum.reduceat(remaining, row_starts[:-1][filled])
        threshold = np.where(row_max > -np.inf, row_max, threshold)
        remaining[remaining >= row_max[rows]] = -np.inf
    return threshold


def _keep_per_row(matrix: sparse.csr_matrix, keep: int) -> sparse.csr_matrix:
    """The matrix with only the `keep` largest entries of each row."""
    rows, chosen = _largest_per_row(matrix, keep)
    return sparse.csr_matrix((matrix.data[chosen], (rows, matrix.indices[chosen])), shape=matrix.shape)


def _top_per_row(scores: sparse.csr_matrix, first_row: int, count: int) -> list[list[int]]:
    """For each row, the `count` columns with the highest scores, the row's own paper left out."""
    scores = scores.tocsr()
    own = np.flatnonzero(scores.indices == np.repeat(np.arange(scores.shape[0]), np.diff(scores.indptr)) + first_row)
    scores.data[own] = 0.0  # a paper is not related to itself
    rows, chosen = _largest_per_row(scores, count)
    nearest: list[list[int]] = [[] for _ in range(scores.shape[0])]
    for row, column in zip(rows.tolist(), scores.indices[chosen].tolist()):
        nearest[row].append(column)
    return nearest
