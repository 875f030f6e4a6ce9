"""?format=stix on the entity endpoints, and relationships in every bundle: entities as `identity` or (a
country) `location`, relationships between entities and links between developments as `relationship` objects,
with deterministic ids. Every bundle must parse with `stix2` and pass `stix2-validator` with no errors.

No server is started: the API is called in-process; the validators are the reference Python tools.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import stix2
from stix2validator import ValidationOptions, validate_string

from tests.api.conftest import record
from timeline import services

pytestmark = pytest.mark.django_db


def bundle(client: Any, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/stix+json;version=2.1"
    document: dict[str, Any] = json.loads(response.content)
    results = validate_string(json.dumps(document), ValidationOptions(version="2.1"))
    assert results.is_valid, [str(error) for error in results.errors]
    stix2.parse(document, allow_custom=True)
    # Every reference resolves inside the bundle.
    ids = {obj["id"] for obj in document["objects"]}
    for obj in document["objects"]:
        refs = [obj.get("source_ref"), obj.get("target_ref"), *obj.get("object_refs", [])]
        assert {ref for ref in refs if ref} <= ids, obj
    return document


def by_entity(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {obj["x_timeline_entity_id"]: obj for obj in document["objects"] if "x_timeline_entity_id" in obj}


def relationships(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [obj for obj in document["objects"] if obj["type"] == "relationship"]


def edges(document: dict[str, Any]) -> set[tuple[str, str, str]]:
    """Each relationship as (source entity or development, type, target), read through the bundle's ids."""
    names = {obj["id"]: obj.get("x_timeline_entity_id") or obj.get("name") for obj in document["objects"]}
    return {(names[r["source_ref"]], r["relationship_type"], names[r["target_ref"]]) for r in relationships(document)}


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    """Entities of every kind the mapping distinguishes, and relationships between them."""
    register = services.entity_register
    register(
        entity_id="china", name="China", entity_type="country", country="CN", aliases=[{"name": "中国", "lang": "zh"}]
    )
    register(entity_id="prc-state-council", name="State Council", entity_type="government", country="CN")
    register(entity_id="bis", name="Bureau of Industry and Security", entity_type="agency", country="US")
    register(
        entity_id="huawei",
        name="Huawei",
        entity_type="company",
        country="CN",
        description="Telecoms and chip design.",
        identifiers={"wikidata": "Q160120"},
        aliases=[{"name": "华为", "lang": "zh"}],
    )
    register(entity_id="hisilicon", name="HiSilicon", entity_type="company", country="CN")
    register(entity_id="liang-wenfeng", name="Liang Wenfeng", entity_type="person")
    register(entity_id="atlantis", name="Atlantis", entity_type="country")  # no ISO code: cannot be a location
    return {
        "subsidiary": services.relationship_record(
            source="hisilicon",
            relation="subsidiary_of",
            target="huawei",
            date="2004-10",
            note="Spun out of Huawei's ASIC design centre.",
            citations=[
                {
                    "url": "https://example.org/hisilicon-history",
                    "title": "A company history",
                    "publisher": "Example Press",
                    "reliability": "B",
                    "credibility": "2",
                }
            ],
        ),
        "located": services.relationship_record(source="huawei", relation="located_in", target="china"),
    }


