"""Install the triggers that refuse UPDATE, DELETE (and TRUNCATE on PostgreSQL) on the event log."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from events.guards import TABLE, drop_guard, install_guard


def install(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    install_guard(schema_editor.connection, [TABLE])


def uninstall(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    drop_guard(schema_editor.connection, [TABLE])


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
