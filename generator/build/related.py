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

Every number is worked out row by row, the same way whichever rows are computed, and
never depends on how terms are numbered; so an update can redo only the rows an edit
reaches and still give, to the last bit, what a full computation gives.

Cost of a build: tokenizing is most of a cold run, so term counts are kept per paper,
in memory and (with `cache_file`) on disk, keyed by a hash of title and abstract.
Cost of one edit in preview: the last computation is kept; when the same papers come
back with a few titles or abstracts changed, `_update` redoes the weights of the papers
whose terms' document frequencies moved, merges their new entries into the index lists
they reach, and merges the changed papers' new scores into the related lists they may
enter or leave, scoring a paper again in full only where a merge could miss a paper
(`_update` explains how): 0.07 s at 80,000 papers for a title edit.
"""
from __future__ import annotations

import bisect
import functools
import hashlib
import inspect
import json
import operator
import re
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from generator.cache import STALE_SHARE
from generator.content.schema import Paper
from generator.files import write_file_atomic
from generator.imports import UNUSED_NUMPY_MODULES, defer

# NumPy's unused modules before SciPy's import would import them, and SciPy's sparse matrices
# themselves: a build works related papers out in a process of their own (parallel.related_ahead),
# which alone then pays their import (generator/imports.py).
defer((*UNUSED_NUMPY_MODULES, "scipy.sparse"))
from scipy import sparse  # noqa: E402

RELATED_COUNT = 5
KEPT_TERMS = 20  # terms per paper taking part in the comparison
POSTINGS_CAP = 60  # papers per term in the index
COMMON_SHARE = 0.1  # words in more than this share of the papers tell nothing apart
COMMON_FLOOR = 20  # ...once there are enough papers to tell; below that, idf alone weighs words down
TITLE_WEIGHT = 2  # a title word counts as much as two abstract words
ROWS_PER_PRODUCT = 2000  # papers scored per sparse product: bounds its memory
ROWS_PER_QUERY_BLOCK = 5000  # papers weighed at a time: bounds the temporary arrays' memory
MAGIC = b"paper-digest related terms 2\n"  # the cache file's first line (_read_cache)
KEY_BYTES = 16  # a paper's key in the cache file: a digest of its title and abstract
RETIRED_SUFFIX = ".json"  # the cache file's name as earlier versions wrote it, with this ending
FEW_TO_TOKENIZE = 64  # papers tokenized again rather than read from the cache file (a preview edit)
ENTRIES_PER_SPLICED_ROW = 400  # _replace_rows copies slices while it replaces under a row per this many entries
SCORE_DECIMALS = 9  # scores equal to this many decimals are ties
ROUNDING_SLACK = 1e-8  # more than a rounding step: a raw value this far below a bound may still round onto it
WORD = re.compile(r"[^\W_]+")
# For ASCII text, the same words as WORD.findall(text.lower()) at a third of the cost:
# letters lowered, every other character a space, then str.split().
ASCII_WORDS = str.maketrans({code: chr(code).lower() if chr(code).isalnum() else " " for code in range(128)})
# Words too common in abstracts to tell papers apart, even in a collection small
# enough that their document frequency does not show it.
STOPWORDS = frozenset(["a", "about", "above", "across", "after", "again", "against", "all", "also", "although", "am", "among", "an", "and", "another", "any", "are", "as", "at", "based", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "done", "down", "during", "each", "either", "et", "etc", "few", "for", "from", "further", "had", "has", "have", "having", "here", "how", "however", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "less", "may", "might", "more", "most", "much", "must", "no", "nor", "not", "of", "off", "often", "on", "once", "one", "only", "onto", "or", "other", "our", "ours", "out", "over", "own", "per", "rather", "same", "several", "should", "show", "shows", "shown", "since", "so", "some", "such", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "though", "through", "thus", "to", "too", "toward", "towards", "under", "until", "up", "upon", "us", "use", "used", "uses", "using", "very", "via", "was", "we", "well", "were", "what", "when", "where", "whether", "which", "while", "who", "whom", "whose", "why", "will", "with", "within", "without", "would", "yet", "you", "your", "don", "doesn", "isn", "aren", "didn", "won", "paper", "propose", "proposed", "present", "presents", "introduce", "introduces", "approach", "method", "methods", "results", "new", "novel", "work", "achieve", "achieves", "demonstrate", "demonstrates", "existing", "experiments", "extensive", "state", "art", "significantly"])

Entry = tuple[str, str, str]  # slug, title, body
TermCounts = tuple[np.ndarray, np.ndarray]  # term numbers in order of first appearance, how often each occurs
DROPPED = -1  # the term number of stopwords, numbers and single letters

# Term numbers for this process: any numbering gives the same scores (see the docstring).
_TERMS: list[str] = []
_TERM_NUMBERS: dict[str, int] = {}


class _WordTerms(dict[str, int]):
    """lowercase word -> its term's number, or DROPPED: made on the word's first lookup, so a
    paper's words are counted in one pass, and a word seen before costs one lookup in C."""

    def __missing__(self, word: str) -> int:
        number = self[word] = _term_number(_term(word))
        return number


