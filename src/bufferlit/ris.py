"""RIS, the tagged reference format of Zotero, EndNote, Mendeley and publishers' "export
citation" buttons: ``TY  - JOUR`` opens a reference, ``ER  -`` closes it, one ``XX  - value``
per line in between; a line without a tag continues the value above (multi-line abstracts).

Small enough to read by hand: the tags are mapped onto BibTeX field names and the entries
share ``bibimport``'s fields and ``BibEntry`` with BibTeX, so both formats give the same
record for the same reference.
"""

from __future__ import annotations

import re
from pathlib import Path

from bufferlit.bibimport import BibEntry, author_name, reference_fields
from bufferlit.errors import BufferlitError
from bufferlit.latex import clean_latex
from bufferlit.model import Problem

TAG_LINE = re.compile(r"^(?P<tag>[A-Z][A-Z0-9])  -(?: (?P<value>.*))?$")
AS_BIBTEX = {
    "TI": "title",
    "T1": "title",
    "AB": "abstract",
    "N2": "abstract",
    "PY": "year",
    "Y1": "year",
    "DA": "date",
    "T2": "journal",
    "JO": "journal",
    "JF": "journal",
    "BT": "booktitle",
    "DO": "doi",
    "UR": "url",
    "N1": "note",
    "PB": "publisher",
    "ID": "key",
}
"""RIS tag -> BibTeX field; the first value of a tag wins (Zotero repeats UR, N1)."""


def read_ris(path: Path) -> tuple[list[BibEntry], list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise BufferlitError(f"{path}: cannot read RIS file: {error}") from None
    entries: list[BibEntry] = []
    problems: list[Problem] = []
    current: list[tuple[int, str, str]] | None = None  # (line, tag, value) of the open entry
    for number, line in enumerate(text.splitlines(), start=1):
        match = TAG_LINE.match(line.rstrip())
        if match is None:
            if current and line.strip():
                start, tag, value = current[-1]
                current[-1] = (start, tag, f"{value} {line.strip()}")
            elif line.strip():
                problems.append(Problem(str(path), number, "", "not an RIS line (XX  - value)"))
            continue
        tag, value = match["tag"], (match["value"] or "").strip()
        if tag == "TY":
            if current:
                problems.append(_unclosed(path, current[0][0]))
            current = [(number, tag, value)]
        elif current is None:
            problems.append(Problem(str(path), number, "", f"{tag} line before any TY line"))
        elif tag == "ER":
            _finish(path, current, entries, problems)
            current = None
        else:
            current.append((number, tag, value))
    if current:
        problems.append(_unclosed(path, current[0][0]))
    return entries, problems


def _unclosed(path: Path, line: int) -> Problem:
    return Problem(str(path), line, "", "reference has no ER line; it was not read")


def _finish(
    path: Path, lines: list[tuple[int, str, str]], entries: list[BibEntry], problems: list[Problem]
) -> None:
    start = lines[0][0]
    values: dict[str, str] = {}
    authors = []
    for _, tag, value in lines:
        if tag in ("AU", "A1") and value:
            authors.append(author_name(value))
        elif tag in AS_BIBTEX and value and AS_BIBTEX[tag] not in values:
            values[AS_BIBTEX[tag]] = " ".join(value.split())
    key = values.get("key") or f"line {start}"
    if not values.get("title"):
        problems.append(Problem(str(path), start, "title", f"reference {key!r} has no title"))
        return
    abstract = clean_latex(values.get("abstract", ""))
    fields = reference_fields(values, authors)
    entries.append(BibEntry(key, start, values["title"], fields, abstract))
