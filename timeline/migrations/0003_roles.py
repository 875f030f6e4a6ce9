"""The curation roles: groups viewer, analyst and editor with their permissions (see timeline/roles.py).

Idempotent (get_or_create, add-only), so it coexists with api/migrations/0001_roles, which creates analyst
and editor too. Permissions of apps migrated after this one are granted by the post_migrate sync.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_roles(apps, schema_editor):
    from timeline.roles import sync_role_permissions

    using = schema_editor.connection.alias
    # Permissions are normally created after all migrations; create the ones of the apps migrated so far.
    for label in ("events", "timeline", "sources"):
        try:
            create_permissions(global_apps.get_app_config(label), verbosity=0, using=using, apps=apps)
        except LookupError:
            continue
    sync_role_permissions(apps=apps, using=using)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("events", "0001_initial"),
        ("timeline", "0002_first_reported"),
    ]

    # Reversing leaves the groups: users may belong to them by then.
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
