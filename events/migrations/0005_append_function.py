"""The whole append on PostgreSQL as one server-side function: lock, check what the caller assumed, insert.

The caller computes the events' positions, versions and chain hashes from a head it assumed (the last one it
saw), and sends them as one JSON array of `[hash, stored fields]` pairs, the fields being the very canonical
JSON the hash covers. Under the append lock the function checks that assumption: the log's last event is the
one the first event chains from (position and hash) and its time is not after the first event's; every stream
is at the version just before its first event; no event id is stored already. The last two cost no lookup
where the constraints answer them: a stream's first new version is free (events_stream_version_unique) and the
ids are (the event_id unique index) or the insert fails, so only a stream continued from version n > 0 is looked
up, for its version n. If all hold, it inserts the events, the head's witness and the projectors' checkpoints
and answers how many checkpoints moved; if not (or the insert hits a unique constraint, undone by the block's
savepoint), it answers what the caller needs to compute again (the head, its time, how many of the ids are
stored, the streams' versions), still holding the lock for the rest of the transaction. With `strict`, the
call for an append computed under that lock, a unique violation is raised as it is.

As in 0004, plpgsql runs each statement with a fresh snapshot, so the reads after the lock see the log as the
last committed writer left it. The function's text is frozen here as written; SQLite needs none.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

CREATE = """
CREATE OR REPLACE FUNCTION events_append(
    lock_key bigint, previous_hash varchar, events jsonb, checkpoints text[], strict boolean
)
RETURNS TABLE (
    moved integer, last_position bigint, last_hash varchar, last_recorded_at timestamptz, stored_ids integer,
    versions jsonb
) LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    head record;
    first_event jsonb := events->0->1;
    last_event jsonb := events->-1;
    count_moved integer;
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    SELECT e.position, e.hash, e.recorded_at INTO head FROM events_storedevent AS e ORDER BY e.position DESC LIMIT 1;
    IF coalesce(head.position, 0) = (first_event->>'position')::bigint - 1
        AND coalesce(head.hash, repeat('0', 64)) = previous_hash
        AND (head.recorded_at IS NULL OR head.recorded_at <= (first_event->>'recorded_at')::timestamptz)
        AND NOT EXISTS (
            SELECT 1 FROM (
                SELECT x->1->>'stream' AS stream, min((x->1->>'version')::integer) AS first_version
                FROM jsonb_array_elements(events) AS x GROUP BY 1
            ) AS s
            WHERE s.first_version > 1 AND NOT EXISTS (
                SELECT 1 FROM events_storedevent AS e WHERE e.stream = s.stream AND e.version = s.first_version - 1))
    THEN
        BEGIN
            INSERT INTO events_storedevent (
                position, event_id, stream, version, event_type, schema_version, data, metadata, recorded_at, hash
            )
            SELECT (f->>'position')::bigint, (f->>'event_id')::uuid, f->>'stream', (f->>'version')::integer,
                f->>'event_type', (f->>'schema_version')::smallint, f->'data', f->'metadata',
                (f->>'recorded_at')::timestamptz, x->>0
            FROM jsonb_array_elements(events) AS x, LATERAL (SELECT x->1 AS f) AS fields;
            INSERT INTO events_loghead (position, hash)
            VALUES ((last_event->1->>'position')::bigint, last_event->>0);
            UPDATE events_projectioncheckpoint SET position = (last_event->1->>'position')::bigint
            WHERE name = ANY(checkpoints);
            GET DIAGNOSTICS count_moved = ROW_COUNT;
            RETURN QUERY SELECT count_moved, NULL::bigint, NULL::varchar, NULL::timestamptz, NULL::integer, NULL::jsonb;
            RETURN;
        EXCEPTION WHEN unique_violation THEN
            IF strict THEN
                RAISE;
            END IF;
        END;
    END IF;
    RETURN QUERY SELECT NULL::integer, head.position, head.hash, head.recorded_at,
        (SELECT count(*)::integer FROM events_storedevent AS e
          WHERE e.event_id IN (SELECT (x->1->>'event_id')::uuid FROM jsonb_array_elements(events) AS x)),
        (SELECT coalesce(jsonb_object_agg(v.stream, v.version), '{}'::jsonb)
           FROM (SELECT e.stream, max(e.version) AS version FROM events_storedevent AS e
                  WHERE e.stream IN (SELECT x->1->>'stream' FROM jsonb_array_elements(events) AS x)
                  GROUP BY e.stream) AS v);
END $$
"""
DROP = "DROP FUNCTION IF EXISTS events_append(bigint, varchar, jsonb, text[], boolean)"


def install(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(CREATE)


def uninstall(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("events", "0004_append_begin_function")]

    operations = [migrations.RunPython(install, uninstall)]
