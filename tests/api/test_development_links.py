"""/api/developments/{id}/links/: analysts link developments with the same version and Idempotency-Key rules as
other writes; a development's answer lists its own links and, read now, the links of others to it.

No servers: the test database (SQLite, or PostgreSQL with DATABASE_URL)."""

from __future__ import annotations

from typing import Any

import pytest

from events.models import StoredEvent
from tests.api.conftest import record

pytestmark = pytest.mark.django_db


def test_an_analyst_links_two_developments_and_both_answers_show_it(analyst: Any, anon: Any) -> None:
    first = record(title="First controls", date="2022-10-07")
    second = record(title="Updated controls", date="2023-10")
    response = analyst.post(
        f"/api/developments/{second.pk}/links/",
        {"relation": "amends", "target": str(first.pk), "note": "new thresholds"},
        format="json",
        HTTP_IF_MATCH='"v1"',
    )
    assert response.status_code == 201, response.content
    [link] = response.json()["links"]
    assert (link["relation"], link["target"], link["note"]) == ("amends", str(first.pk), "new thresholds")
    assert link["target_url"].endswith(f"/api/developments/{first.pk}/")
    [back] = anon.get(f"/api/developments/{first.pk}/").json()["linked_from"]
    assert (back["relation"], back["development"], back["title"]) == ("amends", str(second.pk), "Updated controls")
    listed = {row["id"]: row for row in anon.get("/api/developments/").json()["results"]}
    assert listed[str(second.pk)]["links"][0]["id"] == link["id"]


def test_a_link_to_itself_or_of_an_unknown_relation_is_a_400_naming_the_field(analyst: Any) -> None:
    first = record()
    count = StoredEvent.objects.count()
    to_itself = analyst.post(f"/api/developments/{first.pk}/links/", {"relation": "amends", "target": str(first.pk)})
    assert to_itself.status_code == 400 and "target" in to_itself.json()
    unknown = analyst.post(f"/api/developments/{first.pk}/links/", {"relation": "likes", "target": str(first.pk)})
    assert unknown.status_code == 400 and "relation" in unknown.json()
    assert StoredEvent.objects.count() == count


def test_a_stale_version_is_a_409_and_a_retried_key_links_once(analyst: Any) -> None:
    first, second = record(title="A"), record(title="B")
    body = {"relation": "responds_to", "target": str(first.pk)}
    stale = analyst.post(f"/api/developments/{second.pk}/links/", body, format="json", HTTP_IF_MATCH='"v7"')
    assert stale.status_code == 409 and stale.json()["current_version"] == 1
    once = analyst.post(f"/api/developments/{second.pk}/links/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = analyst.post(f"/api/developments/{second.pk}/links/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert once.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert StoredEvent.objects.filter(event_type="DevelopmentLinked").count() == 1


def test_an_analyst_removes_a_link_with_a_reason(analyst: Any, anon: Any) -> None:
    first, second = record(title="A"), record(title="B")
    created = analyst.post(
        f"/api/developments/{second.pk}/links/", {"relation": "supersedes", "target": str(first.pk)}, format="json"
    ).json()
    link_id = created["links"][0]["id"]
    assert anon.delete(f"/api/developments/{second.pk}/links/{link_id}/?reason=x").status_code == 401
    no_reason = analyst.delete(f"/api/developments/{second.pk}/links/{link_id}/")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    removed = analyst.delete(f"/api/developments/{second.pk}/links/{link_id}/?reason=wrong+rule")
    assert removed.status_code == 200 and removed.json()["links"] == []
    assert anon.get(f"/api/developments/{first.pk}/").json()["linked_from"] == []
