"""config/probe.py, the containers' health-check command, run as docker-compose.yml runs it (a script, in a
subprocess) against the test's live server on loopback."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from workers.services import heartbeat_record

ROOT = Path(__file__).resolve().parents[2]


def probe(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "config/probe.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def base(live_server: Any, tmp_path: Path) -> Any:
    (tmp_path / "broker" / "queue").mkdir(parents=True)
    with override_settings(CELERY_BROKER_URL="filesystem://", CELERY_BROKER_DIR=tmp_path / "broker"):
        yield live_server.url


def test_live_exits_0(base: str) -> None:
    result = probe(f"{base}/health/live")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == f"{base}/health/live: HTTP 200"


def test_the_beat_check_follows_the_heartbeat_whatever_the_other_checks_say(base: str) -> None:
    result = probe(f"{base}/health/ready", "--check", "beat")
    assert result.returncode == 1
    assert result.stdout.strip().endswith("beat: no heartbeat recorded yet")

    heartbeat_record(name="beat", at=timezone.now() - timedelta(seconds=5))
    assert probe(f"{base}/health/ready", "--check", "beat").returncode == 0
    assert probe(f"{base}/health/ready").returncode == 0


def test_a_503_without_check_and_an_unknown_check_fail(base: str) -> None:
    result = probe(f"{base}/health/ready")
    assert (result.returncode, result.stdout.strip()) == (1, f"{base}/health/ready: HTTP 503")
    result = probe(f"{base}/health/ready", "--check", "nonsense")
    assert result.returncode == 1 and "no check 'nonsense'" in result.stdout


def test_nothing_listening_fails_in_one_line() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = probe(f"http://127.0.0.1:{port}/health/live", "--timeout", "2")
    assert result.returncode == 1
    assert len(result.stdout.strip().splitlines()) == 1 and "refused" in result.stdout.lower()
