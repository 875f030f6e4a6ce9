"""Writes for digests: compose and send each (subscription, ISO week) at most once, retry, pause.

Sending claims first and sends second. For each (subscription, ISO week) a row in the send log is inserted
(the unique key decides who owns the send) or moved from `failed` back to `claimed` by a conditional UPDATE,
and committed, before any byte goes to the SMTP server. A retried task, a second beat or a duplicated message
finds the row and sends nothing.

The crash-after-send trade-off: if the worker dies after the SMTP server accepted the message but before the
row says `sent`, the row stays `claimed` and nobody sends again, so the subscriber never gets a duplicate; if
it dies after claiming but before the server accepted, that week's digest is lost. That is at-most-once
delivery, chosen because a duplicate mail is visible to every subscriber while a lost one is rare, and nothing
is lost for good: the subscription's `covered_to_position` only moves when a digest is sent (or found empty),
so next week's digest covers both weeks. Stale `claimed` rows show in the admin, which can release them.
"""

from __future__ import annotations

import contextlib
import logging
import random
import smtplib
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import transaction
from django.db.models import Case, F, PositiveIntegerField, Value, When
from django.utils import timezone

from digests.composition import (
    ComposedDigest,
    digest_compose,
    digest_message,
    digest_mime,
    site_host,
)
from digests.models import RECLAIMABLE_STATES, Delivery, DeliveryState, Subscription, SubscriptionStatus
from digests.selectors import (
    digest_window_end,
    review_queue_count,
    subscriptions_claimable,
    subscriptions_for,
)
from digests.services import subscription_pause
from digests.window import WindowChanges, window_changes
from timeline.roles import is_analyst

logger = logging.getLogger(__name__)

# Claims are committed (one fsync) a chunk at a time before the chunk is sent; a crash mid-chunk loses at most
# this many digests for the week (never duplicates them), and their content rolls into the next week's.
CHUNK_SIZE = 250


class Outcome:
    SENT = "sent"
    EMPTY = "empty"
    SKIPPED = "skipped"  # someone else holds or finished this week's send
    INACTIVE = "inactive"
    FAILED = "failed"  # will be retried
    PAUSED = "paused"  # failed too often: the subscription is paused


@dataclass
class SendReport:
    """What a send did, per subscription; in a dry run, what it would have done (SENT: would be sent)."""

    week: str
    to_position: int
    dry_run: bool = False
    outcomes: dict[int, str] = field(default_factory=dict)
    composed: int = 0
    errors: dict[int, str] = field(default_factory=dict)

    def count(self, outcome: str) -> int:
        return sum(1 for value in self.outcomes.values() if value == outcome)


# --- sending --------------------------------------------------------------------------------------------


def retry_backoff(retries: int) -> float:
    """Seconds before the next delivery attempt: exponential, capped at six hours, with ±20% jitter."""
    base = float(settings.DIGEST_RETRY_BACKOFF_SECONDS)
    delay = min(base * (2**retries), 6 * 3600.0)
    return delay * random.uniform(0.8, 1.2)


def message_id_for(subscription_id: int, week: str) -> str:
    # Deterministic: should a copy ever go out twice, receiving systems can tell it is the same message.
    return f"<digest.{subscription_id}.{week}@{site_host()}>"


def _claim(subscriptions: Sequence[Subscription], week: str, to_position: int) -> dict[int, Delivery]:
    """Claim the sends we may make; committed before anything is sent. Returns the rows we own."""
    now = timezone.now()
    token = uuid.uuid4()
    ids = [s.pk for s in subscriptions]
    with transaction.atomic():
        Delivery.objects.bulk_create(
            [
                Delivery(
                    subscription_id=s.pk,
                    week=week,
                    state=DeliveryState.CLAIMED,
                    claim_token=token,
                    attempts=1,
                    claimed_at=now,
                    from_position=s.covered_to_position,
                    to_position=to_position,
                    message_id=message_id_for(s.pk, week),
                )
                for s in subscriptions
            ],
            ignore_conflicts=True,
        )
        # A failed attempt is claimed again by exactly one caller: the UPDATE is conditional on its state.
        Delivery.objects.filter(week=week, subscription_id__in=ids, state__in=RECLAIMABLE_STATES).update(
            state=DeliveryState.CLAIMED, claim_token=token, attempts=F("attempts") + 1, claimed_at=now
        )
    return {row.subscription_id: row for row in Delivery.objects.filter(week=week, claim_token=token)}


