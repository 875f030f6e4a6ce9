"""The API throttle counts in the shared cache (CACHE_URL, Redis), so several web processes enforce one limit;
when that Redis stops, requests go through (and the log says so), and the limit holds again once it is back.

Two gunicorn servers of one worker each stand for two web processes (two servers, so that which process answers
is not left to the kernel's accept order), on the test database and a private redis-server.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from bench.load import Gunicorn, request, start_gunicorn
from tests.reliability.conftest import RedisServer, database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def two_web_processes(private_redis: RedisServer, tmp_path: Path) -> Any:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "CACHE_URL": private_redis.url.removesuffix("/0") + "/1",
        "API_THROTTLE_ANON": "6/minute",
    }
    servers: list[Gunicorn] = []
    try:
        for name in ("a", "b"):
            servers.append(start_gunicorn(environment, workers=1, log=tmp_path / f"web-{name}.log"))
        yield servers
    finally:
        for server in servers:
            server.stop()


def _statuses(server: Gunicorn, count: int) -> list[int]:
    return [request(server.url, "GET", "/api/timelines/")[0] for _ in range(count)]


def test_two_web_processes_enforce_one_limit_and_a_redis_outage_does_not_fail_requests(
    two_web_processes: list[Gunicorn], private_redis: RedisServer
) -> None:
    first, second = two_web_processes
    statuses = _statuses(first, 4) + _statuses(second, 4)
    # 6 a minute for this address in all: per-process counts would have let all 8 through.
    assert statuses == [200] * 6 + [429] * 2, statuses

    private_redis.stop()
    assert _statuses(first, 2) + _statuses(second, 2) == [200] * 4
    assert "API throttle (anon) skipped: the cache is unavailable" in first.log.read_text()

    private_redis.start()  # the same folder: its append-only file brings the counts back
    assert _statuses(first, 1) + _statuses(second, 1) == [429, 429]
