"""Append to and read from the event log: concurrency, idempotency, gapless positions, hash chain.

Every append takes one lock before reading the last position (PostgreSQL: a transaction-level advisory
lock; SQLite: the IMMEDIATE transaction's write lock), so positions are handed out in commit order and a
reader that follows `position > last` never skips an event that commits later with a smaller number.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import orjson
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Max, Q
from django.utils import timezone
from psycopg import ClientCursor
from psycopg.pq import TransactionStatus

from events import cursors, deferred, registry
from events.models import LogHead, ProjectionCheckpoint, StoredEvent
from events.shapes import EventData, EventMetadata, StoredEventFields

# Any constant works; it only has to be the same for every writer of this database.
_APPEND_LOCK_KEY = 7_310_202_201
GENESIS_HASH = "0" * 64


class ConcurrencyError(Exception):
    """The stream moved on since the caller read it."""

    def __init__(self, stream: str, expected: int, actual: int) -> None:
        super().__init__(f"stream {stream} is at version {actual}, not the expected {expected}")
        self.stream = stream
        self.expected = expected
        self.actual = actual


class IdempotencyConflictError(Exception):
    """An event id was reused for a different stream, event type or request."""


@dataclass(frozen=True)
class Head:
    """A head of the log: its last position and that event's chain hash (0 and the genesis hash when empty), or,
    as the change feed and the Atom feed publish it for others to witness, the sealed form of that hash
    (`published_head`); `verify_log --expect-head` checks a copy of the log against a published one."""

    position: int
    hash: str

    def __str__(self) -> str:
        return f"{self.position}:{self.hash}"


@dataclass(frozen=True)
class NewEvent:
    event_type: str
    data: EventData
    event_id: uuid.UUID = field(default_factory=uuid.uuid4)
    metadata: EventMetadata = field(default_factory=lambda: EventMetadata())


@dataclass(frozen=True)
class RecordedEvent:
    position: int
    event_id: uuid.UUID
    stream: str
    version: int
    event_type: str
    schema_version: int
    data: EventData
    metadata: EventMetadata
    recorded_at: datetime
    hash: str
    # True when append found the event already stored (a retry) and returned it instead of writing it; a fact
    # about the call, not the event, so two answers about one event compare equal either way.
    replayed: bool = field(default=False, compare=False)

    @classmethod
    def from_row(cls, row: StoredEvent) -> RecordedEvent:
        """The event as the current code expects it: older schema versions go through their upcasters."""
        return cls.from_values(
            row.position,
            row.event_id,
            row.stream,
            row.version,
            row.event_type,
            row.schema_version,
            row.data,
            row.metadata,
            row.recorded_at,
            row.hash,
        )

    @classmethod
    def from_values(
        cls,
        position: int,
        event_id: uuid.UUID,
        stream: str,
        version: int,
        event_type: str,
        schema_version: int,
        data: EventData,
        metadata: EventMetadata,
        recorded_at: datetime,
        hash: str,
    ) -> RecordedEvent:
        """from_row for a stored event's columns in RECORDED_COLUMNS order (a whole-log read builds no models)."""
        schema_version, data = registry.upcast(event_type, schema_version, data)
        return cls(position, event_id, stream, version, event_type, schema_version, data, metadata, recorded_at, hash)


# StoredEvent's columns in from_values' order.
RECORDED_COLUMNS = (
    "position",
    "event_id",
    "stream",
    "version",
    "event_type",
    "schema_version",
    "data",
    "metadata",
    "recorded_at",
    "hash",
)


def canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


_PLAIN_LEAVES = frozenset({str, int, bool, type(None)})


def _plain(value: object) -> bool:
    """Whether `value` is made of dicts with str keys, lists, str, int, bool and None alone (exact types): JSON
    that orjson writes exactly as canonical_json does. Floats are not (orjson writes 1e-05 as 0.00001), nor
    subclasses or anything canonical_json would pass through str()."""
    pending = [value]
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind is dict:
            for key in item:  # type: ignore[attr-defined]
                if type(key) is not str:
                    return False
            pending.extend(item.values())  # type: ignore[attr-defined]
        elif kind is list:
            pending.extend(item)  # type: ignore[arg-type]
        elif kind not in _PLAIN_LEAVES:
            return False
    return True


