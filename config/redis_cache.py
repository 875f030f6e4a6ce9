"""Django's Redis cache backend, keeping one redis-py client per connection pool instead of making one per call.

Django's client builds a new redis.Redis for every operation (the connections are pooled, the client is not),
and building one copies redis-py's table of response callbacks: about 0.1 ms of CPU per cache call, more than
the call itself on loopback. The throttles made four calls on every API request then and a cached answer one
more, so it was a third of what a response-cache hit cost. A redis.Redis is safe to share across calls; Django's
caches are per thread, so each thread keeps its own.

It also counts requests in windows, all of a request's in one round trip (`count_in_windows`), for the API
throttles (api/throttling.py), which now make that one call per request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import NoScriptError

# Count one more under each KEYS[i] in a window of ARGV[i] seconds opened by its first count: {count, ms left, ...}.
# A script, not a MULTI/EXEC of the commands: one command to pack and one reply to parse (redis-py's transaction
# packs and parses each command, which cost more CPU than the round trip itself).
_COUNT_IN_WINDOWS = """
local counted = {}
for i, key in ipairs(KEYS) do
    redis.call('SET', key, 0, 'EX', ARGV[i], 'NX')
    counted[#counted + 1] = redis.call('INCR', key)
    counted[#counted + 1] = redis.call('PTTL', key)
end
return counted
"""
# Redis names a script by its SHA-1.
_COUNT_IN_WINDOWS_SHA = hashlib.sha1(_COUNT_IN_WINDOWS.encode("utf-8"), usedforsecurity=False).hexdigest()


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

    def count_in_windows(self, windows: Sequence[tuple[str, int]]) -> list[tuple[int, float]]:
        """Count one more under each key in its window, which opens with its first count and lasts its seconds.

        Returns each window's count including this one and the seconds it has left, all in one round trip (a
        script, sent whole the first time a Redis server is asked and by its hash afterwards)."""
        names = [self.make_and_validate_key(key) for key, _ in windows]
        seconds = [duration for _, duration in windows]
        # redis-py's stubs type a script's reply as str; it is the script's list of integers.
        client: Any = self._cache.get_client(names[0] if names else None, write=True)
        try:
            counted = client.evalsha(_COUNT_IN_WINDOWS_SHA, len(names), *names, *seconds)
        except NoScriptError:  # a server that has not seen it yet (or restarted): EVAL also keeps it for next time
            counted = client.eval(_COUNT_IN_WINDOWS, len(names), *names, *seconds)
        # PTTL is negative only for a key without expiry (or none), which the script never leaves.
        return [
            (int(count), left_ms / 1000 if left_ms > 0 else float(duration))
            for count, left_ms, duration in zip(counted[::2], counted[1::2], seconds, strict=True)
        ]
