"""Typo-tolerant ranked search over titles, authors and abstracts (rapidfuzz)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from bufferlit.model import Paper

# Title and author hits matter more than a word somewhere in a long abstract.
WEIGHTS = {"title": 1.0, "authors": 0.95, "abstract": 0.8}
MIN_SCORE = 70.0


@dataclass(frozen=True)
class Hit:
    paper: Paper
    score: float
    field: str
    """Which field matched best (title, authors or abstract)."""


def search(query: str, papers: Sequence[Paper], limit: int = 10) -> list[Hit]:
    """Papers ranked by their best weighted fuzzy match of the query in any field."""
    query = utils.default_process(query)
    if not query:
        return []
    texts = {
        "title": [paper.title for paper in papers],
        "authors": [" ".join(paper.authors) for paper in papers],
        "abstract": [paper.abstract for paper in papers],
    }
    best: dict[int, Hit] = {}
    for field, weight in WEIGHTS.items():
        # partial_ratio finds the query inside a longer text (a word with a typo in a title).
        scores = process.cdist(
            [query],
            texts[field],
            scorer=fuzz.partial_ratio,
            processor=utils.default_process,
            score_cutoff=MIN_SCORE / weight,
            workers=1,
        )[0]
        for index in scores.nonzero()[0]:
            score = float(scores[index]) * weight
            if index not in best or score > best[index].score:
                best[int(index)] = Hit(papers[int(index)], score, field)
    ranked = sorted(best.values(), key=lambda hit: (-hit.score, hit.paper.id))
    return [hit for hit in ranked if hit.score >= MIN_SCORE][:limit]
