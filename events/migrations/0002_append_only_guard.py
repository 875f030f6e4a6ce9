"""Install the triggers that refuse UPDATE, DELETE (and TRUNCATE on PostgreSQL) on the event log.

The statements are frozen here as they were written (events/guards.py keeps the live copy that tests use to
simulate tampering), so a fresh database gets the same triggers whatever that module says later.
"""

from django.db import migrations

TABLE = "events_storedevent"
INSTALL = {
    "sqlite": [
        f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only: UPDATE refused'); END""",
        f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only: DELETE refused'); END""",
    ],
    "postgresql": [
        """CREATE OR REPLACE FUNCTION events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the event log is append-only: % refused', TG_OP; END $$""",
        f"""CREATE OR REPLACE TRIGGER {TABLE}_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION events_refuse_change()""",
        f"""CREATE OR REPLACE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change()""",
    ],
}
DROP = {
    "sqlite": [f"DROP TRIGGER IF EXISTS {TABLE}_no_update", f"DROP TRIGGER IF EXISTS {TABLE}_no_delete"],
    "postgresql": [
        f"DROP TRIGGER IF EXISTS {TABLE}_no_update_delete ON {TABLE}",
        f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}",
    ],
}


def _run(statements, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in statements:
        raise NotImplementedError(f"no append-only guard for the {vendor} backend")
    # A cursor without parameters: the PostgreSQL function's '%' is not a placeholder.
    with schema_editor.connection.cursor() as cursor:
        for statement in statements[vendor]:
            cursor.execute(statement)


def install(apps, schema_editor):
    _run(INSTALL, schema_editor)


def uninstall(apps, schema_editor):
    _run(DROP, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
