"""Ingest: new papers (from a scraped listing, or any other source) -> new records, idempotently.

A paper already in the catalogue (``identity.compare`` says SAME: an identifier agrees, or
title and abstract both match) is left alone: ingest never rewrites an existing record, so it
cannot overwrite a curated field. A paper whose title only looks like another's is written,
and both are named in a "possible duplicate" line: a paper is never dropped on a look-alike
title. What the tagger derives (buffer types, stance, domains) goes only into the generated
``labels:`` line (labels.py), never into the curated fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bufferlit.errors import ListingInvalid, RecordsInvalid
from bufferlit.identity import Identity, place_batch
from bufferlit.keys import new_key, unique_key
from bufferlit.labels import new_paper_labels
from bufferlit.listing import parse_listing
from bufferlit.model import Paper, Problem, name_parts
from bufferlit.records import Reading, check_record_text, displayer, read_catalogue
from bufferlit.writer import catalogue_lock, dump_record, write_many_atomic


@dataclass(frozen=True)
class NewPaper:
    """A paper about to become a record, from any source (listing, BibTeX, RIS, an API)."""

    title: str
    abstract: str
    line: int = 0
    """Where it stands in its source file (1-based), for messages; 0 when not from a file."""
    code: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)
    """Further record fields known from the source: authors, year, venue, arxiv, doi, url."""

    @property
    def identity(self) -> Identity:
        return Identity(
            title=self.title,
            abstract=self.abstract,
            arxiv=str(self.metadata.get("arxiv") or ""),
            doi=str(self.metadata.get("doi") or ""),
        )


@dataclass(frozen=True)
class Present:
    paper: NewPaper
    id: str
    """The record (or earlier new paper) it is the same paper as."""
    reason: str


@dataclass(frozen=True)
class Lookalike:
    id: str
    """The new record."""
    others: tuple[str, ...]
    """Records whose titles look like its own: possibly the same paper."""

    def line(self, papers_dir: Path) -> str:
        others = ", ".join(self.others)
        return (
            f"possible duplicate: {papers_dir / (self.id + '.yaml')} has a title like {others};"
            f" both are kept. If they are one paper, merge them; if not, add"
            f" 'distinct_from: [{self.others[0]}]' to {self.id}.yaml"
        )


@dataclass
class IngestReport:
    new: list[tuple[NewPaper, str]] = field(default_factory=list)
    """Papers written, with the id each got."""
    present: list[Present] = field(default_factory=list)
    """Papers already in the catalogue, with the id they are and why."""
    lookalikes: list[Lookalike] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    junk_lines: int = 0

    def summary(self) -> str:
        plural = "s" if len(self.problems) != 1 else ""
        text = (
            f"{len(self.new)} new, {len(self.present)} already present, "
            f"{len(self.lookalikes)} possible duplicate{'s' if len(self.lookalikes) != 1 else ''}, "
            f"{len(self.problems)} problem{plural}"
        )
        if self.junk_lines:
            junk = f"{self.junk_lines} scraper junk line{'s' if self.junk_lines != 1 else ''}"
            text += f" ({junk} skipped)"
        return text


def add_papers(
    candidates: Sequence[NewPaper],
    papers_dir: Path,
    *,
    source: str,
    today: dt.date | None = None,
    dry_run: bool = False,
    report: IngestReport | None = None,
) -> IngestReport:
    """Write every candidate that is not already in the catalogue; ``source`` names where
    the candidates came from in problems. A dry run reads without taking the lock, so it
    works on a catalogue the user may not write."""
    report = report or IngestReport()
    added = (today or dt.date.today()).isoformat()
    if dry_run:
        _plan(candidates, papers_dir, source, added, report)
        return report
    with catalogue_lock(papers_dir):
        pending = _plan(candidates, papers_dir, source, added, report)
        write_many_atomic(pending)
    return report


def _plan(
    candidates: Sequence[NewPaper], papers_dir: Path, source: str, added: str, report: IngestReport
) -> list[tuple[Path, str]]:
    # A folder that does not exist yet is an empty catalogue: the first ingest creates it.
    reading = read_catalogue(papers_dir) if papers_dir.exists() else Reading([], [], [])
    if reading.problems:
        # Adding to a catalogue that does not validate would bury the new problems.
        raise RecordsInvalid(reading.problems)
    papers: list[Paper] = reading.papers
    ids: list[str | None] = [paper.id for paper in papers]
    taken = {paper.id for paper in papers}
    display_of = displayer(papers_dir)
    placements = place_batch(
        [Identity.of(paper) for paper in papers], [c.identity for c in candidates]
    )
    pending: list[tuple[Path, str]] = []  # written together at the end, one flush to disk
    for candidate, placement in zip(candidates, placements, strict=True):
        if placement.same_as is not None:
            same = ids[placement.same_as]
            assert same is not None, "place_batch only matches papers that were placed in"
            report.present.append(Present(candidate, same, placement.reason))
            ids.append(None)
            continue
        paper_id, text, problems = _record_for(candidate, taken, added, papers_dir, display_of)
        if problems:
            report.problems += [
                Problem(source, candidate.line, problem.field, problem.message)
                for problem in problems
            ]
            ids.append(None)
            continue
        taken.add(paper_id)
        ids.append(paper_id)
        pending.append((papers_dir / f"{paper_id}.yaml", text))
        report.new.append((candidate, paper_id))
        others = tuple(other for index in placement.lookalikes if (other := ids[index]))
        if others:
            report.lookalikes.append(Lookalike(paper_id, others))
    return pending


def _record_for(
    candidate: NewPaper, taken: set[str], added: str, papers_dir: Path, display_of: Any
) -> tuple[str, str, list[Problem]]:
    """The new record's id and text, and every problem the loader would find in it: a
    candidate the loader would refuse (a 25,000-character abstract, a control character, a bad
    code URL) is reported against its source line, never written."""
    authors = candidate.metadata.get("authors") or []
    surname = name_parts(str(authors[0]))[0] if authors else ""
    paper_id = unique_key(new_key(candidate.title, surname, candidate.metadata.get("year")), taken)
    fields = {
        **candidate.metadata,
        "id": paper_id,
        "title": candidate.title,
        "code": list(candidate.code),
        "added": added,
        "abstract": candidate.abstract,
        "labels": new_paper_labels(candidate.title, candidate.abstract),  # the generated line
    }
    path = papers_dir / f"{paper_id}.yaml"
    text = dump_record(fields)
    return paper_id, text, check_record_text(text, path, display_of(path))


def ingest_listing(
    listing_path: Path,
    papers_dir: Path,
    *,
    today: dt.date | None = None,
    dry_run: bool = False,
) -> IngestReport:
    """Add every new paper of a listing to papers_dir; see IngestReport for what happened."""
    try:
        text = listing_path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        line = error.object[: error.start].count(b"\n") + 1
        message = f"is not valid UTF-8 (byte {error.start}); nothing was added"
        raise ListingInvalid(str(Problem(str(listing_path), line, "", message))) from None
    except OSError as error:
        problem = Problem(str(listing_path), 0, "", f"cannot be read: {error.strerror or error}")
        raise ListingInvalid(str(problem)) from None
    listing = parse_listing(text, str(listing_path))
    report = IngestReport(problems=list(listing.problems), junk_lines=listing.junk_lines)
    candidates = [
        NewPaper(entry.title, entry.abstract, entry.line, entry.code) for entry in listing.entries
    ]
    return add_papers(
        candidates,
        papers_dir,
        source=str(listing_path),
        today=today,
        dry_run=dry_run,
        report=report,
    )
