"""/api/relationships/ and an entity's relationships: analysts record typed, dated relationships with graded
citations, bad ones are 400s naming the field, and one entity's answer lists them either way with citations.

No servers: the test database (SQLite, or PostgreSQL with DATABASE_URL)."""

from __future__ import annotations

from typing import Any

import pytest

from events.models import StoredEvent
from tests.api.conftest import citation

pytestmark = pytest.mark.django_db


def test_an_analyst_records_a_relationship_that_both_entities_show(analyst: Any, anon: Any, entities: None) -> None:
    body = {"source": "SMIC", "relation": "foundry_for", "target": "华为", "date": "2021", "citations": [citation()]}
    assert anon.post("/api/relationships/", body, format="json").status_code == 401
    response = analyst.post("/api/relationships/", body, format="json", HTTP_IDEMPOTENCY_KEY="r1")
    assert response.status_code == 201, response.content
    again = analyst.post("/api/relationships/", body, format="json", HTTP_IDEMPOTENCY_KEY="r1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    row = response.json()
    assert (row["source"]["id"], row["relation"], row["target"]["id"], row["date"]) == (
        "smic",
        "foundry_for",
        "huawei",
        "2021",
    )
    for entity in ("huawei", "smic"):
        [shown] = anon.get(f"/api/entities/{entity}/").json()["relationships"]
        assert shown["id"] == row["id"] and shown["citations"][0]["grading"] == "B2"
    assert anon.get(row["url"]).json()["relation_label"] == "Foundry for"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"source": "huawei", "relation": "partner_of", "target": "huawei"}, "target"),
        ({"source": "huawei", "relation": "friend_of", "target": "smic"}, "relation"),
        ({"source": "huawei", "relation": "partner_of", "target": "smic", "date": "2021-13"}, "date"),
    ],
)
def test_a_bad_relationship_is_a_400_naming_the_field(
    analyst: Any, entities: None, body: dict[str, str], field: str
) -> None:
    count = StoredEvent.objects.count()
    response = analyst.post("/api/relationships/", body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert StoredEvent.objects.count() == count


def test_a_retracted_relationship_leaves_the_entity_and_a_stale_retraction_is_a_409(
    analyst: Any, anon: Any, entities: None
) -> None:
    row = analyst.post("/api/relationships/", {"source": "smic", "relation": "partner_of", "target": "huawei"}).json()
    stale = analyst.delete(f"/api/relationships/{row['id']}/?reason=x", HTTP_IF_MATCH='"v5"')
    assert stale.status_code == 409 and stale.json()["current_version"] == 1
    retracted = analyst.delete(f"/api/relationships/{row['id']}/?reason=wrong")
    assert retracted.status_code == 200 and retracted.json()["status"] == "retracted"
    assert anon.get("/api/entities/huawei/").json()["relationships"] == []