def stored_fields(row: StoredEvent) -> StoredEventFields:
    """Everything stored about an event but its hash: what the hash covers, and (with the hash) an export line."""
    return {
        "position": row.position,
        "event_id": str(row.event_id),
        "stream": row.stream,
        "version": row.version,
        "event_type": row.event_type,
        "schema_version": row.schema_version,
        "data": row.data,
        "metadata": row.metadata,
        "recorded_at": row.recorded_at.isoformat(),
    }


def event_hash(previous_hash: str, row: StoredEvent) -> str:
    """sha256 over the previous hash and the canonical JSON of everything stored about the event."""
    return fields_hash(previous_hash, stored_fields(row))


def fields_hash(previous_hash: str, fields: StoredEventFields) -> str:
    """The chain hash of an event given as its stored fields (the definition: canonical_json)."""
    return _chain(previous_hash, canonical_json(fields))


def _chain(previous_hash: str, canonical_text: str) -> str:
    """sha256 over the previous hash and an event's canonical JSON."""
    return hashlib.sha256((previous_hash + canonical_text).encode("utf-8")).hexdigest()


def hash_matches(previous_hash: str, fields: StoredEventFields, stored_hash: str) -> bool:
    """Whether `stored_hash` is the chain hash of `fields` after `previous_hash`; what verify_log asks per event.

    orjson writes canonical_json's bytes several times faster, except for a few spellings (a float as 1e16,
    not 1e+16; integers beyond 64 bits, which it refuses). A hash that matches its text proves the content as
    well as the defining text would; one that does not is checked again the defining way before it counts.
    """
    try:
        body = orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        body = None
    if body is not None and hashlib.sha256(previous_hash.encode("utf-8") + body).hexdigest() == stored_hash:
        return True
    return fields_hash(previous_hash, fields) == stored_hash


def _stored_text(fields: StoredEventFields) -> str:
    """The canonical JSON of a new event's stored fields: what its hash covers and, on PostgreSQL, what is sent.

    canonical_json's text, several times faster for plain values (_plain): orjson writes those byte for byte the
    same (sorted keys, no spaces, non-ASCII as it is, the same escapes); anything else goes the defining way.
    Data and metadata must be JSON values, as the ORM writes them: anything canonical_json would pass through
    str() (a datetime, a UUID) is refused with the TypeError json.dumps raises, on every database alike."""
    if _plain(fields):
        try:
            return orjson.dumps(fields, option=orjson.OPT_SORT_KEYS).decode()
        except orjson.JSONEncodeError:
            pass  # an integer beyond 64 bits
    else:
        json.dumps([fields["data"], fields["metadata"]])
    return canonical_json(fields)


@dataclass(frozen=True)
class _LogState:
    """What an append reads under the lock: the log's last event (if any), its streams' versions, and how many
    of its event ids are stored already."""

    last_position: int
    last_hash: str
    last_recorded_at: datetime | None
    versions: dict[str, int]
    stored_ids: int


