"""Fixtures for the ingestion tests: a real HTTP server on loopback, loopback opened for it, a gzip bomb."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.sources.feedserver import FeedServer, gzip_bomb_cached


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer().start()
    yield server
    server.stop()


@pytest.fixture
def allow_loopback(settings: Any) -> Any:
    """Open loopback (and only loopback) to the fetcher, as development and tests do; short timeouts."""
    settings.FEEDS_ALLOW_LOOPBACK = True
    settings.FEEDS_CONNECT_TIMEOUT = 2
    settings.FEEDS_READ_TIMEOUT = 1
    settings.FEEDS_FETCH_DEADLINE = 5
    return settings


@pytest.fixture(scope="session")
def gzip_bomb(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """2 GiB of zeros, gzip-compressed (about 2 MB)."""
    return gzip_bomb_cached(tmp_path_factory.mktemp("bomb"))
