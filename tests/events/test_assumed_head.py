"""An append chains from the log's real head whatever head the process last saw.

On PostgreSQL an append first assumes the head this process last wrote (store._assumed_heads) and the streams'
expected versions; the server checks that under the lock. These tests make the assumption wrong in each way it
can be (another writer moved the head, a rolled-back append left it ahead, a head of the same position with
another hash) and check that positions, versions, the hash chain and the head's witnesses come out as if there
had been no assumption. On SQLite nothing is assumed, and the same outcomes must hold.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from events import store
from events.maintenance import verify_log
from events.models import LogHead, StoredEvent
from events.store import ConcurrencyError, NewEvent

pytestmark = pytest.mark.django_db


def noted(n: int) -> NewEvent:
    return NewEvent("Noted", {"n": n})


def log_rows() -> list[tuple[int, str, int]]:
    return list(StoredEvent.objects.order_by("position").values_list("position", "stream", "version"))


def test_an_append_after_another_writer_moved_the_head_chains_from_the_real_head() -> None:
    store.append("a", [noted(1)], expected_version=0)
    seen = dict(store._assumed_heads)
    store.append("b", [noted(2)], expected_version=0)
    store._assumed_heads.clear()
    store._assumed_heads.update(seen)  # as if another process had written "b"

    recorded = store.append("a", [noted(3)], expected_version=1)

    assert (recorded[0].position, recorded[0].version) == (3, 2)
    assert recorded[0].hash == StoredEvent.objects.get(position=3).hash
    assert log_rows() == [(1, "a", 1), (2, "b", 1), (3, "a", 2)]
    assert verify_log().ok


def test_an_append_after_a_rolled_back_one_takes_the_position_it_left_free() -> None:
    store.append("a", [noted(1)], expected_version=0)
    with pytest.raises(RuntimeError), transaction.atomic():
        store.append("a", [noted(2)], expected_version=1)
        raise RuntimeError("the caller's transaction fails after the append")

    recorded = store.append("a", [noted(3)], expected_version=1)

    assert (recorded[0].position, recorded[0].version) == (2, 2)
    assert log_rows() == [(1, "a", 1), (2, "a", 2)]
    assert list(LogHead.objects.values_list("position", flat=True)) == [1, 2]
    assert verify_log().ok


def test_a_head_assumed_at_the_right_position_with_another_hash_is_not_chained_from() -> None:
    store.append("a", [noted(1)], expected_version=0)
    head = store.head()
    store._assumed_heads[connection.alias] = (head.position, "f" * 64, None)

    store.append("a", [noted(2)], expected_version=1)

    assert verify_log().ok


def test_a_stale_expected_version_is_refused_with_the_stream_s_real_version_whatever_head_was_assumed() -> None:
    store.append("a", [noted(1), noted(2)], expected_version=0)
    store._assumed_heads.clear()
    store.append("b", [noted(3)], expected_version=0)  # no head assumed: the state is read first
    with pytest.raises(ConcurrencyError) as raised:
        store.append("a", [noted(4)], expected_version=1)  # the head assumed is right, the version is not
    assert (raised.value.expected, raised.value.actual) == (1, 2)
    assert log_rows() == [(1, "a", 1), (2, "a", 2), (3, "b", 1)]


def test_a_retry_with_a_head_assumed_is_answered_from_the_log() -> None:
    first = store.append("a", [noted(1)], expected_version=0)
    retried = store.append("a", [NewEvent("Noted", {"n": 1}, event_id=first[0].event_id)], expected_version=0)
    assert retried == first and retried[0].replayed
    assert store.last_position() == 1


def test_a_new_append_is_not_recorded_before_the_head_even_when_the_assumed_head_is_older(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store.append("a", [noted(1)], expected_version=0)
    first = StoredEvent.objects.get(position=1).recorded_at
    store._assumed_heads[connection.alias] = (0, store.GENESIS_HASH, first - timedelta(hours=2))
    monkeypatch.setattr(store.timezone, "now", lambda: first - timedelta(hours=1))

    store.append("a", [noted(2)], expected_version=1)

    assert StoredEvent.objects.get(position=2).recorded_at == first
    assert verify_log().ok


@pytest.mark.postgres
def test_on_postgresql_an_append_from_the_head_it_last_wrote_is_one_statement() -> None:
    store.append("a", [noted(1)], expected_version=0)
    with CaptureQueriesContext(connection) as captured:
        store.append_many([("a", [noted(2)], 1), ("b", [noted(3), noted(4)], 0)])
    calls = [query["sql"] for query in captured.captured_queries if "events_append" in query["sql"]]
    assert len(calls) == 1
    assert verify_log().ok


@pytest.mark.parametrize("expected", [2**31 - 1, 2**63, 76885596503294692654539741310586619843])
def test_an_expected_version_past_any_a_stream_can_have_is_a_conflict(expected: int) -> None:
    store.append("a", [noted(1)], expected_version=0)
    with pytest.raises(ConcurrencyError):
        store.append("a", [noted(2)], expected_version=expected)
    assert log_rows() == [(1, "a", 1)]


@pytest.mark.parametrize("guess", [0, 1, 3, 7])
def test_an_assumed_stream_version_is_a_guess_the_log_overrules(guess: int) -> None:
    store.append("a", [noted(1), noted(2), noted(3)], expected_version=0)
    store.append("b", [noted(4)], expected_version=0)

    recorded = store.append("a", [noted(5)], expected_version=None, assumed_version=guess)

    assert (recorded[0].position, recorded[0].version) == (5, 4)
    assert log_rows() == [(1, "a", 1), (2, "a", 2), (3, "a", 3), (4, "b", 1), (5, "a", 4)]
    assert list(LogHead.objects.values_list("position", flat=True)) == [3, 4, 5]
    assert verify_log().ok


def test_an_assumed_stream_version_does_not_check_anything() -> None:
    store.append("a", [noted(1)], expected_version=0)
    store.append("a", [noted(2)], expected_version=1)
    # An expected version would be refused; a stale guess is only a guess.
    recorded = store.append("a", [noted(3)], expected_version=None, assumed_version=1)
    assert recorded[0].version == 3


@pytest.mark.postgres
def test_on_postgresql_an_append_without_expected_version_at_the_assumed_version_is_one_statement() -> None:
    store.append("a", [noted(1), noted(2)], expected_version=0)
    with CaptureQueriesContext(connection) as captured:
        store.append("a", [noted(3)], expected_version=None, assumed_version=2)
    calls = [query["sql"] for query in captured.captured_queries if "events_append" in query["sql"]]
    assert len(calls) == 1
    with CaptureQueriesContext(connection) as captured:
        store.append("a", [noted(4)], expected_version=None, assumed_version=1)  # wrong: the state is answered
    calls = [query["sql"] for query in captured.captured_queries if "events_append" in query["sql"]]
    assert len(calls) == 2
    assert log_rows()[-2:] == [(3, "a", 3), (4, "a", 4)]
    assert verify_log().ok


def log_scans() -> int:
    """How many times the log table has been read whole (sequential scans), this connection's counts included."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")  # this backend's counts go out when it goes idle
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT seq_scan FROM pg_stat_user_tables WHERE relid = %s::regclass", [StoredEvent._meta.db_table]
        )
        return int(cursor.fetchone()[0])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_appends_to_existing_streams_find_them_by_index_once_the_plan_is_kept() -> None:
    """events_append keeps its plans from the sixth call on a connection: made while the log is a few rows, they
    must still read it by its indexes, or every later append scans the whole log (migration 0007)."""
    connection.close()  # a connection of its own, whose function plans these appends make
    streams = [f"s{n}" for n in range(12)]
    for stream in streams:
        store.append(stream, [noted(0)], expected_version=0)
    for stream in streams[:8]:  # past the five calls plpgsql plans one at a time
        store.append(stream, [noted(1)], expected_version=1)
    before = log_scans()

    for stream in streams[8:]:
        store.append(stream, [noted(1)], expected_version=1)

    assert log_scans() == before
    assert StoredEvent.objects.filter(version=2).count() == 12