def _locked_state(streams: set[str], event_ids: list[uuid.UUID]) -> _LogState:
    """Take the append lock, then read the log as the last committed writer left it.

    PostgreSQL: one call of events_append_begin (migration 0004), which takes the transaction-level advisory
    lock and then reads with a fresh snapshot. SQLite: settings open IMMEDIATE transactions, so the write lock
    is already held and plain queries follow.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            _execute_first(
                cursor,
                "SELECT * FROM events_append_begin(%s, %s::text[], %s::uuid[])",
                [_APPEND_LOCK_KEY, sorted(streams), event_ids],
            )
            position, chain_hash, recorded_at, stored_ids, versions = cursor.fetchone()
        found = json.loads(versions) if isinstance(versions, str) else versions
        return _LogState(
            last_position=int(position or 0),
            last_hash=chain_hash or GENESIS_HASH,
            last_recorded_at=recorded_at,
            versions={stream: int(found.get(stream, 0)) for stream in streams},
            stored_ids=int(stored_ids),
        )
    last = StoredEvent.objects.order_by("-position").only("position", "hash", "recorded_at").first()
    found_versions = StoredEvent.objects.filter(stream__in=streams).values_list("stream").annotate(v=Max("version"))
    return _LogState(
        last_position=last.position if last else 0,
        last_hash=last.hash if last else GENESIS_HASH,
        last_recorded_at=last.recorded_at if last else None,
        versions={stream: 0 for stream in streams} | {stream: int(version) for stream, version in found_versions},
        stored_ids=StoredEvent.objects.filter(event_id__in=event_ids).count(),
    )


def _sqlite_write(rows: list[StoredEvent], head_: Head, names: list[str]) -> int:
    """Insert the events and the head's witness and move the projectors' checkpoints with the ORM (SQLite: three
    statements); return how many checkpoints moved (fewer than the projectors when one has no row yet)."""
    StoredEvent.objects.bulk_create(rows)
    LogHead.objects.create(position=head_.position, hash=head_.hash)
    return ProjectionCheckpoint.objects.filter(name__in=names).update(position=head_.position)


def stream_version(stream: str) -> int:
    version = StoredEvent.objects.filter(stream=stream).aggregate(v=Max("version"))["v"]
    return int(version or 0)


def append(
    stream: str, events: Sequence[NewEvent], *, expected_version: int | None, assumed_version: int | None = None
) -> list[RecordedEvent]:
    """Append `events` to `stream` atomically and run the synchronous projectors on them.

    `expected_version` is the stream version the caller decided on (0 for a new stream); None skips the
    check. Events whose ids are already stored are returned as stored and nothing is written.
    `assumed_version`, with no expected version, is where the caller last saw the stream (a read model's
    version): not a check, a guess that spares PostgreSQL's append the call that reads the stream's version
    (a wrong guess costs that call back, as a wrong assumed head does).
    """
    assumed = {stream: assumed_version} if assumed_version is not None else None
    return append_many([(stream, events, expected_version)], assumed_versions=assumed)


Batches = Sequence[tuple[str, Sequence[NewEvent], int | None]]

# The head each database's appends in this process last saw: (position, chain hash, recorded time). An append on
# PostgreSQL assumes it chains from there; events_append checks that under the lock, and a wrong guess (another
# process wrote, a transaction rolled back) costs one more call, never a wrong chain.
_assumed_heads: dict[str, tuple[int, str, datetime | None]] = {}
# The largest version StoredEvent.version holds on PostgreSQL (an integer column).
_LAST_VERSION = 2**31 - 1


@dataclass(frozen=True)
class _Plan:
    """An append computed from a state of the log: the events as they will be recorded, and for PostgreSQL each
    one's `[hash, canonical JSON of its stored fields]`, the text its hash covers."""

    chained_from: str
    recorded: list[RecordedEvent]
    pairs: list[str]
    now: datetime


def _plan(batches: Batches, state: _LogState) -> _Plan:
    """Number, time and hash the events after `state`; ConcurrencyError when a stream is not where its caller
    expected it."""
    position = state.last_position
    previous_hash = state.last_hash
    # Recorded times never go backwards along the log, so "as of a time" maps to one position.
    now = timezone.now()
    if state.last_recorded_at is not None and state.last_recorded_at > now:
        now = state.last_recorded_at
    recorded_at = now.isoformat()
    recorded: list[RecordedEvent] = []
    pairs: list[str] = []
    # A stream named in two batches continues from the first's.
    versions = dict(state.versions)
    for stream, events, expected_version in batches:
        version = versions[stream]
        if expected_version is not None and expected_version != version:
            raise ConcurrencyError(stream, expected_version, version)
        for event in events:
            position += 1
            version += 1
            schema_version = registry.schema_version_of(event.event_type)
            fields: StoredEventFields = {
                "position": position,
                "event_id": str(event.event_id),
                "stream": stream,
                "version": version,
                "event_type": event.event_type,
                "schema_version": schema_version,
                "data": event.data,
                "metadata": event.metadata,
                "recorded_at": recorded_at,
            }
            text = _stored_text(fields)
            previous_hash = _chain(previous_hash, text)
            pairs.append(f'["{previous_hash}",{text}]')
            # At the current schema version already: nothing to upcast.
            recorded.append(
                RecordedEvent(
                    position,
                    event.event_id,
                    stream,
                    version,
                    event.event_type,
                    schema_version,
                    event.data,
                    event.metadata,
                    now,
                    previous_hash,
                )
            )
        versions[stream] = version
    return _Plan(state.last_hash, recorded, pairs, now)


