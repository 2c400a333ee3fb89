"""The plain-text report printed by ``bufferlit tag --eval``."""

from __future__ import annotations

from collections.abc import Sequence

from bufferlit.model import BufferType
from bufferlit.tagger.evaluate import Figures, Outcome, Report, percent, ratio


def format_report(report: Report) -> str:
    """The plain-text report printed by ``bufferlit tag --eval``."""
    n = len(report.outcomes)
    correct = sum(o.correct for o in report.outcomes)
    figures = report.figures()
    lines = [
        f"{report.source}: {n} labelled items"
        + (f" ({figures.lost} lost by the listing reader, counted wrong)" if figures.lost else ""),
        f"primary-type accuracy  {percent(report.accuracy)}  ({correct}/{n})",
        f"single-type rows right {figures.single_right}/{figures.single}"
        f"  ({percent(ratio(figures.single_right, figures.single))})",
        f"stance accuracy        {percent(report.stance_accuracy)}  (rows with a decided stance)",
        f"avoids recall          {percent(report.avoids_recall)}"
        f"  ({figures.avoids_found}/{figures.avoids} labelled avoids found)",
        f"false avoids           {figures.false_avoids}",
        f"none kept              {percent(report.none_kept)}  (labelled none not given a type)",
        f"tagged none acceptable {figures.none_acceptable}/{figures.tagged_none}"
        f"  ({percent(ratio(figures.none_acceptable, figures.tagged_none))})",
        f"domain overlap         {percent(report.domain_overlap)}  (share >= 1 labelled domain)",
        f"keyword baseline       {percent(ratio(figures.baseline_correct, n))}"
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
            f"{buffer_type.value:<12}{percent(precision):>10}{percent(recall):>10}{support:>9}"
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
