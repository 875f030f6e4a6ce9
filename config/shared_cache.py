"""What the throttles do when the shared cache (CACHE_URL, Redis) stops answering: let the request through.

Throttles protect the service from excess; they must not become the reason it is down. A Redis outage costs at
most the cache's socket timeout per request (config/settings.py) and a warning in the log, and the limits hold
again as soon as Redis answers.
"""

from __future__ import annotations

import logging

from redis.exceptions import RedisError

logger = logging.getLogger("config.shared_cache")

# What Django's Redis cache raises when Redis is down, slow or refuses the connection.
CACHE_ERRORS: tuple[type[Exception], ...] = (RedisError, OSError)


def log_unavailable(what: str, error: Exception) -> None:
    logger.warning("%s skipped: the cache is unavailable (%s: %s)", what, type(error).__name__, error)
