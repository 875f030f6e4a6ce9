"""When a source is polled next: observed frequency, TTL and cache headers, error backoff, jitter."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sources.feeds.scheduling import error_backoff, jittered, next_interval, observed_interval, retry_countdown

START = datetime(2025, 1, 1, tzinfo=UTC)


def test_the_observed_interval_is_the_median_gap_of_the_newest_entries() -> None:
    dates = [START + timedelta(hours=hours) for hours in (0, 2, 4, 6, 30)]
    assert observed_interval(dates) == 2 * 3600
    assert observed_interval([START, START, None]) is None
    assert observed_interval([]) is None


def test_the_interval_follows_the_observed_frequency_clamped_to_five_minutes_and_a_day(settings) -> None:
    assert next_interval(observed=60) == 300
    assert next_interval(observed=7200) == 7200
    assert next_interval(observed=10 * 86400) == 86400
    assert next_interval(observed=None) == 1800
    settings.FEEDS_MAX_INTERVAL = 3600
    assert next_interval(observed=7200) == 3600


def test_ttl_cache_control_and_retry_after_are_floors() -> None:
    assert next_interval(observed=600, ttl=3600) == 3600
    assert next_interval(observed=600, max_age=1200) == 1200
    assert next_interval(observed=600, retry_after=5000) == 5000
    assert next_interval(observed=7200, ttl=60) == 7200


def test_errors_back_off_by_interval_times_error_count_capped_with_retry_after_honoured(settings) -> None:
    assert [error_backoff(interval=1800, error_count=n) for n in (1, 2, 3)] == [1800, 3600, 5400]
    assert error_backoff(interval=1800, error_count=100) == 86400
    assert error_backoff(interval=1800, error_count=1, retry_after=40000) == 40000
    settings.FEEDS_ERROR_BACKOFF_MAX = 3600
    assert error_backoff(interval=1800, error_count=5) == 3600


def test_jitter_only_ever_delays_and_by_at_most_the_fraction() -> None:
    rng = random.Random(4)
    values = [jittered(1000, rng=rng) for _ in range(200)]
    assert min(values) >= 1000 and max(values) <= 1100 and len(set(values)) > 50


def test_task_retries_back_off_exponentially_with_jitter_and_respect_a_floor() -> None:
    assert all(5 <= retry_countdown(0) <= 10 for _ in range(50))
    assert all(40 <= retry_countdown(3) <= 80 for _ in range(50))
    assert all(150 <= retry_countdown(10) <= 300 for _ in range(50))
    assert retry_countdown(0, floor=30) >= 30
