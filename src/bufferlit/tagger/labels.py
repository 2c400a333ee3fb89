"""Hand-labelled papers that ``bufferlit tag --eval LABELS`` measures the tagger against.

Two kinds of labels file. A TSV (real-dev's ``labels.tsv``: ``n, title_start, primary,
accept, stance, source``, one row per paper of a listing, in order) is read with its listing
(``listing.txt`` beside it unless given): each row is matched to the listing entry whose
title starts with ``title_start``; a row whose paper the listing reader loses counts as
wrong. A YAML labels file is a list of items, each self-contained::

    - id: seed-15
      title: "Reflexion: Language Agents with Verbal Reinforcement Learning"
      abstract: Large language models ...
      type: kv-context            # the primary buffer type a careful reader would pick
      alternatives: [replay]      # other primary types that are also defensible
      stance: uses
      domains: [llm-agents]       # optional
      reason: episodic memory buffer of reflections fed back into the prompt

An item counts as correct when the tagger's primary type is ``type`` or one of
``alternatives``. For the per-type figures and the confusion matrix, an item whose
prediction is an accepted alternative counts under that alternative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml

from bufferlit.errors import BufferlitError
from bufferlit.listing import ListingEntry, parse_listing
from bufferlit.model import BufferType, Stance

_E = TypeVar("_E", BufferType, Stance)

LABEL_FIELDS = ("id", "title", "abstract", "type", "alternatives", "stance", "domains", "reason")


@dataclass(frozen=True)
class Label:
    id: str
    title: str
    abstract: str
    type: BufferType
    alternatives: tuple[BufferType, ...] = ()
    stance: Stance = Stance.USES
    domains: tuple[str, ...] = ()
    reason: str = ""
    source: str = ""
    """Where the label comes from: "list: category" for real-dev ("" in YAML files)."""
    part: str = ""
    """``tuning`` or ``never-tuned`` for real-dev rows (see ``NEVER_TUNED_EVERY``)."""
    ingested: bool = True
    """False when the listing reader lost this paper: it then counts as wrong."""
    stance_decided: bool = True
    """False where the labels accept either stance ("uses,avoids"): stance not scored."""

    @property
    def accepted(self) -> tuple[BufferType, ...]:
        return (self.type, *self.alternatives)

    @property
    def list_name(self) -> str:
        return self.source.split(":", 1)[0].strip()


def load_labels(path: Path) -> list[Label]:
    """Read and validate a labels file; every problem is reported, then one error raised."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise BufferlitError(f"{path}: cannot read the labels file: {error}") from None
    except yaml.YAMLError as error:
        raise BufferlitError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(data, list) or not data:
        raise BufferlitError(f"{path}: expected a non-empty YAML list of labelled items")
    labels, problems = [], []
    for number, item in enumerate(data, 1):
        try:
            labels.append(_label(item, number))
        except ValueError as error:
            problems.append(f"{path}: item {number}: {error}")
    if problems:
        raise BufferlitError("\n".join(problems))
    return labels


def _label(item: Any, number: int) -> Label:
    if not isinstance(item, dict):
        raise ValueError("expected a mapping with title, abstract, type, stance")
    unknown = sorted(set(item) - set(LABEL_FIELDS))
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(map(str, unknown))}")
    for field in ("title", "abstract", "type"):
        if not isinstance(item.get(field), str) or not item[field].strip():
            raise ValueError(f"{field}: required text is missing")
    alternatives = item.get("alternatives") or []
    domains = item.get("domains") or []
    if not isinstance(alternatives, list) or not isinstance(domains, list):
        raise ValueError("alternatives and domains must be lists")
    return Label(
        id=str(item.get("id") or f"item-{number}"),
        title=item["title"].strip(),
        abstract=item["abstract"].strip(),
        type=_enum(BufferType, item["type"], "type"),
        alternatives=tuple(_enum(BufferType, value, "alternatives") for value in alternatives),
        stance=_enum(Stance, item.get("stance", "uses"), "stance"),
        domains=tuple(str(domain) for domain in domains),
        reason=str(item.get("reason") or ""),
    )


def _enum(kind: type[_E], value: Any, field: str) -> _E:
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise ValueError(f"{field}: {value!r} is not one of {choices}") from None