class _Mailer:
    """One mail connection reused across messages, reopened after a failure.

    With Django's SMTP backend the digest's bytes (digests.composition.digest_mime) go straight to the
    backend's smtplib connection, as the backend itself would send them; any other backend (files, console,
    memory) gets the EmailMultiAlternatives.
    """

    def __init__(self, connection: BaseEmailBackend | None = None) -> None:
        self.connection = connection or get_connection(fail_silently=False)
        self.smtp = isinstance(self.connection, SMTPBackend)
        self.open = False

    def prepare(self, subscription: Subscription, digest: ComposedDigest, message_id: str) -> Any:
        """The message ready to go: raw bytes for SMTP, else an EmailMultiAlternatives (built by the caller)."""
        raw = digest_mime(subscription=subscription, digest=digest, message_id=message_id) if self.smtp else None
        if raw is not None:
            return (subscription.email, raw)
        return digest_message(subscription=subscription, digest=digest, message_id=message_id)

    def send(self, prepared: Any) -> str:
        """'' when the server accepted the message, else the error. Runs on the mail thread only."""
        try:
            if not self.open:
                self.connection.open()
                self.open = True
            if isinstance(prepared, tuple):
                sender = parseaddr(str(settings.DEFAULT_FROM_EMAIL))[1]
                self.connection.connection.sendmail(sender, [prepared[0]], prepared[1])  # type: ignore[attr-defined]
                return ""
            prepared.connection = self.connection
            if not self.connection.send_messages([prepared]):
                return "the mail backend accepted no message"
            return ""
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            return f"{type(error).__name__}: {error}"[:2000]
        except Exception as error:  # e.g. a message the backend cannot encode: fail this one, keep the others
            logger.exception("sending a digest failed")
            self.close()
            return f"{type(error).__name__}: {error}"[:2000]

    def close(self) -> None:
        if self.open:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.connection.close()
        self.open = False


def _finish(
    claimed: dict[int, Delivery],
    results: dict[int, tuple[str, ComposedDigest | None, str]],
    to_position: int,
    report: SendReport,
) -> None:
    """Record the chunk's outcomes with set-based UPDATEs (one for the sent, one for the empty), one commit."""
    with transaction.atomic():
        _finish_rows(claimed, results, to_position, report)


def _finish_rows(
    claimed: dict[int, Delivery],
    results: dict[int, tuple[str, ComposedDigest | None, str]],
    to_position: int,
    report: SendReport,
) -> None:
    now = timezone.now()
    sent_ids: list[int] = []
    covered_ids: list[int] = []
    failed_ids: list[int] = []
    counts: dict[str, dict[int, int]] = {DeliveryState.SENT: {}, DeliveryState.EMPTY: {}}
    for subscription_id, (state, digest, _error) in results.items():
        if state == DeliveryState.SENT:
            sent_ids.append(subscription_id)
            covered_ids.append(subscription_id)
        elif state == DeliveryState.EMPTY:
            covered_ids.append(subscription_id)
        else:
            failed_ids.append(subscription_id)
            continue
        counts[state][claimed[subscription_id].pk] = digest.item_count if digest else 0
    for state, item_counts in counts.items():
        if item_counts:
            Delivery.objects.filter(pk__in=list(item_counts)).update(
                state=state,
                finished_at=now,
                to_position=to_position,
                last_error="",
                item_count=Case(
                    *(When(pk=pk, then=Value(count)) for pk, count in item_counts.items()),
                    output_field=PositiveIntegerField(),
                ),
            )
    for subscription_id in failed_ids:
        state, digest, error = results[subscription_id]
        Delivery.objects.filter(pk=claimed[subscription_id].pk).update(
            state=state,
            finished_at=now,
            to_position=to_position,
            item_count=digest.item_count if digest else 0,
            last_error=error,
        )
    if covered_ids:
        Subscription.objects.filter(pk__in=covered_ids, covered_to_position__lt=to_position).update(
            covered_to_position=to_position
        )
    if sent_ids:
        Subscription.objects.filter(pk__in=sent_ids).update(last_sent_at=now, consecutive_failures=0)
    for subscription_id in sent_ids:
        report.outcomes[subscription_id] = Outcome.SENT
    for subscription_id in covered_ids:
        report.outcomes.setdefault(subscription_id, Outcome.EMPTY)
    if failed_ids:
        Subscription.objects.filter(pk__in=failed_ids).update(consecutive_failures=F("consecutive_failures") + 1)
        limit = int(settings.DIGEST_MAX_ATTEMPTS)
        to_pause = set(
            Subscription.objects.filter(pk__in=failed_ids, consecutive_failures__gte=limit).values_list("pk", flat=True)
        )
        for subscription_id in failed_ids:
            error = results[subscription_id][2]
            report.errors[subscription_id] = error
            if subscription_id in to_pause:
                subscription_pause(
                    subscription_id=subscription_id, reason=f"{limit} delivery attempts failed; last: {error}"
                )
                report.outcomes[subscription_id] = Outcome.PAUSED
                logger.warning("digest subscription %s paused after %s failures: %s", subscription_id, limit, error)
            else:
                report.outcomes[subscription_id] = Outcome.FAILED


