"""The append-only log and the projection checkpoints."""

from __future__ import annotations

from django.db import models


class StoredEvent(models.Model):
    """One immutable event. UPDATE and DELETE on this table are refused by database triggers."""

    position = models.BigIntegerField(primary_key=True)
    event_id = models.UUIDField(unique=True)
    stream = models.CharField(max_length=120)
    version = models.PositiveIntegerField()
    event_type = models.CharField(max_length=80)
    schema_version = models.PositiveSmallIntegerField(default=1)
    data = models.JSONField()
    metadata = models.JSONField(default=dict)
    recorded_at = models.DateTimeField()
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["stream", "version"], name="events_stream_version_unique"),
        ]
        indexes = [
            models.Index(fields=["event_type", "position"], name="events_type_position"),
            models.Index(fields=["recorded_at"], name="events_recorded_at"),
        ]

    def __str__(self) -> str:
        return f"#{self.position} {self.stream} v{self.version} {self.event_type}"


class ProjectionCheckpoint(models.Model):
    """The last log position a projection applied, written in the same transaction as its rows."""

    name = models.CharField(max_length=80, primary_key=True)
    position = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} @ {self.position}"


class LogHead(models.Model):
    """A witness of the log's head: the last position and hash after each append, in the append's transaction.

    Kept apart from the log and append-only like it (database triggers), so that events deleted from the end of
    the log, where the hash chain itself still verifies, are seen by verify_log. Rows are only ever inserted.
    """

    position = models.BigIntegerField(primary_key=True)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"head #{self.position} {self.hash[:12]}"
