"""The generated ``labels:`` line: written by ``tag --write`` and ingest as a one-line text edit,
checked by ``tag --check``, read by the loader without the tagger."""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from tests.helpers import REPO, record

from bufferlit.errors import BufferlitError, RecordsInvalid
from bufferlit.export import to_json
from bufferlit.ingest import ingest_listing
from bufferlit.labels import set_labels_line, write_labels
from bufferlit.model import BufferType, Labels, Stance
from bufferlit.recordfile import _too_deep, parse_text
from bufferlit.records import load_papers
from bufferlit.tagger import Tagger, tag_papers
from bufferlit.tagger.check import stale_labels
from bufferlit.tagger.command import tag_command
from bufferlit.tagger.rules import PHRASES, Phrase
from bufferlit.writer import dump_record, paper_fields

Catalogue = Callable[[dict[str, str | bytes]], Path]


def paper(paper_id: str, title: str, abstract: str, **extra: str) -> str:
    """A record as a curator might write it: curated fields (YAML values) before the abstract."""
    head = f"id: {paper_id}\ntitle: {title}\nadded: 2026-11-26\n"
    curated = "".join(f"{key}: {value}\n" for key, value in extra.items())
    return f"{head}{curated}abstract: >-\n  {abstract}\n"


REPLAY = paper(
    "rolnick2019replay",
    "Experience Replay for Continual Learning",
    "We store past experiences in a replay buffer and rehearse them to reduce"
    " catastrophic forgetting in continual reinforcement learning.",
)
AVOIDS = paper(
    "wei2025online",
    "Online Learning without a Replay Buffer",
    "A task-free online continual learning method that works without a rehearsal"
    " buffer, avoiding the memory cost of storing samples.",
)
SRAM = paper(
    "lee2023double",
    "Double Buffering On-Chip SRAM for Accelerators",
    "Our accelerator double-buffers tiles in on-chip SRAM scratchpads to hide DRAM latency.",
)
REFLEXION_ABSTRACT = (
    "We keep an episodic memory buffer of verbal reflections in the agent's context."
)
REFLEXION = paper("shinn2023reflexion", "'Reflexion: Language Agents'", REFLEXION_ABSTRACT)
# Curated types and domains, stance left to the tagger.
MIXED = paper(
    "shinn2023reflexion",
    "'Reflexion: Language Agents'",
    REFLEXION_ABSTRACT,
    buffer_types="[kv-context, replay]",
    domains="[llm-agents]",
)

# Each checked by eye against the abstracts above (and `bufferlit tag` on them).
EXPECTED_LINES = {
    "rolnick2019replay.yaml": "labels: {buffer_types: [replay], stance: uses,"
    " domains: [continual-learning, reinforcement-learning], by: tagger}",
    "wei2025online.yaml": "labels: {buffer_types: [replay], stance: avoids,"
    " domains: [continual-learning], by: tagger}",
    "lee2023double.yaml": "labels: {buffer_types: [hardware], stance: uses,"
    " domains: [hardware], by: tagger}",
    "shinn2023reflexion.yaml": "labels: {buffer_types: [kv-context, replay], stance: uses,"
    " domains: [llm-agents], by: mixed}",
}
FILES = {
    "rolnick2019replay.yaml": REPLAY,
    "wei2025online.yaml": AVOIDS,
    "lee2023double.yaml": SRAM,
    "shinn2023reflexion.yaml": MIXED,
}


MAPPING = "labels: must be a mapping of buffer_types, stance, domains, by in this order"


def snapshot(papers: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(papers.glob("*.yaml"))}


def changed_lines(before: bytes, after: bytes) -> list[str]:
    """The lines removed (-) and added (+) between two versions of a file."""
    diff = difflib.ndiff(before.decode().splitlines(), after.decode().splitlines())
    return [line for line in diff if line[:1] in "+-"]


def labels_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("labels:")]


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(tag_command, [str(arg) for arg in args])


# ---------------------------------------------------------------------------------------------
# tag --write


def test_write_adds_exactly_one_line_per_record_then_nothing(make_catalogue: Catalogue) -> None:
    papers = make_catalogue(dict(FILES))
    before = snapshot(papers)
    written = write_labels(papers)
    assert (len(written.rewritten), written.total) == (4, 4)
    after = snapshot(papers)
    for name, line in EXPECTED_LINES.items():
        assert changed_lines(before[name], after[name]) == [f"+ {line}"], name
    # The line goes where FIELD_ORDER puts it: after the curated fields, before the abstract.
    assert after["shinn2023reflexion.yaml"].decode().splitlines()[-4:-2] == [
        "domains: [llm-agents]",
        EXPECTED_LINES["shinn2023reflexion.yaml"],
    ]
    # Idempotent: a second run finds nothing stale and touches no file.
    assert write_labels(papers).rewritten == []
    assert snapshot(papers) == after


