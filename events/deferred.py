"""Projection writes that need no answer, sent to PostgreSQL together instead of one round trip each.

An append's projectors issue a dozen inserts, updates and deletes whose results nobody reads; each used to wait
for the server, and on a machine shared with other work each wait, not the statement, was most of an append.
Inside `writes()`, on PostgreSQL, such statements (handed to `execute`, `insert_json`, `update_rows` or
events.bulk's inserts) are queued; psycopg's pipeline mode sends the queue with the next statement that does
need an answer (so every read sees the writes queued before it, in order) or, at the end, with the COMMIT.
Errors surface there as Django's errors and roll the whole append back, as before. Elsewhere (SQLite: no
network, nothing to save) and outside `writes()` every statement runs at once.

Statements whose text is written once (every append sends the same few) are queued `prepare=True`: they go
with their parameters bound on the server, as named prepared statements, so PostgreSQL parses each once per
connection and, from the sixth run, keeps one generic plan, where a text with its values written in was
parsed and planned anew each time. That generic plan is made once, at the sizes the tables had then: fine for
inserts of the rows a JSON parameter carries, while a statement that finds rows in a table (by primary key
too: on a table of a few pages the planner scans it) is marked `replanned`, to be planned anew as the log
grows. A pooler that hands a session's statements to other server connections (pgbouncer in transaction
mode) cannot keep prepared statements: there set DB_PREPARED_STATEMENTS=0 (config.settings), which turns
preparing off, `prepare=True` too (events.cursors).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, cast

import orjson
from django.db import connection, models
from django.db.models.sql import DeleteQuery, UpdateQuery

from events import cursors


@dataclass
class _Queue:
    """The statements waiting for the next round trip."""

    statements: list[tuple[str, Sequence[Any], bool]] = field(default_factory=list)  # sql, params, prepare
    sending: bool = False


_queue: ContextVar[_Queue | None] = ContextVar("deferred_writes", default=None)


def active() -> bool:
    """Whether writes are being queued (inside `writes()` on PostgreSQL)."""
    return _queue.get() is not None


def pending() -> bool:
    """Whether queued statements wait to go with the next one, in a pipeline (which a query string of several
    statements cannot join)."""
    queue = _queue.get()
    return queue is not None and bool(queue.statements)


class Writes:
    """What `writes()` yields: `send` goes last inside the caller's atomic block."""

    def __init__(self, queue: _Queue | None) -> None:
        self._queue = queue

    def send(self) -> None:
        """Send what is queued and wait for it. When the caller's atomic block is the transaction (no block
        around it), the COMMIT goes in the same round trip: the block's own commit then finds the transaction
        ended and sends nothing (psycopg reads the transaction's state off the connection), where leaving the
        pipeline open for it cost two more round trips (psycopg syncs to change autocommit, and to leave)."""
        queue = self._queue
        if queue is None:
            return
        commit = (
            connection.in_atomic_block
            and not connection.savepoint_ids
            and connection.commit_on_exit
            and not connection.needs_rollback
        )
        if not queue.statements:
            return  # nothing to save: the block's own COMMIT is one round trip, and a pipeline costs a sync
        with connection.wrap_database_errors, connection.connection.pipeline():
            if commit:
                queue.statements.append(("COMMIT", (), False))
            _send(queue)


@contextmanager
def writes() -> Iterator[Writes]:
    """Queue the deferrable writes of the block (PostgreSQL); see the module docstring."""
    if connection.vendor != "postgresql" or active():
        yield Writes(None)
        return
    queue = _Queue()
    token = _queue.set(queue)
    try:
        with connection.execute_wrapper(_flush_first):
            yield Writes(queue)
    finally:
        _queue.reset(token)
        queue.statements.clear()  # an exception before send(): the transaction rolled back, nothing to send


def _send(queue: _Queue) -> None:
    queue.sending = True
    try:
        with connection.cursor() as cursor, cursors.server_bound(prepare=True) as preparing:
            for sql, params, prepare in queue.statements:
                (preparing if prepare else cursor).execute(sql, params)
    finally:
        queue.statements.clear()
        queue.sending = False


def _flush_first(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Mapping[str, Any]) -> Any:
    """Every other statement goes in one round trip with the writes queued before it: a pipeline whose exit
    waits for all their results, so the statement's own result (rows, rowcount) is there when its caller reads
    it."""
    queue = _queue.get()
    if queue is None or queue.sending or not queue.statements or connection.connection is None:
        return execute(sql, params, many, context)
    with connection.wrap_database_errors, connection.connection.pipeline():
        _send(queue)
        return execute(sql, params, many, context)


# Above this many rows an insert is not queued: the queue is sent and the rows go by COPY, which for large rows
# (a long development's states, 100 at a time) beats one JSON parameter carrying them all.
QUEUED_ROWS = 16


def queues(rows: int) -> bool:
    """Whether an insert of `rows` rows is queued (else: `flush()`, then insert at once)."""
    return active() and rows <= QUEUED_ROWS


