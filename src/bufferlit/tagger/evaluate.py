"""Measure the tagger against hand labels (``bufferlit tag --eval LABELS``).

labels.py reads the labels; this module tags every labelled text and computes the figures
(per part, per list, leave-one-list-out, per type, confusion, calibration); report.py
prints them.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bufferlit.model import BufferType, Stance, Tagging
from bufferlit.tagger.domains import TERMS
from bufferlit.tagger.engine import DEFAULT_TAGGER, Tagger
from bufferlit.tagger.labels import Label, load_labels, load_labels_file
from bufferlit.tagger.rules import PHRASES

# Readers of labels, long imported from here.
__all__ = ["Label", "Report", "evaluate", "load_labels", "load_labels_file", "tagger_without"]


@dataclass(frozen=True)
class Outcome:
    label: Label
    tagging: Tagging
    baseline: BufferType = BufferType.NONE
    """What the naive keyword count says (``keyword_baseline``), for comparison."""

    @property
    def predicted(self) -> BufferType:
        return self.tagging.buffer_type

    @property
    def correct(self) -> bool:
        return self.label.ingested and self.predicted in self.label.accepted

    @property
    def strict(self) -> bool:
        """Right on a label with a single acceptable type (None when it has several)."""
        return self.correct and len(self.label.accepted) == 1

    @property
    def expected(self) -> BufferType:
        """The label this item is scored against: the prediction if it is acceptable."""
        return self.predicted if self.correct else self.label.type

    @property
    def stance_correct(self) -> bool:
        if not self.label.stance_decided or self.label.type is BufferType.NONE:
            return True  # not scored: the labels accept either, or none's stance is a convention
        return self.label.ingested and self.tagging.stance is self.label.stance

    @property
    def false_avoids(self) -> bool:
        """Tagged ``avoids`` where the labels say the paper uses its buffer."""
        label = self.label
        uses = label.stance_decided and label.stance is Stance.USES
        return uses and self.tagging.stance is Stance.AVOIDS

    @property
    def missed(self) -> bool:
        """A wrong primary type, a wrong stance or a false avoids: what a curator must fix."""
        return not (self.correct and self.stance_correct) or self.false_avoids


# The naive baseline the issue measured: count four keyword families, take the largest.
_KEYWORDS = (
    (BufferType.REPLAY, re.compile(r"replay|rehears|exemplar")),
    (BufferType.KV_CONTEXT, re.compile(r"\bkv\b|context|prompt")),
    (BufferType.HARDWARE, re.compile(r"on-chip|sram|gpu|dram")),
    (BufferType.STREAMING, re.compile(r"stream|video|frame")),
)


def keyword_baseline(title: str, abstract: str) -> BufferType:
    """A naive keyword count (ties to the first family; ``none`` when nothing is found)."""
    text = f"{title} {abstract}".lower()
    counts = [(len(pattern.findall(text)), buffer_type) for buffer_type, pattern in _KEYWORDS]
    best = max(counts, key=lambda count: count[0])
    return best[1] if best[0] else BufferType.NONE


def ratio(hits: int, total: int) -> float | None:
    return hits / total if total else None


@dataclass(frozen=True)
class Figures:
    """The issue's figures for one group of outcomes (a whole set, one list, one part)."""

    items: int
    correct: int
    single: int
    """Rows with a single acceptable type."""
    single_right: int
    avoids: int
    """Rows labelled ``avoids``."""
    avoids_found: int
    false_avoids: int
    tagged_none: int
    none_acceptable: int
    baseline_correct: int
    lost: int
    """Rows whose paper the listing reader lost."""

    @classmethod
    def of(cls, outcomes: Sequence[Outcome]) -> Figures:
        avoiding = [
            o for o in outcomes if o.label.stance_decided and o.label.stance is Stance.AVOIDS
        ]
        nones = [o for o in outcomes if o.label.ingested and o.predicted is BufferType.NONE]
        return cls(
            items=len(outcomes),
            correct=sum(o.correct for o in outcomes),
            single=sum(len(o.label.accepted) == 1 for o in outcomes),
            single_right=sum(o.strict for o in outcomes),
            avoids=len(avoiding),
            avoids_found=sum(
                o.tagging.stance is Stance.AVOIDS for o in avoiding if o.label.ingested
            ),
            false_avoids=sum(o.false_avoids for o in outcomes),
            tagged_none=len(nones),
            none_acceptable=sum(o.correct for o in nones),
            baseline_correct=sum(
                o.label.ingested and o.baseline in o.label.accepted for o in outcomes
            ),
            lost=sum(not o.label.ingested for o in outcomes),
        )

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    def line(self) -> str:
        return (
            f"type {self.correct}/{self.items} ({percent(ratio(self.correct, self.items))}), "
            f"single-type {self.single_right}/{self.single}, "
            f"avoids {self.avoids_found}/{self.avoids}, false avoids {self.false_avoids}, "
            f"none acceptable {self.none_acceptable}/{self.tagged_none}, "
            f"keyword baseline {self.baseline_correct}/{self.items}"
        )


