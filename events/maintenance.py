"""Whole-log operations: verify the hash chain, rebuild projections, export and import."""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

import orjson
from django.db import connection, transaction

from events import registry, store
from events.models import LogHead, ProjectionCheckpoint, StoredEvent
from events.shapes import ExportedEvent, StoredEventFields
from events.store import (
    GENESIS_HASH,
    RECORDED_COLUMNS,
    Head,
    RecordedEvent,
    event_hash,
    hash_matches,
    project,
    sealed,
    stored_fields,
)

EXPORT_FORMAT = "timeline-event-log/1"


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    first_bad_position: int | None
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.first_bad_position is None


def _rows(batch_size: int = 5000) -> Iterator[StoredEvent]:
    after = 0
    while True:
        batch = list(StoredEvent.objects.filter(position__gt=after).order_by("position")[:batch_size])
        if not batch:
            return
        yield from batch
        after = batch[-1].position


def _witnessed(batch_size: int = 5000) -> Iterator[Head]:
    after = 0
    while True:
        batch = list(LogHead.objects.filter(position__gt=after).order_by("position")[:batch_size])
        if not batch:
            return
        yield from (Head(row.position, row.hash) for row in batch)
        after = batch[-1].position


# Each event's stored fields as one JSON text, written by PostgreSQL: the keys as stored_fields names them, the
# event id in str(uuid)'s spelling and recorded_at in datetime.isoformat()'s (UTC, microseconds only when there
# are any), so that one orjson parse gives the dict stored_fields gives. Concatenated rather than
# json_build_object: a third less of the server's time. The server writes no sorted, compact text, so orjson
# writes that again; a mismatch is settled through the ORM, so a spelling off here costs time, not truth.
_STORED_FIELDS_SQL = """
    SELECT position, hash,
        '{"data":' || data::text
        || ',"event_id":"' || event_id::text
        || '","event_type":' || to_json(event_type)::text
        || ',"metadata":' || metadata::text
        || ',"position":' || position
        || ',"recorded_at":"' || replace(
            to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'), '.000000+', '+')
        || '","schema_version":' || schema_version
        || ',"stream":' || to_json(stream)::text
        || ',"version":' || version || '}'
    FROM events_storedevent ORDER BY position
"""


def _chain(batch_size: int = 10000) -> Iterator[tuple[int, StoredEventFields, str]]:
    """Every event's position, stored fields (what its hash covers) and hash, in position order.

    Plain values rather than model instances: verify_log reads the whole log and builds nothing else. On
    PostgreSQL three columns a row, the fields as one JSON text (_STORED_FIELDS_SQL) parsed by orjson in one call,
    several times faster than the driver's and the ORM's converters and a Python dict per row.
    """
    if connection.vendor == "postgresql":
        # One query through a server-side cursor: no statement a batch, and no plan a batch that, with the
        # table's statistics stale after a bulk load, sorts all the rows left to hand over the next few.
        with connection.chunked_cursor() as cursor:
            cursor.execute(_STORED_FIELDS_SQL)
            for rows in _fetched_ahead(cursor.cursor, batch_size):
                for position, chain_hash, text in rows:
                    yield position, _json(text), chain_hash
        return
    after = 0
    while True:
        values = StoredEvent.objects.filter(position__gt=after).order_by("position")
        batch = list(values.values_list(*RECORDED_COLUMNS)[:batch_size])
        if not batch:
            return
        for position, event_id, stream, version, event_type, schema_version, data, metadata, at, chain_hash in batch:
            fields: StoredEventFields = {
                "position": position,
                "event_id": str(event_id),
                "stream": stream,
                "version": version,
                "event_type": event_type,
                "schema_version": schema_version,
                "data": data,
                "metadata": metadata,
                "recorded_at": at.isoformat(),
            }
            yield position, fields, chain_hash
        after = batch[-1][0]


