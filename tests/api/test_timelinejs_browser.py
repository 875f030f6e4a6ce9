"""The TimelineJS answer loads in the real TimelineJS library (npm @knight-lab/timelinejs) in headless Chromium.

Needs /usr/bin/chromium, /usr/bin/chromedriver and tests/api/js/node_modules (tests/api/js/install.sh sets them
up); it serves the page on a loopback port of its own and skips, saying why, when any of them is missing.
"""

from __future__ import annotations

import base64
import functools
import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import browser as chromium
from tests.api.conftest import citation, record
from timeline import services

JS_DIR = Path(__file__).parent / "js"
DIST = JS_DIR / "node_modules" / "@knight-lab" / "timelinejs" / "dist"

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

PNG_1X1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="

PAGE = """<!doctype html>
<html><head><meta charset="utf-8">
<link rel="stylesheet" href="dist/css/timeline.css">
<script src="dist/js/timeline.js"></script>
</head><body>
<div id="timeline" style="width: 1000px; height: 600px"></div>
<script>
  window.tlErrors = [];
  window.addEventListener("error", function (e) { window.tlErrors.push(String(e.message)); });
  fetch("data.json").then(function (r) { return r.json(); }).then(function (data) {
    window.timeline = new TL.Timeline("timeline", data, {});
  });
</script>
</body></html>
"""


def _missing() -> str | None:
    if reason := chromium.missing():
        return reason
    if not (DIST / "js" / "timeline.js").exists():
        return "needs tests/api/js/node_modules (run tests/api/js/install.sh: npm ci)"
    return None


@pytest.fixture
def page_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A loopback HTTP server for a folder holding the page, TimelineJS's dist/ and the data."""
    (tmp_path / "index.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "dist").symlink_to(DIST)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", tmp_path
    finally:
        server.shutdown()
        server.server_close()


def test_timelinejs_shows_one_slide_per_development(anon: Any, entities: None, request: Any) -> None:
    if reason := _missing():
        pytest.skip(reason)
    server_url, folder = request.getfixturevalue("page_server")
    driver = request.getfixturevalue("browser")
    driver.set_window_size(1200, 800)
    # A development with media: an image on the page's own server (tests make no outside calls).
    (folder / "wafer.png").write_bytes(base64.b64decode(PNG_1X1))
    media = {"url": f"{server_url}/wafer.png", "caption": "A <b>wafer</b>", "credit": "Test lab"}
    founded = record(title="DeepSeek founded", date="2023-07", category="corporate", kind="founding", media=media)
    pins = [
        record(title="October 7 controls", date="2022-10-07", citations=[citation()]).pk,
        founded.pk,
        record(title="HBM controls", date="2024-36", kind="rule_release").pk,
        record(title="Smuggling wave", date="2023-07/2023-09", category="gpu_acquisition", kind="smuggling_case").pk,
        record(title="Build-up", date="201X", category="gpu_acquisition", kind="gpu_acquisition").pk,
    ]
    services.timeline_define(slug="figure", title="Figure 1 <test>", pinned=pins)
    response = anon.get("/api/timelines/figure/?format=timelinejs")
    assert response.status_code == 200
    (folder / "data.json").write_bytes(response.content)
    events = len(json.loads(response.content)["events"])
    assert events == 5

    driver.get(f"{server_url}/index.html")
    deadline = time.monotonic() + 20
    slides = markers = 0
    while time.monotonic() < deadline:
        slides = driver.execute_script("return document.querySelectorAll('.tl-slide').length")
        markers = driver.execute_script("return document.querySelectorAll('.tl-timemarker').length")
        if markers == events:
            break
        time.sleep(0.25)
    assert driver.execute_script("return window.tlErrors") == []
    # TimelineJS makes a title slide plus one slide per event, and one time marker per event.
    assert (slides, markers) == (events + 1, events)
    headlines = driver.execute_script(
        "return Array.from(document.querySelectorAll('.tl-slide .tl-headline')).map(e => e.textContent)"
    )
    assert "Figure 1 <test>" in headlines and "October 7 controls" in headlines
    # TimelineJS loads a slide's media when it comes near: go to the one with the image and see it load.
    driver.execute_script(f"window.timeline.goToId('{founded.pk}')")
    deadline = time.monotonic() + 10
    loaded: list[Any] = []
    while time.monotonic() < deadline and not loaded:
        loaded = driver.execute_script(
            "return Array.from(document.querySelectorAll('img.tl-media-image'))"
            ".filter(i => i.complete && i.naturalWidth > 0).map(i => i.getAttribute('src'))"
        )
        time.sleep(0.25)
    assert loaded == [media["url"]]
    credits = driver.execute_script(
        "return Array.from(document.querySelectorAll('.tl-credit')).map(e => e.textContent)"
    )
    assert "Test lab" in credits
