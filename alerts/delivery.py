"""Sending alerts: a webhook POST signed per Standard Webhooks, an email each, or one email a day.

Each send first claims its delivery with a conditional UPDATE that moves `next_attempt_at` past a lease, so two
workers never send one delivery at once, and a worker killed mid-send leaves a row that is due again when the
lease ends. Delivery is at least once per delivery id: a worker killed after the receiver answered but before
the row was marked sent sends it again with the same `webhook-id`, which Standard Webhooks receivers dedupe on.
"""

from __future__ import annotations

import enum
import json
import queue
import random
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from alerts.models import AlertDelivery, Channel, DeliveryState, SavedSearch
from alerts.services import webhook_policy
from sources.feeds.fetching import FetchError, checked_connection, parse_target
from timeline.models import DevelopmentVersion

INSTANT = (Channel.WEBHOOK, Channel.EMAIL)


class Outcome(enum.StrEnum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    SKIPPED = "skipped"  # not due, already sent, or claimed by another worker


@dataclass(frozen=True)
class WebhookMessage:
    delivery_id: str
    body: str
    headers: dict[str, str]


def retry_backoff(attempts: int) -> float:
    """Seconds before the next attempt: doubling from ALERTS_RETRY_BASE_SECONDS, capped, with 10% jitter so
    that deliveries that failed together do not retry together."""
    base = float(settings.ALERTS_RETRY_BASE_SECONDS) * 2 ** max(attempts - 1, 0)
    delay = min(base, float(settings.ALERTS_RETRY_MAX_SECONDS))
    return delay * random.uniform(0.9, 1.1)


def _version_left(delivery: AlertDelivery) -> DevelopmentVersion | None:
    return (
        DevelopmentVersion.objects.filter(
            development_id=delivery.development_id, valid_from_position__lte=delivery.position
        )
        .order_by("-valid_from_position")
        .first()
    )


def alert_payload(
    delivery: AlertDelivery, *, versions: dict[tuple[str, int], DevelopmentVersion | None] | None = None
) -> dict[str, Any]:
    """The alert as sent: Standard Webhooks' {type, timestamp, data}; the development as the event left it.
    `versions` caches the development's versions across the alerts of one send (one event alerts many)."""
    key = (str(delivery.development_id), delivery.position)
    if versions is None or key not in versions:
        version = _version_left(delivery)
        if versions is not None:
            versions[key] = version
    else:
        version = versions[key]
    site = str(settings.SITE_URL).rstrip("/")
    development: dict[str, Any] = {"id": str(delivery.development_id)}
    if version is not None:
        development |= {
            "title": version.title,
            "date": version.edtf,
            "display_date": version.display_date,
            "category": version.category,
            "kind": version.kind,
            "status": version.status,
            "version": version.version,
        }
    development["url"] = f"{site}/api/developments/{delivery.development_id}/"
    search = delivery.saved_search
    return {
        "type": f"development.{delivery.change}",
        "timestamp": delivery.created_at.isoformat(),
        "data": {
            "saved_search": {"id": search.pk, "name": search.name, "query": search.query},
            "development": development,
            "position": delivery.position,
            "event_type": delivery.event_type,
            "change": delivery.change,
        },
    }


def webhook_message(
    delivery: AlertDelivery,
    *,
    now: datetime,
    versions: dict[tuple[str, int], DevelopmentVersion | None] | None = None,
) -> WebhookMessage:
    """The signed request: the body and the three Standard Webhooks headers, signed with the endpoint's secret."""
    payload = alert_payload(delivery, versions=versions)
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    signer = Webhook(delivery.saved_search.webhook_secret)
    moment = now.astimezone(UTC)
    headers = {
        "webhook-id": delivery.delivery_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signer.sign(delivery.delivery_id, moment, body),
    }
    return WebhookMessage(delivery.delivery_id, body, headers)


def webhook_post(url: str, message: WebhookMessage) -> int:
    """POST the message; the status code, or FetchError when no answer came. Redirects are not followed (a
    3xx is a failed attempt), so no redirect can lead a webhook to an address the check refused."""
    target = parse_target(url)
    timeout = float(settings.ALERTS_SEND_TIMEOUT)
    connection = checked_connection(target, policy=webhook_policy(), timeout=timeout)
    try:
        payload = message.body.encode("utf-8")
        connection.putrequest("POST", target.path, skip_accept_encoding=True)
        connection.putheader("User-Agent", settings.ALERTS_USER_AGENT)
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(len(payload)))
        for name, value in message.headers.items():
            connection.putheader(name, value)
        connection.endheaders(payload)
        response = connection.getresponse()
        response.read(64 * 1024)  # a little of the body, so the connection closes cleanly; the rest is ignored
        return int(response.status)
    except FetchError:
        raise
    except (OSError, ValueError) as error:
        raise FetchError(f"{url}: {error}") from error
    finally:
        connection.close()
        if connection.raw_sock is not None:
            connection.raw_sock.close()