def _fetched_ahead(cursor: Any, batch_size: int) -> Iterator[list[Any]]:
    """The rows of a server-side cursor (psycopg's) in batches, the next one fetched by a thread while the caller
    works through the one before: PostgreSQL builds rows while Python hashes them, where they took turns (in a
    verify_log, about half the time each). The thread only waits on the cursor; Django's view of the connection
    stays with the caller, who gets the driver's errors as Django's. Other statements on the connection
    meanwhile wait for the fetch in progress (psycopg serialises a connection's use)."""
    ready: queue.Queue[list[Any] | BaseException] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def fetch() -> None:
        try:
            while not stop.is_set():
                rows = cursor.fetchmany(batch_size)
                ready.put(rows)
                if not rows:
                    return
        except BaseException as error:  # handed to the caller, in its thread
            ready.put(error)

    fetcher = threading.Thread(target=fetch, name="fetched-ahead", daemon=True)
    fetcher.start()
    try:
        while True:
            rows = ready.get()
            if isinstance(rows, BaseException):
                with connection.wrap_database_errors:
                    raise rows
            if not rows:
                return
            yield rows
    finally:
        # The caller stopped early (a bad event) or is done: no fetch may outlive the cursor.
        stop.set()
        while fetcher.is_alive():
            with contextlib.suppress(queue.Empty):
                ready.get(timeout=0.01)
        fetcher.join()


def _json(text: str) -> Any:
    """orjson's parse (it reads integers beyond 64 bits as floats: _row_hash_matches settles those events)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _row_hash_matches(previous_hash: str, position: int) -> bool:
    """The defining check of one event, read through the ORM: what a fast-path mismatch is confirmed with."""
    row = StoredEvent.objects.get(position=position)
    return event_hash(previous_hash, row) == row.hash


def _missing_from_the_end(last: int, head: Head, whose: str) -> str:
    gone = f"position {head.position} is" if head.position == last + 1 else f"positions {last + 1}-{head.position} are"
    return f"{gone} missing from the end of the log ({whose} head is {head.position}:{head.hash})"


def verify_log(expect_head: Head | None = None) -> VerifyResult:
    """Recompute the chain; name the first position that is missing, out of place or does not hash.

    The chain alone cannot see events deleted from the end (what is left still verifies), so every head the
    append path witnessed (events_loghead) must still be in the log with the same hash, and so must
    `expect_head`, a head someone else recorded from the change feed or the Atom feed (its hash sealed, as they
    publish it).
    """
    with _one_snapshot():
        return _verify(expect_head)


@contextmanager
def _one_snapshot() -> Iterator[None]:
    """A transaction in which every read sees the same log: the chain (read through one server-side cursor,
    which lives in a transaction) and the head witnesses, which appends running meanwhile must not move apart.
    On PostgreSQL a repeatable-read one when it is the outermost (inside another, that one's reads are as they
    are); SQLite's transactions are serializable already."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _verify(expect_head: Head | None) -> VerifyResult:
    previous_hash = GENESIS_HASH
    expected_position = 1
    checked = 0
    witnessed = _witnessed()
    witness = next(witnessed, None)
    for position, fields, row_hash in _chain():
        if position != expected_position:
            return VerifyResult(checked, expected_position, f"position {expected_position} is missing")
        if not hash_matches(previous_hash, fields, row_hash) and not _row_hash_matches(previous_hash, position):
            return VerifyResult(checked, position, "hash does not match the event's content")
        if witness is not None and witness.position == position:
            if witness.hash != row_hash:
                return VerifyResult(
                    checked, position, f"the head witness recorded hash {witness.hash} here, not {row_hash}"
                )
            witness = next(witnessed, None)
        if (
            expect_head is not None
            and expect_head.position == position
            and expect_head.hash != (published := sealed(row_hash))
        ):
            return VerifyResult(
                checked, position, f"the expected head has hash {expect_head.hash} here, not {published}"
            )
        previous_hash = row_hash
        expected_position += 1
        checked += 1
    last = expected_position - 1
    if witness is not None:
        latest = LogHead.objects.order_by("-position").first()
        assert latest is not None
        return VerifyResult(
            checked, last + 1, _missing_from_the_end(last, Head(latest.position, latest.hash), "the witnessed")
        )
    if expect_head is not None and expect_head.position > last:
        return VerifyResult(checked, last + 1, _missing_from_the_end(last, expect_head, "the expected"))
    return VerifyResult(checked, None, None)


def rebuild_projections(batch_size: int = 5000) -> int:
    """Drop every read model and build it again from the whole log, in one transaction: set-based where a bulk
    rebuilder stands for the registered projectors on this database (registry.bulk_rebuilder), else by replaying
    the log through the projectors."""
    with transaction.atomic():
        bulk = registry.bulk_rebuilder()
        if bulk is not None:
            return _bulk_rebuild(bulk)
        return _replay(batch_size)


