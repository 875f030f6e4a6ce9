"""Migrations whose reverse must leave the schema as it was before them."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db


def compression() -> list[tuple[str, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attrelid::regclass::text, attname, attcompression FROM pg_attribute"
            " WHERE attrelid IN ('timeline_developmentversion'::regclass, 'timeline_development'::regclass)"
            " AND attname = 'snapshot' ORDER BY 1"
        )
        return cursor.fetchall()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the columns' compression is PostgreSQL's")
def test_the_lz4_migration_reversed_leaves_the_states_compressed_by_the_servers_default() -> None:
    # Before it the columns had no method of their own and followed default_toast_compression (which a server may
    # set to lz4); the reverse gives them that back, not pglz pinned.
    lz4 = importlib.import_module("timeline.migrations.0022_state_lz4")
    with connection.schema_editor() as editor:
        lz4.backward(apps, editor)
    reversed_once = compression()
    with connection.schema_editor() as editor:
        lz4.forward(apps, editor)
        lz4.backward(apps, editor)

    assert reversed_once == [("timeline_development", "snapshot", ""), ("timeline_developmentversion", "snapshot", "")]
    assert compression() == reversed_once
