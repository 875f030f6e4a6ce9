"""Every position the SVG is drawn from: header, legend, time axis, markers and label boxes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from timeline.figure.lanes import Candidate, assign_lanes, assign_tracks, box_x, span_extent
from timeline.figure.model import Box, FigureError, FigureItem, Layout, LegendEntry, PlacedLabel
from timeline.figure.scale import TimeScale, axis_ticks, choose_scale
from timeline.figure.style import (
    BAR_HALF,
    DATE_LINE,
    DATE_SIZE,
    LABEL_PAD,
    LABEL_TEXT_WIDTH,
    LANE_GAP,
    LEGEND_SWATCH,
    MARGIN,
    MARKER_HALF,
    MAX_FIGURE_ITEMS,
    MAX_TITLE_LINES,
    RIBBON_HALF,
    TITLE_LINE,
    TITLE_SIZE,
    TRACK_FIRST,
    TRACK_STEP,
)
from timeline.figure.text import text_width, wrap_text
from timeline.taxonomy import Category


def _label_lines(item: FigureItem) -> tuple[str, list[str]]:
    date_line = item.display_date + (" · disputed" if item.disputed else "")
    return date_line, wrap_text(item.title, TITLE_SIZE, LABEL_TEXT_WIDTH, MAX_TITLE_LINES)


def _label_width(date_line: str, lines: Sequence[str]) -> float:
    text = max([text_width(date_line, DATE_SIZE, bold=True), *(text_width(line, TITLE_SIZE) for line in lines)])
    return text + 2 * LABEL_PAD


def label_height(title_lines: int) -> float:
    return 3 + DATE_LINE + title_lines * TITLE_LINE + 2


LANE_HEIGHT = label_height(MAX_TITLE_LINES) + LANE_GAP


def _legend(width: float, top: float) -> tuple[list[LegendEntry], float]:
    entries = [(str(value), str(label)) for value, label in Category.choices]
    entries += [("span", "Month, quarter or year"), ("disputed", "Disputed")]
    x, y = float(MARGIN), top
    placed = []
    for kind, text in entries:
        needed = LEGEND_SWATCH + text_width(text, TITLE_SIZE) + 18
        if x + needed > width - MARGIN and x > MARGIN:
            x, y = float(MARGIN), y + 20
        placed.append(LegendEntry(x, y, kind, text))
        x += needed
    return placed, y + 14


def _candidates(items: Sequence[FigureItem], scale: TimeScale) -> list[Candidate]:
    candidates = []
    for item in items:
        date_line, lines = _label_lines(item)
        x0, x1 = span_extent(item, scale)
        candidates.append(Candidate(item, x0, x1, _label_width(date_line, lines), date_line, lines))
    return candidates


def layout_figure(items: Sequence[FigureItem], *, title: str = "", subtitle: str = "", width: float = 1200) -> Layout:
    """Every position the SVG is drawn from."""
    if len(items) > MAX_FIGURE_ITEMS:
        raise FigureError(
            f"{len(items)} developments are too many to label in one figure (at most {MAX_FIGURE_ITEMS}); "
            "narrow the filters (category, entity, from/to)."
        )
    width = max(480.0, float(width))
    header_lines: list[tuple[float, str, float, bool]] = []
    y = 8.0
    for line in wrap_text(title, 17, width - 2 * MARGIN, 2, bold=True) if title else []:  # drawn bold
        y += 22
        header_lines.append((y, line, 17.0, True))
    # The subtitle may echo a caller's filter values: wrapped and cut to two lines like the title.
    for line in wrap_text(subtitle, 12, width - 2 * MARGIN, 2) if subtitle else []:
        y += 18
        header_lines.append((y, line, 12.0, False))
    legend, legend_bottom = _legend(width, y + 24)

    right_limit, left_limit = width - 4, 4.0
    if items:
        lower = min(item.date_lower for item in items)
        upper = max(item.date_upper for item in items)
    else:  # an empty axis; its tick labels are left out below
        lower = upper = date(2000, 1, 1)
    plot_x0, plot_x1 = float(MARGIN), width - MARGIN
    start, end, step = choose_scale(lower, upper, plot_x1 - plot_x0)
    candidates = _candidates(items, TimeScale(start, end, plot_x0, plot_x1))
    # Labels read best extending right of their date. When the last dates sit too near the right edge for
    # that, the time axis gives up to a fifth of its length so their labels fit beside them.
    full = plot_x1 - plot_x0
    # (The first anchor of a span sits 3 px in from its start; 2 px more for rounding.)
    fits = [
        (right_limit - plot_x0 - c.width - 5) / ((c.x0 - plot_x0) / full)
        for c in candidates
        if c.x0 > plot_x0 and c.x0 + c.width + 5 > right_limit
    ]
    if fits:
        plot_x1 = plot_x0 + max(0.8 * full, min(fits))
        start, end, step = choose_scale(lower, upper, plot_x1 - plot_x0)
        candidates = _candidates(items, TimeScale(start, end, plot_x0, plot_x1))
    scale = TimeScale(start, end, plot_x0, plot_x1)
    ticks, tick_labels = axis_ticks(start, end, step, scale) if items else ([], [])
    assigned = assign_lanes(candidates, right_limit=right_limit, left_limit=left_limit)

    # Marker tracks per side, then the bands' depths, then the vertical positions.
    tracks: dict[int, int] = {}
    for side in (-1, 1):
        indices = [i for i, entry in enumerate(assigned) if entry[1] == side]
        extents = []
        for i in indices:
            candidate = assigned[i][0]
            half = 0.0 if candidate.x1 > candidate.x0 else MARKER_HALF
            extents.append((candidate.x0 - half, candidate.x1 + half))
        for i, track in zip(indices, assign_tracks(extents), strict=True):
            tracks[i] = track
    band = {
        side: TRACK_FIRST + max((tracks[i] for i, e in enumerate(assigned) if e[1] == side), default=0) * TRACK_STEP
        for side in (-1, 1)
    }
    band = {side: depth + MARKER_HALF + 10 for side, depth in band.items()}
    lanes = {side: 1 + max((e[2] for e in assigned if e[1] == side), default=-1) for side in (-1, 1)}
    axis_y = legend_bottom + 16 + lanes[-1] * LANE_HEIGHT + band[-1] + RIBBON_HALF
    height = axis_y + RIBBON_HALF + band[1] + lanes[1] * LANE_HEIGHT + 12

    labels = []
    for index, (candidate, side, lane, anchor, extends_right) in enumerate(assigned):
        track = tracks[index]
        track_y = axis_y + side * (RIBBON_HALF + TRACK_FIRST + track * TRACK_STEP)
        if candidate.x1 > candidate.x0:
            marker = Box(candidate.x0, track_y - BAR_HALF, candidate.x1, track_y + BAR_HALF)
        else:
            marker = Box(
                candidate.x0 - MARKER_HALF, track_y - MARKER_HALF, candidate.x0 + MARKER_HALF, track_y + MARKER_HALF
            )
        box_height = label_height(len(candidate.lines))
        near = axis_y + side * (RIBBON_HALF + band[side] + lane * LANE_HEIGHT)
        y0, y1 = (near - box_height, near) if side < 0 else (near, near + box_height)
        x0, x1 = box_x(anchor, candidate.width, extends_right)
        labels.append(
            PlacedLabel(
                item=candidate.item,
                side=side,
                lane=lane,
                anchor_x=anchor,
                extends_right=extends_right,
                lines=[candidate.date_line, *candidate.lines],
                box=Box(x0, y0, x1, y1),
                marker=marker,
                track=track,
            )
        )
    labels.sort(key=lambda label: (label.item.date_lower, label.item.date_upper, label.item.title, label.item.id))
    return Layout(width, height, axis_y, start, end, ticks, tick_labels, labels, legend, header_lines, plot_x0, plot_x1)
