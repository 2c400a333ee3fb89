"""``bufferlit ingest`` of reference files: BibTeX (.bib) and RIS (.ris) exports that carry
abstracts (Zotero, arXiv, paper lists), one record per reference, through the same
``add_papers`` as a scraped listing. A reference without an abstract is reported with its
line, never dropped silently and never written without one.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bufferlit.bibimport import BibEntry, read_bib
from bufferlit.ingest import IngestReport, NewPaper, add_papers
from bufferlit.latex import clean_latex
from bufferlit.model import Problem
from bufferlit.ris import read_ris

READERS = {".bib": read_bib, ".bibtex": read_bib, ".ris": read_ris}
"""File suffix -> reader; any other file is a scraped listing."""


def is_reference_file(path: Path) -> bool:
    return path.suffix.lower() in READERS


def ingest_references(
    path: Path, papers_dir: Path, *, today: dt.date | None = None, dry_run: bool = False
) -> IngestReport:
    entries, problems = READERS[path.suffix.lower()](path)
    report = IngestReport(problems=list(problems))
    candidates = []
    for entry in entries:
        if not entry.abstract:
            report.problems.append(_no_abstract(path, entry))
            continue
        candidates.append(new_paper(entry))
    return add_papers(
        candidates, papers_dir, source=str(path), today=today, dry_run=dry_run, report=report
    )


def new_paper(entry: BibEntry) -> NewPaper:
    return NewPaper(clean_latex(entry.title), entry.abstract, entry.line, metadata=entry.fields)


def _no_abstract(path: Path, entry: BibEntry) -> Problem:
    known = entry.fields.get("arxiv") or entry.fields.get("doi")
    fetch = f"run 'bufferlit add {known}'" if known else "add it with 'bufferlit add ID'"
    return Problem(
        str(path),
        entry.line,
        "abstract",
        f"{entry.key!r} has no abstract, so it was not added: add one to the file (an"
        f" 'abstract' field, or AB in RIS) or {fetch}",
    )
