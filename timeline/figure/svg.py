"""The figure as SVG text: every text escaped, a text alternative, tooltips, data attributes for tests."""

from __future__ import annotations

import re
from collections.abc import Sequence

from timeline.figure.layout import layout_figure
from timeline.figure.model import FigureItem, Layout, PlacedLabel
from timeline.figure.style import (
    BAR_HALF,
    CATEGORY_COLOURS,
    CATEGORY_LABELS,
    CATEGORY_SHAPES,
    DATE_SIZE,
    FALLBACK_COLOUR,
    FONT_FAMILY,
    LABEL_PAD,
    LEGEND_SWATCH,
    MARGIN,
    MARKER_HALF,
    MUTED_TEXT_COLOUR,
    RIBBON_HALF,
    TEXT_COLOUR,
    TITLE_LINE,
    TITLE_SIZE,
)
from timeline.figure.text import xml_attr, xml_text


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _shape(shape: str, cx: float, cy: float, half: float, attrs: str) -> str:
    if shape == "square":
        side = half * 1.7
        x, y = _fmt(cx - side / 2), _fmt(cy - side / 2)
        return f'<rect x="{x}" y="{y}" width="{_fmt(side)}" height="{_fmt(side)}" {attrs}/>'
    if shape == "diamond":
        d = half * 1.25
        points = (
            f"{_fmt(cx)},{_fmt(cy - d)} {_fmt(cx + d)},{_fmt(cy)} {_fmt(cx)},{_fmt(cy + d)} {_fmt(cx - d)},{_fmt(cy)}"
        )
        return f'<polygon points="{points}" {attrs}/>'
    if shape == "triangle":
        d = half * 1.2
        points = f"{_fmt(cx)},{_fmt(cy - d)} {_fmt(cx + d)},{_fmt(cy + d * 0.8)} {_fmt(cx - d)},{_fmt(cy + d * 0.8)}"
        return f'<polygon points="{points}" {attrs}/>'
    return f'<circle cx="{_fmt(cx)}" cy="{_fmt(cy)}" r="{_fmt(half * 0.95)}" {attrs}/>'


def _tooltip(item: FigureItem) -> str:
    category = CATEGORY_LABELS.get(item.category, item.category)
    disputed = " (disputed)" if item.disputed else ""
    return f"{item.display_date}: {item.title} [{category}]{disputed}"


def describe(items: Sequence[FigureItem], title: str) -> str:
    """A one-sentence text alternative for the figure."""
    if not items:
        return f"{title}: no developments match." if title else "No developments match."
    first = min(item.date_lower for item in items).year
    last = max(item.date_upper for item in items).year
    years = str(first) if first == last else f"{first} to {last}"
    counts = {label: sum(1 for item in items if item.category == value) for value, label in CATEGORY_LABELS.items()}
    parts = ", ".join(f"{count} {label}" for label, count in counts.items() if count)
    disputed = sum(1 for item in items if item.disputed)
    disputed_text = f"; {disputed} disputed" if disputed else ""
    noun = "development" if len(items) == 1 else "developments"
    lead = f"{title}: " if title else ""
    return f"{lead}a timeline of {len(items)} {noun} from {years} ({parts}{disputed_text})."


