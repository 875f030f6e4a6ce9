"""A threaded `manage.py runserver` on a temporary SQLite file, for tests that need real concurrent requests
on the embedded default (the test database of an SQLite run lives in memory, shared by one process only)."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

_MAKE_ANALYST = """
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
user = User.objects.create_user(username="ada", password="x")
user.groups.add(Group.objects.get_or_create(name="analyst")[0])
print(Token.objects.create(user=user).key)
"""


@dataclass(frozen=True)
class LiveSQLiteServer:
    port: int
    database: Path
    analyst_token: str

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def count_events(self, event_type: str) -> int:
        with sqlite3.connect(self.database) as db:
            row = db.execute("SELECT count(*) FROM events_storedevent WHERE event_type = ?", [event_type]).fetchone()
        return int(row[0])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def live_sqlite_server(directory: Path) -> Iterator[LiveSQLiteServer]:
    """Migrate a fresh SQLite file, add an analyst with a token, serve it; stop the server afterwards."""
    database = directory / "timeline.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "TIMELINE_VAR_DIR": str(directory),
        "DEBUG": "1",
        "API_THROTTLE_USER": "100000/minute",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput"], env=env, cwd=ROOT, check=True, capture_output=True)
    made = subprocess.run(
        [*manage, "shell", "-c", _MAKE_ANALYST], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    token = made.stdout.strip().splitlines()[-1]
    port = _free_port()
    process = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/timelines/", timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the live SQLite server did not start") from None
                time.sleep(0.2)
        yield LiveSQLiteServer(port, database, token)
    finally:
        process.terminate()
        process.wait(10)
