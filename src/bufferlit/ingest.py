"""Ingest: a scraped listing -> new records in papers/, idempotently.

A paper already in the catalogue (same title up to case, punctuation or a small edit) is left
alone: ingest never rewrites an existing record, so it cannot overwrite a curated field.
Nothing the tagger can derive (buffer type, stance, domains) is stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

from bufferlit.errors import RecordsInvalid
from bufferlit.keys import title_slug, unique_key
from bufferlit.listing import ListingEntry, parse_listing
from bufferlit.model import Problem
from bufferlit.records import check_record_text, normalise_title, read_papers
from bufferlit.writer import catalogue_lock, dump_record, write_atomic

SAME_PAPER_SCORE = 90.0
# Ids may be 80 characters; leave room for the suffix unique_key adds on a collision.
MAX_SLUG_CHARS = 64


@dataclass
class IngestReport:
    new: list[tuple[ListingEntry, str]] = field(default_factory=list)
    """Entries written, with the id each got."""
    present: list[tuple[ListingEntry, str, float]] = field(default_factory=list)
    """Entries already in the catalogue: the id they matched and the title score."""
    problems: list[Problem] = field(default_factory=list)
    junk_lines: int = 0

    def summary(self) -> str:
        return (
            f"{len(self.new)} new, {len(self.present)} already present, "
            f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}"
            f" ({self.junk_lines} scraper junk line{'s' if self.junk_lines != 1 else ''} skipped)"
        )


class TitleIndex:
    """Titles seen so far, for exact then fuzzy lookup of 'is this paper already here?'."""

    def __init__(self) -> None:
        self.exact: dict[str, str] = {}
        self.titles: list[str] = []
        self.ids: list[str] = []

    def add(self, title: str, paper_id: str) -> None:
        key = normalise_title(title)
        self.exact.setdefault(key, paper_id)
        self.titles.append(key)
        self.ids.append(paper_id)

    def find(self, title: str) -> tuple[str, float] | None:
        key = normalise_title(title)
        if key in self.exact:
            return self.exact[key], 100.0
        # rapidfuzz scores all titles in C; the cutoff lets it skip most by length alone.
        match = process.extractOne(
            key, self.titles, scorer=fuzz.ratio, score_cutoff=SAME_PAPER_SCORE
        )
        return (self.ids[match[2]], float(match[1])) if match else None


def _short_slug(title: str) -> str:
    """The title slug, cut at a word so that the id (and file name) stays short."""
    slug = title_slug(title)
    if len(slug) <= MAX_SLUG_CHARS:
        return slug
    cut = slug[:MAX_SLUG_CHARS]
    return cut.rsplit("-", 1)[0] if "-" in cut else cut


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
        raise RecordsInvalid(
            [Problem(str(listing_path), 0, "", f"is not valid UTF-8 (byte {error.start})")]
        ) from None
    listing = parse_listing(text, str(listing_path))
    report = IngestReport(problems=list(listing.problems), junk_lines=listing.junk_lines)
    added = (today or dt.date.today()).isoformat()

    with catalogue_lock(papers_dir):
        papers, problems = read_papers(papers_dir)
        if problems:
            # Adding to a catalogue that does not validate would bury the new problems.
            raise RecordsInvalid(problems)
        index = TitleIndex()
        for paper in papers:
            index.add(paper.title, paper.id)
        taken = {paper.id for paper in papers}

        for entry in listing.entries:
            found = index.find(entry.title)
            if found:
                report.present.append((entry, *found))
                continue
            paper_id = unique_key(_short_slug(entry.title), taken)
            fields = {
                "id": paper_id,
                "title": entry.title,
                "code": list(entry.code),
                "added": added,
                "abstract": entry.abstract,
            }
            path = papers_dir / f"{paper_id}.yaml"
            text = dump_record(fields)
            # An entry the loader would refuse (a 25,000-character abstract, a control
            # character, a bad code URL) is reported against its listing line, never written.
            invalid = check_record_text(text, path)
            if invalid:
                report.problems += [
                    Problem(str(listing_path), entry.line, problem.field, problem.message)
                    for problem in invalid
                ]
                continue
            taken.add(paper_id)
            index.add(entry.title, paper_id)
            if not dry_run:
                write_atomic(path, text)
            report.new.append((entry, paper_id))
    return report
