"""Ingest, validate and import-bib never lose a paper to a look-alike title (issue: data loss).

The titles below are real: each "distinct" pair is two different papers whose titles score 90%
or more, which the old title-only rule merged (ingest said "already present", exit 0, and
wrote nothing). The "same" pairs are one paper written two ways.
"""

from __future__ import annotations

import json

import pytest
from tests.hostile.support import bare_record, run_cli

from bufferlit.identity import (
    ABSTRACT_CLOSE,
    TITLE_CLOSE,
    BlockScores,
    Identity,
    Metadata,
    RecordFinder,
    Verdict,
    compare,
    lookalike_titles,
    normalise_arxiv,
    normalise_doi,
    normalise_title,
)
from bufferlit.ingest import NewPaper, add_papers, ingest_listing
from bufferlit.model import Paper
from bufferlit.records import read_catalogue

SER = (
    "Continual Learning with Strong Experience Replay",
    "Experience replay (ER) with a small memory buffer is a simple and effective strategy for"
    " continual learning. We propose a strong experience replay (SER) that adds a backward"
    " consistency loss and a forward consistency loss on the buffered samples.",
)
WITHOUT_SER = (
    "Continual Learning without Strong Experience Replay",
    "We ask whether continual learners need stored samples at all, and show that a"
    " regularisation of the feature drift alone matches replay on split CIFAR-100 while"
    " keeping no data from earlier tasks. Code is released.",
)
NAEO = (
    "Neural Architecture for Online Ensemble Continual Learning",
    "Continual learning with an increasing number of classes is a challenging task. We propose"
    " a fully differentiable ensemble method that trains an ensemble of neural networks online.",
)
NAEO_OFFLINE = (
    "Neural Architecture for Offline Ensemble Continual Learning",
    "Offline ensembles are distilled after each task into one student network, so that the"
    " final model is small. We study when distillation forgets less than fine-tuning.",
)
L2P = (
    "Learning to Prompt for Continual Learning",
    "The mainstream paradigm behind continual learning has been to adapt the model parameters"
    " to non-stationary data distributions. We learn to dynamically prompt a pre-trained model"
    " to learn tasks sequentially under different task transitions, without a rehearsal buffer.",
)
L2P_REASONING = (
    "Learning to Prompt for Continual Reasoning",
    "Language models asked to reason over a sequence of domains lose earlier skills. We learn a"
    " pool of reasoning prompts that are selected per question and frozen afterwards.",
)
STREAMING_DVC = (
    "Streaming Dense Video Captioning",
    "An ideal model for dense video captioning should be able to handle long input videos and"
    " predict rich events. We propose a memory module based on clustering incoming tokens.",
)
STREAMLINED_DVC = (
    "Streamlined Dense Video Captioning",
    "Dense video captioning localises and describes events; we propose an event sequence"
    " generation network. It exploits temporal dependency between events (2019).",
)

DISTINCT = [
    (SER, WITHOUT_SER),
    (NAEO, NAEO_OFFLINE),
    (L2P, L2P_REASONING),
    (STREAMING_DVC, STREAMLINED_DVC),
]


def identity(paper: tuple[str, str], **ids: str) -> Identity:
    return Identity(title=paper[0], abstract=paper[1], **ids)


@pytest.mark.parametrize(("first", "second"), DISTINCT)
def test_look_alike_titles_of_different_papers_are_only_look_alikes(first, second):
    comparison = compare(identity(first), identity(second))
    assert comparison.verdict is Verdict.LOOKALIKE, comparison.reason
    assert "titles match at" in comparison.reason


@pytest.mark.parametrize(
    ("written", "kwargs"),
    [
        ((SER[0].upper(), SER[1]), {}),  # case
        (("Continual learning with strong experience-replay.", SER[1]), {}),  # punctuation
        ((SER[0], SER[1].replace("effective", "efective")), {}),  # a typo in the abstract
        (("A different title entirely", "And another abstract."), {"arxiv": "2305.13622v2"}),
        (("A different title entirely", "And another abstract."), {"doi": "10.1145/ABC.DEF"}),
        (
            ("A different title", "Other words."),
            {"doi": "https://doi.org/10.48550/ARXIV.2305.13622"},
        ),
    ],
)
def test_one_paper_written_two_ways_is_the_same_paper(written, kwargs):
    record = identity(SER, arxiv="2305.13622", doi="10.1145/abc.def")
    if "doi" in kwargs and "48550" in kwargs["doi"]:
        record = identity(SER, arxiv="2305.13622")
    comparison = compare(identity(written, **kwargs), record)
    assert comparison.verdict is Verdict.SAME, comparison.reason