def append_many(batches: Batches, *, assumed_versions: Mapping[str, int] | None = None) -> list[RecordedEvent]:
    """Append to several streams in one transaction (a merge touches two): all or nothing. `assumed_versions`:
    as append's `assumed_version`, by stream, for the batches without an expected version."""
    if not batches or not any(events for _, events, _ in batches):
        return []
    names = [projector.name for projector in registry.projectors()]
    # The projectors' writes wait for the next statement that needs an answer, or go with the COMMIT
    # (events.deferred): on PostgreSQL a round trip per statement was most of an append's time.
    with deferred.writes() as writes, transaction.atomic():
        if connection.vendor == "postgresql":
            recorded, moved = _append_postgresql(batches, names, assumed_versions or {})
        else:
            recorded, moved = _append_sqlite(batches, names)
        if moved is None:
            return recorded  # a retry: every event was stored already
        project(recorded, checkpoints_moved=moved == len(names))
        writes.send()
        return recorded


def _append_sqlite(batches: Batches, names: list[str]) -> tuple[list[RecordedEvent], int | None]:
    """The append under SQLite's write lock (taken on BEGIN): read the state, then write (the ORM)."""
    all_ids = [event.event_id for _, events, _ in batches for event in events]
    state = _locked_state({stream for stream, _, _ in batches}, all_ids)
    if state.stored_ids:
        return _replayed(batches, all_ids), None
    plan = _plan(batches, state)
    rows = [
        StoredEvent(
            position=event.position,
            event_id=event.event_id,
            stream=event.stream,
            version=event.version,
            event_type=event.event_type,
            schema_version=event.schema_version,
            data=event.data,
            metadata=event.metadata,
            recorded_at=event.recorded_at,
            hash=event.hash,
        )
        for event in plan.recorded
    ]
    # The head's witness, apart from the log: what verify_log checks so that a cut-off tail shows.
    last = plan.recorded[-1]
    return plan.recorded, _sqlite_write(rows, Head(last.position, last.hash), names)


def _append_postgresql(
    batches: Batches, names: list[str], assumed_versions: Mapping[str, int]
) -> tuple[list[RecordedEvent], int | None]:
    """The append as one call of events_append (migrations 0005, 0006) when the head this process last saw is still
    the head and every stream is where its caller expected (or, without an expected version, assumed) it; otherwise
    the call answers the log's state (or, with no head to assume or a stream with neither an expected nor an
    assumed version, events_append_begin does), and a second call under the lock so taken writes the events
    computed from it."""
    alias = connection.alias
    assumed = _assumed_heads.get(alias)
    state: _LogState | None = None
    plan: _Plan | None = None
    # A version past the column's range cannot be a stream's: such a caller is stale, which only the log's own
    # state can say (sent to the server, it would be a cast error, not a conflict).
    if assumed is not None and all(
        (version := expected if expected is not None else assumed_versions.get(stream)) is not None
        and 0 <= version <= _LAST_VERSION - len(events)
        for stream, events, expected in batches
    ):
        first_versions: dict[str, int] = {}
        for stream, _, expected in batches:
            first_versions.setdefault(stream, int(expected if expected is not None else assumed_versions[stream]))
        try:
            plan = _plan(batches, _LogState(*assumed, versions=first_versions, stored_ids=0))
        except ConcurrencyError:
            plan = None  # a stream named twice, expected inconsistently: the log's own state says which is stale
    if plan is not None:
        moved, state = _call_append(plan, names, batches)
    if plan is None or state is not None:
        all_ids = [event.event_id for _, events, _ in batches for event in events]
        if state is None:
            state = _locked_state({stream for stream, _, _ in batches}, all_ids)
        if state.stored_ids:
            return _replayed(batches, all_ids), None
        plan = _plan(batches, state)
        moved, moved_state = _call_append(plan, names, batches, strict=True)
        if moved_state is not None:
            raise RuntimeError(f"the log is not as read under the append lock: {moved_state}")
    last = plan.recorded[-1]
    _assumed_heads[alias] = (last.position, last.hash, plan.now)
    return plan.recorded, moved


def _opens_transaction(cursor: CursorWrapper) -> bool:
    """Whether the statement about to run opens the transaction of the outermost atomic block it runs in (the
    block append_many enters when no caller's block is around it), on a cursor that binds parameters on the client
    (Django's default for psycopg): nothing has run in the block yet, and nothing waits to go with it."""
    raw = connection.connection
    return (
        connection.in_atomic_block
        and connection.commit_on_exit
        and not connection.savepoint_ids
        and not raw.autocommit
        and raw.info.transaction_status == TransactionStatus.IDLE
        and isinstance(cursor.cursor, ClientCursor)
        and not deferred.pending()
    )


