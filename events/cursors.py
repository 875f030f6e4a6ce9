"""Django cursors whose parameters PostgreSQL binds on the server, for the statements of ours that gain by it."""

from __future__ import annotations

from typing import Any

import psycopg
from django.conf import settings
from django.db import connection
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper

# psycopg's prepare threshold while one of ours runs: any number turns its preparing on (a statement of ours asks
# to be prepared on its first run); None, Django's setting for the connection, turns it off.
_PREPARING = 5


class _PreparingCursor(psycopg.Cursor[Any]):
    """Prepares every statement it runs the first time (unless settings.DB_PREPARED_STATEMENTS is off).

    psycopg prepares nothing while the connection's prepare_threshold is None, as Django leaves it. Set for the
    connection, it would also make psycopg book every statement Django runs, its whole text with the values written
    in (a bulk insert's megabytes among them), in a cache of the last hundred; so it is set only while a statement
    of ours is decided on and booked, and the connection's own setting is put back after."""

    def execute(
        self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: bool | None = None
    ) -> Any:
        if not settings.DB_PREPARED_STATEMENTS:
            return super().execute(query, params, prepare=False, binary=binary)
        connection = self.connection
        threshold = connection.prepare_threshold
        connection.prepare_threshold = _PREPARING
        try:
            return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)
        finally:
            connection.prepare_threshold = threshold


class _DebugWrapper(CursorDebugWrapper):
    """Query logging (DEBUG, CaptureQueriesContext) of a statement whose values travel apart: the statement as
    sent. Django reads the text of the last query off psycopg's cursor, which keeps none for a prepared one."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(sql, params):
            return CursorWrapper.execute(self, sql, params)


def server_bound(*, prepare: bool = False) -> CursorWrapper:
    """A Django cursor (execute wrappers, query logging, error translation) whose parameters travel apart from the
    statement. `prepare`: each statement is prepared on its first run (for the few texts written once; see
    events.deferred), unless settings.DB_PREPARED_STATEMENTS is off; else it is never prepared."""
    connection.ensure_connection()
    raw = (_PreparingCursor if prepare else psycopg.Cursor)(connection.connection)
    # django-stubs type the argument as the wrapper; Django passes the driver's cursor, as here.
    if connection.queries_logged:
        return _DebugWrapper(raw, connection)
    return connection.make_cursor(raw)  # type: ignore[arg-type]
