"""developments_record_many: many developments in one append, all or none (what spreadsheet imports use).

Uses the test database only (SQLite, or PostgreSQL when DATABASE_URL names it).
"""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events import store
from events.models import StoredEvent
from events.store import NewEvent
from timeline import domain, services
from timeline.models import Development, DevelopmentVersion

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


def test_new_developments_read_no_history_rows_and_an_older_one_in_the_batch_is_continued() -> None:
    table = DevelopmentVersion._meta.db_table
    with CaptureQueriesContext(connection) as captured:
        services.developments_record_many(developments=[(uuid.uuid4(), fields(f"New {n}")) for n in range(3)])
    reads = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT") and table in q["sql"]]
    assert reads == []

    older = [services.development_record(**fields(f"Older {n}")) for n in range(2)]  # type: ignore[arg-type]
    store.append_many(
        [
            (
                domain.development_stream(str(row.pk)),
                [NewEvent(domain.DEVELOPMENT_REVISED, {"changes": {"title": f"Still {n}"}})],
                1,
            )
            for n, row in enumerate(older)
        ]
    )
    for n, row in enumerate(older):
        versions = DevelopmentVersion.objects.filter(development_id=row.pk).order_by("version")
        assert [(v.version, v.title, v.valid_to_position is None) for v in versions] == [
            (1, f"Older {n}", False),
            (2, f"Still {n}", True),
        ]
        assert Development.objects.get(pk=row.pk).version == 2
