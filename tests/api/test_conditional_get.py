"""Conditional GET: ETag from the log position an answer depends on, Last-Modified, 304 on If-None-Match."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from django.utils.http import http_date

from api import conditional
from events import store
from events.models import StoredEvent
from tests.api.conftest import record
from timeline import services

pytestmark = pytest.mark.django_db


def _clock(monkeypatch: Any, seconds_later: float) -> None:
    """The clock Last-Modified is judged by (api.conditional._now), this many seconds after now."""
    monkeypatch.setattr(conditional, "_now", lambda: timezone.now() + timedelta(seconds=seconds_later))


@pytest.fixture
def one(entities: None, monkeypatch: Any) -> Any:
    # Last-Modified waits for its second to end (the test below): these tests ask a second later.
    _clock(monkeypatch, 1.5)
    return record()


@pytest.mark.parametrize(
    "url",
    ["/api/developments/", "/api/developments/?format=csv", "/api/timelines/", "/api/feed/", "/api/changes/"],
)
def test_an_unchanged_answer_is_a_304_until_the_log_moves(anon: Any, one: Any, url: str) -> None:
    first = anon.get(url)
    etag = first["ETag"]
    assert first.status_code == 200 and etag.startswith('"') and first["Last-Modified"]
    again = anon.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    record(title="Something new", date="2024")
    moved = anon.get(url, HTTP_IF_NONE_MATCH=etag)
    assert moved.status_code == 200 and moved["ETag"] != etag


def test_the_etag_depends_on_the_query_and_the_format(anon: Any, one: Any) -> None:
    tags = {
        anon.get(url)["ETag"]
        for url in ("/api/developments/", "/api/developments/?category=government", "/api/developments/?format=csv")
    }
    assert len(tags) == 3
    assert anon.get("/api/developments/", HTTP_IF_NONE_MATCH='"something-else"').status_code == 200
    assert anon.get("/api/developments/", HTTP_IF_NONE_MATCH="*").status_code == 304


def test_an_as_of_answer_keeps_its_etag_while_the_log_grows(anon: Any, one: Any) -> None:
    position = store.last_position()
    etag = anon.get(f"/api/developments/?as_of={position}")["ETag"]
    record(title="Later", date="2024")
    assert anon.get(f"/api/developments/?as_of={position}", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_an_as_of_answer_names_entities_as_they_were_so_its_304_stays_true(anon: Any, entities: None) -> None:
    """A rename after the asked position changes nothing an as_of answer shows, so its unchanged ETag is right."""
    development = record(title="DeepSeek releases V3", entities=["deepseek"])
    position = store.last_position()
    urls = (f"/api/developments/?as_of={position}", f"/api/developments/{development.pk}/?as_of={position}")
    before = {url: anon.get(url) for url in urls}
    services.entity_revise(entity_id="deepseek", changes={"name": "DeepSeek AI"}, expected_version=None)
    listed, detail = (anon.get(url) for url in urls)
    assert [e["name"] for e in listed.json()["results"][0]["entities"]] == ["DeepSeek"]
    assert [e["name"] for e in detail.json()["entities"]] == ["DeepSeek"]
    for url, then in before.items():
        assert anon.get(url).content == then.content
        assert anon.get(url, HTTP_IF_NONE_MATCH=then["ETag"]).status_code == 304
    now = anon.get(f"/api/developments/{development.pk}/")
    assert [e["name"] for e in now.json()["entities"]] == ["DeepSeek AI"]


def test_a_change_feed_page_is_not_modified_until_the_log_grows(anon: Any, one: Any) -> None:
    """Even a complete window (after, after+limit] changes when the log grows: it tells the head."""
    first = anon.get("/api/changes/?after=0&limit=1")
    assert anon.get("/api/changes/?after=0&limit=1", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    record(title="Even later", date="2024")
    again = anon.get("/api/changes/?after=0&limit=1", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert again.json()["results"] == first.json()["results"]
    assert again.json()["last_position"] == first.json()["last_position"] + 1 == store.last_position()


def test_if_modified_since_answers_304_when_nothing_was_recorded_after_it(anon: Any, one: Any) -> None:
    last_modified = anon.get("/api/developments/")["Last-Modified"]
    assert anon.get("/api/developments/", HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    assert anon.get("/api/developments/", HTTP_IF_MODIFIED_SINCE=http_date(0)).status_code == 200


def test_last_modified_waits_until_its_second_is_over(anon: Any, entities: None, monkeypatch: Any) -> None:
    """HTTP dates have whole seconds: a Last-Modified handed out while its second runs would let a change later
    in that second answer 304 to If-Modified-Since. Until the second is over only the ETag is given."""
    record()
    recorded_at: datetime = StoredEvent.objects.order_by("-position").values_list("recorded_at", flat=True)[0]
    same_second = http_date(recorded_at.timestamp())
    monkeypatch.setattr(conditional, "_now", lambda: recorded_at)
    early = anon.get("/api/developments/")
    assert early.status_code == 200 and early["ETag"] and "Last-Modified" not in early
    assert anon.get("/api/developments/", HTTP_IF_MODIFIED_SINCE=same_second).status_code == 200
    monkeypatch.setattr(conditional, "_now", lambda: recorded_at + timedelta(seconds=1))
    later = anon.get("/api/developments/")
    assert later["Last-Modified"] == same_second
    assert anon.get("/api/developments/", HTTP_IF_MODIFIED_SINCE=same_second).status_code == 304


def test_a_development_etag_carries_its_version_and_moves_with_it(anon: Any, analyst: Any, one: Any) -> None:
    response = anon.get(f"/api/developments/{one.pk}/")
    assert response["ETag"].startswith('"v1-p')
    assert anon.get(f"/api/developments/{one.pk}/history/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 200
    history = anon.get(f"/api/developments/{one.pk}/history/")["ETag"]
    # Analysts see actors, so their answer (and its ETag) differs from the public one.
    assert analyst.get(f"/api/developments/{one.pk}/history/")["ETag"] != history
    assert anon.get(f"/api/developments/{one.pk}/history/", HTTP_IF_NONE_MATCH=history).status_code == 304
