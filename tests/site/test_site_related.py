"""Related papers: same buffer type first, then similarity; fast enough at 10,000 papers."""

from __future__ import annotations

import itertools
import random
import time

from bufferlit.model import BufferType, Entry, Paper, Stance, Tagging
from bufferlit.site.related import related_papers


def entry(paper_id: str, title: str, abstract: str, *types: BufferType) -> Entry:
    paper = Paper(id=paper_id, title=title, abstract=abstract, added="2026-01-01")
    return Entry(paper, Tagging(tuple(types) or (BufferType.NONE,), Stance.USES, ()))


def test_same_buffer_type_comes_before_a_closer_text_match() -> None:
    entries = [
        entry(
            "a",
            "Prioritized replay for agents",
            "prioritized replay sampling agents",
            BufferType.REPLAY,
        ),
        # Nearly the same words as "a", but another buffer type.
        entry(
            "b",
            "Prioritized replay for agents",
            "prioritized replay sampling agents",
            BufferType.HARDWARE,
        ),
        # Shares one word with "a", and its buffer type.
        entry("c", "Sampling in rehearsal", "sampling rehearsal forgetting", BufferType.REPLAY),
        entry("d", "Unrelated words entirely", "photonic lattice crystals", BufferType.REPLAY),
        entry("e", "Photonic lattice crystals", "photonic lattice crystals", BufferType.STREAMING),
    ]
    related = related_papers(entries, limit=5)
    assert related["a"] == ("c", "b")
    # Nothing in common is never "related", even with the same type.
    assert "d" not in related["a"]
    assert related["d"] == ("e",)
    assert all(paper_id not in others for paper_id, others in related.items())


def test_ten_thousand_papers_take_seconds_not_minutes() -> None:
    rng = random.Random(7)
    vocabulary = [f"term{index}" for index in range(20_000)]
    # Zipf-distributed words, like real text (cumulative weights: much faster to draw).
    zipf = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(vocabulary))))
    types = list(BufferType)
    entries = [
        entry(
            f"p{index}",
            " ".join(rng.choices(vocabulary, cum_weights=zipf, k=9)),
            " ".join(rng.choices(vocabulary, cum_weights=zipf, k=150)),
            rng.choice(types),
        )
        for index in range(10_000)
    ]
    started = time.perf_counter()
    related = related_papers(entries, limit=5)
    elapsed = time.perf_counter() - started
    assert len(related) == 10_000
    assert sum(len(ids) for ids in related.values()) > 40_000
    assert elapsed < 30, f"related papers for 10,000 took {elapsed:.1f} s"
