"""``bufferlit tag`` via click's CliRunner: output, exit codes, errors without tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bufferlit.export import to_json
from bufferlit.records import load_papers
from bufferlit.tagger import tag_papers
from bufferlit.tagger.command import tag_command

ROOT = Path(__file__).resolve().parent.parent
SEED_LISTING = ROOT / "data" / "seed-listing.txt"
SEED_LABELS = ROOT / "tests" / "data" / "labels-seed.yaml"

RECORD = """\
id: {id}
title: "{title}"
added: 2026-11-26
{curated}abstract: >-
  {abstract}
"""


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(tag_command, [str(arg) for arg in args])


def write_record(papers: Path, id: str, title: str, abstract: str, curated: str = "") -> None:
    papers.mkdir(exist_ok=True)
    text = RECORD.format(id=id, title=title, abstract=abstract, curated=curated)
    (papers / f"{id}.yaml").write_text(text, encoding="utf-8")


def assert_clean_error(result: Result, code: int, message: str) -> None:
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


def test_tags_a_listing_one_line_per_paper() -> None:
    result = run(SEED_LISTING)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 40
    assert lines[0].startswith("line 3: A Distractor-Aware Memory")  # "Subscribe" junk dropped
    reflexion = next(line for line in lines if "Reflexion" in line)
    assert reflexion.split(" | ")[1:] == [
        "kv-context",
        "uses",
        "llm-agents, reinforcement-learning, nlp",
        '"episodic memory buffer"',
    ]
    dualprompt = next(line for line in lines if "DualPrompt" in line)
    assert " | replay | avoids | " in dualprompt


def test_json_output_carries_evidence_with_offsets() -> None:
    result = run(SEED_LISTING, "--format", "json")
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert len(rows) == 40
    fuzz = next(row for row in rows if row["title"].startswith("FuzzCoder"))
    assert fuzz["buffer_types"] == ["none"] and fuzz["tagged_by"] == "auto"
    for row in rows:
        for evidence in row["evidence"]:
            start = evidence["start"]
            assert (
                evidence["sentence"][start : start + len(evidence["phrase"])] == evidence["phrase"]
            )


def test_tags_a_records_folder_with_curated_labels_winning(tmp_path: Path) -> None:
    papers = tmp_path / "papers"
    write_record(papers, "a2024replay", "Notes", "Continual learning with a replay buffer.")
    write_record(
        papers, "b2024agents", "Agents", "LLM agents keep notes.", "buffer_types: [kv-context]\n"
    )
    result = run(papers)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        'a2024replay | replay | uses | continual-learning | "replay buffer"',
        "b2024agents | kv-context (curated) | uses | llm-agents | -",
    ]


def test_tag_json_and_the_json_export_write_evidence_alike(tmp_path: Path) -> None:
    papers = tmp_path / "papers"
    write_record(papers, "a2024replay", "Notes", "Continual learning with a replay buffer.")
    result = run(papers, "--format", "json")
    assert result.exit_code == 0, result.output
    [tagged] = json.loads(result.output)
    [exported] = json.loads(to_json(tag_papers(load_papers(papers))))
    expected = {
        "buffer_type": "replay",
        "sentence": "Continual learning with a replay buffer.",
        "phrase": "replay buffer",
        "start": 26,
    }
    assert tagged["evidence"] == exported["evidence"] == [expected]


def test_check_lists_disagreements_and_exits_1(tmp_path: Path) -> None:
    papers = tmp_path / "papers"
    write_record(
        papers, "a2024replay", "Notes", "We keep a replay buffer.", "buffer_types: [hardware]\n"
    )
    write_record(
        papers, "b2024fine", "Fine", "We keep a replay buffer.", "buffer_types: [replay]\n"
    )
    assert run("--write", "--papers", papers).exit_code == 0  # labels lines: see test_labels
    result = run("--check", "--papers", papers)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].endswith(
        "a2024replay.yaml: buffer_types: curated hardware, tagger says replay "
        '(evidence replay: "replay buffer")'
    )
    assert lines[-1] == "1 disagreement in 2 curated records of 2 (1 without a note saying why)"


def test_check_passes_an_override_whose_notes_say_why(tmp_path: Path) -> None:
    papers = tmp_path / "papers"
    write_record(
        papers,
        "a2024replay",
        "Notes",
        "We keep a replay buffer.",
        "buffer_types: [hardware]\nnotes: The buffer lives in on-chip SRAM.\n",
    )
    assert run("--write", "--papers", papers).exit_code == 0  # labels lines: see test_labels
    result = run("--check", "--papers", papers)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].endswith(
        'tagger says replay (evidence replay: "replay buffer") [explained in notes]'
    )
    assert lines[-1] == "1 disagreement in 1 curated record of 1 (0 without a note saying why)"


def test_check_exits_0_when_all_agree(tmp_path: Path) -> None:
    papers = tmp_path / "papers"
    write_record(
        papers, "b2024fine", "Fine", "We keep a replay buffer.", "buffer_types: [replay]\n"
    )
    assert run("--write", "--papers", papers).exit_code == 0  # labels lines: see test_labels
    result = run("--check", "--papers", papers, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.output) == []


def test_eval_prints_the_figures() -> None:
    result = run("--eval", SEED_LABELS)
    assert result.exit_code == 0
    assert "40 labelled items" in result.output
    for heading in (
        "primary-type accuracy",
        "avoids recall",
        "none kept",
        "confusion",
        "precision",
    ):
        assert heading in result.output
    report = json.loads(run("--eval", SEED_LABELS, "--format", "json").output)
    assert report["items"] == 40 and report["accuracy"] >= 0.95
    assert set(report["per_type"]) == {"replay", "kv-context", "hardware", "streaming", "none"}


def test_eval_lists_misclassified_items(tmp_path: Path) -> None:
    labels = tmp_path / "labels.yaml"
    labels.write_text(
        "- {id: odd, title: Fuzzing, abstract: We find buffer overflows., type: replay}\n",
        encoding="utf-8",
    )
    result = run("--eval", labels)
    assert result.exit_code == 0
    assert "primary-type accuracy  0.0%  (0/1)" in result.output
    assert "odd: Fuzzing\n    label replay/uses, tagger none/uses" in result.output


def test_help_has_examples() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "Examples:" in result.output
    assert "bufferlit tag --eval tests/data/labels-seed.yaml" in result.output


@pytest.mark.parametrize(
    "args", [(), ("--check", "--eval", str(SEED_LABELS)), (str(SEED_LISTING), "--check")]
)
def test_exactly_one_mode(args: tuple[str, ...]) -> None:
    assert_clean_error(run(*args), 2, "give exactly one of SOURCE, --check, --write or --eval")


def test_bad_labels_file_is_a_clean_error(tmp_path: Path) -> None:
    labels = tmp_path / "labels.yaml"
    labels.write_text("- {title: A, abstract: B, type: cache}\n", encoding="utf-8")
    assert_clean_error(run("--eval", labels), 1, "Error: ")
    assert "'cache' is not one of" in run("--eval", labels).output


def test_binary_listing_is_a_clean_error(tmp_path: Path) -> None:
    listing = tmp_path / "listing.txt"
    listing.write_bytes(b"\xff\xfe\x00binary")
    assert_clean_error(run(listing), 1, "not a UTF-8 text listing")


def test_listing_without_papers_is_a_clean_error(tmp_path: Path) -> None:
    listing = tmp_path / "listing.txt"
    listing.write_text("Get trending papers in your email inbox!\n", encoding="utf-8")
    assert_clean_error(run(listing), 1, "no papers found")


def test_missing_records_folder_is_a_clean_error(tmp_path: Path) -> None:
    assert_clean_error(run("--check", "--papers", tmp_path / "nowhere"), 1, "no such folder")


def test_invalid_records_are_reported_not_crashed_on(tmp_path: Path) -> None:
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    assert_clean_error(run(papers), 1, "broken.yaml")


def test_missing_source_is_a_usage_error(tmp_path: Path) -> None:
    assert_clean_error(run(tmp_path / "nope.txt"), 2, "does not exist")


REAL_DEV_LABELS = ROOT / "tests" / "data" / "real-dev" / "labels.tsv"


def test_eval_reads_a_tsv_with_its_listing_and_reports_lists_and_calibration() -> None:
    result = run("--eval", REAL_DEV_LABELS)
    assert result.exit_code == 0, result.output
    output = result.output
    assert output.startswith(f"{REAL_DEV_LABELS}: 113 labelled items\n")  # none lost
    for heading in (
        "single-type rows right",
        "false avoids",
        "tagged none acceptable",
        "keyword baseline",
        "per part:\n  tuning: type ",
        "\n  never-tuned: type ",
        "per list:\n",
        "  BRTResearch/AIChip_Paper_List: type ",
        "leave one list out",
        "confusion (rows: label, columns: predicted)",
        "calibration (paper confidence",
        "the least confident 20% (23 papers) hold",
        "misses (type, stance or false avoids):",
    ):
        assert heading in output, heading
    report = json.loads(run("--eval", REAL_DEV_LABELS, "--format", "json").output)
    assert report["figures"]["items"] == 113 and report["figures"]["lost"] == 0
    assert len(report["per_list"]) == len(report["leave_one_list_out"]) == 8
    assert sum(band["items"] for band in report["calibration"]) == 113
    assert all("evidence" in miss and "type_confidence" in miss for miss in report["misclassified"])


def test_eval_takes_the_listing_of_a_tsv_from_anywhere(tmp_path: Path) -> None:
    listing = tmp_path / "papers.txt"
    listing.write_text("Experience Replay for Robots\nWe keep a replay buffer.\n", encoding="utf-8")
    labels = tmp_path / "labels.tsv"
    labels.write_text(
        "n\ttitle_start\tprimary\taccept\tstance\tsource\n"
        "1\tExperience Replay\treplay\treplay\tuses\tsome/list: rehearsal\n",
        encoding="utf-8",
    )
    assert_clean_error(run("--eval", labels), 1, "listing.txt: cannot read the listing")
    result = run("--eval", labels, "--listing", listing)
    assert result.exit_code == 0, result.output
    assert "primary-type accuracy  100.0%  (1/1)" in result.output
    assert "  some/list: type 1/1 (100.0%)" in result.output


def test_review_lists_papers_weakest_first_with_evidence(tmp_path: Path) -> None:
    papers = tmp_path / "papers"
    write_record(papers, "sure2024", "Experience Replay", "We keep an experience replay buffer.")
    write_record(papers, "vague2024", "A Continual Learner", "We keep a memory for later tasks.")
    result = run("--review", papers)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    heads = [line for line in lines if not line.startswith(" ")]
    assert [head.split(" ", 2)[1] for head in heads] == ["vague2024", "sure2024"]
    first, second = (float(head.split(" ", 1)[0]) for head in heads)
    assert first < second
    assert '     replay: "Experience Replay" in: Experience Replay' in lines
    assert any(line.startswith("     why none: ") for line in lines)
    as_json = json.loads(run("--review", papers, "--format", "json").output)
    assert [paper["id"] for paper in as_json] == ["vague2024", "sure2024"]
    assert as_json[0]["type_confidence"] < as_json[1]["type_confidence"]


def test_review_without_source_reviews_the_records_folder(tmp_path: Path) -> None:
    papers = tmp_path / "papers"
    write_record(papers, "only2024", "Experience Replay", "We keep an experience replay buffer.")
    result = run("--review", "--papers", papers)
    assert result.exit_code == 0, result.output
    assert " only2024 | replay | uses |" in result.output
    assert_clean_error(run("--review", "--papers", tmp_path / "nope"), 1, "no such")
    assert_clean_error(
        run("--review", "--eval", SEED_LABELS), 2, "--review lists a listing or records"
    )
