"""Invariant 1: the log is append-only in the database itself, whatever the client (raw SQL, the ORM)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from events import store
from events.models import LogHead, StoredEvent
from events.store import NewEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def log() -> list[store.RecordedEvent]:
    return store.append("ledger-1", [NewEvent("Noted", {"n": n}) for n in range(3)], expected_version=0)


def refused(sql: str, params: list[object] | None = None) -> str:
    """Run one statement in a savepoint; return the database's error message (fail if it is accepted)."""
    with pytest.raises(DatabaseError) as raised, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params or [])
    return str(raised.value)


def stored() -> list[tuple[object, ...]]:
    return list(StoredEvent.objects.order_by("position").values_list("position", "stream", "data", "hash"))


def test_a_raw_sql_update_of_an_event_is_refused_by_the_database(log: list[store.RecordedEvent]) -> None:
    before = stored()
    message = refused("UPDATE events_storedevent SET stream = %s WHERE position = %s", ["rewritten", 2])
    assert "append-only" in message
    assert stored() == before


def test_a_raw_sql_update_of_every_event_is_refused_by_the_database(log: list[store.RecordedEvent]) -> None:
    before = stored()
    refused("UPDATE events_storedevent SET hash = %s", ["0" * 64])
    assert stored() == before


def test_a_raw_sql_delete_of_an_event_is_refused_by_the_database(log: list[store.RecordedEvent]) -> None:
    before = stored()
    message = refused("DELETE FROM events_storedevent WHERE position = %s", [3])
    assert "append-only" in message
    assert stored() == before


def test_a_raw_sql_delete_of_the_whole_log_is_refused_by_the_database(log: list[store.RecordedEvent]) -> None:
    refused("DELETE FROM events_storedevent")
    assert len(stored()) == 3


def test_the_orm_cannot_update_or_delete_events_either(log: list[store.RecordedEvent]) -> None:
    before = stored()
    with pytest.raises(DatabaseError), transaction.atomic():
        StoredEvent.objects.filter(position=1).update(data={"n": 99})
    with pytest.raises(DatabaseError), transaction.atomic():
        StoredEvent.objects.all().delete()
    row = StoredEvent.objects.get(position=2)
    row.data = {"n": 42}
    with pytest.raises(DatabaseError), transaction.atomic():
        row.save()
    assert stored() == before


def test_inserting_new_events_is_still_allowed_after_a_refused_change(log: list[store.RecordedEvent]) -> None:
    refused("DELETE FROM events_storedevent")
    store.append("ledger-1", [NewEvent("Noted", {"n": 3})], expected_version=3)
    assert [row[0] for row in stored()] == [1, 2, 3, 4]


@pytest.mark.postgres
def test_truncate_of_the_log_is_refused_by_postgresql(log: list[store.RecordedEvent]) -> None:
    before = stored()
    message = refused("TRUNCATE events_storedevent")
    assert "append-only" in message
    assert "TRUNCATE" in message
    refused("TRUNCATE events_storedevent CASCADE")
    assert stored() == before


def test_the_witness_of_the_head_is_append_only_too(log: list[store.RecordedEvent]) -> None:
    before = list(LogHead.objects.values_list("position", "hash"))
    assert before == [(3, log[-1].hash)]
    assert "append-only" in refused("UPDATE events_loghead SET hash = %s", ["0" * 64])
    assert "append-only" in refused("DELETE FROM events_loghead")
    with pytest.raises(DatabaseError), transaction.atomic():
        LogHead.objects.all().delete()
    assert list(LogHead.objects.values_list("position", "hash")) == before


@pytest.mark.postgres
def test_truncate_of_the_witness_is_refused_by_postgresql(log: list[store.RecordedEvent]) -> None:
    assert "append-only" in refused("TRUNCATE events_loghead")
    assert LogHead.objects.count() == 1
