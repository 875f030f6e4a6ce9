"""Formats of timeline reads, by ?format= and by Accept: JSON, TimelineJS JSON, CSV, iCalendar, Atom."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import date
from typing import Any

import icalendar
import pytest
from django.utils import timezone

from tests.api.conftest import citation, record
from timeline import services

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
# Written out, not imported: consumers' spreadsheets and scripts rely on these names in this order, so a change
# to them must fail here first (add new columns at the end).
CSV_COLUMNS = (
    "id", "date", "display_date", "date_lower", "date_upper", "precision", "category", "kind", "title", "summary",
    "entities", "entity_ids", "tags", "status", "disputed", "version", "last_position", "changed_at", "citations",
    "gradings", "citation_urls", "url",
)  # fmt: skip


@pytest.fixture
def varied(entities: None) -> dict[str, Any]:
    """One development per precision, one with media, one disputed, one with a title a spreadsheet would run."""
    return {
        "day": record(title="Oct 7 controls", date="2022-10-07", citations=[citation()]),
        "month": record(title="DeepSeek founded", date="2023-07", category="corporate", kind="founding"),
        "quarter": record(
            title="Q4 shipments <b>bold</b>",
            date="2024-36",
            category="gpu_acquisition",
            kind="gpu_acquisition",
            media={"url": "https://example.org/chart.png", "caption": "Shipments", "credit": "CSIS"},
        ),
        "interval": record(title="Smuggling wave", date="2023-07/2023-09", kind="smuggling_case", disputed=True),
        "year": record(title="=HYPERLINK(1)", date="2019", category="technology", kind="research_paper"),
        "decade": record(title="A decade of build-up", date="201X", category="corporate", kind="investment"),
    }


def by_title(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {event["text"]["headline"]: event for event in events}


@pytest.mark.parametrize(
    ("query", "accept", "content_type"),
    [
        ("", "application/json", "application/json"),
        ("?format=timelinejs", "application/vnd.timelinejs+json", "application/vnd.timelinejs+json"),
        ("?format=csv", "text/csv", "text/csv; charset=utf-8"),
        ("?format=ics", "text/calendar", "text/calendar; charset=utf-8"),
        ("?format=atom", "application/atom+xml", "application/atom+xml; charset=utf-8"),
    ],
)
def test_each_format_is_chosen_by_the_format_parameter_or_by_accept(
    anon: Any, varied: dict[str, Any], query: str, accept: str, content_type: str
) -> None:
    by_parameter = anon.get(f"/api/developments/{query}")
    by_accept = anon.get("/api/developments/", HTTP_ACCEPT=accept)
    assert by_parameter.status_code == by_accept.status_code == 200
    assert by_parameter["Content-Type"] == by_accept["Content-Type"] == content_type


def test_timelinejs_dates_follow_the_edtf_bounds_at_their_precision(anon: Any, varied: dict[str, Any]) -> None:
    document = anon.get("/api/developments/?format=timelinejs").json()
    assert document["title"]["text"]["headline"] == "Developments"
    events = by_title(document["events"])
    assert len(events) == 6
    day = events["Oct 7 controls"]
    assert day["start_date"] == {"year": 2022, "month": 10, "day": 7, "display_date": "Oct 7, 2022"}
    assert "end_date" not in day and day["display_date"] == "Oct 7, 2022"
    assert day["group"] == "Government" and day["unique_id"] == str(varied["day"].pk)
    assert "B2" in day["text"]["text"] and "CSIS" in day["text"]["text"]
    assert events["DeepSeek founded"]["start_date"] == {"year": 2023, "month": 7, "display_date": "Jul 2023"}
    quarter = events["Q4 shipments &lt;b&gt;bold&lt;/b&gt;"]
    assert (quarter["start_date"]["month"], quarter["end_date"]) == (10, {"year": 2024, "month": 12})
    assert quarter["media"] == {"url": "https://example.org/chart.png", "caption": "Shipments", "credit": "CSIS"}
    assert quarter["group"] == "GPU acquisition"
    interval = events["Smuggling wave"]
    assert (interval["start_date"]["month"], interval["end_date"]) == (7, {"year": 2023, "month": 9})
    assert "Disputed" in interval["text"]["text"]
    assert events["=HYPERLINK(1)"]["start_date"] == {"year": 2019, "display_date": "2019"}
    decade = events["A decade of build-up"]
    assert (decade["start_date"]["year"], decade["end_date"]) == (2010, {"year": 2019})
    assert all("media" not in event for title, event in events.items() if not title.startswith("Q4"))


def test_a_named_timeline_in_timelinejs_carries_its_title(anon: Any, varied: dict[str, Any]) -> None:
    services.timeline_define(slug="fig", title="Figure 1", pinned=[varied["day"].pk, varied["month"].pk])
    document = anon.get("/api/timelines/fig/?format=timelinejs").json()
    assert document["title"]["text"]["headline"] == "Figure 1"
    assert len(document["events"]) == 2


def test_csv_has_stable_columns_and_one_row_per_development(anon: Any, varied: dict[str, Any]) -> None:
    response = anon.get("/api/developments/?format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 7
    records = [dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows[1:]]
    controls = next(r for r in records if r["title"] == "Oct 7 controls")
    assert (controls["display_date"], controls["gradings"], controls["status"]) == ("Oct 7, 2022", "B2", "current")
    # A title a spreadsheet would run as a formula is neutralised.
    assert any(r["title"] == "'=HYPERLINK(1)" for r in records)
    assert next(r for r in records if r["title"] == "Smuggling wave")["status"] == "disputed"


def test_a_csv_answer_is_a_download_named_after_the_timeline_and_the_day(anon: Any, varied: dict[str, Any]) -> None:
    services.timeline_define(slug="fig-1", title="Figure 1", pinned=[varied["day"].pk])
    today = timezone.now().date().isoformat()
    answers = [
        (f"developments-{today}.csv", anon.get("/api/developments/?format=csv&category=government")),
        (f"developments-{today}.csv", anon.get("/api/developments/", HTTP_ACCEPT="text/csv")),
        (f"fig-1-{today}.csv", anon.get("/api/timelines/fig-1/?format=csv")),
    ]
    for name, response in answers:
        assert response.status_code == 200
        assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    # Errors are JSON to be read, not a file to save; other formats are not downloads either.
    assert "Content-Disposition" not in anon.get("/api/developments/?format=csv&category=nope")
    assert "Content-Disposition" not in anon.get("/api/developments/?format=json")


def test_icalendar_has_all_day_events_for_days_and_spans_for_coarser_dates(anon: Any, varied: dict[str, Any]) -> None:
    calendar = icalendar.Calendar.from_ical(anon.get("/api/developments/?format=ics").content)
    events = {str(event["summary"]): event for event in calendar.walk("VEVENT")}
    assert len(events) == 6
    day = events["Oct 7 controls"]
    assert day.decoded("dtstart") == date(2022, 10, 7) and day.decoded("dtend") == date(2022, 10, 8)
    month = events["DeepSeek founded"]
    assert month.decoded("dtstart") == date(2023, 7, 1) and month.decoded("dtend") == date(2023, 8, 1)
    quarter = events["Q4 shipments <b>bold</b>"]
    assert quarter.decoded("dtstart") == date(2024, 10, 1) and quarter.decoded("dtend") == date(2025, 1, 1)
    assert str(events["Smuggling wave"]["status"]) == "TENTATIVE"
    assert str(day["uid"]) == f"{varied['day'].pk}@intelligence-timeline"
    assert day["categories"].cats == ["Government"]


def test_atom_lists_the_latest_changes_first(anon: Any, varied: dict[str, Any]) -> None:
    services.development_revise(
        development_id=varied["day"].pk, changes={"summary": "Corrected."}, expected_version=varied["day"].version
    )
    feed = ET.fromstring(anon.get("/api/developments/?format=atom").content)
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 6
    assert entries[0].find(f"{ATOM}title").text == "Oct 7 controls (Oct 7, 2022)"
    assert entries[0].find(f"{ATOM}id").text == f"urn:uuid:{varied['day'].pk}"


def test_the_list_and_each_timeline_have_an_atom_feed_at_an_address_of_their_own(
    anon: Any, varied: dict[str, Any]
) -> None:
    """Feed readers are given an address, not a format: /feed/ answers what ?format=atom answers, filters too."""
    services.timeline_define(slug="pinned", title="Pinned pair", pinned=[varied["day"].pk, varied["year"].pk])
    for feed_url, same in (
        ("/api/developments/feed/?category=government", "/api/developments/?category=government&format=atom"),
        ("/api/timelines/pinned/feed/", "/api/timelines/pinned/?format=atom"),
    ):
        response = anon.get(feed_url)
        assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
        ids = [entry.find(f"{ATOM}id").text for entry in ET.fromstring(response.content).findall(f"{ATOM}entry")]
        expected = [e.find(f"{ATOM}id").text for e in ET.fromstring(anon.get(same).content).findall(f"{ATOM}entry")]
        assert ids == expected and ids, feed_url
        assert anon.get(feed_url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert ET.fromstring(anon.get("/api/timelines/pinned/feed/").content).find(f"{ATOM}title").text == "Pinned pair"
    assert anon.get("/api/timelines/no-such/feed/").status_code == 404
    refused = anon.get("/api/developments/feed/?category=nope")
    assert refused.status_code == 400 and "category" in refused.json()


def test_the_feed_is_atom_of_every_change_newest_first(anon: Any, varied: dict[str, Any]) -> None:
    services.development_retract(development_id=varied["year"].pk, reason="not a development")
    response = anon.get("/api/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    entries = ET.fromstring(response.content).findall(f"{ATOM}entry")
    assert entries[0].find(f"{ATOM}title").text == "=HYPERLINK(1) (2019) — DevelopmentRetracted"
    assert entries[0].find(f"{ATOM}summary").text == "not a development"
    # 6 recordings, one citation, one retraction
    assert len(entries) == 8
    as_json = anon.get("/api/feed/?format=json&limit=2").json()["results"]
    assert [e["event_type"] for e in as_json] == ["DevelopmentRetracted", "DevelopmentRecorded"]
    assert as_json[0]["status"] == "retracted"


def test_an_error_is_json_whatever_format_was_asked(anon: Any, db: None) -> None:
    for fmt in ("csv", "ics", "atom", "timelinejs"):
        response = anon.get(f"/api/developments/?format={fmt}&category=nope")
        assert response.status_code == 400
        assert response["Content-Type"] == "application/json"
        assert "category" in json.loads(response.content)


def test_export_formats_default_to_the_largest_page(anon: Any, entities: None) -> None:
    for index in range(60):
        record(title=f"D{index}", date="2020")
    assert len(anon.get("/api/developments/").json()["results"]) == 50
    assert len(anon.get("/api/developments/?format=timelinejs").json()["events"]) == 60
