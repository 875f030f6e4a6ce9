"""Database triggers that make the log (and the witness of its head) append-only, per backend.

The guard lives in the database so that no code path, ORM or raw SQL, can rewrite history.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "events_storedevent"
HEAD_TABLE = "events_loghead"
# Every append-only table (the service may only read and add to them); a migration names the tables it guards,
# since a later one may not exist yet then.
APPEND_ONLY_TABLES = (TABLE, HEAD_TABLE)

_PG_FUNCTION = """CREATE OR REPLACE FUNCTION events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'the event log is append-only: % refused', TG_OP; END $$"""


def _sqlite_install(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only: UPDATE refused'); END""",
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only: DELETE refused'); END""",
    ]


# The log's own SQLite triggers, for a test that puts them back through a plain sqlite3 connection.
_SQLITE_INSTALL = _sqlite_install(TABLE)


def _sqlite_drop(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_no_update", f"DROP TRIGGER IF EXISTS {table}_no_delete"]


def _pg_install(table: str) -> list[str]:
    return [
        f"""CREATE OR REPLACE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION events_refuse_change()""",
        f"""CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change()""",
    ]


def _pg_drop(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table}",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
    ]


def _statements(connection: BaseDatabaseWrapper, tables: Sequence[str], *, install: bool) -> list[str]:
    if connection.vendor == "sqlite":
        build = _sqlite_install if install else _sqlite_drop
        return [statement for table in tables for statement in build(table)]
    if connection.vendor == "postgresql":
        build = _pg_install if install else _pg_drop
        statements = [statement for table in tables for statement in build(table)]
        return [_PG_FUNCTION, *statements] if install else statements
    raise NotImplementedError(f"no append-only guard for the {connection.vendor} backend")


def install_guard(connection: BaseDatabaseWrapper, tables: Sequence[str] = APPEND_ONLY_TABLES) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection, tables, install=True):
            cursor.execute(statement)


def drop_guard(connection: BaseDatabaseWrapper, tables: Sequence[str] = APPEND_ONLY_TABLES) -> None:
    """Only for tests that simulate tampering behind the database's back."""
    with connection.cursor() as cursor:
        for statement in _statements(connection, tables, install=False):
            cursor.execute(statement)
