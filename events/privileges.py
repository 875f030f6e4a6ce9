"""The service's database role: the rights it needs on every table, and on the append-only log only read and add.

The append-only triggers (events/guards.py) bind every role but the table's owner and a superuser: an owner may
`ALTER TABLE ... DISABLE TRIGGER` or `TRUNCATE`, a superuser may also `SET session_replication_role = replica`. So
in production the service connects as a role that owns nothing (DATABASE_URL), and the owner (MIGRATE_DATABASE_URL)
grants it its rights after each migrate, which also covers the tables later migrations create.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from events.guards import APPEND_ONLY_TABLES


def grant_statements(*, role: str, quote: Callable[[str], str]) -> list[str]:
    """The GRANT and REVOKE statements, in order, that leave `role` with exactly the service's rights."""
    who = quote(role)
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {who}",
        # Read and write the read models, the ingestion tables, sessions, users ...: the service's ordinary work,
        # rebuilding projections included (it deletes their rows and replays the log into them).
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {who}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {who}",
    ]
    for table in APPEND_ONLY_TABLES:
        # ALL also takes back TRUNCATE, REFERENCES and TRIGGER, should an operator have granted them by hand.
        statements += [f"REVOKE ALL ON {quote(table)} FROM {who}", f"GRANT SELECT, INSERT ON {quote(table)} TO {who}"]
    return statements


def grant_app_role(*, connection: BaseDatabaseWrapper, role: str) -> bool:
    """Give `role` the service's rights, connected as the tables' owner; False when there is nothing to grant.

    Nothing to grant on SQLite (no roles), without a separate role, or when `connection` is that role itself
    (migrate run with DATABASE_URL only: the owner runs the service, as in development).
    """
    if connection.vendor != "postgresql" or not role:
        return False
    # One transaction: processes still running during a deploy never see the log between REVOKE and GRANT.
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (current,) = cursor.fetchone()
        if current == role:
            return False
        for statement in grant_statements(role=role, quote=connection.ops.quote_name):
            cursor.execute(statement)
    return True


def grant_app_role_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """post_migrate receiver: the tables are all there now, including any this migrate created."""
    grant_app_role(connection=connections[using], role=settings.DATABASE_APP_ROLE)
