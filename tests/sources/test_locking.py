"""One fetch per source at a time and a cap per host: the database lease (embedded broker) on the test
database, and the Redis lock and semaphore on this machine's Redis (127.0.0.1:6379, database 7)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sources.feeds.locking import PollBusyError, poll_guard
from sources.models import Source
from sources.services import source_add

pytestmark = pytest.mark.django_db
REDIS_URL = "redis://127.0.0.1:6379/7"


@pytest.fixture(params=["database", "redis"])
def mode(request: pytest.FixtureRequest, settings: Any) -> Iterator[str]:
    settings.FEEDS_ALLOW_LOOPBACK = True
    settings.FEEDS_PER_HOST_LIMIT = 2
    if request.param == "redis":
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        try:
            client.ping()
        except redis.ConnectionError:
            pytest.skip("no Redis on 127.0.0.1:6379")
        settings.CELERY_BROKER_URL = REDIS_URL
        for key in client.scan_iter("feeds:*"):
            client.delete(key)
        yield request.param
        for key in client.scan_iter("feeds:*"):
            client.delete(key)
    else:
        settings.CELERY_BROKER_URL = "filesystem://"
        yield request.param


def _sources(count: int, host: str = "127.0.0.1") -> list[Source]:
    return [source_add(url=f"http://{host}:1/feed-{number}") for number in range(count)]


def test_a_source_cannot_be_fetched_twice_at_once(mode: str) -> None:
    (source,) = _sources(1)
    with poll_guard(source):
        with pytest.raises(PollBusyError, match="being fetched") as caught, poll_guard(source):
            pass
        assert caught.value.retry_in > 0
    with poll_guard(source):  # released on exit
        pass


def test_a_host_gets_at_most_its_limit_of_fetches_at_once(mode: str) -> None:
    first, second, third = _sources(3)
    (elsewhere,) = _sources(1, host="localhost")
    with poll_guard(first), poll_guard(second):
        with pytest.raises(PollBusyError, match="already has 2 fetches"), poll_guard(third):
            pass
        with poll_guard(elsewhere):
            pass
    with poll_guard(third):
        pass


def test_the_guard_is_released_when_the_poll_raises(mode: str) -> None:
    (source,) = _sources(1)
    with pytest.raises(RuntimeError), poll_guard(source):
        raise RuntimeError("boom")
    with poll_guard(source):
        pass


def test_a_claim_left_by_a_dead_worker_expires(mode: str, settings: Any) -> None:
    (source,) = _sources(1)
    settings.FEEDS_POLL_LOCK_SECONDS = 1
    guard = poll_guard(source)
    guard.__enter__()  # never exited: the worker "died"
    with pytest.raises(PollBusyError), poll_guard(source):
        pass
    if mode == "database":
        from datetime import timedelta

        from django.utils import timezone

        Source.objects.filter(pk=source.pk).update(poll_lease_until=timezone.now() - timedelta(seconds=1))
    else:
        import time

        time.sleep(1.2)
    with poll_guard(source):
        pass
