"""How an append's statements travel on PostgreSQL: with the BEGIN, or with the events bound apart.

An append that opens its own transaction sends the BEGIN with its first statement: store._execute_first switches
psycopg's connection to autocommit so that psycopg does not send a BEGIN of its own, and puts an explicit BEGIN in
front of the statement. These tests check the round trip is saved, that the transaction is the append's whole
transaction (committed or rolled back as one), and that the connection is back in Django's state when the atomic
block ends, whether the append succeeded or failed. A large batch's events go as a parameter bound on the server.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from psycopg.pq import TransactionStatus

from events import store
from events.maintenance import verify_log
from events.models import LogHead, StoredEvent
from events.store import ConcurrencyError, NewEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def noted(n: int) -> NewEvent:
    return NewEvent("Noted", {"n": n})


def append_calls(captured: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in captured.captured_queries if "events_append" in query["sql"]]


def assert_connection_as_django_left_it() -> None:
    """Outside any atomic block: autocommit on both sides, no transaction open on the server."""
    raw = connection.connection
    assert connection.get_autocommit() and raw.autocommit
    assert raw.info.transaction_status == TransactionStatus.IDLE
    with transaction.atomic():
        assert not raw.autocommit  # Django's next block turns it off again: nothing was left switched
        StoredEvent.objects.exists()
        assert raw.info.transaction_status == TransactionStatus.INTRANS


def test_an_append_outside_any_transaction_sends_its_begin_with_the_call(guard_lifted_for_flush: None) -> None:
    store.append("a", [noted(1)], expected_version=0)  # the head this process saw: the next append assumes it

    with CaptureQueriesContext(connection) as captured:
        store.append("a", [noted(2)], expected_version=1)

    assert [sql.split(";")[0] for sql in append_calls(captured)] == ["BEGIN"]
    assert list(StoredEvent.objects.values_list("position", "version")) == [(1, 1), (2, 2)]
    assert list(LogHead.objects.values_list("position", flat=True)) == [1, 2]
    assert verify_log().ok
    assert_connection_as_django_left_it()


def test_the_first_append_of_a_process_sends_its_begin_with_the_read_under_the_lock(
    guard_lifted_for_flush: None,
) -> None:
    store._assumed_heads.clear()  # no head assumed: the state is read under the lock first

    with CaptureQueriesContext(connection) as captured:
        store.append("a", [noted(1)], expected_version=0)

    calls = append_calls(captured)
    assert calls[0].startswith("BEGIN; SELECT * FROM events_append_begin(")
    assert not calls[1].startswith("BEGIN")
    assert StoredEvent.objects.count() == 1
    assert_connection_as_django_left_it()


def test_an_append_inside_a_caller_s_transaction_leaves_the_begin_to_it(guard_lifted_for_flush: None) -> None:
    store.append("a", [noted(1)], expected_version=0)

    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        StoredEvent.objects.exists()
        store.append("a", [noted(2)], expected_version=1)

    assert [sql.startswith("BEGIN") for sql in append_calls(captured)] == [False]
    assert StoredEvent.objects.count() == 2
    assert_connection_as_django_left_it()


def test_an_append_refused_after_its_begin_rolls_back_and_leaves_the_connection_usable(
    guard_lifted_for_flush: None,
) -> None:
    store.append("a", [noted(1)], expected_version=0)
    store.append("b", [noted(2)], expected_version=0)

    # The head assumed is right, the version is not: the call opens the transaction, answers the state, and the
    # conflict is raised inside the append's block.
    with CaptureQueriesContext(connection) as captured, pytest.raises(ConcurrencyError):
        store.append("a", [noted(3)], expected_version=0)

    assert append_calls(captured)[0].startswith("BEGIN;")
    assert_connection_as_django_left_it()
    assert StoredEvent.objects.count() == 2
    store.append("a", [noted(3)], expected_version=1)
    assert list(LogHead.objects.values_list("position", flat=True)) == [1, 2, 3]
    assert verify_log().ok


def test_a_projection_failing_after_the_call_rolls_the_events_back(
    guard_lifted_for_flush: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.append("a", [noted(1)], expected_version=0)

    def failing(events: object, **options: object) -> None:
        raise RuntimeError("a projector fails after the events were inserted")

    monkeypatch.setattr(store, "project", failing)
    with CaptureQueriesContext(connection) as captured, pytest.raises(RuntimeError):
        store.append("a", [noted(2)], expected_version=1)

    assert append_calls(captured)[0].startswith("BEGIN;")
    assert StoredEvent.objects.count() == 1
    assert list(LogHead.objects.values_list("position", flat=True)) == [1]
    assert_connection_as_django_left_it()


def test_a_large_batch_travels_as_a_bound_parameter_and_is_recorded_as_a_small_one_would_be(
    guard_lifted_for_flush: None,
) -> None:
    store.append("a", [noted(0)], expected_version=0)
    text = "x" * 400  # 100 events of about 600 characters: past store._LITERAL_EVENTS
    batches = [(f"s-{n}", [NewEvent("Noted", {"n": n, "text": text})], 0) for n in range(100)]

    with CaptureQueriesContext(connection) as captured:
        recorded = store.append_many(batches)

    calls = append_calls(captured)
    assert len(calls) == 1 and not calls[0].startswith("BEGIN")
    assert text not in calls[0]  # the events went apart from the statement
    assert [event.position for event in recorded] == list(range(2, 102))
    stored = StoredEvent.objects.get(position=101)
    assert (stored.stream, stored.version, stored.data, stored.hash) == (
        "s-99",
        1,
        {"n": 99, "text": text},
        recorded[-1].hash,
    )
    assert list(LogHead.objects.values_list("position", flat=True)) == [1, 101]
    assert verify_log().ok
    assert_connection_as_django_left_it()
