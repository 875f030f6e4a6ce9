"""Invariants 2-4 and 6: optimistic concurrency, idempotent appends, gapless positions, projections in step."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from events import store
from events.models import ProjectionCheckpoint, StoredEvent
from events.store import ConcurrencyError, IdempotencyConflictError, NewEvent
from tests.timeline.factories import projection_rows, record, register_entities
from timeline import services
from timeline.models import Development

pytestmark = pytest.mark.django_db


def log_rows() -> list[tuple[object, ...]]:
    return list(StoredEvent.objects.order_by("position").values_list("position", "event_id", "stream", "version"))


def noted(n: int, **kwargs: object) -> NewEvent:
    return NewEvent("Noted", {"n": n}, **kwargs)  # type: ignore[arg-type]


# Optimistic concurrency


def test_an_append_with_a_stale_expected_version_raises_a_concurrency_error_and_writes_nothing() -> None:
    store.append("ledger-1", [noted(1), noted(2)], expected_version=0)
    before = log_rows()

    with pytest.raises(ConcurrencyError) as raised:
        store.append("ledger-1", [noted(3)], expected_version=1)

    assert (raised.value.stream, raised.value.expected, raised.value.actual) == ("ledger-1", 1, 2)
    assert log_rows() == before


def test_an_append_expecting_a_new_stream_fails_when_the_stream_exists() -> None:
    store.append("ledger-1", [noted(1)], expected_version=0)
    with pytest.raises(ConcurrencyError):
        store.append("ledger-1", [noted(2)], expected_version=0)
    assert store.stream_version("ledger-1") == 1


def test_an_append_expecting_a_version_ahead_of_the_stream_fails_too() -> None:
    store.append("ledger-1", [noted(1)], expected_version=0)
    with pytest.raises(ConcurrencyError):
        store.append("ledger-1", [noted(2)], expected_version=5)
    assert store.last_position() == 1


def test_an_append_with_the_current_version_succeeds_and_none_skips_the_check() -> None:
    store.append("ledger-1", [noted(1)], expected_version=0)
    store.append("ledger-1", [noted(2)], expected_version=1)
    store.append("ledger-1", [noted(3)], expected_version=None)
    assert [row[3] for row in log_rows()] == [1, 2, 3]


def test_a_stale_revision_raises_a_concurrency_error_and_changes_no_projection() -> None:
    register_entities()
    development = record(entities=["deepseek"])
    services.development_revise(development_id=development.pk, changes={"title": "First fix"}, expected_version=1)
    before_log, before_rows = log_rows(), projection_rows()

    with pytest.raises(ConcurrencyError):
        services.development_revise(
            development_id=development.pk, changes={"title": "Second fix, from a stale form"}, expected_version=1
        )

    assert log_rows() == before_log
    assert projection_rows() == before_rows
    assert Development.objects.get(pk=development.pk).title == "First fix"


def test_a_multi_stream_append_is_all_or_nothing_when_one_stream_is_stale() -> None:
    store.append("ledger-1", [noted(1)], expected_version=0)
    store.append("ledger-2", [noted(2)], expected_version=0)
    before_log, before_rows = log_rows(), projection_rows()

    with pytest.raises(ConcurrencyError) as raised:
        store.append_many([("ledger-1", [noted(3)], 1), ("ledger-2", [noted(4)], 0)])

    assert raised.value.stream == "ledger-2"
    assert log_rows() == before_log
    assert projection_rows() == before_rows


def test_a_stale_merge_writes_neither_stream() -> None:
    duplicate = record(title="Duplicate report")
    target = record(title="The development")
    # Someone revises the target between the merge's read and its append: simulate with a stale version.
    before = log_rows()
    with pytest.raises(ConcurrencyError):
        store.append_many(
            [
                (f"development-{duplicate.pk}", [NewEvent("DevelopmentMerged", {"into": str(target.pk)})], 1),
                (f"development-{target.pk}", [NewEvent("DuplicateAbsorbed", {"duplicate_id": "x"})], 0),
            ]
        )
    assert log_rows() == before
    assert Development.objects.get(pk=duplicate.pk).status == "current"


# Idempotent appends


def test_appending_the_same_event_id_twice_stores_one_event_and_returns_it() -> None:
    event = noted(1)
    first = store.append("ledger-1", [event], expected_version=0)
    again = store.append("ledger-1", [event], expected_version=0)

    assert again == first
    assert StoredEvent.objects.filter(event_id=event.event_id).count() == 1
    assert store.last_position() == 1


def test_a_retried_append_returns_the_stored_event_even_when_its_data_differs() -> None:
    event_id = uuid.uuid4()
    first = store.append("ledger-1", [NewEvent("Noted", {"n": 1}, event_id=event_id)], expected_version=0)
    again = store.append("ledger-1", [NewEvent("Noted", {"n": 2}, event_id=event_id)], expected_version=None)
    assert again == first
    assert again[0].data == {"n": 1}
    assert store.last_position() == 1


def test_a_retried_multi_event_batch_stores_each_event_once_and_returns_them_in_order() -> None:
    batch = [noted(n) for n in range(5)]
    first = store.append("ledger-1", batch, expected_version=0)
    store.append("ledger-2", [noted(99)], expected_version=0)

    again = store.append("ledger-1", batch, expected_version=0)

    assert again == first
    assert [e.event_id for e in again] == [e.event_id for e in batch]
    assert StoredEvent.objects.count() == 6


def test_a_retried_multi_stream_batch_stores_each_event_once() -> None:
    batches = [("ledger-1", [noted(1), noted(2)], 0), ("ledger-2", [noted(3)], 0)]
    first = store.append_many(batches)
    again = store.append_many(batches)
    assert again == first
    assert StoredEvent.objects.count() == 3


def test_a_retry_says_it_was_replayed_and_the_first_append_does_not() -> None:
    event = noted(1)
    assert [e.replayed for e in store.append("ledger-1", [event], expected_version=0)] == [False]
    assert [e.replayed for e in store.append("ledger-1", [event], expected_version=0)] == [True]


def test_reusing_an_event_id_for_another_request_is_refused_where_the_id_is_found_stored() -> None:
    event_id = uuid.uuid4()
    first = NewEvent("Noted", {"n": 1}, event_id=event_id, metadata={"request_hash": "a" * 64})
    store.append("ledger-1", [first], expected_version=0)
    other = NewEvent("Noted", {"n": 2}, event_id=event_id, metadata={"request_hash": "b" * 64})
    with pytest.raises(IdempotencyConflictError, match="another request"):
        store.append("ledger-1", [other], expected_version=None)
    with pytest.raises(IdempotencyConflictError, match="another request"):
        store.append("ledger-1", [NewEvent("Noted", {"n": 1}, event_id=event_id)], expected_version=None)
    assert store.append("ledger-1", [first], expected_version=None)[0].replayed
    assert store.last_position() == 1


def test_reusing_an_event_id_for_another_stream_is_refused_and_writes_nothing() -> None:
    event = noted(1)
    store.append("ledger-1", [event], expected_version=0)
    with pytest.raises(IdempotencyConflictError):
        store.append("ledger-2", [event], expected_version=0)
    with pytest.raises(IdempotencyConflictError):
        store.append("ledger-1", [event, noted(2)], expected_version=None)
    assert store.last_position() == 1


def test_recording_a_development_twice_with_the_same_event_id_stores_it_once() -> None:
    register_entities()
    event_id = uuid.uuid4()
    arguments = {
        "title": "DeepSeek releases R1",
        "date": "2025-01-20",
        "category": "technology",
        "kind": "model_launch",
        "entities": ["深度求索"],
        "citations": [{"title": "Report", "reliability": "B", "credibility": "2"}] * 2,
        "event_id": event_id,
    }
    first = services.development_record(**arguments)
    length = store.last_position()
    again = services.development_record(**arguments)

    assert again.pk == first.pk
    assert store.last_position() == length
    assert Development.objects.count() == 1
    assert again.citations.count() == 2
    assert [e.event_type for e in store.read_stream(f"development-{first.pk}")] == [
        "DevelopmentRecorded",
        "CitationAdded",
        "CitationAdded",
    ]


def test_a_retried_revision_with_the_same_event_id_is_not_applied_twice() -> None:
    development = record()
    event_id = uuid.uuid4()
    services.development_revise(
        development_id=development.pk, changes={"title": "Fixed"}, expected_version=1, event_id=event_id
    )
    length = store.last_position()
    # A retry of the same request (same idempotency key); its stale version does not matter, it is a replay.
    services.development_revise(
        development_id=development.pk, changes={"title": "Fixed again"}, expected_version=1, event_id=event_id
    )
    assert store.last_position() == length
    assert Development.objects.get(pk=development.pk).title == "Fixed"


# Positions, versions, reads


def test_positions_are_one_to_n_without_gaps_and_versions_count_per_stream() -> None:
    store.append("a", [noted(1), noted(2)], expected_version=0)
    store.append("b", [noted(3)], expected_version=0)
    with pytest.raises(ConcurrencyError):
        store.append("a", [noted(4)], expected_version=0)
    store.append_many([("a", [noted(5)], 2), ("c", [noted(6), noted(7)], 0)])

    assert [(p, s, v) for p, _, s, v in log_rows()] == [
        (1, "a", 1),
        (2, "a", 2),
        (3, "b", 1),
        (4, "a", 3),
        (5, "c", 1),
        (6, "c", 2),
    ]


def test_appends_return_the_events_as_stored() -> None:
    recorded = store.append("a", [noted(1, metadata={"actor": "x"})], expected_version=0)
    (row,) = StoredEvent.objects.all()
    assert recorded[0] == store.RecordedEvent.from_row(row)
    assert recorded[0].metadata == {"actor": "x"}


def test_read_all_returns_events_after_a_position_in_order_with_a_limit() -> None:
    for n in range(7):
        store.append(f"s{n % 3}", [noted(n)], expected_version=None)
    assert [e.position for e in store.read_all()] == [1, 2, 3, 4, 5, 6, 7]
    assert [e.position for e in store.read_all(after=4)] == [5, 6, 7]
    assert [e.position for e in store.read_all(after=2, limit=3)] == [3, 4, 5]
    assert store.read_all(after=7) == []
    assert [e.position for e in store.iter_all(after=1, batch_size=2)] == [2, 3, 4, 5, 6, 7]


def test_read_stream_returns_one_streams_events_by_version() -> None:
    for n in range(6):
        store.append(f"s{n % 2}", [noted(n)], expected_version=None)
    assert [(e.version, e.data["n"]) for e in store.read_stream("s1")] == [(1, 1), (2, 3), (3, 5)]
    assert store.read_stream("nothing") == []


def test_recorded_times_never_go_backwards_and_position_at_maps_a_time_to_the_last_position_by_then() -> None:
    for n in range(4):
        store.append("s", [noted(n)], expected_version=None)
    events = store.read_all()
    times = [e.recorded_at for e in events]
    assert times == sorted(times)
    assert store.position_at(times[0] - timedelta(seconds=1)) == 0
    assert store.position_at(times[2]) == max(e.position for e in events if e.recorded_at <= times[2])
    assert store.position_at(timezone.now()) == 4


def test_a_new_append_is_never_recorded_before_the_last_one_even_if_the_clock_went_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store.append("s", [noted(1)], expected_version=0)
    first = store.read_all()[0].recorded_at
    monkeypatch.setattr(timezone, "now", lambda: first - timedelta(hours=1))
    store.append("s", [noted(2)], expected_version=1)
    assert store.read_all()[1].recorded_at == first


def test_each_projection_records_the_last_position_it_applied_in_the_same_transaction() -> None:
    register_entities()
    record()
    checkpoints = dict(ProjectionCheckpoint.objects.values_list("name", "position"))
    assert checkpoints == {
        "entities": store.last_position(),
        "developments": store.last_position(),
        "search": store.last_position(),
        "development_links": store.last_position(),
        "relationships": store.last_position(),
        "timelines": store.last_position(),
    }


def test_appending_nothing_writes_nothing() -> None:
    assert store.append("s", [], expected_version=0) == []
    assert store.append_many([]) == []
    assert store.last_position() == 0


def test_two_batches_for_one_stream_in_one_append_number_its_versions_on() -> None:
    store.append("a", [noted(0)], expected_version=0)
    store.append_many([("a", [noted(1)], 1), ("b", [noted(2)], 0), ("a", [noted(3), noted(4)], 2)])
    assert [(p, s, v) for p, _, s, v in log_rows()] == [(1, "a", 1), (2, "a", 2), (3, "b", 1), (4, "a", 3), (5, "a", 4)]


def test_two_batches_for_one_stream_in_one_append_check_the_second_expected_version_after_the_first() -> None:
    with pytest.raises(ConcurrencyError):
        store.append_many([("a", [noted(1)], 0), ("a", [noted(2)], 0)])
    assert store.last_position() == 0
