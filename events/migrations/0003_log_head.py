"""The witness of the log's head: a table of its own, seeded with today's head, append-only like the log."""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from events.guards import drop_guard, install_guard

# Frozen here: the table this migration creates and guards, whatever later code calls it.
HEAD_TABLE = "events_loghead"


def witness_the_current_head(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """A log that already has events gets its head witnessed now; later appends add their own rows."""
    stored_event = apps.get_model("events", "StoredEvent")
    log_head = apps.get_model("events", "LogHead")
    last = stored_event.objects.order_by("-position").values_list("position", "hash").first()
    if last is not None:
        log_head.objects.create(position=last[0], hash=last[1])


def install(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    install_guard(schema_editor.connection, [HEAD_TABLE])


def uninstall(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    drop_guard(schema_editor.connection, [HEAD_TABLE])


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
