"""import-bib: fill bibliographic fields of existing records from a BibTeX file.

Entries are matched to records by ``identity.RecordFinder``: an arXiv id or DOI when both
sides have one, else a close title that the year and first author do not contradict. A
non-empty field is never replaced unless ``overwrite`` is asked for, and the curated fields
(buffer types, stance, domains, notes) are never touched.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bibtexparser
import bibtexparser.middlewares as bib_middlewares
from bibtexparser.library import Library
from bibtexparser.middlewares.names import parse_single_name_into_parts

from bufferlit.errors import BufferlitError, RecordsInvalid
from bufferlit.identity import Metadata, RecordFinder
from bufferlit.latex import clean_latex
from bufferlit.model import Problem, name_parts
from bufferlit.recordfile import MAX_RECORD_BYTES, excerpt
from bufferlit.records import (
    ARXIV_PATTERN,
    DOI_PATTERN,
    MAX_YEAR,
    MIN_YEAR,
    check_record_text,
    read_papers,
)
from bufferlit.writer import catalogue_lock, dump_record, paper_fields, write_atomic

IMPORTED_FIELDS = ("authors", "year", "venue", "arxiv", "doi", "url")

# Long venue names -> the short names readers filter by. First match wins; a trailing
# "(ACRONYM)" in a booktitle is used when no rule matches.
VENUE_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^arXiv\b", re.I), "arXiv"),
    (re.compile(r"^CoRR\b"), "arXiv"),
    (
        re.compile(r"Findings of the Association for Computational Linguistics:?\s*(\w+)", re.I),
        "Findings of {0}",
    ),
    (re.compile(r"Transactions on Machine Learning Research", re.I), "TMLR"),
    (re.compile(r"Neural Information Processing Systems", re.I), "NeurIPS"),
    (re.compile(r"Association for Computational Linguistics", re.I), "ACL"),
    (re.compile(r"International Conference on Learning Representations", re.I), "ICLR"),
    (re.compile(r"International Conference on Machine Learning", re.I), "ICML"),
    # ACM's booktitle for SOSP carries no "(SOSP)" acronym to fall back on.
    (re.compile(r"Symposium on Operating Systems Principles", re.I), "SOSP"),
]
CODE_HOST = re.compile(r"^https?://(?:www\.)?(?:github\.com|gitlab\.com|bitbucket\.org)/")
ACRONYM = re.compile(r"\(([A-Z][A-Za-z]{1,12})(?:\s+\d{4})?\)")


def short_venue(name: str) -> str:
    name = " ".join(name.split())
    for pattern, short in VENUE_RULES:
        match = pattern.search(name)
        if match:
            return short.format(*match.groups())
    acronyms = ACRONYM.findall(name)
    return acronyms[-1] if acronyms else name


def _name(parts: Any) -> str:
    """'Last, First' (with von and Jr. parts kept) from bibtexparser's NameParts."""
    last = _unbraced(" ".join([*parts.von, *parts.last]))
    first = _unbraced(" ".join(parts.first))
    jr = _unbraced(" ".join(parts.jr))
    return ", ".join(part for part in (last, jr, first) if part)


def author_name(name: str) -> str:
    """'Last, First' from a name as written ("Ludwig van Beethoven", "Shinn, Noah"), by
    BibTeX's rules for first, von, last and Jr. parts."""
    return _name(parse_single_name_into_parts(name, strict=False))


def _unbraced(text: str) -> str:
    return " ".join(text.replace("{", "").replace("}", "").split())


def _reason(block: Any) -> str:
    """What is wrong with a block bibtexparser could not parse (its aborted-block exception
    keeps the reason in an attribute and has an empty message)."""
    error = block.error
    reason = str(getattr(error, "abort_reason", "") or error or type(error).__name__)
    return " ".join(reason.split(". Note:", 1)[0].split())


@dataclass(frozen=True)
class BibEntry:
    key: str
    line: int
    title: str
    fields: dict[str, Any]
    """The importable fields this entry carries (subset of IMPORTED_FIELDS)."""
    abstract: str = ""
    """Plain text (LaTeX leftovers cleaned); import-bib does not use it, ingest does."""