def flush() -> None:
    """Send the queued statements now and wait for them (before a statement that cannot join the pipeline)."""
    queue = _queue.get()
    if queue is None or not queue.statements:
        return
    with connection.wrap_database_errors, connection.connection.pipeline():
        _send(queue)


def execute(sql: str, params: Sequence[Any] = (), *, prepare: bool = False) -> None:
    """Run a statement whose result nobody reads: queued inside `writes()` on PostgreSQL, else at once.
    `prepare`: `sql` is one of a few texts written once (or `replanned`), sent as a prepared statement when
    queued (see the module docstring); its parameters are then typed by the server from
    the statement (or psycopg from their Python types), as in a PREPARE, so a value the statement does not place
    (a bare `%s` outside an assignment or a comparison with a column) needs a cast."""
    queue = _queue.get()
    if queue is not None:
        queue.statements.append((sql, params, prepare))
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def replanned(sql: str, position: int) -> str:
    """`sql` marked with the power of two the log's length (`position`, of an event of the append) has reached,
    for a statement queued `prepare=True` whose plan hangs on the tables' sizes: each time the log doubles the
    statement is a new text, which psycopg prepares and PostgreSQL plans anew, where the generic plan of the
    first would stay as made, at the sizes the tables had then, until an ANALYZE. A connection keeps the
    statement of each size it saw (psycopg deallocates the least recently used past its prepared_max)."""
    return f"{sql} /* log < 2^{max(position, 0).bit_length()} */"


def update(rows: models.QuerySet[Any], **values: object) -> None:
    """`rows.update(**values)`, deferred (the count of rows it changed is not asked for)."""
    if not active():
        rows.update(**values)
        return
    query = cast(UpdateQuery, rows.query.chain(UpdateQuery))
    query.add_update_values(values)
    query.annotations = {}
    sql, params = query.get_compiler(rows.db).as_sql()
    if sql:
        execute(sql, params)


def delete(rows: models.QuerySet[Any]) -> None:
    """Delete `rows` with one DELETE, deferred: for read-model rows nothing cascades from and no signal watches
    (what QuerySet.delete() would otherwise first read to find out)."""
    if not active():
        rows._raw_delete(rows.db)
        return
    query = rows.query.clone()
    query.__class__ = DeleteQuery
    sql, params = query.get_compiler(rows.db).as_sql()
    execute(sql, params)


def _rows_json(rows: Iterable[Mapping[str, object]]) -> str:
    """The rows as one JSON array (orjson writes dates, times and UUIDs as PostgreSQL reads them)."""
    rows = list(rows)
    try:
        return orjson.dumps(rows).decode()
    except TypeError:  # an integer beyond 64 bits in a JSON value
        return json.dumps(rows, default=str)


def insert_json(
    model: type[models.Model], columns: Sequence[models.Field[Any, Any]], rows: Iterable[Sequence[object]]
) -> None:
    """Queue one INSERT of many rows (PostgreSQL, inside `writes()`): the rows travel as one JSON parameter that
    jsonb_populate_recordset turns into the table's row type, column by column, instead of a parameter per
    value (or a COPY, which pipeline mode cannot carry)."""
    names = tuple(str(column.column) for column in columns)
    payload = _rows_json(dict(zip(names, row, strict=True)) for row in rows)
    execute(_insert_json_sql(model._meta.db_table, names), [payload], prepare=True)


@functools.lru_cache(maxsize=256)
def _insert_json_sql(table: str, names: tuple[str, ...]) -> str:
    """insert_json's statement, written once per table and columns: quoting each name through the connection
    cost an append's few inserts more CPU than the rest of their building."""
    quote = connection.ops.quote_name
    quoted = ", ".join(quote(name) for name in names)
    return (
        f"INSERT INTO {quote(table)} ({quoted})"
        f" SELECT {quoted} FROM jsonb_populate_recordset(NULL::{quote(table)}, %s::jsonb)"
    )


def update_rows(model: type[models.Model], rows: Sequence[models.Model], fields: Sequence[str]) -> None:
    """`bulk_update(rows, fields)`, as one UPDATE ... FROM the rows' JSON on PostgreSQL inside `writes()`."""
    if not rows:
        return
    if not active():
        model._default_manager.bulk_update(rows, fields, batch_size=500)
        return
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    targets = [cast("models.Field[Any, Any]", meta.get_field(name)) for name in fields]
    columns = [pk, *targets]
    payload = _rows_json({str(column.column): getattr(row, column.attname) for column in columns} for row in rows)
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    assignments = ", ".join(f"{quote(str(c.column))} = v.{quote(str(c.column))}" for c in targets)
    key = quote(str(pk.column))
    execute(
        f"UPDATE {table} SET {assignments} FROM jsonb_populate_recordset(NULL::{table}, %s::jsonb) AS v"
        f" WHERE {table}.{key} = v.{key}",
        [payload],
    )
