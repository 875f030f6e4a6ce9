"""Shared fixtures. Tests run on SQLite by default and on PostgreSQL when DATABASE_URL names it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, connections
from django.db.models.signals import post_migrate

from events.guards import drop_guard, install_guard

_REINSTALL_UID = "tests.reinstall_append_only_guard"


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def unreachable_cache(settings: Any) -> None:
    """CACHE_URL's Redis down: the cache points at a loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "config.redis_cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Chromium (tests/browser.py), 1400x1000; skips, saying what is missing, when it cannot start."""
    from tests import browser as chromium

    if reason := chromium.missing():
        pytest.skip(reason)
    with chromium.headless_chromium() as driver:
        yield driver


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: run with DATABASE_URL=postgres://...")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def _reinstall_guard_once(sender: Any, using: str = "default", **kwargs: Any) -> None:
    post_migrate.disconnect(dispatch_uid=_REINSTALL_UID)
    install_guard(connections[using])


def _is_transactional(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        return True
    return bool({"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def _append_only_guard_survives_flush(request: pytest.FixtureRequest) -> Iterator[None]:
    """Let a transactional test's closing flush empty the log, then put the guard back.

    A `transaction=True` or live-server test ends with Django's `flush`, which empties every table with TRUNCATE
    (PostgreSQL) or DELETE (SQLite): exactly what the append-only guard refuses. So the guard is dropped at
    teardown, before the flush, and re-installed by a one-shot post_migrate receiver that flush triggers.
    """
    if not _is_transactional(request):
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    drop_guard(connections["default"])
    post_migrate.connect(_reinstall_guard_once, weak=False, dispatch_uid=_REINSTALL_UID)