def _claim(delivery_ids: Sequence[int], now: datetime) -> list[AlertDelivery]:
    """Claim the due instant deliveries among `delivery_ids` in one conditional UPDATE ... RETURNING, which moves
    each past a lease: one already sent, or held by another worker whose lease has not ended, is left out."""
    if not delivery_ids:
        return []
    lease = now + timedelta(seconds=float(settings.ALERTS_SEND_LEASE_SECONDS))
    quote, ops = connection.ops.quote_name, connection.ops
    table, pk = quote(AlertDelivery._meta.db_table), quote(str(AlertDelivery._meta.pk.column))
    ids = ", ".join(["%s"] * len(delivery_ids))
    sql = (
        f"UPDATE {table} SET next_attempt_at = %s, attempts = attempts + 1 "
        f"WHERE {pk} IN ({ids}) AND state = %s AND channel IN (%s, %s) AND next_attempt_at <= %s RETURNING {pk}"
    )
    params = [
        ops.adapt_datetimefield_value(lease),
        *delivery_ids,
        DeliveryState.PENDING,
        *INSTANT,
        ops.adapt_datetimefield_value(now),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        claimed = [row[0] for row in cursor.fetchall()]
    if not claimed:
        return []
    return list(AlertDelivery.objects.filter(pk__in=claimed).select_related("saved_search__owner").order_by("pk"))


def delivery_send(*, delivery_id: int) -> Outcome:
    """Send one instant delivery if it is due, and record the outcome."""
    return deliveries_send(delivery_ids=[delivery_id]).get(delivery_id, Outcome.SKIPPED)


def deliveries_send(*, delivery_ids: Sequence[int]) -> dict[int, Outcome]:
    """Send the due instant deliveries among `delivery_ids` and record each outcome (the ones not due are left
    out of the answer). One claim for them all; webhooks go out concurrently, ALERTS_SEND_THREADS at a time, but
    one at a time and in order per endpoint (a saved search's webhook), so no receiver gets a burst of its own
    alerts at once, and a worker killed mid-send leaves at most one request per endpoint unanswered."""
    now = timezone.now()
    outcomes: dict[int, Outcome] = {}
    endpoints: dict[int, list[tuple[AlertDelivery, WebhookMessage]]] = {}
    versions: dict[tuple[str, int], DevelopmentVersion | None] = {}
    for delivery in _claim(delivery_ids, now):
        search = delivery.saved_search
        if delivery.channel != Channel.WEBHOOK:
            outcomes[delivery.pk] = _email(delivery, now)
        elif search.webhook_disabled_at is not None or not search.webhook_url:
            outcomes[delivery.pk] = _gave_up(delivery, "the endpoint is disabled", now)
        else:
            message = webhook_message(delivery, now=now, versions=versions)
            endpoints.setdefault(search.pk, []).append((delivery, message))
    for answers in _post_concurrently(endpoints):
        outcomes |= _record_answers(answers, now)
    return outcomes


@dataclass(frozen=True)
class _Answer:
    delivery: AlertDelivery
    status: int | None  # None: no answer came
    error: str = ""


def _post_concurrently(endpoints: dict[int, list[tuple[AlertDelivery, WebhookMessage]]]) -> Iterator[list[_Answer]]:
    """POST every message, one endpoint's in order on one thread; yields the answers as they come, in batches
    (whatever arrived since the last), so each is recorded promptly and the records are few statements.
    The threads only make requests: the database is written by the caller's thread alone."""
    total = sum(len(messages) for messages in endpoints.values())
    if not total:
        return
    answers: queue.SimpleQueue[_Answer] = queue.SimpleQueue()

    def post_all(messages: list[tuple[AlertDelivery, WebhookMessage]]) -> None:
        for delivery, message in messages:
            try:
                answers.put(_Answer(delivery, webhook_post(delivery.saved_search.webhook_url, message)))
            except FetchError as error:
                answers.put(_Answer(delivery, None, str(error)))
            except Exception as error:
                answers.put(_Answer(delivery, None, f"{type(error).__name__}: {error}"))

    threads = max(1, min(int(settings.ALERTS_SEND_THREADS), len(endpoints)))
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="webhook") as pool:
        for messages in endpoints.values():
            pool.submit(post_all, messages)
        received = 0
        while received < total:
            batch = [answers.get()]
            while True:
                try:
                    batch.append(answers.get_nowait())
                except queue.Empty:
                    break
            received += len(batch)
            yield batch


