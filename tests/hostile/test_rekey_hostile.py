"""rekey interrupted between writing a record's new file and removing its old one (a crash, a
SIGKILL): the journal it wrote first lets validate and ingest say what to do, and the next
rekey finish every rename, so that no paper is left under two ids or lost."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.hostile.support import REPO, bare_record, record, run_cli

import bufferlit.rekey
import bufferlit.writer
from bufferlit.errors import BufferlitError
from bufferlit.keys import provisional_key
from bufferlit.records import REKEY_JOURNAL, load_papers, read_papers
from bufferlit.rekey import rekey

# Papers ingest named by a title slug, since completed by import-bib: rekey renames all three.
PAPERS = [
    ("Reflexion: Language Agents with Verbal Reinforcement Learning", "Shinn, Noah", 2023),
    ("Learning to Prompt for Continual Learning", "Wang, Zifeng", 2022),
    ("Efficient Memory Management for Large Language Model Serving", "Kwon, Woosuk", 2023),
]
KEYS = {"shinn2023reflexion", "wang2022learning", "kwon2023efficient"}


@pytest.fixture
def slug_catalogue(make_catalogue) -> Path:
    files: dict[str, str | bytes] = {
        "kept2020record.yaml": bare_record("kept2020record", "Kept Record")
    }
    for number, (title, author, year) in enumerate(PAPERS):
        slug = provisional_key(title)
        files[f"{slug}.yaml"] = record(
            id=slug,
            title=title,
            authors=[author],
            year=year,
            abstract=f"Abstract {number} of a paper about a buffer, distinct from the others.",
        )
    return make_catalogue(files)


def snapshot(papers_dir: Path) -> dict[str, bytes]:
    return {
        path.name: path.read_bytes()
        for path in papers_dir.iterdir()
        if path.name != ".bufferlit.lock"
    }


def ids_of(papers_dir: Path) -> set[str]:
    return {paper.id for paper in load_papers(papers_dir)}


class CrashAfter:
    """Stands in for os.unlink or os.replace: the first ``after`` calls go through, the next
    fails (as a kill at that point would leave things)."""

    def __init__(self, real: Callable[..., None], after: int) -> None:
        self.real = real
        self.after = after
        self.calls = 0

    def __call__(self, *args: object) -> None:
        self.calls += 1
        if self.calls > self.after:
            raise OSError(errno.EIO, "Input/output error")
        self.real(*args)


@pytest.mark.parametrize("after", [0, 1, 2])
def test_a_crash_between_the_two_steps_is_finished_by_the_next_rekey(
    slug_catalogue, tmp_path, monkeypatch, after
):
    monkeypatch.setattr(bufferlit.rekey.os, "unlink", CrashAfter(os.unlink, after))
    with pytest.raises((OSError, BufferlitError)):
        rekey(slug_catalogue, [])
    monkeypatch.undo()
    # One paper is now under two ids: every command refuses, and says what to do.
    assert (slug_catalogue / REKEY_JOURNAL).exists()
    listing = tmp_path / "listing.txt"
    listing.write_text("A New Paper About Buffers\nWe study a replay buffer in depth here.\n")
    for command in (["validate"], ["ingest", str(listing)], ["import-bib", "/dev/null"]):
        result = run_cli([*command, "--papers", str(slug_catalogue)])
        assert result.exit_code == 1, (command, result.output)
        assert "a rekey was interrupted; run `bufferlit rekey` to finish" in result.output

    result = run_cli(["rekey", "--papers", str(slug_catalogue)])
    assert result.exit_code == 0, result.output
    assert ids_of(slug_catalogue) == KEYS | {"kept2020record"}
    assert not (slug_catalogue / REKEY_JOURNAL).exists()
    assert run_cli(["validate", "--papers", str(slug_catalogue)]).exit_code == 0


@pytest.mark.parametrize("after", [1, 2, 3])
def test_a_crash_writing_a_new_file_is_finished_by_the_next_rekey(
    slug_catalogue, monkeypatch, after
):
    """The journal is written (one os.replace), then ``after - 1`` renames went through."""
    before = {path.name for path in slug_catalogue.glob("*.yaml")}
    monkeypatch.setattr(bufferlit.writer.os, "replace", CrashAfter(os.replace, after))
    with pytest.raises((OSError, BufferlitError)):
        rekey(slug_catalogue, [])
    monkeypatch.undo()
    assert len(list(slug_catalogue.glob("*.yaml"))) == len(before)  # nothing lost, no twin
    renames = rekey(slug_catalogue, [])
    assert {rename.new for rename in renames} == KEYS
    assert ids_of(slug_catalogue) == KEYS | {"kept2020record"}


# A real SIGKILL at the worst moment: rekey runs in its own process, which stops itself right
# before removing the second old file (its new file is already written) and is killed there.
KILLED_REKEY = """
import os, sys, time
from pathlib import Path
import bufferlit.rekey

