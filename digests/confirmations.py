"""Confirmation mails: limited and queued by the subscribe request, sent once by the email worker, retried.

The web request never talks to the SMTP server: it inserts a row in the outbox (digests.models.ConfirmationMail)
in the subscription's own transaction and, once that commits, puts a task on the `email` queue. The worker
claims the row before sending, so a redelivered (acks_late) or duplicated task sends nothing twice, and a
failure is retried with the digests' backoff until DIGEST_MAX_ATTEMPTS. If the broker cannot take the task,
the request still succeeds: the every-minute digest dispatcher queues what is still waiting.

Limits, so that nobody can use the form to mail-bomb an address: at most
DIGEST_CONFIRMATIONS_PER_RECIPIENT_PER_DAY confirmation mails to one address in 24 hours, and at most
DIGEST_SUBSCRIBE_REQUESTS_PER_CLIENT_PER_HOUR requests that send one from one client address in an hour. A
request over a limit changes nothing (an earlier link keeps working); the page answers the same either way, so
the form tells nobody whether an address is subscribed or limited.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta
from functools import partial

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from digests.composition import confirmation_message, describe_filters, site_url
from digests.models import ConfirmationMail, ConfirmationState, Subscription
from digests.tokens import confirm_token, requested_stamp
from digests.window import SubscriptionFilters
from timeline.selectors import entity_names

logger = logging.getLogger(__name__)

CONFIRMATION_TASK = "digests.send_confirmation"
# A queued mail older than this has lost its task (the broker was down, or lost the message): the dispatcher
# queues it again. Longer than a healthy queue takes to reach it; a second task for it would send nothing anyway.
REQUEUE_AFTER = timedelta(minutes=2)
# Queued mails older than this are not sent any more: the person who asked has long moved on.
GIVE_UP_AFTER = timedelta(days=1)
_SETTING_FIELDS = ("categories", "kinds", "entities", "timelines", "min_reliability")


class SubscribeLimitError(Exception):
    """Sending this confirmation mail would pass a limit (per recipient or per client address)."""


class ConfirmationOutcome:
    SENT = "sent"
    SKIPPED = "skipped"  # another task claimed or finished this mail
    SUPERSEDED = "superseded"  # a newer request for the address has its own mail
    FAILED = "failed"  # will be retried
    GAVE_UP = "gave-up"  # failed DIGEST_MAX_ATTEMPTS times


def confirm_url(subscription: Subscription) -> str:
    token = confirm_token(subscription.pk, subscription.requested_at)
    return site_url() + reverse("digests:confirm", kwargs={"token": token})


def confirmation_limit_check(*, email: str, client_address: str, now: datetime) -> None:
    """Raise SubscribeLimitError if one more confirmation mail to `email`, asked by `client_address`, is too many."""
    per_recipient = int(settings.DIGEST_CONFIRMATIONS_PER_RECIPIENT_PER_DAY)
    if ConfirmationMail.objects.filter(email=email, created_at__gt=now - timedelta(days=1)).count() >= per_recipient:
        raise SubscribeLimitError(f"{per_recipient} confirmation mails to this address in 24 hours already")
    per_client = int(settings.DIGEST_SUBSCRIBE_REQUESTS_PER_CLIENT_PER_HOUR)
    recent = ConfirmationMail.objects.filter(client_address=client_address, created_at__gt=now - timedelta(hours=1))
    if client_address and recent.count() >= per_client:
        raise SubscribeLimitError(f"{per_client} subscribe requests from {client_address} in an hour already")


def confirmation_queue(*, subscription: Subscription, client_address: str) -> ConfirmationMail:
    """Put the subscription's current link in the outbox; its task is enqueued when the transaction commits."""
    mail = ConfirmationMail.objects.create(
        subscription=subscription,
        email=subscription.email,
        requested_at=subscription.requested_at,
        client_address=client_address,
    )
    transaction.on_commit(partial(confirmation_enqueue, mail_id=mail.pk))
    return mail


def confirmation_enqueue(*, mail_id: int) -> None:
    """Hand the mail to the email queue; a broker that cannot take it costs a delay, never the request."""
    try:
        # One quick try at the broker: Celery's own publish retries for seconds while Redis is down, and a web
        # request must not wait on the broker. By name, through the current Celery app: the web side does not
        # import the worker's task module.
        with current_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0)
            current_app.send_task(CONFIRMATION_TASK, args=[mail_id], retry=False, connection=connection)
    except Exception as error:  # the broker is down or refuses: the dispatcher queues it within minutes
        logger.warning(
            "confirmation mail %s not queued now (%s: %s); the dispatcher will", mail_id, type(error).__name__, error
        )


def confirmations_due(now: datetime) -> list[int]:
    """Queued mails whose task has not run within REQUEUE_AFTER (lost with the broker), newest day only."""
    return list(
        ConfirmationMail.objects.filter(
            state=ConfirmationState.QUEUED, created_at__lt=now - REQUEUE_AFTER, created_at__gt=now - GIVE_UP_AFTER
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:1000]
    )


def _message_for(mail: ConfirmationMail) -> EmailMultiAlternatives:
    subscription = mail.subscription
    # The settings this request asked for: pending changes on a receiving subscription, else its own.
    asked = Subscription(
        **{name: subscription.pending.get(name, getattr(subscription, name)) for name in _SETTING_FIELDS}
    )
    return confirmation_message(
        email=mail.email,
        confirm_url=confirm_url(subscription),
        filters=describe_filters(SubscriptionFilters.of(asked), entity_names(asked.entities)),
    )


def confirmation_send(*, mail_id: int) -> tuple[str, str]:
    """Send one queued confirmation mail at most once: (outcome, error). The email worker's service."""
    claimed = ConfirmationMail.objects.filter(
        pk=mail_id, state__in=(ConfirmationState.QUEUED, ConfirmationState.FAILED)
    ).update(state=ConfirmationState.CLAIMED, attempts=F("attempts") + 1, claimed_at=timezone.now())
    if not claimed:
        return ConfirmationOutcome.SKIPPED, ""
    mail = ConfirmationMail.objects.select_related("subscription").get(pk=mail_id)
    rows = ConfirmationMail.objects.filter(pk=mail_id)
    if requested_stamp(mail.subscription.requested_at) != requested_stamp(mail.requested_at):
        rows.update(state=ConfirmationState.SUPERSEDED)
        return ConfirmationOutcome.SUPERSEDED, ""
    try:
        message = _message_for(mail)
        message.connection = get_connection(fail_silently=False)
        message.send()
    except Exception as error:  # refused, timed out (EMAIL_TIMEOUT), or a message the backend cannot take
        if not isinstance(error, (smtplib.SMTPException, OSError)):
            logger.exception("confirmation mail %s could not be sent", mail_id)
        text = f"{type(error).__name__}: {error}"[:2000]
        rows.update(state=ConfirmationState.FAILED, last_error=text)
        gave_up = mail.attempts >= int(settings.DIGEST_MAX_ATTEMPTS)
        return (ConfirmationOutcome.GAVE_UP if gave_up else ConfirmationOutcome.FAILED), text
    rows.update(state=ConfirmationState.SENT, sent_at=timezone.now(), last_error="")
    return ConfirmationOutcome.SENT, ""
