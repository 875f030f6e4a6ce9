"""The Figure 1 renderer: labels never overlap, the axis fits the range, fuzzy dates are spans, disputed ones are
marked, retracted ones are left out, every text is escaped, and the PNG is the same picture.

Most tests need no database (the renderer is a pure function); the report's figure is loaded through the real
loader. The PNG tests need the cairo library (Debian: libcairo2); they skip with that reason without it.
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from io import BytesIO

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline import services
from timeline.figure import (
    CATEGORY_COLOURS,
    MAX_FIGURE_ITEMS,
    FigureError,
    FigureItem,
    PngUnavailableError,
    figure_items,
    layout_figure,
    render_png,
    render_svg,
    text_width,
)
from timeline.figure.scale import choose_scale
from timeline.figure.style import MUTED_TEXT_COLOUR, TEXT_COLOUR
from timeline.selectors import TimelineFilters, timeline_developments

SVG = "{http://www.w3.org/2000/svg}"
FIGURE_1 = "deepseek-development"


def item(
    key: str,
    lower: date,
    upper: date | None = None,
    *,
    precision: str = "day",
    category: str = "corporate",
    title: str = "",
    disputed: bool = False,
) -> FigureItem:
    return FigureItem(
        id=key,
        title=title or f"Development {key} with a title long enough to wrap onto a second line",
        display_date=lower.isoformat(),
        date_lower=lower,
        date_upper=upper or lower,
        precision=precision,
        category=category,
        disputed=disputed,
    )


def month(year: int, number: int, key: str, **kwargs: object) -> FigureItem:
    first = date(year, number, 1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return item(key, first, last, precision="month", **kwargs)  # type: ignore[arg-type]


def year(value: int, key: str, **kwargs: object) -> FigureItem:
    return item(key, date(value, 1, 1), date(value, 12, 31), precision="year", **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def report_items(db: None) -> list[FigureItem]:
    call_command("load_deepseek_timeline", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return figure_items(timeline_developments(TimelineFilters(timeline=FIGURE_1)))


def assert_no_label_overlaps_or_crossings(items: list[FigureItem], width: float = 1200) -> None:
    layout = layout_figure(items, title="Figure", width=width)
    assert len(layout.labels) == len(items)
    for index, label in enumerate(layout.labels):
        box = label.box
        assert 0 <= box.x0 < box.x1 <= layout.width and 0 <= box.y0 < box.y1 <= layout.height
        for other in layout.labels[index + 1 :]:
            assert not box.intersects(other.box), (label.item.title, other.item.title)
        # The leader runs from the marker to the label; it must not pass through any other label.
        top, bottom = sorted(
            (label.marker.y0 if label.side < 0 else label.marker.y1, box.y1 if label.side < 0 else box.y0)
        )
        for other in layout.labels:
            if other is not label:
                crossed = other.box.x0 < label.anchor_x < other.box.x1 and top < other.box.y1 and other.box.y0 < bottom
                assert not crossed, f"the leader of {label.item.id} runs through the label of {other.item.id}"
        # The leader touches its own box and lies within the marker's extent.
        assert box.x0 <= label.anchor_x <= box.x1
        assert label.marker.x0 - 0.01 <= label.anchor_x <= label.marker.x1 + 0.01


# ---- the report's Figure 1 ------------------------------------------------------------------------------


def test_the_report_figure_has_one_marker_and_one_label_per_development(report_items: list[FigureItem]) -> None:
    assert 15 <= len(report_items) <= 25
    root = ET.fromstring(render_svg(report_items, title="Figure 1"))
    markers = root.findall(f".//{SVG}*[@data-marker]")
    assert sorted(m.get("data-marker") for m in markers) == sorted(i.id for i in report_items)
    groups = root.findall(f".//{SVG}g[@data-development-id]")
    assert len(groups) == len(report_items)
    texts = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert "DeepSeek releases R1 reasoning model" in texts
    assert "Oct 7, 2022" in texts


def test_no_two_labels_of_the_report_figure_overlap_and_no_leader_crosses_a_label(
    report_items: list[FigureItem],
) -> None:
    assert_no_label_overlaps_or_crossings(report_items)
    assert_no_label_overlaps_or_crossings(report_items, width=900)


def _rough_width(text: str, size: float) -> float:
    """An estimate independent of the renderer's font table: a width per kind of character."""
    total = 0.0
    for char in text:
        if char in ".,:;'|!ilIjft()[]":
            total += 0.3
        elif char == " ":
            total += 0.28
        elif char in "mwMW":
            total += 0.85
        elif char.isupper():
            total += 0.68
        elif char.isdigit():
            total += 0.56
        else:
            total += 0.55
    return total * size * 0.95


