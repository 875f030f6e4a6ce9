"""The witness of the log's head: a table of its own, seeded with today's head, append-only like the log.

The triggers' SQL is frozen here as written (events/guards.py keeps the live copy), like 0002's.
"""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

HEAD_TABLE = "events_loghead"
INSTALL = {
    "sqlite": [
        f"""CREATE TRIGGER IF NOT EXISTS {HEAD_TABLE}_no_update BEFORE UPDATE ON {HEAD_TABLE}
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only: UPDATE refused'); END""",
        f"""CREATE TRIGGER IF NOT EXISTS {HEAD_TABLE}_no_delete BEFORE DELETE ON {HEAD_TABLE}
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only: DELETE refused'); END""",
    ],
    "postgresql": [
        """CREATE OR REPLACE FUNCTION events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the event log is append-only: % refused', TG_OP; END $$""",
        f"""CREATE OR REPLACE TRIGGER {HEAD_TABLE}_no_update_delete BEFORE UPDATE OR DELETE ON {HEAD_TABLE}
        FOR EACH ROW EXECUTE FUNCTION events_refuse_change()""",
        f"""CREATE OR REPLACE TRIGGER {HEAD_TABLE}_no_truncate BEFORE TRUNCATE ON {HEAD_TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change()""",
    ],
}
DROP = {
    "sqlite": [f"DROP TRIGGER IF EXISTS {HEAD_TABLE}_no_update", f"DROP TRIGGER IF EXISTS {HEAD_TABLE}_no_delete"],
    "postgresql": [
        f"DROP TRIGGER IF EXISTS {HEAD_TABLE}_no_update_delete ON {HEAD_TABLE}",
        f"DROP TRIGGER IF EXISTS {HEAD_TABLE}_no_truncate ON {HEAD_TABLE}",
    ],
}


def _run(statements: dict[str, list[str]], schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in statements:
        raise NotImplementedError(f"no append-only guard for the {vendor} backend")
    # A cursor without parameters: the PostgreSQL function's '%' is not a placeholder.
    with schema_editor.connection.cursor() as cursor:
        for statement in statements[vendor]:
            cursor.execute(statement)


def witness_the_current_head(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """A log that already has events gets its head witnessed now; later appends add their own rows."""
    stored_event = apps.get_model("events", "StoredEvent")
    log_head = apps.get_model("events", "LogHead")
    last = stored_event.objects.order_by("-position").values_list("position", "hash").first()
    if last is not None:
        log_head.objects.create(position=last[0], hash=last[1])


def install(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(INSTALL, schema_editor)


def uninstall(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(DROP, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("events", "0002_append_only_guard")]

    operations = [
        migrations.CreateModel(
            name="LogHead",
            fields=[
                ("position", models.BigIntegerField(primary_key=True, serialize=False)),
                ("hash", models.CharField(max_length=64)),
            ],
            options={"ordering": ["position"]},
        ),
        migrations.RunPython(witness_the_current_head, migrations.RunPython.noop),
        migrations.RunPython(install, uninstall),
    ]
