"""Hostile input to the API and the public pages: malformed, oversized and deeply nested bodies (400/413, never
500, nothing recorded); SQL and HTML injection in every filter (no 500, no database error leaked, the log
untouched); hostile text shown inert in the pages and in the Atom, iCalendar, CSV and TimelineJS outputs.

In-process (Django's test client) on the test database; no server.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import quote, quote_plus

import icalendar
import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from events.models import StoredEvent
from tests.api.conftest import make_user
from tests.timeline.factories import register_entities
from timeline import services

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script>"
IMG = '"><img src=x onerror=alert(1)>'
HOSTILE_TITLE = f"{SCRIPT}{IMG} & =cmd|' /C calc'!A0"
SQL = [
    "' OR '1'='1",
    "'; DROP TABLE events_storedevent; --",
    '" OR ""="',
    "1) UNION SELECT password FROM auth_user --",
    "%' AND 1=CAST((SELECT version()) AS int) --",
    "\\'; SELECT pg_sleep(5); --",
]
ODD = ["\x00", "a\x00b", "%", "_", "\\", "😀" * 50, "x" * 5000, "-1", "99999999999999999999999", "1e309", "NaN"]
PAYLOADS = [*SQL, SCRIPT, IMG, *ODD]
FILTERS = [
    "category",
    "kind",
    "entity",
    "tag",
    "from",
    "to",
    "q",
    "timeline",
    "disputed",
    "min_reliability",
    "as_of",
    "ordering",
    "cursor",
    "page_size",
    "format",
]
# What a database error or a traceback would leak into an answer.
LEAKS = re.compile(
    r"traceback|syntax error|sqlite3?\.|psycopg|programmingerror|operationalerror|dataerror|"
    r"auth_user|events_storedevent|select .* from",
    re.IGNORECASE,
)


@pytest.fixture(autouse=True)
def generous_throttles(settings: Any) -> None:
    """Throttling has its own tests; here hundreds of requests must not turn into 429s."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1000000/minute", "user": "1000000/minute"},
    }
    cache.clear()


@pytest.fixture
def analyst() -> APIClient:
    _, key = make_user("ada", "analyst")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    register_entities()
    plain = services.development_record(
        title="BIS publishes the October 7, 2022 controls",
        date="2022-10-07",
        category="government",
        kind="rule_release",
        entities=["bis"],
        actor="ada",
    )
    hostile = services.development_record(
        title=HOSTILE_TITLE,
        summary=f"Summary with {SCRIPT} and <b onmouseover=alert(2)>bold</b> & an ampersand.",
        date="2023-10",
        category="technology",
        kind="model_launch",
        citations=[
            {
                "url": "https://example.org/a?b=1&c=<2>",
                "title": f"Source {SCRIPT}",
                "publisher": IMG,
                "reliability": "B",
                "credibility": "2",
            }
        ],
        actor="ada",
    )
    services.timeline_define(
        slug="figure", title=f"Figure {SCRIPT}", description=IMG, pinned=[plain.pk, hostile.pk], actor="ada"
    )
    return {"plain": plain, "hostile": hostile}


def _without_echo(body: str, payload: str) -> str:
    """The answer minus the caller's own input echoed back (raw, JSON-escaped or HTML-escaped)."""
    encodings = {payload, json.dumps(payload)[1:-1], html.escape(payload), html.escape(payload, quote=False)}
    encodings |= {quote_plus(payload), quote(payload), quote(payload, safe="")}
    for echo in sorted(encodings, key=len, reverse=True):
        if echo:
            body = re.sub(re.escape(echo), "", body, flags=re.IGNORECASE)
    return body


def _events() -> list[tuple[int, str]]:
    return list(StoredEvent.objects.order_by("position").values_list("position", "hash"))


# --- bodies ----------------------------------------------------------------------------------------------------

MALFORMED = [
    b"{",
    b'{"title": "a",}',
    b"\xff\xfe{}",
    b"[]",
    b"null",
    b'"a string"',
    b"42",
    b'{"title": NaN}',
    b'{"title": Infinity}',
    b'{"title": {"$gt": ""}, "date": ["2020"], "category": 1, "kind": null}',
    b'{"title": "x", "date": "2020", "category": "government", "kind": "rule_release", "entities": "bis"}',
    b'{"__proto__": {"admin": true}}',
    b"\x00\x00\x00",
]


