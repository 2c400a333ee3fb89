"""Reader stage: papers/<id>.yaml -> validated, typed ``Paper`` entries.

Every file is checked and every problem is collected, each with the file, the line (from the
YAML parser's marks) and the field, before anything is reported: a contributor fixes all of
them in one go instead of one per run.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bufferlit.errors import RecordsInvalid
from bufferlit.hints import did_you_mean
from bufferlit.identity import BlockScores, Identity, Verdict, catalogue_pairs
from bufferlit.model import (
    DOMAINS,
    FIELD_ORDER,
    LABELS_BY,
    NO_STANCE,
    REQUIRED_FIELDS,
    BufferType,
    Labels,
    Paper,
    Problem,
    Stance,
)
from bufferlit.recordfile import (
    MAX_RECORD_BYTES,
    RawRecord,
    display_path,
    excerpt,
    field_at,
    field_label,
    misnamed_records,
    parse_record,
    parse_text,
    record_paths,
)
from bufferlit.recordfile import displayer as displayer  # ingest imports it from here

MAX_ABSTRACT_CHARS = 20_000
MAX_TITLE_CHARS = 500
MIN_YEAR, MAX_YEAR = 1900, dt.date.today().year + 1

# rekey's journal (see rekey.py): while it is there, one paper may be under two ids.
REKEY_JOURNAL = ".bufferlit-rekey.json"

# Citation keys (shinn2023reflexion) and title slugs (reflexion-language-agents) both fit.
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ARXIV_PATTERN = re.compile(r"^(\d{4}\.\d{4,5}|[a-z\-]+(\.[A-Z]{2})?/\d{7})$")
DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# No text field needs these, and they break what is made from it: C0/C1 controls (terminal
# escapes in CLI output; not allowed in the Atom feed's XML), U+FFFE/U+FFFF (not XML either).
FORBIDDEN_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# A title, venue or name is one line: a line break splits CLI output, a feed title, a RIS line
# (U+0085 is a C1 control, refused above). The abstract and the notes may hold paragraphs.
LINE_BREAK = re.compile("[\n\r\u2028\u2029]")
LINE_BREAK_NAMES = {"\n": "a line feed", "\r": "a carriage return"}
# 'added' drives the feed's order: a date far in the future would head it forever.
FIRST_ADDED = dt.date(1990, 1, 1)
URL_UNSAFE = re.compile(r'[<>"`\\{}|^]')
URL_PATTERN = re.compile(r"^https?://[^\s/?#]+\.[^\s]*$|^https?://[^\s/?#]+\.[^\s/?#]+$")


# ---------------------------------------------------------------------------------------------
# Field rules: one small callable per field, each returning the clean value or raising
# FieldError. Kept in a plain dict so adding a field is one line here and one in model.py.


class FieldError(ValueError):
    pass


def _text(limit: int, *, one_line: bool = False) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise FieldError(f"must be text, not {_kind(value)}")
        text: str = value.strip()
        if len(text) > limit:
            raise FieldError(f"is {len(text):,} characters; at most {limit:,} allowed")
        bad = FORBIDDEN_CHARACTER.search(text)
        if bad:
            raise FieldError(
                f"has the control character U+{ord(bad[0]):04X} at character {bad.start() + 1}"
                " (not allowed in text)"
            )
        brk = LINE_BREAK.search(text) if one_line else None
        if brk:
            name = LINE_BREAK_NAMES.get(brk[0], f"the line separator U+{ord(brk[0]):04X}")
            raise FieldError(f"has {name} at character {brk.start() + 1}; it must be one line")
        return text

    return check


def _required_text(limit: int, *, one_line: bool = False) -> Callable[[Any], str]:
    """Text that must say something: a title of spaces passed the loader, then crashed cite
    and the site build."""
    check = _text(limit, one_line=one_line)

    def required(value: Any) -> str:
        text = check(value)
        if not text:
            raise FieldError("is empty (only white space)")
        return text

    return required


def _optional_text(limit: int, *, one_line: bool = False) -> Callable[[Any], str]:
    check = _text(limit, one_line=one_line)
    return lambda value: "" if value is None else check(value)


def _pattern(regex: re.Pattern[str], example: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value is None or value == "":
            return ""
        text = _text(300)(value)
        if not regex.match(text):
            raise FieldError(f"{excerpt(text)} is not valid (expected e.g. {example})")
        return text

    return check


def _url(value: Any) -> str:
    if value is None or value == "":
        return ""
    text = _text(2000)(value)
    if not text.lower().startswith(("http://", "https://")):
        scheme = text.split(":", 1)[0] if ":" in text else "no scheme"
        raise FieldError(f"only http(s) URLs are allowed, not {excerpt(scheme)}")
    try:
        host = urlsplit(text).netloc
    except ValueError:  # a '[' that opens no IPv6 address
        host = ""
    if "@" in host:
        # Checked first and never echoed: before '@' is a user name and perhaps a password.
        raise FieldError(
            "has a user name or password before the host ('user@' or 'user:password@');"
            " remove it: records are published"
        )
    if not URL_PATTERN.match(text) or not host:
        raise FieldError(f"{excerpt(text)} is not a valid URL")
    unsafe = URL_UNSAFE.search(text)
    if unsafe:
        # RFC 3986 never allows these unencoded; in a page they could end an attribute.
        raise FieldError(f"{excerpt(text)} has {unsafe[0]!r}, which a URL must percent-encode")
    return text


def _list_of(item: Callable[[Any], str]) -> Callable[[Any], tuple[str, ...]]:
    def check(value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise FieldError(f"must be a list, not {_kind(value)}")
        items = []
        for index, element in enumerate(value):
            try:
                items.append(item(element))
            except FieldError as error:
                raise FieldError(f"item {index + 1}: {error}") from None
        return tuple(items)

    return check


_author = _required_text(200, one_line=True)


def _year(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        shown = repr(value) if isinstance(value, float) else _kind(value)  # 2025.5, not "a number"
        raise FieldError(f"must be a whole number like 2023, not {shown}")
    if not MIN_YEAR <= value <= MAX_YEAR:
        raise FieldError(f"{value} is out of range ({MIN_YEAR}-{MAX_YEAR})")
    return value


def _added(value: Any) -> str:
    """From 1990 up to tomorrow (a contributor's clock may be a day ahead of UTC)."""
    text = _date(value)
    last = dt.date.today() + dt.timedelta(days=1)
    if not FIRST_ADDED <= dt.date.fromisoformat(text) <= last:
        raise FieldError(
            f"{text} is out of range ({FIRST_ADDED.isoformat()} to tomorrow, {last.isoformat()})"
        )
    return text


def _date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        raise FieldError(f"must be a date YYYY-MM-DD, not a date and time ({value.isoformat()})")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and DATE_PATTERN.match(value):
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise FieldError(f"must be a date YYYY-MM-DD, not {excerpt(value)}")


def _choice(options: type[BufferType] | type[Stance] | tuple[str, ...]) -> Callable[[Any], str]:
    allowed = [str(option) for option in options]  # a StrEnum member's str is its value

    def check(value: Any) -> str:
        if value not in allowed:
            hint = did_you_mean(value, allowed) if isinstance(value, str) else ""
            raise FieldError(f"{excerpt(value)} is not one of: {', '.join(allowed)}{hint}")
        return str(value)

    return check


def _domain(value: Any) -> str:
    text = _text(60)(value)
    if text not in DOMAINS:
        suggestion = did_you_mean(text, DOMAINS) or f" (one of: {', '.join(DOMAINS)})"
        raise FieldError(f"{excerpt(text)} is not a known domain{suggestion}")
    return text


def _id(value: Any) -> str:
    text = _text(80)(value)
    if not ID_PATTERN.match(text):
        raise FieldError(f"{excerpt(text)} must be lowercase letters, digits and hyphens")
    return text


LABELS_FIX = "the line is generated: run `bufferlit tag --write` to rewrite it"
LABEL_PARTS: dict[str, Callable[[Any], Any]] = {  # in the order grep recipes rely on
    "buffer_types": _list_of(_choice(BufferType)),
    "stance": _choice((*map(str, Stance), NO_STANCE)),
    "domains": _list_of(_domain),
    "by": _choice(LABELS_BY),
}


def _labels(value: Any) -> Labels | None:
    """The generated ``labels:`` line, its shape only: whether it is fresh is for ``tag
    --check``, which runs the tagger (reading a record never does)."""
    if value is None:
        return None
    if not isinstance(value, dict) or list(value) != list(LABEL_PARTS):
        shown = f"{{{', '.join(map(str, value))}}}" if isinstance(value, dict) else _kind(value)
        keys = ", ".join(LABEL_PARTS)
        raise FieldError(f"must be a mapping of {keys} in this order, not {shown}; {LABELS_FIX}")
    parts = {}
    for part, rule in LABEL_PARTS.items():
        try:
            parts[part] = rule(value[part])
            if not parts[part]:
                raise FieldError("is empty")
        except FieldError as error:
            raise FieldError(f"{part}: {error}; {LABELS_FIX}") from None
    types = tuple(map(BufferType, parts["buffer_types"]))
    stance = None if parts["stance"] == NO_STANCE else Stance(parts["stance"])
    return Labels(types, stance, parts["domains"], parts["by"])


FIELD_RULES: dict[str, Callable[[Any], Any]] = {
    "id": _id,
    "title": _required_text(MAX_TITLE_CHARS, one_line=True),
    "authors": _list_of(_author),
    "year": _year,
    "venue": _optional_text(300, one_line=True),
    "arxiv": _pattern(ARXIV_PATTERN, "2303.11366"),
    "doi": _pattern(DOI_PATTERN, "10.1145/3620666.3651380"),
    "url": _url,
    "code": _list_of(_url),
    "added": _added,
    "buffer_types": _list_of(_choice(BufferType)),
    "stance": lambda value: None if value is None else _choice(Stance)(value),
    "domains": _list_of(_domain),
    "notes": _optional_text(2000),
    "labels": _labels,
    "distinct_from": _list_of(_id),
    "abstract": _required_text(MAX_ABSTRACT_CHARS),
}
assert tuple(FIELD_RULES) == FIELD_ORDER, "every record field needs exactly one rule"


def _kind(value: Any) -> str:
    names = {str: "text", int: "a number", float: "a number", bool: "true/false", list: "a list"}
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "empty"
    return names.get(type(value), type(value).__name__)


def validate_record(raw: RawRecord, display: str) -> tuple[Paper | None, list[Problem]]:
    """Check every field of one record; return the Paper (when valid) and all problems."""
    problems: list[Problem] = []
    clean: dict[str, Any] = {}
    for key in raw.data:
        if key not in FIELD_RULES:
            suggestion = did_you_mean(key, FIELD_ORDER)
            message = f"unknown field{suggestion}"
            problems.append(Problem(display, raw.line(key), field_label(key), message))
    for name, rule in FIELD_RULES.items():
        if name in raw.broken:
            continue
        value = raw.data.get(name)
        if name in REQUIRED_FIELDS and (value is None or value == ""):
            problems.append(Problem(display, raw.line(name), name, "is required"))
            continue
        try:
            clean[name] = rule(value)
        except FieldError as error:
            problems.append(Problem(display, raw.line(name), name, str(error)))
    if "id" in clean and clean["id"] != raw.path.stem:
        problems.append(
            Problem(
                display,
                raw.line("id"),
                "id",
                f"{clean['id']!r} does not match the file name {excerpt(raw.path.name)}",
            )
        )
    if problems or raw.broken:
        return None, problems
    clean["buffer_types"] = tuple(BufferType(v) for v in clean["buffer_types"])
    clean["stance"] = Stance(clean["stance"]) if clean["stance"] else None
    return Paper(**clean, source=display), []


# ---------------------------------------------------------------------------------------------
# Catalogue-wide checks: the same id twice, the same paper under two ids.


def check_catalogue(
    papers: list[Paper],
    lines: Mapping[str, Mapping[str, int]] | None = None,
    scores: BlockScores | None = None,
) -> tuple[list[Problem], list[Problem]]:
    """Problems and warnings between records; ``lines`` (source -> field -> line) places them;
    ``scores``: look-alike title blocks compared by an earlier check (identity.BlockScores).

    Problems: one id twice, one paper under two ids (identity.compare says SAME), a
    ``distinct_from`` naming no record. Warnings: possible duplicates (a look-alike title
    alone), which a ``distinct_from`` in either record silences.
    """

    def line(paper: Paper, field: str) -> int:
        return (lines or {}).get(paper.source, {}).get(field, 1)

    problems = []
    by_id: dict[str, Paper] = {}
    for paper in papers:
        if paper.id in by_id:
            message = f"{paper.id!r} is also used by {by_id[paper.id].source}"
            problems.append(Problem(paper.source, line(paper, "id"), "id", message))
        by_id.setdefault(paper.id, paper)
    for paper in papers:
        for other in paper.distinct_from:
            if other not in by_id:
                message = f"names {other!r}, which is not a record; remove it or fix the id"
                problems.append(
                    Problem(paper.source, line(paper, "distinct_from"), "distinct_from", message)
                )
    warnings = []
    for pair in catalogue_pairs([Identity.of(paper) for paper in papers], scores):
        first, second = papers[pair.first], papers[pair.second]
        if pair.comparison.verdict is Verdict.SAME:
            message = (
                f"same paper as {first.source} ({first.id}): {pair.comparison.reason};"
                " merge the two records"
            )
            problems.append(Problem(second.source, line(second, "title"), "title", message))
        else:
            message = (
                f"possible duplicate of {first.source} ({first.id}): {pair.comparison.reason};"
                f" if they are different papers, add 'distinct_from: [{first.id}]'"
            )
            warnings.append(Problem(second.source, line(second, "title"), "title", message))
    return problems, warnings


# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """A catalogue as read: its valid papers, what is wrong, what a curator should look at."""

    papers: list[Paper]
    problems: list[Problem]
    warnings: list[Problem]


RecordReader = Callable[[Path, str], tuple[Paper | None, Mapping[str, int], list[Problem]]]
"""Reads one record file (path, how problems name it): the paper if valid, the line of each
field, and the problems."""


def read_record(path: Path, display: str) -> tuple[Paper | None, Mapping[str, int], list[Problem]]:
    """The loader's own RecordReader: parse, then check every field."""
    raw, problems = parse_record(path, display)
    if raw is None:
        return None, {}, problems
    paper, field_problems = validate_record(raw, display)
    return paper, raw.lines, problems + field_problems


def read_catalogue(
    papers_dir: Path, read: RecordReader = read_record, scores: BlockScores | None = None
) -> Reading:
    """Read and validate every record; never raises for bad input. ``read`` reads one file
    and ``scores`` holds look-alike title blocks compared before (an incremental build
    passes the last build's unchanged records and blocks)."""
    if not papers_dir.is_dir():
        return Reading([], [Problem(str(papers_dir), 0, "", "is not a directory of records")], [])
    papers: list[Paper] = []
    problems: list[Problem] = []
    lines: dict[str, dict[str, int]] = {}
    display_of = displayer(papers_dir)
    if (papers_dir / REKEY_JOURNAL).exists():
        message = "a rekey was interrupted; run `bufferlit rekey` to finish its renames"
        problems.append(Problem(display_of(papers_dir / REKEY_JOURNAL), 0, "", message))
    for path in misnamed_records(papers_dir):
        message = "is not read: a record's file name must end in .yaml"
        problems.append(Problem(display_of(path), 1, "", message))
    for path in record_paths(papers_dir):
        display = display_of(path)
        paper, field_lines, record_problems = read(path, display)
        problems.extend(record_problems)
        if paper is not None:
            papers.append(paper)
            lines[display] = dict(field_lines)
    between, warnings = check_catalogue(papers, lines, scores)
    return Reading(papers, problems + between, warnings)


def read_papers(papers_dir: Path) -> tuple[list[Paper], list[Problem]]:
    """Every valid paper and every problem (warnings left out); never raises for bad input."""
    reading = read_catalogue(papers_dir)
    return reading.papers, reading.problems


def check_record_text(text: str, path: Path, display: str | None = None) -> list[Problem]:
    """Every problem the loader would find in ``text`` written to ``path``: writers call this
    before writing so that they never leave a record that does not validate. ``display`` is
    how problems name the file (default: as the loader would; see ``displayer``)."""
    display = display_path(path) if display is None else display
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_RECORD_BYTES:
        line, field = field_at(text.encode("utf-8", "surrogatepass"), MAX_RECORD_BYTES)
        message = f"makes the record {size:,} bytes; at most {MAX_RECORD_BYTES:,} allowed"
        return [Problem(display, line, field, message)]
    raw, problems = parse_text(text, path, display)
    if raw is not None:
        problems += validate_record(raw, display)[1]
    return problems


def load_papers(papers_dir: Path) -> list[Paper]:
    """Every valid paper, sorted by id; raises RecordsInvalid listing all problems."""
    papers, problems = read_papers(papers_dir)
    if problems:
        raise RecordsInvalid(problems)
    return sorted(papers, key=lambda paper: paper.id)
