"""/api/timelines/{slug}/figure.svg and .png: the figure with the API's filters, as_of, errors and caching.

The PNG tests need the cairo library (Debian: libcairo2) and skip with that reason without it; the test of
the 503 pretends it is missing.
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.test import Client

from events import store
from tests.web.conftest import FIGURE_1, figure_developments
from timeline import services
from timeline.figure import PngUnavailableError, render_png
from timeline.models import NamedTimeline

SVG_URL = f"/api/timelines/{FIGURE_1}/figure.svg"
PNG_URL = f"/api/timelines/{FIGURE_1}/figure.png"
SVG = "{http://www.w3.org/2000/svg}"


def marker_ids(body: bytes) -> list[str]:
    root = ET.fromstring(body)
    return sorted(str(m.get("data-marker")) for m in root.findall(f".//{SVG}*[@data-marker]"))


def test_the_svg_draws_one_marker_per_development_of_the_named_timeline(client: Client, report: NamedTimeline) -> None:
    response = client.get(SVG_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert marker_ids(response.content) == sorted(str(d.pk) for d in figure_developments(report))
    assert b"Timeline of Major Events in DeepSeek&#x27;s Development" in response.content


def test_the_api_filters_apply_to_the_figure(client: Client, report: NamedTimeline) -> None:
    response = client.get(SVG_URL, {"category": "government,technology", "from": "2023"})
    expected = [
        str(d.pk)
        for d in figure_developments(report)
        if d.category in ("government", "technology") and d.date_upper.year >= 2023
    ]
    assert response.status_code == 200 and expected
    assert marker_ids(response.content) == sorted(expected)
    assert b"filtered by category=government,technology, from=2023" in response.content


def test_as_of_draws_the_timeline_as_it_was(client: Client, report: NamedTimeline) -> None:
    development = figure_developments(report)[0]
    before = store.last_position()
    services.development_retract(development_id=development.pk, reason="Withdrawn")
    services.timeline_define(  # renamed later: the figure as of before keeps the title it had then
        slug=report.slug, title="Renamed", pinned=report.pinned, filters=report.filters, expected_version=report.version
    )
    now, then = client.get(SVG_URL), client.get(SVG_URL, {"as_of": before})
    assert str(development.pk) not in marker_ids(now.content)
    assert str(development.pk) in marker_ids(then.content)
    assert f"as of log position {before}".encode() in then.content
    assert b"Renamed" in now.content and b"Renamed" not in then.content
    assert report.title.replace("'", "&#x27;").encode() in then.content


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": "weather"}, "category"),
        ({"from": "2023-13"}, "from"),
        ({"as_of": "99999999"}, "as_of"),
        ({"as_of": "2020-01-01T00:00:00"}, "as_of"),
        ({"entity": "Nobody Inc"}, "entity"),
        ({"width": "12"}, "width"),
        ({"width": "wide"}, "width"),
        ({"width": "²"}, "width"),
        ({"as_of": "²"}, "as_of"),
    ],
)
def test_a_bad_parameter_is_a_400_with_field_errors_in_json(
    client: Client, report: NamedTimeline, params: dict[str, str], field: str
) -> None:
    response = client.get(SVG_URL, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert list(body) == [field] and body[field][0]


def test_an_unknown_timeline_is_a_404(client: Client, db: None) -> None:
    response = client.get("/api/timelines/nope/figure.svg")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"


def test_an_unchanged_figure_answers_304_to_its_etag(client: Client, report: NamedTimeline) -> None:
    first = client.get(SVG_URL, {"category": "corporate"})
    etag = first["ETag"]
    assert client.get(SVG_URL, {"category": "corporate"}, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(SVG_URL, {"category": "government"}, HTTP_IF_NONE_MATCH=etag).status_code == 200
    services.development_retract(development_id=figure_developments(report)[0].pk, reason="Withdrawn")
    assert client.get(SVG_URL, {"category": "corporate"}, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_width_changes_the_figure_size(client: Client, report: NamedTimeline) -> None:
    root = ET.fromstring(client.get(SVG_URL, {"width": "900"}).content)
    assert root.get("width") == "900"


def _has_cairo() -> bool:
    try:
        render_png('<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2"/>', scale=1)
    except PngUnavailableError:
        return False
    return True


def test_the_png_is_the_figure_rasterised(client: Client, report: NamedTimeline) -> None:
    if not _has_cairo():
        pytest.skip("no cairo library (Debian: apt-get install libcairo2)")
    from io import BytesIO

    from PIL import Image

    svg = ET.fromstring(client.get(SVG_URL, {"width": "800"}).content)
    response = client.get(PNG_URL, {"width": "800", "scale": "1.5"})
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(BytesIO(response.content))
    assert image.size == (round(float(svg.get("width", 0)) * 1.5), round(float(svg.get("height", 0)) * 1.5))


@pytest.mark.parametrize("scale", ["0", "9", "nan", "big", "²"])
def test_a_bad_scale_is_a_400(client: Client, report: NamedTimeline, scale: str) -> None:
    response = client.get(PNG_URL, {"scale": scale})
    assert response.status_code == 400 and "scale" in response.json()


def test_without_cairo_the_png_is_a_503_that_says_what_is_missing(
    client: Client, report: NamedTimeline, monkeypatch: Any
) -> None:
    monkeypatch.setitem(sys.modules, "cairosvg", None)
    response = client.get(PNG_URL)
    assert response.status_code == 503
    assert re.search(r"libcairo2", response.json()["detail"])
    assert client.get(SVG_URL).status_code == 200  # the SVG does not need cairo