def render_svg(
    items: Sequence[FigureItem],
    *,
    title: str = "",
    subtitle: str = "",
    width: float = 1200,
    id_prefix: str = "figure",
    standalone: bool = True,
) -> str:
    """The figure as an SVG document (`standalone`) or as an element to put inline in HTML.

    Every text is escaped here, so the result is safe to embed as is. Raises FigureError for too many items.
    """
    layout = layout_figure(items, title=title, subtitle=subtitle, width=width)
    prefix = re.sub(r"[^A-Za-z0-9_-]", "", id_prefix) or "figure"
    label = describe(items, title)
    out: list[str] = []
    if standalone:
        out.append('<?xml version="1.0" encoding="UTF-8"?>\n')
    w, h = _fmt(layout.width), _fmt(layout.height)
    out.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}" role="img" aria-label="{xml_attr(label)}" '
        f'aria-labelledby="{prefix}-title" class="timeline-figure" '
        f'font-family="{xml_attr(FONT_FAMILY)}" data-count="{len(layout.labels)}">'
    )
    out.append(f'<title id="{prefix}-title">{xml_text(label)}</title>')
    out.append(f'<rect x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/>')
    for y, text, size, bold in layout.header_lines:
        weight = ' font-weight="bold"' if bold else ""
        colour = TEXT_COLOUR if bold else MUTED_TEXT_COLOUR
        out.append(
            f'<text x="{MARGIN}" y="{_fmt(y)}" font-size="{_fmt(size)}"{weight} fill="{colour}">{xml_text(text)}</text>'
        )
    out.append(_svg_legend(layout))
    out.append(_svg_axis(layout))
    if not layout.labels:
        out.append(
            f'<text x="{_fmt(layout.width / 2)}" y="{_fmt(layout.axis_y - 30)}" text-anchor="middle" '
            f'font-size="14" fill="{MUTED_TEXT_COLOUR}">No developments match these filters.</text>'
        )
    # Leader lines first, so markers and labels sit on top of them.
    out.append('<g class="leaders" stroke-width="1">')
    for placed in layout.labels:
        colour = CATEGORY_COLOURS.get(placed.item.category, FALLBACK_COLOUR)
        marker_edge = placed.marker.y0 if placed.side < 0 else placed.marker.y1
        box_edge = placed.box.y1 if placed.side < 0 else placed.box.y0
        out.append(
            f'<line x1="{_fmt(placed.anchor_x)}" y1="{_fmt(marker_edge)}" x2="{_fmt(placed.anchor_x)}" '
            f'y2="{_fmt(box_edge)}" stroke="{colour}"/>'
        )
    out.append("</g>")
    for placed in layout.labels:
        out.append(_svg_development(placed))
    out.append("</svg>\n")
    return "".join(out)


def _marker_attrs(item: FigureItem, colour: str) -> str:
    if item.disputed:
        return f'fill="{colour}" fill-opacity="0.55" stroke="{TEXT_COLOUR}" stroke-width="1.5" stroke-dasharray="3 2"'
    return f'fill="{colour}" stroke="#ffffff" stroke-width="1"'


def _svg_development(placed: PlacedLabel) -> str:
    item = placed.item
    colour = CATEGORY_COLOURS.get(item.category, FALLBACK_COLOUR)
    shape = CATEGORY_SHAPES.get(item.category, "circle")
    data = (
        f'data-development-id="{xml_attr(item.id)}" data-category="{xml_attr(item.category)}" '
        f'data-precision="{xml_attr(item.precision)}"'
    )
    disputed = ' data-disputed="true"' if item.disputed else ""
    out = [f'<g class="development{" disputed" if item.disputed else ""}" {data}{disputed}>']
    out.append(f"<title>{xml_text(_tooltip(item))}</title>")
    attrs = _marker_attrs(item, colour)
    marker = placed.marker
    marker_data = f'class="marker" data-marker="{xml_attr(item.id)}"'
    if placed.is_span:
        out.append(
            f'<rect {marker_data} x="{_fmt(marker.x0)}" y="{_fmt(marker.y0)}" width="{_fmt(marker.x1 - marker.x0)}" '
            f'height="{_fmt(marker.y1 - marker.y0)}" rx="2" {attrs}/>'
        )
    else:
        cx, cy = (marker.x0 + marker.x1) / 2, (marker.y0 + marker.y1) / 2
        out.append(_shape(shape, cx, cy, MARKER_HALF, f"{marker_data} {attrs}"))
    box = placed.box
    if placed.extends_right:
        x, anchor = box.x0 + LABEL_PAD, "start"
    else:
        x, anchor = box.x1 - LABEL_PAD, "end"
    out.append(
        f'<g class="label" data-box="{_fmt(box.x0)} {_fmt(box.y0)} {_fmt(box.x1)} {_fmt(box.y1)}">'
        f'<rect x="{_fmt(box.x0)}" y="{_fmt(box.y0)}" width="{_fmt(box.x1 - box.x0)}" '
        f'height="{_fmt(box.y1 - box.y0)}" fill="#ffffff" fill-opacity="0.9"/>'
    )
    y = box.y0 + 3 + DATE_SIZE
    date_line, *title_lines = placed.lines
    out.append(
        f'<text x="{_fmt(x)}" y="{_fmt(y)}" text-anchor="{anchor}" font-size="{_fmt(DATE_SIZE)}" '
        f'font-weight="bold" fill="{MUTED_TEXT_COLOUR}">{xml_text(date_line)}</text>'
    )
    y += 1.5
    for line in title_lines:
        y += TITLE_LINE
        out.append(
            f'<text x="{_fmt(x)}" y="{_fmt(y)}" text-anchor="{anchor}" font-size="{_fmt(TITLE_SIZE)}" '
            f'fill="{TEXT_COLOUR}">{xml_text(line)}</text>'
        )
    out.append("</g></g>")
    return "".join(out)


