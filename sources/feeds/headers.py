"""What a server's headers say about when to ask again: Retry-After and the cache lifetime of a response."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime

MAX_RETRY_AFTER_SECONDS = 7 * 24 * 3600  # a server asking for more than a week is not taken at its word


def parse_retry_after(value: str, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), capped at a week."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdecimal():
        return float(min(int(value), MAX_RETRY_AFTER_SECONDS))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return float(min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS))


def parse_max_age(headers: dict[str, str], *, now: datetime | None = None) -> float | None:
    """How long the response may be cached: Cache-Control max-age (or s-maxage), else Expires."""
    directives: dict[str, str] = {}
    for part in headers.get("cache-control", "").split(","):
        name, _, value = part.strip().partition("=")
        if name:
            directives[name.lower()] = value.strip().strip('"')
    if "no-store" in directives or "no-cache" in directives:
        return None
    for name in ("s-maxage", "max-age"):
        if directives.get(name, "").isdecimal():
            return float(int(directives[name]))
    expires = headers.get("expires", "").strip()
    if expires:
        try:
            when = email.utils.parsedate_to_datetime(expires)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)
    return None
