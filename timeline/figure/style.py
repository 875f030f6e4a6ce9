"""The figure's look: colours and shapes per category, fonts, and the geometry every part shares."""

from __future__ import annotations

from timeline.taxonomy import Category

# Okabe-Ito hues (distinguishable with the common colour-vision deficiencies), each at least 3:1 against
# white (WCAG 1.4.11 for graphics); the purple is darkened from Okabe-Ito's #CC79A7 (3.06:1) to 4.4:1.
# Each category also has its own marker shape, so colour is never the only cue.
CATEGORY_COLOURS: dict[str, str] = {
    Category.CORPORATE: "#0072B2",
    Category.GOVERNMENT: "#D55E00",
    Category.GPU_ACQUISITION: "#009E73",
    Category.TECHNOLOGY: "#B4589A",
}
CATEGORY_SHAPES: dict[str, str] = {
    Category.CORPORATE: "circle",
    Category.GOVERNMENT: "square",
    Category.GPU_ACQUISITION: "diamond",
    Category.TECHNOLOGY: "triangle",
}
FALLBACK_COLOUR = "#495057"
TEXT_COLOUR = "#212529"  # 15.4:1 on white
MUTED_TEXT_COLOUR = "#495057"  # 8.2:1 on white
# The fonts text.py has the widths of (Arial and Helvetica share Liberation Sans's metrics); a browser that has
# none of them falls back to DejaVu Sans before any other sans-serif.
FONT_FAMILY = "'Liberation Sans', Arial, Helvetica, 'DejaVu Sans', sans-serif"

# The most developments one figure draws; beyond this nobody can read the labels, so callers narrow the filters.
MAX_FIGURE_ITEMS = 150

# Geometry (px).
MARGIN = 16
LABEL_TEXT_WIDTH = 190
LABEL_PAD = 5
DATE_SIZE = 11.0
TITLE_SIZE = 12.0
DATE_LINE = 14.0
TITLE_LINE = 14.5
MAX_TITLE_LINES = 3
LANE_GAP = 8.0
LABEL_GAP = 14.0  # horizontal air between label boxes and around leader lines
RIBBON_HALF = 11.0
TRACK_STEP = 12.0
TRACK_FIRST = 9.0
MARKER_HALF = 5.5
BAR_HALF = 4.0
MIN_BAR_WIDTH = 4.0
MAX_LANES = 40
LEGEND_SWATCH = 22.0

CATEGORY_LABELS: dict[str, str] = {str(value): str(label) for value, label in Category.choices}
