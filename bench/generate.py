"""Synthetic catalogues of N papers for the scale benchmark (deterministic for a given seed).

Each paper gets a title that is unique by construction (a made-up system name plus a distinct
combination of topic slots, so no two titles are near-duplicates), authors, a year, a venue,
arXiv id / DOI / URL, code links for about half of them, and an abstract of 6-10 sentences
that mixes the buffer vocabulary the tagger looks for (replay buffers, KV caches, on-chip
SRAM, frame memories, "buffer overflow", "rehearsal-free", ...) with plain filler, so the
tagger has real work. About one record in ten carries curated fields.

It writes either a records folder (papers/<id>.yaml in the writer's layout) or a scraped
listing (title line, abstract line, with the scraper junk and LaTeX leftovers that real
listings have), or both:

    python bench/generate.py 10000 --records bench/out/papers-10000
    python bench/generate.py 10000 --listing bench/out/listing-10000.txt --seed 7
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bufferlit.identity import lookalike_titles, normalise_title
from bufferlit.keys import citation_key, unique_key
from bufferlit.writer import dump_record

SYLLABLES = "ka ro mi ne lu ta vo si de ra po zu fe li mo na ti ve xa qui bro dra sto fen".split()
SURNAMES = (
    "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Luo Gao "
    "Smith Johnson Brown Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Dupont Moreau Laurent Rossi "
    "Russo Ferrari Esposito Kim Park Choi Jung Kang Tanaka Suzuki Sato Takahashi Watanabe "
    "Nowak Kowalski Wiśniewski Ivanov Petrov Novák Svoboda Silva Santos Oliveira Pereira "
    "Singh Kumar Sharma Gupta Patel Reddy Das Nguyen Tran Le Pham Hoang Cohen Levi Mizrahi "
    "O'Brien Murphy Kelly Walsh Andersson Johansson Karlsson Nielsen Hansen Jensen Larsen"
).split()
GIVEN = (
    "Wei Jing Min Hao Yu Xin Lei Jun Yan Tao Noah Emma Liam Olivia Ava Lucas Mia Ethan "
    "Sofia Mateo Chloé Léa Hugo Jonas Lena Felix Anna Marco Giulia Ji-woo Min-jun Haruto "
    "Yui Sakura Arjun Priya Rohan Ananya Duc Linh Omar Layla Yusuf Zeynep Ingrid Lars "
    "Björn Astrid Sean Aoife Tomasz Zofia Dmitri Olga João Beatriz"
).split()
VENUES = (
    "arXiv",
    "NeurIPS",
    "ICML",
    "ICLR",
    "CVPR",
    "ICCV",
    "ECCV",
    "AAAI",
    "ACL",
    "EMNLP",
    "ISCA",
    "MICRO",
    "ASPLOS",
    "HPCA",
    "OSDI",
    "SOSP",
    "IEEE Transactions on Pattern Analysis and Machine Intelligence",
    "Journal of Machine Learning Research",
    "Transactions on Machine Learning Research",
    "IEEE Transactions on Computers",
    "ACM Computing Surveys",
    "",
)

# Title slots: a distinct combination per paper (see _title).
TITLE_TEMPLATES = (
    "{name}: {adj} {buffer} for {domain}",
    "{name}: Towards {adj} {buffer} in {domain}",
    "{adj} {buffer} with {technique} for {domain} ({name})",
    "{name}: {technique} Meets {buffer} in {domain}",
    "Rethinking {buffer} for {domain}: {name} and {technique}",
    "{name}: Scaling {domain} with {adj} {buffer}",
    "{name}: {adj} {technique} without {buffer} for {domain}",
    "On the Role of {buffer} in {domain}: the {name} {technique}",
    "{name}: Learning {adj} {buffer} via {technique} in {domain}",
    "{name}: When {technique} Needs {adj} {buffer} for {domain}",
    "Beyond {buffer}: {adj} {technique} for {domain} with {name}",
    "{name}: A {adj} {technique} Approach to {buffer} in {domain}",
)
ADJECTIVES = (
    "Efficient Adaptive Scalable Robust Lightweight Hierarchical Sparse Dynamic Compressed "
    "Streaming Online Distributed Quantized Selective Learned Balanced Elastic Incremental "
    "Asynchronous Memory-Efficient Bounded Tiered Unified Provable Hybrid Latency-Aware "
    "Energy-Aware Fault-Tolerant Cooperative Structured"
).split()
BUFFER_PHRASES = (
    "Experience Replay",
    "Replay Buffers",
    "Exemplar Memory",
    "Rehearsal",
    "KV Cache Compression",
    "Key-Value Caches",
    "Long-Context Memory",
    "Agent Memory",
    "On-Chip SRAM",
    "Scratchpad Memory",
    "Double Buffering",
    "Memory Offloading",
    "Frame Memory Banks",
    "Stream Buffers",
    "Temporal Memory",
    "Memory Banks",
    "Prioritized Replay",
    "Paged Attention",
    "Activation Checkpointing",
    "Buffer Management",
    "Token Eviction",
    "Prefetch Buffers",
    "Circular Buffers",
    "Feature Queues",
    "Episodic Memory",
    "Context Windows",
    "Write Buffers",
    "Line Buffers",
    "Sample Selection",
    "Gradient Episodic Memory",
)
TECHNIQUES = (
    "Contrastive Learning",
    "Knowledge Distillation",
    "Meta-Learning",
    "Graph Neural Networks",
    "State Space Models",
    "Mixture of Experts",
    "Diffusion Models",
    "Reinforcement Learning",
    "Transformers",
    "Low-Rank Adaptation",
    "Speculative Decoding",
    "Dataflow Scheduling",
    "Operator Fusion",
    "Loop Tiling",
    "Hashing",
    "Importance Sampling",
    "Bayesian Inference",
    "Curriculum Learning",
    "Self-Supervision",
    "Prompt Tuning",
    "Neural Architecture Search",
    "Pruning",
    "Quantization",
    "Attention Sinks",
    "Retrieval Augmentation",
    "Program Synthesis",
    "Model Merging",
    "Active Learning",
    "Federated Averaging",
    "Weight Sharing",
)
DOMAINS = (
    "Continual Learning",
    "Class-Incremental Learning",
    "Deep Reinforcement Learning",
    "Offline RL",
    "LLM Inference",
    "LLM Agents",
    "Long-Document Question Answering",
    "Dialogue Systems",
    "FPGA Accelerators",
    "DNN Accelerators",
    "Edge Devices",
    "Microcontrollers",
    "Video Object Segmentation",
    "Visual Object Tracking",
    "Online Action Detection",
    "Autonomous Driving",
    "Speech Recognition",
    "Robotics",
    "Recommender Systems",
    "Graph Analytics",
    "Federated Learning",
    "Medical Imaging",
    "Time-Series Forecasting",
    "Network Packet Processing",
    "Database Systems",
    "Multi-Agent Systems",
    "Code Generation",
    "Image Classification",
    "Machine Translation",
    "Point Cloud Perception",
)

# Abstract sentences, by the kind of buffer the paper is about. {x} slots are filled from the
# title's slots so an abstract talks about its own title.
OPENERS = (
    "{domain} has become a central problem in modern machine learning systems.",
    "Recent progress in {domain} has been driven by ever larger models and datasets.",
    "Deploying models for {domain} under tight memory budgets remains challenging.",
    "Many applications of {domain} must process data that arrives continuously.",
)
TYPE_SENTENCES = {
    "replay": (
        "Continual learning methods store past samples in a replay buffer and rehearse them "
        "while training on new tasks to mitigate catastrophic forgetting.",
        "We propose {name}, which maintains an exemplar memory of representative samples and "
        "replays them with {technique}.",
        "Our experience replay buffer uses prioritized sampling of stored transitions to "
        "stabilise off-policy learning.",
        "A small episodic memory of previous examples is rehearsed at every step.",
    ),
    "kv-context": (
        "During autoregressive decoding, the KV cache of a large language model grows "
        "linearly with the context length and dominates GPU memory.",
        "We propose {name}, which compresses the key-value cache by evicting tokens with "
        "low attention scores.",
        "Our agent keeps a long-term memory of past interactions in its context window and "
        "retrieves the relevant entries for each query.",
        "Paged attention lets {name} share KV cache blocks across requests.",
    ),
    "hardware": (
        "On-chip SRAM buffers are scarce in DNN accelerators, so off-chip DRAM traffic "
        "dominates energy.",
        "We propose {name}, a dataflow that uses double buffering in the scratchpad to "
        "overlap data movement with computation.",
        "Our FPGA design tiles the computation so each tile fits in the on-chip buffer and "
        "hides memory latency.",
        "{name} offloads activations from GPU memory to host memory through pinned buffers "
        "using CUDA streams.",
    ),
    "streaming": (
        "Video object segmentation methods keep a memory bank of past frames and attend to "
        "it when segmenting the current frame.",
        "We propose {name}, which maintains a frame memory over the video stream and updates "
        "it online.",
        "Our tracker stores features of recent frames in a stream buffer of fixed size.",
        "A temporal memory bank aggregates information from the incoming stream for online "
        "action detection.",
    ),
    "none": (
        "Buffer overflow vulnerabilities remain a major source of memory-safety bugs in "
        "systems code.",
        "We model riparian buffer zones along streams to estimate nutrient retention.",
        "A transition-based parser keeps a stack and a buffer of incoming words.",
        "We use long short-term memory networks to encode the input sequence.",
    ),
    "avoids": (
        "Unlike rehearsal-based methods, {name} is rehearsal-free and does not store any "
        "past samples.",
        "Our approach works without a memory buffer, which makes it suitable for "
        "privacy-sensitive settings.",
        "{name} achieves strong results without replaying old examples and keeps no exemplar "
        "memory.",
    ),
}
FILLERS = (
    "We evaluate {name} on standard benchmarks for {domain}.",
    "Experiments show that {name} improves accuracy by {pct} while reducing memory by {x}x.",
    "We further analyse the trade-off between memory footprint and latency.",
    "An ablation study confirms the contribution of each component of {technique}.",
    "Our method is simple to implement and adds negligible overhead.",
    "We also provide a theoretical analysis of convergence under mild assumptions.",
    "Results on {n} datasets demonstrate consistent improvements over strong baselines.",
    "The approach generalises to settings with limited labelled data.",
    "{technique} is combined with a lightweight scheduler to balance throughput and quality.",
    "We release a new benchmark to study this problem in realistic conditions.",
)
KIND_WEIGHTS = (
    ("replay", 26),
    ("kv-context", 24),
    ("hardware", 18),
    ("streaming", 16),
    ("none", 10),
    ("avoids", 6),
)
CURATED_DOMAINS = (  # from the tagger's closed vocabulary (records refuse others)
    "continual-learning",
    "reinforcement-learning",
    "llm-inference",
    "hardware",
    "video",
    "machine-learning",
)
JUNK = (
    "Get trending papers in your email inbox once a day!",
    "Subscribe",
    "Upvote",
    "12 upvotes",
    "Share",
)


@dataclass
class Synthetic:
    """One generated paper: record fields plus what the listing needs."""

    fields: dict[str, object]
    listing_title: str
    listing_abstract: str
    extras: dict[str, str] = field(default_factory=dict)


def _permute(index: int, size: int, multiplier: int, offset: int) -> int:
    """A bijection of range(size) (multiplier must be coprime with size)."""
    return (index * multiplier + offset) % size


def _coprime(size: int, rng: random.Random) -> int:
    from math import gcd

    while True:
        candidate = rng.randrange(size // 3, size - 1) | 1
        if gcd(candidate, size) == 1:
            return candidate


def _name(number: int) -> str:
    """A made-up system name from a number: 4 syllables (331,776 names), never repeated."""
    parts = []
    for _ in range(4):
        number, digit = divmod(number, len(SYLLABLES))
        parts.append(SYLLABLES[digit])
    word = "".join(parts)
    return word[0].upper() + word[1:]


def _slots(number: int) -> tuple[int, int, int, int, int]:
    radices = (
        len(TITLE_TEMPLATES),
        len(ADJECTIVES),
        len(BUFFER_PHRASES),
        len(TECHNIQUES),
        len(DOMAINS),
    )
    digits = []
    for radix in radices:
        number, digit = divmod(number, radix)
        digits.append(digit)
    return digits[0], digits[1], digits[2], digits[3], digits[4]


def generate(count: int, seed: int = 1) -> Iterator[Synthetic]:
    """``count`` papers, the same for the same (count, seed)."""
    rng = random.Random(seed)
    name_space = len(SYLLABLES) ** 4
    slot_space = (
        len(TITLE_TEMPLATES)
        * len(ADJECTIVES)
        * len(BUFFER_PHRASES)
        * len(TECHNIQUES)
        * len(DOMAINS)
    )
    if count > min(name_space, slot_space):
        raise ValueError(f"at most {min(name_space, slot_space):,} distinct papers")
    name_mul, slot_mul = _coprime(name_space, rng), _coprime(slot_space, rng)
    name_off, slot_off = rng.randrange(name_space), rng.randrange(slot_space)
    kinds = [kind for kind, weight in KIND_WEIGHTS for _ in range(weight)]
    taken: set[str] = set()
    used_arxiv: set[str] = set()

    def title_slots(number: int) -> dict[str, str]:
        template, adj, buf, tech, dom = _slots(_permute(number, slot_space, slot_mul, slot_off))
        return {
            "template": TITLE_TEMPLATES[template],
            "adj": ADJECTIVES[adj],
            "buffer": BUFFER_PHRASES[buf],
            "technique": TECHNIQUES[tech],
            "domain": DOMAINS[dom],
        }

    # Distinct slot combinations can still give near-duplicate titles (a long fixed template
    # with two slots changed): those get the next unused combination until no two titles
    # score 88 or more, so ingest and validate see no duplicate the generator did not mean.
    names = [_name(_permute(index, name_space, name_mul, name_off)) for index in range(count)]
    chosen = [title_slots(index) for index in range(count)]
    spare = count
    while True:
        keys = [
            normalise_title(slots["template"].format(name=name, **slots))
            for name, slots in zip(names, chosen, strict=True)
        ]
        clashes = lookalike_titles(keys, 0, 88.0)
        if not clashes:
            break
        for index in clashes:
            chosen[index] = title_slots(spare)
            spare += 1

    for index in range(count):
        name = names[index]
        slots = {
            **chosen[index],
            "name": name,
            "pct": f"{rng.uniform(0.5, 12):.1f}%",
            "x": str(rng.randint(2, 16)),
            "n": str(rng.randint(3, 12)),
        }
        title = slots["template"].format(**slots)

        kind = rng.choice(kinds)
        sentences = [rng.choice(OPENERS)]
        main = list(TYPE_SENTENCES[kind])
        rng.shuffle(main)
        sentences += main[: rng.randint(2, 3)]
        if rng.random() < 0.25:  # a secondary type, as real papers have
            other = rng.choice([k for k in TYPE_SENTENCES if k not in (kind, "avoids")])
            sentences.append(rng.choice(TYPE_SENTENCES[other]))
        sentences += rng.sample(FILLERS, rng.randint(3, 5))
        abstract = " ".join(sentences).format(**slots)

        year = rng.randint(1995, 2025)
        authors = [f"{rng.choice(SURNAMES)}, {rng.choice(GIVEN)}" for _ in range(rng.randint(1, 7))]
        venue = rng.choice(VENUES)
        code: list[str] = []
        if rng.random() < 0.5:
            user = rng.choice(SURNAMES).lower().replace("'", "")
            code.append(f"https://github.com/{user}{rng.randint(1, 999)}/{name.lower()}")
            abstract += f" Code is available at {code[0]}."
        key = unique_key(citation_key(authors[0].split(",")[0], year, title), taken)
        taken.add(key)
        arxiv = ""
        if year >= 2008 and rng.random() < 0.8:
            # One paper per arXiv id: two records sharing one are the same paper to validate.
            while not arxiv or arxiv in used_arxiv:
                arxiv = f"{year % 100:02d}{rng.randint(1, 12):02d}.{rng.randint(1, 29999):05d}"
            used_arxiv.add(arxiv)
        fields: dict[str, object] = {
            "id": key,
            "title": title,
            "authors": authors,
            "year": year,
            "venue": venue,
            "arxiv": arxiv,
            "doi": f"10.{rng.randint(1000, 99999)}/bench.{index}" if rng.random() < 0.4 else "",
            "url": f"https://example.org/papers/{key}" if rng.random() < 0.2 else "",
            "code": code,
            "added": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "abstract": abstract,
        }
        if rng.random() < 0.1:  # a curator's decision overrides the tagger
            curated = "replay" if kind == "avoids" else kind
            fields["buffer_types"] = [curated]
            fields["stance"] = "avoids" if kind == "avoids" else "uses"
            fields["domains"] = [rng.choice(CURATED_DOMAINS)]
            fields["notes"] = "Checked by hand."

        # What a scraper leaves: a LaTeX percent sign, a URL ending the sentence.
        listing_abstract = abstract.replace("%", r"\%")
        yield Synthetic(fields, title, listing_abstract)


def write_records(papers: list[Synthetic], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for paper in papers:
        text = dump_record(paper.fields)
        (folder / f"{paper.fields['id']}.yaml").write_text(text, encoding="utf-8")


def write_listing(papers: list[Synthetic], path: Path, seed: int = 1) -> None:
    """Title line, abstract line, repeated, with scraper junk sprinkled in."""
    rng = random.Random(seed + 1)
    lines = [JUNK[0]]
    for index, paper in enumerate(papers):
        if rng.random() < 0.02:
            lines.append(rng.choice(JUNK[1:]))
        prefix = "Subscribe" if index == 0 else ""
        lines += [prefix + paper.listing_title, paper.listing_abstract]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, help="how many papers")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--records", type=Path, help="write papers/<id>.yaml into this folder")
    parser.add_argument("--listing", type=Path, help="write a scraped listing to this file")
    args = parser.parse_args(argv)
    if not args.records and not args.listing:
        parser.error("give --records FOLDER and/or --listing FILE")
    papers = list(generate(args.count, args.seed))
    if args.records:
        write_records(papers, args.records)
        print(f"{len(papers)} records in {args.records}")
    if args.listing:
        write_listing(papers, args.listing, args.seed)
        print(f"{len(papers)} listing entries in {args.listing}")


if __name__ == "__main__":
    main()
