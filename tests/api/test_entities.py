"""/api/entities/: the list by any name, type, country and Entity List status; one entity now and as_of; its
developments with every filter of /api/developments/; analysts' writes with versions and Idempotency-Keys.

No servers: the test database (SQLite, or PostgreSQL with DATABASE_URL)."""

from __future__ import annotations

from typing import Any

import pytest

from events.models import StoredEvent
from tests.api.conftest import record

pytestmark = pytest.mark.django_db


def test_entities_are_found_by_a_name_in_any_language_type_and_country(anon: Any, entities: None) -> None:
    found = anon.get("/api/entities/?q=华为").json()
    assert [row["id"] for row in found["results"]] == ["huawei"]
    names = {(n["name"], n["lang"], n["shown"]) for n in found["results"][0]["names"]}
    assert names == {("Huawei", "", True), ("华为", "zh", False)}
    assert [r["id"] for r in anon.get("/api/entities/?type=fab").json()["results"]] == ["smic"]
    assert anon.get("/api/entities/?q=nvidia corp").json()["count"] == 1


@pytest.mark.parametrize(
    ("query", "field"), [("type=spaceship", "type"), ("country=China", "country"), ("listed=maybe", "listed")]
)
def test_a_bad_entity_filter_is_a_400_naming_it(anon: Any, entities: None, query: str, field: str) -> None:
    response = anon.get(f"/api/entities/?{query}")
    assert response.status_code == 400 and field in response.json()


def test_one_entity_shows_its_entity_list_status_and_as_of_its_earlier_profile(
    anon: Any, analyst: Any, entities: None
) -> None:
    before = anon.get("/api/entities/huawei/").json()
    assert before["entity_list"] == {"listed": False, "changes": []}
    listing = record(title="Huawei listed", date="2019-05-16", kind="entity_listing", entities=["huawei"])
    response = analyst.patch(
        "/api/entities/huawei/", {"country": "CN", "reason": "known"}, format="json", HTTP_IF_MATCH='"v1"'
    )
    assert response.status_code == 200, response.content
    now = anon.get("/api/entities/huawei/").json()
    assert now["country"] == "CN" and now["version"] == 2
    assert now["entity_list"]["listed"] and now["entity_list"]["changes"][0]["development"] == str(listing.pk)
    then = anon.get(f"/api/entities/huawei/?as_of={before['last_position']}").json()
    assert then["country"] == "" and then["version"] == 1
    assert anon.get("/api/entities/nobody/").status_code == 404


def test_an_entity_write_with_a_stale_version_is_a_409_and_without_one_a_428(analyst: Any, entities: None) -> None:
    analyst.patch("/api/entities/huawei/", {"description": "x"}, format="json", HTTP_IF_MATCH='"v1"')
    stale = analyst.patch("/api/entities/huawei/", {"country": "US"}, format="json", HTTP_IF_MATCH='"v1"')
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert analyst.patch("/api/entities/huawei/", {"country": "US"}, format="json").status_code == 428
    bad = analyst.patch("/api/entities/huawei/", {"entity_type": "spaceship"}, format="json", HTTP_IF_MATCH='"v2"')
    assert bad.status_code == 400 and "entity_type" in bad.json()


def test_an_analyst_registers_an_entity_once_per_idempotency_key(analyst: Any, anon: Any, entities: None) -> None:
    body = {
        "id": "tsmc",
        "name": "TSMC",
        "entity_type": "fab",
        "country": "TW",
        "aliases": [{"name": "台積電", "lang": "zh"}],
    }
    assert anon.post("/api/entities/", body, format="json").status_code == 401
    first = analyst.post("/api/entities/", body, format="json", HTTP_IDEMPOTENCY_KEY="t1")
    again = analyst.post("/api/entities/", body, format="json", HTTP_IDEMPOTENCY_KEY="t1")
    assert first.status_code == 201 and again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert StoredEvent.objects.filter(stream="entity-tsmc").count() == 1
    other = analyst.post("/api/entities/", {**body, "name": "Other"}, format="json", HTTP_IDEMPOTENCY_KEY="t1")
    assert other.status_code == 422


def test_an_entitys_developments_take_every_filter_of_the_development_list(anon: Any, entities: None) -> None:
    record(title="Huawei listed", date="2019-05-16", kind="entity_listing", entities=["huawei"])
    record(title="Huawei Mate60", date="2023-08", category="technology", kind="chip_launch", entities=["huawei"])
    record(title="DeepSeek R1", date="2025-01-20", category="technology", kind="model_launch", entities=["deepseek"])
    every = anon.get("/api/entities/huawei/developments/").json()["results"]
    assert [row["title"] for row in every] == ["Huawei listed", "Huawei Mate60"]
    technology = anon.get("/api/entities/huawei/developments/?category=technology&from=2020").json()["results"]
    assert [row["title"] for row in technology] == ["Huawei Mate60"]
    same = anon.get("/api/developments/?entity=huawei&category=technology&from=2020").json()["results"]
    assert technology == same
    csv = anon.get("/api/entities/huawei/developments/?format=csv")
    assert csv.status_code == 200 and "Huawei Mate60" in csv.content.decode()
    assert anon.get("/api/entities/huawei/developments/?from=someday").status_code == 400
    assert anon.get("/api/entities/nobody/developments/").status_code == 404


def test_an_entitys_developments_are_searched_ranked_as_the_list_is(anon: Any, entities: None) -> None:
    record(title="Huawei Mate60", date="2023-08", category="technology", kind="chip_launch", entities=["huawei"])
    record(title="DeepSeek Mate", date="2025-01-20", category="technology", kind="model_launch", entities=["deepseek"])
    position = StoredEvent.objects.order_by("-position").values_list("position", flat=True).first()
    found = anon.get("/api/entities/huawei/developments/?q=mate60").json()
    assert [row["title"] for row in found["results"]] == ["Huawei Mate60"]
    assert found["results"][0]["search_snippet"] == "Huawei <mark>Mate60</mark>"
    then = anon.get(f"/api/entities/huawei/developments/?q=mate60&as_of={position}").json()["results"]
    assert then == found["results"]
    assert anon.get(f"/api/entities/huawei/developments/?q=mate60&as_of={position + 1}").status_code == 400


def test_an_analyst_merges_an_entity_and_undoes_it(analyst: Any, anon: Any, entities: None) -> None:
    merged = analyst.post("/api/entities/nvidia/merge/", {"into": "huawei", "reason": "test"}, format="json")
    assert merged.status_code == 200 and merged.json()["merged_into"] == "huawei"
    again = analyst.post("/api/entities/smic/merge/", {"into": "nvidia"}, format="json")
    assert again.status_code == 400 and "into" in again.json()
    stale = analyst.post("/api/entities/nvidia/unmerge/", {"reason": "x"}, format="json", HTTP_IF_MATCH='"v1"')
    assert stale.status_code == 409
    undone = analyst.post("/api/entities/nvidia/unmerge/", {"reason": "two companies"}, format="json")
    assert undone.status_code == 200 and undone.json()["merged_into"] is None
    assert anon.post("/api/entities/nvidia/merge/", {"into": "huawei"}, format="json").status_code == 401
