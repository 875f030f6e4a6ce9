"""Celery tasks: thin shells that call a service."""

from __future__ import annotations

from celery import shared_task

from workers.services import heartbeat_record


@shared_task(name="workers.tasks.heartbeat", ignore_result=True)
def heartbeat() -> str:
    """Show that beat, the broker and a worker all work: beat sends this, a worker records the time."""
    return heartbeat_record(name="beat").last_beat_at.isoformat()