def _execute_first(cursor: CursorWrapper, sql: str, params: Sequence[Any]) -> None:
    """Run an append's first statement on PostgreSQL, with the BEGIN of its transaction in the same message when it
    opens one.

    psycopg opens a transaction by sending BEGIN on its own and waiting for the answer before the statement: one
    round trip of the three (BEGIN, the call, COMMIT) an append without projection writes costs. Here the BEGIN
    goes in front of the statement, in one query string (the cursor binds the parameters on the client, so the two
    travel as one simple query). psycopg must then not send its own: its connection is switched to autocommit,
    which it allows before a transaction, and the explicit BEGIN holds the transaction open all the same. Only the
    atomic block's end, after its COMMIT or ROLLBACK, closes that transaction, and there Django sets autocommit on
    as well, so both agree again and no statement of the block ran outside the transaction.
    """
    if not _opens_transaction(cursor):
        cursor.execute(sql, params)
        return
    connection.connection.autocommit = True
    cursor.execute("BEGIN; " + sql, params)
    cursor.nextset()  # from BEGIN's empty result to the statement's


# Events JSON longer than this goes to events_append as a parameter bound on the server, not in the query string:
# PostgreSQL's lexer copies a string literal a character at a time, and psycopg escapes it first. For 100 events
# (about 100 kB) that cost 7% of the call's server time and 8% of its client time, more than the round trip of a
# BEGIN sent apart (_execute_first needs the query string) saves; for one event (1 kB) nothing measurable.
_LITERAL_EVENTS = 16_000


def _call_append(
    plan: _Plan, names: list[str], batches: Batches, *, strict: bool = False
) -> tuple[int, None] | tuple[None, _LogState]:
    """Call events_append with `plan`: how many checkpoints moved, or, when the log was not in the state the plan
    assumed, the state it is in (and nothing written). `strict`: the plan was computed under the lock, so a
    unique violation is an error to raise, not a sign of a moved log."""
    sql = "SELECT * FROM events_append(%s, %s, %s::jsonb, %s::text[], %s)"
    events = "[" + ",".join(plan.pairs) + "]"
    params: list[Any] = [_APPEND_LOCK_KEY, plan.chained_from, events, names, strict]
    if len(events) > _LITERAL_EVENTS:
        with cursors.server_bound() as cursor:
            cursor.execute(sql, params)
            moved, position, chain_hash, recorded_at, stored_ids, versions = cursor.fetchone()
    else:
        with connection.cursor() as cursor:
            _execute_first(cursor, sql, params)
            moved, position, chain_hash, recorded_at, stored_ids, versions = cursor.fetchone()
    if moved is not None:
        return int(moved), None
    found = json.loads(versions) if isinstance(versions, str) else versions
    return None, _LogState(
        last_position=int(position or 0),
        last_hash=chain_hash or GENESIS_HASH,
        last_recorded_at=recorded_at,
        versions={stream: int(found.get(stream, 0)) for stream, _, _ in batches},
        stored_ids=int(stored_ids),
    )


def same_request(recorded: EventMetadata, claimed: EventMetadata) -> bool:
    """Whether a retry's metadata claims the request that first used the event id.

    Callers that derive an event id from a client's key (the API's Idempotency-Key) put a hash of the request
    in the metadata as `request_hash`; the same key with another request must not be answered as the first.
    Events stored without a hash (older ones, ids derived from a form token or a candidate) match by id.
    """
    first = recorded.get("request_hash") or ""
    return not first or first == (claimed.get("request_hash") or "")


def _replayed(batches: Batches, event_ids: list[uuid.UUID]) -> list[RecordedEvent]:
    """A retried append: every id must be stored already, for the same stream, type and request.

    This runs under the append lock, so it is where concurrent retries of one key meet: the first writes, every
    later one lands here and is either the same request (answered with the stored events) or refused.
    """
    already = {row.event_id: row for row in StoredEvent.objects.filter(event_id__in=event_ids)}
    result = []
    for stream, events, _ in batches:
        for event in events:
            row = already.get(event.event_id)
            if row is None or row.stream != stream or row.event_type != event.event_type:
                raise IdempotencyConflictError(
                    f"event id {event.event_id} was already used for another event or a partial batch"
                )
            if not same_request(row.metadata, event.metadata):
                raise IdempotencyConflictError(f"event id {event.event_id} was first used for another request")
            result.append(replace(RecordedEvent.from_row(row), replayed=True))
    return result


