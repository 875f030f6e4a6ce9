"""The curation roles as Django groups with model permissions: viewer (reads), analyst (curates), editor (all).

The admin checks ordinary Django permissions (`timeline.change_development`, `sources.change_candidate` ...), so
every ModelAdmin, including ones written by other apps, enforces the roles without knowing about them. The
groups are created by a data migration (timeline/migrations/0003_roles.py) and their permissions are kept
complete after every `migrate` (and every test flush) by `sync_role_permissions`, because permissions for
models of apps migrated later do not exist yet when the data migration runs.

Sync only adds: an operator who grants a group more in the admin keeps it.

Outside the admin (the API's writes and identities, the digests' review count) the question is "is this user an
analyst?": `is_analyst` answers it, for every caller, from the group names defined here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS

VIEWER = "viewer"
ANALYST = "analyst"
EDITOR = "editor"
ROLES = (VIEWER, ANALYST, EDITOR)

# What every role may look at: the curated timeline, the log, and the ingestion state.
_VIEWABLE = (
    "timeline.development",
    "timeline.developmentversion",
    "timeline.citation",
    "timeline.entity",
    "timeline.entityalias",
    "timeline.relationship",
    "timeline.namedtimeline",
    "events.storedevent",
    "events.projectioncheckpoint",
    "sources.source",
    "sources.item",
    "sources.story",
    "sources.candidate",
    "sources.watchentity",
    "sources.watchpattern",
)
# Analysts curate: record and revise developments (retract, restore, cite and merge are changes too), register
# and revise entities and their relationships, and decide on candidates. Nobody gets delete on developments: they
# are retracted, never deleted.
_ANALYST = (
    "timeline.add_development",
    "timeline.change_development",
    "timeline.add_entity",
    "timeline.change_entity",
    "timeline.add_relationship",
    "timeline.change_relationship",
    "sources.change_candidate",
)
# Editors also shape named timelines, the feeds and the watch-list.
_EDITOR = (
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


def role_permissions() -> dict[str, tuple[str, ...]]:
    """Each role's permissions as "app_label.codename"; a higher role holds everything of the lower ones."""
    viewer = tuple(f"{label.split('.')[0]}.view_{label.split('.')[1]}" for label in _VIEWABLE)
    analyst = viewer + _ANALYST
    return {VIEWER: viewer, ANALYST: analyst, EDITOR: analyst + _EDITOR}


def sync_role_permissions(apps: Any = global_apps, using: str = DEFAULT_DB_ALIAS) -> None:
    """Create the role groups if missing and give each the permissions that exist in this database."""
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, wanted in role_permissions().items():
        group, _ = group_model.objects.using(using).get_or_create(name=role)
        found = _permissions(permission_model, wanted, using)
        group.permissions.add(*found)


def _permissions(permission_model: Any, wanted: Iterable[str], using: str) -> list[Any]:
    pairs = [name.split(".", 1) for name in wanted]
    rows = permission_model.objects.using(using).filter(
        content_type__app_label__in={app for app, _ in pairs}, codename__in={code for _, code in pairs}
    )
    wanted_pairs = {(app, code) for app, code in pairs}
    return [
        row for row in rows.select_related("content_type") if (row.content_type.app_label, row.codename) in wanted_pairs
    ]


def sync_after_migrate(sender: Any, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """post_migrate receiver: runs once per migrate, for the last installed app, after every app's permissions
    have been created (auth's own receiver runs first for each app)."""
    # Django sends post_migrate only for apps with a models module, in INSTALLED_APPS order.
    last = [config for config in global_apps.get_app_configs() if config.models_module is not None][-1]
    if sender.label != last.label:
        return
    sync_role_permissions(using=using)


# The roles that curate: they write through the API, see analysts' identities and may ask for the review count.
CURATORS = (ANALYST, EDITOR)
_IS_CURATOR_CACHE = "_roles_is_curator"


def is_analyst(user: Any) -> bool:
    """True for an active, authenticated member of a curating group (analyst or editor), or a superuser.

    Staff status does not count: Django's is_staff only lets a user log in to the admin and grants no
    permission, so a staff user without a role may look at nothing there and must not curate elsewhere either.
    The answer is kept on the user object for the rest of the request, as Django keeps its permission cache.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", True):
        return False
    if getattr(user, "is_superuser", False):
        return True
    cached = getattr(user, _IS_CURATOR_CACHE, None)
    if cached is None:
        cached = user.groups.filter(name__in=CURATORS).exists()
        setattr(user, _IS_CURATOR_CACHE, cached)
    return bool(cached)
