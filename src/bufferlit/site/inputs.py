"""What a site build reads, reusing the last build's reading of records that did not change.

At 10,000 papers, reading and validating every record takes ~3 s, tagging them ~1.7 s and
writing their citations ~2 s: more than an incremental build's budget for one edited record.
A record file whose ``stat`` (device, inode, size, modification and change times) is what the
last build saw, with bufferlit's code unchanged (the build's fingerprint), is the record it
read: its Paper, its tagging and its citations are reused. A tagging also names the tagger
that made it (a test may stand in another). Checks between records (one id twice, one paper
under two ids) still run over all of them, and a record that is a symbolic link is always
read again. The cache is JSON, never pickle: a site folder may come from elsewhere.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, astuple
from functools import partial
from pathlib import Path
from typing import Any

from bufferlit.cite import Citations
from bufferlit.errors import RecordsInvalid
from bufferlit.identity import BlockScores
from bufferlit.model import (
    BufferType,
    Entry,
    Evidence,
    Labels,
    Paper,
    Problem,
    Stance,
    Tagging,
)
from bufferlit.records import load_papers, read_catalogue, read_record
from bufferlit.site.output import Workspace
from bufferlit.site.related import related_papers, term_counts
from bufferlit.writer import write_atomic

INPUTS_FILE = "inputs.json"


class InputCache:
    """The last build's records, taggings and citations, and this build's, for one site
    workspace."""

    def __init__(self, workspace: Workspace | None, fingerprint: str) -> None:
        self.path = workspace.root / INPUTS_FILE if workspace else None
        self.fingerprint = fingerprint
        self.records: dict[str, Any] = {}
        self.next_records: dict[str, Any] = {}
        self.saved_by_id: dict[str, Any] = {}
        """Paper id -> its entry in ``next_records``, where its tagging and citations go."""
        self.tagger = ""
        """The tagger the saved taggings came from (module and name of ``tag_papers``)."""
        self.citations: dict[str, Citations] = {}
        """Paper id -> its citations, this build (see ``entries``)."""
        self.saved_related: dict[str, Any] = {}
        """The last build's related papers and the key of what they were computed from."""
        self.lookalikes = BlockScores()
        """Look-alike title blocks the last build compared, and this build's."""
        if self.path is not None:
            self._read()

    def _read(self) -> None:
        assert self.path is not None
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
            assert saved["fingerprint"] == self.fingerprint  # other code: nothing carries over
            self.records = dict(saved["records"])
            self.tagger = str(saved.get("tagger", ""))
            self.saved_related = dict(saved.get("related", {}))
            self.lookalikes = BlockScores(dict(saved.get("lookalikes", {})))
        except (OSError, ValueError, AssertionError, KeyError, TypeError):
            self.records = {}

    def entries(self, papers_dir: Path) -> list[Entry]:
        """``tag_papers(load_papers(papers_dir))``, reusing what did not change; the papers'
        citations are in ``citations`` afterwards."""
        if self.path is None:
            from bufferlit import tagger  # looked up now: a test may stand in another tagger

            entries = tagger.tag_papers(load_papers(papers_dir))
        else:
            reading = read_catalogue(papers_dir, self._read_record, self.lookalikes)
            if reading.problems:
                raise RecordsInvalid(reading.problems)
            entries = self._tagged(sorted(reading.papers, key=lambda paper: paper.id))
        self.citations = {entry.paper.id: self._citations(entry.paper) for entry in entries}
        return entries

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
                self._keep(display, paper, saved)
                return paper, saved["lines"], []
        paper, lines, problems = read_record(path, display)
        if paper is not None and not problems and signature:
            self._keep(display, paper, {"stat": signature, "paper": asdict(paper), "lines": lines})
        return paper, lines, problems

    def _keep(self, display: str, paper: Paper, saved: dict[str, Any]) -> None:
        self.next_records[display] = saved
        self.saved_by_id[paper.id] = saved

    def _tagged(self, papers: list[Paper]) -> list[Entry]:
        """Each paper with its saved tagging where the same tagger made it; the others tagged
        now, in one call (the tagger tags each paper on its own)."""
        from bufferlit import tagger  # looked up now: a test may stand in another tagger

        made_by = f"{tagger.tag_papers.__module__}.{tagger.tag_papers.__qualname__}"
        known: dict[str, Tagging] = {}
        for paper in papers:
            saved = self.saved_by_id.get(paper.id, {})
            if made_by == self.tagger and "tagging" in saved:
                with contextlib.suppress(KeyError, TypeError, ValueError):
                    known[paper.id] = _tagging(saved["tagging"])
        self.tagger = made_by
        fresh = iter(tagger.tag_papers([paper for paper in papers if paper.id not in known]))
        entries = [
            Entry(paper, known[paper.id]) if paper.id in known else next(fresh) for paper in papers
        ]
        for entry in entries:
            if entry.paper.id not in known and entry.paper.id in self.saved_by_id:
                self.saved_by_id[entry.paper.id]["tagging"] = asdict(entry.tagging)
        return entries

    def view_keys(self) -> dict[str, str]:
        """Paper id -> a key of everything its site view is made from (the record file as
        read, by its stat signature, and the tagger that tagged it; what else a view reads,
        the configuration and bufferlit's code, keys every page already). Cheaper than a
        digest of the view itself (~0.2 s at 10,000 papers); a record read without a
        signature (a symbolic link) has none, and its view is digested."""
        return {
            paper_id: hashlib.sha256(json.dumps([saved["stat"], self.tagger]).encode()).hexdigest()
            for paper_id, saved in self.saved_by_id.items()
        }

    def _citations(self, paper: Paper) -> Citations:
        saved = self.saved_by_id.get(paper.id, {})
        with contextlib.suppress(KeyError, TypeError):
            kept = Citations(**saved["citations"])
            if all(isinstance(text, str) for text in astuple(kept)):
                return kept
        citations = Citations.of(paper)
        if paper.id in self.saved_by_id:
            saved["citations"] = asdict(citations)
        return citations

    def _term_counts(self, paper: Paper) -> dict[str, int]:
        saved = self.saved_by_id.get(paper.id, {})
        kept = saved.get("terms")
        if isinstance(kept, dict) and all(type(count) is int for count in kept.values()):
            return kept
        counts = term_counts(paper)
        if paper.id in self.saved_by_id:
            saved["terms"] = counts
        return counts

    def related(self, entries: Sequence[Entry], limit: int) -> Mapping[str, tuple[str, ...]]:
        """``related_papers(entries, limit)`` (~3 s at 10,000 papers), the last build's when
        no paper's id, title, abstract or buffer types changed: an edit of authors, venue,
        year, links or domains keeps every paper's related papers."""
        read = [
            [entry.paper.id, entry.paper.title, entry.paper.abstract]
            + [str(buffer_type) for buffer_type in entry.tagging.buffer_types]
            for entry in entries
        ]
        key = hashlib.sha256(json.dumps([limit, read]).encode("utf-8", "surrogatepass"))
        saved = self.saved_related
        if saved.get("key") == key.hexdigest() and _names_only(saved.get("related"), read):
            return {paper: tuple(others) for paper, others in saved["related"].items()}
        related = related_papers(entries, limit, [self._term_counts(e.paper) for e in entries])
        self.saved_related = {"key": key.hexdigest(), "related": related}
        return related

    def save(self) -> None:
        """After a published build: what it read becomes what the next build reuses."""
        if self.path is None:
            return
        saved = {
            "fingerprint": self.fingerprint,
            "tagger": self.tagger,
            "records": self.next_records,
            "related": self.saved_related,
            "lookalikes": self.lookalikes.found,
        }
        write_atomic(self.path, _json_pieces(saved, "records"))


