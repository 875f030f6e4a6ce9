"""What the figure is drawn from (FigureItem) and what layout computes (Layout, PlacedLabel, Box ...)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from timeline.figure.style import MARGIN


class FigureError(ValueError):
    """The figure cannot be drawn as asked (e.g. too many developments to label)."""


@dataclass(frozen=True)
class FigureItem:
    """What the figure needs of one development."""

    id: str
    title: str
    display_date: str
    date_lower: date
    date_upper: date
    precision: str
    category: str
    disputed: bool = False


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def intersects(self, other: Box) -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1


@dataclass(frozen=True)
class Tick:
    x: float
    major: bool


@dataclass(frozen=True)
class TickLabel:
    x: float  # centre of the interval it names
    text: str


@dataclass
class PlacedLabel:
    item: FigureItem
    side: int  # -1 above the axis, +1 below
    lane: int
    anchor_x: float
    extends_right: bool
    lines: list[str]
    box: Box = field(default_factory=lambda: Box(0, 0, 0, 0))
    # marker: the shape's bounding box and the track (0 = next to the ribbon)
    marker: Box = field(default_factory=lambda: Box(0, 0, 0, 0))
    track: int = 0

    @property
    def is_span(self) -> bool:
        return self.item.precision != "day"


@dataclass
class LegendEntry:
    x: float
    y: float
    kind: str  # a category value, "span" or "disputed"
    text: str


@dataclass
class Layout:
    width: float
    height: float
    axis_y: float
    start: date
    end: date
    ticks: list[Tick]
    tick_labels: list[TickLabel]
    labels: list[PlacedLabel]
    legend: list[LegendEntry]
    header_lines: list[tuple[float, str, float, bool]]  # (y, text, size, bold)
    plot_x0: float = MARGIN
    plot_x1: float = 0.0


def figure_items(rows: Iterable[Any]) -> list[FigureItem]:
    """FigureItems from Development or DevelopmentVersion rows; retracted and merged ones are left out."""
    items = []
    for row in rows:
        if getattr(row, "status", "current") != "current":
            continue
        development_id = getattr(row, "development_id", None) or row.pk
        items.append(
            FigureItem(
                id=str(development_id),
                title=row.title,
                display_date=row.display_date,
                date_lower=row.date_lower,
                date_upper=row.date_upper,
                precision=row.precision,
                category=row.category,
                disputed=bool(row.disputed),
            )
        )
    return items
