"""The generated ``labels:`` line of each record, written as a text edit of that one line.

``bufferlit tag --write`` and ingest write it; everything else in a record (comments,
quoting, line breaks a curator chose) stays byte for byte, so a rule change shows in review
as a diff of exactly the papers whose labels flip. Each edit is checked by reading the new
text back: it must load as the same record with only its labels changed, or nothing is
written.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

from bufferlit.errors import BufferlitError
from bufferlit.model import FIELD_ORDER, Labels, Paper
from bufferlit.recordfile import parse_text
from bufferlit.records import load_papers, validate_record
from bufferlit.tagger.check import WRITE_COMMAND, StaleLabels, stale_labels
from bufferlit.tagger.engine import DEFAULT_TAGGER, Tagger
from bufferlit.writer import catalogue_lock, labels_line, write_many_atomic

# A top-level key as a record writes it: at the start of a line, unquoted.
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(?:[ \t]|$)")
# The single-line flow mapping we write, and a comment a curator may have put after it.
_ONE_LINE_LABELS = re.compile(r"labels[ \t]*:[ \t]*\{[^#{}]*\}(?P<comment>[ \t]+#.*)?")
_AFTER_LABELS = frozenset(FIELD_ORDER[FIELD_ORDER.index("labels") + 1 :])


@dataclass(frozen=True)
class LabelsWritten:
    """What ``write_labels`` did: the records it rewrote, out of how many."""

    rewritten: list[StaleLabels]
    total: int


def set_labels_line(text: str, line: str) -> str:
    """``text`` with its ``labels:`` line replaced by ``line``, or ``line`` inserted where
    FIELD_ORDER puts it (above the comments that head the next field). Only ``\\n`` splits
    lines here, so that every other byte (``\\r``, U+2028 in an abstract) is kept."""
    lines = text.split("\n")
    keys = [(index, match[1]) for index, row in enumerate(lines) if (match := _KEY.match(row))]
    found = [index for index, name in keys if name == "labels"]
    if found:
        start = end = found[0]
        while end + 1 < len(lines) and lines[end + 1][:1] in (" ", "\t"):
            end += 1  # a labels mapping a curator spread over several lines
        old = "\n".join(lines[start : end + 1])
        ending = "\r" if old.endswith("\r") else ""
        match = _ONE_LINE_LABELS.fullmatch(old.removesuffix("\r"))
        comment = (match["comment"] or "") if match else ""
        lines[start : end + 1] = [line + comment + ending]
        return "\n".join(lines)
    later = [index for index, name in keys if name in _AFTER_LABELS]
    if not later:
        return text + ("" if text.endswith("\n") or not text else "\n") + line + "\n"
    at = later[0]
    while at > 0 and lines[at - 1].startswith("#"):
        at -= 1  # a comment above the next field belongs to it
    ending = "\r" if lines[at].endswith("\r") else ""
    lines.insert(at, line + ending)
    return "\n".join(lines)


def relabelled_text(path: Path, paper: Paper, labels: Labels) -> str:
    """The text of ``path`` with its labels line set to ``labels``; raises BufferlitError
    (writing nothing) unless the new text loads as ``paper`` with only its labels changed."""
    display = paper.source or str(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BufferlitError(f"{display}: cannot be read again: {error}") from error
    new_text = set_labels_line(text, labels_line(labels))
    raw, problems = parse_text(new_text, path, display)
    again = validate_record(raw, display)[0] if raw is not None and not problems else None
    if again != dataclasses.replace(paper, labels=labels):
        raise BufferlitError(
            f"{display}: labels: cannot rewrite this record's labels line without changing"
            " something else (is it spread over several lines, or was the file edited"
            f" meanwhile?); write it as one line 'labels: {{...}}' or delete it, then run"
            f" `{WRITE_COMMAND}` again"
        )
    return new_text


def write_labels(papers_dir: Path, *, tagger: Tagger = DEFAULT_TAGGER) -> LabelsWritten:
    """Rewrite the labels line of exactly the records whose labels are missing or stale,
    under the catalogue lock, all files or none. Raises RecordsInvalid (writing nothing) when
    a record does not validate."""
    with catalogue_lock(papers_dir):
        papers = load_papers(papers_dir)
        stale = stale_labels(papers, tagger)
        pending = []
        for item in stale:
            path = papers_dir / f"{item.paper.id}.yaml"  # the loader checked id = file name
            pending.append((path, relabelled_text(path, item.paper, item.fresh)))
        write_many_atomic(pending)
    return LabelsWritten(stale, len(papers))


def new_paper_labels(title: str, abstract: str, tagger: Tagger = DEFAULT_TAGGER) -> Labels:
    """The labels of a paper about to be written with no curated fields (ingest): what
    ``tag --check`` will compute once it is a record (the loader strips the text)."""
    paper = Paper(id="new", title=title.strip(), abstract=abstract.strip(), added="")
    return Labels.of(paper, tagger.tag_paper(paper))
