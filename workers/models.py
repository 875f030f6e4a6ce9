"""Operational state of the workers: when beat last got a task through the broker to a worker."""

from __future__ import annotations

from django.db import models


class Heartbeat(models.Model):
    """One row per named heartbeat, updated by the task each time beat's schedule fires it."""

    name = models.CharField(max_length=40, primary_key=True)
    last_beat_at = models.DateTimeField()
    beats = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_beat_at:%Y-%m-%d %H:%M:%S} ({self.beats} beats)"