def test_the_entity_list_as_stix_holds_identities_locations_and_their_relationships(anon: Any, world: Any) -> None:
    document = bundle(anon, "/api/entities/?format=stix")
    entities = by_entity(document)
    assert set(entities) == {"china", "prc-state-council", "bis", "huawei", "hisilicon", "liang-wenfeng", "atlantis"}
    china = entities["china"]
    assert (china["type"], china["country"], china["name"]) == ("location", "CN", "China")
    assert china["x_timeline_aliases"] == ["中国"]
    assert entities["atlantis"]["type"] == "identity" and entities["atlantis"]["identity_class"] == "unknown"
    for government in ("prc-state-council", "bis"):
        assert entities[government]["identity_class"] == "organization"
        assert entities[government]["sectors"] == ["government-national"]
    assert entities["liang-wenfeng"]["identity_class"] == "individual"
    huawei = entities["huawei"]
    assert (huawei["identity_class"], huawei["x_timeline_country"]) == ("organization", "CN")
    assert huawei["description"] == "Telecoms and chip design."
    assert {"source_name": "wikidata", "external_id": "Q160120", "url": "https://www.wikidata.org/wiki/Q160120"} in (
        huawei["external_references"]
    )
    assert edges(document) == {("hisilicon", "subsidiary-of", "huawei"), ("huawei", "located-at", "china")}


def test_a_relationship_keeps_its_date_note_citations_and_grading(anon: Any, world: Any) -> None:
    document = bundle(anon, "/api/entities/?format=stix")
    [subsidiary] = [r for r in relationships(document) if r["x_timeline_relation"] == "subsidiary_of"]
    assert subsidiary["x_timeline_relationship_id"] == str(world["subsidiary"].pk)
    assert subsidiary["start_time"] == "2004-10-01T00:00:00Z"
    assert (subsidiary["x_timeline_date"], subsidiary["x_timeline_date_upper"]) == ("2004-10", "2004-10-31")
    assert subsidiary["description"] == "Spun out of Huawei's ASIC design centre."
    assert [c["grading"] for c in subsidiary["x_timeline_citations"]] == ["B2"]
    assert subsidiary["external_references"][0]["url"] == "https://example.org/hisilicon-history"
    assert subsidiary["confidence"] == 70


def test_a_filtered_list_keeps_only_the_relationships_with_both_ends_in_it(anon: Any, world: Any) -> None:
    document = bundle(anon, "/api/entities/?format=stix&type=company")
    assert set(by_entity(document)) == {"huawei", "hisilicon"}
    assert edges(document) == {("hisilicon", "subsidiary-of", "huawei")}


def test_one_entity_as_stix_holds_its_relationships_and_the_entities_at_their_ends(anon: Any, world: Any) -> None:
    document = bundle(anon, "/api/entities/huawei/?format=stix")
    assert set(by_entity(document)) == {"huawei", "hisilicon", "china"}
    assert edges(document) == {("hisilicon", "subsidiary-of", "huawei"), ("huawei", "located-at", "china")}
    # The same entity and relationship have the same STIX ids in every export.
    listed = bundle(anon, "/api/entities/?format=stix")
    assert by_entity(document)["huawei"]["id"] == by_entity(listed)["huawei"]["id"]
    assert {r["id"] for r in relationships(document)} == {r["id"] for r in relationships(listed)}
    retracted = services.relationship_retract(relationship_id=world["located"].pk, reason="Wrong place")
    assert retracted.status == "retracted"
    assert edges(bundle(anon, "/api/entities/huawei/?format=stix")) == {("hisilicon", "subsidiary-of", "huawei")}


def test_an_entity_as_of_a_position_is_the_identity_it_was_then(anon: Any, world: Any) -> None:
    before = anon.get("/api/entities/hisilicon/").json()["last_position"]
    current = by_entity(bundle(anon, "/api/entities/hisilicon/?format=stix"))["hisilicon"]
    services.entity_revise(entity_id="hisilicon", changes={"name": "HiSilicon Technologies"}, expected_version=1)
    then = by_entity(bundle(anon, f"/api/entities/hisilicon/?format=stix&as_of={before}"))["hisilicon"]
    now = by_entity(bundle(anon, "/api/entities/hisilicon/?format=stix"))["hisilicon"]
    assert (then["name"], now["name"]) == ("HiSilicon", "HiSilicon Technologies")
    assert then["id"] == now["id"] == current["id"] and then["created"] == now["created"]
    assert then["modified"] == current["modified"] <= now["modified"]


