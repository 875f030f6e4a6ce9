"""The Celery app as the worker tests start it: the project's app, Redis redelivery made fast, and an optional
pause after a poll has committed (before its ack) so a test can kill the worker in exactly that window."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.workers.feeds_settings")

from celery.signals import task_postrun

from config.celery import app


@app.on_configure.connect
def quick_redelivery(sender: Any, **_: Any) -> None:
    """Runs after config.celery's own receiver (connected later), so these transport options win."""
    # (Reading sender.conf in here would configure the app again: set, never read.)
    sender.conf.broker_transport_options = {
        "visibility_timeout": int(os.environ.get("TEST_VISIBILITY_TIMEOUT", "3600")),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }


@task_postrun.connect
def pause_after_a_poll(sender: Any = None, **_: Any) -> None:
    marker = os.environ.get("TEST_PAUSE_AFTER_POLL")
    if marker and getattr(sender, "name", "") == "workers.feeds.poll_source":
        Path(marker).write_text("committed, not acknowledged")
        time.sleep(120)


__all__ = ["app"]
