"""The commands that write records: a crash or a kill midway leaves every record old or new
and the catalogue valid; a second writer fails clearly on the lock; broken listing entries
are reported by line and never half-written; curated fields are never overwritten."""

from __future__ import annotations

import errno
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import bibtexparser.middlewares as bib_middlewares
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.hostile.support import HOSTILE, bare_record, record, run_cli, run_module

import bufferlit.bibimport
import bufferlit.writer
from bufferlit.bibimport import import_bib
from bufferlit.errors import BufferlitError
from bufferlit.ingest import ingest_listing
from bufferlit.recordfile import parse_text
from bufferlit.records import load_papers, read_papers, validate_record
from bufferlit.writer import dump_record, paper_fields

WORDS = (
    "memory buffer replay cache stream kernel tensor agent context window scheduler allocator "
    "graph sparse dense vision language robot continual attention prefetch spill paging"
).split()


def listing_text(count: int, seed: int = 1) -> str:
    """A scraped listing of ``count`` distinct papers (title line, abstract line)."""
    chooser = random.Random(seed)
    lines = []
    for number in range(count):
        words = [chooser.choice(WORDS).capitalize() for _ in range(5)]
        lines.append(f"{' '.join(words)} number {number} {chooser.choice(WORDS)}")
        lines.append(
            f"We study case {number} of buffering in depth. "
            + " ".join(chooser.choice(WORDS) for _ in range(30))
            + ". Results improve."
        )
    return "\n".join(lines) + "\n"


def snapshot(papers_dir: Path) -> dict[str, bytes]:
    """Every file in the folder (temp files too), but the lock file writers create."""
    return {
        path.name: path.read_bytes()
        for path in sorted(papers_dir.iterdir())
        if path.name != ".bufferlit.lock"
    }


def curated_catalogue(make_catalogue) -> Path:
    """Two records a curator has worked on: curated fields, notes, a comment, odd layout."""
    return make_catalogue(
        {
            "shinn2023reflexion.yaml": "# curated by hand: keep this comment\n"
            + record(
                venue="NeurIPS",
                buffer_types=["kv-context", "replay"],
                stance="uses",
                domains=["llm-agents"],
                notes="Curated note: the buffer is the agent's memory.",
            ),
            "wang2022learning.yaml": record(
                id="wang2022learning",
                title="Learning to Prompt for Continual Learning",
                authors=["Wang, Zifeng"],
                year=2022,
                stance="avoids",
                notes=HOSTILE["notes"],
            ),
        }
    )


def assert_every_record_complete(papers_dir: Path) -> list[str]:
    """Each *.yaml parses and validates (no truncated file); returns the ids."""
    papers, problems = read_papers(papers_dir)
    assert problems == [], [str(problem) for problem in problems]
    return [paper.id for paper in papers]


# ---------------------------------------------------------------------------------------------
# A crash midway (simulated inside the process)


class Crash:
    """Stands in for os.replace: does the first ``after`` renames, then fails like a full disk."""

    def __init__(self, after: int) -> None:
        self.after = after
        self.calls = 0
        self.real = os.replace

    def __call__(self, source: str, target: str) -> None:
        self.calls += 1
        if self.calls > self.after:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.real(source, target)


@pytest.mark.parametrize("after", [0, 1, 7])
def test_ingest_crashing_midway_leaves_old_records_and_whole_new_ones(
    make_catalogue, tmp_path, monkeypatch, after
):
    papers = curated_catalogue(make_catalogue)
    before = snapshot(papers)
    listing = tmp_path / "listing.txt"
    listing.write_text(listing_text(12))
    monkeypatch.setattr(bufferlit.writer.os, "replace", Crash(after))
    with pytest.raises((OSError, BufferlitError)):
        ingest_listing(listing, papers)
    monkeypatch.undo()

    after_crash = snapshot(papers)
    for name, content in before.items():
        assert after_crash[name] == content, f"{name} changed"
    new = sorted(set(after_crash) - set(before))
    assert len(new) == after, new  # only renamed files exist; no temp file is left over
    assert all(name.endswith(".yaml") for name in new)
    assert_every_record_complete(papers)

    # Running again finishes the job: every paper once, the earlier ones found present.
    report = ingest_listing(listing, papers)
    assert (len(report.new), len(report.present)) == (12 - after, after)
    assert len(assert_every_record_complete(papers)) == 2 + 12


