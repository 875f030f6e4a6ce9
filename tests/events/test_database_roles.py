"""The service's database role cannot lift the log's append-only guard; the owner migrates and grants its rights.

PostgreSQL only. Builds a database of its own the way production does: config/postgres-roles.sh (the compose
file's init script, run with psql as the test suite's superuser) creates `<DATABASE_URL's name>_roles` with an
owner role and a service role, `manage.py migrate` runs with MIGRATE_DATABASE_URL (the owner), and the service's
commands run as `manage.py` subprocesses with DATABASE_URL (the service role). Hostile statements go over a psycopg
connection as the service role. The database and both roles are dropped afterwards.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]
LOG = "events_storedevent"


@dataclass(frozen=True)
class RolesDatabase:
    admin_url: str  # the test suite's superuser, on the maintenance database
    name: str
    owner: str
    app: str
    owner_url: str
    app_url: str


def _drop(admin_url: str, name: str, roles: list[str]) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for role in roles:
            admin.execute(f'DROP ROLE IF EXISTS "{role}"')


@pytest.fixture(scope="module")
def roles_db() -> Iterator[RolesDatabase]:
    if shutil.which("psql") is None:
        pytest.skip("needs psql, which runs config/postgres-roles.sh")
    url = urlsplit(os.environ["DATABASE_URL"])
    name = f"{url.path.lstrip('/')}_roles"
    owner, app = f"{name}_owner", f"{name}_app"
    admin_url = url._replace(path="/postgres").geturl()
    _drop(admin_url, name, [owner, app])  # what an interrupted earlier run left
    owner_password, app_password = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    server = f"{url.hostname}:{url.port or 5432}"
    env = {
        **os.environ,
        "PGHOST": url.hostname or "127.0.0.1",
        "PGPORT": str(url.port or 5432),
        "PGPASSWORD": url.password or "",
        "POSTGRES_USER": url.username or "postgres",
        "TIMELINE_DB": name,
        "TIMELINE_OWNER": owner,
        "TIMELINE_APP": app,
        "POSTGRES_OWNER_PASSWORD": owner_password,
        "POSTGRES_APP_PASSWORD": app_password,
    }
    created = subprocess.run(
        ["sh", str(ROOT / "config" / "postgres-roles.sh")], env=env, capture_output=True, text=True, timeout=60
    )
    try:
        assert created.returncode == 0, created.stderr
        db = RolesDatabase(
            admin_url=admin_url,
            name=name,
            owner=owner,
            app=app,
            owner_url=f"postgres://{owner}:{owner_password}@{server}/{name}",
            app_url=f"postgres://{app}:{app_password}@{server}/{name}",
        )
        manage(db, "migrate", "--no-input", "--verbosity", "0")
        yield db
    finally:
        _drop(admin_url, name, [owner, app])


def manage(db: RolesDatabase, *args: str, database_url: str = "") -> str:
    """`manage.py ARGS` as production runs it: both URLs set, so only migrate connects as the owner.

    `database_url` replaces DATABASE_URL (and unsets MIGRATE_DATABASE_URL): a service misconfigured to connect as
    that role. Returns stdout and stderr together.
    """
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env |= {"DATABASE_URL": database_url or db.app_url, "MIGRATE_DATABASE_URL": "" if database_url else db.owner_url}
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}: {result.stderr[-2000:]}"
    return result.stdout + result.stderr


def refused(url: str, *statements: str) -> str:
    """Run the statements in one transaction; return the database's error (fail the test if all are accepted)."""
    import psycopg

    with psycopg.connect(url) as db, pytest.raises(psycopg.Error) as raised:
        for statement in statements:
            db.execute(statement)
    return str(raised.value)


def log_count(db: RolesDatabase) -> int:
    import psycopg

    with psycopg.connect(db.app_url) as app:
        row = app.execute(f"SELECT count(*) FROM {LOG}").fetchone()
    assert row is not None
    return int(row[0])


# How many developments the shipped report timeline holds, read from the file the loader reads.
REPORT_DEVELOPMENTS = len(
    json.loads((Path(__file__).resolve().parents[2] / "timeline" / "data" / "deepseek_timeline.json").read_text())[
        "developments"
    ]
)


@pytest.fixture(scope="module")
def recorded(roles_db: RolesDatabase) -> int:
    """The report's timeline, recorded through the services by the service role (as compose's web does)."""
    out = manage(roles_db, "load_deepseek_timeline")
    assert f"{REPORT_DEVELOPMENTS} developments" in out
    count = log_count(roles_db)
    assert count > REPORT_DEVELOPMENTS
    return count


def test_neither_role_is_a_superuser_and_the_service_role_owns_nothing(roles_db: RolesDatabase) -> None:
    import psycopg

    with psycopg.connect(roles_db.owner_url) as owner:
        supers = owner.execute(
            "SELECT rolname, rolsuper, rolcreaterole FROM pg_roles WHERE rolname IN (%s, %s) ORDER BY rolname",
            [roles_db.app, roles_db.owner],
        ).fetchall()
        assert supers == [(roles_db.app, False, False), (roles_db.owner, False, False)]
        log_owner = owner.execute("SELECT tableowner FROM pg_tables WHERE tablename = %s", [LOG]).fetchone()
        assert log_owner == (roles_db.owner,)
        owned = owner.execute("SELECT count(*) FROM pg_class WHERE relowner = %s::regrole", [roles_db.app]).fetchone()
        assert owned == (0,)