def test_each_label_text_fits_its_box_by_an_independent_width_estimate(report_items: list[FigureItem]) -> None:
    root = ET.fromstring(render_svg(report_items, title="Figure 1"))
    extents = []
    for group in root.iter(f"{SVG}g"):
        if group.get("class") != "label":
            continue
        x0, y0, x1, y1 = map(float, group.get("data-box", "").split())
        lines = []
        for text in group.iter(f"{SVG}text"):
            width = _rough_width(text.text or "", float(text.get("font-size", "12")))
            x = float(text.get("x", "0"))
            left, right = (x, x + width) if text.get("text-anchor") != "end" else (x - width, x)
            slack = 0.06 * (x1 - x0)
            assert x0 - slack <= left and right <= x1 + slack, (text.text, (left, right), (x0, x1))
            assert y0 <= float(text.get("y", "0")) <= y1
            lines.append((left, right))
        extents.append((min(a for a, _ in lines), y0, max(b for _, b in lines), y1))
    assert len(extents) == len(report_items)
    for index, (ax0, ay0, ax1, ay1) in enumerate(extents):
        for bx0, by0, bx1, by1 in extents[index + 1 :]:
            assert not (ax0 < bx1 and bx0 < ax1 and ay0 < by1 and by0 < ay1)


def test_retracted_developments_are_left_out(report_items: list[FigureItem]) -> None:
    gone = report_items[3]
    services.development_retract(development_id=gone.id, reason="Withdrawn for the test")
    rows = list(timeline_developments(TimelineFilters(timeline=FIGURE_1, include_retracted=True)))
    assert any(str(row.pk) == gone.id for row in rows)  # the selector can still return it ...
    items = figure_items(rows)  # ... but the figure never draws it
    assert gone.id not in {i.id for i in items} and len(items) == len(report_items) - 1
    assert gone.title not in render_svg(items)


# ---- geometry for any input -----------------------------------------------------------------------------

precisions = st.sampled_from(["day", "month", "year", "interval"])


@st.composite
def figure_inputs(draw: st.DrawFn) -> list[FigureItem]:
    count = draw(st.integers(min_value=1, max_value=30))
    span_days = draw(st.sampled_from([20, 120, 500, 2000, 4000]))
    start = date(2015, 1, 1)
    items = []
    for index in range(count):
        lower = start + timedelta(days=draw(st.integers(0, span_days)))
        precision = draw(precisions)
        if precision == "month":
            new = month(lower.year, lower.month, f"d{index}")
        elif precision == "year":
            new = year(lower.year, f"d{index}")
        elif precision == "interval":
            new = item(f"d{index}", lower, lower + timedelta(days=draw(st.integers(1, 400))), precision="interval")
        else:
            new = item(f"d{index}", lower)
        words = draw(st.integers(1, 18))
        items.append(
            FigureItem(**{**new.__dict__, "title": " ".join(["Nvidia", "export", "controls"] * 6)[: words * 7]})
        )
    return items


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(figure_inputs())
def test_labels_never_overlap_whatever_the_dates(items: list[FigureItem]) -> None:
    layout = layout_figure(items, title="Any")
    assert sorted(label.item.id for label in layout.labels) == sorted(i.id for i in items)
    for index, label in enumerate(layout.labels):
        assert label.box.x0 >= 0 and label.box.x1 <= layout.width
        for other in layout.labels[index + 1 :]:
            assert not label.box.intersects(other.box)


def test_a_cluster_of_dates_stacks_without_crossings() -> None:
    cluster = [item(f"c{day}", date(2025, 1, 20) + timedelta(days=day)) for day in range(0, 12, 2)]
    assert_no_label_overlaps_or_crossings([year(2015, "early"), *cluster, month(2024, 12, "dec")])


# ---- axis ------------------------------------------------------------------------------------------------


def tick_texts(items: list[FigureItem]) -> list[str]:
    return [label.text for label in layout_figure(items).tick_labels]


def test_a_decade_gets_year_ticks() -> None:
    assert tick_texts([year(2015, "a"), item("b", date(2025, 2, 17))]) == [str(y) for y in range(2015, 2026)]


def test_a_few_years_get_quarter_ticks_and_a_few_months_get_month_ticks() -> None:
    quarters = tick_texts([item("a", date(2022, 2, 1)), item("b", date(2024, 5, 30))])
    assert quarters == ["Q1 2022", "Q2", "Q3", "Q4", "Q1 2023", "Q2", "Q3", "Q4", "Q1 2024", "Q2"]
    months = tick_texts([item("a", date(2024, 11, 3)), item("b", date(2025, 2, 17))])
    assert months == ["Nov 2024", "Dec", "Jan 2025", "Feb"]