@pytest.mark.parametrize("body", MALFORMED, ids=range(len(MALFORMED)))
def test_a_malformed_json_body_is_a_400_and_records_nothing(
    analyst: APIClient, world: dict[str, Any], body: bytes
) -> None:
    before = _events()
    pk = world["plain"].pk
    answers = [
        analyst.generic("POST", "/api/developments/", body, content_type="application/json"),
        analyst.generic("PATCH", f"/api/developments/{pk}/", body, content_type="application/json", HTTP_IF_MATCH="1"),
        analyst.generic("POST", f"/api/developments/{pk}/citations/", body, content_type="application/json"),
    ]
    for response in answers:
        assert response.status_code == 400, (response.status_code, response.content[:300])
        assert response["Content-Type"].startswith("application/json")
        assert not LEAKS.search(response.content.decode("utf-8", "replace"))
    assert _events() == before


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_a_deeply_nested_body_is_a_400_not_a_recursion_crash(
    analyst: APIClient, world: dict[str, Any], depth: int
) -> None:
    before = _events()
    nested = b'{"title": "x", "date": "2020", "category": "government", "kind": "rule_release", "entities": '
    nested += b"[" * depth + b"]" * depth + b"}"
    response = analyst.generic("POST", "/api/developments/", nested, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert _events() == before


def test_an_oversized_json_body_is_a_413_before_it_is_parsed(analyst: APIClient, world: dict[str, Any]) -> None:
    before = _events()
    title = "x" * (3 * 1024 * 1024)
    body = json.dumps({"title": title, "date": "2020", "category": "government", "kind": "rule_release"})
    response = analyst.generic("POST", "/api/developments/", body, content_type="application/json")
    assert response.status_code == 413, response.content[:300]
    assert "accepts" in response.json()["detail"]
    assert _events() == before


def test_a_body_just_under_the_cap_is_read_and_judged_on_its_fields(analyst: APIClient, world: dict[str, Any]) -> None:
    body = json.dumps(
        {"title": "x" * (2 * 1024 * 1024), "date": "2020", "category": "government", "kind": "rule_release"}
    )
    response = analyst.generic("POST", "/api/developments/", body, content_type="application/json")
    assert response.status_code == 400 and "title" in response.json()


def test_an_oversized_form_body_is_refused_without_a_500(analyst: APIClient, world: dict[str, Any]) -> None:
    before = _events()
    body = "title=" + "x" * (3 * 1024 * 1024)
    response = analyst.generic("POST", "/api/developments/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (400, 413), response.content[:300]
    assert _events() == before


@pytest.mark.parametrize("content_type", ["application/xml", "text/plain", "multipart/form-data; boundary=zzz"])
def test_a_body_of_another_type_is_refused_without_a_500(
    analyst: APIClient, world: dict[str, Any], content_type: str
) -> None:
    response = analyst.generic("POST", "/api/developments/", b"<x>&xxe;</x>", content_type=content_type)
    assert response.status_code in (400, 415), (response.status_code, response.content[:300])


# --- filters -------------------------------------------------------------------------------------------------

READ_PATHS = [
    "/api/developments/",
    "/api/timelines/figure/",
    "/api/timelines/figure/figure.svg",
    "/api/changes/",
    "/api/feed/",
    "/timelines/figure/",
]


@pytest.mark.parametrize("name", [*FILTERS, "after", "limit", "width"])
def test_injection_in_any_filter_is_never_a_500_and_leaks_nothing(world: dict[str, Any], name: str) -> None:
    client = Client()
    before = _events()
    for path in READ_PATHS:
        for payload in PAYLOADS:
            response = client.get(path, {name: payload})
            body = response.content.decode("utf-8", "replace")
            assert response.status_code < 500, (path, name, payload, body[:500])
            assert not LEAKS.search(_without_echo(body, payload)), (path, name, payload, body[:500])
            if response.status_code >= 400 and path.startswith("/api/"):
                assert response["Content-Type"].startswith("application/json"), (path, name, response["Content-Type"])
            if response["Content-Type"].startswith("text/html"):
                assert SCRIPT not in body and "<img src=x" not in body, (path, name, payload)
    assert _events() == before
    # The SQL did not run: the log and the analysts' table are still there and still answer.
    assert StoredEvent.objects.count() == len(before)


def test_an_injected_filter_matches_nothing_rather_than_everything(world: dict[str, Any]) -> None:
    client = Client()
    for payload in SQL:
        response = client.get("/api/developments/", {"q": payload})
        assert response.status_code == 200
        # q is full-text search: the hostile development holds these very characters (`onerror`, `=`) and may be
        # found, the plain one never is.
        assert [row["title"] for row in response.json()["results"]] in ([], [HOSTILE_TITLE]), payload
        response = client.get("/api/developments/", {"tag": payload})
        assert response.status_code == 200 and response.json()["results"] == [], payload


def test_injection_in_path_segments_is_a_404_not_a_500(world: dict[str, Any]) -> None:
    client = Client()
    for payload in ["' OR 1=1 --", "..%2f..%2fetc%2fpasswd", "%00", SCRIPT]:
        for path in (f"/api/developments/{payload}/", f"/api/timelines/{payload}/", f"/timelines/{payload}/"):
            response = client.get(path)
            assert response.status_code in (400, 404), (path, response.status_code)
            assert SCRIPT not in response.content.decode("utf-8", "replace") or response["Content-Type"].startswith(
                "application/json"
            )


# --- hostile text in every output --------------------------------------------------------------------------


def test_hostile_text_is_escaped_on_the_public_pages(world: dict[str, Any]) -> None:
    client = Client()
    for path in ("/timelines/figure/", f"/developments/{world['hostile'].pk}/", "/timelines/"):
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.content.decode()
        assert SCRIPT not in body and "<img src=x" not in body and "<b onmouseover" not in body, path
    page = client.get("/timelines/figure/").content.decode()
    assert "&lt;script&gt;alert(" in page  # shown as text, not dropped


def test_hostile_text_is_inert_in_atom(world: dict[str, Any]) -> None:
    client = Client()
    for path in ("/api/developments/?format=atom", "/api/timelines/figure/?format=atom", "/api/feed/"):
        response = client.get(path)
        assert response.status_code == 200, path
        root = ET.fromstring(response.content)  # well-formed XML: nothing broke out of its element
        every_tag = {element.tag.rsplit("}", 1)[-1].lower() for element in root.iter()}
        assert not every_tag & {"script", "img", "b"}, every_tag
        titles = [element.text for element in root.iter() if element.tag.endswith("title")]
        assert any((title or "").startswith(HOSTILE_TITLE) for title in titles), titles


def test_hostile_text_is_plain_text_in_icalendar_and_csv(world: dict[str, Any]) -> None:
    client = Client()
    calendar = icalendar.Calendar.from_ical(client.get("/api/developments/?format=ics").content)
    summaries = [str(event["summary"]) for event in calendar.walk("VEVENT")]
    assert HOSTILE_TITLE in summaries

    rows = list(csv.DictReader(io.StringIO(client.get("/api/developments/?format=csv").content.decode())))
    titles = [row["title"] for row in rows]
    assert len(rows) == 2 and HOSTILE_TITLE in titles  # starts with '<', so no formula guard is needed

    formula = services.development_record(
        title='=HYPERLINK("http://evil.example","click")', date="2024", category="corporate", kind="investment"
    )
    rows = list(csv.DictReader(io.StringIO(client.get("/api/developments/?format=csv").content.decode())))
    cell = next(row["title"] for row in rows if row["id"] == str(formula.pk))
    assert cell.startswith("'="), cell  # a spreadsheet shows it as text instead of running it


def test_hostile_text_is_escaped_in_timelinejs_which_renders_html(world: dict[str, Any]) -> None:
    document = Client().get("/api/timelines/figure/?format=timelinejs").json()
    text = json.dumps(document)
    assert SCRIPT not in text and "<img src=x" not in text and "<b onmouseover" not in text
    hostile = next(e for e in document["events"] if e["unique_id"] == str(world["hostile"].pk))
    assert "&lt;script&gt;" in hostile["text"]["headline"]
    assert "<script" not in document["title"]["text"]["headline"]


def test_hostile_text_in_the_svg_figure_is_text_not_markup(world: dict[str, Any]) -> None:
    response = Client().get("/api/timelines/figure/figure.svg")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    tags = {element.tag.rsplit("}", 1)[-1].lower() for element in root.iter()}
    assert "script" not in tags and "foreignobject" not in tags
    handlers = [k for element in root.iter() for k in element.attrib if k.lower().startswith("on")]
    assert handlers == []
