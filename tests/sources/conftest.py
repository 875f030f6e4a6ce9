"""Fixtures for the ingestion tests: a real HTTP server on loopback, loopback opened for it, a gzip bomb,
feedparser's test corpus (fetched from the package index once, tests/corpora.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import corpora
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


@pytest.fixture(scope="session")
def feedparser_corpus() -> Path:
    """feedparser's own test feeds; a failed download fails the tests that need them, in one line (never a skip)."""
    try:
        return corpora.feedparser_corpus()
    except corpora.CorpusError as error:
        pytest.fail(str(error), pytrace=False)