def _svg_axis(layout: Layout) -> str:
    top, bottom = layout.axis_y - RIBBON_HALF, layout.axis_y + RIBBON_HALF
    x0, x1 = layout.plot_x0, layout.plot_x1
    out = [
        '<g class="axis">',
        f'<rect x="{_fmt(x0)}" y="{_fmt(top)}" width="{_fmt(x1 - x0)}" height="{_fmt(2 * RIBBON_HALF)}" '
        'fill="#f1f3f5" stroke="#868e96" stroke-width="1"/>',
    ]
    for tick in layout.ticks:
        if tick.major:
            out.append(
                f'<line x1="{_fmt(tick.x)}" y1="{_fmt(top)}" x2="{_fmt(tick.x)}" y2="{_fmt(bottom)}" '
                'stroke="#868e96" stroke-width="1"/>'
            )
        else:
            out.append(
                f'<line x1="{_fmt(tick.x)}" y1="{_fmt(bottom - 4)}" x2="{_fmt(tick.x)}" y2="{_fmt(bottom)}" '
                'stroke="#adb5bd" stroke-width="1"/>'
            )
    for label in layout.tick_labels:
        out.append(
            f'<text class="tick" x="{_fmt(label.x)}" y="{_fmt(layout.axis_y + 4)}" text-anchor="middle" '
            f'font-size="12" fill="{TEXT_COLOUR}">{xml_text(label.text)}</text>'
        )
    out.append("</g>")
    return "".join(out)


def _svg_legend(layout: Layout) -> str:
    out = ['<g class="legend">']
    for entry in layout.legend:
        cx, cy = entry.x + 7, entry.y - 4
        if entry.kind in CATEGORY_COLOURS:
            colour = CATEGORY_COLOURS[entry.kind]
            out.append(_shape(CATEGORY_SHAPES[entry.kind], cx, cy, MARKER_HALF, f'fill="{colour}"'))
        elif entry.kind == "span":
            out.append(
                f'<rect x="{_fmt(entry.x - 2)}" y="{_fmt(cy - BAR_HALF)}" width="18" height="{_fmt(2 * BAR_HALF)}" '
                f'rx="2" fill="{MUTED_TEXT_COLOUR}"/>'
            )
        else:
            out.append(_shape("circle", cx, cy, MARKER_HALF, _marker_attrs_disputed_sample()))
        out.append(
            f'<text x="{_fmt(entry.x + LEGEND_SWATCH)}" y="{_fmt(entry.y)}" font-size="12" '
            f'fill="{TEXT_COLOUR}">{xml_text(entry.text)}</text>'
        )
    out.append("</g>")
    return "".join(out)


def _marker_attrs_disputed_sample() -> str:
    return f'fill="#ffffff" stroke="{TEXT_COLOUR}" stroke-width="1.5" stroke-dasharray="3 2"'
