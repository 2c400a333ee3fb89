"""Measure the tagger against hand labels (``bufferlit tag --eval LABELS``).

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

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml

from bufferlit.errors import BufferlitError
from bufferlit.listing import ListingEntry, parse_listing
from bufferlit.model import BufferType, Stance, Tagging
from bufferlit.tagger.domains import TERMS
from bufferlit.tagger.engine import DEFAULT_TAGGER, Tagger
from bufferlit.tagger.rules import PHRASES

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
is never tuned on (its figures are the honest ones); the other rows are the tuning part."""


def load_labels_file(path: Path, listing: Path | None = None) -> list[Label]:
    """A YAML labels file, or a TSV with its listing (``listing.txt`` beside it by default)."""
    if path.suffix.lower() != ".tsv":
        return load_labels(path)
    return load_tsv_labels(path, listing or path.with_name("listing.txt"))


def load_tsv_labels(path: Path, listing: Path) -> list[Label]:
    """Rows of ``path`` matched, in order, to the papers the listing reader finds in ``listing``."""
    rows = _tsv_rows(path)
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
            labels.append(_tsv_label(row, entry))
        except ValueError as error:
            raise BufferlitError(f"{path}:{number}: {error}") from None
    return labels


def _tsv_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise BufferlitError(f"{path}: cannot read the labels file: {error}") from None
    rows: list[tuple[int, dict[str, str]]] = []
    header: tuple[str, ...] = ()
    for number, line in enumerate(lines, 1):
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
    return rows


def _normal(text: str) -> str:
    return re.sub(r"\W+", " ", text.casefold()).strip()


def _take_entry(entries: list[ListingEntry], title_start: str) -> ListingEntry | None:
    """The first remaining entry whose title starts with ``title_start``, removed from the list."""
    wanted = _normal(title_start)
    for index, entry in enumerate(entries):
        if _normal(entry.title).startswith(wanted):
            return entries.pop(index)
    return None


def _tsv_label(row: dict[str, str], entry: ListingEntry | None) -> Label:
    accepted = [_enum(BufferType, value, "accept") for value in row["accept"].split(",")]
    primary = _enum(BufferType, row["primary"], "primary")
    stances = [_enum(Stance, value, "stance") for value in row["stance"].split(",")]
    if not row["n"].isdigit():
        raise ValueError(f"n: {row['n']!r} is not a number")
    # The label's own type is the first accepted one: the list's category when it is
    # accepted, else (a topical list, a text that names no buffer) what the text supports.
    main = primary if primary in accepted else accepted[0]
    part = "never-tuned" if int(row["n"]) % NEVER_TUNED_EVERY == 0 else "tuning"
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