def _record_answers(answers: list[_Answer], now: datetime) -> dict[int, Outcome]:
    outcomes: dict[int, Outcome] = {}
    sent_by_status: dict[int, list[int]] = {}
    recovered: set[int] = set()
    for answer in answers:
        delivery = answer.delivery
        if answer.status is None:
            outcomes[delivery.pk] = _failed(delivery, answer.error, None, now)
        elif not 200 <= answer.status < 300:
            outcomes[delivery.pk] = _failed(delivery, f"HTTP {answer.status}", answer.status, now)
        else:
            sent_by_status.setdefault(answer.status, []).append(delivery.pk)
            outcomes[delivery.pk] = Outcome.SENT
            if delivery.saved_search.webhook_failing_since is not None:
                recovered.add(delivery.saved_search_id)
    for status, ids in sent_by_status.items():
        AlertDelivery.objects.filter(pk__in=ids).update(
            state=DeliveryState.SENT, sent_at=now, last_status=status, last_error=""
        )
    if recovered:  # most sends: a healthy endpoint, no write needed
        SavedSearch.objects.filter(pk__in=recovered).update(webhook_failing_since=None)
    return outcomes


def _email(delivery: AlertDelivery, now: datetime) -> Outcome:
    try:
        send_mail(
            _email_subject(delivery),
            _email_body([delivery]),
            settings.DEFAULT_FROM_EMAIL,
            [delivery.saved_search.owner.email],
        )
    except OSError as error:
        return _failed(delivery, f"mail: {error}", None, now)
    _sent(delivery, None, now)
    return Outcome.SENT


def _sent(delivery: AlertDelivery, status: int | None, now: datetime) -> None:
    AlertDelivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.SENT, sent_at=now, last_status=status, last_error=""
    )


def _gave_up(delivery: AlertDelivery, error: str, now: datetime) -> Outcome:
    AlertDelivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.FAILED, last_error=error)
    return Outcome.FAILED


def _failed(delivery: AlertDelivery, error: str, status: int | None, now: datetime) -> Outcome:
    """A failed attempt: retry with backoff until ALERTS_RETRY_HOURS after the alert; a webhook endpoint failing
    for ALERTS_DISABLE_AFTER_HOURS is disabled and its owner told."""
    if delivery.channel == Channel.WEBHOOK:
        _endpoint_failed(delivery.saved_search, now)
    if now - delivery.created_at >= timedelta(hours=float(settings.ALERTS_RETRY_HOURS)):
        AlertDelivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.FAILED, last_error=error, last_status=status
        )
        return Outcome.FAILED
    AlertDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=now + timedelta(seconds=retry_backoff(delivery.attempts)), last_error=error, last_status=status
    )
    return Outcome.RETRY


def _endpoint_failed(search: SavedSearch, now: datetime) -> None:
    SavedSearch.objects.filter(pk=search.pk, webhook_failing_since__isnull=True).update(webhook_failing_since=now)
    since = now - timedelta(hours=float(settings.ALERTS_DISABLE_AFTER_HOURS))
    # One worker wins the conditional UPDATE, so the owner is told once.
    disabled = SavedSearch.objects.filter(
        pk=search.pk, webhook_disabled_at__isnull=True, webhook_failing_since__lte=since
    ).update(webhook_disabled_at=now)
    if disabled:
        owner_email = str(getattr(search.owner, "email", "") or "")
        if owner_email:
            send_mail(
                f"Webhook disabled: {search.name}",
                f'The webhook of your saved search "{search.name}" ({search.webhook_url}) has failed for '
                f"{settings.ALERTS_DISABLE_AFTER_HOURS:g} hours, so it is disabled and no more alerts are sent to "
                "it. Check the endpoint, then enable it again (or change its URL); the delivery log keeps what "
                "was not delivered, to send again.",
                settings.DEFAULT_FROM_EMAIL,
                [owner_email],
                fail_silently=True,
            )