def test_the_axis_covers_every_development_and_starts_and_ends_on_a_tick() -> None:
    start, end, step = choose_scale(date(2015, 6, 1), date(2025, 2, 17), 1100)
    assert (start, end, step) == (date(2015, 1, 1), date(2026, 1, 1), 12)
    layout = layout_figure([item("a", date(2015, 6, 1)), item("b", date(2025, 2, 17))])
    majors = [tick.x for tick in layout.ticks if tick.major]
    assert majors[0] == pytest.approx(layout.plot_x0) and majors[-1] == pytest.approx(layout.plot_x1)
    for label in layout.labels:
        assert layout.plot_x0 <= label.marker.x0 <= label.marker.x1 <= layout.plot_x1


# ---- markers ---------------------------------------------------------------------------------------------


def marker_of(svg: str, key: str) -> ET.Element:
    root = ET.fromstring(svg)
    found = root.findall(f".//{SVG}*[@data-marker='{key}']")
    assert len(found) == 1
    return found[0]


def test_fuzzy_dates_are_bars_from_their_lower_to_their_upper_bound_and_a_day_is_a_dot() -> None:
    items = [
        item("day", date(2022, 10, 7), category="government"),
        month(2023, 10, "month"),
        item("quarter", date(2024, 10, 1), date(2024, 12, 31), precision="quarter"),
        year(2019, "year"),
    ]
    layout = layout_figure(items)
    scale = (layout.plot_x1 - layout.plot_x0) / (layout.end - layout.start).days

    def x(day: date) -> float:
        return layout.plot_x0 + (day - layout.start).days * scale

    placed = {label.item.id: label for label in layout.labels}
    for key, lower, upper in [
        ("month", date(2023, 10, 1), date(2023, 11, 1)),
        ("quarter", date(2024, 10, 1), date(2025, 1, 1)),
        ("year", date(2019, 1, 1), date(2020, 1, 1)),
    ]:
        assert placed[key].marker.x0 == pytest.approx(x(lower))
        assert placed[key].marker.x1 == pytest.approx(x(upper))
    svg = render_svg(items)
    assert marker_of(svg, "year").tag == f"{SVG}rect"
    assert marker_of(svg, "day").tag != f"{SVG}rect" or marker_of(svg, "day").get("rx") is None
    assert placed["day"].marker.x1 - placed["day"].marker.x0 < 12  # a dot, not a span


