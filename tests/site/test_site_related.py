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


def test_a_word_in_most_papers_still_relates_them_and_the_closest_comes_first() -> None:
    # 600 papers share "replay"; each pair shares one rarer word too. Every paper's postings
    # are capped, yet each finds its twin first and still gets a full list through the
    # common word (a cap by share of the catalogue used to drop such words entirely).
    entries = [
        entry(f"p{index}", f"Replay study {index}", f"replay twin{index // 2}", BufferType.REPLAY)
        for index in range(600)
    ]
    # A word in every paper says nothing (its weight is 0): a few papers without it.
    entries += [entry(f"q{i}", "Photonic lattices", "photonic crystals") for i in range(10)]
    related = related_papers(entries, limit=5)
    for index in range(600):
        twin = f"p{index ^ 1}"
        assert related[f"p{index}"][0] == twin
        assert len(related[f"p{index}"]) == 5
