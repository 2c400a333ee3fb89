"""rekey: the one deliberate way to rename a record to its citation key.

Ingest names a paper by a slug of its title while its authors are unknown; once import-bib
has filled authors and year, a curator runs rekey to give it the key readers cite. Nothing
else ever renames a record.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bufferlit.errors import BufferlitError, RecordsInvalid
from bufferlit.keys import citation_key, provisional_key, unique_key
from bufferlit.model import Paper
from bufferlit.records import read_papers
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
    with catalogue_lock(papers_dir):
        papers, problems = read_papers(papers_dir)
        if problems:
            raise RecordsInvalid(problems)
        renames = plan_renames(papers, wanted)
        if dry_run:
            return renames
        by_id = {paper.id: paper for paper in papers}
        for rename in renames:
            fields = paper_fields(by_id[rename.old])
            fields["id"] = rename.new
            # New file first, then remove the old: a crash leaves a duplicate that validate
            # reports, never a lost record.
            write_atomic(papers_dir / f"{rename.new}.yaml", dump_record(fields))
            os.unlink(papers_dir / f"{rename.old}.yaml")
    return renames
