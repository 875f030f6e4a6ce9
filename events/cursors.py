"""Django cursors whose parameters PostgreSQL binds on the server, for the statements of ours that gain by it."""

from __future__ import annotations

from typing import Any

import psycopg
from django.db import connection
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper


class _PreparingCursor(psycopg.Cursor[Any]):
    """Prepares every statement it runs the first time, rather than after the connection's prepare_threshold runs
    of it: the connection counts the runs of its last hundred texts only, and the one-off texts Django's
    client-side binding writes (an append's call with its events, at least) could push a statement out before
    its count came up."""

    def execute(
        self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: bool | None = None
    ) -> Any:
        return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)


class _DebugWrapper(CursorDebugWrapper):
    """Query logging (DEBUG, CaptureQueriesContext) of a statement whose values travel apart: the statement as
    sent. Django reads the text of the last query off psycopg's cursor, which keeps none for a prepared one."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(sql, params):
            return CursorWrapper.execute(self, sql, params)


def server_bound(*, prepare: bool = False) -> CursorWrapper:
    """A Django cursor (execute wrappers, query logging, error translation) whose parameters travel apart from the
    statement. `prepare`: each statement is prepared on its first run (for the few texts written once; see
    events.deferred); else after the connection's prepare_threshold runs. Preparing is off altogether when that
    threshold is None (config.settings, DB_PREPARED_STATEMENTS)."""
    connection.ensure_connection()
    raw = (_PreparingCursor if prepare else psycopg.Cursor)(connection.connection)
    # django-stubs type the argument as the wrapper; Django passes the driver's cursor, as here.
    if connection.queries_logged:
        return _DebugWrapper(raw, connection)
    return connection.make_cursor(raw)  # type: ignore[arg-type]
