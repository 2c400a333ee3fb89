"""Typed entries of the catalogue: what every later stage (tagger, exports, site) reads."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Literal


class BufferType(enum.StrEnum):
    """The kind of buffer a paper is about (closed vocabulary)."""

    REPLAY = "replay"
    """Stored past samples/experiences replayed in training (rehearsal, experience replay)."""
    KV_CONTEXT = "kv-context"
    """What a model keeps in its attention/context at inference (KV cache, agent memory)."""
    HARDWARE = "hardware"
    """Physical or system buffers (on-chip SRAM, scratchpads, double buffering, offloading)."""
    STREAMING = "streaming"
    """Buffers over a continuous input stream (frame memories, stream buffers, memory banks)."""
    NONE = "none"
    """"Buffer" means something else (overflow, buffer zone) or no buffer is involved."""


class Stance(enum.StrEnum):
    """Whether a paper uses a buffer or presents itself as working without one."""

    USES = "uses"
    AVOIDS = "avoids"


# Research domains (the second facet): slug -> display name, in display order. Here rather
# than in the tagger so that the loader can check a record's domains without importing the
# tagger; the terms that score each domain stay in tagger/domains.py.
DOMAINS: dict[str, str] = {
    "continual-learning": "Continual learning",
    "reinforcement-learning": "Reinforcement learning",
    "llm-agents": "LLM agents",
    "llm-inference": "LLM inference and serving",
    "nlp": "Natural language processing",
    "video": "Video understanding",
    "tracking-mapping": "Tracking and mapping",
    "speech": "Speech and audio",
    "time-series": "Time series and event sequences",
    "hardware": "Hardware accelerators",
    "gpu-systems": "GPU and systems",
    "networking": "Networking",
    "optimization": "Optimization",
    "security": "Security",
    "neuroscience": "Neuroscience and cognition",
    "other-sciences": "Other sciences",
    "machine-learning": "Machine learning (general)",
}


# Record fields in the order they are written to papers/<id>.yaml. Short fields first so a
# reviewer sees them together; the long abstract last.
FIELD_ORDER: tuple[str, ...] = (
    "id",
    "title",
    "authors",
    "year",
    "venue",
    "arxiv",
    "doi",
    "url",
    "code",
    "added",
    "buffer_types",
    "stance",
    "domains",
    "notes",
    "labels",
    "distinct_from",
    "abstract",
)
REQUIRED_FIELDS: tuple[str, ...] = ("id", "title", "abstract", "added")
NO_YEAR = "n.d."
"""What a paper without a year shows in its place (and the year facet's value for it)."""
CURATED_FIELDS: tuple[str, ...] = ("buffer_types", "stance", "domains", "notes")


def name_parts(author: str) -> tuple[str, str]:
    """``"Shinn, Noah"`` -> ``("Shinn", "Noah")``: records write every author as "Last,
    First"; a name without a comma (an organisation) is all family name, given name empty."""
    family, _, given = author.partition(",")
    return family.strip(), given.strip()


@dataclass(frozen=True)
class Paper:
    """One paper as recorded in papers/<id>.yaml, validated."""

    id: str
    """Citation key, never changed once assigned (e.g. ``shinn2023reflexion``)."""
    title: str
    abstract: str
    added: str
    """ISO date (YYYY-MM-DD) the record entered the catalogue."""
    authors: tuple[str, ...] = ()
    """Each as ``"Last, First"``."""
    year: int | None = None
    venue: str = ""
    arxiv: str = ""
    """arXiv identifier without version, e.g. ``2303.11366``."""
    doi: str = ""
    url: str = ""
    code: tuple[str, ...] = ()
    """Code and project URLs (http/https only)."""
    buffer_types: tuple[BufferType, ...] = ()
    """Curated buffer types, primary first; empty when the tagger decides."""
    stance: Stance | None = None
    """Curated stance; None when the tagger decides."""
    domains: tuple[str, ...] = ()
    """Curated research domains; empty when the tagger decides."""
    notes: str = ""
    labels: Labels | None = None
    """The generated ``labels:`` line as stored (what ``bufferlit tag --write`` last wrote);
    None when the record has none. Never an input to labelling: the tagger recomputes."""
    distinct_from: tuple[str, ...] = ()
    """Ids of records a curator declared different papers despite a look-alike title."""
    source: str = field(default="", compare=False)
    """Path of the record file this entry was read from (not part of the record)."""

    @property
    def surnames(self) -> tuple[str, ...]:
        return tuple(name_parts(author)[0] for author in self.authors)

    @property
    def arxiv_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv}" if self.arxiv else ""

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def best_url(self) -> str:
        """The link a reader most likely wants: the paper's own URL, else DOI, else arXiv."""
        return self.url or self.doi_url or self.arxiv_url


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one record, reported as ``file:line: field: message``."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


