"""/api/changes/stream/: the change feed as Server-Sent Events. In-process with Django's test client (no server);
each connection ends after ALERTS_STREAM_MAX_SECONDS, shortened in tests/api/conftest.py."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from events import store
from tests.api.conftest import record

pytestmark = pytest.mark.django_db


def read_stream(client: APIClient, **headers: str) -> list[dict[str, str]]:
    response = client.get("/api/changes/stream/", HTTP_ACCEPT="text/event-stream", **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/event-stream")
    text = b"".join(response.streaming_content).decode()
    messages = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if line and not line.startswith(":"))
        if "id" in fields:
            messages.append(fields)
    return messages


def test_a_client_that_reconnects_with_last_event_id_misses_nothing(anon: APIClient) -> None:
    first = [record(title=f"Rule {index}") for index in range(3)]
    seen = read_stream(anon, HTTP_LAST_EVENT_ID="0")
    assert [int(message["id"]) for message in seen] == list(range(1, store.last_position() + 1))
    for index in range(3, 6):
        record(title=f"Rule {index}")
    again = read_stream(anon, HTTP_LAST_EVENT_ID=seen[-1]["id"])
    ids = [int(message["id"]) for message in seen + again]
    assert ids == list(range(1, store.last_position() + 1))  # no gap, no repeat
    assert again[0]["event"] == "DevelopmentRecorded"
    assert first[0].title in seen[0]["data"]


def test_without_last_event_id_the_stream_starts_at_the_head(anon: APIClient) -> None:
    record()
    assert read_stream(anon) == []


def test_the_stream_shows_what_the_change_feed_shows_and_no_more(anon: APIClient, analyst: APIClient) -> None:
    record(actor="zed-4471")
    store.append("candidate-1", [store.NewEvent("CandidateRejected", {"reason": "noise"})], expected_version=0)
    public = read_stream(anon, HTTP_LAST_EVENT_ID="0")
    staff = read_stream(analyst, HTTP_LAST_EVENT_ID="0")
    feed = anon.get("/api/changes/").json()["results"]
    assert [int(message["id"]) for message in public] == [row["position"] for row in feed]
    assert all("candidate-" not in message["data"] for message in public)
    assert any("candidate-1" in message["data"] for message in staff)
    assert "zed-4471" not in "".join(message["data"] for message in public)
    assert "zed-4471" in "".join(message["data"] for message in staff)


@pytest.mark.parametrize("value", ["-1", "abc", "1.5"])
def test_a_malformed_last_event_id_is_a_400(anon: APIClient, value: str) -> None:
    assert anon.get("/api/changes/stream/", HTTP_LAST_EVENT_ID=value).status_code == 400


def test_an_idle_stream_sends_keep_alive_comments_and_ends(anon: APIClient, settings: Any) -> None:
    settings.ALERTS_STREAM_KEEPALIVE_SECONDS = 0.1
    response = anon.get("/api/changes/stream/", HTTP_ACCEPT="text/event-stream")
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("retry: ") and ": keep-alive" in text
