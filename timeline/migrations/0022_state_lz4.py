"""PostgreSQL: the development states (history rows and current rows) are compressed with lz4 instead of pglz.

Each event writes its development's whole state into a new history row (the current row takes the same
compressed value from it, unchanged). On a development with 200 citations that is 81 kB of JSON, which pglz took
0.4-0.5 ms more to compress than lz4 does (1.2-1.3 ms against 0.8 ms per insert, both to about 12 kB), on every
event. Only values written from now on are compressed so; the existing ones stay as they are and read as before.
A server built without lz4 keeps pglz."""

from django.db import migrations

COLUMNS = (("timeline_developmentversion", "snapshot"), ("timeline_development", "snapshot"))


def _set_compression(schema_editor, method):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT %s = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'", [method])
        if not cursor.fetchone()[0]:
            return
    for table, column in COLUMNS:
        schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION {method}", params=None)


def forward(apps, schema_editor):
    _set_compression(schema_editor, "lz4")


def backward(apps, schema_editor):
    _set_compression(schema_editor, "pglz")


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0021_search_pairs_read_once"),
    ]

    operations = [migrations.RunPython(forward, backward)]
