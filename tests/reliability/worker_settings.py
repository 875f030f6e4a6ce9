"""Settings for the Celery worker subprocesses of the fault tests: the project's settings with loopback opened
(feeds are served by the test on 127.0.0.1), short fetch timeouts and locks, and persistent database
connections (TEST_CONN_MAX_AGE, TEST_CONN_HEALTH_CHECKS), so that a killed connection has to be noticed; and no
throttling (the API throttle has its own tests)."""

import os

from config.settings import *  # noqa: F403

FEEDS_ALLOW_LOOPBACK = True
FEEDS_CONNECT_TIMEOUT = 2
FEEDS_READ_TIMEOUT = 5
FEEDS_FETCH_DEADLINE = 30
FEEDS_MAX_BYTES = 4 * 1024 * 1024
FEEDS_POLL_LOCK_SECONDS = 10
FEEDS_POLL_SOFT_TIME_LIMIT = 40
FEEDS_POLL_TIME_LIMIT = 50
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("TEST_CONN_MAX_AGE", "600"))  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = os.environ.get("TEST_CONN_HEALTH_CHECKS", "1") == "1"  # noqa: F405
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"anon": "100000000/minute", "user": "100000000/minute"},
}
# Gunicorn runs with DEBUG off where a test needs production error pages; the tests never collectstatic, so the
# static files keep Django's plain storage either way.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
# Webhook receivers are on 127.0.0.1 too; a claimed send is due again after 5 s instead of 2 minutes.
ALERTS_ALLOW_LOOPBACK = True
ALERTS_SEND_LEASE_SECONDS = 5
ALERTS_SEND_TIMEOUT = 30.0