_WORD_TERMS = _WordTerms()


def related_papers(papers: Sequence[Paper], count: int = RELATED_COUNT, cache_file: Path | None = None,
                   edit: Edit | None = None) -> dict[str, tuple[str, ...]]:
    """slug -> the slugs of the `count` most similar papers, most similar first; ties by slug.

    cache_file keeps each paper's term counts between runs (a JSON file; a missing, corrupt
    or outdated one is rebuilt). The same papers as in the last call give the same dict back.
    edit: how these papers differ from an earlier call's, when the caller knows; if that call
    was the last one, the other papers are not compared (0.4 s at 80,000 papers)."""
    global _last
    last = _last if _last is not None and _last.count == count else None
    if last is not None and edit is not None and edit[0] is last.papers and len(edit[1]) <= FEW_TO_TOKENIZE:
        after = _after_edit(last, len(papers), edit[1])
        if after is not None:
            if after[0] != last.entries:  # the same tuples where nothing changed: compared by identity
                last = _update(last, *after)
            _last, last.papers = last, papers
            return last.result
    entries = sorted((paper.slug, paper.title, paper.body) for paper in papers)
    if last is not None and last.entries == entries:
        last.papers, last.rescored = papers, None
        return last.result
    counts = _counts_for(entries, last, cache_file)
    if last is not None and [slug for slug, _, _ in last.entries] == [slug for slug, _, _ in entries]:
        _last = _update(last, entries, counts)
    else:
        _last = _compute(entries, counts, count)
    # What the update scored again is known to be all that changed only against an Edit's papers.
    _last.papers, _last.rescored = papers, None
    return _last.result


# The papers of an earlier call, and every paper added, removed or changed since, by slug (None: removed).
Edit = tuple[Sequence[Paper], Mapping[str, "Paper | None"]]


def _after_edit(last: _Computation, paper_count: int,
                edited: Mapping[str, Paper | None]) -> tuple[list[Entry], list[TermCounts]] | None:
    """The last entries and term counts with the edited papers' replaced; None when the edit
    added or removed a paper (then everything is compared)."""
    if paper_count != len(last.entries):
        return None
    entries, counts = list(last.entries), list(last.counts)
    for slug, paper in edited.items():
        row = _row_of(entries, slug)
        if row is None or paper is None:
            return None
        if entries[row] != (slug, paper.title, paper.body):
            entries[row] = (slug, paper.title, paper.body)
            counts[row] = term_counts(paper.title, paper.body)
    return entries, counts


def _row_of(entries: Sequence[Entry], slug: str) -> int | None:
    row = bisect.bisect_left(entries, (slug,))  # entries are sorted by slug, and (slug,) sorts first
    return row if row < len(entries) and entries[row][0] == slug else None


def affected_by(before: Mapping[str, tuple[str, ...]], slugs: Collection[str]) -> set[str]:
    """Of the last call's papers, those whose related list is not the one in `before` (the call
    before it), or shows one of `slugs`: the paper pages a rebuild renders again. Found among the
    lists the last call changed, when it was an Edit, and from its numbers, instead of
    comparing 80,000 lists."""
    last = _last
    if last is None:
        return set()
    candidates = last.result.keys() if last.rescored is None else last.rescored
    changed = {slug for slug in candidates if before.get(slug) != last.result[slug]}
    rows = [row for row in map(functools.partial(_row_of, last.entries), slugs) if row is not None]
    holding = np.flatnonzero(np.isin(last.nearest, rows).any(axis=1)).tolist() if rows else []
    return changed | {last.entries[row][0] for row in holding}


@dataclass
class _Computation:
    """What the last call worked out, kept so that the next call can redo only what changed."""
    count: int
    entries: list[Entry]
    counts: list[TermCounts]
    holders: sparse.csc_matrix  # papers x terms: True where a paper held the term, but for `edited_since`
    edited_since: np.ndarray  # the papers whose term counts are not those `holders` was made from
    frequency: np.ndarray  # papers per term
    queries: sparse.csr_matrix  # papers x terms: the weights of each paper's KEPT_TERMS terms
    index: sparse.csr_matrix  # terms x papers: the weights of each term's POSTINGS_CAP papers
    nearest: np.ndarray  # papers x count: the related papers' numbers, -1 past the last
    scores: np.ndarray  # papers x count: their scores, rounded
    result: dict[str, tuple[str, ...]]
    papers: Sequence[Paper] = ()  # the papers as the caller gave them, told apart by identity (Edit)
    rescored: frozenset[str] | None = None  # the lists an _update changed; None: any (_compute)
    slugs: list[str] = field(default_factory=list)  # of the entries, in order; an _update keeps them


_last: _Computation | None = None