# Windows read and rendered recently, per process: the one-task-per-subscription Celery path then reads and
# renders a week's changes once per worker process, not once per subscriber. A window (from, to] of the log is
# fixed once written; the short life bounds how long a renamed entity or redefined timeline shows stale.
_WINDOW_CACHE: OrderedDict[tuple[int, int], tuple[float, WindowChanges]] = OrderedDict()
_WINDOW_CACHE_SIZE = 4
_WINDOW_CACHE_SECONDS = 900.0


def cached_window_changes(from_position: int, to_position: int) -> WindowChanges:
    key = (from_position, to_position)
    now = time.monotonic()
    hit = _WINDOW_CACHE.get(key)
    if hit is not None and now - hit[0] < _WINDOW_CACHE_SECONDS:
        _WINDOW_CACHE.move_to_end(key)
        return hit[1]
    changes = window_changes(from_position, to_position)
    _WINDOW_CACHE[key] = (now, changes)
    while len(_WINDOW_CACHE) > _WINDOW_CACHE_SIZE:
        _WINDOW_CACHE.popitem(last=False)
    return changes


def digests_send(
    *,
    subscription_ids: Iterable[int],
    week: str,
    dry_run: bool = False,
    connection: BaseEmailBackend | None = None,
    chunk_size: int = CHUNK_SIZE,
    to_position: int | None = None,
) -> SendReport:
    """Send `week`'s digest to each subscription at most once; one SMTP connection for the whole run.

    Each distinct window (from the subscriber's last digest to now) is read once and shared, so subscribers
    who got last week's digest in the same run cost one query between them. Claims are taken a chunk at a
    time: a crash loses at most one chunk's digests for this week (their content rolls into next week's).
    """
    subscriptions = subscriptions_for(subscription_ids)
    # The dispatcher passes one end for all the sends it enqueues, so that they share their windows.
    end = digest_window_end()
    to_position = end if to_position is None else min(to_position, end)
    report = SendReport(week=week, to_position=to_position, dry_run=dry_run)
    active = []
    for subscription in subscriptions:
        if subscription.status == SubscriptionStatus.ACTIVE:
            active.append(subscription)
        else:
            report.outcomes[subscription.pk] = Outcome.INACTIVE
    review_count: list[int | None] = []
    send_when_empty = bool(settings.DIGEST_SEND_WHEN_EMPTY)
    mailer = _Mailer(connection)

    def compose(subscription: Subscription) -> ComposedDigest:
        start = min(subscription.covered_to_position, to_position)
        count = None
        if subscription.include_review_queue and is_analyst(subscription.user):
            if not review_count:
                review_count.append(review_queue_count())
            count = review_count[0]
        report.composed += 1
        changes = cached_window_changes(start, to_position)
        return digest_compose(subscription=subscription, changes=changes, week=week, review_count=count)

    # Composing (CPU) overlaps with the SMTP conversation (waiting on the server): one mail thread sends the
    # messages in order over the one connection while this thread composes the next ones.
    mail_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="digest-smtp") if not dry_run else None
    try:
        for start in range(0, len(active), chunk_size):
            chunk = active[start : start + chunk_size]
            # A dry run asks which sends the claim would take, and takes none; from there both run the same code.
            owned: set[int] | dict[int, Delivery] = (
                subscriptions_claimable([s.pk for s in chunk], week) if dry_run else _claim(chunk, week, to_position)
            )
            results: dict[int, tuple[str, ComposedDigest | None, str]] = {}
            sending: list[tuple[int, ComposedDigest, Future[str]]] = []
            for subscription in chunk:
                subscription_id = subscription.pk
                if subscription_id not in owned:
                    report.outcomes[subscription_id] = Outcome.SKIPPED
                    continue
                try:
                    digest = compose(subscription)
                    if digest.empty and not send_when_empty:
                        results[subscription_id] = (DeliveryState.EMPTY, digest, "")
                        continue
                    prepared = mailer.prepare(subscription, digest, message_id_for(subscription_id, week))
                except Exception as error:  # one subscriber's broken digest must not cost the others theirs
                    logger.exception("composing the digest of subscription %s failed", subscription_id)
                    results[subscription_id] = (DeliveryState.FAILED, None, f"composing failed: {error!r}"[:2000])
                    continue
                if mail_thread is None:
                    results[subscription_id] = (DeliveryState.SENT, digest, "")  # it would be sent
                    continue
                sending.append((subscription_id, digest, mail_thread.submit(mailer.send, prepared)))
            for subscription_id, digest, future in sending:
                refused = future.result()
                results[subscription_id] = (DeliveryState.FAILED if refused else DeliveryState.SENT, digest, refused)
            if dry_run:
                _forecast(results, report)
            else:
                assert isinstance(owned, dict)
                _finish(owned, results, to_position, report)
    finally:
        if mail_thread is not None:
            mail_thread.shutdown(wait=True)
        mailer.close()
    return report


