"""When to poll a source next: from its observed entry frequency, TTL and caching headers, or its errors.

Pure functions; the settings they read (at call time) are:
FEEDS_MIN_INTERVAL (300 s), FEEDS_MAX_INTERVAL (24 h), FEEDS_DEFAULT_INTERVAL (30 min),
FEEDS_ERROR_BACKOFF_MAX (24 h), FEEDS_PARK_AFTER_ERRORS (10), FEEDS_JITTER (0.1).
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Iterable
from datetime import datetime
from itertools import pairwise

from django.conf import settings


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def min_interval() -> int:
    return int(_setting("FEEDS_MIN_INTERVAL", 300))


def max_interval() -> int:
    return int(_setting("FEEDS_MAX_INTERVAL", 24 * 3600))


def default_interval() -> int:
    return int(_setting("FEEDS_DEFAULT_INTERVAL", 30 * 60))


def park_after_errors() -> int:
    return int(_setting("FEEDS_PARK_AFTER_ERRORS", 10))


def clamp_interval(seconds: float) -> int:
    return int(min(max(seconds, min_interval()), max_interval()))


def observed_interval(dates: Iterable[datetime | None], *, sample: int = 20) -> int | None:
    """The median gap in seconds between the newest `sample` distinct entry dates; None with fewer than two."""
    distinct = sorted({when for when in dates if when is not None}, reverse=True)[:sample]
    if len(distinct) < 2:
        return None
    gaps = [(newer - older).total_seconds() for newer, older in pairwise(distinct)]
    return max(int(statistics.median(gaps)), 1)


def next_interval(
    *, observed: int | None, ttl: float | None = None, max_age: float | None = None, retry_after: float | None = None
) -> int:
    """Seconds to the next poll after a success: the observed entry frequency (or the default), never sooner
    than the feed's TTL, the response's Cache-Control max-age or a Retry-After, clamped to [min, max]."""
    seconds = float(observed or default_interval())
    for floor in (ttl, max_age, retry_after):
        if floor:
            seconds = max(seconds, float(floor))
    return clamp_interval(seconds)


def error_backoff(*, interval: int, error_count: int, retry_after: float | None = None) -> int:
    """Seconds to wait after a failed poll: interval x consecutive errors, capped; a Retry-After is honoured."""
    cap = _setting("FEEDS_ERROR_BACKOFF_MAX", 24 * 3600)
    seconds = min(max(interval, min_interval()) * max(error_count, 1), cap)
    if retry_after:
        seconds = max(seconds, retry_after)
    return int(seconds)


def jittered(seconds: float, *, rng: random.Random | None = None) -> int:
    """Spread polls out by up to FEEDS_JITTER (a fraction, 0.1 by default) so sources do not fall due together.

    Only ever later, never sooner: a TTL, max-age or Retry-After the wait honours stays honoured.
    """
    fraction = _setting("FEEDS_JITTER", 0.1)
    return max(int(seconds + (rng or random).uniform(0, seconds * fraction)), 1)


def retry_countdown(attempt: int, *, base: float = 10.0, cap: float = 300.0, floor: float = 0.0) -> float:
    """Seconds before a task retry: exponential backoff with full jitter, at least `floor`."""
    ceiling = min(cap, base * (2 ** max(attempt, 0)))
    return max(floor, random.uniform(ceiling / 2, ceiling))
