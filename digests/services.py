"""Writes for digest subscriptions: subscribe with double opt-in, confirm, unsubscribe, pause, resume.

Sending lives in digests.sending.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from digests.confirmations import confirmation_limit_check, confirmation_queue
from digests.models import Subscription, SubscriptionStatus
from digests.selectors import (
    digest_window_end,
    time_zone_names,
)
from digests.tokens import TokenError, confirm_token_read, requested_stamp, unsubscribe_token_read
from timeline.models import NamedTimeline
from timeline.roles import is_analyst
from timeline.selectors import entity_resolve
from timeline.taxonomy import RELIABILITY, Category, Kind

logger = logging.getLogger(__name__)

SETTING_FIELDS = (
    "categories",
    "kinds",
    "entities",
    "timelines",
    "min_reliability",
    "include_review_queue",
    "weekday",
    "hour",
    "time_zone",
)


# --- subscribing ----------------------------------------------------------------------------------------


def _clean_settings(
    *,
    email: str,
    user: User | None,
    categories: Iterable[str],
    kinds: Iterable[str],
    entities: Iterable[str],
    timelines: Iterable[str],
    min_reliability: str,
    include_review_queue: bool,
    weekday: int,
    hour: int,
    time_zone: str,
) -> tuple[str, dict[str, Any]]:
    errors: dict[str, list[str]] = {}
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        errors.setdefault("email", []).append("Enter a valid email address.")
    cleaned: dict[str, Any] = {}
    for name, values, allowed in (("categories", categories, Category.values), ("kinds", kinds, Kind.values)):
        chosen = sorted({str(v) for v in values})
        for value in chosen:
            if value not in allowed:
                errors.setdefault(name, []).append(f"'{value}' is not one of: {', '.join(allowed)}.")
        cleaned[name] = chosen
    entity_ids: list[str] = []
    for term in entities:
        entity = entity_resolve(str(term))
        if entity is None:
            errors.setdefault("entities", []).append(f"unknown entity '{term}'.")
        elif entity.pk not in entity_ids:
            entity_ids.append(entity.pk)
    cleaned["entities"] = entity_ids
    slugs = sorted({str(s) for s in timelines})
    known = set(NamedTimeline.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    for slug in slugs:
        if slug not in known:
            errors.setdefault("timelines", []).append(f"no named timeline '{slug}'.")
    cleaned["timelines"] = slugs
    grade = (min_reliability or "").strip().upper()
    if grade and grade not in RELIABILITY:
        errors.setdefault("min_reliability", []).append("A grade from A (best) to F, or blank.")
    cleaned["min_reliability"] = grade
    if include_review_queue and not is_analyst(user):
        errors.setdefault("include_review_queue", []).append("Only analysts can ask for the review queue count.")
    cleaned["include_review_queue"] = bool(include_review_queue)
    if not (isinstance(weekday, int) and 1 <= weekday <= 7):
        errors.setdefault("weekday", []).append("A weekday from 1 (Monday) to 7 (Sunday).")
    if not (isinstance(hour, int) and 0 <= hour <= 23):
        errors.setdefault("hour", []).append("An hour from 0 to 23.")
    if time_zone not in time_zone_names():
        errors.setdefault("time_zone", []).append(f"'{time_zone}' is not an IANA time zone such as Europe/Paris.")
    cleaned.update(weekday=weekday, hour=hour, time_zone=time_zone)
    if errors:
        raise ValidationError(errors)
    return email, cleaned


def subscription_request(
    *,
    email: str,
    user: User | None = None,
    categories: Sequence[str] = (),
    kinds: Sequence[str] = (),
    entities: Sequence[str] = (),
    timelines: Sequence[str] = (),
    min_reliability: str = "",
    include_review_queue: bool = False,
    weekday: int = 1,
    hour: int = 8,
    time_zone: str = "UTC",
    confirmed: bool = False,
    client_address: str = "",
) -> Subscription:
    """Ask for a digest. Queues a confirmation link unless `confirmed` (trusted callers: the admin, a script).

    A request for an address that is already subscribed changes nothing until its link is confirmed, so a
    stranger cannot rewrite or revive someone else's subscription by typing their address. The link goes out
    from the email worker (digests.confirmations); a request that would pass the confirmation mail limits for
    the address or for `client_address` (who asked) raises SubscribeLimitError and changes nothing.
    """
    email, cleaned = _clean_settings(
        email=email or (getattr(user, "email", "") if user else ""),
        user=user,
        categories=categories,
        kinds=kinds,
        entities=entities,
        timelines=timelines,
        min_reliability=min_reliability,
        include_review_queue=include_review_queue,
        weekday=weekday,
        hour=hour,
        time_zone=time_zone,
    )
    now = timezone.now()
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().filter(email=email).first()
        if not confirmed:
            # Under the subscription's row lock: concurrent requests for an address already asked for wait for
            # each other, so none of them slips past the per-recipient limit.
            confirmation_limit_check(email=email, client_address=client_address, now=now)
        if subscription is None:
            subscription = Subscription(email=email, user=user, requested_at=now, **cleaned)
            subscription.pending = {}
            subscription.save()
        elif subscription.status in (SubscriptionStatus.PENDING, SubscriptionStatus.UNSUBSCRIBED) or confirmed:
            for name, value in cleaned.items():
                setattr(subscription, name, value)
            subscription.user = user or subscription.user
            subscription.pending = {}
            subscription.requested_at = now
            if not confirmed:
                subscription.status = SubscriptionStatus.PENDING
            subscription.save()
        else:
            subscription.pending = cleaned
            subscription.requested_at = now
            subscription.save(update_fields=["pending", "requested_at"])
        if not confirmed:
            confirmation_queue(subscription=subscription, client_address=client_address)
    if confirmed:
        return _activate(subscription)
    return subscription


def _activate(subscription: Subscription) -> Subscription:
    was_receiving = subscription.status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAUSED)
    for name, value in (subscription.pending or {}).items():
        if name in SETTING_FIELDS:
            setattr(subscription, name, value)
    subscription.pending = {}
    subscription.status = SubscriptionStatus.ACTIVE
    subscription.confirmed_at = timezone.now()
    subscription.unsubscribed_at = None
    subscription.paused_at = None
    subscription.pause_reason = ""
    subscription.consecutive_failures = 0
    if not was_receiving:
        # The first digest covers what happens from now on, not the whole history.
        subscription.covered_to_position = digest_window_end()
    subscription.save()
    return subscription


def subscription_confirm(*, token: str) -> Subscription:
    """Follow a confirmation link: activate (or apply the requested changes). Raises TokenError."""
    subscription_id, stamp = confirm_token_read(token)
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().filter(pk=subscription_id).first()
        if subscription is None:
            raise TokenError("This subscription no longer exists.")
        if stamp != requested_stamp(subscription.requested_at):
            raise TokenError("This confirmation link was replaced by a newer one; use the latest email.")
        if subscription.status == SubscriptionStatus.ACTIVE and not subscription.pending:
            return subscription  # a second click on the same link
        return _activate(subscription)


def subscription_unsubscribe(*, token: str) -> Subscription:
    """Follow an unsubscribe link (or its RFC 8058 one-click POST). Idempotent. Raises TokenError."""
    subscription_id = unsubscribe_token_read(token)
    subscription = Subscription.objects.filter(pk=subscription_id).first()
    if subscription is None:
        raise TokenError("This subscription no longer exists.")
    if subscription.status != SubscriptionStatus.UNSUBSCRIBED:
        Subscription.objects.filter(pk=subscription.pk).update(
            status=SubscriptionStatus.UNSUBSCRIBED, unsubscribed_at=timezone.now(), pending={}
        )
        subscription.refresh_from_db()
    return subscription


def subscription_pause(*, subscription_id: int, reason: str) -> None:
    Subscription.objects.filter(pk=subscription_id, status=SubscriptionStatus.ACTIVE).update(
        status=SubscriptionStatus.PAUSED, paused_at=timezone.now(), pause_reason=reason[:2000]
    )


def subscription_resume(*, subscription_id: int) -> bool:
    return bool(
        Subscription.objects.filter(pk=subscription_id, status=SubscriptionStatus.PAUSED).update(
            status=SubscriptionStatus.ACTIVE, paused_at=None, pause_reason="", consecutive_failures=0
        )
    )