def _forecast(results: dict[int, tuple[str, ComposedDigest | None, str]], report: SendReport) -> None:
    """A dry run's outcomes: what _finish would record, with nothing written."""
    outcome: dict[str, str] = {DeliveryState.SENT: Outcome.SENT, DeliveryState.EMPTY: Outcome.EMPTY}
    for subscription_id, (state, _digest, error) in results.items():
        report.outcomes[subscription_id] = outcome.get(state, Outcome.FAILED)
        if error:
            report.errors[subscription_id] = error


def digest_send_one(*, subscription_id: int, week: str, to_position: int | None = None) -> tuple[str, str]:
    """One subscription's digest for `week` (the Celery task's service): (outcome, error)."""
    report = digests_send(subscription_ids=[subscription_id], week=week, chunk_size=1, to_position=to_position)
    return report.outcomes.get(subscription_id, Outcome.INACTIVE), report.errors.get(subscription_id, "")


def digest_preview(*, subscription: Subscription, week: str, test: bool = False) -> ComposedDigest:
    """The subscriber's next digest as it would be composed now (nothing claimed, nothing moved)."""
    to_position = digest_window_end()
    changes = window_changes(min(subscription.covered_to_position, to_position), to_position)
    count = None
    if subscription.include_review_queue and is_analyst(subscription.user):
        count = review_queue_count()
    return digest_compose(subscription=subscription, changes=changes, week=week, review_count=count, test=test)


def digest_send_test(*, subscription_id: int, week: str, to: str = "") -> ComposedDigest:
    """Send the subscriber's next digest now, marked [TEST], to them (or to `to`): no log, no window moved."""
    subscription = Subscription.objects.select_related("user").get(pk=subscription_id)
    digest = digest_preview(subscription=subscription, week=week, test=True)
    message = digest_message(
        subscription=subscription, digest=digest, message_id=f"<digest.test.{uuid.uuid4().hex}@{site_host()}>"
    )
    if to:
        message.to = [to]
    message.send()
    return digest


def week_now(moment: datetime | None = None) -> str:
    year, week, _ = (moment or timezone.now()).isocalendar()
    return f"{year}-W{week:02d}"


def delivery_release(*, delivery_id: int) -> bool:
    """Let a stale claim (a worker that died mid-send) be sent again: an analyst's decision, never automatic."""
    return bool(
        Delivery.objects.filter(pk=delivery_id, state=DeliveryState.CLAIMED).update(
            state=DeliveryState.FAILED, last_error="claim released by an administrator"
        )
    )
