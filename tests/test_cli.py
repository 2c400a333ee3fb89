"""The CLI: every command documented with an example, exit codes, output to stderr."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner
from tests.helpers import REPO, record

from bufferlit.cli import cli

COMMANDS = cli.list_commands(click.Context(cli))


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(name):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output and f"bufferlit {name}" in result.output


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_in_the_readme(name):
    readme = (REPO / "README.md").read_text()
    assert re.search(rf"`bufferlit {re.escape(name)}\b", readme), f"README does not document {name}"


def run(*args: str, cwd=REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bufferlit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_validate_counts_the_records(small_catalogue):
    result = run("validate", "--papers", str(small_catalogue))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"4 records in {small_catalogue} are valid"


def test_bad_records_exit_1_with_one_line_per_problem_and_no_traceback(make_catalogue):
    papers_dir = make_catalogue(
        {"shinn2023reflexion.yaml": record(year="'x'", venu="ICML"), "b.yaml": "{"}
    )
    result = run("validate", "--papers", str(papers_dir))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "Error: 3 problems in the records:"
    assert all(re.match(r"^\S+\.yaml:\d+: ", line) for line in lines[1:]), lines


def test_usage_errors_exit_2():
    assert run("cite", "--format", "docx").returncode == 2
    assert run("no-such-command").returncode == 2


@pytest.fixture
def small_catalogue(make_catalogue):
    return make_catalogue(
        {
            "shinn2023reflexion.yaml": record(
                title="Reflexion: Language Agents with Verbal Reinforcement Learning"
            ),
            "wang2022dualprompt.yaml": record(
                "wang2022dualprompt",
                "DualPrompt: Complementary Prompting for Rehearsal-free Continual Learning",
                authors='["Wang, Zifeng"]',
            ),
            "videnovic2025distractor.yaml": record(
                "videnovic2025distractor",
                "A Distractor-Aware Memory for Visual Object Tracking with SAM2",
                authors='["Videnovic, Jovana", "Kristan, Matej"]',
            ),
            "lu2023im2win.yaml": record(
                "lu2023im2win",
                "Im2win: An Efficient Convolution Paradigm on GPU",
                abstract="Our kernel uses shared memory, tiling, double buffer, and prefetching.",
            ),
        }
    )


def test_search_forgives_a_typo(small_catalogue):
    result = run("search", "reflxion", "--papers", str(small_catalogue))
    assert result.returncode == 0
    assert result.stdout.splitlines()[0].split()[1] == "shinn2023reflexion"


def test_search_finds_an_author_surname(small_catalogue):
    result = run("search", "Kristan", "--papers", str(small_catalogue))
    assert result.stdout.splitlines()[0].split()[1] == "videnovic2025distractor"


def test_search_that_finds_nothing_says_so_and_exits_0(small_catalogue):
    # Nothing found is an answer, not bad input (exit 1) or a usage error (exit 2).
    result = run("search", "zebrafish", "--papers", str(small_catalogue))
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "no paper matches 'zebrafish' (searched titles, authors and abstracts of 4 papers)\n"
    )


@pytest.mark.parametrize("query", ["double buffering", "double buffers", "double buffer"])
def test_search_finds_other_forms_of_a_word(small_catalogue, query):
    result = run("search", query, "--papers", str(small_catalogue))
    assert result.returncode == 0, result.stderr
    assert [line.split()[1] for line in result.stdout.splitlines()] == ["lu2023im2win"]


def test_cite_a_mistyped_id_suggests_the_closest(small_catalogue):
    result = run("cite", "shinn2023reflxion", "--papers", str(small_catalogue))
    assert result.returncode == 1
    assert result.stderr == (
        f"Error: no record with id shinn2023reflxion in {small_catalogue}; "
        "did you mean 'shinn2023reflexion'?\n"
    )


@pytest.mark.parametrize(
    "command",
    [("validate",), ("cite",), ("export",), ("search", "x"), ("rekey",), ("import-bib", "x.bib")],
)
def test_a_missing_papers_folder_is_a_usage_error(tmp_path, command):
    (tmp_path / "x.bib").write_text("")
    result = run(*command, cwd=tmp_path)  # no papers/ here
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines()[-1] == (
        "Error: Invalid value for '--papers': no folder 'papers': "
        "run bufferlit in the catalogue's repository, or give --papers DIR"
    )
    missing = tmp_path / "nowhere"
    result = run(*command, "--papers", str(missing), cwd=tmp_path)
    assert result.returncode == 2 and f"no folder '{missing}'" in result.stderr


def test_cite_one_paper_and_unknown_ids(small_catalogue):
    result = run(
        "cite", "shinn2023reflexion", "--format", "csl-json", "--papers", str(small_catalogue)
    )
    [item] = json.loads(result.stdout)
    assert item["id"] == "shinn2023reflexion"
    missing = run("cite", "nobody2020nothing", "--papers", str(small_catalogue))
    assert missing.returncode == 1
    assert (
        missing.stderr.strip() == f"Error: no record with id nobody2020nothing in {small_catalogue}"
    )


def test_cite_bibtex_of_the_whole_catalogue_has_one_entry_per_paper(small_catalogue):
    result = run("cite", "--format", "bibtex", "--papers", str(small_catalogue))
    assert result.returncode == 0
    assert re.findall(r"^@\w+\{(\w+),", result.stdout, re.M) == [
        "lu2023im2win",
        "shinn2023reflexion",
        "videnovic2025distractor",
        "wang2022dualprompt",
    ]


def test_ingest_reports_problems_and_exits_1(tmp_path):
    listing = tmp_path / "l.txt"
    listing.write_text("Only A Title Here\n")
    result = CliRunner().invoke(cli, ["ingest", str(listing), "--papers", str(tmp_path / "p")])
    assert result.exit_code == 1
    assert f"{listing}:1: abstract: title 'Only A Title Here' has no abstract" in result.output


def test_errors_are_click_exceptions():
    from bufferlit.errors import BufferlitError

    assert issubclass(BufferlitError, click.ClickException)
