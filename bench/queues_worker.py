"""The Celery app bench/queues.py starts workers with: the project's app (config/celery.py) plus one tiny task.

BENCH_CELERY_DEFAULTS=1 puts back Celery's own defaults for what config/celery.py chose (prefetch 4 per process,
acknowledge on receipt), so that the benchmark can compare the two on the same broker.
"""

from __future__ import annotations

import os

import redis

from config.celery import app

COUNTER_URL = os.environ.get("BENCH_QUEUES_COUNTER_URL", "redis://127.0.0.1:6379/12")
_client: redis.Redis | None = None

if os.environ.get("BENCH_CELERY_DEFAULTS") == "1":
    app.conf.worker_prefetch_multiplier = 4
    app.conf.task_acks_late = False
    app.conf.task_reject_on_worker_lost = False


@app.task(name="bench.queues.touch", ignore_result=True)
def touch(key: str) -> None:
    """Count one more done: the benchmark watches the counter instead of a result backend."""
    global _client
    if _client is None:
        _client = redis.Redis.from_url(COUNTER_URL)
    _client.incr(key)


__all__ = ["app", "touch"]