def test_an_identifier_that_disagrees_makes_different_papers_whatever_the_text():
    one, two = identity(SER, arxiv="2305.13622"), identity(SER, arxiv="2305.99999")
    assert compare(one, two).verdict is Verdict.DIFFERENT
    # ... but one that agrees wins over one that disagrees (published DOI vs arXiv DOI).
    published = identity(SER, arxiv="2305.13622", doi="10.1109/cvpr.2023.1")
    preprint = identity(SER, arxiv="2305.13622", doi="10.48550/arXiv.2305.13622")
    assert compare(published, preprint).verdict is Verdict.SAME


def test_numbers_in_titles_tell_papers_apart():
    one = identity(("Replay Buffers for Robots, Part 1", "Arms replay grasps in a buffer."))
    two = identity(("Replay Buffers for Robots, Part 2", "Arms replay grasps in a buffer."))
    assert compare(one, two).verdict is Verdict.LOOKALIKE


def test_thresholds_are_stated_and_strict():
    assert (TITLE_CLOSE, ABSTRACT_CLOSE) == (90.0, 90.0)
    assert normalise_arxiv("https://arxiv.org/pdf/2303.11366v3.pdf") == "2303.11366"
    assert normalise_arxiv("arXiv:cs/0601001v1") == "cs/0601001"
    assert normalise_doi("https://doi.org/10.1145/ABC") == "10.1145/abc"


# ---------------------------------------------------------------------------------------------
# Ingest: a look-alike is written and named; a true duplicate is found.


def listing_of(*papers: tuple[str, str]) -> str:
    return "".join(f"{title}\n{abstract}\n" for title, abstract in papers)


@pytest.mark.parametrize(("existing", "new"), DISTINCT)
def test_ingest_writes_a_distinct_paper_with_a_look_alike_title(
    make_catalogue, tmp_path, existing, new
):
    papers = make_catalogue({"existing.yaml": bare_record("existing", *existing)})
    listing = tmp_path / "listing.txt"
    listing.write_text(listing_of(new))
    result = run_cli(["ingest", str(listing), "--papers", str(papers)])
    assert result.exit_code == 0, result.output
    assert "1 new, 0 already present, 1 possible duplicate" in result.output
    assert "possible duplicate:" in result.output and "existing" in result.output
    reading = read_catalogue(papers)
    assert sorted(paper.title for paper in reading.papers) == sorted([existing[0], new[0]])
    assert reading.problems == []
    [warning] = reading.warnings
    assert "possible duplicate of" in str(warning)


def test_ingest_finds_the_same_paper_written_differently(make_catalogue, tmp_path):
    papers = make_catalogue({"existing.yaml": bare_record("existing", *SER)})
    listing = tmp_path / "listing.txt"
    listing.write_text(listing_of((SER[0].lower() + "!", SER[1].replace(",", ""))))
    report = ingest_listing(listing, papers)
    assert report.new == [] and [present.id for present in report.present] == ["existing"]
    assert "abstracts at" in report.present[0].reason


def test_an_identifier_finds_the_paper_even_under_a_new_title(make_catalogue):
    record = bare_record("existing", *SER) + "arxiv: '2305.13622'\n"
    papers = make_catalogue({"existing.yaml": record})
    candidate = NewPaper("SER: a retitled version", "New abstract.", 1, (), {"arxiv": "2305.13622"})
    report = add_papers([candidate], papers, source="x.bib")
    assert [present.id for present in report.present] == ["existing"]
    assert report.present[0].reason == "arXiv ids agree (2305.13622)"


def test_two_look_alikes_in_one_listing_are_both_written(make_catalogue, tmp_path):
    papers = make_catalogue({})
    listing = tmp_path / "listing.txt"
    listing.write_text(listing_of(STREAMING_DVC, STREAMLINED_DVC, STREAMING_DVC))
    report = ingest_listing(listing, papers)
    assert len(report.new) == 2 and len(report.lookalikes) == 1
    assert [present.line for present in (p.paper for p in report.present)] == [5]


def test_distinct_from_silences_the_warning_for_good(make_catalogue):
    papers = make_catalogue(
        {
            "ser.yaml": bare_record("ser", *SER),
            "noser.yaml": bare_record("noser", *WITHOUT_SER) + "distinct_from: [ser]\n",
        }
    )
    reading = read_catalogue(papers)
    assert (reading.problems, reading.warnings) == ([], [])
    result = run_cli(["validate", "--papers", str(papers)])
    assert result.exit_code == 0 and "warning" not in result.output


