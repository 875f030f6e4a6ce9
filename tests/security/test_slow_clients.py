"""Slow clients cannot stall the web service: docker-compose.yml's gunicorn, started as compose starts it.

Runs the `gunicorn ...` part of the web service's command from docker-compose.yml (its worker class, processes,
timeouts; only --bind moved to a spare loopback port) with the python of a venv built from requirements.txt
alone (tests/production_venv.py), DEBUG off, on a SQLite file in the test's tmp folder. Ten loopback clients
then trickle a 100 kB admin login POST at one byte a second while the test reads /health/live and the API.
"""

from __future__ import annotations

import http.client
import os
import shlex
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.load import free_port
from tests.compose_env import ROOT, load_compose
from tests.production_venv import production_python

pytestmark = pytest.mark.slow

SLOW_CLIENTS = 10
BODY_BYTES = 100_000
TRICKLE_SECONDS = 4  # long enough for every web process to be holding a slow client, had it blocked on one
HEADERS = {"Host": "localhost", "X-Forwarded-Proto": "https"}  # what Caddy sends web in compose


def compose_gunicorn(port: int) -> list[str]:
    """The words after `exec` in compose's web command (the gunicorn that serves), bound to 127.0.0.1:port."""
    command = load_compose()["services"]["web"]["command"]
    shell = shlex.split(command)[-1]  # sh -c "migrate && load && exec gunicorn ..."
    words = shlex.split(shell.split("exec ", 1)[1])
    assert words[0] == "gunicorn", words
    words[words.index("--bind") + 1] = f"127.0.0.1:{port}"
    return words


def production_env(python: Path, var: Path) -> dict[str, str]:
    """The settings compose gives web (DEBUG off, behind a proxy that sets X-Forwarded-Proto), on SQLite."""
    return {
        "PATH": f"{python.parent}:/usr/bin:/bin",
        "HOME": str(var),
        "DEBUG": "0",
        "SECRET_KEY": "slow-clients-test-key-" + "k" * 40,
        "ALLOWED_HOSTS": "localhost",
        "TRUST_X_FORWARDED_PROTO": "1",
        "DB_CONN_MAX_AGE": "60",
        "LOG_FORMAT": "json",
        "TIMELINE_VAR_DIR": str(var),
        "STATIC_ROOT": str(var / "static"),  # the image's collectstatic output; nothing here renders a page
        "PYTHONUNBUFFERED": "1",
    }


def timed_get(port: int, path: str) -> tuple[int, float]:
    """(status, seconds); a request that takes 10 s is reported as status 0."""
    started = time.monotonic()
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        client.request("GET", path, headers=HEADERS)
        status = client.getresponse().status
    except OSError:
        status = 0
    finally:
        client.close()
    return status, time.monotonic() - started


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    python = production_python()
    var = tmp_path / "var"
    (var / "static").mkdir(parents=True)
    env = production_env(python, var)
    migrated = subprocess.run(
        [str(python), "manage.py", "migrate", "--no-input", "--verbosity", "0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    port = free_port()
    log = tmp_path / "gunicorn.log"
    process = subprocess.Popen(
        [str(python), "-m", *compose_gunicorn(port)], cwd=ROOT, env=env, stdout=log.open("wb"),
        stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while timed_get(port, "/health/live")[0] != 200:
            assert process.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
            time.sleep(0.2)
        yield port, log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


@pytest.fixture
def slow_clients(web: tuple[int, Path]) -> Iterator[list[socket.socket]]:
    """Ten connections that have sent a login POST's headers and will send its 100 kB body a byte at a time."""
    port, _ = web
    head = (
        "POST /admin/login/ HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Proto: https\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {BODY_BYTES}\r\n\r\n"
    )
    clients: list[socket.socket] = []
    try:
        for _ in range(SLOW_CLIENTS):
            client = socket.create_connection(("127.0.0.1", port), timeout=5)
            client.sendall(head.encode())
            clients.append(client)
        yield clients
    finally:
        for client in clients:
            client.close()


def trickle(clients: list[socket.socket], seconds: int) -> None:
    """One byte of body per client per second, for `seconds` seconds (a few bytes of the 100 kB)."""
    for _ in range(seconds):
        for client in clients:
            client.sendall(b"u")
        time.sleep(1)


def test_ten_clients_trickling_a_login_post_do_not_delay_health_or_api_reads(
    web: tuple[int, Path], slow_clients: list[socket.socket]
) -> None:
    port, log = web
    trickle(slow_clients, TRICKLE_SECONDS)
    answers = [(path, *timed_get(port, path)) for path in ("/health/live", "/api/developments/", "/health/live")]
    tail = log.read_text(errors="replace")[-3000:]
    for path, status, seconds in answers:
        assert status == 200 and seconds < 1.0, (path, status, f"{seconds:.2f} s", tail)
