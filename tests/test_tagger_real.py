"""The tagger on real papers (tests/data/real-dev), its confidence, and the TSV label reader.

real-dev is text nobody here wrote: 113 papers from 8 public paper lists, labelled from the
list curators' categories. Rows with ``n % 4 == 0`` were fixed as the never-tuned part
before any rule was written for real-dev (docs/taxonomy.md has the story and the figures).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bufferlit.errors import BufferlitError
from bufferlit.model import BufferType, Paper, Stance
from bufferlit.tagger import tag_paper, tag_text
from bufferlit.tagger.evaluate import Figures, evaluate, keyword_baseline, tagger_without
from bufferlit.tagger.labels import Label, load_labels_file, load_tsv_labels
from bufferlit.tagger.rules import PHRASES
from bufferlit.tagger.sources import ASV_LIST

REAL_DEV = Path(__file__).parent / "data" / "real-dev"
REAL_DEV_2 = Path(__file__).parent / "data" / "real-dev-2"
CL = "Continual Learning of Image Classes"
HEADER = "n\ttitle_start\tprimary\taccept\tstance\tsource\n"


@pytest.fixture(scope="module")
def real_dev() -> list[Label]:
    return load_labels_file(REAL_DEV / "labels.tsv")


def test_every_real_dev_row_is_read_with_its_paper(real_dev: list[Label]) -> None:
    assert len(real_dev) == 113
    assert all(label.ingested and label.abstract for label in real_dev)
    parts = [label.part for label in real_dev]
    assert parts.count("never-tuned") == 28 and parts.count("tuning") == 85
    assert len({label.list_name for label in real_dev}) == 8


def test_real_dev_targets(real_dev: list[Label]) -> None:
    figures = evaluate(real_dev).figures()
    assert figures.items == 113 and figures.lost == 0  # every row counted
    assert figures.correct / figures.items >= 0.92, figures.line()
    assert figures.single_right / figures.single >= 0.85, figures.line()
    assert figures.false_avoids == 0
    assert figures.none_acceptable / figures.tagged_none >= 0.85, figures.line()
    # The target is 7 of 8. The two never-tuned avoids rows were read before the
    # stance decision that finds them, so 8 of 8 is not a clean estimate: docs/taxonomy.md.
    assert figures.avoids == 8 and figures.avoids_found >= 7, figures.line()


def test_real_dev_tuning_part_finds_every_avoids(real_dev: list[Label]) -> None:
    figures = evaluate([label for label in real_dev if label.part == "tuning"]).figures()
    assert figures.avoids_found == figures.avoids == 6
    assert figures.correct / figures.items >= 0.95, figures.line()


def test_the_least_confident_fifth_holds_most_never_tuned_misses(real_dev: list[Label]) -> None:
    report = evaluate([label for label in real_dev if label.part == "never-tuned"])
    weakest, weakest_missed, missed = report.weakest_share(0.2)
    assert weakest == 6 and missed >= 1
    assert weakest_missed >= missed / 2, [o.label.id for o in report.misclassified()]


def test_confidence_lies_in_zero_one_and_sorts_misses_low(real_dev: list[Label]) -> None:
    report = evaluate(real_dev)
    for outcome in report.outcomes:
        assert 0.0 <= outcome.tagging.type_confidence <= 1.0
        assert 0.0 <= outcome.tagging.stance_confidence <= 1.0
    missed = [o.tagging.confidence for o in report.outcomes if o.missed]
    right = [o.tagging.confidence for o in report.outcomes if not o.missed]
    assert sum(missed) / len(missed) < sum(right) / len(right)


def test_real_dev_2_is_read_with_its_own_split() -> None:
    labels = load_labels_file(REAL_DEV_2 / "labels.tsv")
    assert len(labels) == 88 and all(label.ingested and label.abstract for label in labels)
    parts = [label.part for label in labels]
    assert parts.count("never-tuned") == parts.count("tuning") == 44
    assert len({label.list_name for label in labels}) == 5


def test_real_dev_2_figures() -> None:
    """Four lists real-dev does not use; the even rows were never tuned on (docs/taxonomy.md)."""
    labels = load_labels_file(REAL_DEV_2 / "labels.tsv")
    figures = evaluate(labels).figures()
    assert figures.lost == 0 and figures.false_avoids == 0
    assert figures.correct / figures.items >= 0.9, figures.line()
    assert figures.none_acceptable / figures.tagged_none >= 0.85, figures.line()
    report = evaluate([label for label in labels if label.part == "never-tuned"])
    never = report.figures()
    assert never.correct / never.items >= 0.85, never.line()
    weakest, weakest_missed, missed = report.weakest_share(0.2)
    assert weakest == 9 and weakest_missed >= missed / 2  # 3 of 5 when written


def test_leave_one_list_out_drops_the_rules_a_list_informed(real_dev: list[Label]) -> None:
    without = tagger_without(ASV_LIST)
    assert len(without.phrases) == len(PHRASES) - sum(ASV_LIST in p.informed_by for p in PHRASES)
    spoofing = "Replay spoofing detection for speaker verification"
    abstract = "We detect replay attack spoofing and classify replay noise of playback devices."
    assert tag_text(spoofing, abstract).buffer_type is BufferType.NONE
    assert without.tag_text(spoofing, abstract).buffer_type is BufferType.REPLAY
    report = evaluate(real_dev, leave_lists_out=True)
    left_out = dict(report.left_out)
    assert set(left_out) == {label.list_name for label in real_dev}
    assert sum(f.items for f in left_out.values()) == 113


# --- what the rules read in real papers -----------------------------------------------------


@pytest.mark.parametrize(
    ("title", "abstract", "expected"),
    [
        (
            "A Sparse Accelerator",
            "Prior accelerators are limited by DRAM bandwidth. We propose an accelerator that "
            "cuts DRAM accesses and data movement between on-chip storage and off-chip memory.",
            BufferType.HARDWARE,
        ),
        (
            "Long Video Assistant",
            "We compress the long-term video history into a compact memory and keep recent "
            "frames as visual tokens for streaming video question answering.",
            BufferType.STREAMING,
        ),
        (
            CL,
            "We propose a continual learning method that keeps a small subset of data for old "
            "tasks and distils the previous model.",
            BufferType.REPLAY,
        ),
        (
            "A Sparse CNN Accelerator",
            "Each PE stores compressed weights for local computation, and activations are kept "
            "in compressed form in DRAM.",
            BufferType.HARDWARE,
        ),
        (
            "Agent Memory as a Workload",
            "We characterise agent memory: its construction, retrieval and generation cost.",
            BufferType.KV_CONTEXT,
        ),
        (
            "A Memory Operating System",
            "Conversations are organised into memory units; cross-session memory keeps a user "
            "profile, and memory writes are consolidated.",
            BufferType.KV_CONTEXT,
        ),
        (
            "Capacity Limits of Visual Working Memory",
            "How many objects can people hold in visual working memory? Participants recalled "
            "colours after a delay.",
            BufferType.NONE,
        ),
    ],
)
def test_memory_words_take_their_field_s_type(title: str, abstract: str, expected: str) -> None:
    tagging = tag_text(title, abstract)
    assert tagging.buffer_type is expected
    assert tagging.evidence and tagging.evidence[0].buffer_type is expected


def test_replay_attacks_are_none_with_a_reason() -> None:
    tagging = tag_text(
        "Detecting Replay Attacks on Speaker Verification",
        "Replayed recordings of a genuine speaker fool verification systems. We detect replay "
        "spoofing from the playback device's channel noise.",
    )
    assert tagging.buffer_types == (BufferType.NONE,)
    assert tagging.reason == (
        'another sense of the word: a replay attack resends recorded data, not a buffer ("Replay'
        ' Attacks")'
    )
    assert tagging.evidence[0].buffer_type is BufferType.NONE


def test_a_text_naming_no_storage_is_none_for_that_reason() -> None:
    tagging = tag_text("Faster Sorting", "We sort integers with fewer comparisons.")
    assert tagging.buffer_types == (BufferType.NONE,)
    assert tagging.reason == "no buffer, memory or storage of any kind named in the text"
    assert tagging.type_confidence >= 0.8


@pytest.mark.parametrize(
    "sentence",
    [
        "Our method resists catastrophic forgetting without relying on data replay.",
        "In this continual learning setting no exemplars are kept.",
        "Unlike prior methods, we do not store any image from previously learned classes.",
        "We learn new classes by only using new data at each step of continual learning.",
        "The model learns new tasks without storing any of their data.",
        "Our incremental learner needs no memory, as no exemplars of old classes are stored.",
        "We propose a data-free class-incremental learning method.",
        "Instead of storing old images, we train a generator of earlier classes.",
        "Our continual learning method does not require storing past samples.",
        "New tasks are learned without exemplar replay.",
    ],
)
def test_ways_real_papers_say_they_store_nothing(sentence: str) -> None:
    tagging = tag_text(CL, sentence)
    assert (tagging.buffer_type, tagging.stance) == (BufferType.REPLAY, Stance.AVOIDS)


@pytest.mark.parametrize(
    ("title", "abstract"),
    [
        (
            "One-Pass Sketches for Network Telemetry",
            "We summarise packets without storing the data.",
        ),
        (
            "Private Set Intersection",
            "The server answers queries without storing any of their data.",
        ),
        (
            "Federated Learning on Phones",
            "Clients train locally; the server never stores raw data.",
        ),
    ],
)
def test_storing_nothing_outside_a_field_that_replays_is_no_buffer(
    title: str, abstract: str
) -> None:
    tagging = tag_text(title, abstract)
    assert (tagging.buffer_type, tagging.stance) == (BufferType.NONE, Stance.USES)


def test_a_baseline_s_avoids_phrase_is_not_the_paper_s_stance() -> None:
    abstract = (
        "Regularization baselines such as EWC and SI work without episodic memory and forget. "
        "We keep a small episodic memory of exemplars and replay them with new data."
    )
    tagging = tag_text(CL, abstract)
    assert (tagging.buffer_type, tagging.stance) == (BufferType.REPLAY, Stance.USES)
    own = tag_text(CL, "We learn every task without episodic memory and forget little.")
    assert own.stance is Stance.AVOIDS


def test_each_secondary_type_has_its_own_evidence() -> None:
    tagging = tag_text(
        "Online Video LLM with Frame Memory and KV Cache Eviction",
        "We keep a memory bank of past frames for online video and evict entries of the KV "
        "cache of the language model.",
    )
    assert tagging.buffer_types == (BufferType.STREAMING, BufferType.KV_CONTEXT)
    assert [(e.buffer_type, e.phrase) for e in tagging.evidence] == [
        (BufferType.STREAMING, "Frame Memory"),
        (BufferType.KV_CONTEXT, "KV Cache"),
    ]


def test_curated_fields_are_fully_confident() -> None:
    record = Paper(
        id="x2024paper",
        title=CL,
        abstract="We keep a small memory of past samples.",
        added="2026-11-26",
        buffer_types=(BufferType.HARDWARE,),
        stance=Stance.USES,
    )
    tagging = tag_paper(record)
    assert (tagging.type_confidence, tagging.stance_confidence) == (1.0, 1.0)


# --- the TSV reader and the keyword baseline ------------------------------------------------


def test_a_row_whose_paper_the_listing_loses_counts_wrong(tmp_path: Path) -> None:
    listing = tmp_path / "listing.txt"
    listing.write_text(
        "Experience Replay for Robots\nWe store transitions in a replay buffer.\n",
        encoding="utf-8",
    )
    labels = tmp_path / "labels.tsv"
    labels.write_text(
        "# a comment\n" + HEADER + "1\tExperience Replay\treplay\treplay\tuses\tlist-a: cat\n"
        "2\tA Lost Paper\tnone\tnone\tuses\tlist-b: other\n",
        encoding="utf-8",
    )
    found, lost = load_tsv_labels(labels, listing)
    assert found.ingested and found.abstract.startswith("We store transitions")
    assert (lost.ingested, lost.title, lost.part) == (False, "A Lost Paper", "tuning")
    figures: Figures = evaluate([found, lost]).figures()
    assert (figures.correct, figures.lost, figures.items) == (1, 1, 2)


def test_a_tsv_may_fix_its_own_never_tuned_split(tmp_path: Path) -> None:
    listing = tmp_path / "listing.txt"
    listing.write_text("".join(f"Paper {n}\nWe keep a replay buffer.\n" for n in range(1, 5)))
    rows = "".join(f"{n}\tPaper {n}\treplay\treplay\tuses\tlist: cat\n" for n in range(1, 5))
    labels = tmp_path / "labels.tsv"
    labels.write_text("# never-tuned: n % 2 == 0\n" + HEADER + rows, encoding="utf-8")
    assert [label.part for label in load_labels_file(labels)] == [
        "tuning",
        "never-tuned",
        "tuning",
        "never-tuned",
    ]
    labels.write_text(HEADER + rows, encoding="utf-8")  # real-dev's split, n % 4 == 0
    assert [label.part for label in load_labels_file(labels)].count("never-tuned") == 1


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("n\ttitle\n", "labels.tsv:1: expected the header n title_start"),
        (HEADER + "1\tA\treplay\n", "labels.tsv:2: expected 6 tab-separated fields"),
        (HEADER + "1\tA\tcache\treplay\tuses\ts\n", "labels.tsv:2: primary: 'cache' is not"),
        (HEADER + "x\tA\treplay\treplay\tuses\ts\n", "labels.tsv:2: n: 'x' is not a number"),
        (HEADER, "labels.tsv: no labelled rows"),
    ],
)
def test_bad_tsv_labels_name_file_and_line(tmp_path: Path, rows: str, message: str) -> None:
    (tmp_path / "listing.txt").write_text("A Title Here\nAn abstract line.\n", encoding="utf-8")
    labels = tmp_path / "labels.tsv"
    labels.write_text(rows, encoding="utf-8")
    with pytest.raises(BufferlitError, match=message):
        load_labels_file(labels)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Replay of exemplars with a video frame", BufferType.REPLAY),
        ("The KV cache and the prompt context", BufferType.KV_CONTEXT),
        ("On-chip SRAM next to DRAM", BufferType.HARDWARE),
        ("A stream of video frames", BufferType.STREAMING),
        ("Nothing of the kind", BufferType.NONE),
    ],
)
def test_the_keyword_baseline_counts_four_families(text: str, expected: BufferType) -> None:
    assert keyword_baseline(text, "") is expected


def test_exports_carry_both_confidences() -> None:
    import csv
    import io
    import json

    from bufferlit.export import to_csv, to_json
    from bufferlit.model import Entry

    record = Paper(
        id="x2024paper",
        title=CL,
        abstract="We keep a memory bank of past samples and replay them.",
        added="2026-11-26",
    )
    tagging = tag_paper(record)
    assert 0.0 < tagging.type_confidence < 1.0  # the rules', not a curator's
    exported = json.loads(to_json([Entry(record, tagging)]))[0]
    assert exported["type_confidence"] == tagging.type_confidence
    assert exported["stance_confidence"] == tagging.stance_confidence
    (row,) = csv.DictReader(io.StringIO(to_csv([Entry(record, tagging)])))
    assert float(row["type_confidence"]) == tagging.type_confidence
    assert float(row["stance_confidence"]) == tagging.stance_confidence
