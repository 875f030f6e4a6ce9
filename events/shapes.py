"""The shapes the event store itself knows: an event's data as a JSON object, and its metadata."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeAlias, TypedDict

# An event's data as the store sees it: some JSON object. Each domain declares the shape of its own event types
# (timeline.shapes) and reads the data as that shape, which the event type and schema version vouch for.
EventData: TypeAlias = Mapping[str, object]


class EventMetadata(TypedDict, total=False):
    """Who recorded an event and why; every key may be missing (the store's own tests append without any)."""

    actor: str | None
    reason: str
    # A hash of the request that sent an Idempotency-Key: the same key with another request is refused.
    request_hash: str


class StoredEventFields(TypedDict):
    """Everything stored about an event but its hash, as JSON values: what the hash covers."""

    position: int
    event_id: str
    stream: str
    version: int
    event_type: str
    schema_version: int
    data: EventData
    metadata: EventMetadata
    recorded_at: str  # ISO 8601


class ExportedEvent(StoredEventFields):
    """One line of an export_log file: a stored event as stored."""

    hash: str
