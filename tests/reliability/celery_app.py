"""The project's Celery app as the fault tests start it: Redis redelivery made fast (a visibility timeout of a
few seconds instead of eight hours), everything else as in production (acks_late, reject_on_worker_lost)."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.reliability.worker_settings")

from config.celery import app

# Reading a setting loads the configuration first, so config.celery's on_configure (visibility 8 h) has run and
# the assignment below is the one that stays. Assigned before loading, it would be overwritten.
assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
app.conf.broker_transport_options = {
    "visibility_timeout": int(os.environ.get("TEST_VISIBILITY_TIMEOUT", "3600")),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}

__all__ = ["app"]
