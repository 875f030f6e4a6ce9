"""Fixtures for the event-store tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections
from django.db.models.signals import post_migrate

from events.guards import drop_guard, install_guard

_REINSTALL_UID = "tests.events.reinstall_append_only_guard"


def _reinstall_guard_once(sender: Any, using: str = "default", **kwargs: Any) -> None:
    post_migrate.disconnect(dispatch_uid=_REINSTALL_UID)
    install_guard(connections[using])


@pytest.fixture
def guard_lifted_for_flush(transactional_db: None) -> Iterator[None]:
    """For `transaction=True` tests: let Django empty the tables afterwards, then put the guard back.

    A transactional test ends with Django's `flush`, which empties every table with TRUNCATE (PostgreSQL) or
    DELETE (SQLite) — exactly what the append-only guard refuses. So the guard is dropped at teardown, and
    put back by a one-shot post_migrate receiver, a signal `flush` sends right after emptying the tables.
    """
    yield
    drop_guard(connections["default"])
    post_migrate.connect(_reinstall_guard_once, weak=False, dispatch_uid=_REINSTALL_UID)
