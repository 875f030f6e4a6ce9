"""Reads for digests: who is due when, subscribers, the review-queue count, where the read models stand.

The changes of a window and their matching live in digests.window.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from digests.models import RECLAIMABLE_STATES, Delivery, Subscription, SubscriptionStatus
from events import store
from events.models import ProjectionCheckpoint
from sources.review.selectors import candidates_awaiting_review


@cache
def time_zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def digest_window_end() -> int:
    """The last log position the development read models have applied: a digest never reads past it."""
    checkpoint = ProjectionCheckpoint.objects.filter(name="developments").values_list("position", flat=True).first()
    return int(checkpoint) if checkpoint is not None else store.last_position()


# --- subscribers ---------------------------------------------------------------------------------------


def slot_of_week(moment: datetime, weekday: int, hour: int, time_zone: str) -> tuple[datetime, str]:
    """The subscriber's slot in the local ISO week that holds `moment`, and that week's key."""
    tz = zone(time_zone)
    local = moment.astimezone(tz)
    year, week, _ = local.isocalendar()
    day = date.fromisocalendar(year, week, weekday)
    return datetime.combine(day, time(hour=hour), tzinfo=tz), f"{year}-W{week:02d}"


def subscriptions_due(now: datetime) -> list[tuple[int, str]]:
    """(subscription id, week) for active subscriptions whose slot this week has passed and that have no log row.

    A slot passed while beat was down is still caught later in the same week; a slot before the confirmation
    waits for next week (the first digest covers from the confirmation on).
    """
    candidates: list[tuple[int, str]] = []
    rows = Subscription.objects.filter(status=SubscriptionStatus.ACTIVE).values_list(
        "id", "weekday", "hour", "time_zone", "confirmed_at"
    )
    for subscription_id, weekday, hour, time_zone, confirmed_at in rows:
        slot, week = slot_of_week(now, weekday, hour, time_zone)
        if slot <= now and (confirmed_at is None or slot >= confirmed_at):
            candidates.append((subscription_id, week))
    if not candidates:
        return []
    weeks = {week for _, week in candidates}
    logged = set(Delivery.objects.filter(week__in=weeks).values_list("subscription_id", "week"))
    return [candidate for candidate in candidates if candidate not in logged]


def review_queue_count() -> int:
    """Candidates awaiting review: the same queue the admin shows by default."""
    return int(candidates_awaiting_review().count())


def subscriptions_for(ids: Iterable[int]) -> list[Subscription]:
    return list(Subscription.objects.filter(pk__in=list(ids)).select_related("user").order_by("pk"))


def subscriptions_claimable(ids: Iterable[int], week: str) -> set[int]:
    """Those of `ids` whose `week` send nobody holds or finished: no send-log row, or one that may be reclaimed.

    What digests.sending's claim would take now; the dry run counts with it, so it says what a send would do.
    """
    ids = set(ids)
    taken = Delivery.objects.filter(week=week, subscription_id__in=ids).exclude(state__in=RECLAIMABLE_STATES)
    return ids - set(taken.values_list("subscription_id", flat=True))
