"""Celery tasks for alerts: the checkpointed consumer, the send dispatcher, one task per chunk of sends, and the
daily emails.

Thin on purpose: they take ids and call alerts.consumer and alerts.delivery, which claim each send before making
it, so a redelivered or duplicated task sends nothing twice per delivery id.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from alerts import consumer, delivery


def _enqueue(ids: list[int]) -> None:
    chunk = int(settings.ALERTS_SEND_CHUNK)
    for start in range(0, len(ids), chunk):
        alerts_send.delay(ids[start : start + chunk])


@shared_task(name="alerts.consume", soft_time_limit=50, time_limit=60, ignore_result=True)
def alerts_consume() -> int:
    """Read the log after the checkpoint, record the alerts, then hand the new instant ones to senders."""
    result = consumer.alerts_consume_all()
    if result.deliveries:
        # After the commit (the consumer's own transactions are closed by now): the senders must see the rows.
        transaction.on_commit(lambda: _enqueue(result.deliveries))
    return len(result.deliveries)


@shared_task(name="alerts.dispatch_due", soft_time_limit=50, time_limit=60, ignore_result=True)
def alerts_dispatch_due() -> int:
    """Retries that are due, and sends whose task was lost (a worker died, the broker lost it): found in the
    database, so nothing waits on a message."""
    ids = delivery.deliveries_due(now=timezone.now(), limit=5000)
    _enqueue(ids)
    for saved_search_id in delivery.daily_searches_due(now=timezone.now()):
        alerts_send_daily.delay(saved_search_id)
    return len(ids)


@shared_task(name="alerts.send", acks_late=True, soft_time_limit=100, time_limit=110, ignore_result=True)
def alerts_send(delivery_ids: list[int]) -> int:
    outcomes = delivery.deliveries_send(delivery_ids=delivery_ids)
    return sum(outcome == delivery.Outcome.SENT for outcome in outcomes.values())


@shared_task(name="alerts.send_daily", acks_late=True, soft_time_limit=60, time_limit=90, ignore_result=True)
def alerts_send_daily(saved_search_id: int) -> str:
    return delivery.daily_send(saved_search_id=saved_search_id)