def test_validate_warns_of_a_look_alike_and_says_how_to_silence_it(make_catalogue):
    papers = make_catalogue(
        {"ser.yaml": bare_record("ser", *SER), "noser.yaml": bare_record("noser", *WITHOUT_SER)}
    )
    result = run_cli(["validate", "--papers", str(papers)])
    assert result.exit_code == 0, result.output
    assert "warning:" in result.output and "distinct_from: [noser]" in result.output
    assert "2 records" in result.output


def test_distinct_from_naming_no_record_is_a_problem(make_catalogue):
    papers = make_catalogue({"ser.yaml": bare_record("ser", *SER) + "distinct_from: [gone]\n"})
    [problem] = read_catalogue(papers).problems
    assert "distinct_from: names 'gone', which is not a record" in str(problem)


def test_the_same_paper_under_two_ids_fails_validate(make_catalogue):
    papers = make_catalogue(
        {
            "one.yaml": bare_record("one", *SER) + "doi: 10.1234/ABC\n",
            "two.yaml": bare_record("two", "Another title", "Other text.") + "doi: 10.1234/abc\n",
        }
    )
    result = run_cli(["validate", "--papers", str(papers)])
    assert result.exit_code == 1
    assert "same paper as" in result.output and "DOIs agree (10.1234/abc)" in result.output


# ---------------------------------------------------------------------------------------------
# import-bib: which record is this metadata about?


def paper(pid: str, title: str, year: int, author: str) -> Paper:
    return Paper(pid, title, "x", "2026-01-01", authors=(f"{author}, A.",), year=year)


def test_metadata_is_matched_by_title_helped_by_year_and_first_author():
    papers = [
        paper("zhuo2023continual", SER[0], 2023, "Zhuo"),
        paper("lee2019continual", SER[0] + ".", 2019, "Lee"),
    ]
    finder = RecordFinder(papers)
    assert [p.id for p in finder.find(Metadata(SER[0], 2023, "Zhuo"))] == ["zhuo2023continual"]
    assert [p.id for p in finder.find(Metadata(SER[0], None, "Lee"))] == ["lee2019continual"]
    # Nothing to tell them apart: ambiguous, reported, never guessed.
    assert len(finder.find(Metadata(SER[0]))) == 2
    assert finder.find(Metadata(SER[0], 2010, "Smith")) == []


def _titles(count: int) -> list[str]:
    """Normalised titles in near-duplicate pairs ("... 7" / "... 7 revisited" score under the
    cutoff; "... 7" / "... 7." once normalised are equal) sharing rare and common words."""
    keys = []
    for number in range(count):
        keys.append(normalise_title(f"Replay buffers for agents study {number}"))
        keys.append(normalise_title(f"Replay buffers for agent study {number}"))
    return keys


def test_block_scores_carried_over_give_the_same_pairs_and_compare_only_changed_blocks():
    keys = _titles(40)
    fresh = lookalike_titles(keys)
    assert sum(len(earlier) for earlier in fresh.values()) >= 40  # the pairs are found

    first = BlockScores()
    assert lookalike_titles(keys, scores=first) == fresh
    again = BlockScores(json.loads(json.dumps(first.found)))  # as inputs.json keeps them
    assert lookalike_titles(keys, scores=again) == fresh
    assert again.found == {block: [tuple(p) for p in pairs] for block, pairs in first.found.items()}

    # One title edited: its blocks are compared again, every other block is recalled.
    edited = [*keys[:-1], normalise_title("A different paper on key value caches")]
    after = BlockScores(json.loads(json.dumps(first.found)))
    assert lookalike_titles(edited, scores=after) == lookalike_titles(edited)
    recalled = set(after.found) & set(first.found)
    assert len(recalled) >= 0.9 * len(first.found)  # 40 of 43 here


def test_damaged_block_scores_are_compared_again():
    keys = _titles(10)
    first = BlockScores()
    lookalike_titles(keys, scores=first)
    # A position out of range, or pairs that are not a list, are never used.
    damaged = {
        block: [[len(keys) + 5, 0, 100.0]] if index % 2 else "pairs"
        for index, block in enumerate(first.found)
    }
    assert lookalike_titles(keys, scores=BlockScores(damaged)) == lookalike_titles(keys)
