"""GET /api/developments/{id}/ and /history/: one development, as of a position, and its changes in order."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from events import store
from tests.api.conftest import citation, make_user, record
from timeline import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def revised(entities: None) -> Any:
    development = record(entities=["bis"], citations=[citation()], actor="ada", reason="from the report")
    services.development_revise(
        development_id=development.pk,
        changes={"title": "BIS issues the October 7 controls", "date": "2022-10"},
        expected_version=development.version,
        actor="ada",
        reason="the report gives the month only",
    )
    services.development_retract(development_id=development.pk, reason="duplicate", actor="ada")
    return development


def test_it_shows_one_development_retracted_or_not(anon: Any, revised: Any) -> None:
    row = anon.get(f"/api/developments/{revised.pk}/").json()
    assert row["title"] == "BIS issues the October 7 controls"
    assert (row["date"], row["display_date"], row["status"], row["version"]) == ("2022-10", "Oct 2022", "retracted", 4)
    assert row["citations"][0]["grading"] == "B2"


def test_it_shows_a_development_as_it_was_at_a_position(anon: Any, revised: Any) -> None:
    first = anon.get(f"/api/developments/{revised.pk}/", {"as_of": revised.last_position}).json()
    assert (first["title"], first["date"], first["status"], first["version"]) == (
        "BIS publishes the October 7, 2022 controls",
        "2022-10-07",
        "current",
        2,
    )
    assert anon.get(f"/api/developments/{revised.pk}/", {"as_of": revised.recorded_position - 1}).status_code == 404


def test_an_unknown_development_is_a_404(anon: Any, db: None) -> None:
    assert anon.get(f"/api/developments/{uuid.uuid4()}/").status_code == 404
    assert anon.get(f"/api/developments/{uuid.uuid4()}/history/").status_code == 404
    assert anon.get("/api/developments/not-a-uuid/").status_code == 404


def test_history_lists_when_what_and_why_in_order_without_the_actor_for_anonymous_callers(
    anon: Any, revised: Any
) -> None:
    body = anon.get(f"/api/developments/{revised.pk}/history/").json()
    entries = body["results"]
    assert [e["event_type"] for e in entries] == [
        "DevelopmentRecorded",
        "CitationAdded",
        "DevelopmentRevised",
        "DevelopmentRetracted",
    ]
    assert [e["version"] for e in entries] == [1, 2, 3, 4]
    assert [e["position"] for e in entries] == sorted(e["position"] for e in entries)
    assert entries[2]["change"]["date"] == {"from": "2022-10-07", "to": "2022-10"}
    assert entries[2]["reason"] == "the report gives the month only"
    assert entries[3]["change"] == {"status": {"from": "current", "to": "retracted"}}
    assert all(e["actor"] is None for e in entries)


def test_history_names_the_actor_to_analysts_only(anon: Any, analyst: Any, viewer: Any, revised: Any) -> None:
    assert {e["actor"] for e in analyst.get(f"/api/developments/{revised.pk}/history/").json()["results"]} == {"ada"}
    assert {e["actor"] for e in viewer.get(f"/api/developments/{revised.pk}/history/").json()["results"]} == {None}
    _, key = make_user("root", "editor")
    assert {e["actor"] for e in anon.get(
        f"/api/developments/{revised.pk}/history/", HTTP_AUTHORIZATION=f"Token {key}"
    ).json()["results"]} == {"ada"}  # fmt: skip


@pytest.fixture
def figure(entities: None) -> dict[str, Any]:
    """A small stand-in for Figure 1: a named timeline with pins and a saved filter."""
    founding = record(title="DeepSeek founded", date="2023-07", category="corporate", kind="founding")
    controls = record(title="October 2022 controls", date="2022-10-07")
    launch = record(title="DeepSeek-V3", date="2024-12", category="technology", kind="model_launch")
    record(title="Not on the figure", date="2021", category="corporate", kind="investment")
    services.timeline_define(
        slug="deepseek-development",
        title="Timeline of Major Events in DeepSeek's Development",
        description="Figure 1",
        pinned=[founding.pk, controls.pk, launch.pk],
    )
    services.timeline_define(slug="government", title="Government actions", filters={"category": ["government"]})
    return {"founding": founding, "controls": controls, "launch": launch}


def test_timelines_lists_the_named_timelines(anon: Any, figure: dict[str, Any]) -> None:
    rows = anon.get("/api/timelines/").json()["results"]
    assert [row["slug"] for row in rows] == ["deepseek-development", "government"]
    assert rows[0]["url"] == "http://testserver/api/timelines/deepseek-development/"
    assert len(rows[0]["pinned"]) == 3 and rows[1]["filters"] == {"category": ["government"]}


def test_a_named_timeline_returns_its_developments_as_json(anon: Any, figure: dict[str, Any]) -> None:
    body = anon.get("/api/timelines/deepseek-development/").json()
    assert body["title"] == "Timeline of Major Events in DeepSeek's Development"
    assert [row["title"] for row in body["results"]] == ["October 2022 controls", "DeepSeek founded", "DeepSeek-V3"]
    row = body["results"][0]
    for field in ("date", "display_date", "category", "kind", "entities", "citations"):
        assert field in row


def test_a_named_timeline_takes_the_same_filters_on_top(anon: Any, figure: dict[str, Any]) -> None:
    body = anon.get("/api/timelines/deepseek-development/?category=corporate,technology&from=2024").json()
    assert [row["title"] for row in body["results"]] == ["DeepSeek-V3"]
    position = store.last_position()
    services.development_retract(development_id=figure["launch"].pk, reason="wrong month")
    now = anon.get("/api/timelines/deepseek-development/").json()["results"]
    then = anon.get(f"/api/timelines/deepseek-development/?as_of={position}").json()["results"]
    assert len(now) == 2 and len(then) == 3
    assert [row["title"] for row in anon.get("/api/timelines/government/").json()["results"]] == [
        "October 2022 controls"
    ]


def test_an_unknown_timeline_is_a_404_and_an_unknown_timeline_filter_a_400(anon: Any, db: None) -> None:
    assert anon.get("/api/timelines/no-such-thing/").status_code == 404
    response = anon.get("/api/developments/?timeline=no-such-thing")
    assert response.status_code == 400 and "timeline" in response.json()
