"""Figure 1 as SVG (and PNG): a horizontal timeline of developments, coloured by category, labels never overlapping.

`render_svg` is a pure function of a list of `FigureItem`s: no database, no request. `layout_figure` computes
every position (ticks, markers, label boxes) so tests can check the geometry the SVG is drawn from.

Layout, in short: the time axis is a ribbon across the figure with tick intervals labelled inside it. Each
development gets a marker next to the ribbon (a shape for a day, a bar from `date_lower` to `date_upper` for a
month, quarter, year or interval) and a label in a lane above or below, joined by a vertical leader line.
Lanes are assigned so that no two label boxes intersect and no leader line runs through another label.
"""

from timeline.figure.entity_lanes import MAX_ENTITY_LANES, EntityLane, render_entity_lanes_svg
from timeline.figure.layout import layout_figure
from timeline.figure.model import Box, FigureError, FigureItem, Layout, PlacedLabel, figure_items
from timeline.figure.png import PngUnavailableError, render_png
from timeline.figure.style import CATEGORY_COLOURS, CATEGORY_LABELS, CATEGORY_SHAPES, MAX_FIGURE_ITEMS
from timeline.figure.svg import describe, render_svg
from timeline.figure.text import text_width, wrap_text, xml_attr, xml_text

__all__ = [
    "CATEGORY_COLOURS",
    "CATEGORY_LABELS",
    "CATEGORY_SHAPES",
    "MAX_ENTITY_LANES",
    "MAX_FIGURE_ITEMS",
    "Box",
    "EntityLane",
    "FigureError",
    "FigureItem",
    "Layout",
    "PlacedLabel",
    "PngUnavailableError",
    "describe",
    "figure_items",
    "layout_figure",
    "render_entity_lanes_svg",
    "render_png",
    "render_svg",
    "text_width",
    "wrap_text",
    "xml_attr",
    "xml_text",
]