# Sizes are checked before LaTeX decoding and name splitting, which cost about 1 s per 40 kB
# of author list: a 2.7 MB entry of 100,000 authors ran 78 s before the record-size limit
# refused it. Splitting into entries is cheap (0.2 s for 3.5 MB). A field larger than a
# whole record could never be imported; a file of 32 MB is a library of 20,000+ entries.
MAX_BIB_BYTES = 32 * 1024 * 1024
MAX_BIB_FIELD_CHARS = MAX_RECORD_BYTES


def _decoded(text: str, path: Path) -> tuple[Library, list[Problem]]:
    """The file's entries with LaTeX decoded and authors split, leaving out (and reporting)
    every entry with a field larger than a record, before any of it is decoded."""
    library = bibtexparser.parse_string(text, parse_stack=[])  # type: ignore[attr-defined]
    problems = []
    for entry in list(library.entries):
        big = next((f for f in entry.fields if len(str(f.value)) > MAX_BIB_FIELD_CHARS), None)
        if big is not None:
            message = (
                f"is {len(str(big.value)):,} characters; at most {MAX_BIB_FIELD_CHARS:,} can"
                f" fit in a record (entry {excerpt(entry.key)} skipped)"
            )
            line = (big.start_line if big.start_line is not None else entry.start_line) or 0
            problems.append(Problem(str(path), line + 1, excerpt(big.key)[1:-1], message))
            library.remove(entry)
    middlewares = [
        *bib_middlewares.default_parse_stack(),
        # Braced groups are kept through decoding so that "{Barnes and Noble}" is still one
        # name when the authors are split; _name drops the braces afterwards.
        bib_middlewares.LatexDecodingMiddleware(keep_braced_groups=True),
        bib_middlewares.SeparateCoAuthors(),
        bib_middlewares.SplitNameParts(),
    ]
    for middleware in middlewares:
        library = middleware.transform(library=library)
    return library, problems


def read_bib(path: Path) -> tuple[list[BibEntry], list[Problem]]:
    try:
        size = path.stat().st_size
        if size > MAX_BIB_BYTES:
            raise BufferlitError(
                f"{path}: is {size:,} bytes; a BibTeX file may be at most {MAX_BIB_BYTES:,}"
                " (split it)"
            )
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise BufferlitError(f"{path}: cannot read BibTeX file: {error}") from None
    # bibtexparser logs each failed block itself, with 0-based line numbers; they are reported
    # below, once, with the real line.
    parser_log = logging.getLogger("bibtexparser")
    level = parser_log.level
    parser_log.setLevel(logging.CRITICAL)
    try:
        library, oversize = _decoded(text, path)
    finally:
        parser_log.setLevel(level)
    problems = oversize + [
        Problem(
            str(path), (block.start_line or 0) + 1, "", f"cannot parse BibTeX: {_reason(block)}"
        )
        for block in library.failed_blocks
    ]
    entries = []
    for entry in library.entries:
        raw = {key.lower(): value.value for key, value in entry.fields_dict.items()}
        values = {key: _unbraced(str(value)) for key, value in raw.items() if key != "author"}
        line = (entry.start_line or 0) + 1
        if not values.get("title"):
            problems.append(Problem(str(path), line, "title", f"entry {entry.key!r} has no title"))
            continue
        abstract = clean_latex(values.get("abstract", ""))
        authors = [_name(parts) for parts in raw.get("author") or []]
        found = reference_fields(values, authors)
        entries.append(BibEntry(entry.key, line, values["title"], found, abstract))
    return entries, problems


def reference_fields(values: dict[str, str], authors: list[str]) -> dict[str, Any]:
    """The importable fields of one reference, from BibTeX field names (BibLaTeX's too:
    Zotero writes ``date`` and ``journaltitle``; arXiv and Zotero put the arXiv id in eprint,
    note or the URL). ``authors`` are "Last, First" already."""
    found: dict[str, Any] = {}
    if authors:
        found["authors"] = authors
    # "2023", or a date: BibLaTeX's 2023-03-20, RIS's 2023/03/20/.
    year = (values.get("year") or values.get("date") or "").strip()[:4]
    if year.isdigit():
        found["year"] = int(year)
    venue = values.get("booktitle") or values.get("journal") or values.get("journaltitle")
    if not venue and values.get("publisher", "").casefold() == "arxiv":
        venue = "arXiv"  # Zotero's preprints: @misc with publisher = {arXiv}
    if venue:
        found["venue"] = short_venue(venue)
    arxiv = _arxiv_of(values)
    if arxiv:
        found["arxiv"] = arxiv
    doi = re.sub(r"^https?://(dx\.)?doi\.org/", "", values.get("doi", "").strip())
    if DOI_PATTERN.match(doi):
        found["doi"] = doi
    # Paper lists put several addresses in one url field ("<code> http://arxiv.org/abs/..."):
    # the record keeps the first that is not a code host's.
    words = values.get("url", "").split()
    urls = [word for word in words if word.startswith(("http://", "https://"))]
    urls.sort(key=lambda url: bool(CODE_HOST.match(url)))
    if urls:
        found["url"] = urls[0]
    return found


