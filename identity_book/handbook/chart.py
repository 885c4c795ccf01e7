"""A stacked bar chart of status counts per chapter, drawn as inline SVG (HTML) and rules (PDF)."""

from __future__ import annotations

from dataclasses import dataclass

from identity_book.escape import Raw
from identity_book.handbook.indexes import Status
from identity_book.templates import render

LABEL_WIDTH = 210
BAR_WIDTH = 360
ROW = 26
PDF_BAR_MM = 70.0


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    mm: float
    color: str
    hex: str
    count: int
    label: str


@dataclass(frozen=True)
class Bar:
    label: str
    y: float
    total: int
    end: float
    segments: list[Segment]


def bars(status: Status) -> list[Bar]:
    biggest = max((r.total for r in status.rows), default=1) or 1
    out = []
    for i, row in enumerate(status.rows):
        x = float(LABEL_WIDTH)
        segments = []
        for key, _short, label, color in status.categories:
            count = row.counts[key]
            if not count:
                continue
            width = BAR_WIDTH * count / biggest
            mm = PDF_BAR_MM * count / biggest
            segments.append(
                Segment(
                    round(x, 1),
                    round(width, 1),
                    round(mm, 2),
                    color,
                    color[1:].upper(),
                    count,
                    label,
                )
            )
            x += width
        out.append(Bar(f"{row.number} {row.label}", i * ROW + 10, row.total, round(x, 1), segments))
    return out


def svg(status: Status) -> Raw:
    """The chart as an ``<svg>`` element (its text escaped by the template)."""
    chart = bars(status)
    height = len(chart) * ROW + 20 + 22 * ((len(status.categories) + 1) // 2)
    html = render(
        "handbook/chart.svg",
        bars=chart,
        legend=status.categories,
        width=LABEL_WIDTH + BAR_WIDTH + 50,
        height=height,
        legend_y=len(chart) * ROW + 24,
    )
    return Raw(html.strip())


def tex(status: Status) -> Raw:
    """The chart as LaTeX rules in a tabular, for the PDF."""
    return Raw(render("handbook/chart.tex", bars=bars(status), legend=status.categories).strip())
