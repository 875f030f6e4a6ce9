"""The figure as drawn: every label and legend entry, measured in the fonts that draw it, stays on the canvas
and clear of every other, for the report's Figure 1, for all of the report's developments at once and for dense
generated timelines.

The text is measured with cairo, the library cairosvg draws the PNG with, in each font the figure may be drawn in
(Liberation Sans, and DejaVu Sans where Liberation Sans is missing), with the SVG's own text settings; and the
PNG itself is checked for ink at the right edge. Needs the cairo library and fontconfig with both fonts
(Debian: libcairo2 fonts-liberation fonts-dejavu-core); skips saying which is missing. No servers; the report's
figure is loaded into the test database through the real loader.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from io import BytesIO

import pytest
from django.core.management import call_command

from timeline.figure import FigureItem, figure_items, render_png, render_svg
from timeline.figure.style import FONT_FAMILY
from timeline.selectors import TimelineFilters, timeline_developments
from timeline.taxonomy import Category

SVG = "{http://www.w3.org/2000/svg}"
FONTS = ("Liberation Sans", "DejaVu Sans")


def _installed(family: str) -> bool:
    if not shutil.which("fc-list"):
        return False
    listed = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, check=False).stdout
    return any(family in line.split(",") for line in listed.splitlines())


@pytest.fixture(params=FONTS)
def font(request: pytest.FixtureRequest) -> str:
    try:
        import cairosvg  # noqa: F401
    except (ImportError, OSError) as error:
        pytest.skip(f"no cairo library: {error}")
    family = str(request.param)
    if not _installed(family):
        pytest.skip(f"fontconfig has no {family} (Debian: fonts-liberation, fonts-dejavu-core)")
    return family


@dataclass(frozen=True)
class Rect:
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Rect) -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1

    def inside(self, other: Rect, slack: float = 0.0) -> bool:
        return (
            other.x0 - slack <= self.x0
            and self.x1 <= other.x1 + slack
            and other.y0 - slack <= self.y0
            and self.y1 <= other.y1 + slack
        )


def union(rects: list[Rect]) -> Rect:
    return Rect(min(r.x0 for r in rects), min(r.y0 for r in rects), max(r.x1 for r in rects), max(r.y1 for r in rects))


class Measure:
    """Ink boxes of SVG text as cairosvg draws it: the same font face, size, weight, anchor and hinting."""

    def __init__(self, family: str, text_rendering: str | None) -> None:
        import cairocffi as cairo
        from cairosvg.surface import TEXT_HINT_METRICS, TEXT_HINT_STYLE

        self.cairo = cairo
        self.family = family
        self.context = cairo.Context(cairo.ImageSurface(cairo.FORMAT_ARGB32, 1, 1))
        options = cairo.FontOptions()
        options.set_hint_metrics(TEXT_HINT_METRICS.get(text_rendering, cairo.HINT_METRICS_DEFAULT))
        options.set_hint_style(TEXT_HINT_STYLE.get(text_rendering, cairo.HINT_STYLE_DEFAULT))
        self.context.set_font_options(options)

    def text(self, element: ET.Element) -> Rect:
        weight = self.cairo.FONT_WEIGHT_BOLD if element.get("font-weight") == "bold" else self.cairo.FONT_WEIGHT_NORMAL
        self.context.select_font_face(self.family, self.cairo.FONT_SLANT_NORMAL, weight)
        self.context.set_font_size(float(element.get("font-size", "12")))
        x_bearing, y_bearing, width, height, _, _ = self.context.text_extents(element.text or "")
        x, y = float(element.get("x", "0")), float(element.get("y", "0"))
        anchor = element.get("text-anchor", "start")
        left = {"start": x + x_bearing, "middle": x - width / 2, "end": x - width}[anchor]
        return Rect(left, y + y_bearing, left + width, y + y_bearing + height)


def shape_box(element: ET.Element) -> Rect:
    tag = element.tag.removeprefix(SVG)
    if tag == "circle":
        cx, cy, r = (float(element.get(name, "0")) for name in ("cx", "cy", "r"))
        return Rect(cx - r, cy - r, cx + r, cy + r)
    if tag == "rect":
        x, y, w, h = (float(element.get(name, "0")) for name in ("x", "y", "width", "height"))
        return Rect(x, y, x + w, y + h)
    assert tag == "polygon", tag
    points = [tuple(map(float, pair.split(","))) for pair in (element.get("points") or "").split()]
    return union([Rect(x, y, x, y) for x, y in points])


@dataclass
class Drawn:
    canvas: Rect
    labels: list[tuple[str, Rect, Rect]]  # (text, ink box of its lines, the box layout reserved)
    legend: list[tuple[str, Rect]]  # (text, swatch and text)
    other_text: list[tuple[str, Rect]]  # header and tick labels


def in_font(svg: str, family: str) -> str:
    """The SVG drawn in `family` only, as on a machine where that is the font fontconfig finds."""
    quoted = FONT_FAMILY.replace("'", "&#x27;")
    assert f'font-family="{quoted}"' in svg
    return svg.replace(f'font-family="{quoted}"', f'font-family="&#x27;{family}&#x27;, sans-serif"')


def drawn(svg: str, family: str) -> Drawn:
    root = ET.fromstring(svg)
    measure = Measure(family, root.get("text-rendering"))
    canvas = Rect(0, 0, float(root.get("width", "0")), float(root.get("height", "0")))
    labels = []
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "label":
            texts = list(group.iter(f"{SVG}text"))
            reserved = Rect(*map(float, (group.get("data-box") or "").split()))
            ink = union([measure.text(t) for t in texts])
            labels.append((" ".join(t.text or "" for t in texts), ink, reserved))
    legend_group = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "legend")
    legend = []
    swatches: list[Rect] = []
    for element in legend_group:
        if element.tag == f"{SVG}text":
            legend.append((element.text or "", union([*swatches, measure.text(element)])))
            swatches = []
        else:
            swatches.append(shape_box(element))
    axis = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "axis")
    other_text = [(t.text or "", measure.text(t)) for t in [*root.findall(f"{SVG}text"), *axis.iter(f"{SVG}text")]]
    return Drawn(canvas, labels, legend, other_text)


def assert_everything_fits_and_nothing_overlaps(svg: str, family: str) -> None:
    figure = drawn(in_font(svg, family), family)
    assert figure.labels and len(figure.legend) == 6
    for text, ink, reserved in figure.labels:
        assert ink.inside(figure.canvas), f"{text!r} leaves the canvas in {family}: {ink} vs {figure.canvas}"
        # The renderer draws no wider than layout measured, so the box layout kept free holds the text.
        assert ink.inside(reserved, slack=0.5), f"{text!r} overflows its box in {family}: {ink} vs {reserved}"
    for text, box in figure.legend + figure.other_text:
        assert box.inside(figure.canvas), f"{text!r} leaves the canvas in {family}: {box}"
    boxes = [(text, ink) for text, ink, _ in figure.labels] + figure.legend
    for index, (text, box) in enumerate(boxes):
        for other, other_box in boxes[index + 1 :]:
            assert not box.overlaps(other_box), f"{text!r} overlaps {other!r} in {family}"


def assert_no_ink_at_the_right_edge(svg: str, family: str) -> None:
    """Rasterised, the last columns are blank: no label is cut off by the canvas ("...$600 billio")."""
    from PIL import Image

    image = Image.open(BytesIO(render_png(in_font(svg, family), scale=1))).convert("L")
    width, height = image.size
    edge = image.crop((width - 3, 0, width, height))
    assert edge.getextrema()[0] == 255, f"ink in the last 3 px columns with {family}"


# ---- the report's Figure 1 ------------------------------------------------------------------------------


@pytest.fixture
def report_svg_items(db: None) -> list[FigureItem]:
    call_command("load_deepseek_timeline", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return figure_items(timeline_developments(TimelineFilters(timeline="deepseek-development")))


@pytest.mark.parametrize("width", [1200, 900, 480])
def test_the_report_figure_keeps_every_label_and_legend_entry_on_the_canvas_and_apart(
    report_svg_items: list[FigureItem], font: str, width: int
) -> None:
    svg = render_svg(report_svg_items, title="Timeline of Major Events in DeepSeek's Development", width=width)
    assert_everything_fits_and_nothing_overlaps(svg, font)
    assert_no_ink_at_the_right_edge(svg, font)


@pytest.mark.parametrize("width", [1200, 700])
def test_every_development_of_the_report_in_one_figure_stays_on_the_canvas_and_apart(
    report_svg_items: list[FigureItem], font: str, width: int
) -> None:
    everything = figure_items(timeline_developments(TimelineFilters()))
    assert len(everything) > len(report_svg_items)  # the whole report, not only Figure 1
    svg = render_svg(everything, title="DeepSeek, Huawei, Export Controls", width=width)
    assert_everything_fits_and_nothing_overlaps(svg, font)
    assert_no_ink_at_the_right_edge(svg, font)


def test_the_report_figure_shows_the_nvidia_label_whole(report_svg_items: list[FigureItem], font: str) -> None:
    figure = drawn(in_font(render_svg(report_svg_items, width=1200), font), font)
    title = "Nvidia loses more than $600 billion in market value in a single day"
    nvidia = [ink for text, ink, _ in figure.labels if text.endswith(title)]
    assert len(nvidia) == 1 and nvidia[0].x1 <= figure.canvas.x1


# ---- a dense generated timeline -------------------------------------------------------------------------

WORDS = ("Nvidia", "WWWW", "Huawei", "SMIC", "Ascend", "export", "controls", "$600 billion", "MMM", "fritter", "7 nm")


def dense_items(count: int, seed: int) -> Iterator[FigureItem]:
    """Many developments in a short span, titles full of wide glyphs, every precision and category."""
    rng = random.Random(seed)
    categories = [str(value) for value in Category.values]
    for index in range(count):
        lower = date(2024, 6, 1) + timedelta(days=rng.randrange(0, 300))
        precision = rng.choice(["day", "day", "month", "interval"])
        upper = lower + timedelta(days={"day": 0, "month": 30, "interval": rng.randrange(20, 200)}[precision])
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(2, 14)))
        yield FigureItem(
            id=f"d{index}",
            title=title,
            display_date=lower.strftime("%b %-d, %Y") if precision == "day" else f"{lower:%b %Y} – {upper:%b %Y}",
            date_lower=lower,
            date_upper=upper,
            precision=precision,
            category=rng.choice(categories),
            disputed=rng.random() < 0.2,
        )


@pytest.mark.parametrize(("count", "width", "seed"), [(60, 1200, 14), (30, 640, 7), (12, 480, 3)])
def test_a_dense_figure_keeps_every_label_and_legend_entry_on_the_canvas_and_apart(
    font: str, count: int, width: int, seed: int
) -> None:
    svg = render_svg(list(dense_items(count, seed)), title="Dense", width=width)
    assert_everything_fits_and_nothing_overlaps(svg, font)
    assert_no_ink_at_the_right_edge(svg, font)