TSV_HEADER = ("n", "title_start", "primary", "accept", "stance", "source")
NEVER_TUNED_EVERY = 4
"""The fixed split of a TSV set, decided before any tuning: row ``n`` with ``n % 4 == 0``
is never tuned on (its figures are the honest ones); the other rows are the tuning part.
A file may fix another split in a comment line, "# never-tuned: n % 2 == 0" (real-dev-2)."""
_SPLIT = re.compile(r"#\s*never-tuned:\s*n\s*%\s*(\d+)\s*==\s*0\s*$")


def load_labels_file(path: Path, listing: Path | None = None) -> list[Label]:
    """A YAML labels file, or a TSV with its listing (``listing.txt`` beside it by default)."""
    if path.suffix.lower() != ".tsv":
        return load_labels(path)
    return load_tsv_labels(path, listing or path.with_name("listing.txt"))


def load_tsv_labels(path: Path, listing: Path) -> list[Label]:
    """Rows of ``path`` matched, in order, to the papers the listing reader finds in ``listing``."""
    rows, every = _tsv_rows(path)
    try:
        text = listing.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BufferlitError(
            f"{listing}: cannot read the listing of {path.name}: {error}"
        ) from None
    entries = list(parse_listing(text, str(listing)).entries)
    labels = []
    for number, row in rows:
        entry = _take_entry(entries, row["title_start"])
        try:
            labels.append(_tsv_label(row, entry, every))
        except ValueError as error:
            raise BufferlitError(f"{path}:{number}: {error}") from None
    return labels


def _tsv_rows(path: Path) -> tuple[list[tuple[int, dict[str, str]]], int]:
    """The rows of a labels TSV (line number, cells by column) and its never-tuned split."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise BufferlitError(f"{path}: cannot read the labels file: {error}") from None
    rows: list[tuple[int, dict[str, str]]] = []
    header: tuple[str, ...] = ()
    every = NEVER_TUNED_EVERY
    for number, line in enumerate(lines, 1):
        split = _SPLIT.match(line)
        if split and int(split.group(1)) > 1:
            every = int(split.group(1))
        if not line.strip() or line.startswith("#"):
            continue
        cells = tuple(cell.strip() for cell in line.split("\t"))
        if not header:
            if cells != TSV_HEADER:
                raise BufferlitError(f"{path}:{number}: expected the header {' '.join(TSV_HEADER)}")
            header = cells
        elif len(cells) != len(header):
            raise BufferlitError(f"{path}:{number}: expected {len(header)} tab-separated fields")
        else:
            rows.append((number, dict(zip(header, cells, strict=True))))
    if not rows:
        raise BufferlitError(f"{path}: no labelled rows")
    return rows, every


def _normal(text: str) -> str:
    return re.sub(r"\W+", " ", text.casefold()).strip()


def _take_entry(entries: list[ListingEntry], title_start: str) -> ListingEntry | None:
    """The first remaining entry whose title starts with ``title_start``, removed from the list."""
    wanted = _normal(title_start)
    for index, entry in enumerate(entries):
        if _normal(entry.title).startswith(wanted):
            return entries.pop(index)
    return None


def _tsv_label(row: dict[str, str], entry: ListingEntry | None, every: int) -> Label:
    accepted = [_enum(BufferType, value, "accept") for value in row["accept"].split(",")]
    primary = _enum(BufferType, row["primary"], "primary")
    stances = [_enum(Stance, value, "stance") for value in row["stance"].split(",")]
    if not row["n"].isdigit():
        raise ValueError(f"n: {row['n']!r} is not a number")
    # The label's own type is the first accepted one: the list's category when it is
    # accepted, else (a topical list, a text that names no buffer) what the text supports.
    main = primary if primary in accepted else accepted[0]
    part = "never-tuned" if int(row["n"]) % every == 0 else "tuning"
    return Label(
        id=f"row-{row['n']}",
        title=entry.title if entry else row["title_start"],
        abstract=entry.abstract if entry else "",
        type=main,
        alternatives=tuple(t for t in accepted if t is not main),
        stance=stances[0],
        source=row["source"],
        part=part,
        ingested=entry is not None,
        stance_decided=len(stances) == 1,
    )
