"""Saved searches, the alert consumer's checkpoint, and the delivery log (one row per delivery id)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Channel(models.TextChoices):
    WEBHOOK = "webhook", "Webhook, instantly"
    EMAIL = "email", "Email, instantly"
    DAILY = "daily", "Email, once a day"


class SavedSearch(models.Model):
    """A named set of /api/developments/ filters that its owner wants to hear about.

    `query` is the filters as the owner wrote them (for display and a link to the matches); `filters` is the
    same, checked and normalised by the API's filter parsing into the mapping timeline.selectors reads
    (`filters_from_mapping`), so the consumer evaluates exactly what the list endpoint would answer.
    One webhook endpoint per saved search: its URL and secret live here, and so does its health.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches")
    name = models.CharField(max_length=200)
    query = models.CharField(max_length=2000, blank=True)
    filters = models.JSONField(default=dict, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    webhook_url = models.URLField(max_length=2000, blank=True)
    # Standard Webhooks' "whsec_" + base64 key; shown to the owner once, when created or rotated.
    webhook_secret = models.CharField(max_length=100, blank=True)
    # When the endpoint began failing (reset by any success); a day of failures disables it.
    webhook_failing_since = models.DateTimeField(null=True, blank=True)
    webhook_disabled_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    # Alerts are for events after this log position: a new (or re-filtered) search does not alert on the past.
    since_position = models.BigIntegerField(default=0)
    # Daily email: when the last one went out (one per 24 hours at most).
    daily_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["owner_id", "name", "pk"]
        verbose_name_plural = "saved searches"
        indexes = [models.Index(fields=["active", "channel"], name="alerts_search_active")]

    def __str__(self) -> str:
        return self.name


class AlertCheckpoint(models.Model):
    """How far along the log the alert consumer has read; moved in the transaction that records deliveries."""

    name = models.CharField(max_length=80, primary_key=True)
    position = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} @ {self.position}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (gave up)"


class AlertDelivery(models.Model):
    """One alert: a saved search, a development and the event that made it match. The triple is the delivery id
    (`webhook-id`), unique, so the consumer can never record an alert twice, and a resend reuses the id."""

    saved_search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="deliveries")
    development_id = models.UUIDField()
    position = models.BigIntegerField()
    event_type = models.CharField(max_length=80)
    # What happened for the owner: recorded, matches (revised into the search), revised, retracted.
    change = models.CharField(max_length=20)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # Due time of the next attempt; a sender claims a row by moving it past its own lease (a conditional UPDATE).
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    last_status = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["saved_search", "development_id", "position"], name="alerts_delivery_unique"
            ),
        ]
        indexes = [models.Index(fields=["state", "channel", "next_attempt_at"], name="alerts_delivery_due")]

    def __str__(self) -> str:
        return self.delivery_id

    @property
    def delivery_id(self) -> str:
        return f"alert_{self.saved_search_id}_{self.position}_{uuid.UUID(str(self.development_id)).hex}"
