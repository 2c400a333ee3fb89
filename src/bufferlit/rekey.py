"""rekey: the one deliberate way to rename a record to its citation key.

Ingest names a paper by a slug of its title while its authors are unknown; once import-bib
has filled authors and year, a curator runs rekey to give it the key readers cite. Nothing
else ever renames a record.

A rename is two steps (write the new file, remove the old); a kill between them would leave
one paper under two ids, which validate, ingest and rekey itself refuse. So rekey first writes
a journal of its renames (``papers/.bufferlit-rekey.json``, atomically), and every run starts
by finishing the renames a journal lists before it plans new ones.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from bufferlit.errors import BufferlitError, RecordsInvalid
from bufferlit.keys import citation_key, provisional_key, unique_key
from bufferlit.model import Paper
from bufferlit.recordfile import excerpt, parse_record
from bufferlit.records import ID_PATTERN, REKEY_JOURNAL, read_papers, validate_record
from bufferlit.writer import catalogue_lock, dump_record, paper_fields, write_atomic


@dataclass(frozen=True)
class Rename:
    old: str
    new: str


def is_slug_id(paper: Paper) -> bool:
    """True while the id is still the provisional title slug ingest gave it (perhaps with the
    suffix ``unique_key`` added on a collision)."""
    return paper.id.startswith(provisional_key(paper.title))


def plan_renames(papers: list[Paper], wanted: list[str]) -> list[Rename]:
    """Renames for the ids asked for (or every provisional slug id when none is given)."""
    by_id = {paper.id: paper for paper in papers}
    unknown = [paper_id for paper_id in wanted if paper_id not in by_id]
    if unknown:
        raise BufferlitError(f"no record with id {', '.join(unknown)}")
    chosen = [by_id[i] for i in wanted] if wanted else [p for p in papers if is_slug_id(p)]
    taken = set(by_id)
    renames = []
    for paper in sorted(chosen, key=lambda p: (p.year or 0, p.added, p.id)):
        if not paper.authors or not paper.year:
            raise BufferlitError(
                f"{paper.source}: id: cannot make a citation key without authors and year;"
                " run import-bib first"
            )
        base = citation_key(paper.surnames[0], paper.year, paper.title)
        if paper.id == base or (paper.id.startswith(base) and paper.id[len(base) :].isalpha()):
            continue
        new = unique_key(base, taken)
        taken.add(new)
        renames.append(Rename(paper.id, new))
    return renames


def rekey(papers_dir: Path, wanted: list[str], *, dry_run: bool = False) -> list[Rename]:
    """Rename records to their citation keys; first finish what an interrupted run began.
    Returns every rename made (the finished ones first)."""
    with catalogue_lock(papers_dir):
        finished = [] if dry_run else finish_interrupted(papers_dir)
        papers, problems = read_papers(papers_dir)
        if problems:
            raise RecordsInvalid(problems)
        renames = plan_renames(papers, wanted)
        if dry_run or not renames:
            return finished + renames
        journal = papers_dir / REKEY_JOURNAL
        write_atomic(journal, _journal_text(renames))
        for rename in renames:
            _rename(papers_dir, rename)
        _remove(journal)
    return finished + renames


def _renamed_text(papers_dir: Path, rename: Rename) -> str:
    """The record ``old`` as it reads under its new id, or a clear error if it is not valid."""
    path = papers_dir / f"{rename.old}.yaml"
    display = str(path)
    raw, problems = parse_record(path, display)
    paper, field_problems = validate_record(raw, display) if raw else (None, [])
    if paper is None:
        raise RecordsInvalid(problems + field_problems)
    fields = paper_fields(paper)
    fields["id"] = rename.new
    return dump_record(fields)


def _rename(papers_dir: Path, rename: Rename) -> None:
    # New file first, then remove the old: a kill in between leaves the journal, which the
    # next run finishes; never a lost record.
    write_atomic(papers_dir / f"{rename.new}.yaml", _renamed_text(papers_dir, rename))
    _remove(papers_dir / f"{rename.old}.yaml")


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError as error:
        raise BufferlitError(
            f"cannot remove {path}: {error.strerror or error}; the rename is journaled:"
            " run `bufferlit rekey` again to finish it"
        ) from error


def finish_interrupted(papers_dir: Path) -> list[Rename]:
    """Finish the renames an interrupted rekey journaled, then remove the journal.

    For each rename: old and new both there (killed between the two steps): the new file is
    kept if it is exactly the old record under the new id, and the old one removed; only the
    old there: the rename is done now; only the new: it was done. Anything else (both gone,
    or two files that differ, say after a hand edit) is refused with what to do, and nothing
    is changed.
    """
    journal = papers_dir / REKEY_JOURNAL
    if not journal.exists():
        return []
    renames = _read_journal(journal)
    for rename in renames:
        _check_recoverable(papers_dir, journal, rename)
    finished = []
    for rename in renames:
        old, new = papers_dir / f"{rename.old}.yaml", papers_dir / f"{rename.new}.yaml"
        if old.exists() and new.exists():
            _remove(old)
        elif old.exists():
            _rename(papers_dir, rename)
        finished.append(rename)
    _remove(journal)
    return finished


def _check_recoverable(papers_dir: Path, journal: Path, rename: Rename) -> None:
    old, new = papers_dir / f"{rename.old}.yaml", papers_dir / f"{rename.new}.yaml"
    advice = f"keep the right one, delete the other, then delete {journal}"
    if not old.exists() and not new.exists():
        raise BufferlitError(
            f"{journal}: an interrupted rekey renamed {rename.old} to {rename.new}, and neither"
            f" file is there now; restore the record (git checkout), then delete {journal}"
        )
    if (
        old.exists()
        and new.exists()
        and new.read_text(encoding="utf-8") != _renamed_text(papers_dir, rename)
    ):
        raise BufferlitError(
            f"{journal}: an interrupted rekey was renaming {old.name} to {new.name}, and the"
            f" two files now differ; {advice}"
        )


def _journal_text(renames: list[Rename]) -> str:
    entries = [{"old": rename.old, "new": rename.new} for rename in renames]
    return json.dumps({"bufferlit_rekey": 1, "renames": entries}, indent=1) + "\n"


def _read_journal(journal: Path) -> list[Rename]:
    """The renames a journal lists; it must be one this module wrote (ids only, so that no
    path inside it can lead out of papers/)."""
    try:
        data = json.loads(journal.read_text(encoding="utf-8"))
        renames = [Rename(str(item["old"]), str(item["new"])) for item in data["renames"]]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BufferlitError(
            f"{journal}: cannot read this rekey journal ({excerpt(str(error))});"
            " it is not one bufferlit wrote: delete it"
        ) from None
    bad = [i for rename in renames for i in (rename.old, rename.new) if not ID_PATTERN.fullmatch(i)]
    if bad:
        raise BufferlitError(
            f"{journal}: {excerpt(bad[0])} is not a record id; this is not a rekey journal"
            " bufferlit wrote: delete it"
        )
    return renames
