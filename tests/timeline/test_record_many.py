"""developments_record_many: many developments in one append, all or none (what spreadsheet imports use).

Uses the test database only (SQLite, or PostgreSQL when DATABASE_URL names it).
"""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError

from events.models import StoredEvent
from timeline import services
from timeline.models import Development

pytestmark = pytest.mark.django_db


def fields(title: str, **overrides: object) -> dict[str, object]:
    return {"title": title, "date": "2023-07", "category": "corporate", "kind": "founding", **overrides}


def test_it_records_every_development_with_the_id_its_event_id_gives() -> None:
    event_ids = [uuid.uuid4() for _ in range(3)]
    citation = {"title": "CSIS", "reliability": "B", "credibility": "2"}
    ids = services.developments_record_many(
        developments=[(event_id, fields(f"D{n}", citations=[citation])) for n, event_id in enumerate(event_ids)],
        actor="ada",
        reason="import",
    )
    assert ids == [services.development_id_for(event_id) for event_id in event_ids]
    assert sorted(Development.objects.values_list("title", flat=True)) == ["D0", "D1", "D2"]
    assert all(row.snapshot["citations"][0]["title"] == "CSIS" for row in Development.objects.all())


def test_one_bad_development_records_none_and_names_its_index() -> None:
    items = [(uuid.uuid4(), fields("Fine")), (uuid.uuid4(), fields("Bad", date="not a date"))]
    with pytest.raises(ValidationError) as raised:
        services.developments_record_many(developments=items)
    assert "[1].date" in raised.value.message_dict
    assert not StoredEvent.objects.exists()
