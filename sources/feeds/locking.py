"""One fetch per source at a time, and at most FEEDS_PER_HOST_LIMIT fetches per host at a time.

With Redis as the broker: a Redis lock per source (it expires, so a killed worker cannot hold it for ever)
and a per-host semaphore (a sorted set of expiring tokens, changed by one Lua script, so it is atomic).
Otherwise (the embedded filesystem broker, one machine): a lease on the source's row, claimed with a
conditional UPDATE, and a count of leased rows on the same host taken under a lock (SQLite's write lock;
on PostgreSQL a transaction-level advisory lock on the host).
"""

from __future__ import annotations

import logging
import secrets
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from sources.models import Source

logger = logging.getLogger(__name__)

_ACQUIRE_HOST_SLOT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
  redis.call('EXPIRE', KEYS[1], ARGV[5])
  return 1
end
return 0
"""


class PollBusyError(Exception):
    """The source is being fetched elsewhere, or its host has as many fetches as allowed; try again later."""

    def __init__(self, message: str, *, retry_in: float) -> None:
        super().__init__(message)
        self.retry_in = retry_in


def lock_seconds() -> int:
    """How long a claim on a source lasts: longer than a poll may take (the hard time limit), then it expires."""
    return settings.FEEDS_POLL_LOCK_SECONDS


def host_limit() -> int:
    return settings.FEEDS_PER_HOST_LIMIT


def broker_is_redis() -> bool:
    return settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://", "unix://"))


@lru_cache(maxsize=4)
def _redis_client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


def redis_client() -> Any:
    return _redis_client(str(settings.CELERY_BROKER_URL))


@contextmanager
def poll_guard(source: Source) -> Iterator[None]:
    """Hold the source's fetch lock and a slot on its host for the duration; PollBusyError when either is taken."""
    if broker_is_redis():
        with _redis_guard(source):
            yield
    else:
        with _database_guard(source):
            yield


@contextmanager
def _redis_guard(source: Source) -> Iterator[None]:
    client = redis_client()
    seconds = lock_seconds()
    lock = client.lock(f"feeds:poll:{source.pk}", timeout=seconds, blocking=False)
    if not lock.acquire():
        remaining = client.pttl(f"feeds:poll:{source.pk}")
        raise PollBusyError(
            f"source {source.pk} is being fetched by another worker", retry_in=max(remaining, 1000) / 1000
        )
    token = secrets.token_hex(8)
    host_key = f"feeds:host:{source.host}"
    try:
        now = time.time()
        acquired = client.eval(_ACQUIRE_HOST_SLOT, 1, host_key, now, now + seconds, host_limit(), token, seconds)
        if not acquired:
            raise PollBusyError(f"{source.host} already has {host_limit()} fetches running", retry_in=5.0)
        try:
            yield
        finally:
            client.zrem(host_key, token)
    finally:
        try:
            lock.release()
        except Exception as error:  # the lock expired (a very slow poll): nothing left to release
            logger.info("poll lock of source %s was already gone: %s", source.pk, error)


def _host_lock_key(host: str) -> int:
    return zlib.crc32(f"feeds-host:{host}".encode()) & 0x7FFFFFFF


@contextmanager
def _database_guard(source: Source) -> Iterator[None]:
    token = secrets.token_hex(8)
    now = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_host_lock_key(source.host)])
        busy = (
            Source.objects.filter(host=source.host, poll_lease_until__gt=now).exclude(pk=source.pk).count()
            >= host_limit()
        )
        if busy:
            raise PollBusyError(f"{source.host} already has {host_limit()} fetches running", retry_in=5.0)
        claimed = (
            Source.objects.filter(pk=source.pk)
            .filter(Q(poll_lease_until__isnull=True) | Q(poll_lease_until__lte=now))
            .update(poll_lease_until=now + timedelta(seconds=lock_seconds()), poll_lease_token=token)
        )
    if not claimed:
        raise PollBusyError(f"source {source.pk} is being fetched by another worker", retry_in=float(lock_seconds()))
    try:
        yield
    finally:
        Source.objects.filter(pk=source.pk, poll_lease_token=token).update(poll_lease_until=None, poll_lease_token="")
