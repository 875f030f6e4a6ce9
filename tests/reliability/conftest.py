"""Fixtures for the fault tests: a PRIVATE redis-server on a spare loopback port (started and stopped by the
test; this machine's shared Redis on 6379 is never touched), Celery worker subprocesses on it, and a helper
that kills the PostgreSQL connections of the test database only (never the server, never another database).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).parent / "celery")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RedisServer:
    """redis-server on 127.0.0.1:<port> with an append-only file fsynced on every write, so a stop and a start
    on the same folder keep every queued message, as a production Redis with AOF would."""

    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                binary,
                "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
                "--appendfsync", "always", "--dir", str(self.folder), "--daemonize", "no",
                "--logfile", str(self.folder / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.ping():
                return self
            time.sleep(0.05)
        raise AssertionError(f"private redis-server on port {self.port} did not start")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """SIGTERM to the server this fixture started (it writes its AOF and exits), then wait."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None

    def client(self) -> Any:
        import redis

        return redis.Redis.from_url(self.url, socket_timeout=2, socket_connect_timeout=2)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


def database_url() -> str:
    """The test database as a URL, for worker subprocesses (PostgreSQL; SQLite's in-memory one cannot be shared)."""
    db = django_settings.DATABASES["default"]
    return f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL the worker's whole process group (it leads it): no shutdown, no acknowledgement."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """Start `celery worker` subprocesses on a broker URL; every one is stopped at the end of the test."""
    started: list[Worker] = []

    def start(broker_url: str, *, name: str = "worker", pool: str = "solo", **env: str) -> Worker:
        log = tmp_path / f"{name}.log"
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.reliability.worker_settings",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker_url,
            **env,
        }
        args = [
            CELERY, "-A", "tests.reliability.celery_app", "worker", f"--pool={pool}", "--loglevel=INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{name}-{time.time_ns()}@%h",
        ]  # fmt: skip
        handle = log.open("ab")
        process = subprocess.Popen(
            args, cwd=ROOT, env=environment, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        worker = Worker(process, log)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def start_web(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Start gunicorn (bench.load.start_gunicorn: config.wsgi, sync workers) on the test database."""
    from bench.load import Gunicorn, start_gunicorn

    started: list[Gunicorn] = []

    def start(*, workers: int = 2, name: str = "web", **env: str) -> Gunicorn:
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.reliability.worker_settings",
            "DATABASE_URL": database_url(),
            **env,
        }
        server = start_gunicorn(environment, workers=workers, log=tmp_path / f"{name}.log")
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
    # The tests that use it cut every connection to the test database, this process's too; a test that fails
    # before it reconnects must not leave the broken connection to the flush and to every test after it.
    connection.close()


def wait_for(condition: Callable[[], bool], timeout: float, what: str, worker: Worker | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        connection.close()  # read what other processes committed, not a stale snapshot
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}\n{worker.tail() if worker else ''}")


def terminate_backends(database: str) -> int:
    """pg_terminate_backend on every other connection to `database` (the test database): what clients see
    when PostgreSQL restarts. The server and other databases are left alone."""
    import psycopg

    db = django_settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"], port=int(db["PORT"] or 5432), user=db["USER"], password=db.get("PASSWORD") or None,
        dbname="postgres", autocommit=True,
    ) as admin:  # fmt: skip
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        ).fetchall()
    return sum(1 for (ok,) in rows if ok)


@pytest.fixture(autouse=True)
def generous_throttles(settings: Any) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1000000/minute", "user": "1000000/minute"},
    }
    cache.clear()
