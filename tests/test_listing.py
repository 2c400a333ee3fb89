"""The scraped-listing reader and the LaTeX cleaner."""

from __future__ import annotations

import pytest
from tests.helpers import REPO

from bufferlit.latex import clean_latex
from bufferlit.listing import clean_url, parse_listing

SEED = (REPO / "data/seed-listing.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (r"achieves 73.62\% top-1", "achieves 73.62% top-1"),
        (r"a sampling scheme, \bf mix-cd, that", "a sampling scheme, mix-cd, that"),
        (r"a na\"ive NPU+PIM", "a naïve NPU+PIM"),
        (
            r"at {\small \url{ https://github.com/x/PromptTPP}}, by",
            "at https://github.com/x/PromptTPP, by",
        ),
        (
            "achieves 3times, 2.4times, and 1.6times throughput",
            "achieves 3×, 2.4×, and 1.6× throughput",
        ),
        ("``collateral damage''", "“collateral damage”"),
        (r"\'{E}cole and Wei\ss{} and \c{c}a", "École and Weiß and ça"),
        (r"\textbf{bold} and \emph{it}", "bold and it"),
        (r"$3\times$ faster, $\sim$50\% less", "3× faster, ~50% less"),
        (r"R\&D \#1 a\_b", "R&D #1 a_b"),
        ("plain text stays plain: 5 times more", "plain text stays plain: 5 times more"),
    ],
)
def test_latex_leftovers_become_plain_unicode(raw, clean):
    assert clean_latex(raw) == clean


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (
            "https://github.com/Christina200/Online-LoRA-official.git.",
            "https://github.com/Christina200/Online-LoRA-official",
        ),
        ("https://map-tracker.github.io.", "https://map-tracker.github.io"),
        ("https://github.com/biubiutomato/TME-Agent,", "https://github.com/biubiutomato/TME-Agent"),
        ("https://github.com/x/y).", "https://github.com/x/y"),
        (
            "https://github.com/tensorflow/models/tree/master/official/vision.",
            "https://github.com/tensorflow/models/tree/master/official/vision",
        ),
    ],
)
def test_urls_lose_trailing_punctuation_and_dot_git(raw, clean):
    assert clean_url(raw) == clean


def test_the_seed_listing_parses_into_forty_clean_entries():
    result = parse_listing(SEED, "seed.txt")
    assert result.problems == ()
    assert result.junk_lines == 2
    assert len(result.entries) == 40
    first = result.entries[0]
    assert first.title == "A Distractor-Aware Memory for Visual Object Tracking with SAM2"
    assert first.line == 3
    by_title = {entry.title: entry for entry in result.entries}
    lora = by_title["Online-LoRA: Task-free Online Continual Learning via Low Rank Adaptation"]
    assert lora.code == ("https://github.com/Christina200/Online-LoRA-official",)
    tpp = by_title["Prompt-augmented Temporal Point Process for Streaming Event Sequence"]
    assert tpp.code == ("https://github.com/yanyanSann/PromptTPP",)
    assert "{" not in tpp.abstract and "\\" not in tpp.abstract
    for entry in result.entries:
        assert not any(ch in entry.abstract for ch in "\\{}$"), entry.title


def test_a_messy_copy_of_the_seed_parses_the_same():
    lines = SEED.splitlines()
    messy = "\r\n".join(f"  {line}   \r\n" for line in lines) + "\n\n\n"
    clean = parse_listing(SEED)
    again = parse_listing(messy)
    assert again.problems == ()
    assert [(e.title, e.abstract, e.code) for e in again.entries] == [
        (e.title, e.abstract, e.code) for e in clean.entries
    ]


def test_broken_entries_are_reported_with_their_line_numbers():
    listing = "\n".join(
        [
            "Get trending papers in your email inbox!",
            "A Title Without Its Abstract",  # 2
            "Another Title That Is Fine",  # 3
            "This is the abstract of the second title. It is long enough to look like an abstract "
            "with a full sentence and then another sentence of text, as scraped listings have.",
            "%%",  # 5: garbage
            "An orphan abstract with no title before it. It rambles on for a while, long enough to "
            "be taken for an abstract by the shape of it, which is what we want here.",  # 6
        ]
    )
    result = parse_listing(listing, "l.txt")
    assert [entry.title for entry in result.entries] == ["Another Title That Is Fine"]
    assert [str(problem) for problem in result.problems] == [
        "l.txt:2: abstract: title 'A Title Without Its Abstract' has no abstract",
        "l.txt:5: cannot parse this line: '%%'",
        "l.txt:6: title: abstract without a title: 'An orphan abstract with no title before it. It "
        "rambles on fo'...",
    ]


def test_one_sentence_abstracts_are_kept_because_lines_alternate():
    listing = "\n".join(
        [
            "LION-FS: Fast & Slow Video-Language Thinker as Online Video Assistant",  # 1
            # 2: 200 characters, one sentence: shaped like a title, placed like an abstract
            "EOS-Based + Fast-Slow Architecture: Uses a Fast Path to decide *when* to respond "
            "(via token prediction) and a Slow Path with keyframe augmentation to write detailed "
            "responses only when needed.",
            "Short Descriptions Happen",  # 3
            "Keeps a memory bank of recent frames",  # 4: a short one-line description
            "A Third Title With The Last Line As Its Abstract",  # 5
            "Caches the keys and values of every frame in a ring buffer",  # 6: last line
        ]
    )
    result = parse_listing(listing, "l.txt")
    assert result.problems == ()
    assert [(e.line, e.title, e.abstract[:20]) for e in result.entries] == [
        (
            1,
            "LION-FS: Fast & Slow Video-Language Thinker as Online Video Assistant",
            "EOS-Based + Fast-Slo",
        ),
        (3, "Short Descriptions Happen", "Keeps a memory bank "),
        (5, "A Third Title With The Last Line As Its Abstract", "Caches the keys and "),
    ]


def test_length_recovers_from_a_missing_abstract_next_to_short_ones():
    listing = "\n".join(
        [
            "A Paper With A Short Abstract",  # 1
            "Stores recent frames in a small memory bank.",  # 2
            "A Paper Whose Abstract Line Is Missing",  # 3
            "A Paper With A Full Abstract",  # 4
            "This abstract has sentences. It is long enough, at well over one hundred and fifty "
            "characters, to be an abstract by its shape alone, so the line before it is a title.",
        ]
    )
    result = parse_listing(listing, "l.txt")
    assert [e.title for e in result.entries] == [
        "A Paper With A Short Abstract",
        "A Paper With A Full Abstract",
    ]
    assert [str(p) for p in result.problems] == [
        "l.txt:3: abstract: title 'A Paper Whose Abstract Line Is Missing' has no abstract"
    ]


def test_every_real_dev_paper_is_read_from_its_listing():
    listing = REPO / "tests/data/real-dev/listing.txt"
    result = parse_listing(listing.read_text(encoding="utf-8"), str(listing))
    assert result.problems == ()
    assert len(result.entries) == 113  # 3 have one-sentence descriptions under 300 characters
    lion = next(e for e in result.entries if e.title.startswith("LION-FS"))
    assert lion.abstract.startswith("EOS-Based + Fast-Slow Architecture: Uses a Fast Path")
