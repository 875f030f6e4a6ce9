"""Backup and restore end to end through the command line, and tampering found by verify_log.

`manage.py` subprocesses on databases of their own (never the test database): two SQLite files under the test's
tmp folder, or on PostgreSQL `<DATABASE_URL's name>_bk_src` and `_bk_dst`, created and dropped here.

export_log → a fresh database → migrate → import_log → verify_log passes and the API answers byte for byte
the same. Then one stored event is altered behind the database's back (its append-only trigger switched off,
the row updated, the trigger back on, as someone with the database's owner rights could) and verify_log names
that position and exits non-zero. tests/events/test_commands.py covers the same in-process, in more cases.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from events.guards import _SQLITE_INSTALL

pytestmark = [pytest.mark.slow, pytest.mark.faults]
ROOT = Path(__file__).resolve().parents[2]

# Every answer is fetched through Django's full request path in the process of the database it reads.
SNAPSHOT = """
import hashlib, json
from django.test import Client
from timeline.models import Development
c = Client()
ids = sorted(str(pk) for pk in Development.objects.values_list("pk", flat=True))
paths = ["/api/developments/?page_size=200", "/api/developments/?format=csv&page_size=200",
         "/api/developments/?format=ics&page_size=200", "/api/timelines/deepseek-development/",
         "/api/changes/?after=0&limit=1000", "/api/developments/?as_of=10&page_size=200"]
paths += [f"/api/developments/{pk}/history/" for pk in ids[:10]]
out = {}
for path in paths:
    response = c.get(path)
    body = response.content
    if response["Content-Type"].startswith("application/json"):
        # Key order inside an event's data is the store's business (the export writes them sorted, SQLite keeps
        # the order it was given, PostgreSQL's jsonb its own); the hash chain is over sorted keys.
        body = json.dumps(json.loads(body), sort_keys=True).encode()
    out[path] = [response.status_code, response.get("ETag", ""), hashlib.sha256(body).hexdigest()]
print(json.dumps({"count": len(ids), "answers": out}))
"""


@pytest.fixture
def databases(tmp_path: Path) -> Iterator[tuple[str, str]]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'source.sqlite3'}", f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    base, name = url.rsplit("/", 1)[0], urlsplit(url).path.lstrip("/")
    names = [f"{name}_bk_src", f"{name}_bk_dst"]
    with psycopg.connect(base + "/postgres", autocommit=True) as admin:
        for db in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{db}"')
    yield base + "/" + names[0], base + "/" + names[1]
    with psycopg.connect(base + "/postgres", autocommit=True) as admin:
        for db in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def manage(database_url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**env, "DATABASE_URL": database_url, "API_THROTTLE_ANON": "100000/minute"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if check:
        assert result.returncode == 0, f"manage.py {' '.join(args)}: {result.stderr[-2000:]}"
    return result


def snapshot(database_url: str) -> dict[str, object]:
    out = manage(database_url, "shell", "--no-imports", "-c", SNAPSHOT).stdout
    return json.loads(out.strip().splitlines()[-1])


def alter_behind_the_database(database_url: str, position: int) -> None:
    """Rewrite one stored event's data with the append-only guard switched off, then switch it back on."""
    if database_url.startswith("sqlite"):
        path = urlsplit(database_url).path
        with sqlite3.connect(path) as db:
            db.execute("DROP TRIGGER events_storedevent_no_update")
            db.execute(
                "UPDATE events_storedevent SET data = json_set(data, '$.title', 'Rewritten history') "
                "WHERE position = ?",
                [position],
            )
            for statement in _SQLITE_INSTALL:
                db.execute(statement)
        return
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as db:
        db.execute("ALTER TABLE events_storedevent DISABLE TRIGGER events_storedevent_no_update_delete")
        db.execute(
            "UPDATE events_storedevent SET data = jsonb_set(data, '{title}', '\"Rewritten history\"') "
            "WHERE position = %s",
            [position],
        )
        db.execute("ALTER TABLE events_storedevent ENABLE TRIGGER events_storedevent_no_update_delete")


def test_export_then_import_into_a_fresh_database_loses_nothing_and_tampering_is_found(
    databases: tuple[str, str], tmp_path: Path
) -> None:
    source, restored = databases
    manage(source, "migrate", "--no-input", "--verbosity", "0")
    manage(source, "load_deepseek_timeline")
    backup = tmp_path / "log.jsonl"
    manage(source, "export_log", str(backup))
    lines = backup.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["format"].startswith("timeline-event-log/") and len(lines) > 40

    manage(restored, "migrate", "--no-input", "--verbosity", "0")
    imported = manage(restored, "import_log", str(backup))
    assert f"imported {len(lines) - 1} events" in imported.stdout
    verified = manage(restored, "verify_log")
    assert f"log ok: {len(lines) - 1} events" in verified.stdout

    before, after = snapshot(source), snapshot(restored)
    assert before["count"] == after["count"] and int(before["count"]) >= 30
    assert before["answers"] == after["answers"]  # status, ETag and content of every answer

    # A second export of the restored database is the same file: positions, hashes, times, data.
    again = tmp_path / "again.jsonl"
    manage(restored, "export_log", str(again))
    assert [json.loads(line) for line in again.read_text().splitlines()] == [json.loads(line) for line in lines]

    # Tampering behind the database's back is found, at the position it happened.
    victim = next(json.loads(line)["position"] for line in lines[1:] if '"DevelopmentRecorded"' in line)
    victim = max(victim, 12)
    alter_behind_the_database(restored, victim)
    refused = manage(restored, "verify_log", check=False)
    assert refused.returncode != 0
    lines_err = refused.stderr.strip().splitlines()
    assert len(lines_err) == 1 and f"position {victim}" in lines_err[0], refused.stderr
    # The guard is back on: the tamperer's door is closed again.
    assert manage(restored, "verify_log", check=False).returncode != 0
    # The source database cannot be emptied by `flush` (the guard refuses it) and still verifies.
    manage(source, "flush", "--no-input", check=False)
    assert manage(source, "verify_log").returncode == 0
