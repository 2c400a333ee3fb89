"""Related papers: same buffer type first, then text similarity (TF-IDF cosine).

All-pairs similarity is quadratic, so each paper keeps only its ``SIGNATURE_TERMS`` heaviest
terms and candidates come from an inverted index over those signatures. Each term's posting
list keeps only the ``POSTING_CAP`` papers in which the term weighs most (impact-ordered
pruning, as search engines do): a common word then links a paper to the papers where that
word matters most, and scoring one paper touches at most SIGNATURE_TERMS x POSTING_CAP
candidates whatever the size of the catalogue, so the whole is linear in N. (The earlier cap,
a share of the catalogue, let postings grow with N: quadratic, ~19 minutes at 100,000.)

The candidate scores are summed with numpy over blocks of papers (sorted pair keys, one
``reduceat``), since a Python loop over the ~10^8 candidate pairs of 100,000 papers takes
minutes. Measured on bench/generate.py's catalogues (2 cores): see docs/benchmarks.md.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import numpy.typing as npt

from bufferlit.model import BufferType, Entry

SIGNATURE_TERMS = 16
POSTING_CAP = 100
TITLE_WEIGHT = 3
BLOCK_PAIRS = 1_000_000
"""Candidate pairs scored at once, per worker (memory: ~40 bytes each)."""
WORKERS = 2

STOPWORDS = frozenset(
    """
    about above across after again against all also among and any are based been being between
    both but can could does doing down during each few for from further has have having here how
    into its itself just more most much new not now novel only other our out over own paper
    propose proposed same should show shows significantly such than that the their them then
    there these they this those through under until use used uses using very via was were what
    when where which while who will with within without would yet you your approach method
    methods results result work achieve achieves performance state art existing however
    """.split()
)
WORD = re.compile(r"[a-z][a-z0-9]+(?:-[a-z0-9]+)*")
TYPE_BITS = {buffer_type: 1 << bit for bit, buffer_type in enumerate(BufferType)}

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


def terms(text: str) -> list[str]:
    return [w for w in WORD.findall(text.casefold()) if len(w) > 2 and w not in STOPWORDS]


def related_papers(entries: Sequence[Entry], limit: int = 5) -> dict[str, tuple[str, ...]]:
    """For each paper id, up to ``limit`` related ids: sharing a buffer type first, then the
    most similar; papers with nothing in common are never listed."""
    docs, term_ids, weights = _signatures(entries)
    post_start, post_docs, post_weights = _postings(term_ids, weights, docs)
    type_masks = np.array(
        [sum(TYPE_BITS[t] for t in set(entry.tagging.buffer_types)) for entry in entries],
        dtype=np.int64,
    )
    # Signature entries are grouped by paper, so a block is a run of whole papers whose
    # candidate pairs fit in BLOCK_PAIRS.
    first_entry = np.searchsorted(docs, np.arange(len(entries) + 1))
    lengths = post_start[term_ids + 1] - post_start[term_ids]
    pairs_before = np.concatenate(([0], np.cumsum(lengths)))[first_entry]
    blocks = []
    paper = 0
    while paper < len(entries):
        budget = pairs_before[paper] + BLOCK_PAIRS
        end = max(int(np.searchsorted(pairs_before, budget, side="right")) - 1, paper + 1)
        blocks.append(slice(first_entry[paper], first_entry[end]))
        paper = end

    def best_of(block: slice) -> dict[int, list[int]]:
        source, other, score = _candidates(
            docs[block], term_ids[block], weights[block], post_start, post_docs, post_weights
        )
        return _best(source, other, score, type_masks, limit)

    related: dict[str, tuple[str, ...]] = {entry.paper.id: () for entry in entries}
    # numpy's sorts and gathers release the GIL: blocks run two at a time on two cores.
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for best in pool.map(best_of, blocks):
            for index, ids in best.items():
                related[entries[index].paper.id] = tuple(entries[i].paper.id for i in ids)
    return related


def _signatures(entries: Sequence[Entry]) -> tuple[Ints, Ints, Floats]:
    """Each paper's heaviest terms as flat arrays (paper, term id, unit-normed weight)."""
    documents = [
        Counter(terms(entry.paper.title) * TITLE_WEIGHT + terms(entry.paper.abstract))
        for entry in entries
    ]
    total = len(documents)
    document_frequency: Counter[str] = Counter()
    for counts in documents:
        document_frequency.update(counts.keys())
    idf = {
        term: math.log(total / df)
        for term, df in document_frequency.items()
        if 1 < df < total  # a unique term matches no one; a universal one says nothing
    }
    vocabulary = {term: index for index, term in enumerate(idf)}
    docs: list[int] = []
    term_ids: list[int] = []
    weights: list[float] = []
    for index, counts in enumerate(documents):
        scored = [
            ((1 + math.log(count)) * idf[term], term)
            for term, count in counts.items()
            if term in idf
        ]
        top = sorted(scored, reverse=True)[:SIGNATURE_TERMS]
        norm = math.sqrt(sum(weight * weight for weight, _ in top)) or 1.0
        for weight, term in top:
            docs.append(index)
            term_ids.append(vocabulary[term])
            weights.append(weight / norm)
    return (
        np.array(docs, dtype=np.int64),
        np.array(term_ids, dtype=np.int64),
        np.array(weights, dtype=np.float64),
    )


