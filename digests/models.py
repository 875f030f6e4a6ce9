"""Digest subscriptions and the send log that makes each (subscription, ISO week) go out at most once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class SubscriptionStatus(models.TextChoices):
    PENDING = "pending", "Waiting for confirmation"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused after delivery failures"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"


class Weekday(models.IntegerChoices):
    """ISO weekdays, as `date.isoweekday()` returns them."""

    MONDAY = 1, "Monday"
    TUESDAY = 2, "Tuesday"
    WEDNESDAY = 3, "Wednesday"
    THURSDAY = 4, "Thursday"
    FRIDAY = 5, "Friday"
    SATURDAY = 6, "Saturday"
    SUNDAY = 7, "Sunday"


class Subscription(models.Model):
    """Who gets a digest, of what, and when (weekday and hour in the subscriber's own time zone).

    Filters mirror the API's: any of the categories, any of the kinds, any of the entities, any of the named
    timelines, and a minimum source reliability; an empty filter does not restrict. Dimensions combine with AND.
    """

    email = models.EmailField(max_length=254, unique=True, help_text="stored lower-cased")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="digest_subscriptions"
    )
    status = models.CharField(max_length=12, choices=SubscriptionStatus.choices, default=SubscriptionStatus.PENDING)

    categories = models.JSONField(default=list, blank=True)
    kinds = models.JSONField(default=list, blank=True)
    entities = models.JSONField(default=list, blank=True, help_text="entity ids")
    timelines = models.JSONField(default=list, blank=True, help_text="named timeline slugs")
    min_reliability = models.CharField(max_length=1, blank=True, help_text="A (best) .. F; blank: any")
    include_review_queue = models.BooleanField(
        default=False, help_text="analysts only: the number of candidates waiting for review"
    )

    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.MONDAY)
    hour = models.PositiveSmallIntegerField(default=8, help_text="0-23, in the subscriber's time zone")
    time_zone = models.CharField(max_length=64, default="UTC")

    # Changes asked for on an already active subscription, applied when their confirmation link is followed.
    pending = models.JSONField(default=dict, blank=True)
    # The log position up to which the last digest (sent or empty) covered; the next one starts after it.
    covered_to_position = models.BigIntegerField(default=0)
    requested_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    pause_reason = models.TextField(blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["email"]
        indexes = [models.Index(fields=["status", "weekday", "hour"], name="digest_sub_due")]
        constraints = [
            models.CheckConstraint(condition=models.Q(hour__gte=0, hour__lte=23), name="digest_sub_hour_range"),
        ]

    def __str__(self) -> str:
        return self.email


class DeliveryState(models.TextChoices):
    CLAIMED = "claimed", "Claimed (sending or died while sending)"
    SENT = "sent", "Sent"
    EMPTY = "empty", "Nothing matched: not sent"
    FAILED = "failed", "Failed (will be retried)"


# A week's send with a log row in one of these states may be claimed again; any other row means someone else
# holds or finished it. The claim (digests.sending) and the dry run's forecast (digests.selectors) both read this.
RECLAIMABLE_STATES = (DeliveryState.FAILED,)


class Delivery(models.Model):
    """The send log: one row per (subscription, ISO week), inserted to claim the send before anything is sent.

    The unique constraint is the lock: whoever inserts the row (or moves it from failed back to claimed with a
    conditional UPDATE) owns the send, identified by `claim_token`; everyone else backs off.
    """

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    week = models.CharField(max_length=8, help_text="ISO week, e.g. 2025-W05")
    state = models.CharField(max_length=8, choices=DeliveryState.choices, default=DeliveryState.CLAIMED)
    claim_token = models.UUIDField()
    attempts = models.PositiveIntegerField(default=1)
    claimed_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    from_position = models.BigIntegerField(default=0)
    to_position = models.BigIntegerField(default=0)
    item_count = models.PositiveIntegerField(default=0)
    message_id = models.CharField(max_length=255, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-claimed_at"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["subscription", "week"], name="digest_delivery_once_per_week"),
        ]
        indexes = [
            models.Index(fields=["week", "state"], name="digest_delivery_week_state"),
            # A claimant reads back the rows it won by its token; without an index that is a scan of the log.
            models.Index(fields=["claim_token"], name="digest_delivery_claim_token"),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.week} {self.state}"


class ConfirmationState(models.TextChoices):
    QUEUED = "queued", "Queued for the email worker"
    CLAIMED = "claimed", "Claimed (sending or died while sending)"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (retried until the attempts run out)"
    SUPERSEDED = "superseded", "Not sent: a newer request replaced its link"


class ConfirmationMail(models.Model):
    """The outbox of confirmation mails: one row per subscribe request that earned a link.

    The web request only inserts the row, so it never waits on the SMTP server; the email worker claims the row
    with a conditional UPDATE before sending (a redelivered or duplicated task finds it taken and sends nothing)
    and retries failures. The rows are also what the subscribe limits count: mails per recipient per day and
    requests per client address per hour (digests.confirmations).
    """

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="confirmation_mails")
    email = models.EmailField(max_length=254, help_text="the recipient, lower-cased")
    # The subscription's requested_at when the link was made: the link's stamp. A newer request changes the
    # subscription's, and the older mail, if still unsent, is superseded rather than sent with a dead link.
    requested_at = models.DateTimeField()
    client_address = models.CharField(max_length=45, blank=True, help_text="who asked (config.client_address)")
    state = models.CharField(max_length=10, choices=ConfirmationState.choices, default=ConfirmationState.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["email", "created_at"], name="digest_confirm_email_time"),
            models.Index(fields=["client_address", "created_at"], name="digest_confirm_client_time"),
            models.Index(fields=["state", "created_at"], name="digest_confirm_state_time"),
        ]

    def __str__(self) -> str:
        return f"{self.email} {self.created_at:%Y-%m-%d %H:%M} {self.state}"
