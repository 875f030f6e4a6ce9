"""Django's Redis cache backend, keeping one redis-py client per connection pool instead of making one per call.

Django's client builds a new redis.Redis for every operation (the connections are pooled, the client is not),
and building one copies redis-py's table of response callbacks: about 0.1 ms of CPU per cache call, more than
the call itself on loopback. The throttles make four calls on every API request and a cached answer one more,
so it was a third of what a response-cache hit cost. A redis.Redis is safe to share across calls; Django's
caches are per thread, so each thread keeps its own.

It also counts requests in a window in one round trip (`count_in_window`), for the API throttles.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import NoScriptError

# Count one more under KEYS[1] in a window of ARGV[1] seconds opened by its first count: {count, ms left}. A script,
# not a MULTI/EXEC of the three commands: one command to pack and one reply to parse (redis-py's transaction
# packs and parses five, which cost more CPU than the round trip itself).
_COUNT_IN_WINDOW = """
redis.call('SET', KEYS[1], 0, 'EX', ARGV[1], 'NX')
return {redis.call('INCR', KEYS[1]), redis.call('PTTL', KEYS[1])}
"""
# Redis names a script by its SHA-1.
_COUNT_IN_WINDOW_SHA = hashlib.sha1(_COUNT_IN_WINDOW.encode("utf-8"), usedforsecurity=False).hexdigest()


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Django's own get_client with the client kept; django-stubs do not declare these private attributes.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def count_in_window(self, key: str, seconds: int) -> tuple[int, float]:
        """Count one more under `key` in a window that opens with its first count and lasts `seconds`.

        Returns the count including this one and the seconds left in the window, in one round trip (a script,
        sent whole the first time a Redis server is asked and by its hash afterwards)."""
        name = self.make_and_validate_key(key)
        # redis-py's stubs type a script's reply as str; it is the script's list of two integers.
        client: Any = self._cache.get_client(name, write=True)
        try:
            count, left_ms = client.evalsha(_COUNT_IN_WINDOW_SHA, 1, name, seconds)
        except NoScriptError:  # a server that has not seen it yet (or restarted): EVAL also keeps it for next time
            count, left_ms = client.eval(_COUNT_IN_WINDOW, 1, name, seconds)
        # PTTL is negative only for a key without expiry (or none), which the script never leaves.
        return int(count), (left_ms / 1000 if left_ms > 0 else float(seconds))
