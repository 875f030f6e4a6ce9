"""Embedding: /embed/timelines/{slug}/ in an iframe on another site draws the timeline with TimelineJS (served
from our static files), public GETs answer CORS without credentials, and framing follows EMBED_FRAME_ANCESTORS.

The browser test starts pytest-django's live_server (the service), a second loopback HTTP server on another
port (another origin: the embedding site) and headless Chromium (tests/browser.py); it skips, saying why, when
Chromium is missing. The header tests use Django's test client only.
"""

from __future__ import annotations

import functools
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import record
from timeline import services

SITE = """<!doctype html>
<html><head><meta charset="utf-8"><title>A newsroom page</title></head><body>
<h1>Our story</h1>
<iframe id="embedded" src="{embed}" width="1000" height="600"></iframe>
<script>
  window.corsAnswer = null;
  fetch("{api}").then(function (r) {{ return r.json(); }})
    .then(function (data) {{ window.corsAnswer = data.events.length; }})
    .catch(function (error) {{ window.corsAnswer = "refused: " + error; }});
</script>
</body></html>
"""


@pytest.fixture
def figure(db: None) -> list[str]:
    pins = [
        str(record(title="October 7 controls", date="2022-10-07").pk),
        str(record(title="DeepSeek founded", date="2023-07", category="corporate", kind="founding").pk),
        str(record(title="HBM controls", date="2024-36").pk),
    ]
    services.timeline_define(slug="figure", title="Figure 1", pinned=pins)
    return pins


@pytest.fixture
def other_site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The embedding site: a loopback HTTP server of its own, so a different origin from the service."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", tmp_path
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_another_site_embeds_the_timeline_and_timelinejs_draws_it(
    live_server: Any, figure: list[str], other_site: tuple[str, Path], request: Any
) -> None:
    site_url, folder = other_site
    api = f"{live_server.url}/api/timelines/figure/?format=timelinejs"
    (folder / "index.html").write_text(SITE.format(embed=f"{live_server.url}/embed/timelines/figure/", api=api))
    driver = request.getfixturevalue("browser")
    driver.get(f"{site_url}/index.html")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and driver.execute_script("return window.corsAnswer") is None:
        time.sleep(0.2)
    # The other site's script read the public API across origins (CORS).
    assert driver.execute_script("return window.corsAnswer") == 3
    driver.switch_to.frame(driver.find_element("id", "embedded"))
    markers = 0
    while time.monotonic() < deadline + 20 and markers < 3:
        markers = driver.execute_script("return document.querySelectorAll('.tl-timemarker').length")
        time.sleep(0.25)
    headlines = driver.execute_script(
        "return Array.from(document.querySelectorAll('.tl-slide .tl-headline')).map(e => e.textContent)"
    )
    assert markers == 3
    assert {"Figure 1", "October 7 controls", "DeepSeek founded", "HBM controls"} <= set(headlines)


@pytest.mark.django_db
def test_the_embed_page_may_be_framed_by_the_configured_sites_only(client: Any, figure: Any, settings: Any) -> None:
    settings.EMBED_FRAME_ANCESTORS = "https://news.example"
    response = client.get("/embed/timelines/figure/")
    assert response.status_code == 200
    assert "frame-ancestors https://news.example" in response["Content-Security-Policy"]
    assert "X-Frame-Options" not in response
    # Every other page still refuses to be framed.
    assert client.get("/api/timelines/").get("X-Frame-Options") == "DENY"


@pytest.mark.django_db
def test_an_unknown_timeline_has_no_embed_page(client: Any) -> None:
    assert client.get("/embed/timelines/nope/").status_code == 404


@pytest.mark.django_db
def test_public_reads_answer_cors_without_credentials_and_writes_are_not_offered(client: Any, figure: Any) -> None:
    origin = {"HTTP_ORIGIN": "https://news.example"}
    response = client.get("/api/timelines/figure/?format=timelinejs", **origin)
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    preflight = client.options("/api/developments/", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST", **origin)
    assert "POST" not in preflight["Access-Control-Allow-Methods"]
    # The admin is not a public read: no CORS there.
    assert "Access-Control-Allow-Origin" not in client.get("/admin/login/", **origin)


@pytest.mark.django_db
def test_cors_origins_can_be_limited(client: Any, figure: Any, settings: Any) -> None:
    settings.CORS_ALLOW_ALL_ORIGINS = False
    settings.CORS_ALLOWED_ORIGINS = ["https://news.example"]
    allowed = client.get("/api/timelines/", HTTP_ORIGIN="https://news.example")
    assert allowed["Access-Control-Allow-Origin"] == "https://news.example"
    assert "Access-Control-Allow-Origin" not in client.get("/api/timelines/", HTTP_ORIGIN="https://evil.example")