def project(events: Sequence[RecordedEvent], *, checkpoints_moved: bool = False) -> None:
    """Apply events to every projector and move their checkpoints, in the caller's transaction
    (`checkpoints_moved`: the caller already moved every one, as append does in its insert statement)."""
    if not events:
        return
    names = []
    for projector in registry.projectors():
        apply_batch = getattr(projector, "apply_batch", None)
        if apply_batch is not None and len(events) > 1:
            apply_batch(events)  # the same rows in a few bulk statements: rebuilds and batched appends
        else:
            for event in events:
                projector.apply(event)
        names.append(projector.name)
    if checkpoints_moved:
        return
    # One UPDATE for every checkpoint in the common case; rows are created the first time only.
    position = events[-1].position
    if ProjectionCheckpoint.objects.filter(name__in=names).update(position=position) < len(names):
        for name in names:
            ProjectionCheckpoint.objects.update_or_create(name=name, defaults={"position": position})


def read_all(
    *,
    after: int = 0,
    limit: int | None = None,
    upto: int | None = None,
    stream_prefixes: Sequence[str] | None = None,
) -> list[RecordedEvent]:
    """Events after `after` (and at or before `upto`) in position order; only the streams whose names start
    with one of `stream_prefixes` when it is given."""
    rows = StoredEvent.objects.filter(position__gt=after).order_by("position")
    if upto is not None:
        rows = rows.filter(position__lte=upto)
    if stream_prefixes is not None:
        wanted = Q(pk__in=[])
        for prefix in stream_prefixes:
            wanted |= Q(stream__startswith=prefix)
        rows = rows.filter(wanted)
    if limit is not None:
        rows = rows[:limit]
    return [RecordedEvent.from_row(row) for row in rows]


def iter_all(*, after: int = 0, batch_size: int = 2000) -> Iterator[RecordedEvent]:
    """Every event after `after`, fetched in position-ordered batches to keep memory flat."""
    while True:
        batch = read_all(after=after, limit=batch_size)
        if not batch:
            return
        yield from batch
        after = batch[-1].position


def read_stream(stream: str) -> list[RecordedEvent]:
    return [RecordedEvent.from_row(row) for row in StoredEvent.objects.filter(stream=stream).order_by("version")]


def lock_appends() -> None:
    """Hold the append lock until the caller's transaction ends, so that no event is appended meanwhile (a whole
    rebuild reads the log once and must own every event it did not see). SQLite: its one writer at a time is
    this already."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_APPEND_LOCK_KEY])


def last_position() -> int:
    return int(StoredEvent.objects.aggregate(p=Max("position"))["p"] or 0)


def head(upto: int | None = None) -> Head:
    """The log's head, or its last event at or before `upto` (an answer built up to that position).

    One raw statement on the primary key's index: every read's ETag asks for the head, and the ORM's building
    of this query was a sixth of a cached answer's CPU."""
    table = connection.ops.quote_name(StoredEvent._meta.db_table)
    where, params = ("WHERE position <= %s", [upto]) if upto is not None else ("", [])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT position, hash FROM {table} {where} ORDER BY position DESC LIMIT 1", params)
        last = cursor.fetchone()
    return Head(int(last[0]), str(last[1])) if last else Head(0, GENESIS_HASH)


def sealed(chain_hash: str) -> str:
    """How a head's hash is published: a sha256 of the event's chain hash.

    It commits to the whole log as the chain hash does. But chain hashes are shown to analysts only: from two
    published heads one event apart, a raw hash would let anyone confirm a guessed actor of that event by
    recomputing the second from the first; a sealed one gives nothing to chain forward from.
    """
    return hashlib.sha256(f"timeline-log-head:{chain_hash}".encode()).hexdigest()


def published_head(upto: int | None = None) -> Head:
    """The head (or the last event at or before `upto`) as the feeds publish it: position and sealed hash."""
    raw = head(upto)
    return Head(raw.position, sealed(raw.hash))


def position_at(moment: datetime) -> int:
    """The last position recorded at or before `moment` (0 before the first event)."""
    row = StoredEvent.objects.filter(recorded_at__lte=moment).order_by("-position").only("position").first()
    return row.position if row else 0
