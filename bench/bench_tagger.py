"""Tagger throughput: tag 10,000 synthetic abstracts and print abstracts per second.

The abstracts are mutated copies of the 40 seed abstracts (sentences shuffled, mixed across
papers, words swapped for buffer vocabulary), so they exercise every rule and run about as
long as real ones. Deterministic (fixed seed). Like timeit, it reports the best of
``--repeat`` runs: slower runs measure other load on the machine, not the tagger.

    python bench/bench_tagger.py [--count 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

from bufferlit.listing import parse_listing
from bufferlit.tagger import tag_text

ROOT = Path(__file__).resolve().parent.parent
SEED_LISTING = ROOT / "data" / "seed-listing.txt"
SWAPS = {
    "memory buffer": ["KV cache", "replay buffer", "on-chip SRAM buffer", "stream buffer"],
    "buffer": ["cache", "scratchpad", "ring buffer", "buffer overflow", "riparian buffer"],
    "memory": ["episodic memory", "memory bank", "context window", "pinned memory"],
}
SWAP_PATTERN = re.compile("|".join(sorted(map(re.escape, SWAPS), key=len, reverse=True)))


def synthetic_abstracts(count: int, seed: int = 0) -> list[tuple[str, str]]:
    entries = parse_listing(SEED_LISTING.read_text(encoding="utf-8"), str(SEED_LISTING)).entries
    sentences = [re.split(r"(?<=\.)\s+", entry.abstract) for entry in entries]
    rng = random.Random(seed)
    texts = []
    for number in range(count):
        base = number % len(entries)
        own = list(sentences[base])
        rng.shuffle(own)
        # Mix in two sentences of other papers, and swap some buffer words.
        own += [rng.choice(rng.choice(sentences)) for _ in range(2)]
        abstract = SWAP_PATTERN.sub(
            lambda m: rng.choice(SWAPS[m.group()]) if rng.random() < 0.3 else m.group(),
            " ".join(own),
        )
        texts.append((entries[base].title, abstract))
    return texts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    texts = synthetic_abstracts(args.count)
    characters = sum(len(title) + len(abstract) for title, abstract in texts)
    runs = []
    for _ in range(max(1, args.repeat)):
        start = time.perf_counter()
        primary = Counter(tag_text(title, abstract).buffer_type.value for title, abstract in texts)
        runs.append(time.perf_counter() - start)
    elapsed = min(runs)
    print(
        f"tagged {len(texts):,} abstracts ({characters / len(texts):,.0f} characters on average) "
        f"in {elapsed:.2f} s (best of {len(runs)}): {len(texts) / elapsed:,.0f} abstracts/second"
    )
    print("primary types:", ", ".join(f"{name} {n}" for name, n in primary.most_common()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
