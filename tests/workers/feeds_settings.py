"""Settings for the Celery worker subprocesses of tests/workers/test_feeds_worker.py: the project's settings
with loopback opened (the feeds are served by the test on 127.0.0.1) and short timeouts and locks."""

from config.settings import *  # noqa: F403

FEEDS_ALLOW_LOOPBACK = True
FEEDS_CONNECT_TIMEOUT = 2
FEEDS_READ_TIMEOUT = 1
FEEDS_FETCH_DEADLINE = 6
FEEDS_MAX_BYTES = 4 * 1024 * 1024
FEEDS_POLL_LOCK_SECONDS = 15
FEEDS_POLL_SOFT_TIME_LIMIT = 20
FEEDS_POLL_TIME_LIMIT = 30
