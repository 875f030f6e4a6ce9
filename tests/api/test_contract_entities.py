"""What holding the entity, relationship, link, saved-search and stream operations to the contract (issue 22) made
the service answer differently, and what the schema now states about them (Django's test client)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.api.conftest import record

pytestmark = pytest.mark.django_db


def test_unmerging_an_entity_that_is_not_merged_is_a_409_with_the_current_entity(analyst: Any, entities: None) -> None:
    response = analyst.post("/api/entities/nvidia/unmerge/", {"reason": "never merged"}, format="json")
    assert response.status_code == 409, response.content
    body = response.json()
    assert "not merged" in body["detail"] and body["current"]["id"] == "nvidia"
    assert body["current_version"] == body["current"]["version"] == 1


def test_merging_an_entity_twice_is_a_409_and_bad_input_stays_a_400(analyst: Any, entities: None) -> None:
    assert analyst.post("/api/entities/nvidia/merge/", {"into": "huawei"}, format="json").status_code == 200
    twice = analyst.post("/api/entities/nvidia/merge/", {"into": "smic"}, format="json")
    assert twice.status_code == 409 and twice.json()["current"]["merged_into"] == "huawei", twice.content
    unknown = analyst.post("/api/entities/smic/merge/", {"into": "nobody"}, format="json")
    assert unknown.status_code == 400 and list(unknown.json()) == ["into"], unknown.content


def test_retracting_a_retracted_relationship_is_a_409_with_the_current_one(analyst: Any, entities: None) -> None:
    row = analyst.post("/api/relationships/", {"source": "smic", "relation": "partner_of", "target": "huawei"}).json()
    assert analyst.delete(f"/api/relationships/{row['id']}/?reason=wrong").status_code == 200
    again = analyst.delete(f"/api/relationships/{row['id']}/?reason=wrong")
    assert again.status_code == 409, again.content
    assert again.json()["current"]["status"] == "retracted" and again.json()["current_version"] == 2


def test_removing_a_link_the_development_does_not_have_is_a_404_and_removes_nothing(analyst: Any) -> None:
    first, second = record(title="First"), record(title="Second")
    made = analyst.post(f"/api/developments/{second.pk}/links/", {"relation": "amends", "target": str(first.pk)})
    assert made.status_code == 201, made.content
    missing = analyst.delete(f"/api/developments/{second.pk}/links/{uuid.uuid4()}/?reason=typo")
    assert missing.status_code == 404, missing.content
    assert len(analyst.get(f"/api/developments/{second.pk}/").json()["links"]) == 1
    blank = analyst.delete(f"/api/developments/{second.pk}/links/{made.json()['links'][0]['id']}/?reason=")
    assert blank.status_code == 400 and "reason" in blank.json(), blank.content


def test_a_saved_search_refuses_a_field_it_does_not_know_and_its_secret_is_only_rotated(
    analyst: Any, settings: Any
) -> None:
    settings.ALERTS_ALLOW_LOOPBACK = True  # the webhook receiver named below is on this machine
    typo = analyst.post("/api/saved-searches/", {"name": "Chips", "chanel": "daily"}, format="json")
    assert typo.status_code == 400 and list(typo.json()) == ["chanel"], typo.content
    body = {"name": "Chips", "channel": "webhook", "webhook_url": "http://127.0.0.1:9/hook"}
    made = analyst.post("/api/saved-searches/", body, format="json")
    assert made.status_code == 201, made.content
    secret = f"/api/saved-searches/{made.json()['id']}/secret/"
    assert [analyst.generic(method, secret).status_code for method in ("GET", "PATCH", "DELETE")] == [405] * 3
    assert analyst.post(secret).status_code == 200


@pytest.mark.parametrize(
    ("query", "headers", "named"),
    [
        ("?after=1.5", {"HTTP_LAST_EVENT_ID": "3"}, "after"),
        ("?after=-1", {}, "after"),
        ("", {"HTTP_LAST_EVENT_ID": ""}, "Last-Event-ID"),
        ("?after=1&after=2", {}, "after"),
    ],
)
def test_every_position_the_stream_is_given_is_checked(
    anon: Any, query: str, headers: dict[str, str], named: str
) -> None:
    response = anon.get(f"/api/changes/stream/{query}", **headers)
    assert response.status_code == 400 and list(response.json()) == [named], response.content


def test_the_schema_states_what_the_entity_and_alert_services_enforce(anon: Any) -> None:
    schema = anon.get("/api/schema/?format=json").json()
    paths, components = schema["paths"], schema["components"]["schemas"]
    create = components["EntityCreateRequest"]["properties"]
    assert "company" in create["entity_type"]["enum"] and create["id"]["pattern"].startswith("^[a-z0-9]")
    assert "partner_of" in components["RelationshipCreateRequest"]["properties"]["relation"]["enum"]
    assert components["RelationshipCreateRequest"]["properties"]["date"]["pattern"].startswith("^$|")
    assert "amends" in components["LinkCreateRequest"]["properties"]["relation"]["enum"]
    assert components["SavedSearchWriteRequest"]["additionalProperties"] is False
    depth = next(p for p in paths["/api/entities/{id}/graph/"]["get"]["parameters"] if p["name"] == "depth")
    assert (depth["schema"]["minimum"], depth["schema"]["maximum"]) == (1, 3)
    assert list(paths["/api/saved-searches/{id}/secret/"]) == ["post"]
    for path in ("/api/entities/", "/api/relationships/", "/api/saved-searches/", "/api/developments/{id}/links/"):
        assert paths[path]["post"]["responses"]["201"]["links"], path
    unmerge = paths["/api/entities/{id}/unmerge/"]["post"]["responses"]["409"]["content"]["application/json"]
    assert unmerge["schema"]["$ref"].endswith("/EntityConflict")


def test_a_reason_with_a_nul_is_a_400_and_retracts_nothing(analyst: Any, entities: None) -> None:
    row = analyst.post("/api/relationships/", {"source": "smic", "relation": "partner_of", "target": "huawei"}).json()
    response = analyst.delete(f"/api/relationships/{row['id']}/?reason=%11%00%15")
    assert response.status_code == 400 and list(response.json()) == ["reason"], response.content
    assert analyst.get(f"/api/relationships/{row['id']}/").json()["status"] == "current"
