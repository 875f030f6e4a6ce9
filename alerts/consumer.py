"""The alert consumer: reads the log after its checkpoint, records an alert per saved search for each development
that newly matches it, and moves the checkpoint in the same transaction.

A crash before the commit leaves both the checkpoint and the deliveries as they were (the next run reads the same
events again); after it, both have moved. Deliveries are unique per (saved search, development, position), so
even two consumers racing (the checkpoint row is locked, so they do not) could not record one alert twice.
Sending is a separate step (alerts.delivery), so a slow receiver never holds the checkpoint back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import cast

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from alerts.models import AlertCheckpoint, AlertDelivery, SavedSearch
from events import store
from timeline import domain
from timeline.models import DevelopmentVersion
from timeline.selectors import TimelineFilters, filters_from_mapping, timeline_developments_at

CHECKPOINT = "alerts"
# Events read per transaction: enough to catch up quickly, few enough to keep the transaction short.
BATCH = 500
# The fields whose change is worth telling an owner about even when the development matched before.
NOTABLE_FIELDS = ("title", "category", "edtf")


@dataclass(frozen=True)
class ConsumeResult:
    position: int
    events: int
    deliveries: list[int]


def saved_filters(search: SavedSearch) -> TimelineFilters:
    mapping = dict(search.filters or {})
    return replace(filters_from_mapping(mapping), timeline=str(mapping.get("timeline") or ""))


def _matches(filters: TimelineFilters, development_id: str, position: int) -> bool:
    """Whether the development, as it stood at `position`, is in the filtered timeline then (current only)."""
    if position <= 0:
        return False
    # With a position the rows are history rows (DevelopmentVersion), which name their development.
    rows = cast("QuerySet[DevelopmentVersion]", timeline_developments_at(filters, position, prefetch=False))
    return rows.filter(development_id=development_id).exists()


def _change(
    event: store.RecordedEvent,
    matched_before: bool,
    matches_now: bool,
    before: DevelopmentVersion | None,
    after: DevelopmentVersion | None,
) -> str:
    """What an owner hears for this event: "" for nothing."""
    if matches_now and not matched_before:
        return "recorded" if event.event_type == domain.DEVELOPMENT_RECORDED else "matches"
    if matches_now and before is not None and after is not None:
        if any(getattr(before, name) != getattr(after, name) for name in NOTABLE_FIELDS):
            return "revised"
        return ""
    if matched_before and after is not None and after.status == "retracted":
        return "retracted"
    return ""


def _version_at(development_id: str, position: int) -> DevelopmentVersion | None:
    if position <= 0:
        return None
    return (
        DevelopmentVersion.objects.filter(development_id=development_id, valid_from_position__lte=position)
        .order_by("-valid_from_position")
        .first()
    )


def alerts_consume(*, batch: int = BATCH) -> ConsumeResult:
    """One step of the consumer: up to `batch` events after the checkpoint, in one transaction."""
    AlertCheckpoint.objects.get_or_create(name=CHECKPOINT)
    with transaction.atomic():
        checkpoint = AlertCheckpoint.objects.select_for_update().get(name=CHECKPOINT)
        # Positions commit in order (events.store), so every event up to the head read now is visible now.
        head = store.last_position()
        if head <= checkpoint.position:
            return ConsumeResult(checkpoint.position, 0, [])
        events = store.read_all(
            after=checkpoint.position, upto=head, limit=batch, stream_prefixes=(domain.development_stream(""),)
        )
        reached = events[-1].position if len(events) == batch else head
        searches = list(SavedSearch.objects.filter(active=True, since_position__lt=reached))
        rows = _deliveries(events, searches)
        AlertDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        started = checkpoint.position
        checkpoint.position = reached
        checkpoint.save(update_fields=["position"])
        # bulk_create returns no ids with ignore_conflicts: read back what this step recorded.
        created = (
            list(AlertDelivery.objects.filter(position__gt=started, position__lte=reached).values_list("pk", flat=True))
            if rows
            else []
        )
    return ConsumeResult(reached, len(events), created)


def _deliveries(events: list[store.RecordedEvent], searches: list[SavedSearch]) -> list[AlertDelivery]:
    """The alert rows for a batch of development events. Searches with the same filters are evaluated once."""
    if not events or not searches:
        return []
    by_filters: dict[str, list[SavedSearch]] = {}
    for search in searches:
        by_filters.setdefault(json.dumps(search.filters, sort_keys=True), []).append(search)
    now = timezone.now()
    rows: list[AlertDelivery] = []
    for event in events:
        development_id = event.stream.removeprefix(domain.development_stream(""))
        before = _version_at(development_id, event.position - 1)
        after = _version_at(development_id, event.position)
        if after is None or after.valid_from_position != event.position:
            continue  # an event that left the development as it was (nothing to tell)
        for group in by_filters.values():
            eligible = [search for search in group if search.since_position < event.position]
            if not eligible:
                continue
            filters = saved_filters(eligible[0])
            matched_before = before is not None and _matches(filters, development_id, event.position - 1)
            matches_now = _matches(filters, development_id, event.position)
            change = _change(event, matched_before, matches_now, before, after)
            if not change:
                continue
            rows += [
                AlertDelivery(
                    saved_search=search,
                    development_id=development_id,
                    position=event.position,
                    event_type=event.event_type,
                    change=change,
                    channel=search.channel,
                    next_attempt_at=now,
                    created_at=now,
                )
                for search in eligible
            ]
    return rows


def alerts_consume_all(*, max_batches: int = 100) -> ConsumeResult:
    """Catch up with the log (bounded, so a huge backlog is spread over several runs)."""
    total, created = 0, []
    result = ConsumeResult(0, 0, [])
    for _ in range(max_batches):
        result = alerts_consume()
        total += result.events
        created += result.deliveries
        if result.position >= store.last_position():
            break
    return ConsumeResult(result.position, total, created)
