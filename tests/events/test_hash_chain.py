"""Invariant 5: each event stores sha256(previous hash + canonical JSON of the event), recomputed here
independently of events.store."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events import maintenance, store
from events.models import StoredEvent
from events.store import NewEvent
from tests.timeline.factories import record, register_entities

pytestmark = pytest.mark.django_db


def expected_chain() -> list[tuple[int, str]]:
    previous = "0" * 64
    chain = []
    for row in StoredEvent.objects.order_by("position"):
        body = json.dumps(
            {
                "position": row.position,
                "event_id": str(row.event_id),
                "stream": row.stream,
                "version": row.version,
                "event_type": row.event_type,
                "schema_version": row.schema_version,
                "data": row.data,
                "metadata": row.metadata,
                "recorded_at": row.recorded_at.isoformat(),
            },
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        previous = hashlib.sha256((previous + body).encode("utf-8")).hexdigest()
        chain.append((row.position, previous))
    return chain


def test_each_stored_hash_is_sha256_of_the_previous_hash_and_the_events_canonical_json() -> None:
    register_entities()  # Chinese aliases: the canonical JSON keeps them as UTF-8, not \u escapes
    record(entities=["深度求索"], citations=[{"title": "报告", "reliability": "A", "credibility": "1"}])
    store.append_many([("s1", [NewEvent("Noted", {"b": [1, 2.5, None], "a": {"z": True}})], 0), ("s2", [], 0)])

    stored = list(StoredEvent.objects.order_by("position").values_list("position", "hash"))

    assert len(stored) > 8
    assert stored == expected_chain()


def test_the_first_event_chains_from_the_genesis_hash_of_64_zeros() -> None:
    store.append("s", [NewEvent("Noted", {"n": 1})], expected_version=0)
    row = StoredEvent.objects.get()
    assert store.event_hash("0" * 64, row) == row.hash
    assert store.GENESIS_HASH == "0" * 64


def test_the_hash_covers_every_stored_field() -> None:
    store.append("s", [NewEvent("Noted", {"n": 1}, metadata={"actor": "a"})], expected_version=0)
    row = StoredEvent.objects.get()
    original = store.event_hash(store.GENESIS_HASH, row)
    for field, value in [
        ("position", 2),
        ("stream", "t"),
        ("version", 2),
        ("event_type", "Other"),
        ("schema_version", 2),
        ("data", {"n": 2}),
        ("metadata", {"actor": "b"}),
        ("recorded_at", row.recorded_at.replace(microsecond=(row.recorded_at.microsecond + 1) % 10**6)),
    ]:
        altered = StoredEvent.objects.get()
        setattr(altered, field, value)
        assert store.event_hash(store.GENESIS_HASH, altered) != original, field


def test_hashes_are_chained_so_a_different_predecessor_changes_every_later_hash() -> None:
    store.append("s", [NewEvent("Noted", {"n": n}) for n in range(3)], expected_version=0)
    rows = list(StoredEvent.objects.order_by("position"))
    assert store.event_hash(rows[0].hash, rows[1]) == rows[1].hash
    assert store.event_hash("f" * 64, rows[1]) != rows[1].hash


def test_verify_log_accepts_data_whose_numbers_a_fast_json_writer_spells_differently() -> None:
    """verify_log checks with orjson first; 1.5e-07 (orjson: 1.5e-7) and integers beyond 64 bits are written otherwise
    (or refused) there, and such events must still verify against the defining canonical JSON."""
    store.append(
        "ledger-1",
        [NewEvent("Noted", {"small": 1.5e-07, "huge": 2**70, "text": "中\n"})],
        expected_version=0,
    )
    store.append("ledger-1", [NewEvent("Noted", {"n": 1})], expected_version=1)

    result = maintenance.verify_log()

    assert (result.ok, result.checked) == (True, 2)


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=12,
)


@pytest.mark.django_db(transaction=False)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_JSON, metadata=st.dictionaries(st.text(max_size=6), _JSON, max_size=3), stream=st.text(max_size=10))
def test_the_text_an_append_hashes_is_the_defining_canonical_json_whatever_the_values(
    data: object, metadata: dict[str, object], stream: str
) -> None:
    """append writes orjson's text where it is the same bytes and canonical_json's elsewhere (floats, integers
    beyond 64 bits): either way the text must be the definition's, spelled here independently."""
    fields = {
        "position": 7,
        "event_id": "4f2c7a8e-0000-4000-8000-000000000001",
        "stream": stream,
        "version": 3,
        "event_type": "Noted",
        "schema_version": 1,
        "data": data,
        "metadata": metadata,
        "recorded_at": "2026-12-06T13:35:58.123456+00:00",
    }
    expected = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert store._stored_text(fields) == expected  # type: ignore[arg-type]


