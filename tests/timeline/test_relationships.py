"""Typed, dated relationships between entities with graded citations: events on `relationship-<id>`, corrected,
cited and retracted by events, refused when they relate an entity to itself, close a cycle of "subsidiary of",
have an unknown type or a date the EDTF parser refuses; and the report's relationships loaded with their passage.

No servers: the test database (SQLite, or PostgreSQL with DATABASE_URL) and the shipped data file.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from events.models import StoredEvent
from events.store import ConcurrencyError
from tests.timeline.factories import citation, projection_rows
from timeline import selectors, services
from timeline.models import Entity, Relationship
from timeline.report_loader import load_report_timeline

pytestmark = pytest.mark.django_db


def test_a_relationship_is_an_event_on_its_own_stream_with_its_citations(entities: list[Entity]) -> None:
    relationship = services.relationship_record(
        source="中芯国际", relation="foundry_for", target="huawei", date="2023", citations=[citation()]
    )
    event = StoredEvent.objects.get(stream=f"relationship-{relationship.pk}")
    assert event.event_type == "RelationshipRecorded" and event.data["source"] == "smic"
    assert selectors.is_public_stream(event.stream)
    assert (relationship.edtf, str(relationship.date_lower), relationship.snapshot["citations"][0]["reliability"]) == (
        "2023",
        "2023-01-01",
        "B",
    )
    assert [r.pk for r in selectors.entity_relationships("huawei")] == [relationship.pk]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"source": "huawei", "relation": "partner_of", "target": "华为"}, "target"),
        ({"source": "huawei", "relation": "rival_of", "target": "smic"}, "relation"),
        ({"source": "huawei", "relation": "partner_of", "target": "smic", "date": "the 2020s"}, "date"),
        ({"source": "nobody", "relation": "partner_of", "target": "smic"}, "source"),
    ],
)
def test_a_bad_relationship_names_its_field_and_writes_nothing(
    entities: list[Entity], fields: dict[str, str], field: str
) -> None:
    count = StoredEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        services.relationship_record(**fields)
    assert field in error.value.message_dict
    assert StoredEvent.objects.count() == count


def test_a_cycle_of_subsidiary_of_is_refused(entities: list[Entity]) -> None:
    services.relationship_record(source="deepseek", relation="subsidiary_of", target="high-flyer")
    services.relationship_record(source="high-flyer", relation="subsidiary_of", target="huawei")
    count = StoredEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        services.relationship_record(source="huawei", relation="subsidiary_of", target="deepseek")
    assert "cycle" in error.value.message_dict["target"][0]
    assert StoredEvent.objects.count() == count
    services.relationship_record(source="huawei", relation="partner_of", target="deepseek")  # other types may


def test_a_relationship_is_corrected_cited_and_retracted_by_events_never_overwritten(entities: list[Entity]) -> None:
    relationship = services.relationship_record(source="smic", relation="partner_of", target="huawei")
    corrected = services.relationship_correct(
        relationship_id=relationship.pk, changes={"relation": "foundry_for", "date": "2021"}, expected_version=1
    )
    with pytest.raises(ConcurrencyError):
        services.relationship_correct(relationship_id=relationship.pk, changes={"note": "x"}, expected_version=1)
    cited = services.relationship_cite(relationship_id=relationship.pk, citation=citation(reliability="A"))
    retracted = services.relationship_retract(relationship_id=relationship.pk, reason="a wrong reading")
    assert (corrected.relation, corrected.edtf, cited.version, retracted.status) == (
        "foundry_for",
        "2021",
        3,
        "retracted",
    )
    events = StoredEvent.objects.filter(stream=f"relationship-{relationship.pk}").order_by("position")
    assert [e.event_type for e in events] == [
        "RelationshipRecorded",
        "RelationshipCorrected",
        "RelationshipCited",
        "RelationshipRetracted",
    ]
    assert events[0].data["relation"] == "partner_of"
    assert selectors.entity_relationships("huawei") == []


def test_rebuilding_the_projections_gives_the_same_relationships(entities: list[Entity]) -> None:
    relationship = services.relationship_record(source="smic", relation="partner_of", target="huawei")
    services.relationship_correct(relationship_id=relationship.pk, changes={"date": "2020"}, expected_version=1)
    rows = list(Relationship.objects.values())
    before = projection_rows()
    call_command("rebuild_projections", stdout=StringIO())
    assert list(Relationship.objects.values()) == rows and projection_rows() == before


def test_the_reports_relationships_are_loaded_once_each_cited_to_its_passage() -> None:
    result = load_report_timeline()
    assert result.relationships_added == 7
    parent = Relationship.objects.get(source_id="deepseek", relation="subsidiary_of")
    assert parent.target_id == "high-flyer"
    [cited] = parent.snapshot["citations"]
    assert cited["locator"] == "Key judgment 1" and "DeepSeek is a subsidiary of High-Flyer" in cited["excerpt"]
    foundries = {r.source_id for r in Relationship.objects.filter(relation="foundry_for", target_id="huawei")}
    assert foundries == {"smic", "tsmc"}
    assert Relationship.objects.get(source_id="high-flyer", relation="founded_by").edtf == "2015"
    count = StoredEvent.objects.count()
    assert load_report_timeline().relationships_added == 0 and StoredEvent.objects.count() == count
