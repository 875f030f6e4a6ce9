"""The curation roles: groups viewer, analyst and editor with the permissions they had when this was written.

The permission names are frozen here rather than imported from timeline/roles.py, so a fresh database and an
upgraded one get the same rows whatever that module says today. Permissions of apps migrated after this one, and
any that roles.py adds later, are granted by the post_migrate sync (timeline.roles.sync_after_migrate). Add-only.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEWER = (
        "timeline.view_development",
        "timeline.view_developmentversion",
        "timeline.view_citation",
        "timeline.view_entity",
        "timeline.view_entityalias",
        "timeline.view_namedtimeline",
        "events.view_storedevent",
        "events.view_projectioncheckpoint",
        "sources.view_source",
        "sources.view_item",
        "sources.view_story",
        "sources.view_candidate",
        "sources.view_watchentity",
        "sources.view_watchpattern",
    )
ANALYST = VIEWER + (
        "timeline.add_development",
        "timeline.change_development",
        "timeline.add_entity",
        "sources.change_candidate",
    )
EDITOR = ANALYST + (
        "timeline.add_namedtimeline",
        "timeline.change_namedtimeline",
        "sources.add_source",
        "sources.change_source",
        "sources.delete_source",
        "sources.add_watchentity",
        "sources.change_watchentity",
        "sources.delete_watchentity",
        "sources.add_watchpattern",
        "sources.change_watchpattern",
        "sources.delete_watchpattern",
    )
ROLES = {"viewer": VIEWER, "analyst": ANALYST, "editor": EDITOR}


def create_roles(apps, schema_editor):
    using = schema_editor.connection.alias
    # Permissions are normally created after all migrations; create the ones of the apps migrated so far.
    for label in ("events", "timeline", "sources"):
        try:
            create_permissions(global_apps.get_app_config(label), verbosity=0, using=using, apps=apps)
        except LookupError:
            continue
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, wanted in ROLES.items():
        group, _ = group_model.objects.using(using).get_or_create(name=role)
        pairs = {tuple(name.split(".", 1)) for name in wanted}
        rows = permission_model.objects.using(using).filter(
            content_type__app_label__in={app for app, _ in pairs}, codename__in={code for _, code in pairs}
        )
        group.permissions.add(*[row for row in rows if (row.content_type.app_label, row.codename) in pairs])


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("events", "0001_initial"),
        ("timeline", "0002_first_reported"),
    ]

    # Reversing leaves the groups: users may belong to them by then.
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
