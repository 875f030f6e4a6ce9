"""PostgreSQL: the development states (history rows and current rows) are compressed with lz4 instead of pglz.

Each event writes its development's whole state into a new history row (the current row takes the same
compressed value from it, unchanged). On a development with 200 citations that is 81 kB of JSON, which pglz took
0.4-0.5 ms more to compress than lz4 does (1.2-1.3 ms against 0.8 ms per insert, both to about 12 kB), on every
event. Only values written from now on are compressed so; the existing ones stay as they are and read as before.
A server built without lz4 keeps pglz."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

COLUMNS = (("timeline_developmentversion", "snapshot"), ("timeline_development", "snapshot"))


def _set_compression(schema_editor: BaseDatabaseSchemaEditor, method: str) -> None:
    for table, column in COLUMNS:
        schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION {method}", params=None)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
        if not cursor.fetchone()[0]:
            return
    _set_compression(schema_editor, "lz4")


def backward(apps, schema_editor):
    # As before the migration: no method of their own, the server's default_toast_compression (not pglz pinned,
    # which a server defaulting to lz4 would not have had).
    if schema_editor.connection.vendor == "postgresql":
        _set_compression(schema_editor, "DEFAULT")


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0021_search_pairs_read_once"),
    ]

    operations = [migrations.RunPython(forward, backward)]
