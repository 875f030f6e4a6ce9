"""A production install (requirements.txt alone, as the Dockerfile does) starts a Celery worker and beat on Redis.

Starts a private redis-server on a spare loopback port (its own folder under the test's tmp folder), then
docker-compose.yml's `worker-default` and `beat` commands with the python of a venv built from requirements.txt
only (tests/production_venv.py, cached by the file's hash), on a SQLite file of the test's own.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.compose_env import ROOT, load_compose
from tests.production_venv import production_python
from tests.reliability.conftest import RedisServer

pytestmark = pytest.mark.slow


def compose_command(service: str) -> list[str]:
    command = load_compose()["services"][service]["command"]
    assert isinstance(command, list) and command[0] == "celery", command
    return [str(word) for word in command]


def production_env(python: Path, var: Path, broker_url: str) -> dict[str, str]:
    """What the image gives a container: no developer packages on the path, DEBUG off, a key, a Redis broker."""
    return {
        "PATH": f"{python.parent}:/usr/bin:/bin",
        "HOME": str(var),
        "DEBUG": "0",
        "SECRET_KEY": "production-install-test-key-" + "k" * 40,
        "ALLOWED_HOSTS": "localhost",
        "TIMELINE_VAR_DIR": str(var),
        "CELERY_BROKER_URL": broker_url,
        # beat sends a heartbeat every second, so one reaches the worker soon after it is up
        "HEARTBEAT_SECONDS": "1",
        "LOG_FORMAT": "json",
        "PYTHONUNBUFFERED": "1",
    }


def beats(var: Path) -> int:
    with sqlite3.connect(var / "timeline.sqlite3") as db:
        row = db.execute("SELECT beats FROM workers_heartbeat WHERE name = 'beat'").fetchone()
    return int(row[0]) if row else 0


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


def test_a_worker_and_beat_from_requirements_txt_alone_run_the_heartbeat_over_redis(
    tmp_path: Path, private_redis: RedisServer, processes: list[subprocess.Popen[bytes]]
) -> None:
    python = production_python()
    var = tmp_path / "var"
    (var / "beat").mkdir(parents=True)
    env = production_env(python, var, private_redis.url)
    migrated = subprocess.run(
        [str(python), "manage.py", "migrate", "--no-input", "--verbosity", "0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert migrated.returncode == 0, migrated.stderr[-3000:]

    worker = compose_command("worker-default")
    beat = compose_command("beat")
    beat[beat.index("-s") + 1] = str(var / "beat" / "celerybeat-schedule")  # compose's is a volume in the image
    logs = {name: tmp_path / f"{name}.log" for name in ("worker", "beat")}
    for name, command in (("worker", worker), ("beat", beat)):
        process = subprocess.Popen(
            [str(python), "-m", *command], cwd=ROOT, env=env, stdout=logs[name].open("wb"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        processes.append(process)

    deadline = time.monotonic() + 60
    while beats(var) == 0 and time.monotonic() < deadline and all(p.poll() is None for p in processes):
        time.sleep(0.3)
    report = "\n".join(f"--- {name}\n{log.read_text(errors='replace')[-3000:]}" for name, log in logs.items())
    assert beats(var) >= 1, report
    assert all(process.poll() is None for process in processes), report