def forget_computation() -> None:
    """Lets the last computation go (at 80,000 papers ~150 MB of matrices and term counts), for a
    process that asks no more: a build that builds once, before it renders its pages."""
    global _last
    _last = None


# --- Term counts ---------------------------------------------------------------------------

def term_counts(title: str, body: str) -> TermCounts:
    """The paper's useful terms (numbers into _TERMS) in order of first appearance, and how
    often each occurs, a title word counting TITLE_WEIGHT times."""
    words = _words(title) * TITLE_WEIGHT + _words(body)
    counts = Counter(map(_WORD_TERMS.__getitem__, words))  # counted in C
    counts.pop(DROPPED, None)
    return (np.fromiter(counts, dtype=np.int32, count=len(counts)),
            np.fromiter(counts.values(), dtype=np.int32, count=len(counts)))


def _words(text: str) -> list[str]:
    return text.translate(ASCII_WORDS).split() if text.isascii() else WORD.findall(text.lower())


def _term(word: str) -> str:
    """The word as a term, plural folded ("models" -> "model"); "" for stopwords, numbers, single letters."""
    if len(word) < 2 or word in STOPWORDS or word.isdigit():
        return ""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _term_number(term: str) -> int:
    if not term:
        return DROPPED
    number = _TERM_NUMBERS.get(term)
    if number is None:
        number = _TERM_NUMBERS[term] = len(_TERMS)
        _TERMS.append(term)
    return number


def _counts_for(entries: Sequence[Entry], last: _Computation | None, cache_file: Path | None) -> list[TermCounts]:
    """Each paper's term counts: from the last computation, else the cache file, else tokenized."""
    known = {} if last is None else {(title, body): counts for (_, title, body), counts in zip(last.entries, last.counts)}
    found: list[TermCounts | None] = [known.get((title, body)) for _, title, body in entries]
    unknown = [number for number, counts in enumerate(found) if counts is None]
    if len(unknown) <= FEW_TO_TOKENIZE and last is not None:  # an edit: cheaper than reading the cache
        for number in unknown:
            found[number] = term_counts(entries[number][1], entries[number][2])
        return found  # type: ignore[return-value]  # every entry is filled
    stored = _read_cache(cache_file) if cache_file else {}
    keys = [_paper_key(title, body) for _, title, body in entries] if cache_file else []
    missing = 0
    for number, (_, title, body) in enumerate(entries):
        if found[number] is None:
            found[number] = stored.get(keys[number]) if keys else None
            if found[number] is None:
                found[number] = term_counts(title, body)
                missing += 1
    result: list[TermCounts] = found  # type: ignore[assignment]  # every entry is filled
    if cache_file and (not stored or missing > STALE_SHARE * len(entries)):
        _write_cache(cache_file, keys, result)
    return result


def _paper_key(title: str, body: str) -> bytes:
    return hashlib.blake2b(f"{title}\0{body}".encode(), digest_size=KEY_BYTES).digest()


@lru_cache(maxsize=1)
def _tokenizer_version() -> str:
    """A hash of the code and word lists that turn text into term counts: change them, and
    every cached count is made again."""
    parts = [inspect.getsource(function) for function in (term_counts, _words, _term)]
    parts += [WORD.pattern, str(TITLE_WEIGHT), " ".join(sorted(STOPWORDS))]
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()


def _read_cache(path: Path) -> dict[bytes, TermCounts]:
    """paper key -> term counts from the cache file; empty if it is missing, corrupt or of another tokenizer.

    The file: MAGIC, a JSON header line ({"version", "terms": [term...], "papers", "postings"}),
    then each paper's key (KEY_BYTES), where each paper's postings end (uint32), and every
    posting's term (its place in "terms") and count (int32), little-endian. The arrays load in
    milliseconds: as JSON numbers they took a second, as base64 in JSON 0.6 s at 80,000 papers."""
    try:
        data = path.read_bytes()
        if not data.startswith(MAGIC):
            return {}
        header_end = data.index(b"\n", len(MAGIC)) + 1
        header = json.loads(data[len(MAGIC):header_end])
        papers, postings, stored_terms = header["papers"], header["postings"], header["terms"]
        if header["version"] != _tokenizer_version() or len(data) != header_end + papers * (KEY_BYTES + 4) + postings * 8:
            return {}
        keys_end = header_end + papers * KEY_BYTES
        stops = np.frombuffer(data, dtype="<u4", count=papers, offset=keys_end).astype(np.int64)
        terms_of = np.frombuffer(data, dtype="<i4", count=postings, offset=keys_end + papers * 4)
        counts = np.frombuffer(data, dtype="<i4", count=postings, offset=keys_end + papers * 4 + postings * 4)
        if not _is_slicing(stops, postings) or (postings and not 0 <= terms_of.min() <= terms_of.max() < len(stored_terms)):
            return {}
        terms = np.array([_term_number(term) for term in stored_terms] or [0], dtype=np.int32)
        terms_of, counts = terms[terms_of], counts.astype(np.int32)
        starts = [0, *stops.tolist()]
        return {data[header_end + row * KEY_BYTES:header_end + (row + 1) * KEY_BYTES]:
                (terms_of[starts[row]:starts[row + 1]], counts[starts[row]:starts[row + 1]]) for row in range(papers)}
    except (OSError, ValueError, KeyError, TypeError):
        return {}  # unreadable: every paper is tokenized again and the file rewritten


