"""`check --deploy --database default`: warn when the service's database role could lift the log's append-only guard."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.checks import CheckMessage, Tags, Warning, register
from django.db import connections

from events.guards import APPEND_ONLY_TABLES

# Rights on an append-only table that let their holder rewrite or empty it (ownership and superuser aside).
_REWRITE_RIGHTS = "UPDATE, DELETE, TRUNCATE, TRIGGER"


@register(Tags.database, deploy=True)
def check_the_service_role_cannot_lift_the_guard(
    app_configs: Sequence[Any] | None = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """A superuser, a member of a table's owner role or a holder of those rights makes the triggers advisory."""
    if not databases or "default" not in databases:
        return []  # a database check: it connects only when asked to (--database default)
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return []
    found = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        role, superuser = cursor.fetchone()
        if superuser:
            found.append(f"{role} is a superuser")
        for table in APPEND_ONLY_TABLES:
            cursor.execute(
                "SELECT pg_has_role(current_user, relowner, 'MEMBER'), has_table_privilege(oid, %s) "
                "FROM pg_class WHERE oid = to_regclass(%s)",
                [_REWRITE_RIGHTS, table],
            )
            row = cursor.fetchone()
            if row is None:
                continue  # not migrated yet
            owner, rewrite = row
            if owner and not superuser:
                found.append(f"{role} owns {table}")
            elif rewrite and not superuser:
                found.append(f"{role} may {_REWRITE_RIGHTS} on {table}")
    if not found:
        return []
    return [
        Warning(
            f"The service's database role can lift the event log's append-only guard: {'; '.join(found)}.",
            hint="Set DATABASE_URL to a role that owns nothing and MIGRATE_DATABASE_URL to the tables' owner, then "
            'run manage.py migrate (README, "Two database roles"; config/postgres-roles.sh creates both).',
            id="events.W001",
        )
    ]
