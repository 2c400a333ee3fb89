"""What a site build reads, reusing the last build's reading of records that did not change.

At 10,000 papers, reading and validating every record takes ~3 s: most of an incremental
build's budget for one edited record. A record file whose ``stat`` (device, inode, size,
modification and change times) is what the last build saw, with bufferlit's code unchanged
(the build's fingerprint), is the record it read: its Paper is reused. Checks between records
(one id twice, one paper under two ids) still run over all of them, a record that is a
symbolic link is always read again, and every paper is tagged again (tagging is ~1.7 s; a
cache of taggings would have to know every rule the tagger reads). The cache is JSON, never
pickle: a site folder may come from elsewhere.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bufferlit.errors import RecordsInvalid
from bufferlit.model import (
    BufferType,
    Entry,
    Labels,
    Paper,
    Problem,
    Stance,
)
from bufferlit.records import load_papers, read_catalogue, read_record
from bufferlit.site.output import Workspace
from bufferlit.writer import write_atomic

INPUTS_FILE = "inputs.json"


class InputCache:
    """The last build's records and taggings, and this build's, for one site workspace."""

    def __init__(self, workspace: Workspace | None, fingerprint: str) -> None:
        self.path = workspace.root / INPUTS_FILE if workspace else None
        self.fingerprint = fingerprint
        self.records: dict[str, Any] = {}
        self.next_records: dict[str, Any] = {}
        if self.path is not None:
            self._read()

    def _read(self) -> None:
        assert self.path is not None
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
            assert saved["fingerprint"] == self.fingerprint  # other code: nothing carries over
            self.records = dict(saved["records"])
        except (OSError, ValueError, AssertionError, KeyError, TypeError):
            self.records = {}

    def entries(self, papers_dir: Path) -> list[Entry]:
        """``tag_papers(load_papers(papers_dir))``, reusing the records that did not change."""
        from bufferlit import tagger  # looked up now: a test may stand in another tagger

        if self.path is None:
            return tagger.tag_papers(load_papers(papers_dir))
        reading = read_catalogue(papers_dir, self._read_record)
        if reading.problems:
            raise RecordsInvalid(reading.problems)
        return tagger.tag_papers(sorted(reading.papers, key=lambda paper: paper.id))

    def _read_record(
        self, path: Path, display: str
    ) -> tuple[Paper | None, Mapping[str, int], list[Problem]]:
        signature = _signature(path)
        saved = self.records.get(display)
        if signature and saved and saved["stat"] == signature:
            try:
                paper = _paper(saved["paper"])
            except (KeyError, TypeError, ValueError):
                paper = None
            if paper is not None:
                self.next_records[display] = saved
                return paper, saved["lines"], []
        paper, lines, problems = read_record(path, display)
        if paper is not None and not problems and signature:
            self.next_records[display] = {"stat": signature, "paper": asdict(paper), "lines": lines}
        return paper, lines, problems

    def save(self) -> None:
        """After a published build: what it read becomes what the next build reuses."""
        if self.path is None:
            return
        saved = {"fingerprint": self.fingerprint, "records": self.next_records}
        write_atomic(self.path, json.dumps(saved, ensure_ascii=False, separators=(",", ":")))


def _signature(path: Path) -> list[int] | None:
    if path.is_symlink():
        return None
    try:
        found = os.stat(path)
    except OSError:
        return None
    return [found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns]


def _paper(data: Mapping[str, Any]) -> Paper:
    labels = data.get("labels")
    return Paper(
        **{
            **data,
            "authors": tuple(data["authors"]),
            "code": tuple(data["code"]),
            "buffer_types": tuple(BufferType(value) for value in data["buffer_types"]),
            "stance": Stance(data["stance"]) if data["stance"] else None,
            "domains": tuple(data["domains"]),
            "distinct_from": tuple(data["distinct_from"]),
            "labels": _labels(labels) if labels else None,
        }
    )


def _labels(data: Mapping[str, Any]) -> Labels:
    return Labels(
        buffer_types=tuple(BufferType(value) for value in data["buffer_types"]),
        stance=Stance(data["stance"]),
        domains=tuple(data["domains"]),
        by=data["by"],
    )
