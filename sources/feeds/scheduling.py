"""When to poll a source next: from its observed entry frequency, TTL and caching headers, or its errors.

Pure functions; the settings they read (at call time, declared in config/settings.py) are
FEEDS_MIN_INTERVAL, FEEDS_MAX_INTERVAL, FEEDS_DEFAULT_INTERVAL, FEEDS_ERROR_BACKOFF_MAX, FEEDS_PARK_AFTER_ERRORS
and FEEDS_JITTER.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Iterable
from datetime import datetime
from itertools import pairwise

from django.conf import settings


def min_interval() -> int:
    return settings.FEEDS_MIN_INTERVAL


def max_interval() -> int:
    return settings.FEEDS_MAX_INTERVAL


def default_interval() -> int:
    return settings.FEEDS_DEFAULT_INTERVAL


def park_after_errors() -> int:
    return settings.FEEDS_PARK_AFTER_ERRORS


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
    cap = settings.FEEDS_ERROR_BACKOFF_MAX
    seconds: float = min(max(interval, min_interval()) * max(error_count, 1), cap)
    if retry_after:
        seconds = max(seconds, retry_after)
    return int(seconds)


def jittered(seconds: float, *, rng: random.Random | None = None) -> int:
    """Spread polls out by up to FEEDS_JITTER (a fraction of the wait) so sources do not fall due together.

    Only ever later, never sooner: a TTL, max-age or Retry-After the wait honours stays honoured.
    """
    fraction = settings.FEEDS_JITTER
    return max(int(seconds + (rng or random).uniform(0, seconds * fraction)), 1)


def retry_countdown(attempt: int, *, base: float = 10.0, cap: float = 300.0, floor: float = 0.0) -> float:
    """Seconds before a task retry: exponential backoff with full jitter, at least `floor`."""
    ceiling = min(cap, base * (2 ** max(attempt, 0)))
    return max(floor, random.uniform(ceiling / 2, ceiling))
