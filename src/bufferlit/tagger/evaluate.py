"""Measure the tagger against hand labels (``bufferlit tag --eval LABELS``).

A labels file is a YAML list of items, each self-contained::

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

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml

from bufferlit.errors import BufferlitError
from bufferlit.model import BufferType, Stance, Tagging
from bufferlit.tagger.engine import DEFAULT_TAGGER, Tagger

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

    @property
    def accepted(self) -> tuple[BufferType, ...]:
        return (self.type, *self.alternatives)


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


@dataclass(frozen=True)
class Outcome:
    label: Label
    tagging: Tagging

    @property
    def predicted(self) -> BufferType:
        return self.tagging.buffer_type

    @property
    def correct(self) -> bool:
        return self.predicted in self.label.accepted

    @property
    def expected(self) -> BufferType:
        """The label this item is scored against: the prediction if it is acceptable."""
        return self.predicted if self.correct else self.label.type

    @property
    def stance_correct(self) -> bool:
        return self.tagging.stance is self.label.stance


def _ratio(hits: int, total: int) -> float | None:
    return hits / total if total else None


@dataclass(frozen=True)
class Report:
    source: str
    outcomes: tuple[Outcome, ...]

    def _count(self, predicate: Any) -> int:
        return sum(1 for outcome in self.outcomes if predicate(outcome))

    @property
    def accuracy(self) -> float | None:
        return _ratio(self._count(lambda o: o.correct), len(self.outcomes))

    @property
    def stance_accuracy(self) -> float | None:
        return _ratio(self._count(lambda o: o.stance_correct), len(self.outcomes))

    @property
    def avoids_recall(self) -> float | None:
        """Of the items labelled ``avoids``, the share the tagger says avoid."""
        avoiding = [o for o in self.outcomes if o.label.stance is Stance.AVOIDS]
        return _ratio(sum(o.tagging.stance is Stance.AVOIDS for o in avoiding), len(avoiding))

    @property
    def none_kept(self) -> float | None:
        """Of the items labelled ``none`` (no alternative), the share tagged ``none``."""
        nones = [o for o in self.outcomes if o.label.accepted == (BufferType.NONE,)]
        return _ratio(sum(o.predicted is BufferType.NONE for o in nones), len(nones))

    @property
    def domain_overlap(self) -> float | None:
        """Of the items with labelled domains, the share sharing at least one with the tagger."""
        labelled = [o for o in self.outcomes if o.label.domains]
        shared = sum(bool(set(o.label.domains) & set(o.tagging.domains)) for o in labelled)
        return _ratio(shared, len(labelled))

    def per_type(self) -> dict[BufferType, tuple[float | None, float | None, int]]:
        """Precision, recall and support of each primary type."""
        result = {}
        for buffer_type in BufferType:
            predicted = self._count(lambda o, t=buffer_type: o.predicted is t)
            support = self._count(lambda o, t=buffer_type: o.expected is t)
            true = self._count(lambda o, t=buffer_type: o.correct and o.predicted is t)
            result[buffer_type] = (_ratio(true, predicted), _ratio(true, support), support)
        return result

    def confusion(self) -> Counter[tuple[BufferType, BufferType]]:
        """(labelled, predicted) -> count."""
        return Counter((o.expected, o.predicted) for o in self.outcomes)

    def misclassified(self) -> list[Outcome]:
        return [o for o in self.outcomes if not (o.correct and o.stance_correct)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "items": len(self.outcomes),
            "accuracy": self.accuracy,
            "stance_accuracy": self.stance_accuracy,
            "avoids_recall": self.avoids_recall,
            "none_kept": self.none_kept,
            "domain_overlap": self.domain_overlap,
            "per_type": {
                t.value: {"precision": p, "recall": r, "support": n}
                for t, (p, r, n) in self.per_type().items()
            },
            "confusion": [
                {"label": label.value, "predicted": predicted.value, "count": count}
                for (label, predicted), count in sorted(self.confusion().items())
            ],
            "misclassified": [
                {
                    "id": o.label.id,
                    "title": o.label.title,
                    "label": o.label.type.value,
                    "accepted": [t.value for t in o.label.accepted],
                    "predicted": [t.value for t in o.tagging.buffer_types],
                    "label_stance": o.label.stance.value,
                    "predicted_stance": o.tagging.stance.value,
                }
                for o in self.misclassified()
            ],
        }


def evaluate(labels: Iterable[Label], source: str = "", tagger: Tagger = DEFAULT_TAGGER) -> Report:
    outcomes = tuple(
        Outcome(label, tagger.tag_text(label.title, label.abstract)) for label in labels
    )
    return Report(source, outcomes)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def format_report(report: Report) -> str:
    """The plain-text report printed by ``bufferlit tag --eval``."""
    n = len(report.outcomes)
    correct = sum(o.correct for o in report.outcomes)
    lines = [
        f"{report.source}: {n} labelled items",
        f"primary-type accuracy  {_percent(report.accuracy)}  ({correct}/{n})",
        f"stance accuracy        {_percent(report.stance_accuracy)}",
        f"avoids recall          {_percent(report.avoids_recall)}  (labelled avoids found)",
        f"none kept              {_percent(report.none_kept)}  (labelled none not given a type)",
        f"domain overlap         {_percent(report.domain_overlap)}  (share >= 1 labelled domain)",
        "",
        f"{'type':<12}{'precision':>10}{'recall':>10}{'support':>9}",
    ]
    for buffer_type, (precision, recall, support) in report.per_type().items():
        lines.append(
            f"{buffer_type.value:<12}{_percent(precision):>10}{_percent(recall):>10}{support:>9}"
        )
    types: Sequence[BufferType] = list(BufferType)
    confusion = report.confusion()
    lines += ["", "confusion (rows: label, columns: predicted)"]
    lines.append(" " * 12 + "".join(f"{t.value:>11}" for t in types))
    for label in types:
        cells = "".join(f"{confusion[(label, predicted)]:>11}" for predicted in types)
        lines.append(f"{label.value:<12}{cells}")
    wrong = report.misclassified()
    lines += ["", f"misclassified: {len(wrong)}"]
    for o in wrong:
        got = "+".join(t.value for t in o.tagging.buffer_types)
        want = "|".join(t.value for t in o.label.accepted)
        lines.append(
            f"  {o.label.id}: {o.label.title[:60]}\n"
            f"    label {want}/{o.label.stance.value}, tagger {got}/{o.tagging.stance.value}"
        )
    return "\n".join(lines)
