"""The events the services write keep their shape on disk: the declared shapes in timeline.shapes describe them
key for key, and the JSON stored is the JSON earlier releases stored. Uses the test database: SQLite, or
PostgreSQL under DATABASE_URL."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import NotRequired, get_origin, get_type_hints

import pytest
from django.db import connection

from events.models import StoredEvent
from timeline import services
from timeline.models import Development
from timeline.shapes import (
    CitationAddedData,
    CitationData,
    CitationRemovedData,
    DevelopmentMergedData,
    DevelopmentRecordedData,
    DevelopmentRevisedData,
    DevelopmentState,
    DuplicateAbsorbedData,
    EntityRegisteredData,
    StatusChangedData,
    TimelineDefinedData,
)

NAMESPACE = uuid.UUID("6f0c7a52-3f55-4a55-9d52-1df0f6f1e0a1")

SHAPES = {
    "EntityRegistered": EntityRegisteredData,
    "DevelopmentRecorded": DevelopmentRecordedData,
    "CitationAdded": CitationAddedData,
    "DevelopmentRevised": DevelopmentRevisedData,
    "DevelopmentRetracted": StatusChangedData,
    "DevelopmentRestored": StatusChangedData,
    "CitationRemoved": CitationRemovedData,
    "DevelopmentMerged": DevelopmentMergedData,
    "DuplicateAbsorbed": DuplicateAbsorbedData,
    "TimelineDefined": TimelineDefinedData,
}


def event_id(name: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, name)


def every_command() -> None:
    """One call of each service that writes a timeline event, with fixed event ids so the log is the same each run."""
    services.entity_register(
        entity_id="deepseek",
        name="DeepSeek",
        entity_type="company",
        aliases=[{"name": "深度求索", "lang": "zh"}],
        actor="analyst",
        event_id=event_id("entity"),
    )
    cited = {
        "id": str(event_id("citation")),
        "url": "https://example.org/report",
        "title": "A report",
        "publisher": "CSIS",
        "author": "An Author",
        "published": "2025-03",
        "locator": "Judgment 1",
        "excerpt": "an excerpt",
        "claim": "a claim",
        "reliability": "b",
        "credibility": "2",
        "grading_note": "a note",
    }
    first = services.development_record(
        title="DeepSeek releases R1",
        summary="A reasoning model.",
        date="2025-01-20",
        category="corporate",
        kind="model_launch",
        entities=["DeepSeek"],
        tags=["models"],
        media={"url": "https://example.org/r1.png", "caption": "R1", "credit": "DeepSeek"},
        citations=[cited],
        actor="analyst",
        reason="seen in the report",
        event_id=event_id("first"),
        request_hash="abc",
    )
    services.development_revise(
        development_id=first.pk,
        changes={"title": "DeepSeek releases R1 openly", "disputed": True},
        expected_version=2,
        actor="analyst",
        event_id=event_id("revise"),
    )
    services.development_retract(development_id=first.pk, reason="wrong date", event_id=event_id("retract"))
    services.development_restore(development_id=first.pk, reason="date checked", event_id=event_id("restore"))
    added = services.citation_add(
        development_id=first.pk, citation={**cited, "id": "", "title": "Another report"}, event_id=event_id("cite")
    )
    services.citation_remove(
        development_id=first.pk,
        citation_id=added.snapshot["citations"][-1]["id"],
        reason="a copy",
        event_id=event_id("uncite"),
    )
    duplicate = services.development_record(
        title="R1 is out",
        date="2025-01",
        category="corporate",
        kind="model_launch",
        entities=["deepseek"],
        citations=[{**cited, "id": str(event_id("other citation")), "url": "https://example.org/other"}],
        event_id=event_id("duplicate"),
    )
    services.development_merge(duplicate_id=duplicate.pk, into_id=first.pk, event_id=event_id("merge"))
    services.timeline_define(
        slug="deepseek",
        title="DeepSeek",
        filters={"category": ["corporate"], "from": "2025-01-01"},
        pinned=[first.pk],
        event_id=event_id("timeline"),
    )


@pytest.mark.django_db
def test_every_event_the_services_write_has_exactly_the_keys_its_declared_shape_names() -> None:
    every_command()

    rows = list(StoredEvent.objects.order_by("position"))
    assert {row.event_type for row in rows} == set(SHAPES)
    for row in rows:
        if row.event_type == "EntityRegistered":  # the profile fields are written only when given
            assert set(row.data) == {"id", "name", "entity_type", "aliases"}
            continue
        assert set(row.data) == set(SHAPES[row.event_type].__annotations__), row.event_type
    citations = [row.data["citation"] for row in rows if row.event_type == "CitationAdded"]
    citations += [c for row in rows if row.event_type == "DuplicateAbsorbed" for c in row.data["citations"]]
    assert len(citations) == 4
    for citation in citations:
        assert set(citation) == set(CitationData.__annotations__)
    (development,) = {row.stream for row in rows if row.event_type == "DevelopmentRevised"}
    state = Development.objects.get(pk=development.removeprefix("development-")).snapshot
    # Keys added later (links) are NotRequired: absent until their first event.
    hints = get_type_hints(DevelopmentState, include_extras=True)
    required = {key for key, hint in hints.items() if get_origin(hint) is not NotRequired}
    assert required <= set(state) <= set(hints)


# The data and metadata of every event above as a release before the shapes were declared stored them on SQLite,
# as the text in the database (PostgreSQL's jsonb keeps no key order, so there the values are compared).
STORED = json.loads((Path(__file__).parent / "stored_events.json").read_text(encoding="utf-8"))


@pytest.mark.django_db
def test_the_services_store_the_same_json_as_before_the_shapes_were_declared() -> None:
    every_command()

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT event_type, data, metadata FROM {StoredEvent._meta.db_table} ORDER BY position")
        stored = cursor.fetchall()
    assert [event_type for event_type, _, _ in stored] == [expected["event_type"] for expected in STORED]
    for (event_type, data, metadata), expected in zip(stored, STORED, strict=True):
        if connection.vendor == "sqlite":
            assert (data, metadata) == (expected["data"], expected["metadata"]), event_type
        else:  # jsonb, printed in its own key order
            assert (json.loads(data), json.loads(metadata)) == (
                json.loads(expected["data"]),
                json.loads(expected["metadata"]),
            ), event_type