def test_data_that_is_no_json_value_is_refused_and_nothing_is_written() -> None:
    with pytest.raises(TypeError):
        store.append("s", [NewEvent("Noted", {"when": datetime(2026, 1, 1, tzinfo=UTC)})], expected_version=0)
    assert not StoredEvent.objects.exists()


def test_verify_log_reads_every_event_as_its_stored_fields_and_needs_no_second_look(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """verify_log reads the log in bulk (on PostgreSQL, each event as one JSON object the server builds): what it
    reads must be what stored_fields gives, in the defining text, for awkward values too (quotes, escapes and
    Chinese in strings, a time without microseconds, an early year), so that no event needs the row-by-row check."""
    store.append("s", [NewEvent("Noted", {"q": 'a "b" \\ \t', "中": ["文", None, True, -3, 0.5]})], expected_version=0)
    store.append('odd "stream" 深', [NewEvent("Noted", {}, metadata={"actor": "x\u2028y"})], expected_version=0)
    previous = StoredEvent.objects.order_by("-position").first()
    assert previous is not None
    rows = []
    for position, moment in [(3, datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)), (4, datetime(999, 1, 2, tzinfo=UTC))]:
        row = StoredEvent(
            position=position,
            event_id=uuid.uuid4(),
            stream="s",
            version=position - 1,
            event_type="Noted",
            schema_version=1,
            data={"n": position, "deep": {"b": [{"a": 1}], "a": ""}},
            metadata={},
            recorded_at=moment,
        )
        row.hash = store.event_hash(previous.hash, row)
        rows.append(row)
        previous = row
    StoredEvent.objects.bulk_create(rows)

    read = [(position, store.canonical_json(fields), hash_) for position, fields, hash_ in maintenance._chain()]
    stored = [
        (row.position, store.canonical_json(store.stored_fields(row)), row.hash)
        for row in StoredEvent.objects.order_by("position")
    ]
    assert read == stored
    assert len(read) == 4

    def second_look(previous_hash: str, position: int) -> bool:
        raise AssertionError(f"position {position} needed the row-by-row check")

    monkeypatch.setattr(maintenance, "_row_hash_matches", second_look)
    assert maintenance.verify_log().ok


def test_the_log_read_in_batches_fetched_ahead_is_the_whole_log_and_a_reader_may_stop_early() -> None:
    """verify_log's read fetches the next batch while the one before is checked (on PostgreSQL, in a thread): every
    event comes once and in order across batch ends, and a reader that stops early (a bad event) leaves the
    connection free for the next statements."""
    for n in range(7):
        store.append("s", [NewEvent("Noted", {"n": n})], expected_version=n)
    stored = list(StoredEvent.objects.order_by("position").values_list("position", "hash"))

    assert [(position, hash_) for position, _, hash_ in maintenance._chain(batch_size=2)] == stored

    reader = maintenance._chain(batch_size=2)
    assert next(reader)[0] == 1
    reader.close()
    assert StoredEvent.objects.count() == 7
    assert maintenance.verify_log().checked == 7