def _ratio(hits: int, total: int) -> float | None:
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
            f"type {self.correct}/{self.items} ({_percent(_ratio(self.correct, self.items))}), "
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
        return _ratio(self._count(lambda o: o.correct), len(self.outcomes))

    @property
    def stance_accuracy(self) -> float | None:
        scored = [o for o in self.outcomes if o.label.stance_decided]
        return _ratio(sum(o.stance_correct for o in scored), len(scored))

    @property
    def avoids_recall(self) -> float | None:
        """Of the items labelled ``avoids``, the share the tagger says avoid."""
        figures = self.figures()
        return _ratio(figures.avoids_found, figures.avoids)

    @property
    def none_kept(self) -> float | None:
        """Of the items labelled ``none`` (no alternative), the share tagged ``none``."""
        nones = [o for o in self.outcomes if o.label.accepted == (BufferType.NONE,)]
        return _ratio(sum(o.correct for o in nones), len(nones))

    @property
    def domain_overlap(self) -> float | None:
        """Of the items with labelled domains, the share sharing at least one with the tagger."""
        labelled = [o for o in self.outcomes if o.label.domains]
        shared = sum(bool(set(o.label.domains) & set(o.tagging.domains)) for o in labelled)
        return _ratio(shared, len(labelled))

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
            result[buffer_type] = (_ratio(true, predicted), _ratio(true, support), support)
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


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def format_report(report: Report) -> str:
    """The plain-text report printed by ``bufferlit tag --eval``."""
    n = len(report.outcomes)
    correct = sum(o.correct for o in report.outcomes)
    figures = report.figures()
    lines = [
        f"{report.source}: {n} labelled items"
        + (f" ({figures.lost} lost by the listing reader, counted wrong)" if figures.lost else ""),
        f"primary-type accuracy  {_percent(report.accuracy)}  ({correct}/{n})",
        f"single-type rows right {figures.single_right}/{figures.single}"
        f"  ({_percent(_ratio(figures.single_right, figures.single))})",
        f"stance accuracy        {_percent(report.stance_accuracy)}  (rows with a decided stance)",
        f"avoids recall          {_percent(report.avoids_recall)}"
        f"  ({figures.avoids_found}/{figures.avoids} labelled avoids found)",
        f"false avoids           {figures.false_avoids}",
        f"none kept              {_percent(report.none_kept)}  (labelled none not given a type)",
        f"tagged none acceptable {figures.none_acceptable}/{figures.tagged_none}"
        f"  ({_percent(_ratio(figures.none_acceptable, figures.tagged_none))})",
        f"domain overlap         {_percent(report.domain_overlap)}  (share >= 1 labelled domain)",
        f"keyword baseline       {_percent(_ratio(figures.baseline_correct, n))}"
        f"  ({figures.baseline_correct}/{n}: naive keyword count, for comparison)",
    ]
    lines += _group_lines("per part", report.per_part())
    lines += _group_lines("per list", report.per_list())
    lines += _group_lines(
        "leave one list out (each list scored without the rules written for it)",
        dict(report.left_out),
    )
    lines += _type_lines(report)
    lines += _calibration_lines(report)
    wrong = report.misclassified()
    lines += ["", f"misses (type, stance or false avoids): {len(wrong)}"]
    lines += [_miss_lines(o) for o in wrong]
    return "\n".join(lines)


def _group_lines(heading: str, groups: dict[str, Figures]) -> list[str]:
    if not groups:
        return []
    return ["", f"{heading}:"] + [f"  {name}: {f.line()}" for name, f in groups.items()]


def _type_lines(report: Report) -> list[str]:
    lines = ["", f"{'type':<12}{'precision':>10}{'recall':>10}{'support':>9}"]
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
    return lines


def _calibration_lines(report: Report) -> list[str]:
    lines = ["", "calibration (paper confidence = the weaker of type and stance confidence)"]
    for low, high, items, missed in report.calibration():
        lines.append(f"  {low:.1f}-{high:.1f}: {items:>4} papers, {missed:>3} missed")
    weakest, weakest_missed, missed = report.weakest_share()
    lines.append(
        f"  the least confident 20% ({weakest} papers) hold {weakest_missed} of {missed} misses"
    )
    return lines


def _miss_lines(o: Outcome) -> str:
    got = "+".join(t.value for t in o.tagging.buffer_types)
    want = "|".join(t.value for t in o.label.accepted)
    stance = o.label.stance.value if o.label.stance_decided else "uses|avoids"
    where = f" [{o.label.source}]" if o.label.source else ""
    lines = [
        f"  {o.label.id}: {o.label.title[:60]}{where}",
        f"    label {want}/{stance}, tagger {got}/{o.tagging.stance.value}"
        f" (confidence: type {o.tagging.type_confidence:.2f},"
        f" stance {o.tagging.stance_confidence:.2f})",
    ]
    if not o.label.ingested:
        lines.append("    the listing reader lost this paper")
    for e in o.tagging.evidence:
        lines.append(f'    {e.buffer_type.value}: "{e.phrase}" in: {e.sentence[:120]}')
    if o.tagging.reason:
        lines.append(f"    reason: {o.tagging.reason}")
    return "\n".join(lines)