def test_a_rule_that_flips_one_paper_changes_one_line_in_one_file(
    make_catalogue: Catalogue,
) -> None:
    papers = make_catalogue({**FILES, "shinn2023reflexion.yaml": REFLEXION})  # uncurated
    write_labels(papers)
    before = snapshot(papers)
    # A new rule, listed first: "verbal reflections" are a stream buffer. Only Reflexion says it.
    streaming = Phrase(BufferType.STREAMING, 10, patterns=(r"verbal reflections",))
    written = write_labels(papers, tagger=Tagger(phrases=[streaming, *PHRASES]))
    assert [item.paper.id for item in written.rewritten] == ["shinn2023reflexion"]
    after = snapshot(papers)
    assert [name for name in after if after[name] != before[name]] == ["shinn2023reflexion.yaml"]
    name = "shinn2023reflexion.yaml"
    assert changed_lines(before[name], after[name]) == [
        "- labels: {buffer_types: [kv-context], stance: uses, domains: [llm-agents], by: tagger}",
        "+ labels: {buffer_types: [streaming], stance: uses, domains: [llm-agents], by: tagger}",
    ]


def test_a_curated_edit_then_tag_write_changes_one_line(make_catalogue: Catalogue) -> None:
    papers = make_catalogue(dict(FILES))
    assert run("--write", "--papers", papers).exit_code == 0
    # A curator decides Reflexion avoids a buffer: its labels line is stale until tag --write.
    path = papers / "shinn2023reflexion.yaml"
    curated = path.read_text().replace(
        "domains: [llm-agents]\n",
        "domains: [llm-agents]\nstance: avoids\nnotes: Its memory is rebuilt, never kept.\n",
    )
    path.write_text(curated)
    before = snapshot(papers)
    check = run("--check", "--papers", papers)
    assert check.exit_code == 1
    assert f"{path}: labels: stale: stored [kv-context, replay] uses, [llm-agents] by mixed," in (
        check.output
    )
    assert (
        "1 record with a missing or stale labels line;"
        f" run `bufferlit tag --write --papers {papers}` to rewrite them" in check.output
    )
    result = run("--write", "--papers", papers)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "rewrote the labels line of 1 record of 4"
    after = snapshot(papers)
    assert [name for name in after if after[name] != before[name]] == [path.name]
    assert changed_lines(before[path.name], after[path.name]) == [
        "- " + EXPECTED_LINES[path.name],
        "+ labels: {buffer_types: [kv-context, replay], stance: avoids, domains: [llm-agents],"
        " by: curator}",
    ]
    assert run("--check", "--papers", papers).exit_code == 0


def test_hand_comments_and_formatting_survive_write(make_catalogue: Catalogue) -> None:
    text = (
        "# yaml-language-server: $schema=../schema/paper.schema.json\n"
        "# Curator: checked against the PDF, 2026-11-30.\n"
        'id: "rolnick2019replay"   # quoted on purpose\n'
        "title:    Experience Replay for Continual Learning\n"
        "added: 2026-11-26\n"
        "\n"
        "# The abstract is from the arXiv v2 page.\n"
        "abstract: |\n"
        "  We store past experiences in a replay buffer and rehearse them to reduce\n"
        "  catastrophic forgetting in continual reinforcement learning.\n"
    )
    papers = make_catalogue({"rolnick2019replay.yaml": text})
    write_labels(papers)
    path = papers / "rolnick2019replay.yaml"
    line = EXPECTED_LINES[path.name]
    # Inserted above the comment that heads the abstract; every other byte as it was.
    assert path.read_text() == text.replace("\n# The abstract", f"\n{line}\n# The abstract")
    # A comment after the line itself survives a rewrite too.
    edited = path.read_text().replace("by: tagger}", "by: tagger}  # looked at 2026-11-30")
    path.write_text(edited.replace("stance: uses", "stance: avoids"))  # stale now
    assert len(write_labels(papers).rewritten) == 1
    assert path.read_text() == edited