def _arxiv_of(values: dict[str, str]) -> str:
    candidates = [values.get("eprint", "").strip()]
    for name in ("booktitle", "journal", "journaltitle", "note", "howpublished", "annotation"):
        # "arXiv preprint arXiv:2303.11366", Zotero's "arXiv:2303.11366 [cs]", "_eprint: ..."
        match = re.search(r"(?:arXiv|eprint):\s*(\S+)", values.get(name, ""), re.IGNORECASE)
        if match:
            candidates.append(match[1])
    for match in re.finditer(
        r"arxiv\.org/(?:abs|pdf)/(\S+?)(?:\.pdf)?(?:\s|$)", values.get("url", "")
    ):
        candidates.append(match[1])
    for candidate in candidates:
        arxiv = re.sub(r"v\d+$", "", candidate.rstrip(".,;"))
        if ARXIV_PATTERN.match(arxiv):
            return arxiv
    return ""


@dataclass
class ImportReport:
    updated: list[tuple[str, list[str]]] = field(default_factory=list)
    """Record ids and the fields filled in each."""
    unchanged: list[str] = field(default_factory=list)
    unmatched: list[BibEntry] = field(default_factory=list)
    ambiguous: list[tuple[BibEntry, list[str]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.updated)} records updated, {len(self.unchanged)} unchanged, "
            f"{len(self.unmatched)} unmatched, {len(self.ambiguous)} ambiguous, "
            f"{len(self.problems)} problems"
        )


def metadata_of(entry: BibEntry) -> Metadata:
    authors = entry.fields.get("authors") or []
    year = entry.fields.get("year")
    return Metadata(
        title=entry.title,
        # A year the loader refuses (1066) says nothing about which record this is; it is
        # reported when the record is checked.
        year=year if year and MIN_YEAR <= year <= MAX_YEAR else None,
        first_author=name_parts(str(authors[0]))[0] if authors else "",
        arxiv=entry.fields.get("arxiv", ""),
        doi=entry.fields.get("doi", ""),
    )


def import_bib(
    bib_path: Path, papers_dir: Path, *, overwrite: bool = False, dry_run: bool = False
) -> ImportReport:
    entries, problems = read_bib(bib_path)
    report = ImportReport(problems=problems)
    with catalogue_lock(papers_dir):
        papers, record_problems = read_papers(papers_dir)
        if record_problems:
            raise RecordsInvalid(record_problems)
        finder = RecordFinder(papers)
        for entry in entries:
            matches = finder.find(metadata_of(entry))
            if not matches:
                report.unmatched.append(entry)
                continue
            if len(matches) > 1:
                report.ambiguous.append((entry, [paper.id for paper in matches]))
                continue
            paper = matches[0]
            fields = paper_fields(paper)
            filled = []
            for name, value in entry.fields.items():
                empty = fields.get(name) in (None, "", [])
                if (empty or overwrite) and fields.get(name) != value:
                    fields[name] = value
                    filled.append(name)
            if not filled:
                report.unchanged.append(paper.id)
                continue
            path = papers_dir / f"{paper.id}.yaml"
            text = dump_record(fields)
            # A value the loader would refuse (year 1066, a URL with a space or a quote) is
            # reported against its BibTeX entry and the record is left as it was.
            invalid = check_record_text(text, path)
            if invalid:
                report.problems += [
                    Problem(
                        str(bib_path),
                        entry.line,
                        problem.field,
                        f"{problem.message} (entry {entry.key}; {paper.id} left unchanged)",
                    )
                    for problem in invalid
                ]
                continue
            if not dry_run:
                write_atomic(path, text)
            report.updated.append((paper.id, filled))
    return report