def _json_pieces(saved: Mapping[str, Any], large: str) -> Iterator[str]:
    """``saved`` as compact JSON (what one ``json.dumps`` gives), its ``large`` mapping one
    entry at a time: as one string it was ~700 MB at 100,000 papers, held twice while
    written (2.2 GB more at the peak of the build)."""
    dumps = partial(json.dumps, ensure_ascii=False, separators=(",", ":"))
    yield "{"
    for position, (key, value) in enumerate(saved.items()):
        yield ("," if position else "") + dumps(key) + ":"
        if key != large:
            yield dumps(value)
            continue
        yield "{"
        for index, (name, item) in enumerate(value.items()):
            yield ("," if index else "") + dumps(name) + ":" + dumps(item)
        yield "}"
    yield "}"


def _names_only(related: object, read: list[list[str]]) -> bool:
    """Whether saved related papers name only papers of this catalogue (a damaged cache is
    computed again, never shown)."""
    ids = {row[0] for row in read}
    return isinstance(related, dict) and all(
        paper in ids
        and isinstance(others, list)
        and all(isinstance(other, str) and other in ids for other in others)
        for paper, others in related.items()
    )


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


def _tagging(data: Mapping[str, Any]) -> Tagging:
    return Tagging(
        **{
            **data,
            "buffer_types": tuple(BufferType(value) for value in data["buffer_types"]),
            "stance": Stance(data["stance"]),
            "domains": tuple(data["domains"]),
            "evidence": tuple(
                Evidence(**{**item, "buffer_type": BufferType(item["buffer_type"])})
                for item in data["evidence"]
            ),
        }
    )


def _labels(data: Mapping[str, Any]) -> Labels:
    return Labels(
        buffer_types=tuple(BufferType(value) for value in data["buffer_types"]),
        stance=Stance(data["stance"]) if data["stance"] else None,
        domains=tuple(data["domains"]),
        by=data["by"],
    )
