"""events_append finds a stream's previous version by its index whatever size the log had when it was planned.

plpgsql plans a function's statements once per connection and, from the sixth call, keeps a generic plan. The
check that each stream's previous version is stored (an anti-join of the call's streams with the log) was
planned, while the log was a few pages, as a hash join over a scan of the whole log, and a connection kept
that plan as the log grew: an append to an existing stream went from about 0.9 ms to 2.3 ms at 10,000 events
and 11 ms at 60,000 (bench.event_store_floors, the store alone), until an ANALYZE of the log replanned it. Where
autovacuum runs, its ANALYZE comes after the log has grown by a tenth; a connection opened on a new or small
log pays until then, and with autovacuum off (as on the project's machine) for as long as it lives.

The function is run with the planner's sequential scans, hash joins and merge joins discounted: every one of its
statements reads the log, the head's witness and the checkpoints by their indexes (the head by its position, a
stream's versions by (stream, version), ids by event_id), so the plan is the same at any size. Measured on a
fresh database, the store alone, one connection: appends to existing streams 2.3 -> 0.9-1.1 ms, 100 events to
one stream 5.6-5.8 -> 3.7-4.1 ms, single appends to new streams and batches of new streams unchanged (0.85-1.0
and 4.0-4.5 ms). Planning every call instead (plan_cache_mode = force_custom_plan) cost a new stream's append
0.3 ms.

A later CREATE OR REPLACE of the function resets these settings: it must say them again.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

SIGNATURE = "events_append(bigint, varchar, jsonb, text[], boolean)"
PIN = f"ALTER FUNCTION {SIGNATURE} SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off"
UNPIN = f"ALTER FUNCTION {SIGNATURE} RESET ALL"


def pin(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PIN, params=None)


def unpin(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNPIN, params=None)


class Migration(migrations.Migration):
    dependencies = [("events", "0006_leaner_append_function")]

    operations = [migrations.RunPython(pin, unpin)]