real_unlink, calls = os.unlink, []

def unlink_then_wait(path):
    calls.append(path)
    if len(calls) == 2:
        print("between", flush=True)
        time.sleep(600)
    real_unlink(path)

bufferlit.rekey.os.unlink = unlink_then_wait
bufferlit.rekey.rekey(Path(sys.argv[1]), [])
"""


def test_a_rekey_killed_between_the_two_steps_is_finished_by_the_next(slug_catalogue):
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_REKEY, str(slug_catalogue)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line == "between\n", process.communicate(timeout=30)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL

    _, problems = read_papers(slug_catalogue)
    assert any("a rekey was interrupted" in str(problem) for problem in problems)
    assert any("same paper as" in str(problem) for problem in problems)  # the twin it left

    done = subprocess.run(
        [sys.executable, "-m", "bufferlit", "rekey", "--papers", str(slug_catalogue)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert ids_of(slug_catalogue) == KEYS | {"kept2020record"}
    assert not (slug_catalogue / REKEY_JOURNAL).exists()


def test_a_twin_edited_since_the_crash_is_refused_and_left_alone(slug_catalogue, monkeypatch):
    monkeypatch.setattr(bufferlit.rekey.os, "unlink", CrashAfter(os.unlink, 0))
    with pytest.raises(BufferlitError):
        rekey(slug_catalogue, [])
    monkeypatch.undo()
    [entry] = json.loads((slug_catalogue / REKEY_JOURNAL).read_text())["renames"][:1]
    new = slug_catalogue / f"{entry['new']}.yaml"
    new.write_text(new.read_text().replace("Abstract", "Edited abstract"))
    before = snapshot(slug_catalogue)
    result = run_cli(["rekey", "--papers", str(slug_catalogue)])
    assert result.exit_code == 1
    assert "the two files now differ; keep the right one, delete the other" in result.output
    assert snapshot(slug_catalogue) == before


@pytest.mark.parametrize(
    "journal",
    [
        '{"bufferlit_rekey": 1, "renames": [{"old": "../../outside", "new": "x"}]}',
        '{"bufferlit_rekey": 1, "renames": [{"old": "kept2020record", "new": "a/b"}]}',
        '{"renames": [{"old": "kept2020record\\n", "new": "x"}]}',
        "not json at all \x1b[2J",
        "[]",
    ],
)
def test_a_journal_bufferlit_did_not_write_is_refused_and_nothing_moves(
    slug_catalogue, tmp_path, journal
):
    outside = tmp_path / "outside.yaml"
    outside.write_text("precious\n")
    (slug_catalogue / REKEY_JOURNAL).write_text(journal)
    before = snapshot(slug_catalogue)
    result = run_cli(["rekey", "--papers", str(slug_catalogue)])
    assert result.exit_code == 1
    assert "delete it" in result.output and "\x1b" not in result.output
    assert snapshot(slug_catalogue) == before
    assert outside.read_text() == "precious\n"
