"""Curated labels that the rules disagree with (``bufferlit tag --check``).

A curator's label always wins on the site; this check only points at records worth a second
look: a curated primary type the rules would not pick, or a curated stance the text does
not support. A disagreement whose record says why in ``notes`` counts as reviewed.
Domains are not checked: they are a soft facet the rules only suggest.

It also finds records whose generated ``labels:`` line is missing or no longer what the site
shows (``stale_labels``): ``bufferlit tag --write`` rewrites exactly those lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bufferlit.model import Evidence, Labels, Paper
from bufferlit.tagger.engine import DEFAULT_TAGGER, Tagger


@dataclass(frozen=True)
class Disagreement:
    """One curated field of one record that the rules would set differently."""

    paper: Paper
    field: str
    """``buffer_types`` or ``stance``."""
    curated: str
    auto: str
    evidence: tuple[Evidence, ...]
    """What the rules found for their own answer (empty when they found no buffer)."""

    @property
    def explained(self) -> bool:
        """A curator who overrides the rules says why in ``notes``; such a record is reviewed."""
        return bool(self.paper.notes)

    def __str__(self) -> str:
        where = self.paper.source or self.paper.id
        found = "; ".join(f'{e.buffer_type.value}: "{e.phrase}"' for e in self.evidence)
        if not found:
            found = "no buffer phrase found"
            if self.field == "stance":
                found = "no phrase says it works without the buffer"
        else:
            found = "evidence " + found
        reviewed = " [explained in notes]" if self.explained else ""
        return (
            f"{where}: {self.field}: curated {self.curated}, tagger says {self.auto}"
            f" ({found}){reviewed}"
        )


def disagreements(papers: Iterable[Paper], tagger: Tagger = DEFAULT_TAGGER) -> list[Disagreement]:
    """Every curated primary type or stance that differs from what the rules say."""
    found = []
    for paper in papers:
        if not (paper.buffer_types or paper.stance):
            continue
        analysis = tagger.analyse(paper.title, paper.abstract)
        auto_types = analysis.buffer_types
        if paper.buffer_types and paper.buffer_types[0] is not auto_types[0]:
            auto_stance = analysis.stance_for(auto_types[0])
            found.append(
                Disagreement(
                    paper,
                    "buffer_types",
                    paper.buffer_types[0].value,
                    auto_types[0].value,
                    analysis.evidence_for(auto_types, auto_stance),
                )
            )
        primary = paper.buffer_types[0] if paper.buffer_types else auto_types[0]
        auto_stance = analysis.stance_for(primary)
        if paper.stance and paper.stance is not auto_stance:
            found.append(
                Disagreement(
                    paper,
                    "stance",
                    paper.stance.value,
                    auto_stance.value,
                    analysis.evidence_for((primary,), auto_stance),
                )
            )
    return found


WRITE_COMMAND = "bufferlit tag --write"


@dataclass(frozen=True)
class StaleLabels:
    """A record whose stored ``labels:`` line differs from the labels the site shows."""

    paper: Paper
    fresh: Labels

    def __str__(self) -> str:
        where = self.paper.source or self.paper.id
        if self.paper.labels is None:
            return f"{where}: labels: missing (should be {self.fresh})"
        return f"{where}: labels: stale: stored {self.paper.labels}, now {self.fresh}"


def stale_labels(papers: Iterable[Paper], tagger: Tagger = DEFAULT_TAGGER) -> list[StaleLabels]:
    """Every record whose stored labels are missing or differ from what ``tagger`` (curated
    fields winning) gives it now."""
    found = []
    for paper in papers:
        fresh = Labels.of(paper, tagger.tag_paper(paper))
        if paper.labels != fresh:
            found.append(StaleLabels(paper, fresh))
    return found
