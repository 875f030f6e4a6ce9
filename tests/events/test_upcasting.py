"""Invariant 7: events are never rewritten; an old schema version is upcast when read."""

from __future__ import annotations

import uuid

import pytest
from django.core.management import call_command

from events import registry, store
from events.maintenance import verify_log
from events.models import StoredEvent
from tests.timeline.factories import record
from timeline.models import Citation


def insert_as_written_by_an_older_release(stream: str, event_type: str, schema_version: int, data: dict) -> StoredEvent:
    """Store an event the way a release that still wrote `schema_version` stored it: same chain, old shape."""
    last = StoredEvent.objects.order_by("-position").first()
    assert last is not None
    row = StoredEvent(
        position=last.position + 1,
        event_id=uuid.uuid4(),
        stream=stream,
        version=store.stream_version(stream) + 1,
        event_type=event_type,
        schema_version=schema_version,
        data=data,
        metadata={"actor": "analyst-2019", "reason": ""},
        recorded_at=last.recorded_at,
    )
    row.hash = store.event_hash(last.hash, row)
    row.save(force_insert=True)
    return row


V1_CITATION = {
    "id": "0d4ed1a5-4fb4-4a8d-9a4c-5fe1d6e8e6e1",
    "url": "https://www.ft.com/content/smic-yield",
    "title": "SMIC's 7nm yield",
    "publisher": "Financial Times",
    "author": "",
    "published": "2024-03",
    "excerpt": "",
    "locator": "",
    "claim": "40% yield",
    "grading": "B2",
}


@pytest.mark.django_db
def test_a_schema_1_citation_is_read_with_its_grading_split_into_reliability_and_credibility() -> None:
    assert registry.schema_version_of("CitationAdded") == 2
    development = record()
    stream = f"development-{development.pk}"
    row = insert_as_written_by_an_older_release(stream, "CitationAdded", 1, {"citation": V1_CITATION})

    event = store.RecordedEvent.from_row(StoredEvent.objects.get(pk=row.pk))
    assert event.schema_version == 2
    assert (event.data["citation"]["reliability"], event.data["citation"]["credibility"]) == ("B", "2")
    assert "grading" not in event.data["citation"]
    assert event.data["citation"]["claim"] == "40% yield"

    (read,) = [e for e in store.read_stream(stream) if e.event_type == "CitationAdded"]
    assert read == event
    assert store.read_all(after=row.position - 1)[0] == event

    # The stored row keeps its old shape, and the chain still verifies over what was stored.
    stored = StoredEvent.objects.get(pk=row.pk)
    assert stored.schema_version == 1
    assert stored.data["citation"]["grading"] == "B2"
    assert verify_log().ok


@pytest.mark.django_db
def test_rebuild_projections_projects_an_upcast_schema_1_citation() -> None:
    development = record()
    insert_as_written_by_an_older_release(
        f"development-{development.pk}", "CitationAdded", 1, {"citation": V1_CITATION}
    )

    call_command("rebuild_projections", stdout=None)

    citation = Citation.objects.get(pk=V1_CITATION["id"])
    assert (citation.reliability, citation.credibility, citation.grading) == ("B", "2", "B2")
    assert citation.development_id == development.pk
    assert citation.development.best_reliability == "B"


def test_an_event_type_with_no_upcaster_for_an_old_version_is_an_error_not_a_silent_pass() -> None:
    registry.register_event_type("TestOnlyEvolved", 3)
    registry.register_upcaster("TestOnlyEvolved", 1, lambda data: {**data, "two": True})
    try:
        with pytest.raises(LookupError):
            registry.upcast("TestOnlyEvolved", 1, {})
        registry.register_upcaster("TestOnlyEvolved", 2, lambda data: {**data, "three": True})
        assert registry.upcast("TestOnlyEvolved", 1, {"one": True}) == (3, {"one": True, "two": True, "three": True})
        assert registry.upcast("TestOnlyEvolved", 3, {"x": 1}) == (3, {"x": 1})
    finally:
        registry._schema_versions.pop("TestOnlyEvolved", None)
        registry._upcasters.pop(("TestOnlyEvolved", 1), None)
        registry._upcasters.pop(("TestOnlyEvolved", 2), None)