def test_crlf_and_line_separators_are_kept_byte_for_byte(make_catalogue: Catalogue) -> None:
    text = (
        "id: shinn2023reflexion\r\ntitle: Replay\r\nadded: 2026-11-26\r\n"
        'abstract: "We keep a replay buffer\u2028of past samples."\r\n'
    )
    papers = make_catalogue({"shinn2023reflexion.yaml": text.encode()})
    write_labels(papers)
    after = (papers / "shinn2023reflexion.yaml").read_bytes()
    head, tail = text.encode().split(b"abstract:")
    assert after.startswith(head) and after.endswith(b"abstract:" + tail)
    assert after[len(head) :].startswith(b"labels: {buffer_types: [replay]")
    assert after.count(b"\r\n") == text.count("\r\n") + 1


def test_a_labels_mapping_spread_over_lines_becomes_one_line(make_catalogue: Catalogue) -> None:
    block = "labels:\n  buffer_types: [none]\n  stance: uses\n  domains: [nlp]\n  by: tagger"
    papers = make_catalogue(
        {"lee2023double.yaml": SRAM.replace("abstract:", block + "\nabstract:")}
    )
    write_labels(papers)
    text = (papers / "lee2023double.yaml").read_text()
    assert text == SRAM.replace("abstract:", EXPECTED_LINES["lee2023double.yaml"] + "\nabstract:")


def test_write_keeps_the_file_mode_and_takes_the_lock(make_catalogue: Catalogue) -> None:
    papers = make_catalogue({"lee2023double.yaml": SRAM})
    path = papers / "lee2023double.yaml"
    path.chmod(0o640)
    write_labels(papers)
    assert path.stat().st_mode & 0o777 == 0o640
    from bufferlit.writer import catalogue_lock

    path.write_text(SRAM)
    with catalogue_lock(papers), pytest.raises(BufferlitError, match="being written by another"):
        write_labels(papers)
    assert path.read_text() == SRAM


def test_write_refuses_a_catalogue_that_does_not_validate(make_catalogue: Catalogue) -> None:
    papers = make_catalogue({**FILES, "bad2024x.yaml": record("bad2024x", year="'soon'")})
    before = snapshot(papers)
    with pytest.raises(RecordsInvalid, match="year"):
        write_labels(papers)
    assert snapshot(papers) == before
    result = run("--write", "--papers", papers)
    assert result.exit_code == 1 and "bad2024x.yaml:5: year:" in result.output
    assert snapshot(papers) == before


def test_set_labels_line_appends_when_no_later_field() -> None:
    assert set_labels_line("id: a\ntitle: b", "labels: {}") == "id: a\ntitle: b\nlabels: {}\n"


# ---------------------------------------------------------------------------------------------
# The loader: the line's shape, without the tagger


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "[replay]",
            f"{MAPPING}, not a list",
        ),
        (
            "{buffer_types: [rplay], stance: uses, domains: [nlp], by: tagger}",
            "labels: buffer_types: item 1: 'rplay' is not one of",
        ),
        (
            "{buffer_types: [replay], stance: uses, domains: [nlp]}",
            f"{MAPPING}, not {{buffer_types, stance, domains}}",
        ),
        (
            "{buffer_types: [replay], stance: use, domains: [nlp], by: tagger}",
            "labels: stance: 'use' is not one of: uses, avoids",
        ),
        (
            "{buffer_types: [replay], stance: uses, domains: [llm-agent], by: tagger}",
            "labels: domains: item 1: 'llm-agent' is not a known domain;"
            " did you mean 'llm-agents'?",
        ),
        (
            "{buffer_types: [], stance: uses, domains: [nlp], by: tagger}",
            "labels: buffer_types: is empty",
        ),
        (
            "{buffer_types: [replay], stance: uses, domains: [nlp], by: me}",
            "labels: by: 'me' is not one of: tagger, curator, mixed",
        ),
        (
            "{buffer_types: [replay], stance: uses, domains: [nlp], by: tagger, why: x}",
            f"{MAPPING}, not {{buffer_types, stance, domains, by, why}}",
        ),
    ],
)
def test_a_malformed_labels_line_is_a_clear_problem(
    make_catalogue: Catalogue, value: str, message: str
) -> None:
    papers = make_catalogue({"shinn2023reflexion.yaml": record(labels=value)})
    with pytest.raises(RecordsInvalid) as caught:
        load_papers(papers)
    [problem] = caught.value.problems
    assert str(problem).startswith(f"{papers / 'shinn2023reflexion.yaml'}:9: {message}")
    assert str(problem).endswith("run `bufferlit tag --write` to rewrite it")


