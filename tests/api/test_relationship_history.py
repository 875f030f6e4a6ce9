"""Correcting a relationship (PATCH, If-Match, Idempotency-Key), citing it, and the histories of relationships
and entities: every version in order, who made it for analysts only.

No servers: the test database (SQLite, or PostgreSQL with DATABASE_URL)."""

from __future__ import annotations

from typing import Any

import pytest

from events.models import StoredEvent
from tests.api.conftest import citation

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(analyst: Any, entities: None) -> dict[str, Any]:
    body = {"source": "smic", "relation": "partner_of", "target": "huawei", "date": "2020"}
    response = analyst.post("/api/relationships/", body, format="json")
    assert response.status_code == 201, response.content
    return dict(response.json())


def test_an_analyst_corrects_a_relationship_with_the_version_read(
    analyst: Any, anon: Any, partner: dict[str, Any]
) -> None:
    url = partner["url"]
    change = {"relation": "foundry_for", "date": "2021-03", "note": "SMIC makes the Kirin chips", "reason": "report"}
    assert anon.patch(url, change, format="json").status_code == 401
    assert analyst.patch(url, change, format="json").status_code == 428  # no version named
    response = analyst.patch(url, change, format="json", HTTP_IF_MATCH='"v1"', HTTP_IDEMPOTENCY_KEY="c1")
    assert response.status_code == 200, response.content
    row = response.json()
    assert (row["relation"], row["date"], row["note"], row["version"]) == (
        "foundry_for",
        "2021-03",
        "SMIC makes the Kirin chips",
        2,
    )
    again = analyst.patch(url, change, format="json", HTTP_IF_MATCH='"v1"', HTTP_IDEMPOTENCY_KEY="c1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true" and again.json()["version"] == 2
    [shown] = anon.get("/api/entities/huawei/").json()["relationships"]
    assert shown["relation"] == "foundry_for" and shown["date"] == "2021-03"


def test_a_stale_or_bad_correction_is_refused_and_writes_nothing(analyst: Any, partner: dict[str, Any]) -> None:
    url = partner["url"]
    analyst.patch(url, {"note": "first"}, format="json", HTTP_IF_MATCH='"v1"')
    count = StoredEvent.objects.count()
    stale = analyst.patch(url, {"note": "second"}, format="json", HTTP_IF_MATCH='"v1"')
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2 and stale.json()["current"]["note"] == "first"
    for body, field in (
        ({"relation": "friend_of"}, "relation"),
        ({"date": "2021-13"}, "date"),
        ({"target": "nvidia"}, "target"),  # the ends are not corrected: record another relationship
    ):
        response = analyst.patch(url, body, format="json", HTTP_IF_MATCH='"v2"')
        assert response.status_code == 400 and field in response.json(), response.content
    assert StoredEvent.objects.count() == count


def test_a_relationship_is_cited_and_its_history_lists_every_version(
    analyst: Any, anon: Any, partner: dict[str, Any]
) -> None:
    url = partner["url"]
    cited = analyst.post(f"{url}citations/", citation(), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert cited.status_code == 201, cited.content
    assert [c["grading"] for c in cited.json()["citations"]] == ["B2"]
    replay = analyst.post(f"{url}citations/", citation(), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    analyst.patch(url, {"date": "2019", "reason": "an earlier source"}, format="json", HTTP_IF_MATCH='"v2"')
    analyst.delete(f"{url}?reason=withdrawn", HTTP_IF_MATCH='"v3"')

    history = anon.get(f"{url}history/").json()
    assert history["relationship"] == partner["id"]
    rows = history["results"]
    assert [r["event_type"] for r in rows] == [
        "RelationshipRecorded",
        "RelationshipCited",
        "RelationshipCorrected",
        "RelationshipRetracted",
    ]
    assert [r["version"] for r in rows] == [1, 2, 3, 4]
    assert rows[2]["change"] == {"changes": {"date": "2019"}} and rows[2]["reason"] == "an earlier source"
    assert rows[0]["state"]["date"] == "2020" and rows[3]["state"]["status"] == "retracted"
    assert all(r["actor"] is None for r in rows)  # identities are for analysts
    assert analyst.get(f"{url}history/").json()["results"][0]["actor"] == "ada"
    assert anon.get("/api/relationships/00000000-0000-0000-0000-000000000000/history/").status_code == 404


def test_an_entity_history_lists_its_versions(analyst: Any, anon: Any, entities: None) -> None:
    revised = analyst.patch(
        "/api/entities/smic/", {"country": "CN", "reason": "headquarters"}, format="json", HTTP_IF_MATCH='"v1"'
    )
    assert revised.status_code == 200, revised.content
    rows = anon.get("/api/entities/smic/history/").json()["results"]
    assert [(r["version"], r["event_type"]) for r in rows] == [(1, "EntityRegistered"), (2, "EntityRevised")]
    assert rows[0]["state"]["country"] != "CN" and rows[1]["state"]["country"] == "CN"
    assert rows[1]["reason"] == "headquarters" and rows[1]["actor"] is None
    assert anon.get("/api/entities/nobody/history/").status_code == 404


def test_an_empty_if_match_is_refused_even_beside_a_version_in_the_body(analyst: Any, partner: dict[str, Any]) -> None:
    """The schema's pattern makes an If-Match that names no version a bad request, whatever else the body says
    (the contract run sent an empty one beside expected_version, and it was accepted)."""
    count = StoredEvent.objects.count()
    body = {**citation(), "expected_version": 1}
    response = analyst.post(f"{partner['url']}citations/", body, format="json", HTTP_IF_MATCH="")
    assert response.status_code == 400 and list(response.json()) == ["If-Match"], response.content
    assert StoredEvent.objects.count() == count
    cited = analyst.post(f"{partner['url']}citations/", body, format="json", HTTP_IF_MATCH='"v1"')
    assert cited.status_code == 201, cited.content
