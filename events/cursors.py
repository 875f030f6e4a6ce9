"""Django cursors whose parameters PostgreSQL binds on the server, for the statements of ours that gain by it."""

from __future__ import annotations

import psycopg
from django.db import connection
from django.db.backends.utils import CursorWrapper


def server_bound() -> CursorWrapper:
    """A Django cursor (execute wrappers, query logging) whose parameters travel apart from the statement."""
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    # django-stubs type the argument as the wrapper; Django passes the driver's cursor, as here.
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)  # type: ignore[arg-type]
    return connection.make_cursor(raw)  # type: ignore[arg-type]