def test_the_service_role_may_only_read_and_append_to_the_log(roles_db: RolesDatabase) -> None:
    import psycopg

    with psycopg.connect(roles_db.app_url) as app:
        rights = {
            privilege: app.execute("SELECT has_table_privilege(%s, %s)", [LOG, privilege]).fetchone()
            for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
        }
    assert rights == {
        "SELECT": (True,),
        "INSERT": (True,),
        "UPDATE": (False,),
        "DELETE": (False,),
        "TRUNCATE": (False,),
        "REFERENCES": (False,),
        "TRIGGER": (False,),
    }


def test_the_service_role_cannot_switch_the_triggers_off_with_session_replication_role(
    roles_db: RolesDatabase, recorded: int
) -> None:
    message = refused(roles_db.app_url, "SET LOCAL session_replication_role = replica", f"DELETE FROM {LOG}")
    assert 'permission denied to set parameter "session_replication_role"' in message
    assert log_count(roles_db) == recorded


def test_the_service_role_cannot_disable_the_logs_triggers(roles_db: RolesDatabase, recorded: int) -> None:
    for statement in (
        f"ALTER TABLE {LOG} DISABLE TRIGGER USER",
        f"ALTER TABLE {LOG} DISABLE TRIGGER ALL",
        f"DROP TRIGGER {LOG}_no_update_delete ON {LOG}",
    ):
        assert "must be owner" in refused(roles_db.app_url, statement), statement
    assert log_count(roles_db) == recorded


def test_the_service_role_cannot_truncate_update_or_delete_the_log(roles_db: RolesDatabase, recorded: int) -> None:
    for statement in (
        f"TRUNCATE {LOG}",
        f"TRUNCATE {LOG} CASCADE",
        f"UPDATE {LOG} SET stream = 'rewritten' WHERE position = 1",
        f"DELETE FROM {LOG} WHERE position = (SELECT max(position) FROM {LOG})",
        f"DELETE FROM {LOG}",
    ):
        # refused for want of the right, before the append-only trigger would even be asked
        assert f"permission denied for table {LOG}" in refused(roles_db.app_url, statement), statement
    assert log_count(roles_db) == recorded
    assert f"log ok: {recorded} events, hash chain intact" in manage(roles_db, "verify_log")


def test_the_owner_could_do_all_of_that_which_is_why_the_service_is_not_the_owner(roles_db: RolesDatabase) -> None:
    import psycopg

    # The control: the same statements succeed for the owner (rolled back here), so the refusals above come
    # from the service role's rights and not from a statement that never worked.
    with psycopg.connect(roles_db.owner_url) as owner:
        owner.execute(f"ALTER TABLE {LOG} DISABLE TRIGGER USER")
        owner.execute(f"DELETE FROM {LOG}")
        owner.rollback()


def test_the_service_role_appends_through_the_services_reads_and_rebuilds_the_read_models(
    roles_db: RolesDatabase, recorded: int
) -> None:
    # load_deepseek_timeline (the recorded fixture) appended through the timeline services as the service role;
    # the read models it projected are there, and rebuilding them (delete every row, replay) works too.
    assert f"rebuilt projections from {recorded} events" in manage(roles_db, "rebuild_projections")
    read = manage(
        roles_db,
        "shell",
        "--no-imports",
        "-c",
        "from django.db import connection\n"
        "from timeline.models import Development\n"
        "with connection.cursor() as c:\n"
        "    c.execute('SELECT current_user')\n"
        "    print(c.fetchone()[0], Development.objects.count())",
    )
    assert read.split() == [roles_db.app, str(REPORT_DEVELOPMENTS)]


def test_a_table_a_later_migration_creates_is_granted_to_the_service_role_by_the_next_migrate(
    roles_db: RolesDatabase,
) -> None:
    import psycopg

    with psycopg.connect(roles_db.owner_url, autocommit=True) as owner:
        owner.execute("CREATE TABLE later_readmodel (id bigint PRIMARY KEY)")
    try:
        assert "permission denied" in refused(roles_db.app_url, "INSERT INTO later_readmodel VALUES (1)")
        manage(roles_db, "migrate", "--no-input", "--verbosity", "0")
        with psycopg.connect(roles_db.app_url) as app:
            app.execute("INSERT INTO later_readmodel VALUES (1)")
            app.execute("DELETE FROM later_readmodel")
        assert "permission denied" in refused(roles_db.app_url, f"UPDATE {LOG} SET stream = stream")
    finally:
        with psycopg.connect(roles_db.owner_url, autocommit=True) as owner:
            owner.execute("DROP TABLE later_readmodel")


def test_check_deploy_is_quiet_for_the_service_role_and_warns_when_the_service_connects_as_the_owner(
    roles_db: RolesDatabase,
) -> None:
    check = ("check", "--deploy", "--tag", "database", "--database", "default")
    assert "System check identified no issues" in manage(roles_db, *check)
    as_owner = manage(roles_db, *check, database_url=roles_db.owner_url)
    assert "events.W001" in as_owner and f"{roles_db.owner} owns {LOG}" in as_owner
    assert "MIGRATE_DATABASE_URL" in as_owner  # the hint says what to set


def test_check_deploy_warns_when_the_service_connects_as_a_superuser(roles_db: RolesDatabase) -> None:
    superuser = urlsplit(roles_db.admin_url)._replace(path=f"/{roles_db.name}").geturl()
    as_superuser = manage(
        roles_db, "check", "--deploy", "--tag", "database", "--database", "default", database_url=superuser
    )
    assert "events.W001" in as_superuser and "is a superuser" in as_superuser
