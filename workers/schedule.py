"""The beat schedule: each app's periodic tasks, in one place so exactly one beat runs them all."""

from __future__ import annotations

import os
from typing import Any

from celery.schedules import crontab
from django.conf import settings

# Seconds between heartbeats; the end-to-end test of `dev.py run` shortens it to see beats quickly.
HEARTBEAT_SECONDS = float(os.environ.get("HEARTBEAT_SECONDS", "30"))

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    # A heartbeat a worker missed is worthless later: let it expire rather than pile up while workers are down.
    "heartbeat": {
        "task": "workers.tasks.heartbeat",
        "schedule": HEARTBEAT_SECONDS,
        "options": {"expires": HEARTBEAT_SECONDS},
    },
}

# Digests: a short task each minute finds the subscriptions whose weekly slot has come in their time zone.
BEAT_SCHEDULE["digests-dispatch-due"] = {"task": "digests.dispatch_due", "schedule": 60.0}

# Feeds: a short task each minute claims the due sources and enqueues one poll each (next_check_at is a column,
# so a missed dispatch is simply caught up by the next one).
BEAT_SCHEDULE["feeds-dispatch-due"] = {
    "task": "workers.feeds.dispatch_due_sources",
    "schedule": 60.0,
    "options": {"expires": 55.0},
}

# The learned flagger: a cheap check every 5 minutes retrains once FLAGGER_RETRAIN_AFTER_DECISIONS new decisions are
# in, and a nightly run (at a quiet hour, UTC) catches what fewer decisions taught. Both expire rather than queue up
# behind a down worker: the next run trains on everything anyway.
BEAT_SCHEDULE["flagger-retrain-if-due"] = {
    "task": "workers.feeds.retrain_flagger_if_due",
    "schedule": 300.0,
    "options": {"expires": 290.0},
}
BEAT_SCHEDULE["flagger-retrain-nightly"] = {
    "task": "workers.feeds.retrain_flagger",
    "schedule": crontab(hour=3, minute=15),
    "options": {"expires": 3600.0},
}

# Alerts: the consumer every ALERTS_CONSUME_SECONDS (cheap while the log stands still: one query), so an alert
# leaves within seconds of its commit; retries and sends whose task was lost are found every 10 s. This module is
# imported once Celery has configured itself from the settings (config.celery), so reading them here is safe.
_ALERTS_SECONDS = float(settings.ALERTS_CONSUME_SECONDS)
BEAT_SCHEDULE["alerts-consume"] = {
    "task": "alerts.consume",
    "schedule": _ALERTS_SECONDS,
    "options": {"expires": _ALERTS_SECONDS},
}
BEAT_SCHEDULE["alerts-dispatch-due"] = {"task": "alerts.dispatch_due", "schedule": 10.0, "options": {"expires": 10.0}}