def _bulk_rebuild(bulk: registry.BulkRebuilder) -> int:
    # No append may commit between the log's head read here and the end of the rebuild: the rebuilt models
    # would lack its events, which its own projection (blocked meanwhile) did not write either.
    store.lock_appends()
    upto = store.last_position()
    replayed = bulk.rebuild(upto)
    ProjectionCheckpoint.objects.all().delete()
    if replayed:
        # The checkpoints the replay leaves: every projector's, at the last position.
        ProjectionCheckpoint.objects.bulk_create(
            ProjectionCheckpoint(name=projector.name, position=upto) for projector in registry.projectors()
        )
    return replayed


def _replay(batch_size: int) -> int:
    """Reset every projector and replay the log through them, a batch at a time."""
    replayed = 0
    # Reset in reverse order of registration: later read models may refer to earlier ones.
    for projector in reversed(list(registry.projectors())):
        projector.reset()
    ProjectionCheckpoint.objects.all().delete()
    after = 0
    while True:
        # Column values rather than model instances: the log is read whole and only events are built.
        rows = StoredEvent.objects.filter(position__gt=after).order_by("position")
        batch = [RecordedEvent.from_values(*row) for row in rows.values_list(*RECORDED_COLUMNS)[:batch_size]]
        if not batch:
            return replayed
        project(batch)
        replayed += len(batch)
        after = batch[-1].position


def _row_to_json(row: StoredEvent) -> ExportedEvent:
    return {**stored_fields(row), "hash": row.hash}


def export_log(out: IO[str]) -> int:
    """Write the log as JSON Lines: a header line, then one stored event per line, as stored."""
    out.write(json.dumps({"format": EXPORT_FORMAT}) + "\n")
    count = 0
    for row in _rows():
        out.write(json.dumps(_row_to_json(row), ensure_ascii=False, sort_keys=True) + "\n")
        count += 1
    return count


class LogImportError(Exception):
    """The file is not an export, or the database is not empty, or the chain does not verify."""


def _parse_lines(lines: Iterable[str]) -> Iterator[StoredEvent]:
    iterator = iter(lines)
    header = next(iterator, "")
    try:
        if json.loads(header).get("format") != EXPORT_FORMAT:
            raise ValueError
    except (ValueError, AttributeError) as error:
        raise LogImportError(f"not a {EXPORT_FORMAT} export (first line is not its header)") from error
    for number, line in enumerate(iterator, start=2):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            yield StoredEvent(
                position=int(item["position"]),
                event_id=uuid.UUID(item["event_id"]),
                stream=item["stream"],
                version=int(item["version"]),
                event_type=item["event_type"],
                schema_version=int(item["schema_version"]),
                data=item["data"],
                metadata=item["metadata"],
                recorded_at=datetime.fromisoformat(item["recorded_at"]),
                hash=item["hash"],
            )
        except (ValueError, KeyError, TypeError) as error:
            raise LogImportError(f"line {number} is not a stored event: {error}") from error


def import_log(lines: Iterable[str], batch_size: int = 2000) -> int:
    """Load an export into an empty log, checking the chain as it goes, then rebuild the projections."""
    if StoredEvent.objects.exists() or LogHead.objects.exists():
        raise LogImportError("the event log is not empty; import only into an empty database")
    previous_hash = GENESIS_HASH
    expected_position = 1
    count = 0
    with transaction.atomic():
        batch: list[StoredEvent] = []
        for row in _parse_lines(lines):
            if row.position != expected_position:
                raise LogImportError(f"position {expected_position} is missing from the export")
            if event_hash(previous_hash, row) != row.hash:
                raise LogImportError(f"hash mismatch at position {row.position}: the export was altered")
            previous_hash = row.hash
            expected_position += 1
            batch.append(row)
            if len(batch) >= batch_size:
                StoredEvent.objects.bulk_create(batch)
                count += len(batch)
                batch = []
        StoredEvent.objects.bulk_create(batch)
        count += len(batch)
        if count:
            LogHead.objects.create(position=expected_position - 1, hash=previous_hash)
        rebuild_projections()
    return count
