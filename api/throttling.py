"""Rate limits for anonymous and authenticated callers: a counter per caller and window, rates read at call time.

DRF's own throttles keep each caller's history of request times in the cache, read and written whole on every
request (two cache calls each, and a list as long as the rate); at the rates a busy reader runs at that was half
of what a cached answer cost. These keep one counter per caller instead: a window opens with the caller's first
request and lasts the rate's period, every request in it counts, and past the rate's number the caller is refused
(429) with Retry-After saying when the window closes. With CACHE_URL (Redis) a request costs one round trip for
all of its throttles (`refusals`, config/redis_cache.py). The limit is the rate's number per window, not per
sliding period: a caller that spends a window's budget at its end and the next one's at its start gets up to
twice the number in one period, once.

The rates are looked up on every request (DRF's copy them when the module is imported), so a deployment and a
test change them through settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]. Counts live in the cache (CACHE_URL:
shared by every process); when it stops answering, requests go through (config/shared_cache.py). Anonymous callers
are counted per client address as config/client_address.py finds it (DRF's own rule believes any X-Forwarded-For a
client sends unless NUM_PROXIES is set).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, BaseCache, caches
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, BaseThrottle, SimpleRateThrottle, UserRateThrottle

from config.client_address import client_address
from config.redis_cache import RedisCache
from config.shared_cache import CACHE_ERRORS, log_unavailable


def _rate(scope: str | None) -> str | None:
    framework: dict[str, Any] = settings.REST_FRAMEWORK
    rate = framework.get("DEFAULT_THROTTLE_RATES", {}).get(scope or "")
    return str(rate) if rate else None


def count_in_windows(windows: Sequence[tuple[str, int]]) -> list[tuple[int, float]]:
    """Count one request under each (key, seconds) in its window (opened by the first): [(count, seconds left)]."""
    counts = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(counts, RedisCache):
        return counts.count_in_windows(windows)
    return [_count_in_window(counts, key, seconds) for key, seconds in windows]


def _count_in_window(counts: BaseCache, key: str, seconds: int) -> tuple[int, float]:
    # Any cache but Redis (each process's memory by default): the same window in a few calls.
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


def refusals(request: Request, view: Any, throttles: Sequence[BaseThrottle]) -> list[float]:
    """Count `request` against each of `throttles`, the windows all in one cache call; how long each one that
    refuses it asks the caller to wait. When the cache does not answer, no window refuses it."""
    waits: list[float] = []
    counted: list[tuple[WindowThrottle, tuple[str, int]]] = []
    for throttle in throttles:
        if not isinstance(throttle, WindowThrottle):
            if not throttle.allow_request(request, view):
                waits.append(throttle.wait() or 0.0)
        elif (window := throttle.window(request, view)) is not None:
            counted.append((throttle, window))
    if not counted:
        return waits
    try:
        results = count_in_windows([window for _, window in counted])
    except CACHE_ERRORS as error:
        for throttle, _ in counted:
            log_unavailable(f"API throttle ({throttle.scope})", error)
        return waits
    for (throttle, _), (count, seconds_left) in zip(counted, results, strict=True):
        throttle.seconds_left = seconds_left
        if count > (throttle.num_requests or 0):
            waits.append(seconds_left)
    return waits


class WindowThrottle(SimpleRateThrottle):
    """A rate limit counted in windows (see the module); `refusals` counts several in one cache call."""

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

    def window(self, request: Request, view: Any) -> tuple[str, int] | None:
        """The (key, seconds) this request counts in; None when this throttle does not count it."""
        if self.rate is None or self.num_requests is None or self.duration is None:
            return None
        key = self.get_cache_key(request, view)
        return None if key is None else (key, self.duration)

    def allow_request(self, request: Request, view: Any) -> bool:
        return not refusals(request, view, [self])

    def wait(self) -> float | None:
        return self.seconds_left


class AnonThrottle(WindowThrottle, AnonRateThrottle):
    pass


class UserThrottle(WindowThrottle, UserRateThrottle):
    pass