@dataclass(frozen=True)
class Report:
    source: str
    outcomes: tuple[Outcome, ...]
    left_out: tuple[tuple[str, Figures], ...] = ()
    """Leave-one-list-out: each list scored by the rules without those it informed."""

    def _count(self, predicate: Any) -> int:
        return sum(1 for outcome in self.outcomes if predicate(outcome))

    @property
    def accuracy(self) -> float | None:
        return ratio(self._count(lambda o: o.correct), len(self.outcomes))

    @property
    def stance_accuracy(self) -> float | None:
        scored = [o for o in self.outcomes if o.label.stance_decided]
        return ratio(sum(o.stance_correct for o in scored), len(scored))

    @property
    def avoids_recall(self) -> float | None:
        """Of the items labelled ``avoids``, the share the tagger says avoid."""
        figures = self.figures()
        return ratio(figures.avoids_found, figures.avoids)

    @property
    def none_kept(self) -> float | None:
        """Of the items labelled ``none`` (no alternative), the share tagged ``none``."""
        nones = [o for o in self.outcomes if o.label.accepted == (BufferType.NONE,)]
        return ratio(sum(o.correct for o in nones), len(nones))

    @property
    def domain_overlap(self) -> float | None:
        """Of the items with labelled domains, the share sharing at least one with the tagger."""
        labelled = [o for o in self.outcomes if o.label.domains]
        shared = sum(bool(set(o.label.domains) & set(o.tagging.domains)) for o in labelled)
        return ratio(shared, len(labelled))

    def figures(self) -> Figures:
        return Figures.of(self.outcomes)

    def groups(self, key: Any) -> dict[str, Figures]:
        """Figures per value of ``key(label)`` (a list, a part), in order of first appearance."""
        grouped: dict[str, list[Outcome]] = {}
        for outcome in self.outcomes:
            grouped.setdefault(key(outcome.label), []).append(outcome)
        return {name: Figures.of(group) for name, group in grouped.items() if name}

    def per_list(self) -> dict[str, Figures]:
        return self.groups(lambda label: label.list_name)

    def per_part(self) -> dict[str, Figures]:
        return self.groups(lambda label: label.part)

    def per_type(self) -> dict[BufferType, tuple[float | None, float | None, int]]:
        """Precision, recall and support of each primary type."""
        result = {}
        for buffer_type in BufferType:
            predicted = self._count(lambda o, t=buffer_type: o.predicted is t)
            support = self._count(lambda o, t=buffer_type: o.expected is t)
            true = self._count(lambda o, t=buffer_type: o.correct and o.predicted is t)
            result[buffer_type] = (ratio(true, predicted), ratio(true, support), support)
        return result

    def confusion(self) -> Counter[tuple[BufferType, BufferType]]:
        """(labelled, predicted) -> count."""
        return Counter((o.expected, o.predicted) for o in self.outcomes)

    def misclassified(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.missed]

    def calibration(self, bins: int = 5) -> list[tuple[float, float, int, int]]:
        """(low, high, items, missed) per band of the paper's confidence (the weaker of
        type and stance confidence): a meaningful confidence misses less in higher bands."""
        rows = []
        for band in range(bins):
            low, high = band / bins, (band + 1) / bins
            inside = [
                o
                for o in self.outcomes
                if low <= o.tagging.confidence < high
                or (band == bins - 1 and o.tagging.confidence >= 1)
            ]
            rows.append((low, high, len(inside), sum(o.missed for o in inside)))
        return rows

    def weakest_share(self, share: float = 0.2) -> tuple[int, int, int]:
        """(weakest, misses among them, all misses): the ``share`` of papers with the lowest
        confidence, and how many of the misses they hold."""
        ranked = sorted(self.outcomes, key=lambda o: o.tagging.confidence)
        weakest = math.ceil(share * len(ranked))
        missed = sum(o.missed for o in ranked[:weakest])
        return weakest, missed, sum(o.missed for o in ranked)

    def to_dict(self) -> dict[str, Any]:
        weakest, weakest_missed, missed = self.weakest_share()
        return {
            "source": self.source,
            "items": len(self.outcomes),
            "accuracy": self.accuracy,
            "stance_accuracy": self.stance_accuracy,
            "avoids_recall": self.avoids_recall,
            "none_kept": self.none_kept,
            "domain_overlap": self.domain_overlap,
            "figures": self.figures().to_dict(),
            "per_list": {name: f.to_dict() for name, f in self.per_list().items()},
            "per_part": {name: f.to_dict() for name, f in self.per_part().items()},
            "leave_one_list_out": {name: f.to_dict() for name, f in self.left_out},
            "per_type": {
                t.value: {"precision": p, "recall": r, "support": n}
                for t, (p, r, n) in self.per_type().items()
            },
            "confusion": [
                {"label": label.value, "predicted": predicted.value, "count": count}
                for (label, predicted), count in sorted(self.confusion().items())
            ],
            "calibration": [
                {"low": low, "high": high, "items": n, "missed": m}
                for low, high, n, m in self.calibration()
            ],
            "weakest_20_percent": {
                "items": weakest,
                "missed": weakest_missed,
                "all_missed": missed,
            },
            "misclassified": [_miss_dict(o) for o in self.misclassified()],
        }


