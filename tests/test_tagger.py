"""The tagger: rules, scope and negation, evidence, curated override, and measured quality."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bufferlit.errors import BufferlitError
from bufferlit.model import BufferType, Entry, Paper, Stance
from bufferlit.tagger import DOMAINS, Tagger, disagreements, tag_paper, tag_papers, tag_text
from bufferlit.tagger.domains import SUGGESTS, TERMS
from bufferlit.tagger.engine import sentence_spans, system_name
from bufferlit.tagger.evaluate import evaluate, load_labels
from bufferlit.tagger.matching import Alternation, scan_text
from bufferlit.tagger.rules import CONTEXT, PHRASES, Phrase

REPLAY, KV, HARDWARE, STREAMING, NONE = (
    BufferType.REPLAY,
    BufferType.KV_CONTEXT,
    BufferType.HARDWARE,
    BufferType.STREAMING,
    BufferType.NONE,
)
DATA = Path(__file__).parent / "data"
CL = "Continual Learning of Image Classes"


def paper(title: str, abstract: str, **curated: Any) -> Paper:
    return Paper(id="x2024paper", title=title, abstract=abstract, added="2026-11-26", **curated)


# --- scope and negation --------------------------------------------------------------------


def test_without_a_memory_buffer_is_replay_avoided() -> None:
    tagging = tag_text(
        CL, "Our class-incremental learner reaches the state of the art without a memory buffer."
    )
    assert tagging.buffer_types == (REPLAY,)
    assert tagging.stance is Stance.AVOIDS
    assert tagging.evidence[0].phrase == "without a memory buffer"


def test_rehearsal_free_in_the_title_avoids() -> None:
    tagging = tag_text(
        "Rehearsal-Free Continual Learning with Prompts", "We learn prompts instead."
    )
    assert (tagging.buffer_type, tagging.stance) == (REPLAY, Stance.AVOIDS)
    assert tagging.evidence[0].phrase == "Rehearsal-Free"


def test_a_paper_that_uses_a_replay_buffer_uses_it() -> None:
    tagging = tag_text(CL, "We keep a replay buffer of past samples and replay them with new data.")
    assert (tagging.buffer_type, tagging.stance) == (REPLAY, Stance.USES)


def test_buffer_overflow_is_not_a_buffer() -> None:
    tagging = tag_text(
        "Finding Memory Bugs with Fuzzing",
        "Fuzzing finds buffer overflows and heap buffer overruns in C programs. Each buffer "
        "overflow is reported with a crashing input.",
    )
    assert tagging.buffer_types == (NONE,)
    assert tagging.stance is Stance.USES  # the convention for none
    assert tagging.evidence[0].phrase == "buffer overflows"  # explains why it is none


def test_the_overflow_phrase_consumes_the_word_buffer() -> None:
    # Without scope, "buffer" here would be a generic buffer; with it, nothing is left over.
    analysis = Tagger().analyse("Overflow", "A stack buffer overflow in the kernel driver.")
    assert [hit.type for hit in analysis.hits] == [NONE]


@pytest.mark.parametrize(
    ("title", "abstract"),
    [
        ("Riparian Buffers", "Forested riparian buffer strips remove nitrate from groundwater."),
        ("Enzyme Assays", "We vary the phosphate buffer concentration and its buffer capacity."),
        ("Protected Areas", "Forest loss is slower in a 10 km buffer zone around parks."),
    ],
)
def test_buffers_of_other_sciences_are_none(title: str, abstract: str) -> None:
    assert tag_text(title, abstract).buffer_types == (NONE,)


def test_one_passing_generic_mention_is_not_enough() -> None:
    # Like the Mamba paper: a single "memory buffers" in a sentence about something else.
    tagging = tag_text(
        "Stability of State-Space Models",
        "We show that targeting specific memory buffers in the CUDA kernels regularizes the "
        "parameters. Mixed precision is stable.",
    )
    assert tagging.buffer_types == (NONE,)


def test_a_generic_buffer_with_no_context_is_dropped() -> None:
    analysis = Tagger().analyse("A Study", "We propose a memory buffer of previous choices.")
    assert analysis.hits == ()


@pytest.mark.parametrize(
    ("title", "abstract", "expected"),
    [
        ("Online Video Object Tracking", "Tracked frames are kept in a memory buffer.", STREAMING),
        ("LLM Agents That Plan", "The LLM agent stores feedback in a memory buffer.", KV),
        ("Microcontroller Inference", "We schedule the memory buffer of the MCU.", HARDWARE),
        ("Class-Incremental Learning", "Old classes are kept in a memory buffer.", REPLAY),
        ("Parsing", "The parser reads words from its buffer.", NONE),
    ],
)
def test_the_field_decides_what_a_generic_memory_buffer_is(
    title: str, abstract: str, expected: BufferType
) -> None:
    (hit,) = Tagger().analyse(title, abstract).hits
    assert hit.rule.type is CONTEXT
    assert hit.type is expected


def test_two_generic_mentions_make_a_buffer_paper() -> None:
    tagging = tag_text(
        "Online Video Object Tracking",
        "Tracked frames are kept in a memory buffer. The buffer is pruned every second.",
    )
    assert tagging.buffer_types == (STREAMING,)


def test_storing_nothing_is_avoids_generative_replay_included() -> None:
    avoids = tag_text(CL, "Old edits survive without storing or replaying any previous examples.")
    assert (avoids.buffer_type, avoids.stance) == (REPLAY, Stance.AVOIDS)
    generative = tag_text(
        CL, "Without storing any real images, we replay synthetic features of old classes."
    )
    assert (generative.buffer_type, generative.stance) == (REPLAY, Stance.AVOIDS)
    # Generative replay that does not say it stores nothing is not taken to avoid anything.
    silent = tag_text(CL, "We replay generated samples of old classes while learning new ones.")
    assert (silent.buffer_type, silent.stance) == (REPLAY, Stance.USES)


@pytest.mark.parametrize(
    ("title", "abstract", "stance"),
    [
        (  # the title names the buffer the paper keeps: "without replaying" is the baseline's
            "Experience Replay for Continual Learning",
            "Fine-tuning without replaying old samples forgets. We keep a replay buffer.",
            Stance.USES,
        ),
        (
            "Selective Replay for Continual Learning",
            "Fine-tuning without replaying old samples forgets. We replay chosen samples.",
            Stance.USES,
        ),
        (  # a bare "Replay" in the title of generative replay names no kept buffer
            "Dreamed Replay for Continual Learning",
            "Without storing data, we replay samples generated by a decoder.",
            Stance.AVOIDS,
        ),
    ],
)
def test_a_title_naming_a_kept_buffer_overrules_storing_nothing(
    title: str, abstract: str, stance: Stance
) -> None:
    assert tag_text(title, abstract).stance is stance


@pytest.mark.parametrize(
    ("title", "abstract", "expected"),
    [
        (
            "Scratchpad Memory for Tool-Using Agents",
            "The agent keeps a scratchpad that is inserted into every prompt.",
            KV,
        ),
        (
            "Scratchpad Memory Allocation for Embedded Processors",
            "We allocate data to the scratchpad of embedded processors.",
            HARDWARE,
        ),
        ("Fused Kernels", "We stage tiles in shared memory and keep sums in registers.", HARDWARE),
        ("LiDAR Odometry", "We keep a sliding local map of recent scans in real time.", STREAMING),
    ],
)
def test_the_field_decides_scratchpads_shared_memory_and_local_maps(
    title: str, abstract: str, expected: BufferType
) -> None:
    assert tag_text(title, abstract).buffer_type is expected


def test_the_earlier_rule_wins_where_two_match() -> None:
    # "rehearsal-free" (avoids) and "rehearsal" (uses) both match at the same place.
    analysis = Tagger().analyse("Rehearsal-free learning", "")
    assert [(hit.phrase, hit.avoids) for hit in analysis.hits] == [("Rehearsal-free", True)]


def test_specific_hardware_and_kv_phrases() -> None:
    assert (
        tag_text("Tiling", "Tiles are staged in on-chip SRAM with double buffering.").buffer_type
        is HARDWARE
    )
    assert (
        tag_text("Serving", "We evict entries of the KV cache by attention score.").buffer_type
        is KV
    )
    assert (
        tag_text("Video", "A stream buffer caches activations of past clips.").buffer_type
        is STREAMING
    )


def test_secondary_types_are_listed_after_the_primary() -> None:
    tagging = tag_text(
        "Experience Replay for Language-Model Policies",
        "We replay stored transitions from a replay buffer. The KV cache of the policy model "
        "is compressed, and KV cache entries are shared.",
    )
    assert tagging.buffer_types[0] is REPLAY
    assert KV in tagging.buffer_types[1:]
    assert {e.buffer_type for e in tagging.evidence} == set(tagging.buffer_types)


# --- evidence ------------------------------------------------------------------------------


def test_evidence_phrase_is_at_start_of_its_sentence() -> None:
    abstract = (
        "Continual learning suffers from forgetting. Top methods keep a rehearsal buffer of old "
        "examples. We instead learn prompts without buffering past examples."
    )
    tagging = tag_text(CL, abstract)
    assert tagging.stance is Stance.AVOIDS
    (evidence,) = tagging.evidence
    assert evidence.sentence == "We instead learn prompts without buffering past examples."
    assert evidence.sentence[evidence.start :].startswith(evidence.phrase)
    assert evidence.phrase == "without buffering past examples"


SENTENCES = [
    "Continual learning keeps a replay buffer of past samples.",
    "The LLM agent writes reflections into an episodic memory buffer.",
    "Our kernel uses double buffering in shared memory on the GPU.",
    "A stream buffer holds features of past video frames.",
    "Fuzzing triggers buffer overflows.",
    "We work without a memory buffer, unlike rehearsal-based methods.",
    "Ünïcödé “quotes” — and dashes İ ﬁ ß.",
    "e.g. the KV-cache, i.e. keys and values.",
]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=6),
    st.text(max_size=40),
    st.sampled_from(["", "Memory Buffers", "Replay: A Study", "İstanbul Buffer-Free"]),
)
def test_every_evidence_phrase_is_exactly_in_its_sentence(
    sentences: list[str], noise: str, title: str
) -> None:
    abstract = " ".join(sentences) + " " + noise
    tagging = tag_text(title, abstract)
    assert tagging.buffer_types and len(set(tagging.buffer_types)) == len(tagging.buffer_types)
    assert 1 <= len(tagging.domains) <= 3
    assert all(domain in DOMAINS for domain in tagging.domains)
    for evidence in tagging.evidence:
        assert evidence.sentence in title or evidence.sentence in abstract
        assert (
            evidence.sentence[evidence.start : evidence.start + len(evidence.phrase)]
            == evidence.phrase
        )
        assert evidence.buffer_type in tagging.buffer_types


def test_alternation_reports_offsets_in_the_original_text() -> None:
    alternation = Alternation(["memory buffers?", "(?:stack|heap) buffers?", "kv cache"])
    text = "A “Memory Buffer”, a heap buffer and the KV-cache."
    found = [(rule, text[start:end]) for rule, start, end in alternation.finditer(text)]
    assert found == [(0, "Memory Buffer"), (1, "heap buffer"), (2, "KV-cache")]


@given(st.text())
def test_scan_text_keeps_every_offset(text: str) -> None:
    scanned = scan_text(text)
    assert len(scanned) == len(text) + 1
    assert scanned.isascii()


def test_sentences_split_cheaply_but_not_on_abbreviations() -> None:
    text = "We use e.g. caches. Results improve! Next (a) one."
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "We use e.g. caches.",
        "Results improve!",
        "Next (a) one.",
    ]


def test_system_name_from_the_title() -> None:
    assert system_name("MoViNets: Mobile Video Networks") == "MoViNets"
    assert system_name("Task Memory Engine (TME): A Structured Memory Framework") == "TME"
    assert system_name("Learning to Prompt for Continual Learning") == ""


def test_tagging_is_deterministic() -> None:
    abstract = " ".join(SENTENCES)
    assert tag_text("A Title", abstract) == tag_text("A Title", abstract)


# --- curated override ----------------------------------------------------------------------


def test_curated_fields_win_and_evidence_is_still_found() -> None:
    record = paper(
        "Reflexion: Language Agents",
        "Agents keep reflections in an episodic memory buffer fed into the LLM prompt.",
        buffer_types=(REPLAY, KV),
        domains=("reinforcement-learning",),
    )
    tagging = tag_paper(record)
    assert tagging.tagged_by == "curated"
    assert tagging.buffer_types == (REPLAY, KV)
    assert tagging.domains == ("reinforcement-learning",)
    assert tagging.stance is Stance.USES  # not curated: decided by the rules for replay
    assert [e.buffer_type for e in tagging.evidence] == [KV]  # replay has no phrase here


def test_curated_stance_wins() -> None:
    record = paper(CL, "We keep a replay buffer.", buffer_types=(REPLAY,), stance=Stance.AVOIDS)
    assert tag_paper(record).stance is Stance.AVOIDS


def test_uncurated_record_is_tagged_by_the_rules() -> None:
    record = paper(CL, "We keep a replay buffer of old samples.")
    assert tag_paper(record) == tag_text(record.title, record.abstract)
    assert tag_paper(record).tagged_by == "auto"


def test_tag_papers_keeps_order() -> None:
    papers = [paper(CL, "A replay buffer."), paper("Fuzzing", "Buffer overflows.")]
    entries = tag_papers(papers)
    assert all(isinstance(entry, Entry) for entry in entries)
    assert [entry.paper for entry in entries] == papers
    assert [entry.tagging.buffer_type for entry in entries] == [REPLAY, NONE]


def test_disagreements_list_curated_labels_the_rules_would_not_pick() -> None:
    agrees = paper(CL, "We keep a replay buffer of old samples.", buffer_types=(REPLAY,))
    wrong_type = paper(CL, "We keep a replay buffer of old samples.", buffer_types=(HARDWARE,))
    wrong_stance = paper(
        CL, "We keep a replay buffer.", buffer_types=(REPLAY,), stance=Stance.AVOIDS
    )
    uncurated = paper("Anything", "A KV cache.")
    found = disagreements([agrees, wrong_type, wrong_stance, uncurated])
    assert [(d.paper, d.field, d.curated, d.auto) for d in found] == [
        (wrong_type, "buffer_types", "hardware", "replay"),
        (wrong_stance, "stance", "avoids", "uses"),
    ]
    assert found[0].evidence[0].phrase == "replay buffer"
    assert 'tagger says replay (evidence replay: "replay buffer")' in str(found[0])


# --- the rules as data ---------------------------------------------------------------------


def test_domains_and_suggestions_are_consistent() -> None:
    assert set(SUGGESTS) == set(DOMAINS)
    used = {term.domain for term in TERMS} | {rule.domain for rule in PHRASES}
    assert used - {None} <= set(DOMAINS)
    assert all(slug == slug.lower() and " " not in slug for slug in DOMAINS)


def test_a_curator_can_add_a_rule() -> None:
    text = ("Tape Loops", "Our system stores sound on a tape loop.")
    assert tag_text(*text).buffer_type is NONE
    extended = Tagger(phrases=[*PHRASES, Phrase(STREAMING, 3, ("tape loops?",), why="audio loop")])
    assert extended.tag_text(*text).buffer_type is STREAMING


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("(tape) loop", "capturing group"),
        ("Tape loop", "lowercase"),
        (r"\w+ loop", "must start with a letter"),
        ("tape (loop", "not a valid regex"),
    ],
)
def test_bad_rule_patterns_are_refused_with_a_reason(pattern: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Tagger(phrases=[Phrase(CONTEXT, 1, (pattern,))])


def test_a_rule_naming_an_unknown_domain_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown domains: lasers"):
        Tagger(phrases=[Phrase(HARDWARE, 1, ("laser",), domain="lasers")])


# --- measured quality (the figures in docs/taxonomy.md) -------------------------------------


@pytest.mark.parametrize(
    ("name", "target"),
    [("labels-seed.yaml", 0.95), ("labels-extra.yaml", 0.90), ("labels-plain.yaml", 0.90)],
)
def test_eval_targets(name: str, target: float) -> None:
    report = evaluate(load_labels(DATA / name), name)
    wrong = [o.label.id for o in report.outcomes if not o.correct]
    assert report.accuracy is not None and report.accuracy >= target, wrong
    assert report.avoids_recall == 1.0, "every paper that avoids a buffer is found"
    assert report.none_kept == 1.0, "no none paper is given a buffer type"


def test_label_sets_are_the_advertised_size() -> None:
    seed, extra = load_labels(DATA / "labels-seed.yaml"), load_labels(DATA / "labels-extra.yaml")
    assert len(seed) == 40 and len(extra) >= 40
    assert {label.type for label in extra} == set(BufferType)
    assert {label.stance for label in seed} == set(Stance)


def test_load_labels_reports_every_bad_item(tmp_path: Path) -> None:
    path = tmp_path / "labels.yaml"
    path.write_text(
        "- {title: A, abstract: B, type: cache}\n"
        "- {title: A, type: replay}\n"
        "- {title: A, abstract: B, type: replay, colour: red}\n",
        encoding="utf-8",
    )
    with pytest.raises(BufferlitError) as error:
        load_labels(path)
    message = error.value.message
    assert "item 1: type: 'cache' is not one of replay" in message
    assert "item 2: abstract: required text is missing" in message
    assert "item 3: unknown field(s) colour" in message


@pytest.mark.parametrize("content", ["{not: a list}", "- [unclosed", ""])
def test_load_labels_refuses_non_lists(tmp_path: Path, content: str) -> None:
    path = tmp_path / "labels.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BufferlitError, match=r"labels\.yaml"):
        load_labels(path)


def test_tagging_is_fast() -> None:
    # Generous (the bench measures properly): catches a rule that backtracks badly.
    labels = load_labels(DATA / "labels-seed.yaml")
    start = time.perf_counter()
    for _ in range(25):
        for label in labels:
            tag_text(label.title, label.abstract)
    assert time.perf_counter() - start < 5.0  # 1,000 abstracts; about 0.15 s when idle


def test_the_taxonomy_page_documents_every_type_and_domain() -> None:
    page = (Path(__file__).parent.parent / "docs" / "taxonomy.md").read_text(encoding="utf-8")
    for buffer_type in BufferType:
        assert f"| `{buffer_type.value}` |" in page
    for slug, name in DOMAINS.items():
        assert f"| `{slug}` | {name} |" in page