def _is_slicing(stops: np.ndarray, postings: int) -> bool:
    """Whether the stops cut `postings` entries into consecutive runs (int64: unsigned differences wrap)."""
    return bool(np.all(np.diff(stops) >= 0)) and (stops[-1] == postings if len(stops) else postings == 0)


def _write_cache(path: Path, keys: Sequence[bytes], counts: Sequence[TermCounts]) -> None:
    stops = np.cumsum([len(terms) for terms, _ in counts], dtype=np.int64)
    postings = int(stops[-1]) if len(stops) else 0
    header = {"version": _tokenizer_version(), "terms": _TERMS, "papers": len(keys), "postings": postings}
    parts = [MAGIC, json.dumps(header, separators=(",", ":")).encode() + b"\n", b"".join(keys),
             stops.astype("<u4").tobytes(),
             np.concatenate([terms for terms, _ in counts] or [np.zeros(0, np.int32)]).astype("<i4").tobytes(),
             np.concatenate([times for _, times in counts] or [np.zeros(0, np.int32)]).astype("<i4").tobytes()]
    try:
        write_file_atomic(path.parent, path.name, parts)
        # The same cache as earlier versions wrote it (base64 in JSON): a deploy's kept .cache/
        # would otherwise carry its 80 MB forever.
        path.with_suffix(RETIRED_SUFFIX).unlink(missing_ok=True)
    except OSError:
        return  # a read-only .cache/: only a speed-up is lost


# --- Weights, index and scores -------------------------------------------------------------

def _compute(entries: list[Entry], counts: list[TermCounts], count: int) -> _Computation:
    matrix = _count_matrix(counts)
    frequency = np.bincount(matrix.indices, minlength=matrix.shape[1])
    queries = _queries(matrix, frequency, len(entries))
    index = _index(queries.T.tocsr())
    nearest, scores = _score(queries, index, np.arange(len(entries)), count)
    slugs = [slug for slug, _, _ in entries]
    result = {slug: _slugs(slugs, row) for slug, row in zip(slugs, nearest.tolist())}
    holders = sparse.csr_matrix((np.ones(matrix.nnz, dtype=bool), matrix.indices, matrix.indptr), shape=matrix.shape)
    return _Computation(count, entries, counts, holders.tocsc(), np.zeros(0, dtype=np.int64), frequency, queries, index,
                        nearest, scores, result, slugs=slugs)


def _count_matrix(counts: Sequence[TermCounts]) -> sparse.csr_matrix:
    """papers x terms: how often each term occurs, each row in the order of first appearance."""
    terms = np.concatenate([terms for terms, _ in counts] or [np.zeros(0, np.int32)])
    times = np.concatenate([times for _, times in counts] or [np.zeros(0, np.int32)])
    row_starts = np.cumsum([0] + [len(terms) for terms, _ in counts])
    return sparse.csr_matrix((times.astype(np.float64), terms, row_starts), shape=(len(counts), len(_TERMS)))


def _idf(frequency: np.ndarray, papers: int) -> np.ndarray:
    """Inverse document frequency; 0 for terms too common to tell papers apart."""
    idf: np.ndarray = np.log(max(papers, 1) / np.maximum(frequency, 1))
    idf[frequency > max(COMMON_FLOOR, COMMON_SHARE * papers)] = 0.0
    return idf


def _queries(matrix: sparse.csr_matrix, frequency: np.ndarray, papers: int) -> sparse.csr_matrix:
    """Each row's KEPT_TERMS heaviest tf-idf weights: (1 + log tf) * idf, divided by the row's
    length; terms in one paper only count in the length but match nothing, so are left out.
    `matrix` may be some rows only: `frequency` and `papers` are of all papers.

    Worked out ROWS_PER_QUERY_BLOCK rows at a time, which gives the same numbers (each row is
    its own): all 80,000 papers' terms at once made ~10 temporary arrays of 8 million entries,
    half a gigabyte above the rest of a build, and the peak of the whole build."""
    if matrix.shape[0] <= ROWS_PER_QUERY_BLOCK:
        return _queries_of_rows(matrix, frequency, papers)
    blocks = [_queries_of_rows(matrix[start:start + ROWS_PER_QUERY_BLOCK], frequency, papers)
              for start in range(0, matrix.shape[0], ROWS_PER_QUERY_BLOCK)]
    offsets = np.cumsum([0] + [block.nnz for block in blocks[:-1]])
    indptr = np.concatenate([[0]] + [block.indptr[1:] + offset for block, offset in zip(blocks, offsets)])
    return sparse.csr_matrix((np.concatenate([block.data for block in blocks]),
                              np.concatenate([block.indices for block in blocks]), indptr), shape=matrix.shape)


