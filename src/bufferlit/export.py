"""Data exports of the whole catalogue: JSON (records + tagger result) and CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from bufferlit.model import FIELD_ORDER, Entry
from bufferlit.writer import paper_fields

# The record's bibliographic fields (as model.FIELD_ORDER has them, up to `added`), then the
# labels the site shows in place of the curated fields, then the date added.
CSV_COLUMNS = (
    *FIELD_ORDER[: FIELD_ORDER.index("added")],
    "buffer_type",
    "buffer_types",
    "stance",
    "domains",
    "tagged_by",
    "type_confidence",
    "stance_confidence",
    "added",
)
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def entry_record(entry: Entry) -> dict[str, Any]:
    """One paper as a plain JSON-ready mapping: its record fields, with the tagger's result
    (curated labels already applied) in place of the record's own curated fields."""
    paper, tagging = entry.paper, entry.tagging
    record = paper_fields(paper)
    for curated in ("buffer_types", "stance", "domains", "labels"):  # labels: the stored line
        del record[curated]
    return {
        **record,
        "buffer_type": str(tagging.buffer_type),
        "buffer_types": [str(t) for t in tagging.buffer_types],
        "stance": str(tagging.stance),
        "domains": list(tagging.domains),
        "evidence": [evidence.as_dict() for evidence in tagging.evidence],
        "tagged_by": tagging.tagged_by,
        # How sure the rules are (1.0 where a curator decided): sort by it to review.
        "type_confidence": tagging.type_confidence,
        "stance_confidence": tagging.stance_confidence,
    }


def to_json(entries: Iterable[Entry]) -> str:
    return json.dumps([entry_record(e) for e in entries], ensure_ascii=False, indent=2) + "\n"


def spreadsheet_safe(value: str) -> str:
    """Prefix a quote so a spreadsheet shows the cell as text instead of evaluating it."""
    return "'" + value if value.startswith(FORMULA_START) else value


def to_csv(entries: Iterable[Entry]) -> str:
    buffer = io.StringIO()
    # CRLF rows, as RFC 4180 says: the csv module then quotes a value holding a bare "\r",
    # which with "\n" rows it leaves unquoted and a spreadsheet reads as a new row.
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        record = entry_record(entry)
        row = []
        for column in CSV_COLUMNS:
            value = record[column]
            text = (
                "; ".join(value) if isinstance(value, list) else "" if value is None else str(value)
            )
            row.append(spreadsheet_safe(text))
        writer.writerow(row)
    return buffer.getvalue()


FORMATS = {"json": to_json, "csv": to_csv}
