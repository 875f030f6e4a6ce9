"""Celery tasks for digests: a short periodic dispatcher, one send task per (subscription, week), and one per
confirmation mail.

Thin on purpose: they take ids and call digests.sending and digests.confirmations, which claim each send (in the
send log, in the confirmation outbox) before sending, so a redelivered, retried or duplicated task sends nothing
twice.
"""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from django.utils import timezone

from digests import confirmations, sending
from digests.selectors import digest_window_end, subscriptions_due


@shared_task(name="digests.dispatch_due", soft_time_limit=50, time_limit=60, ignore_result=True)
def digests_dispatch_due() -> int:
    """Enqueue one send per subscription whose weekly slot (in its time zone) has passed without a digest, and
    the confirmation mails whose task was lost (the broker was down when the subscriber asked)."""
    now = timezone.now()
    for mail_id in confirmations.confirmations_due(now):
        confirmation_send.delay(mail_id)
    due = subscriptions_due(now)
    # One window end for the whole dispatch: the sends share their windows in each worker's cache.
    to_position = digest_window_end()
    for subscription_id, week in due:
        digest_send.delay(subscription_id, week, to_position)
    return len(due)


@shared_task(
    bind=True,
    name="digests.send",
    max_retries=None,  # the service counts failures and pauses the subscription after DIGEST_MAX_ATTEMPTS
    acks_late=True,
    soft_time_limit=60,
    time_limit=90,
    ignore_result=True,
)
def digest_send(self: Task[Any, Any], subscription_id: int, week: str, to_position: int | None = None) -> str:
    outcome, error = sending.digest_send_one(subscription_id=subscription_id, week=week, to_position=to_position)
    if outcome == sending.Outcome.FAILED:
        raise self.retry(countdown=sending.retry_backoff(self.request.retries), exc=OSError(error))
    return outcome


@shared_task(
    bind=True,
    name=confirmations.CONFIRMATION_TASK,
    max_retries=None,  # the service gives up after DIGEST_MAX_ATTEMPTS
    acks_late=True,
    soft_time_limit=60,
    time_limit=90,
    ignore_result=True,
)
def confirmation_send(self: Task[Any, Any], mail_id: int) -> str:
    outcome, error = confirmations.confirmation_send(mail_id=mail_id)
    if outcome == confirmations.ConfirmationOutcome.FAILED:
        raise self.retry(countdown=sending.retry_backoff(self.request.retries), exc=OSError(error))
    return outcome