@dataclass(frozen=True)
class Evidence:
    """The sentence that supports one assigned buffer type, with the phrase that matched."""

    buffer_type: BufferType
    sentence: str
    phrase: str
    """The matched phrase exactly as it appears in ``sentence`` (for highlighting)."""
    start: int
    """Offset of ``phrase`` in ``sentence``."""

    def as_dict(self) -> dict[str, str | int]:
        """JSON-ready, as ``tag --json`` and the catalogue's JSON export write it."""
        return {
            "buffer_type": self.buffer_type.value,
            "sentence": self.sentence,
            "phrase": self.phrase,
            "start": self.start,
        }


@dataclass(frozen=True)
class Tagging:
    """What the tagger (or a curator) says a paper is about."""

    buffer_types: tuple[BufferType, ...]
    """All buffer types that apply, primary first; ``(NONE,)`` when no buffer is involved."""
    stance: Stance
    domains: tuple[str, ...]
    evidence: tuple[Evidence, ...] = ()
    tagged_by: Literal["auto", "curated"] = "auto"
    """``auto`` (rules) or ``curated`` (the record's curated fields won)."""
    type_confidence: float = 1.0
    """How sure the rules are of the primary type, in [0, 1] (1.0 when curated)."""
    stance_confidence: float = 1.0
    """How sure the rules are of the stance, in [0, 1] (1.0 when curated)."""
    reason: str = ""
    """Why, in words: for ``none``, the other sense of the word or "no storage named"."""

    @property
    def confidence(self) -> float:
        """The weaker of the two: what a curator reviewing weakest-first sorts by."""
        return min(self.type_confidence, self.stance_confidence)

    @property
    def buffer_type(self) -> BufferType:
        return self.buffer_types[0] if self.buffer_types else BufferType.NONE

    @property
    def has_buffer(self) -> bool:
        """False for a paper typed only ``none``: its stance is a convention (docs/taxonomy.md)
        that the site and the labels line do not show, since it would read "uses a buffer"."""
        return any(buffer_type is not BufferType.NONE for buffer_type in self.buffer_types)


@dataclass(frozen=True)
class Entry:
    """A paper with its tagging: the unit every export and page is rendered from."""

    paper: Paper
    tagging: Tagging


LabelsBy = Literal["tagger", "curator", "mixed"]
LABELS_BY: tuple[LabelsBy, ...] = ("tagger", "curator", "mixed")


NO_STANCE = "none"
"""How a ``labels:`` line writes the stance of a paper with no buffer (``Labels.stance`` None)."""


@dataclass(frozen=True)
class Labels:
    """The labels the site shows for a paper, as its record's generated ``labels:`` line
    stores them (one line, so that grep finds every paper by type, stance or domain)."""

    buffer_types: tuple[BufferType, ...]
    """Primary first, each once (as the site's badges and facets count them)."""
    stance: Stance | None
    """None (written ``stance: none``) for a paper with no buffer, as the site shows no stance."""
    domains: tuple[str, ...]
    by: LabelsBy
    """Who decided: ``tagger`` (no curated label field), ``curator`` (all three of
    ``buffer_types``, ``stance``, ``domains`` curated) or ``mixed`` (some of them)."""

    @classmethod
    def of(cls, paper: Paper, tagging: Tagging) -> Labels:
        """The labels of ``paper`` given its tagging (``Tagger.tag_paper``: curated fields won)."""
        curated = (bool(paper.buffer_types), paper.stance is not None, bool(paper.domains))
        by: LabelsBy = "curator" if all(curated) else "mixed" if any(curated) else "tagger"
        return cls(
            tuple(dict.fromkeys(tagging.buffer_types)),
            tagging.stance if tagging.has_buffer else None,
            tuple(dict.fromkeys(tagging.domains)),
            by,
        )

    def __str__(self) -> str:
        types = ", ".join(t.value for t in self.buffer_types)
        stance = self.stance.value if self.stance else NO_STANCE
        return f"[{types}] {stance}, [{', '.join(self.domains)}] by {self.by}"
