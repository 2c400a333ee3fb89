"""Related papers: same buffer type first, then text similarity (TF-IDF cosine).

All-pairs similarity is quadratic, so each paper keeps only its ``SIGNATURE_TERMS`` heaviest
terms and candidates come from an inverted index over those signatures. Each term's posting
list keeps only the ``POSTING_CAP`` papers in which the term weighs most (impact-ordered
pruning, as search engines do): a common word then links a paper to the papers where that
word matters most, and scoring one paper touches at most SIGNATURE_TERMS x POSTING_CAP
candidates whatever the size of the catalogue, so the whole is linear in N. (The earlier cap,
a share of the catalogue, let postings grow with N: quadratic, ~19 minutes at 100,000.)

The candidate scores are one sparse matrix product (signatures x postings), by blocks of
papers, with scipy: its product sums the ~10^7 candidate pairs of 10,000 papers in ~0.2 s,
where sorting pair keys with numpy took ~1.8 s on two cores (a Python loop, minutes).
Measured on bench/generate.py's catalogues (2 cores): see docs/benchmarks.md.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
from scipy import sparse

from bufferlit.model import BufferType, Entry, Paper

SIGNATURE_TERMS = 16
POSTING_CAP = 100
TITLE_WEIGHT = 3
BLOCK_PAPERS = 2_000
"""Papers scored at once (memory: ~12 bytes per candidate pair, ~1,600 pairs per paper)."""

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


def related_papers(
    entries: Sequence[Entry],
    limit: int = 5,
    counts: Sequence[Mapping[str, int]] | None = None,
) -> dict[str, tuple[str, ...]]:
    """For each paper id, up to ``limit`` related ids: sharing a buffer type first, then the
    most similar; papers with nothing in common are never listed. ``counts``: each entry's
    ``term_counts``, when the caller has them already."""
    if counts is None:
        counts = [term_counts(entry.paper) for entry in entries]
    docs, term_ids, weights = _signatures(counts)
    vocabulary = int(term_ids.max()) + 1 if len(term_ids) else 0
    signatures = sparse.csr_matrix((weights, (docs, term_ids)), shape=(len(entries), vocabulary))
    postings = _postings(term_ids, weights, docs, len(entries))
    type_masks = np.array(
        [sum(TYPE_BITS[t] for t in set(entry.tagging.buffer_types)) for entry in entries],
        dtype=np.int64,
    )
    ids = [entry.paper.id for entry in entries]
    related: dict[str, tuple[str, ...]] = {}
    for first in range(0, len(entries), BLOCK_PAPERS):
        rows = slice(first, min(first + BLOCK_PAPERS, len(entries)))
        # Cosine scores of this block's papers with every paper sharing a signature term
        # with them (through its postings): one sparse product, summed in C.
        scores = (signatures[rows] @ postings).tocsr()
        for paper, others in enumerate(_best(scores, first, type_masks, limit), start=first):
            related[ids[paper]] = tuple(ids[other] for other in others)
    return related


def term_counts(paper: Paper) -> dict[str, int]:
    """A paper's words as related papers weigh them (each title word counts TITLE_WEIGHT
    times). Kept per record between builds (site/inputs.py): ~0.4 s at 10,000 papers."""
    return dict(Counter(terms(paper.title) * TITLE_WEIGHT + terms(paper.abstract)))


def _signatures(documents: Sequence[Mapping[str, int]]) -> tuple[Ints, Ints, Floats]:
    """Each paper's heaviest terms as flat arrays (paper, term id, unit-normed weight)."""
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


def _postings(term_ids: Ints, weights: Floats, docs: Ints, papers: int) -> sparse.csr_matrix:
    """Per term (row), the POSTING_CAP papers it weighs most in, with its weight there."""
    vocabulary = int(term_ids.max()) + 1 if len(term_ids) else 0
    order = np.lexsort((docs, -weights, term_ids))  # by term, heaviest first, then paper
    sorted_terms = term_ids[order]
    starts = np.searchsorted(sorted_terms, np.arange(vocabulary))
    rank = np.arange(len(order)) - starts[sorted_terms]
    kept = order[rank < POSTING_CAP]
    post_start = np.searchsorted(term_ids[kept], np.arange(vocabulary + 1))
    return sparse.csr_matrix((weights[kept], docs[kept], post_start), shape=(vocabulary, papers))


def _best(scores: sparse.csr_matrix, first: int, type_masks: Ints, limit: int) -> list[Ints]:
    """Per row of ``scores`` (paper ``first`` onwards), its ``limit`` best others: same buffer
    type first, then the higher score, then the earlier paper (the order the catalogue was
    given in); never the paper itself."""
    rows = np.repeat(np.arange(first, first + scores.shape[0]), np.diff(scores.indptr))
    others = scores.indices.astype(np.int64)
    # Cosine scores lie in [0, 1]: 2 more for the same type puts all of those first.
    keys = scores.data + 2.0 * ((type_masks[rows] & type_masks[others]) != 0)
    keys[others == rows] = -np.inf
    best = []
    for start, end in itertools.pairwise(scores.indptr.tolist()):
        key, other = keys[start:end], others[start:end]
        if end - start > limit:
            # The limit-th best key; all that reach it (ties included) are then ordered.
            threshold = -np.partition(-key, limit - 1)[limit - 1]
            chosen = np.flatnonzero(key >= threshold)
            key, other = key[chosen], other[chosen]
        order = np.lexsort((other, -key))[:limit]
        best.append(other[order][key[order] > -np.inf])
    return best