def test_markers_are_coloured_by_category_and_the_legend_names_every_category() -> None:
    items = [item(category, date(2020 + i, 3, 1), category=category) for i, category in enumerate(CATEGORY_COLOURS)]
    svg = render_svg(items)
    for category, colour in CATEGORY_COLOURS.items():
        assert marker_of(svg, category).get("fill") == colour
    root = ET.fromstring(svg)
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "legend")
    names = ["".join(t.itertext()) for t in legend.iter(f"{SVG}text")]
    assert names[:4] == ["Corporate", "Government", "GPU acquisition", "Technology"]
    assert "Disputed" in names


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(colour: str, background: str = "#ffffff") -> float:
    high, low = sorted((_luminance(colour), _luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_palette_has_good_contrast_on_white() -> None:
    assert all(contrast(colour) >= 3.0 for colour in CATEGORY_COLOURS.values())  # WCAG 1.4.11, graphics
    assert contrast(TEXT_COLOUR) >= 7 and contrast(MUTED_TEXT_COLOUR) >= 4.5  # text
    assert len(set(CATEGORY_COLOURS.values())) == 4


def test_disputed_developments_have_a_dashed_outline_and_say_so() -> None:
    svg = render_svg(
        [item("smic-yield", date(2025, 2, 24), category="technology", disputed=True), item("b", date(2025, 1, 20))]
    )
    marker = marker_of(svg, "smic-yield")
    assert marker.get("stroke-dasharray")
    assert marker_of(svg, "b").get("stroke-dasharray") is None
    root = ET.fromstring(svg)
    group = root.find(f".//{SVG}g[@data-development-id='smic-yield']")
    assert group is not None and group.get("data-disputed") == "true"
    assert "disputed" in (group.findtext(f"{SVG}title") or "")
    assert any("disputed" in (t.text or "") for t in group.iter(f"{SVG}text"))


# ---- text: escaping and accessibility --------------------------------------------------------------------


def test_a_hostile_title_comes_out_as_inert_text() -> None:
    hostile = '<script>alert("x")</script> & <img src=x onerror=alert(1)> \x07bell'
    svg = render_svg([item("evil", date(2024, 1, 1), title=hostile)], title='Title "quoted" <b>')
    assert "<script" not in svg and "<img" not in svg and "\x07" not in svg
    root = ET.fromstring(svg)  # still well-formed XML
    assert not [e for e in root.iter() if e.tag.split("}")[-1] in ("script", "img", "foreignObject")]
    assert not [e for e in root.iter() for name in e.attrib if name.lower().startswith("on")]
    texts = "".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert "<script>alert" in texts  # shown as the text it is
    assert '<script>alert("x")</script>' in (root.find(f".//{SVG}g[@data-development-id='evil']/{SVG}title").text or "")


def test_the_svg_is_an_image_with_a_text_alternative_and_tooltips() -> None:
    items = [item("a", date(2023, 1, 5)), month(2024, 5, "b", category="technology", title="DeepSeek-V2")]
    root = ET.fromstring(render_svg(items, title="Timeline of Major Events"))
    assert root.get("role") == "img"
    label = root.get("aria-label") or ""
    assert label.startswith("Timeline of Major Events: a timeline of 2 developments from 2023 to 2024")
    assert "1 Technology" in label
    assert root[0].tag == f"{SVG}title"
    group = root.find(f".//{SVG}g[@data-development-id='b']")
    assert group is not None and "DeepSeek-V2" in (group.findtext(f"{SVG}title") or "")


def test_an_inline_figure_has_no_xml_declaration_and_unique_ids_by_prefix() -> None:
    svg = render_svg([item("a", date(2023, 1, 5))], standalone=False, id_prefix="page-figure")
    assert svg.startswith("<svg") and 'id="page-figure-title"' in svg
    assert render_svg([item("a", date(2023, 1, 5))]).startswith("<?xml")


def test_a_long_title_and_subtitle_stay_inside_the_figure() -> None:
    layout = layout_figure([item("a", date(2023, 1, 5))], title="T " * 400, subtitle="q=" + "x" * 5000, width=600)
    assert len(layout.header_lines) == 4
    assert all(text_width(text, size, bold=bold) <= 600 - 32 for _, text, size, bold in layout.header_lines)


def test_an_empty_list_draws_an_empty_figure_that_says_so() -> None:
    svg = render_svg([], title="Nothing")
    root = ET.fromstring(svg)
    assert root.findall(f".//{SVG}*[@data-marker]") == []
    assert "No developments match" in svg


def test_too_many_developments_are_refused_with_a_clear_message() -> None:
    items = [item(f"x{i}", date(2020, 1, 1) + timedelta(days=i)) for i in range(MAX_FIGURE_ITEMS + 1)]
    with pytest.raises(FigureError, match="narrow the filters"):
        render_svg(items)


def test_a_long_title_is_wrapped_and_shortened_with_an_ellipsis_but_kept_whole_in_the_tooltip() -> None:
    title = "word " * 60
    layout = layout_figure([item("long", date(2023, 1, 1), title=title)])
    lines = layout.labels[0].lines
    assert len(lines) == 4 and lines[-1].endswith("…")  # the date line and three title lines
    svg = render_svg([item("long", date(2023, 1, 1), title=title)])
    assert title.strip() in svg


# ---- PNG -------------------------------------------------------------------------------------------------


def _png_or_skip(svg: str, scale: float) -> bytes:
    try:
        return render_png(svg, scale=scale)
    except PngUnavailableError as error:
        pytest.skip(f"no cairo library: {error}")


def test_the_png_is_the_svg_rasterised_at_the_asked_scale() -> None:
    from PIL import Image

    items = [item(category, date(2020 + i, 3, 1), category=category) for i, category in enumerate(CATEGORY_COLOURS)]
    layout = layout_figure(items, title="PNG")
    png = _png_or_skip(render_svg(items, title="PNG"), scale=1.5)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(BytesIO(png)).convert("RGB")
    assert image.size == (round(layout.width * 1.5), round(layout.height * 1.5))
    colours = {colour for _, colour in image.getcolors(maxcolors=1_000_000) or []}
    for colour in CATEGORY_COLOURS.values():
        rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
        assert rgb in colours, f"no {colour} marker pixels in the PNG"


def test_without_the_cairo_library_png_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cairosvg", None)  # as if importing it failed
    with pytest.raises(PngUnavailableError, match=re.escape("libcairo2")):
        render_png(render_svg([item("a", date(2023, 1, 1))]))