def test_an_entitys_developments_as_stix_refer_to_its_location_and_identities(anon: Any, world: Any) -> None:
    record(
        title="Huawei ships the Ascend 910C",
        date="2024-10",
        category="technology",
        kind="chip_launch",
        entities=["huawei", "hisilicon", "china"],
    )
    record(title="Unrelated", date="2024-11", entities=["bis"])
    document = bundle(anon, "/api/entities/huawei/developments/?format=stix")
    [report] = [obj for obj in document["objects"] if obj["type"] == "report"]
    assert report["name"] == "Huawei ships the Ascend 910C"
    entities = by_entity(document)
    assert set(report["object_refs"]) == {entities[e]["id"] for e in ("huawei", "hisilicon", "china")}
    assert entities["china"]["type"] == "location"
    # The relationships between the entities it names come with them.
    assert edges(document) == {("hisilicon", "subsidiary-of", "huawei"), ("huawei", "located-at", "china")}


def test_links_between_developments_are_relationships_between_their_reports(anon: Any, analyst: Any) -> None:
    first = record(title="October 2022 controls", date="2022-10-07", tags=["controls"])
    second = record(title="October 2023 update", date="2023-10-17", tags=["controls"])
    answer = record(title="A reply", date="2023-11", category="corporate", kind="market_move")
    for source, relation, target in ((second, "amends", first), (answer, "responds_to", second)):
        linked = analyst.post(
            f"/api/developments/{source.pk}/links/",
            {"relation": relation, "target": str(target.pk), "note": "as the rule says"},
            format="json",
        )
        assert linked.status_code == 201, linked.content
    document = bundle(anon, "/api/developments/?format=stix")
    assert edges(document) == {
        ("October 2023 update", "amends", "October 2022 controls"),
        ("A reply", "responds-to", "October 2023 update"),
    }
    amends = next(r for r in relationships(document) if r["relationship_type"] == "amends")
    assert (amends["x_timeline_relation"], amends["description"]) == ("amends", "as the rule says")
    again = bundle(anon, "/api/developments/?format=stix")
    assert {r["id"] for r in relationships(again)} == {r["id"] for r in relationships(document)}
    # A bundle without one end leaves the link out rather than point outside itself.
    only_controls = bundle(anon, "/api/developments/?format=stix&tag=controls")
    assert edges(only_controls) == {("October 2023 update", "amends", "October 2022 controls")}


def test_a_streamed_export_gives_each_relationship_once_across_batches(world: Any, monkeypatch: Any) -> None:
    """The full export reads a few developments at a time: a relationship whose ends are named in different
    batches comes once, when its second end is given, and every link of the export comes with its report."""
    from interop import stix
    from timeline.models import Development

    monkeypatch.setattr(stix, "BATCH", 2)
    first = record(title="One", date="2020", entities=["hisilicon"])
    record(title="Two", date="2021", entities=["bis"])
    record(title="Three", date="2022", entities=["china"])
    last = record(title="Four", date="2023", entities=["huawei", "hisilicon"])
    services.development_link(development_id=first.pk, relation="follows_from", target_id=last.pk)
    rows = Development.objects.order_by("recorded_position").iterator()
    document = json.loads(stix.bundle_text((stix.record_from_model(row) for row in rows), scope="test"))
    results = validate_string(json.dumps(document), ValidationOptions(version="2.1"))
    assert results.is_valid, [str(error) for error in results.errors]
    found = [r["x_timeline_relation"] for r in relationships(document)]
    assert sorted(found) == ["follows_from", "located_in", "subsidiary_of"]
    assert len({obj["id"] for obj in document["objects"]}) == len(document["objects"])
    # Each relationship comes after both its ends.
    seen: set[str] = set()
    for obj in document["objects"]:
        if obj["type"] == "relationship" and obj["x_timeline_relation"] != "follows_from":
            assert {obj["source_ref"], obj["target_ref"]} <= seen
        seen.add(obj["id"])
