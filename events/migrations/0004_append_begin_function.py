"""The append's first round trip on PostgreSQL as one server-side function: lock, then read what append needs.

The lock must be taken before the reads see the log, and a single statement reads with the snapshot it took
when it started, before it waited for the lock. A plpgsql function runs each of its statements with a fresh
snapshot, so one call takes the lock and then reads the head as the last committed writer left it.
The function's text is frozen here as written; SQLite needs none (its writer lock is taken on BEGIN).
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

CREATE = """
CREATE OR REPLACE FUNCTION events_append_begin(lock_key bigint, stream_names text[], event_ids uuid[])
RETURNS TABLE (
    last_position bigint, last_hash varchar, last_recorded_at timestamptz, stored_ids integer, versions jsonb
) LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    RETURN QUERY
    SELECT head.position, head.hash, head.recorded_at,
        (SELECT count(*)::integer FROM events_storedevent AS e WHERE e.event_id = ANY(event_ids)),
        (SELECT coalesce(jsonb_object_agg(v.stream, v.version), '{}'::jsonb)
           FROM (SELECT e.stream, max(e.version) AS version FROM events_storedevent AS e
                  WHERE e.stream = ANY(stream_names) GROUP BY e.stream) AS v)
    FROM (SELECT 1) AS one
    LEFT JOIN LATERAL (
        SELECT e.position, e.hash, e.recorded_at FROM events_storedevent AS e ORDER BY e.position DESC LIMIT 1
    ) AS head ON true;
END $$
"""
DROP = "DROP FUNCTION IF EXISTS events_append_begin(bigint, text[], uuid[])"


def install(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(CREATE)


def uninstall(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("events", "0003_log_head")]

    operations = [migrations.RunPython(install, uninstall)]
