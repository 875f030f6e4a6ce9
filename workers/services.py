"""Writes for the workers' own operational state."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from workers.models import Heartbeat


@transaction.atomic
def heartbeat_record(*, name: str = "beat", at: datetime | None = None) -> Heartbeat:
    """Record a beat: the time it ran and one more in the count. Safe to run from several workers at once."""
    at = at or timezone.now()
    updated = Heartbeat.objects.filter(name=name).update(last_beat_at=at, beats=F("beats") + 1)
    if not updated:
        Heartbeat.objects.get_or_create(name=name, defaults={"last_beat_at": at, "beats": 1})
    return Heartbeat.objects.get(name=name)