def _queries_of_rows(matrix: sparse.csr_matrix, frequency: np.ndarray, papers: int) -> sparse.csr_matrix:
    idf = _idf(frequency, papers)
    weights = (1.0 + np.log(matrix.data)) * idf[matrix.indices]
    squares = weights * weights
    starts = matrix.indptr[:-1]
    filled = np.flatnonzero(np.diff(matrix.indptr))
    lengths = np.ones(matrix.shape[0])
    if len(filled):
        lengths[filled] = np.sqrt(np.add.reduceat(squares, starts[filled]))
    lengths[lengths == 0] = 1.0
    weights /= np.repeat(lengths, np.diff(matrix.indptr))
    weights[frequency[matrix.indices] < 2] = 0.0
    matching = sparse.csr_matrix((weights, matrix.indices, matrix.indptr), shape=matrix.shape)
    return _keep(matching, _kept(matching, KEPT_TERMS))


def _index(transposed: sparse.csr_matrix) -> sparse.csr_matrix:
    """terms x papers: each term's POSTINGS_CAP heaviest papers (rows of the transposed queries)."""
    return _keep(transposed, _kept(transposed, POSTINGS_CAP))


def _kept(matrix: sparse.csr_matrix, keep: int) -> np.ndarray:
    """Which entries are among the `keep` largest positive ones of their row, values rounded to
    SCORE_DECIMALS so that float noise makes no order, equal values taken in row order."""
    values = np.round(matrix.data, SCORE_DECIMALS)
    lengths = np.diff(matrix.indptr)
    rows = np.repeat(np.arange(len(lengths)), lengths)
    threshold = _kth_largest(values, matrix.indptr, keep)[rows]
    above = values > threshold
    room = keep - np.bincount(rows[above], minlength=len(lengths))  # places left for values equal to the threshold
    tied = np.flatnonzero(values == threshold)
    tied_rows = rows[tied]
    rank = np.arange(len(tied)) - np.searchsorted(tied_rows, tied_rows)  # among the row's tied entries
    above[tied[rank < room[tied_rows]]] = True
    kept: np.ndarray = above & (values > 0)
    return kept


