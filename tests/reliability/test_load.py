"""The load benchmark's short version as a test: gunicorn on loopback (bench/load.py), 20 readers and 4 analysts
writing for 10 s. No 5xx, no failed connection, and every write that was acknowledged is in the store.

It prepares a database of its own, never the test database: a SQLite file under the test's tmp folder, or on
PostgreSQL `<DATABASE_URL's name>_load`, created and dropped here. bench/results/load.json holds the full run
(50 readers, 60 s)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bench.load import lost_writes, prepare_database, run_load, running_gunicorn, stored_in, summary

pytestmark = [pytest.mark.slow, pytest.mark.faults]


@pytest.fixture
def load_database(tmp_path: Path) -> Iterator[str]:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        parts = urlsplit(url)
        name = f"{parts.path.lstrip('/')}_load"
        yield url.rsplit("/", 1)[0] + "/" + name
        import psycopg

        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    yield f"sqlite:///{tmp_path / 'load.sqlite3'}"


def test_twenty_readers_and_four_writers_for_ten_seconds_get_no_5xx_and_lose_no_write(
    load_database: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": load_database,
        "DEBUG": "1",  # static files without collectstatic; the request path is otherwise the production one
        "SECRET_KEY": "load-test-" + uuid.uuid4().hex,
        "API_THROTTLE_ANON": "100000000/minute",
        "API_THROTTLE_USER": "100000000/minute",
        "DB_CONN_MAX_AGE": "60",
        "TIMELINE_VAR_DIR": str(tmp_path / "var"),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    tokens, ids = prepare_database(load_database, env, writers=4)
    with running_gunicorn(env, workers=3, log=tmp_path / "gunicorn.log") as server:
        tally, wall = run_load(server.url, tokens=tokens, detail_ids=ids, clients=20, seconds=10)
    result = summary(tally, wall)
    writes = lost_writes(tally, stored_in(env))
    assert result["server_errors_5xx"] == 0 and result["connection_failures"] == 0, result
    assert result["by_kind"]["read"]["requests"] > 50, result
    assert writes["acknowledged_records"] >= 4, (writes, result)
    assert (writes["missing"], writes["wrong_title"], writes["revision_lost"]) == ([], [], []), writes
    assert set(result["by_kind"]["write"]["statuses"]) == {"201"}, result
    assert set(result["by_kind"]["read"]["statuses"]) == {"200"}, result
