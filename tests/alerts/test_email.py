"""Alerts by email, instantly or once a day; mail to Django's in-memory outbox (no server)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from alerts.consumer import alerts_consume_all
from alerts.delivery import Outcome, daily_searches_due, daily_send, deliveries_due, delivery_send
from alerts.models import AlertDelivery, Channel, DeliveryState, SavedSearch
from tests.alerts.conftest import make_owner, save_search
from tests.api.conftest import record

pytestmark = pytest.mark.django_db


def test_an_instant_email_alert_goes_to_the_owner() -> None:
    save_search(make_owner(), "category=government", channel=Channel.EMAIL, name="rules")
    development = record()
    alerts_consume_all()
    assert [delivery_send(delivery_id=pk) for pk in deliveries_due(now=timezone.now(), limit=10)] == [Outcome.SENT]
    [message] = mail.outbox
    assert message.to == ["olga@example.org"] and "rules" in message.subject
    assert development.title in message.body and str(development.pk) in message.body


def test_daily_alerts_come_in_one_email_at_most_once_a_day() -> None:
    search = save_search(make_owner(), "category=government", channel=Channel.DAILY, name="rules")
    for index in range(3):
        record(title=f"Rule {index}")
    alerts_consume_all()
    assert deliveries_due(now=timezone.now(), limit=10) == []  # not sent one by one

    assert daily_searches_due(now=timezone.now()) == [search.pk]
    assert daily_send(saved_search_id=search.pk) == Outcome.SENT
    [message] = mail.outbox
    assert all(f"Rule {index}" in message.body for index in range(3))
    assert set(AlertDelivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}

    record(title="Rule 4")
    alerts_consume_all()
    assert daily_searches_due(now=timezone.now()) == []  # the day is not over
    assert daily_send(saved_search_id=search.pk) == Outcome.SKIPPED
    SavedSearch.objects.filter(pk=search.pk).update(daily_sent_at=timezone.now() - timedelta(hours=25))
    assert daily_send(saved_search_id=search.pk) == Outcome.SENT
    assert "Rule 4" in mail.outbox[1].body and "Rule 0" not in mail.outbox[1].body