def _postings(term_ids: Ints, weights: Floats, docs: Ints) -> tuple[Ints, Ints, Floats]:
    """Per term, the POSTING_CAP papers it weighs most in: (start offsets, papers, weights)."""
    vocabulary = int(term_ids.max()) + 1 if len(term_ids) else 0
    order = np.lexsort((docs, -weights, term_ids))  # by term, heaviest first, then paper
    sorted_terms = term_ids[order]
    starts = np.searchsorted(sorted_terms, np.arange(vocabulary))
    rank = np.arange(len(order)) - starts[sorted_terms]
    kept = order[rank < POSTING_CAP]
    post_start = np.searchsorted(term_ids[kept], np.arange(vocabulary + 1))
    return post_start, docs[kept], weights[kept]


def _candidates(
    docs: Ints,
    term_ids: Ints,
    weights: Floats,
    post_start: Ints,
    post_docs: Ints,
    post_weights: Floats,
) -> tuple[Ints, Ints, Floats]:
    """The cosine score of every (paper, other paper) pair sharing a signature term, for the
    signature entries of one block; self pairs dropped, sorted by paper then other paper."""
    lengths = post_start[term_ids + 1] - post_start[term_ids]
    entry = np.repeat(np.arange(len(docs)), lengths)
    within = np.arange(len(entry)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    posting = post_start[term_ids][entry] + within
    source, other = docs[entry], post_docs[posting]
    products = weights[entry] * post_weights[posting]
    keep = source != other
    source, other, products = source[keep], other[keep], products[keep]
    keys = source * (int(post_docs.max(initial=0)) + 1) + other
    order = np.argsort(keys)  # equal keys are summed: their order does not matter
    keys = keys[order]
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    if len(keys) == 0:
        return source, other, products
    scores = np.add.reduceat(products[order], starts)
    return source[order][starts], other[order][starts], scores


def _best(
    source: Ints, other: Ints, score: Floats, type_masks: Ints, limit: int
) -> dict[int, list[int]]:
    """Per paper, its ``limit`` best others: same buffer type first, then the higher score,
    then the earlier paper (the order the catalogue was given in)."""
    # One stable float sort instead of a lexsort: cosine scores lie in [0, 1], so paper * 4
    # + (3 - score - 2 * same) orders by paper, same type, score; ties keep the other
    # papers' order (the pairs come sorted by paper, then other paper).
    same = (type_masks[source] & type_masks[other]) != 0
    key = source * 4.0 + (3.0 - score - 2.0 * same)
    order = np.argsort(key, kind="stable")
    source, other = source[order], other[order]
    starts = np.searchsorted(source, source, side="left")
    chosen = (np.arange(len(source)) - starts) < limit
    best: dict[int, list[int]] = {}
    for paper, related in zip(source[chosen].tolist(), other[chosen].tolist(), strict=True):
        best.setdefault(paper, []).append(related)
    return best