def _miss_dict(o: Outcome) -> dict[str, Any]:
    return {
        "id": o.label.id,
        "title": o.label.title,
        "source": o.label.source,
        "ingested": o.label.ingested,
        "label": o.label.type.value,
        "accepted": [t.value for t in o.label.accepted],
        "predicted": [t.value for t in o.tagging.buffer_types],
        "label_stance": o.label.stance.value if o.label.stance_decided else "uses,avoids",
        "predicted_stance": o.tagging.stance.value,
        "type_confidence": o.tagging.type_confidence,
        "stance_confidence": o.tagging.stance_confidence,
        "reason": o.tagging.reason,
        "evidence": [
            {"buffer_type": e.buffer_type.value, "phrase": e.phrase, "sentence": e.sentence}
            for e in o.tagging.evidence
        ],
    }


def evaluate(
    labels: Iterable[Label],
    source: str = "",
    tagger: Tagger = DEFAULT_TAGGER,
    leave_lists_out: bool = False,
) -> Report:
    """Tag every label's text and compare; ``leave_lists_out`` adds the leave-one-list-out
    figures for labels that name their list (see ``tagger_without``)."""
    labels = list(labels)
    outcomes = tuple(
        Outcome(
            label,
            tagger.tag_text(label.title, label.abstract),
            keyword_baseline(label.title, label.abstract),
        )
        for label in labels
    )
    left_out: tuple[tuple[str, Figures], ...] = ()
    if leave_lists_out:
        by_list: dict[str, list[Label]] = {}
        for label in labels:
            if label.list_name:
                by_list.setdefault(label.list_name, []).append(label)
        left_out = tuple(
            (name, evaluate(group, name, tagger_without(name)).figures())
            for name, group in by_list.items()
        )
    return Report(source, outcomes, left_out)


def tagger_without(list_name: str) -> Tagger:
    """The rules as if ``list_name`` had never been read: every phrase and term written for
    its tuning rows (``informed_by``) dropped. Changes to the engine itself stay."""
    return Tagger(
        [phrase for phrase in PHRASES if list_name not in phrase.informed_by],
        [term for term in TERMS if list_name not in term.informed_by],
    )


def percent(value: float | None) -> str:
    """A share as "12.3%", or "n/a" when there was nothing to count."""
    return "n/a" if value is None else f"{100 * value:.1f}%"
