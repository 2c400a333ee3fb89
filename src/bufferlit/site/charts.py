"""Stats charts, computed at build time as plain geometry for inline SVG templates.

No chart library and no script: the SVG is drawn by ``templates/charts/*.svg.html`` from
these frozen shapes, and every chart ships with the same numbers as a data table.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bufferlit.model import NO_YEAR
from bufferlit.site.context import BUFFER_TYPE_LABELS, Label, PaperView

WIDTH = 720
BAR_HEIGHT = 260
MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP = 40, 28, 12


@dataclass(frozen=True)
class Segment:
    buffer_type: str
    x: float
    y: float
    width: float
    height: float
    count: int
    tooltip: str


@dataclass(frozen=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True)
class XLabel:
    text: str
    x: float


@dataclass(frozen=True)
class StackedBars:
    """Papers per year, stacked by buffer type (a paper counts once in each of its types)."""

    width: int
    height: int
    plot_bottom: float
    plot_left: float
    segments: tuple[Segment, ...]
    ticks: tuple[Tick, ...]
    x_labels: tuple[XLabel, ...]
    series: tuple[Label, ...]
    years: tuple[str, ...]
    table: tuple[tuple[str, tuple[int, ...], int], ...]
    """Rows of (year, count per series, total)."""


@dataclass(frozen=True)
class Cell:
    x: float
    y: float
    size_x: float
    size_y: float
    count: int
    level: int
    """0-4: the colour step (0 = none)."""


@dataclass(frozen=True)
class Heatmap:
    """Domains (rows) x buffer types (columns)."""

    width: int
    height: int
    label_width: int
    header_height: int
    columns: tuple[Label, ...]
    rows: tuple[tuple[Label, float, tuple[Cell, ...]], ...]
    """(domain, row y, one cell per column)."""


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 x 10^k that is >= value, so axis ticks fall on round numbers."""
    if value <= 1:
        return 1
    magnitude: int = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover


def stacked_bars(papers: Sequence[PaperView]) -> StackedBars:
    series = tuple(Label(str(t), name) for t, name in BUFFER_TYPE_LABELS.items())
    counts: dict[str, Counter[str]] = {}
    for paper in papers:
        for label in paper.buffer_types:
            counts.setdefault(paper.year_text, Counter())[label.value] += 1
    years = tuple(sorted(counts, key=lambda year: (year == NO_YEAR, year)))
    table = tuple(
        (year, tuple(counts[year][s.value] for s in series), sum(counts[year].values()))
        for year in years
    )
    top = nice_ceiling(max((total for _, _, total in table), default=1))
    plot_height = BAR_HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    plot_bottom = BAR_HEIGHT - MARGIN_BOTTOM
    slot = (WIDTH - MARGIN_LEFT) / max(len(years), 1)
    bar_width = min(48.0, slot * 0.7)
    segments = []
    x_labels = []
    label_every = max(1, math.ceil(len(years) / 14))  # keep year labels from overlapping
    for column, (year, values, _) in enumerate(table):
        x = MARGIN_LEFT + column * slot + (slot - bar_width) / 2
        y = float(plot_bottom)
        for label, value in zip(series, values, strict=True):
            if not value:
                continue
            height = plot_height * value / top
            y -= height
            tooltip = f"{year}: {value} {label.name} paper{'s' if value != 1 else ''}"
            segments.append(Segment(label.value, x, y, bar_width, height, value, tooltip))
        if column % label_every == 0:
            x_labels.append(XLabel(year, x + bar_width / 2))
    step = max(1, top // 5)
    ticks = tuple(
        Tick(value, plot_bottom - plot_height * value / top) for value in range(0, top + 1, step)
    )
    return StackedBars(
        WIDTH,
        BAR_HEIGHT,
        plot_bottom,
        MARGIN_LEFT,
        tuple(segments),
        ticks,
        tuple(x_labels),
        series,
        years,
        table,
    )


def heatmap(papers: Sequence[PaperView], domains: Sequence[Label]) -> Heatmap:
    columns = tuple(Label(str(t), name) for t, name in BUFFER_TYPE_LABELS.items())
    counts: Counter[tuple[str, str]] = Counter()
    for paper in papers:
        for domain in paper.domains:
            for label in paper.buffer_types:
                counts[domain.value, label.value] += 1
    highest = max(counts.values(), default=1)
    label_width, header_height, cell_x, cell_y = 190, 52, 100, 30
    rows = []
    for index, domain in enumerate(domains):
        y = header_height + index * cell_y
        cells = tuple(
            Cell(
                label_width + column * cell_x,
                y,
                cell_x - 4,
                cell_y - 4,
                counts[domain.value, label.value],
                math.ceil(4 * counts[domain.value, label.value] / highest),
            )
            for column, label in enumerate(columns)
        )
        rows.append((domain, float(y), cells))
    width = label_width + len(columns) * cell_x
    height = header_height + len(domains) * cell_y + 4
    return Heatmap(width, height, label_width, header_height, columns, tuple(rows))
