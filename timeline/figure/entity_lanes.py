"""Comparing actors: one lane per entity on one shared time axis (`lanes=entity` on the figure endpoints).

Each lane holds the markers of its entity's developments, packed into tracks so no two touch; a development of
several of the compared entities is drawn in each of their lanes (it is each one's development). Markers carry
their date and title as a tooltip rather than a drawn label: with several lanes there is no room for Figure 1's
label boxes, and the lane itself says whose development it is. Pure: no database, no request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from timeline.figure.lanes import assign_tracks, span_extent
from timeline.figure.layout import _legend
from timeline.figure.model import FigureError, FigureItem, Layout
from timeline.figure.scale import TimeScale, axis_ticks, choose_scale
from timeline.figure.style import (
    CATEGORY_COLOURS,
    CATEGORY_SHAPES,
    FALLBACK_COLOUR,
    FONT_FAMILY,
    MARGIN,
    MARKER_HALF,
    MAX_FIGURE_ITEMS,
    MUTED_TEXT_COLOUR,
    RIBBON_HALF,
    TEXT_COLOUR,
    TRACK_STEP,
)
from timeline.figure.svg import _fmt, _marker_attrs, _shape, _svg_axis, _svg_legend, _tooltip
from timeline.figure.text import wrap_text, xml_attr, xml_text

MAX_ENTITY_LANES = 8
LANE_LABEL_WIDTH = 170.0  # the column of lane names, left of the time axis
LANE_LABEL_SIZE = 13.0
LANE_PAD = 10.0


@dataclass(frozen=True)
class EntityLane:
    entity_id: str
    name: str
    items: Sequence[FigureItem]


def render_entity_lanes_svg(
    lanes: Sequence[EntityLane], *, title: str = "", subtitle: str = "", width: float = 1200
) -> str:
    """The lanes as an SVG document; every text escaped here. FigureError for too many lanes or markers."""
    if not 1 <= len(lanes) <= MAX_ENTITY_LANES:
        raise FigureError(f"lanes=entity draws 1 to {MAX_ENTITY_LANES} entities, not {len(lanes)}.")
    markers = sum(len(lane.items) for lane in lanes)
    if markers > MAX_FIGURE_ITEMS:
        raise FigureError(
            f"{markers} markers are too many for one figure (at most {MAX_FIGURE_ITEMS}); narrow the filters."
        )
    width = max(480.0, float(width))
    header: list[tuple[float, str, float, bool]] = []
    y = 8.0
    for line in wrap_text(title, 17, width - 2 * MARGIN, 2, bold=True) if title else []:
        y += 22
        header.append((y, line, 17.0, True))
    for line in wrap_text(subtitle, 12, width - 2 * MARGIN, 2) if subtitle else []:
        y += 18
        header.append((y, line, 12.0, False))
    legend, legend_bottom = _legend(width, y + 24)

    items = [item for lane in lanes for item in lane.items]
    lower = min((item.date_lower for item in items), default=date(2000, 1, 1))
    upper = max((item.date_upper for item in items), default=date(2000, 1, 1))
    plot_x0, plot_x1 = MARGIN + LANE_LABEL_WIDTH, width - MARGIN
    start, end, step = choose_scale(lower, upper, plot_x1 - plot_x0)
    scale = TimeScale(start, end, plot_x0, plot_x1)
    ticks, tick_labels = axis_ticks(start, end, step, scale) if items else ([], [])
    axis_y = legend_bottom + 16 + RIBBON_HALF

    body: list[str] = []
    top = axis_y + RIBBON_HALF + 6
    for index, lane in enumerate(lanes):
        drawn, height = _lane(lane, index, top, width, scale, [tick.x for tick in ticks if tick.major])
        body.append(drawn)
        top += height
    axis = Layout(width, top + 8, axis_y, start, end, ticks, tick_labels, [], legend, header, plot_x0, plot_x1)

    noun = "entity" if len(lanes) == 1 else "entities"
    label = f"{title + ': ' if title else ''}{markers} developments of {len(lanes)} {noun} on one time axis: " + (
        ", ".join(f"{lane.name} ({len(lane.items)})" for lane in lanes)
    )
    w, h = _fmt(width), _fmt(axis.height)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        f'role="img" aria-label="{xml_attr(label)}" aria-labelledby="lanes-title" class="timeline-figure entity-lanes" '
        f'font-family="{xml_attr(FONT_FAMILY)}" data-lanes="{len(lanes)}" data-count="{markers}">',
        f'<title id="lanes-title">{xml_text(label)}</title>',
        f'<rect x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/>',
    ]
    for line_y, text, size, bold in header:
        weight = ' font-weight="bold"' if bold else ""
        colour = TEXT_COLOUR if bold else MUTED_TEXT_COLOUR
        out.append(
            f'<text x="{MARGIN}" y="{_fmt(line_y)}" font-size="{_fmt(size)}"{weight} fill="{colour}">'
            f"{xml_text(text)}</text>"
        )
    out.append(_svg_legend(axis))
    out.append(_svg_axis(axis))
    out.extend(body)
    out.append("</svg>\n")
    return "".join(out)


def _lane(
    lane: EntityLane, index: int, top: float, width: float, scale: TimeScale, gridlines: Sequence[float]
) -> tuple[str, float]:
    """One lane's SVG and its height: a shaded band, the entity's name, gridlines, and the packed markers."""
    extents = []
    for item in lane.items:
        x0, x1 = span_extent(item, scale)
        half = 0.0 if x1 > x0 else MARKER_HALF
        extents.append((x0 - half, x1 + half))
    tracks = assign_tracks(extents)
    name_lines = wrap_text(lane.name, LANE_LABEL_SIZE, LANE_LABEL_WIDTH - 8, 2, bold=True)
    depth = (1 + max(tracks, default=0)) * TRACK_STEP
    height = max(depth, len(name_lines) * 16.0) + 2 * LANE_PAD
    fill = "#f8f9fa" if index % 2 == 0 else "#ffffff"
    entity = xml_attr(lane.entity_id)
    out = [
        f'<g class="lane" data-entity-id="{entity}">',
        f'<rect x="0" y="{_fmt(top)}" width="{_fmt(width)}" height="{_fmt(height)}" fill="{fill}"/>',
    ]
    for x in gridlines:
        out.append(
            f'<line x1="{_fmt(x)}" y1="{_fmt(top)}" x2="{_fmt(x)}" y2="{_fmt(top + height)}" stroke="#dee2e6" '
            'stroke-width="1"/>'
        )
    text_y = top + LANE_PAD + LANE_LABEL_SIZE
    size = _fmt(LANE_LABEL_SIZE)
    out.append(f'<text class="lane-label" x="{MARGIN}" font-size="{size}" font-weight="bold" fill="{TEXT_COLOUR}">')
    for number, line in enumerate(name_lines):
        out.append(f'<tspan x="{MARGIN}" y="{_fmt(text_y + number * 16)}">{xml_text(line)}</tspan>')
    out.append("</text>")
    if not lane.items:
        out.append(
            f'<text x="{_fmt(scale.x0 + 8)}" y="{_fmt(text_y)}" font-size="12" fill="{MUTED_TEXT_COLOUR}">'
            "No developments match these filters.</text>"
        )
    for item, (x0, x1), track in zip(lane.items, extents, tracks, strict=True):
        cy = top + LANE_PAD + TRACK_STEP / 2 + track * TRACK_STEP
        colour = CATEGORY_COLOURS.get(item.category, FALLBACK_COLOUR)
        attrs = _marker_attrs(item, colour)
        out.append(
            f'<g class="development" data-development-id="{xml_attr(item.id)}" data-lane="{entity}" '
            f'data-category="{xml_attr(item.category)}"><title>{xml_text(_tooltip(item))}</title>'
        )
        if item.precision != "day":
            out.append(
                f'<rect class="marker" x="{_fmt(x0)}" y="{_fmt(cy - 4)}" width="{_fmt(x1 - x0)}" height="8" rx="2" '
                f"{attrs}/>"
            )
        else:
            shape = CATEGORY_SHAPES.get(item.category, "circle")
            out.append(_shape(shape, (x0 + x1) / 2, cy, MARKER_HALF, f'class="marker" {attrs}'))
        out.append("</g>")
    out.append("</g>")
    return "".join(out), height