def test_reading_records_does_not_import_the_tagger() -> None:
    code = (
        "import sys; from pathlib import Path; from bufferlit.records import load_papers;"
        f"papers = load_papers(Path({str(REPO / 'papers')!r}));"
        "assert all(p.labels for p in papers);"
        "print(sorted(m for m in sys.modules if m.startswith('bufferlit.tagger')))"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.strip() == "[]"


def test_a_rewritten_record_keeps_its_labels_line(make_catalogue: Catalogue) -> None:
    """import-bib and rekey rewrite whole records through paper_fields: the line stays."""
    papers = make_catalogue(dict(FILES))
    write_labels(papers)
    for paper in load_papers(papers):
        path = papers / f"{paper.id}.yaml"
        rewritten = dump_record(paper_fields(paper))
        assert labels_lines(rewritten) == labels_lines(path.read_text()) != []
    assert load_papers(papers)[0].labels == Labels(
        (BufferType.HARDWARE,), Stance.USES, ("hardware",), "tagger"
    )


def test_export_leaves_out_the_stored_line(make_catalogue: Catalogue) -> None:
    papers = make_catalogue(dict(FILES))
    write_labels(papers)
    [item, *_] = json.loads(to_json(tag_papers(load_papers(papers))))
    assert "labels" not in item and item["buffer_types"] == ["hardware"]


# ---------------------------------------------------------------------------------------------
# Ingest, and the committed catalogue


def test_ingest_writes_fresh_labels_lines(tmp_path: Path) -> None:
    papers = tmp_path / "papers"
    ingest_listing(REPO / "data" / "seed-listing.txt", papers)
    loaded = load_papers(papers)
    assert len(loaded) == 40 and all(paper.labels for paper in loaded)
    assert stale_labels(loaded) == []
    assert write_labels(papers).rewritten == []


def test_committed_catalogue_labels_lines_are_fresh() -> None:
    """What CI's `bufferlit tag --check` also checks; holds at any size."""
    stale = stale_labels(load_papers(REPO / "papers"))
    assert not stale, "\n".join(map(str, stale)) + "\nrun `bufferlit tag --write`"


def test_a_line_it_cannot_edit_safely_is_an_error_and_nothing_is_written(
    make_catalogue: Catalogue,
) -> None:
    # A quoted key is valid YAML, but not the line tag --write looks for: rather than guess, it
    # refuses (the edit would give the record two labels fields) and names the file.
    stale = '"labels": {buffer_types: [none], stance: uses, domains: [nlp], by: tagger}\n'
    papers = make_catalogue({"lee2023double.yaml": SRAM.replace("abstract:", stale + "abstract:")})
    before = snapshot(papers)
    with pytest.raises(BufferlitError, match=r"lee2023double.yaml: labels: cannot rewrite"):
        write_labels(papers)
    assert snapshot(papers) == before


@pytest.mark.parametrize(
    "nested",
    [
        "labels: {buffer_types: [[[[[[[[replay]]]]]]]], stance: uses}\n",
        "labels: {a: [[x]], b: [[[[[[[\n  [y]]]]]]]], c: [[[[[[[[z]]]]]]]]}\n",
        "notes:\n a:\n  b: [x]\n  c:\n   d: {e: [[[[f]]]]}\n",
    ],
)
def test_records_with_brackets_are_measured_like_the_parser_counts(nested: str) -> None:
    """A record with a labels line is measured on its composed nodes instead of a second
    parse: it must find the same first too-deep line as the parser's events do."""
    text = record() + nested
    raw, problems = parse_text(text, Path("x.yaml"), "x.yaml")
    assert raw is None and len(problems) == 1
    assert "nested more than 8 deep" in problems[0].message
    assert problems[0].line == _too_deep(text) > 8


def test_a_paper_with_no_buffer_has_stance_none_and_reads_back(make_catalogue: Catalogue) -> None:
    """`grep 'stance: uses'` must not find papers the site shows without a stance."""
    overflow = paper(
        "cowan1998stackguard",
        "'StackGuard: Detection of Buffer Overflow Attacks'",
        "A compiler extension that detects stack smashing attacks, which overflow a buffer"
        " on the stack, by placing a canary word next to the return address.",
    )
    papers = make_catalogue({"cowan1998stackguard.yaml": overflow})
    write_labels(papers)
    text = (papers / "cowan1998stackguard.yaml").read_text()
    # Checked by eye: the tagger reads "overflow a buffer" as the other sense of the word.
    assert labels_lines(text) == [
        "labels: {buffer_types: [none], stance: none, domains: [security], by: tagger}"
    ]
    [loaded] = load_papers(papers)
    assert loaded.labels == Labels((BufferType.NONE,), None, ("security",), "tagger")
    assert write_labels(papers).rewritten == []  # read back, the line is fresh