def _email_subject(delivery: AlertDelivery) -> str:
    return f"[{delivery.saved_search.name}] a development {delivery.change}"


def _email_body(deliveries: list[AlertDelivery]) -> str:
    lines = []
    for delivery in deliveries:
        data = alert_payload(delivery)["data"]
        development = data["development"]
        lines.append(
            f"- {development.get('display_date', '')}: {development.get('title', development['id'])} "
            f"({delivery.change})\n  {development['url']}"
        )
    search = deliveries[0].saved_search
    return f'Your saved search "{search.name}" ({search.query or "all developments"}):\n\n' + "\n".join(lines) + "\n"


def deliveries_due(*, now: datetime, limit: int) -> list[int]:
    """Instant deliveries whose attempt is due (new, retrying, or claimed by a worker that died), oldest first."""
    return list(
        AlertDelivery.objects.filter(state=DeliveryState.PENDING, channel__in=INSTANT, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def daily_searches_due(*, now: datetime) -> list[int]:
    """Daily-email searches with pending alerts whose last email is a day old (or that never had one)."""
    day_ago = now - timedelta(hours=24)
    pending = AlertDelivery.objects.filter(
        state=DeliveryState.PENDING, channel=Channel.DAILY, next_attempt_at__lte=now
    ).values("saved_search_id")
    return list(
        SavedSearch.objects.filter(Q(daily_sent_at__isnull=True) | Q(daily_sent_at__lte=day_ago), pk__in=pending)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def daily_send(*, saved_search_id: int) -> Outcome:
    """One email with a saved search's pending daily alerts; at most one a day (claimed on the search's row)."""
    now = timezone.now()
    day_ago = now - timedelta(hours=24)
    lease = now + timedelta(seconds=float(settings.ALERTS_SEND_LEASE_SECONDS))
    with transaction.atomic():
        search = (
            SavedSearch.objects.select_for_update()
            .filter(Q(daily_sent_at__isnull=True) | Q(daily_sent_at__lte=day_ago), pk=saved_search_id)
            .select_related("owner")
            .first()
        )
        if search is None:
            return Outcome.SKIPPED
        rows = AlertDelivery.objects.filter(
            saved_search=search, state=DeliveryState.PENDING, channel=Channel.DAILY, next_attempt_at__lte=now
        )
        ids = list(rows.order_by("position").values_list("pk", flat=True)[: settings.ALERTS_DAILY_MAX])
        if not ids:
            return Outcome.SKIPPED
        AlertDelivery.objects.filter(pk__in=ids).update(next_attempt_at=lease, attempts=F("attempts") + 1)
        previous = search.daily_sent_at
        search.daily_sent_at = now
        search.save(update_fields=["daily_sent_at"])
    deliveries = list(AlertDelivery.objects.filter(pk__in=ids).select_related("saved_search").order_by("position"))
    try:
        send_mail(
            f"[{search.name}] {len(deliveries)} new alert(s) today",
            _email_body(deliveries),
            settings.DEFAULT_FROM_EMAIL,
            [search.owner.email],
        )
    except OSError as error:
        SavedSearch.objects.filter(pk=search.pk).update(daily_sent_at=previous)
        AlertDelivery.objects.filter(pk__in=ids).update(
            next_attempt_at=now + timedelta(seconds=retry_backoff(1)), last_error=f"mail: {error}"
        )
        return Outcome.RETRY
    AlertDelivery.objects.filter(pk__in=ids).update(state=DeliveryState.SENT, sent_at=now, last_error="")
    return Outcome.SENT


def delivery_resend(*, delivery_ids: list[int]) -> int:
    """ "Send again" from the admin: the deliveries become due now, with the same delivery id."""
    return AlertDelivery.objects.filter(pk__in=delivery_ids).update(
        state=DeliveryState.PENDING, next_attempt_at=timezone.now(), sent_at=None
    )
