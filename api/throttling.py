"""Rate limits for anonymous and authenticated callers: a counter per caller and window, rates read at call time.

DRF's own throttles keep each caller's history of request times in the cache, read and written whole on every
request (two cache calls each, and a list as long as the rate); at the rates a busy reader runs at that was half
of what a cached answer cost. These keep one counter per caller instead: a window opens with the caller's first
request and lasts the rate's period, every request in it counts, and past the rate's number the caller is refused
(429) with Retry-After saying when the window closes. With CACHE_URL (Redis) a request costs one round trip
(config/redis_cache.py, `count_in_window`). The limit is the rate's number per window, not per sliding period: a
caller that spends a window's budget at its end and the next one's at its start gets up to twice the number in
one period, once.

The rates are looked up on every request (DRF's copy them when the module is imported), so a deployment and a
test change them through settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]. Counts live in the cache (CACHE_URL:
shared by every process); when it stops answering, requests go through (config/shared_cache.py). Anonymous callers
are counted per client address as config/client_address.py finds it (DRF's own rule believes any X-Forwarded-For a
client sends unless NUM_PROXIES is set).
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from config.client_address import client_address
from config.redis_cache import RedisCache
from config.shared_cache import CACHE_ERRORS, log_unavailable


def _rate(scope: str | None) -> str | None:
    framework: dict[str, Any] = settings.REST_FRAMEWORK
    rate = framework.get("DEFAULT_THROTTLE_RATES", {}).get(scope or "")
    return str(rate) if rate else None


def count_in_window(key: str, seconds: int) -> tuple[int, float]:
    """Count one request under `key` in its window (opened by the first, `seconds` long): (count, seconds left)."""
    counts = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(counts, RedisCache):
        return counts.count_in_window(key, seconds)
    # Any other cache (each process's memory by default): the same window in a few calls.
    now = time.time()
    counts.add(f"{key}:closes", now + seconds, seconds)
    counts.add(key, 0, seconds)
    try:
        count = int(counts.incr(key))
    except ValueError:  # the window closed between add and incr: this request opens the next one
        counts.set(key, 1, seconds)
        count = 1
    closes = counts.get(f"{key}:closes")
    return count, (max(0.0, float(closes) - now) if closes is not None else float(seconds))


class _WindowThrottle(SimpleRateThrottle):
    # Not DRF's key: during a deployment the old processes keep their lists of times under that one.
    cache_format = "throttle-window:%(scope)s:%(ident)s"
    # Set by SimpleRateThrottle.__init__ from the rate (None without one); django-stubs do not declare them.
    num_requests: int | None
    duration: int | None
    seconds_left: float | None = None

    def get_rate(self) -> str | None:
        return _rate(self.scope)

    def get_ident(self, request: Request) -> str:
        return client_address(request)

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None or self.num_requests is None or self.duration is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        try:
            count, self.seconds_left = count_in_window(key, self.duration)
        except CACHE_ERRORS as error:
            log_unavailable(f"API throttle ({self.scope})", error)
            return True
        return count <= self.num_requests

    def wait(self) -> float | None:
        return self.seconds_left


class AnonThrottle(_WindowThrottle, AnonRateThrottle):
    pass


class UserThrottle(_WindowThrottle, UserRateThrottle):
    pass
