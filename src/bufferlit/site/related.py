"""Related papers: same buffer type first, then text similarity (TF-IDF cosine).

All-pairs similarity is quadratic, so each paper keeps only its ``SIGNATURE_TERMS`` heaviest
terms and candidates come from an inverted index over those signatures. Terms shared by more
than ``MAX_POSTING_SHARE`` of the catalogue say little and would make the postings long, so
they are left out. Measured: 3-4 s for 10,000 synthetic Zipf-worded papers on a 2-core machine
(tests/site/test_site_related.py); all pairs would take minutes.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence

from bufferlit.model import Entry

SIGNATURE_TERMS = 16
MAX_POSTING_SHARE = 0.02
MIN_POSTING_CAP = 40
TITLE_WEIGHT = 3

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


def terms(text: str) -> list[str]:
    return [w for w in WORD.findall(text.casefold()) if len(w) > 2 and w not in STOPWORDS]


def related_papers(entries: Sequence[Entry], limit: int = 5) -> dict[str, tuple[str, ...]]:
    """For each paper id, up to ``limit`` related ids: sharing a buffer type first, then the
    most similar; papers with nothing in common are never listed."""
    documents = [
        Counter(terms(entry.paper.title) * TITLE_WEIGHT + terms(entry.paper.abstract))
        for entry in entries
    ]
    total = len(documents)
    document_frequency: Counter[str] = Counter()
    for counts in documents:
        document_frequency.update(counts.keys())
    posting_cap = max(MIN_POSTING_CAP, int(total * MAX_POSTING_SHARE))

    signatures: list[list[tuple[str, float]]] = []
    for counts in documents:
        weights = {
            term: (1 + math.log(count)) * math.log(total / document_frequency[term])
            for term, count in counts.items()
            if 1 < document_frequency[term] <= posting_cap  # a unique term matches no one
        }
        top = heapq.nlargest(SIGNATURE_TERMS, weights.items(), key=lambda item: item[1])
        norm = math.sqrt(sum(weight * weight for _, weight in top)) or 1.0
        signatures.append([(term, weight / norm) for term, weight in top])

    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for index, signature in enumerate(signatures):
        for term, weight in signature:
            postings[term].append((index, weight))

    type_sets = [frozenset(entry.tagging.buffer_types) for entry in entries]
    related: dict[str, tuple[str, ...]] = {}
    for index, signature in enumerate(signatures):
        scores: dict[int, float] = defaultdict(float)
        for term, weight in signature:
            for other, other_weight in postings[term]:
                scores[other] += weight * other_weight
        scores.pop(index, None)
        mine = type_sets[index]
        same = [(score, -other) for other, score in scores.items() if mine & type_sets[other]]
        best = heapq.nlargest(limit, same)
        if len(best) < limit:
            rest = [(s, -other) for other, s in scores.items() if not mine & type_sets[other]]
            best += heapq.nlargest(limit - len(best), rest)
        related[entries[index].paper.id] = tuple(entries[-other].paper.id for _, other in best)
    return related
