"""events_append (migration 0005) in fewer statements: the same checks, writes and answers, less server time.

A plpgsql function pays for each statement it runs (an executor started and ended, a snapshot), and 0005's ran
seven on the way to an insert: the lock, the head read, the check, three inserts and updates, and RETURN QUERY
(which also builds a result set). Here the head is read and checked in one statement, the events, the head's
witness and the checkpoints are written in one (data-modifying WITH queries run to completion whether the main
statement reads them or not), and the answer goes out as OUT parameters. What is checked, and what a failed check
or a unique violation answers, is 0005's. The function's text is frozen here as written; SQLite needs none.
"""

import importlib

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

CREATE = """
CREATE FUNCTION events_append(
    lock_key bigint, previous_hash varchar, events jsonb, checkpoints text[], strict boolean,
    OUT moved integer, OUT last_position bigint, OUT last_hash varchar, OUT last_recorded_at timestamptz,
    OUT stored_ids integer, OUT versions jsonb
) LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    assumed_head_holds boolean;
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    SELECT head.position, head.hash, head.recorded_at,
        coalesce(head.position, 0) = (events->0->1->>'position')::bigint - 1
        AND coalesce(head.hash, repeat('0', 64)) = previous_hash
        AND (head.recorded_at IS NULL OR head.recorded_at <= (events->0->1->>'recorded_at')::timestamptz)
        AND NOT EXISTS (
            SELECT 1 FROM (
                SELECT x->1->>'stream' AS stream, min((x->1->>'version')::integer) AS first_version
                FROM jsonb_array_elements(events) AS x GROUP BY 1
            ) AS s
            WHERE s.first_version > 1 AND NOT EXISTS (
                SELECT 1 FROM events_storedevent AS e WHERE e.stream = s.stream AND e.version = s.first_version - 1))
    INTO last_position, last_hash, last_recorded_at, assumed_head_holds
    FROM (SELECT 1) AS one
    LEFT JOIN LATERAL (
        SELECT e.position, e.hash, e.recorded_at FROM events_storedevent AS e ORDER BY e.position DESC LIMIT 1
    ) AS head ON true;
    IF assumed_head_holds THEN
        BEGIN
            WITH inserted AS (
                INSERT INTO events_storedevent (
                    position, event_id, stream, version, event_type, schema_version, data, metadata, recorded_at, hash
                )
                SELECT (f->>'position')::bigint, (f->>'event_id')::uuid, f->>'stream', (f->>'version')::integer,
                    f->>'event_type', (f->>'schema_version')::smallint, f->'data', f->'metadata',
                    (f->>'recorded_at')::timestamptz, x->>0
                FROM jsonb_array_elements(events) AS x, LATERAL (SELECT x->1 AS f) AS fields
            ), witnessed AS (
                INSERT INTO events_loghead (position, hash)
                VALUES ((events->-1->1->>'position')::bigint, events->-1->>0)
            )
            UPDATE events_projectioncheckpoint SET position = (events->-1->1->>'position')::bigint
            WHERE name = ANY(checkpoints);
            GET DIAGNOSTICS moved = ROW_COUNT;
            last_position := NULL;
            last_hash := NULL;
            last_recorded_at := NULL;
            RETURN;
        EXCEPTION WHEN unique_violation THEN
            IF strict THEN
                RAISE;
            END IF;
        END;
    END IF;
    SELECT (SELECT count(*)::integer FROM events_storedevent AS e
              WHERE e.event_id IN (SELECT (x->1->>'event_id')::uuid FROM jsonb_array_elements(events) AS x)),
        (SELECT coalesce(jsonb_object_agg(v.stream, v.version), '{}'::jsonb)
           FROM (SELECT e.stream, max(e.version) AS version FROM events_storedevent AS e
                  WHERE e.stream IN (SELECT x->1->>'stream' FROM jsonb_array_elements(events) AS x)
                  GROUP BY e.stream) AS v)
    INTO stored_ids, versions;
END $$
"""
# Its result type differs from 0005's (OUT parameters, not a table), which CREATE OR REPLACE cannot change.
DROP = "DROP FUNCTION IF EXISTS events_append(bigint, varchar, jsonb, text[], boolean)"


def install(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(DROP)
            cursor.execute(CREATE)


def uninstall(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        previous = importlib.import_module("events.migrations.0005_append_function")
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(DROP)
            cursor.execute(previous.CREATE)


class Migration(migrations.Migration):
    dependencies = [("events", "0005_append_function")]

    operations = [migrations.RunPython(install, uninstall)]