def _kth_largest(values: np.ndarray, row_starts: np.ndarray, k: int) -> np.ndarray:
    """Per row, its k-th largest value counting repeats; -inf for rows of k entries or fewer.
    Rows of similar length are padded into one array and partitioned, which beats sorting."""
    lengths = np.diff(row_starts)
    threshold = np.full(len(lengths), -np.inf)
    long = np.flatnonzero(lengths > k)
    buckets = np.ceil(np.log2(lengths[long])).astype(np.int64)  # padding at most doubles a row
    # The buckets used, from counts: np.unique asks numpy.ma whether the array is masked, whose import
    # (4 ms) the build otherwise never pays (generator/imports.py).
    for bucket in np.flatnonzero(np.bincount(buckets)):
        rows = long[buckets == bucket]
        sizes = lengths[rows]
        width = int(sizes.max())
        row_of = np.repeat(np.arange(len(rows)), sizes)
        column = np.arange(len(row_of)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        padded = np.full((len(rows), width), -np.inf)
        padded[row_of, column] = values[row_starts[rows][row_of] + column]
        threshold[rows] = np.partition(padded, width - k, axis=1)[:, width - k]
    return threshold


def _keep(matrix: sparse.csr_matrix, mask: np.ndarray) -> sparse.csr_matrix:
    """The matrix with the masked entries only, in the same order."""
    before = np.concatenate(([0], np.cumsum(mask)))
    return sparse.csr_matrix((matrix.data[mask], matrix.indices[mask], before[matrix.indptr]), shape=matrix.shape)


def _score(queries: sparse.csr_matrix, index: sparse.csr_matrix, rows: np.ndarray,
           count: int) -> tuple[np.ndarray, np.ndarray]:
    """For these papers, the `count` papers of highest score and their scores (see _top)."""
    nearest = np.full((len(rows), count), -1, dtype=np.int64)
    scores = np.zeros((len(rows), count))
    for start in range(0, len(rows), ROWS_PER_PRODUCT):
        chunk = rows[start:start + ROWS_PER_PRODUCT]
        nearest[start:start + len(chunk)], scores[start:start + len(chunk)] = _top(queries[chunk] @ index, chunk, count)
    return nearest, scores


def _top(product: sparse.csr_matrix, rows: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row of the product (the scores of paper rows[i]), the `count` other papers of highest
    score, rounded. A lower bound on the row's (count + 1)-th largest raw score (its own paper
    may be above it) leaves a few dozen candidates a row to round and sort."""
    product = product.tocsr()
    lengths = np.diff(product.indptr)
    bound = np.repeat(_lower_bound(product.data, product.indptr, count + 1), lengths)
    candidates = np.flatnonzero(product.data >= bound - ROUNDING_SLACK)
    row_of = np.searchsorted(product.indptr, candidates, side="right") - 1
    mine = product.indices[candidates] != rows[row_of]  # a paper is not related to itself
    candidates, row_of = candidates[mine], row_of[mine]
    return _first(row_of, product.indices[candidates], product.data[candidates], len(rows), count)


def _lower_bound(values: np.ndarray, row_starts: np.ndarray, k: int) -> np.ndarray:
    """Per row, a value at most its k-th largest: the k-th largest of the maxima of 8k disjoint
    parts of the row (k of those maxima are k distinct entries at least that large). One pass
    over the values; -inf for rows too short to split."""
    parts = 8 * k
    lengths = np.diff(row_starts)
    bound = np.full(len(lengths), -np.inf)
    if len(values) == 0:
        return bound
    starts = row_starts[:-1, None] + np.arange(parts) * lengths[:, None] // parts
    maxima = np.maximum.reduceat(values, np.minimum(starts.ravel(), len(values) - 1)).reshape(-1, parts)
    long = lengths >= parts
    bound[long] = np.partition(maxima[long], parts - k, axis=1)[:, parts - k]
    return bound


def _first(rows: np.ndarray, papers: np.ndarray, values: np.ndarray, row_count: int,
           count: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the `count` papers of highest rounded positive value, equal values by paper
    number (slug order): (papers, values), each row_count x count, -1 and 0 past the last."""
    values = np.round(values, SCORE_DECIMALS)
    positive = values > 0
    rows, papers, values = rows[positive], papers[positive], values[positive]
    order = np.lexsort((papers, -values, rows))
    rows, papers, values = rows[order], papers[order], values[order]
    rank = np.arange(len(rows)) - np.searchsorted(rows, rows)
    chosen = rank < count
    nearest = np.full((row_count, count), -1, dtype=np.int64)
    scores = np.zeros((row_count, count))
    nearest[rows[chosen], rank[chosen]] = papers[chosen]
    scores[rows[chosen], rank[chosen]] = values[chosen]
    return nearest, scores


def _slugs(slugs: Sequence[str], papers: list[int]) -> tuple[str, ...]:
    return tuple(slugs[paper] for paper in papers if paper >= 0)


# --- One edit --------------------------------------------------------------------------------

def _update(last: _Computation, entries: list[Entry], counts: list[TermCounts]) -> _Computation:
    """The same papers as `last` with some titles or abstracts changed: exactly what _compute
    would give, redoing only what changed.

    An edited paper changes the document frequency, hence the weight, of the terms it gained
    or lost; every paper holding such a term gets a new length, so new weights and a new
    query (`reweighed`). The index lists those queries reach are chosen again (_reindex);
    the papers with an entry that changed in some list are `changed`. The related lists they
    may enter or leave are merged with their new scores (_patch), or scored again in full
    where that is not exact, as are those of the reweighed papers."""
    papers, terms = len(entries), len(_TERMS)
    edited = _edited_rows(last.counts, counts)
    edited_since = np.union1d(last.edited_since, edited)
    before = np.pad(last.frequency, (0, terms - len(last.frequency)))
    frequency = before + _term_papers([counts[row] for row in edited]) - _term_papers([last.counts[row] for row in edited])
    moved = (_idf(before, papers) != _idf(frequency, papers)) | ((before < 2) != (frequency < 2))
    reweighed = np.union1d(edited, _holding(last.holders, edited_since, counts, moved))
    requeried = _queries(_count_matrix([counts[row] for row in reweighed]), frequency, papers)
    queries = _replace_rows(last.queries, reweighed, requeried, terms)
    index, changed = _reindex(_resized(last.index, terms), queries, reweighed, requeried)
    nearest, scores = _rescore(last, queries, index, changed, reweighed)
    moved_lists = np.flatnonzero((nearest != last.nearest).any(axis=1))
    slugs = last.slugs  # the same papers: only their titles or abstracts changed
    result = dict(last.result)
    for row, others in zip(moved_lists.tolist(), nearest[moved_lists].tolist()):
        result[slugs[row]] = _slugs(slugs, others)
    return _Computation(last.count, entries, counts, last.holders, edited_since, frequency, queries, index, nearest,
                        scores, result, rescored=frozenset(slugs[row] for row in moved_lists.tolist()), slugs=slugs)


def _edited_rows(before: list[TermCounts], after: list[TermCounts]) -> np.ndarray:
    """The rows whose term counts differ; unchanged rows hold the same tuple (`is` is checked in C)."""
    replaced = np.flatnonzero(np.fromiter(map(operator.is_not, before, after), dtype=bool, count=len(after)))
    return np.array([row for row in replaced.tolist() if not (np.array_equal(before[row][0], after[row][0])
                                                                and np.array_equal(before[row][1], after[row][1]))],
                    dtype=np.int64)


def _term_papers(counts: Sequence[TermCounts]) -> np.ndarray:
    """Per term, how many of these papers hold it."""
    terms = np.concatenate([terms for terms, _ in counts] or [np.zeros(0, np.int32)])
    return np.bincount(terms, minlength=len(_TERMS))


def _holding(holders: sparse.csc_matrix, edited_since: np.ndarray, counts: Sequence[TermCounts],
             terms: np.ndarray) -> np.ndarray:
    """The papers holding any of these terms (a mask over terms): found in `holders`, but for
    the papers edited since it was made, in their counts. No pass over every paper's terms."""
    known = np.flatnonzero(terms[:holders.shape[1]])  # terms made since are in edited papers only
    held = np.setdiff1d(holders[:, known].indices, edited_since)
    now = [row for row in edited_since.tolist() if terms[counts[row][0]].any()]
    return np.union1d(held, np.array(now, dtype=np.int64))


def _reindex(old_index: sparse.csr_matrix, queries: sparse.csr_matrix, reweighed: np.ndarray,
             requeried: sparse.csr_matrix) -> tuple[sparse.csr_matrix, np.ndarray]:
    """The index with the lists the reweighed papers reach chosen again, and which papers have an
    entry that changed.

    Only a list that held a reweighed paper, or of a term in its new query, can change. Its
    other papers' entries are as before, so its new list is the best of its old entries of
    other papers and the reweighed papers' new entries; exactly so unless the old list was full
    and the new last entry ranks below the old last one (a paper left out of the old list might
    rank between them): those lists alone are chosen from their whole column of the queries."""
    papers = queries.shape[0]
    is_reweighed = np.zeros(papers, dtype=bool)
    is_reweighed[reweighed] = True
    held = np.searchsorted(old_index.indptr, np.flatnonzero(is_reweighed[old_index.indices]), side="right") - 1
    terms = np.union1d(held, requeried.indices)
    old_lists = old_index[terms]
    new_entries = _placed(requeried, reweighed, papers).T.tocsr()[terms]
    candidates = _keep(old_lists, ~is_reweighed[old_lists.indices]) + new_entries
    candidates.sort_indices()  # papers in order: equal weights go to the smaller number, as in _index
    lists = _index(candidates)
    unsure = np.flatnonzero(~_not_below(*_last_entries(lists, POSTINGS_CAP), *_last_entries(old_lists, POSTINGS_CAP)))
    if len(unsure):
        lists = _replace_rows(lists, unsure, _index(queries[:, terms[unsure]].T.tocsr()), papers)
    changes = lists - old_lists
    changes.eliminate_zeros()
    relisted = np.flatnonzero(np.diff(changes.indptr))
    changed = np.zeros(papers, dtype=bool)
    changed[changes.indices] = True
    return _replace_rows(old_index, terms[relisted], lists[relisted], papers), changed


def _placed(rows_matrix: sparse.csr_matrix, rows: np.ndarray, height: int) -> sparse.csr_matrix:
    """A matrix of `height` rows, empty but for `rows` (ascending), which are those of `rows_matrix`."""
    lengths = np.zeros(height, dtype=np.int64)
    lengths[rows] = np.diff(rows_matrix.indptr)
    indptr = np.concatenate(([0], np.cumsum(lengths)))
    return sparse.csr_matrix((rows_matrix.data, rows_matrix.indices, indptr), shape=(height, rows_matrix.shape[1]))


def _last_entries(lists: sparse.csr_matrix, keep: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row holding `keep` entries, the one ranked last: (its column, its value rounded), the
    lowest value and of those the highest column; -1 and 0 for rows holding fewer."""
    columns, values = np.full(lists.shape[0], -1, dtype=np.int64), np.zeros(lists.shape[0])
    full = np.flatnonzero(np.diff(lists.indptr) == keep)
    at = lists.indptr[full, None] + np.arange(keep)
    row_values = np.round(lists.data[at], SCORE_DECIMALS)
    values[full] = row_values.min(axis=1, initial=np.inf)
    columns[full] = np.where(row_values == values[full, None], lists.indices[at], -1).max(axis=1, initial=-1)
    return columns, values


def _rescore(last: _Computation, queries: sparse.csr_matrix, index: sparse.csr_matrix, changed: np.ndarray,
             reweighed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every paper's related papers and scores after the update: patched where that is exact,
    scored again in full for the reweighed papers and where patching is not exact."""
    nearest, scores = last.nearest.copy(), last.scores.copy()
    patched, patched_nearest, patched_scores, unsure = _patch(last, queries, _keep(index, changed[index.indices]),
                                                              changed, reweighed)
    nearest[patched], scores[patched] = patched_nearest, patched_scores
    full = np.union1d(reweighed, unsure)
    nearest[full], scores[full] = _score(queries, index, full, last.count)
    return nearest, scores


def _patch(last: _Computation, queries: sparse.csr_matrix, changed_index: sparse.csr_matrix, changed: np.ndarray,
           reweighed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The new related lists of the papers whose query is unchanged (not `reweighed`) but whose
    list a changed paper may enter or leave, found without scoring them again where that is
    exact: (rows, their nearest, their scores, the rows to score again in full).

    Such a paper's scores against unchanged papers are as before; against the changed papers
    they are its query times the index restricted to them (each score sums the same products
    in the same order as the full product, so it is the same). Its list becomes the best of
    its old list's unchanged papers and the changed papers scoring at least its old last one;
    exactly so unless the old list was full and the new last entry ranks below the old last
    one, since a paper outside the old list might then rank between them."""
    same_query = np.ones(queries.shape[0], dtype=bool)
    same_query[reweighed] = False
    scored = np.flatnonzero(same_query)
    product = queries[scored] @ changed_index
    row_of = scored[np.repeat(np.arange(len(scored)), np.diff(product.indptr))]
    values = np.round(product.data, SCORE_DECIMALS)
    entering = (product.indices != row_of) & (values > 0) & (values >= last.scores[row_of, -1])  # 0 if not full
    holding = same_query & (changed[last.nearest] & (last.nearest >= 0)).any(axis=1)
    rows = np.union1d(row_of[entering], np.flatnonzero(holding))
    old = last.nearest[rows]
    kept = old >= 0
    kept[kept] = ~changed[old[kept]]
    nearest, scores = _first(np.concatenate((np.searchsorted(rows, row_of[entering]), np.nonzero(kept)[0])),
                             np.concatenate((product.indices[entering], old[kept])),
                             np.concatenate((product.data[entering], last.scores[rows][kept])), len(rows), last.count)
    exact = _not_below(nearest[:, -1], scores[:, -1], old[:, -1], last.scores[rows, -1])
    return rows[exact], nearest[exact], scores[exact], rows[~exact]


def _not_below(papers: np.ndarray, scores: np.ndarray, old_papers: np.ndarray, old_scores: np.ndarray) -> np.ndarray:
    """Whether each new last entry ranks at least as high as the old one (a higher score, or the
    same and a smaller number), or the old list was not full (no paper was left out of it)."""
    ranks_higher = (scores > old_scores) | ((scores == old_scores) & (papers <= old_papers))
    result: np.ndarray = (old_papers < 0) | ((papers >= 0) & ranks_higher)
    return result


def _replace_rows(matrix: sparse.csr_matrix, rows: np.ndarray, new: sparse.csr_matrix,
                  columns: int) -> sparse.csr_matrix:
    """The matrix with `rows` (ascending) replaced by the rows of `new`, widened to `columns`."""
    lengths = np.diff(matrix.indptr)
    lengths[rows] = np.diff(new.indptr)
    indptr = np.concatenate(([0], np.cumsum(lengths)))
    splice = _spliced if len(rows) * ENTRIES_PER_SPLICED_ROW < matrix.nnz else _masked
    data, indices = splice(matrix, rows, new, indptr)
    return sparse.csr_matrix((data, indices, indptr), shape=(matrix.shape[0], columns))


def _spliced(matrix: sparse.csr_matrix, rows: np.ndarray, new: sparse.csr_matrix,
             indptr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """_replace_rows' data and indices, the runs of rows between replaced ones copied as slices."""
    run_starts = np.append(0, matrix.indptr[rows + 1]).tolist()
    run_stops = np.append(matrix.indptr[rows], matrix.nnz).tolist()
    new_starts, new_stops = new.indptr[:-1].tolist(), new.indptr[1:].tolist()
    data, indices = [], []
    for number, (start, stop) in enumerate(zip(run_starts, run_stops)):
        data.append(matrix.data[start:stop])
        indices.append(matrix.indices[start:stop])
        if number < len(rows):
            data.append(new.data[new_starts[number]:new_stops[number]])
            indices.append(new.indices[new_starts[number]:new_stops[number]])
    return np.concatenate(data), np.concatenate(indices).astype(np.int32, copy=False)


def _masked(matrix: sparse.csr_matrix, rows: np.ndarray, new: sparse.csr_matrix,
            indptr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """_replace_rows' data and indices, each entry placed through a mask: for many rows."""
    replaced = np.zeros(matrix.shape[0], dtype=bool)
    replaced[rows] = True
    into_new = np.repeat(replaced, np.diff(indptr))
    from_old = ~np.repeat(replaced, np.diff(matrix.indptr))
    data = np.empty(len(into_new))
    indices = np.empty(len(into_new), dtype=np.int32)
    data[~into_new], indices[~into_new] = matrix.data[from_old], matrix.indices[from_old]
    data[into_new], indices[into_new] = new.data, new.indices
    return data, indices


def _resized(matrix: sparse.csr_matrix, rows: int) -> sparse.csr_matrix:
    """The matrix with empty rows added up to `rows`."""
    indptr = np.pad(matrix.indptr, (0, rows - matrix.shape[0]), mode="edge")
    return sparse.csr_matrix((matrix.data, matrix.indices, indptr), shape=(rows, matrix.shape[1]))