def test_ingest_crashing_in_a_write_leaves_no_partial_file(make_catalogue, tmp_path, monkeypatch):
    papers = curated_catalogue(make_catalogue)
    before = snapshot(papers)
    listing = tmp_path / "listing.txt"
    listing.write_text(listing_text(5))
    real_open = os.fdopen
    calls = []

    def failing_fdopen(*args, **kwargs):
        handle = real_open(*args, **kwargs)
        calls.append(1)
        if len(calls) == 3:
            real_write = handle.write

            def write(text):
                real_write(text[: len(text) // 2])
                raise OSError(errno.EIO, "Input/output error")

            handle.write = write
        return handle

    monkeypatch.setattr(bufferlit.writer.os, "fdopen", failing_fdopen)
    with pytest.raises((OSError, BufferlitError)):
        ingest_listing(listing, papers)
    monkeypatch.undo()
    assert {name for name in snapshot(papers) if name.startswith(".") and "tmp" in name} == set()
    for name, content in before.items():
        assert (papers / name).read_bytes() == content
    assert_every_record_complete(papers)


BIB = """\
@inproceedings{shinn2023reflexion,
  title = {Reflexion: Language Agents with Verbal Reinforcement Learning},
  author = {Shinn, Noah and Cassano, Federico and Gopinath, Ashwin},
  booktitle = {Advances in Neural Information Processing Systems},
  year = {2023},
  doi = {10.48550/arXiv.2303.11366},
  buffer_types = {none},
  stance = {avoids},
  domains = {robotics},
  notes = {Overwritten by BibTeX!},
  note = {A note field},
  keywords = {replay}
}
@article{wang2022learning,
  title = {Learning to Prompt for Continual Learning},
  author = {Wang, Zifeng and Zhang, Zizhao},
  journal = {Transactions on Machine Learning Research},
  year = {2022},
  url = {https://example.org/l2p},
  notes = {Overwritten by BibTeX!}
}
"""


@pytest.mark.parametrize("after", [0, 1])
def test_import_bib_crashing_midway_leaves_each_record_old_or_new(
    make_catalogue, tmp_path, monkeypatch, after
):
    bib = tmp_path / "meta.bib"
    bib.write_text(BIB)
    # The new contents, from a run that does not crash, on a copy.
    reference = curated_catalogue(make_catalogue)
    before = snapshot(reference)
    import_bib(bib, reference, overwrite=True)
    new = snapshot(reference)
    for name, content in before.items():
        (reference / name).write_bytes(content)
    assert new != before

    monkeypatch.setattr(bufferlit.writer.os, "replace", Crash(after))
    with pytest.raises((OSError, BufferlitError)):
        import_bib(bib, reference, overwrite=True)
    monkeypatch.undo()
    crashed = snapshot(reference)
    assert set(crashed) == set(before)
    assert all(crashed[name] in (before[name], new[name]) for name in before)
    assert sum(crashed[name] == new[name] != before[name] for name in before) == after
    assert_every_record_complete(reference)


# ---------------------------------------------------------------------------------------------
# A real process killed midway


def wait_for(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return False


def interruptible() -> None:
    """In the child, before exec: SIGINT as a terminal's Ctrl-C finds it, handled and not
    blocked. A child inherits an ignored or blocked signal (from whatever ran pytest, or a
    library it loaded): Python then never sees SIGINT, and ingest runs to its end."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def start_ingest(listing: Path, papers: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bufferlit", "ingest", str(listing), "--papers", str(papers)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=interruptible,
    )


def lock_is_held(papers: Path) -> bool:
    """Whether some process holds the catalogue lock, read from /proc/locks (taking the lock
    to find out would itself make the other process fail)."""
    lock = papers / ".bufferlit.lock"
    if not lock.exists():
        return False
    inode = f":{lock.stat().st_ino} "
    return any(
        "FLOCK" in line and inode in line for line in Path("/proc/locks").read_text().splitlines()
    )


def ingest_stopped_while_writing(make_catalogue, tmp_path, how):
    """The curated catalogue, what it held, the listing, its size, and ingest's exit code and
    stderr, ingest having been sent ``how`` once it was writing (a first record or temp file
    appeared). Ingest writes 1,500 records in ~0.25 s: on a loaded machine the signal can
    land after the last record, and then it runs again, on a fresh catalogue and a longer
    listing."""
    for count in (1500, 6000):
        papers = curated_catalogue(make_catalogue)
        before = snapshot(papers)
        listing = tmp_path / f"big-{count}.txt"
        listing.write_text(listing_text(count))
        process = start_ingest(listing, papers)
        writing = wait_for(lambda: len(os.listdir(papers)) > len(before) + 1)  # noqa: B023
        process.send_signal(how)
        _, stderr = process.communicate(timeout=60)
        assert writing, stderr
        midway = len(list(papers.glob("*.yaml"))) < len(before) + count
        if process.returncode != 0 and midway:
            return papers, before, listing, count, process.returncode, stderr
        shutil.rmtree(papers)
    pytest.fail("ingest had written every record before the signal, twice")


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_killing_ingest_midway_leaves_a_valid_catalogue(make_catalogue, tmp_path, how):
    papers, before, listing, count, returncode, stderr = ingest_stopped_while_writing(
        make_catalogue, tmp_path, how
    )
    assert "Traceback" not in stderr
    if how == signal.SIGINT:
        assert returncode == 1 and "Aborted" in stderr

    for name, content in before.items():
        assert (papers / name).read_bytes() == content
    written = assert_every_record_complete(papers)
    assert 2 <= len(written) < 2 + count
    done = run_module(["validate", "--papers", str(papers)])
    assert done.returncode == 0, done.stderr

    rerun = run_module(["ingest", str(listing), "--papers", str(papers)], timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert len(assert_every_record_complete(papers)) == 2 + count
    # Temp files a killed writer left behind are gone once the next writer holds the lock.
    assert [name for name in os.listdir(papers) if name.endswith(".tmp")] == []


# ---------------------------------------------------------------------------------------------
# Two writers at once

HOLD_LOCK = """
import sys
from pathlib import Path
from bufferlit.writer import catalogue_lock
with catalogue_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    sys.stdin.read()
"""


@pytest.fixture
def held_lock(make_catalogue):
    """The catalogue, with its lock held by another process until the test ends."""
    papers = curated_catalogue(make_catalogue)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(papers)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    yield papers
    holder.communicate("", timeout=30)
    assert holder.returncode == 0


@pytest.mark.parametrize(
    "command",
    [
        ["ingest", "{listing}"],
        ["import-bib", "{bib}"],
        ["import-bib", "{bib}", "--overwrite"],
        ["rekey", "wang2022learning"],
    ],
    ids=["ingest", "import-bib", "import-bib-overwrite", "rekey"],
)
def test_a_second_writer_fails_clearly_and_writes_nothing(held_lock, tmp_path, command):
    papers = held_lock
    before = snapshot(papers)
    (tmp_path / "listing.txt").write_text(listing_text(3))
    (tmp_path / "meta.bib").write_text(BIB)
    args = [
        part.format(listing=tmp_path / "listing.txt", bib=tmp_path / "meta.bib") for part in command
    ]
    done = run_module([*args, "--papers", str(papers)])
    assert done.returncode == 1
    assert "is being written by another bufferlit command" in done.stderr
    assert "Traceback" not in done.stderr
    assert snapshot(papers) == before


def test_two_ingests_at_once_do_not_corrupt_the_catalogue(make_catalogue, tmp_path):
    papers = curated_catalogue(make_catalogue)
    listing = tmp_path / "big.txt"
    count = 1500
    listing.write_text(listing_text(count, seed=2))
    first = start_ingest(listing, papers)
    assert wait_for(lambda: lock_is_held(papers) or first.poll() is not None)
    second = start_ingest(listing, papers)
    _, second_err = second.communicate(timeout=120)
    overlapped = first.poll() is None
    _, first_err = first.communicate(timeout=120)
    assert first.returncode == 0, first_err
    if overlapped:
        assert second.returncode == 1
        assert "is being written by another bufferlit command" in second_err
    assert "Traceback" not in first_err + second_err
    ids = assert_every_record_complete(papers)
    assert len(ids) == len(set(ids)) == 2 + count


# ---------------------------------------------------------------------------------------------
# Broken listings

BROKEN_LISTING = [
    "Get trending papers in your email inbox!",  # 1 junk, dropped silently
    "A long abstract with no title before it. " * 5,  # 2 abstract without a title
    "SubscribeReplay Buffers for Continual Learning",  # 3 good title
    "We keep a replay buffer of past samples. " * 5,  # 4 its abstract
    "An Orphan Title Without Any Abstract",  # 5 title without an abstract
    "Streaming Memory for Video Models",  # 6 good title
    "We keep a memory bank of past frames. " * 5,  # 7 its abstract
    "!!",  # 8 garbage
    "x",  # 9 garbage
    "Another Title Left Hanging At The End",  # 10 title without an abstract (last line)
]


def test_a_broken_listing_is_reported_by_line_and_nothing_broken_is_written(
    make_catalogue, tmp_path
):
    papers = curated_catalogue(make_catalogue)
    before = snapshot(papers)
    listing = tmp_path / "listing.txt"
    listing.write_text("\n".join(BROKEN_LISTING) + "\n")
    done = run_module(["ingest", str(listing), "--papers", str(papers)])
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    problems = done.stderr.splitlines()
    expected = {
        2: "title: abstract without a title",
        5: "abstract: title 'An Orphan Title Without Any Abstract' has no abstract",
        8: "cannot parse this line: '!!'",
        9: "cannot parse this line: 'x'",
        10: "abstract: title 'Another Title Left Hanging At The End' has no abstract",
    }
    for line, message in expected.items():
        assert any(p.startswith(f"{listing}:{line}: {message}") for p in problems), (
            line,
            problems,
        )
    assert len(problems) == len(expected), problems
    papers_now = {paper.title: paper for paper in load_papers(papers)}
    assert set(papers_now) == {
        "Reflexion: Language Agents with Verbal Reinforcement Learning",
        "Learning to Prompt for Continual Learning",
        "Replay Buffers for Continual Learning",
        "Streaming Memory for Video Models",
    }
    for name, content in before.items():
        assert (papers / name).read_bytes() == content
    assert not any("orphan" in name or "hanging" in name for name in os.listdir(papers))


@pytest.mark.parametrize(
    ("title", "abstract", "field"),
    [
        ("A Title With A Huge Abstract", "Memory. " * 3000, "abstract"),
        ("A Title With A Bad Code Link", "We release code. " * 10 + "See https://.x now.", "code"),
        ("A Title With \x1b[31m Escapes", "We keep a buffer. " * 10, "title"),
        ("Averyveryverylongsingleword" * 10 + " buffers", "We keep a buffer. " * 10, ""),
    ],
    ids=["huge-abstract", "bad-code-url", "control-character", "very-long-word"],
)
def test_an_entry_the_loader_would_refuse_is_reported_not_written(
    make_catalogue, tmp_path, title, abstract, field
):
    papers = curated_catalogue(make_catalogue)
    listing = tmp_path / "listing.txt"
    good = "A Perfectly Ordinary Paper\n" + "We keep a buffer. " * 10 + "\n"
    listing.write_text(good + f"{title}\n{abstract}\n")
    done = run_module(["ingest", str(listing), "--papers", str(papers)])
    assert "Traceback" not in done.stderr
    ids = assert_every_record_complete(papers)  # nothing invalid was written
    if field:
        assert done.returncode == 1
        assert f"{listing}:3: {field}: " in done.stderr
        assert len(ids) == 3
    else:  # a 300-letter word makes a long id: it is cut to fit
        assert done.returncode == 0, done.stderr
        assert len(ids) == 4 and all(len(paper_id) <= 80 for paper_id in ids)


def test_a_listing_that_is_not_utf8_is_refused_cleanly(make_catalogue, tmp_path):
    papers = curated_catalogue(make_catalogue)
    before = snapshot(papers)
    listing = tmp_path / "listing.txt"
    listing.write_bytes(b"Caf\xe9 Buffers For Everyone\n" + b"We keep a buffer. " * 10 + b"\n")
    done = run_module(["ingest", str(listing), "--papers", str(papers)])
    assert done.returncode == 1
    assert f"{listing}:1: is not valid UTF-8 (byte 3)" in done.stderr
    assert "Traceback" not in done.stderr
    assert snapshot(papers) == before


def test_a_full_disk_is_a_clean_error(make_catalogue, tmp_path, monkeypatch):
    papers = curated_catalogue(make_catalogue)
    listing = tmp_path / "listing.txt"
    listing.write_text(listing_text(3))
    monkeypatch.setattr(bufferlit.writer.os, "replace", Crash(1))
    result = run_cli(["ingest", str(listing), "--papers", str(papers)])
    assert result.exit_code == 1
    assert re.search(r"Error: cannot write \S+\.yaml: No space left on device", result.output)


# ---------------------------------------------------------------------------------------------
# Curated fields


def test_ingest_never_rewrites_a_record_already_there(make_catalogue, tmp_path):
    papers = curated_catalogue(make_catalogue)
    before = snapshot(papers)
    listing = tmp_path / "listing.txt"
    listing.write_text(
        "REFLEXION - language agents with verbal reinforcement learnin\n"
        + "A different abstract that says nothing about buffers at all. " * 4
        + "Code: https://github.com/evil/overwrite\n"
        + "Learning to Prompt for Continual Learning.\n"
        + "<script>alert(1)</script> A hostile abstract. " * 5
        + "\n"
    )
    result = run_cli(["ingest", str(listing), "--papers", str(papers)])
    assert result.exit_code == 0, result.output
    # Look-alike titles with other abstracts: written beside the records, never over them,
    # and named as possible duplicates.
    assert "2 new, 0 already present, 2 possible duplicates" in result.output
    after = snapshot(papers)
    assert {name: after[name] for name in before} == before
    assert "possible duplicate:" in result.output and "distinct_from: [wang2022learning]" in (
        result.output
    )


CURATED = ("buffer_types", "stance", "domains", "notes")


def test_import_bib_fills_only_empty_fields_and_never_curated_ones(make_catalogue, tmp_path):
    papers = curated_catalogue(make_catalogue)
    bib = tmp_path / "meta.bib"
    bib.write_text(BIB)
    old = {paper.id: paper for paper in load_papers(papers)}
    result = run_cli(["import-bib", str(bib), "--papers", str(papers)])
    assert result.exit_code == 0, result.output
    new = {paper.id: paper for paper in load_papers(papers)}
    reflexion = new["shinn2023reflexion"]
    assert reflexion.venue == "NeurIPS"  # was set: kept
    assert reflexion.authors == old["shinn2023reflexion"].authors  # was set: kept
    assert reflexion.doi == "10.48550/arXiv.2303.11366"  # was empty: filled
    assert new["wang2022learning"].venue == "TMLR"  # was empty: filled
    assert new["wang2022learning"].url == "https://example.org/l2p"
    for paper_id, paper in new.items():
        for field in CURATED:
            assert getattr(paper, field) == getattr(old[paper_id], field), (paper_id, field)


def test_import_bib_overwrite_replaces_bibliographic_fields_only(make_catalogue, tmp_path):
    papers = curated_catalogue(make_catalogue)
    bib = tmp_path / "meta.bib"
    bib.write_text(BIB)
    old = {paper.id: paper for paper in load_papers(papers)}
    result = run_cli(["import-bib", str(bib), "--papers", str(papers), "--overwrite"])
    assert result.exit_code == 0, result.output
    new = {paper.id: paper for paper in load_papers(papers)}
    reflexion = new["shinn2023reflexion"]
    assert reflexion.authors == ("Shinn, Noah", "Cassano, Federico", "Gopinath, Ashwin")
    for paper_id, paper in new.items():
        for field in (*CURATED, "title", "abstract", "added", "id"):
            assert getattr(paper, field) == getattr(old[paper_id], field), (paper_id, field)
    assert new["wang2022learning"].notes == HOSTILE["notes"]


def test_import_bib_with_values_the_loader_refuses_leaves_the_record(make_catalogue, tmp_path):
    papers = curated_catalogue(make_catalogue)
    before = snapshot(papers)
    bib = tmp_path / "bad.bib"
    bib.write_text(
        "@article{a, title={Learning to Prompt for Continual Learning}, year={1066},\n"
        "  author={Wang, Zifeng}}\n"
        "@article{b, title={Reflexion: Language Agents with Verbal Reinforcement Learning},\n"
        '  url={http://x.org/a"><script>alert(1)</script>}, doi={10.1/x}}\n'
        "@article{c, title={Unclosed, year={2020}\n"
    )
    done = run_module(["import-bib", str(bib), "--papers", str(papers), "--overwrite"])
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{bib}:1: year: 1066 is out of range" in done.stderr
    assert f"{bib}:3: url: " in done.stderr
    assert f"{bib}:5: cannot parse BibTeX: Unexpectedly reached end of file" in done.stderr
    assert "aborted on line" not in done.stderr  # bibtexparser's own 0-based report
    assert snapshot(papers) == before
    assert_every_record_complete(papers)


# ---------------------------------------------------------------------------------------------
# A dry run writes nothing, so it needs no write access

# Root writes into a read-only folder anyway: its process drops the capabilities that let it.
WITHOUT_OVERRIDE = (
    ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]
    if os.geteuid() == 0
    else []
)


def test_ingest_dry_run_works_in_a_read_only_papers_folder(make_catalogue, tmp_path):
    papers = curated_catalogue(make_catalogue)
    listing = tmp_path / "listing.txt"
    listing.write_text(listing_text(1))
    for path in papers.iterdir():
        path.chmod(0o444)
    papers.chmod(0o555)
    before = snapshot(papers)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}

    def ingest(*extra: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "bufferlit", "ingest", str(listing), "--papers"]
        return subprocess.run(
            [*WITHOUT_OVERRIDE, *command, str(papers), *extra],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )

    try:
        dry = ingest("--dry-run")
        real = ingest()  # shows the folder really is read-only to the process
    finally:
        papers.chmod(0o755)
    assert dry.returncode == 0, dry.stderr
    assert "would add: 1 new" in dry.stdout
    assert real.returncode == 1 and "Traceback" not in real.stderr
    assert "Permission denied" in real.stderr
    assert snapshot(papers) == before


# ---------------------------------------------------------------------------------------------
# Sizes are checked before BibTeX is decoded

# One entry of 100,000 authors (2.5 MB): it ran 78 s in LaTeX decoding and name splitting
# before the record-size limit refused it.
MANY_AUTHORS = " and ".join(f"Surname{i:05d}, G{i:05d}" for i in range(100_000))


def test_an_entry_too_big_for_a_record_is_refused_before_decoding(
    make_catalogue, tmp_path, monkeypatch
):
    papers = curated_catalogue(make_catalogue)
    bib = tmp_path / "many.bib"
    bib.write_text(
        "@article{huge,\n  title = {Reflexion: Language Agents with Verbal Reinforcement"
        " Learning},\n  year = {2023},\n  author = {Shinn, Noah and "
        + MANY_AUTHORS
        + "}\n}\n"
        + BIB
    )
    decoded: list[str] = []
    real = bib_middlewares.LatexDecodingMiddleware.transform_entry

    def spy(self, entry, library):  # type: ignore[no-untyped-def]
        decoded.append(entry.key)
        return real(self, entry, library)

    monkeypatch.setattr(bib_middlewares.LatexDecodingMiddleware, "transform_entry", spy)
    result = run_cli(["import-bib", str(bib), "--papers", str(papers), "--overwrite"])
    assert result.exit_code == 1
    assert f"{bib}:4: author: is 2,500,013 characters; at most 262,144" in result.output
    assert "(entry 'huge' skipped)" in result.output
    assert "huge" not in decoded  # refused before any decoding
    assert sorted(decoded) == ["shinn2023reflexion", "wang2022learning"]
    # The other entries of the file are imported as usual.
    reflexion, wang = load_papers(papers)
    assert reflexion.authors == ("Shinn, Noah", "Cassano, Federico", "Gopinath, Ashwin")
    assert wang.venue == "TMLR"


def test_a_bib_file_too_big_is_refused_unread(make_catalogue, tmp_path, monkeypatch):
    papers = curated_catalogue(make_catalogue)
    before = snapshot(papers)
    bib = tmp_path / "huge.bib"
    with bib.open("wb") as handle:  # sparse: the size is real, the disk is not used
        handle.truncate(bufferlit.bibimport.MAX_BIB_BYTES + 1)
    monkeypatch.setattr(Path, "read_text", lambda *a, **k: pytest.fail("the file was read"))
    result = run_cli(["import-bib", str(bib), "--papers", str(papers)])
    monkeypatch.undo()
    assert result.exit_code == 1
    assert f"{bib}: is 33,554,433 bytes; a BibTeX file may be at most 33,554,432" in result.output
    assert snapshot(papers) == before


# ---------------------------------------------------------------------------------------------
# Rewriting a record loses nothing

TEXT_CHARS = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters=[
        chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]
    ]
    + ["\ufffe", "\uffff"],
)
TEXT = (
    st.one_of(
        st.text(TEXT_CHARS, min_size=1, max_size=40),
        st.sampled_from(
            [
                "yes",
                "no",
                "null",
                "~",
                "2023-01-01",
                "1e3",
                "0x1F",
                ".nan",
                "- item",
                "? key",
                "key: value",
                "# not a comment",
                "'quoted'",
                '"double"',
                "&anchor",
                "*alias",
                "!!python/name:os.system",
                "{{ 7*7 }}",
                "a\n\nb",
                "  padded  ",
                "tab\there",
                "...",
                "---",
                "|",
                ">",
                "@at",
                "`tick`",
                "%percent",
                "\u2028",
                "\u00a0",
                "é",
            ]
        ),
    )
    .map(str.strip)
    .filter(bool)
)


# A title, name or venue is one line (records.LINE_BREAK); the abstract and notes may break.
ONE_LINE = TEXT.filter(lambda text: not any(brk in text for brk in "\n\r\u2028\u2029"))


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    title=ONE_LINE,
    authors=st.lists(ONE_LINE, max_size=3),
    venue=ONE_LINE,
    notes=TEXT,
    abstract=st.one_of(TEXT, st.lists(TEXT, min_size=1, max_size=30).map(" ".join)),
)
def test_a_rewritten_record_loads_back_the_same(title, authors, venue, notes, abstract):
    """import-bib and rekey rewrite records through dump_record: every value must survive."""
    text = record(title=title, authors=authors or None, venue=venue, notes=notes, abstract=abstract)
    path = Path("papers/shinn2023reflexion.yaml")
    raw, problems = parse_text(text, path, str(path))
    assert raw is not None and problems == []
    paper, problems = validate_record(raw, str(path))
    assert paper is not None, [str(problem) for problem in problems]
    dumped = dump_record(paper_fields(paper))
    raw_again, problems = parse_text(dumped, path, str(path))
    assert raw_again is not None and problems == [], dumped
    again, problems = validate_record(raw_again, str(path))
    assert again == paper, dumped
    assert json.dumps(again.abstract) == json.dumps(paper.abstract)


def test_the_hostile_record_survives_a_rewrite(make_catalogue):
    papers = make_catalogue(
        {"x2024y.yaml": record(id="x2024y", **{k: v for k, v in HOSTILE.items()})}
    )
    [paper] = load_papers(papers)
    (papers / "x2024y.yaml").write_text(dump_record(paper_fields(paper)))
    assert load_papers(papers) == [paper]


def test_bare_record_helper_is_valid(make_catalogue):
    papers = make_catalogue({"a2024b.yaml": bare_record("a2024b", "A title here")})
    assert [paper.id for paper in load_papers(papers)] == ["a2024b"]


def test_rewriting_a_record_keeps_every_field(make_catalogue):
    """import-bib and rekey rewrite records from paper_fields: a field it forgot would be
    dropped silently (distinct_from once was)."""
    from bufferlit.model import FIELD_ORDER
    from bufferlit.writer import paper_fields

    papers = make_catalogue(
        {
            "reflexion-language-agents.yaml": record(
                id="reflexion-language-agents", distinct_from=["other"]
            ),
            "other.yaml": record(id="other", title="Another paper entirely, about caches"),
        }
    )
    [paper, _] = sorted(load_papers(papers), key=lambda p: p.id != "reflexion-language-agents")
    assert set(paper_fields(paper)) == set(FIELD_ORDER)
    result = run_cli(["rekey", "reflexion-language-agents", "--papers", str(papers)])
    assert result.exit_code == 0, result.output
    [renamed] = [p for p in load_papers(papers) if p.id != "other"]
    assert renamed.distinct_from == ("other",)
